"""Ambient state: the global random generators and their states."""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from types import BuiltinFunctionType, MethodType
from typing import Any, Final

import xxhash

from checkpointing._errors import AmbientStateWarning, user_stacklevel

from ._common import _DATA_TYPES, _attr, _text_attr

# ---------------------------------------------------------------------------
# Ambient state: the process-wide random generators
# ---------------------------------------------------------------------------

# Submodules a chain may import to be resolved (numpy 2 loads numpy.random lazily,
# on the first ``np.random`` the call itself would make).
_GENERATOR_MODULES: Final = frozenset({"numpy.random"})


@dataclass(frozen=True, slots=True)
class _Generator:
    """A process-wide random generator that module-level functions draw from."""

    label: str  # component suffix: "numpy.random" or "random"
    owner: object  # numpy's global RandomState, or random's hidden Random()
    seeders: tuple[object, ...]  # module functions that set its state
    seeding_methods: frozenset[str]  # its methods that set its state
    state: Callable[[], str]  # a digest of its state
    description: str
    fix: str


def _generators() -> tuple[_Generator, ...]:
    """The global generators of the modules imported so far (never imports)."""
    found = []
    mtrand = _attr(sys.modules.get("numpy.random.mtrand"), "__dict__")
    if isinstance(mtrand, dict):
        owner = mtrand.get("_rand")
        if callable(_attr(owner, "get_state")):
            found.append(
                _Generator(
                    "numpy.random",
                    owner,
                    (mtrand.get("seed"),),
                    frozenset({"seed", "set_state"}),
                    functools.partial(_numpy_state_digest, owner),
                    "numpy's global random generator (numpy.random.mtrand._rand)",
                    "pass a seed or a numpy.random.Generator as an argument "
                    "(rng=numpy.random.default_rng(seed)), or random_state= to .rvs()",
                )
            )
    stdlib = _attr(sys.modules.get("random"), "__dict__")
    if isinstance(stdlib, dict):
        owner = stdlib.get("_inst")
        if callable(_attr(owner, "getstate")):
            found.append(
                _Generator(
                    "random",
                    owner,
                    (),
                    frozenset({"seed", "setstate"}),
                    functools.partial(_random_state_digest, owner),
                    "the random module's global generator",
                    "pass a seed or a random.Random(seed) as an argument",
                )
            )
    return tuple(found)


def _numpy_state_digest(generator: Any) -> str:
    """
    Digest of a legacy numpy ``RandomState``'s state (about 30 µs, most in get_state).

    The Mersenne Twister key, its position, and the cached Gaussian: a second
    ``normal()`` uses the cached value without moving the key, so the cache is
    state too.
    """
    name, key, position, has_gauss, gauss = generator.get_state()
    hasher = xxhash.xxh3_128(f"{name}\0{position}\0{has_gauss}\0{gauss!r}\0".encode())
    hasher.update(key)  # 624 uint32 words, hashed in place
    return str(hasher.hexdigest())


def _random_state_digest(generator: Any) -> str:
    """Digest of a ``random.Random``'s state (625 words and the cached Gaussian)."""
    import array

    version, words, gauss = generator.getstate()
    hasher = xxhash.xxh3_128(f"{version}\0{gauss!r}\0".encode())
    hasher.update(array.array("Q", words).tobytes())
    return str(hasher.hexdigest())


def _generator_use(
    obj: object, generators: tuple[_Generator, ...]
) -> tuple[_Generator, bool, str] | None:
    """
    The global generator *obj* draws from or seeds: (generator, seeds, its name).

    Draws: the module-level functions bound to the generator
    (``numpy.random.normal``, ``random.choice``, ``numpy.random.get_state``)
    and the generator object itself. Seeds: ``numpy.random.seed``,
    ``set_state``, ``random.seed``, ``random.setstate``.
    """
    if type(obj) in _DATA_TYPES:
        return None
    for generator in generators:
        if obj is generator.owner:
            return generator, False, generator.label
        if any(obj is seeder for seeder in generator.seeders):
            return generator, True, f"{generator.label}.seed"
        if isinstance(obj, (MethodType, BuiltinFunctionType)) and (
            _attr(obj, "__self__") is generator.owner
        ):
            name = _text_attr(obj, "__name__") or "?"
            return (
                generator,
                name in generator.seeding_methods,
                f"{generator.label}.{name}",
            )
    return None


def _numpy_generator(generators: tuple[_Generator, ...]) -> tuple[_Generator, ...]:
    """*generators*, with numpy's imported if numpy is (``.rvs`` draws from it)."""
    if "numpy" in sys.modules and not any(
        g.label == "numpy.random" for g in generators
    ):
        with contextlib.suppress(Exception):
            importlib.import_module("numpy.random")
        return _generators()
    return generators


def _warn_ambient(marker: str, message: str) -> None:
    if marker in _warned_ambient:
        return
    _warned_ambient.add(marker)
    warnings.warn(message, AmbientStateWarning, stacklevel=user_stacklevel())


_warned_ambient: set[str] = set()
