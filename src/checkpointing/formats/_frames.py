"""
What the DataFrame families (pandas, polars) share: the format names and row diffs.

One reason to change: the vocabulary of frame formats (``"parquet"``,
``"csv"``, ``"json"`` and their suffixes) and how a column that comes back
changed is described.

Imports: :mod:`checkpointing.formats._common`.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from ._common import _quote

FrameFormat = Literal["parquet", "csv", "json"]
_FRAME_SUFFIXES: Final = {"parquet": ".parquet", "csv": ".csv", "json": ".json"}


def _first_difference(
    before: list[Any], after: list[Any]
) -> tuple[int, Any, Any] | None:
    """The first position where two lists differ (NaN equals NaN), or None."""
    for position, (old, new) in enumerate(zip(before, after, strict=False)):
        same_nan = (
            isinstance(old, float)
            and isinstance(new, float)
            and old != old
            and new != new
        )
        if not same_nan and (type(old) is not type(new) or old != new):
            return position, old, new
    return None


def _value_change(label: str, before: list[Any], after: list[Any]) -> str:
    difference = _first_difference(before, after)
    if difference is None:
        return f"{label} values change"
    position, old, new = difference
    return f"{label} values change (row {position}: {_quote(old)} comes back as {_quote(new)})"
