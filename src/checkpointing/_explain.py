"""
Explanations: why a call hits or reruns, as a pure diff of manifests.

Nothing here does I/O. Given the components and arguments of a call and the
manifests already stored for the function, :func:`explain` picks the *nearest*
stored entry and names every component that differs from it:

1. an entry with the same arguments and other code (so the code changed);
2. else an entry with the same code and other arguments (the arguments changed);
3. else the entry with the fewest differences (both changed).

Ties go to the newest entry.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, final

from ._manifest import ArgumentRecord, ComponentRecord, Manifest

__all__ = ["Change", "Explanation", "explain", "source_diff"]

Status = Literal["hit", "miss"]

#: Causes, from the most to the least specific.
FIRST_CALL = "first call"
CODE_CHANGED = "code changed"
ARGUMENTS_CHANGED = "arguments changed"
BOTH_CHANGED = "code and arguments changed"
FORCED = "forced rerun"
UNREADABLE = "stored entry unreadable"
HIT = "hit"


@final
@dataclass(frozen=True, slots=True)
class Change:
    """
    One component or argument that differs from the nearest stored entry.

    Attributes:
        component: Component name (``"source"``, ``"callee:helpers:scale"``,
            ``"global:helpers:SCALE"``, ``"package:numpy"``) or
            ``"argument:<parameter>"``.
        kind: The component kind, or ``"argument"``.
        change: ``"changed"``, ``"added"`` (only in the new call) or
            ``"removed"`` (only in the stored entry).
        old: Summary in the stored entry (value repr, version), ``""`` if none.
        new: Summary in the new call, ``""`` if none.
        old_blob: Digest of the stored normalized source, if any.
        new_blob: Digest of the new normalized source, if any.
    """

    component: str
    kind: str
    change: str
    old: str = ""
    new: str = ""
    old_blob: str | None = None
    new_blob: str | None = None

    def describe(self) -> str:
        """Return one readable line, e.g. ``global:m:X changed: 1 -> 2``."""
        label = self.component
        if self.change == "added":
            what = f"{label} added"
            return f"{what}: {self.new}" if self.new else what
        if self.change == "removed":
            what = f"{label} removed"
            return f"{what}: {self.old}" if self.old else what
        if self.kind in ("source", "callee"):
            return f"{label} changed (source)"
        if self.kind == "docstring":
            what = f"{label} changed (docstring only)"
            return f"{what}: {self.old} -> {self.new}" if self.old or self.new else what
        if self.old or self.new:
            return f"{label} changed: {self.old} -> {self.new}"
        return f"{label} changed"

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        out: dict[str, Any] = {
            "component": self.component,
            "kind": self.kind,
            "change": self.change,
            "old": self.old,
            "new": self.new,
        }
        if self.old_blob:
            out["old_blob"] = self.old_blob
        if self.new_blob:
            out["new_blob"] = self.new_blob
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        """Rebuild a change from :meth:`to_json` output."""
        return cls(
            component=str(data["component"]),
            kind=str(data.get("kind", "")),
            change=str(data.get("change", "changed")),
            old=str(data.get("old", "")),
            new=str(data.get("new", "")),
            old_blob=data.get("old_blob"),
            new_blob=data.get("new_blob"),
        )


@final
@dataclass(frozen=True, slots=True)
class Explanation:
    """
    Whether a call hits, and if not, why it must run.

    Attributes:
        status: ``"hit"`` or ``"miss"``.
        cause: ``"hit"``, ``"first call"``, ``"code changed"``,
            ``"arguments changed"``, ``"code and arguments changed"``,
            ``"forced rerun"`` or ``"stored entry unreadable"``.
        changes: Every differing component and argument, sorted by name.
        key: 32-character hex key of the call.
        compared_with: Key of the nearest stored entry, or ``None``.
    """

    status: Status
    cause: str
    changes: tuple[Change, ...] = ()
    key: str = ""
    compared_with: str | None = None

    @property
    def hit(self) -> bool:
        """Whether the call would be answered from the store."""
        return self.status == "hit"

    @property
    def docstring_only(self) -> bool:
        """Whether the only differences are docstrings (the user may judge them harmless)."""
        return bool(self.changes) and all(c.kind == "docstring" for c in self.changes)

    def summary(self) -> str:
        """Return one line: ``hit``, ``first call``, or the changed components."""
        if self.status == "hit":
            return HIT
        if not self.changes:
            return self.cause
        names = ", ".join(c.describe() for c in self.changes[:3])
        more = f" (+{len(self.changes) - 3} more)" if len(self.changes) > 3 else ""
        return f"{self.cause}: {names}{more}"

    def render(self) -> str:
        """Return a multi-line, human-readable explanation."""
        if self.status == "hit":
            return f"hit: entry {self.key}"
        docstring_only = " (docstring only)" if self.docstring_only else ""
        lines = [f"miss: {self.cause}{docstring_only}"]
        if self.compared_with and self.compared_with != self.key:
            lines.append(f"  compared with entry {self.compared_with}")
        lines.extend(f"  - {change.describe()}" for change in self.changes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (stored as a manifest's ``reason``)."""
        return {
            "status": self.status,
            "cause": self.cause,
            "changes": [c.to_json() for c in self.changes],
            "key": self.key,
            "compared_with": self.compared_with,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Explanation:
        """Rebuild an explanation from :meth:`to_json` output."""
        status: Status = "hit" if data.get("status") == "hit" else "miss"
        return cls(
            status=status,
            cause=str(data.get("cause", "")),
            changes=tuple(Change.from_json(c) for c in data.get("changes", ())),
            key=str(data.get("key", "")),
            compared_with=data.get("compared_with"),
        )


def explain(
    key: str,
    fingerprint: str,
    arguments_digest: str,
    components: Mapping[str, ComponentRecord],
    arguments: Mapping[str, ArgumentRecord],
    stored: Sequence[Manifest],
) -> Explanation:
    """
    Explain a call against the manifests stored for its function.

    Args:
        key: The call's 32-character hex key.
        fingerprint: The call's code fingerprint digest.
        arguments_digest: The call's argument digest.
        components: The call's fingerprint components.
        arguments: The call's per-parameter records.
        stored: Manifests already stored for the function (any order).

    Returns:
        A hit if an entry with *key* is among *stored*, else a miss naming every
        component and argument that differs from the nearest entry.
    """
    if any(m.key == key for m in stored):
        return Explanation("hit", HIT, (), key, key)
    if not stored:
        return Explanation("miss", FIRST_CALL, (), key, None)
    newest_first = sorted(stored, key=lambda m: m.created_at, reverse=True)

    def differences(m: Manifest) -> int:
        return len(diff_components(m.components, components)) + len(
            diff_arguments(m.arguments, arguments)
        )

    # Within each rule the entry with the fewest differences wins (min() keeps
    # the first, i.e. the newest, on ties): in a grid search the reason then
    # names the one parameter that changed, not the distance to the last point.
    same_arguments = [m for m in newest_first if m.arguments_digest == arguments_digest]
    same_code = [m for m in newest_first if m.fingerprint == fingerprint]
    nearest = min(same_arguments or same_code or newest_first, key=differences)
    code_changes = diff_components(nearest.components, components)
    argument_changes = diff_arguments(nearest.arguments, arguments)
    if code_changes and argument_changes:
        cause = BOTH_CHANGED
    elif argument_changes:
        cause = ARGUMENTS_CHANGED
    else:
        cause = CODE_CHANGED
    return Explanation(
        "miss", cause, tuple(code_changes + argument_changes), key, nearest.key
    )


def diff_components(
    old: Mapping[str, ComponentRecord], new: Mapping[str, ComponentRecord]
) -> list[Change]:
    """Return the components that differ between *old* and *new*, sorted by name."""
    changes = []
    for name in sorted(old.keys() | new.keys()):
        before, after = old.get(name), new.get(name)
        if before is not None and after is not None:
            if before.digest != after.digest:
                changes.append(
                    Change(
                        name,
                        after.kind,
                        "changed",
                        before.summary,
                        after.summary,
                        before.blob,
                        after.blob,
                    )
                )
        elif after is not None:
            changes.append(
                Change(name, after.kind, "added", "", after.summary, None, after.blob)
            )
        elif before is not None:
            changes.append(
                Change(
                    name, before.kind, "removed", before.summary, "", before.blob, None
                )
            )
    return changes


def diff_arguments(
    old: Mapping[str, ArgumentRecord], new: Mapping[str, ArgumentRecord]
) -> list[Change]:
    """Return the arguments that differ between *old* and *new*, as ``argument:<name>``."""
    changes = []
    for name in sorted(old.keys() | new.keys()):
        before, after = old.get(name), new.get(name)
        component = f"argument:{name}"
        if before is not None and after is not None:
            if before.digest != after.digest:
                changes.append(
                    Change(
                        component, "argument", "changed", before.summary, after.summary
                    )
                )
        elif after is not None:
            changes.append(Change(component, "argument", "added", "", after.summary))
        elif before is not None:
            changes.append(Change(component, "argument", "removed", before.summary, ""))
    return changes


def source_diff(old: str | None, new: str | None, name: str) -> list[str]:
    """
    Return the unified diff of two normalized sources of component *name*.

    Args:
        old: The stored source, or ``None`` if it was not kept (or absent).
        new: The newer source, or ``None``.
        name: The component name, used in the ``---``/``+++`` header lines.

    Returns:
        Diff lines without line endings; empty if both are ``None`` or equal.

    >>> source_diff("def f():\\n    return 1", "def f():\\n    return 2", "source")[3:]
    [' def f():', '-    return 1', '+    return 2']
    """
    if old is None and new is None:
        return []
    return list(
        difflib.unified_diff(
            (old or "").splitlines(),
            (new or "").splitlines(),
            fromfile=f"{name} (before)",
            tofile=f"{name} (now)",
            lineterm="",
        )
    )
