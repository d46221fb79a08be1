"""
How entries are explained in words: why one was computed, what cannot be read.

The reason an entry was computed (its cause and changes, with source diffs
from ``.blobs/``) in text and JSON, the notes on a fingerprint's coverage, and
why a manifest is unreadable. Shared by ``inspect``, ``show``, ``list`` and
``verify``; it changes when the way a reason or a problem is worded changes.

Imports: ``_explain``, ``_manifest``, ``_protocol`` and ``_catalog`` (types), and
``cli._render``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from checkpointing._explain import Explanation, source_diff
from checkpointing._manifest import FORMAT_VERSION

from ._render import Segment, _Plain, _plural

if TYPE_CHECKING:
    from checkpointing._manifest import Manifest
    from checkpointing.store._catalog import FunctionCatalog, Unreadable
    from checkpointing.store._protocol import EntryStore


def _unreadable_reason(record: Unreadable) -> str:
    if record.older_format:
        return (
            f"written by an older format version (manifest format {record.format_version}; "
            f"this version reads format {FORMAT_VERSION})"
        )
    if record.newer_format:
        return (
            f"written by a newer format version (manifest format {record.format_version}; "
            f"this version reads format {FORMAT_VERSION}): upgrade checkpointing"
        )
    return record.message


def _unreadable_notes(catalog: FunctionCatalog) -> list[str]:
    records = list(catalog.unreadable.values())
    older = sum(u.older_format for u in records)
    newer = sum(u.newer_format for u in records)
    damaged = len(records) - older - newer
    notes = []
    if older:
        notes.append(
            f"{_plural(older, 'entry', 'entries')} written by an older format version "
            f"(this version reads format {FORMAT_VERSION}); a call recomputes "
            "its result; 'prune --unreadable' deletes them"
        )
    if newer:
        notes.append(
            f"{_plural(newer, 'entry', 'entries')} written by a newer format version of "
            "checkpointing; upgrade to read them"
        )
    if damaged:
        notes.append(
            f"{_plural(damaged, 'entry', 'entries')} with a damaged manifest; "
            "'verify' tells more, 'prune --unreadable' deletes them"
        )
    return notes


def _coverage_notes(manifest: Manifest) -> list[str]:
    """What the newest entry says about the fingerprint's own coverage."""
    notes = []
    for name, record in sorted(manifest.components.items()):
        if record.kind == "dynamic":
            notes.append(f"{name.partition(':')[2]} {record.summary}")
        elif record.kind == "version":
            notes.append(f"code identity pinned by version={record.summary!r}")
        elif record.kind == "option":
            notes.append(
                f"left out of the fingerprint (ignore_code=): {record.summary}"
            )
        elif record.kind == "file":
            notes.append(f"depends on {name.partition(':')[2]}")
    return notes


def _reason(manifest: Manifest) -> Explanation:
    return Explanation.from_json(
        manifest.reason or {"status": "miss", "cause": "unknown"}
    )


def _change_segments(description: str, component: str) -> list[Segment]:
    """Colour the component name and the old/new values of a ``describe()`` line."""
    rest = (
        description[len(component) :]
        if description.startswith(component)
        else description
    )
    segments: list[Segment] = [(component, "component")] if rest != description else []
    head, arrow, new = rest.partition(" -> ")
    if arrow:
        verb, colon, old = head.partition(": ")
        segments += [verb + colon, (old, "old"), arrow, (new, "new")]
    else:
        segments.append(rest)
    return segments


def _diff_segments(line: str) -> list[Segment]:
    if line.startswith(("+++", "---")):
        return [(line, "dim")]
    if line.startswith("+"):
        return [(line, "new")]
    if line.startswith("-"):
        return [(line, "old")]
    if line.startswith("@@"):
        return [(line, "hunk")]
    return [line]


def _diff(
    store: EntryStore, old_blob: str | None, new_blob: str | None, name: str
) -> list[str]:
    old = store.blob(old_blob) if old_blob else None
    new = store.blob(new_blob) if new_blob else None
    if (old_blob and old is None) or (new_blob and new is None):
        return ["(source text not kept in .blobs/: no diff)"]
    return source_diff(old, new, name)


def _print_reason(
    out: _Plain,
    store: EntryStore,
    manifest: Manifest,
    first: str,
    indent: str,
    *,
    diffs: bool,
) -> None:
    reason = _reason(manifest)
    docstring_only = " (docstring only)" if reason.docstring_only else ""
    out.line(first, (reason.cause + docstring_only, "cause"))
    if diffs and reason.compared_with and reason.compared_with != manifest.key:
        out.line(
            indent,
            ("  compared with entry ", "dim"),
            (reason.compared_with[:12], "key"),
        )
    for change in reason.changes:
        out.line(indent, "  - ", *_change_segments(change.describe(), change.component))
        if diffs and change.kind in ("source", "callee"):
            for line in _diff(
                store, change.old_blob, change.new_blob, change.component
            ):
                out.line(indent, "      ", *_diff_segments(line))


def _reason_json(store: EntryStore, manifest: Manifest) -> dict[str, Any]:
    """The manifest as JSON, with a ``diff`` (list of lines) on every source change."""
    data: dict[str, Any] = json.loads(manifest.to_json())
    for change in data.get("reason", {}).get("changes", []):
        if change.get("kind") in ("source", "callee"):
            change["diff"] = _diff(
                store,
                change.get("old_blob"),
                change.get("new_blob"),
                change["component"],
            )
    return data
