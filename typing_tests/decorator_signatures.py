"""Type-checked only (by mypy in CI), never executed: @checkpoint keeps signatures."""

from __future__ import annotations

from typing_extensions import assert_type

from checkpointing import Checkpointed, Explanation, checkpoint


@checkpoint
def bare(x: int, y: str = "a") -> float:
    return float(x)


@checkpoint(directory="/tmp/cache", ignore=("verbose",), on_error="raise")
def configured(x: int, *, verbose: bool = False) -> list[int]:
    return [x]


@checkpoint
async def coroutine(x: int) -> str:
    return str(x)


bare_checkpointed: Checkpointed[[int, str], float] = bare  # positional use is accepted
assert_type(bare(1), float)
assert_type(bare(1, "b"), float)
assert_type(bare.rerun(1), float)
assert_type(bare.key(1), str)
assert_type(bare.is_cached(1), bool)
assert_type(bare.explain(1), Explanation)
assert_type(bare.clear(), int)
assert_type(configured(3, verbose=True), list[int])
assert_type(bare.__name__, str)


async def awaiting() -> None:
    assert_type(await coroutine(1), str)
