"""Tests for checkpointing._explain."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkpointing import ArgumentRecord, Change, ComponentRecord, Explanation
from checkpointing._explain import (
    ARGUMENTS_CHANGED,
    BOTH_CHANGED,
    CODE_CHANGED,
    FIRST_CALL,
    HIT,
    diff_arguments,
    diff_components,
    explain,
    source_diff,
)

from .strategies import argument_records, component_records, make_manifest

SOURCE = ComponentRecord("source", "1" * 32, "", "1" * 32)
SOURCE_EDITED = ComponentRecord("source", "9" * 32, "", "9" * 32)
SCALE_2 = ComponentRecord("global", "2" * 32, "2")
SCALE_3 = ComponentRecord("global", "3" * 32, "3")
X_1 = ArgumentRecord("a" * 32, "1")
X_2 = ArgumentRecord("b" * 32, "2")


def _call(
    key="k" * 32,
    fingerprint="f" * 32,
    arguments_digest="a" * 32,
    components=None,
    arguments=None,
    stored=(),
):
    return explain(
        key,
        fingerprint,
        arguments_digest,
        components if components is not None else {"source": SOURCE},
        arguments if arguments is not None else {"x": X_1},
        list(stored),
    )


class TestExplain:
    def test_first_call(self):
        """With nothing stored the call is a first-call miss."""
        expected = Explanation("miss", FIRST_CALL, (), "k" * 32, None)
        assert expected == _call()

    def test_hit(self):
        """A stored entry with the call's key is a hit."""
        stored = make_manifest(key="k" * 32)
        expected = Explanation("hit", HIT, (), "k" * 32, "k" * 32)
        assert expected == _call(stored=[stored])

    def test_code_changed(self):
        """Same arguments, other code: the changed component is named."""
        old = make_manifest(
            key="o" * 32,
            fingerprint="0" * 32,
            arguments_digest="a" * 32,
            components={"source": SOURCE},
            arguments={"x": X_1},
        )
        actual = _call(components={"source": SOURCE_EDITED}, stored=[old])
        assert CODE_CHANGED == actual.cause
        assert "o" * 32 == actual.compared_with
        expected = (Change("source", "source", "changed", "", "", "1" * 32, "9" * 32),)
        assert expected == actual.changes

    def test_arguments_changed(self):
        """Same code, other arguments: the changed argument is named."""
        old = make_manifest(
            key="o" * 32,
            fingerprint="f" * 32,
            arguments_digest="0" * 32,
            components={"source": SOURCE},
            arguments={"x": X_1},
        )
        actual = _call(arguments={"x": X_2}, stored=[old])
        assert ARGUMENTS_CHANGED == actual.cause
        expected = (Change("argument:x", "argument", "changed", "1", "2"),)
        assert expected == actual.changes

    def test_both_changed(self):
        """Other code and other arguments: both kinds of change are listed."""
        old = make_manifest(
            key="o" * 32,
            fingerprint="0" * 32,
            arguments_digest="0" * 32,
            components={"source": SOURCE},
            arguments={"x": X_1},
        )
        actual = _call(
            components={"source": SOURCE_EDITED}, arguments={"x": X_2}, stored=[old]
        )
        assert BOTH_CHANGED == actual.cause
        assert ["source", "argument:x"] == [c.component for c in actual.changes]

    def test_prefers_entry_with_same_arguments(self):
        """An entry with the call's arguments is compared before one with its code."""
        same_code = make_manifest(
            key="c" * 32,
            fingerprint="f" * 32,
            arguments_digest="0" * 32,
            created_at=20.0,
        )
        same_args = make_manifest(
            key="d" * 32,
            fingerprint="0" * 32,
            arguments_digest="a" * 32,
            created_at=10.0,
        )
        assert "d" * 32 == _call(stored=[same_code, same_args]).compared_with

    def test_prefers_entry_with_same_code(self):
        """Without same-argument entries, an entry with the call's code is compared."""
        unrelated = make_manifest(
            key="c" * 32,
            fingerprint="0" * 32,
            arguments_digest="0" * 32,
            created_at=20.0,
        )
        same_code = make_manifest(
            key="d" * 32,
            fingerprint="f" * 32,
            arguments_digest="1" * 32,
            created_at=10.0,
        )
        assert "d" * 32 == _call(stored=[unrelated, same_code]).compared_with

    def test_ties_go_to_newest(self):
        """Among equally near entries the newest is compared."""
        older = make_manifest(key="c" * 32, fingerprint="0" * 32, created_at=10.0)
        newer = make_manifest(key="d" * 32, fingerprint="0" * 32, created_at=20.0)
        assert "d" * 32 == _call(stored=[older, newer]).compared_with
        assert "d" * 32 == _call(stored=[newer, older]).compared_with

    def test_fewest_differences_within_a_rule(self):
        """Among entries with the same code, the one with the fewest argument changes wins."""
        y_1 = ArgumentRecord("c" * 32, "1")
        y_2 = ArgumentRecord("d" * 32, "2")
        newer_far = make_manifest(
            key="c" * 32, arguments_digest="0" * 32,
            components={"source": SOURCE}, arguments={"x": X_2, "y": y_2}, created_at=20.0,
        )  # fmt: skip
        older_near = make_manifest(
            key="d" * 32, arguments_digest="1" * 32,
            components={"source": SOURCE}, arguments={"x": X_2, "y": y_1}, created_at=10.0,
        )  # fmt: skip
        actual = _call(arguments={"x": X_1, "y": y_1}, stored=[newer_far, older_near])
        assert "d" * 32 == actual.compared_with
        assert ["argument:x"] == [c.component for c in actual.changes]

    def test_fewest_differences(self):
        """With neither code nor arguments shared, the least different entry wins."""
        far = make_manifest(
            key="c" * 32,
            fingerprint="0" * 32,
            arguments_digest="0" * 32,
            components={"source": SOURCE_EDITED, "global:m:S": SCALE_2},
            arguments={"x": X_2},
            created_at=20.0,
        )
        near = make_manifest(
            key="d" * 32,
            fingerprint="1" * 32,
            arguments_digest="1" * 32,
            components={"source": SOURCE, "global:m:S": SCALE_2},
            arguments={"x": X_2},
            created_at=10.0,
        )
        actual = _call(
            components={"source": SOURCE, "global:m:S": SCALE_3}, stored=[far, near]
        )
        assert "d" * 32 == actual.compared_with
        assert ["global:m:S", "argument:x"] == [c.component for c in actual.changes]

    def test_same_arguments_win_over_fewer_differences(self):
        """Rule 1 beats rule 2 even when the same-code entry differs in less."""
        same_code = make_manifest(
            key="c" * 32, fingerprint="f" * 32, arguments_digest="0" * 32,
            components={"source": SOURCE}, arguments={"x": X_2}, created_at=20.0,
        )  # fmt: skip
        same_args = make_manifest(
            key="d" * 32, fingerprint="0" * 32, arguments_digest="a" * 32,
            components={"source": SOURCE_EDITED, "global:m:S": SCALE_2},
            arguments={"x": X_1}, created_at=10.0,
        )  # fmt: skip
        actual = _call(stored=[same_code, same_args])
        assert ("d" * 32, CODE_CHANGED) == (actual.compared_with, actual.cause)
        assert ["global:m:S", "source"] == [c.component for c in actual.changes]

    def test_names_every_difference(self):
        """The reason names every differing component, not only the first."""
        package_old = ComponentRecord("package", "4" * 32, "1.26.4")
        package_new = ComponentRecord("package", "5" * 32, "2.0.0")
        python_old = ComponentRecord("python", "6" * 32, "CPython 3.11.7")
        python_new = ComponentRecord("python", "7" * 32, "CPython 3.12.1")
        doc = ComponentRecord("docstring", "8" * 32, "'Old.'")
        old = make_manifest(
            key="o" * 32,
            fingerprint="0" * 32,
            components={"source": SOURCE, "global:m:S": SCALE_2, "docstring": doc,
                        "package:numpy": package_old, "python": python_old},
            arguments={"x": X_1},
        )  # fmt: skip
        new = {"source": SOURCE_EDITED, "global:m:S": SCALE_3,
               "package:numpy": package_new, "python": python_new}  # fmt: skip
        actual = _call(components=new, stored=[old])
        assert CODE_CHANGED == actual.cause
        expected = [
            "docstring removed: 'Old.'",
            "global:m:S changed: 2 -> 3",
            "package:numpy changed: 1.26.4 -> 2.0.0",
            "python changed: CPython 3.11.7 -> CPython 3.12.1",
            "source changed (source)",
        ]
        assert expected == [c.describe() for c in actual.changes]

    @given(
        st.lists(
            st.tuples(
                st.sampled_from("fgh"), st.sampled_from("abc"), st.sampled_from("xyz")
            ),
            min_size=1,
            max_size=6,
        ),
        st.sampled_from("fgh"),
        st.sampled_from("abc"),
        st.sampled_from("xyz"),
    )
    def test_nearest_entry_rules(self, stored_specs, fingerprint, arguments, value):
        """The compared entry follows the rules: same arguments, else same code, else
        fewest differences; within a rule fewest differences, ties to the newest."""
        records = {v: ArgumentRecord(v * 32, v) for v in "xyz"}
        sources = {f: ComponentRecord("source", f * 32, "") for f in "fgh"}
        stored = [
            make_manifest(
                key=f"{i:032x}",
                fingerprint=f * 32,
                arguments_digest=a * 32,
                components={"source": sources[f]},
                arguments={"y": records[v]},
                created_at=float(i),
            )
            for i, (f, a, v) in enumerate(stored_specs)
        ]
        actual = explain(
            "k" * 32, fingerprint * 32, arguments * 32, {"source": sources[fingerprint]},
            {"y": records[value]}, stored,
        )  # fmt: skip
        group = (
            [m for m in stored if m.arguments_digest == arguments * 32]
            or [m for m in stored if m.fingerprint == fingerprint * 32]
            or stored
        )

        def distance(m):
            return (m.fingerprint != fingerprint * 32) + (
                m.arguments["y"] != records[value]
            )

        best = min(distance(m) for m in group)
        newest_best = max(
            (m for m in group if distance(m) == best), key=lambda m: m.created_at
        )
        assert newest_best.key == actual.compared_with


class TestSourceDiff:
    def test_changed_lines(self):
        """An edit shows as - and + lines under before/now headers."""
        lines = source_diff(
            "def f():\n    return 1", "def f():\n    return 2", "source"
        )
        assert ["--- source (before)", "+++ source (now)"] == lines[:2]
        assert ["-    return 1", "+    return 2"] == lines[-2:]

    def test_added_function(self):
        """A callee only in the new call shows entirely as added lines."""
        lines = source_diff(None, "def g():\n    pass", "callee:m:g")
        assert ["+def g():", "+    pass"] == lines[-2:]

    def test_nothing_kept(self):
        """Without either source there is no diff; equal sources have none either."""
        assert [] == source_diff(None, None, "source")
        assert [] == source_diff("a", "a", "source")


class TestDiff:
    def test_added_and_removed_components(self):
        """Components only on one side are reported as added or removed."""
        old = {"source": SOURCE, "global:m:OLD": SCALE_2}
        new = {"source": SOURCE, "global:m:NEW": SCALE_3}
        expected = [
            Change("global:m:NEW", "global", "added", "", "3", None, None),
            Change("global:m:OLD", "global", "removed", "2", "", None, None),
        ]
        assert expected == diff_components(old, new)

    def test_added_and_removed_arguments(self):
        """Arguments only on one side are reported as added or removed."""
        expected = [
            Change("argument:x", "argument", "removed", "1", ""),
            Change("argument:y", "argument", "added", "", "2"),
        ]
        assert expected == diff_arguments({"x": X_1}, {"y": X_2})

    @given(st.dictionaries(st.text(max_size=5), component_records, max_size=5))
    def test_no_self_difference(self, components):
        """A component mapping never differs from itself."""
        assert [] == diff_components(components, dict(components))

    @given(
        st.dictionaries(st.text(max_size=5), argument_records, max_size=5),
        st.dictionaries(st.text(max_size=5), argument_records, max_size=5),
    )
    def test_diff_is_symmetric_in_names(self, old, new):
        """Both directions name the same arguments, sorted."""
        forward = [c.component for c in diff_arguments(old, new)]
        backward = [c.component for c in diff_arguments(new, old)]
        assert forward == backward
        assert sorted(forward) == forward


class TestChange:
    @pytest.mark.parametrize(
        ("change", "expected"),
        [
            (
                Change("global:m:X", "global", "changed", "1", "2"),
                "global:m:X changed: 1 -> 2",
            ),
            (Change("source", "source", "changed"), "source changed (source)"),
            (Change("callee:m:f", "callee", "changed"), "callee:m:f changed (source)"),
            (
                Change("docstring", "docstring", "changed", "'a'", "'b'"),
                "docstring changed (docstring only): 'a' -> 'b'",
            ),
            (
                Change("docstring", "docstring", "changed"),
                "docstring changed (docstring only)",
            ),
            (
                Change("package:numpy", "package", "changed", "1.26.4", "2.0.0"),
                "package:numpy changed: 1.26.4 -> 2.0.0",
            ),
            (
                Change(
                    "python", "python", "changed", "CPython 3.11.7", "CPython 3.12.1"
                ),
                "python changed: CPython 3.11.7 -> CPython 3.12.1",
            ),
            (Change("global:m:X", "global", "added", "", "3"), "global:m:X added: 3"),
            (Change("global:m:X", "global", "added"), "global:m:X added"),
            (Change("argument:x", "argument", "removed", "1"), "argument:x removed: 1"),
            (Change("argument:x", "argument", "removed"), "argument:x removed"),
            (Change("package:numpy", "package", "changed"), "package:numpy changed"),
        ],
    )
    def test_describe(self, change, expected):
        """describe() gives one readable line per kind of change."""
        assert expected == change.describe()

    @pytest.mark.parametrize(
        "change",
        [
            Change("source", "source", "changed", "", "", "1" * 32, "2" * 32),
            Change("argument:x", "argument", "added", "", "2"),
        ],
    )
    def test_json_round_trip(self, change):
        """from_json(to_json(c)) rebuilds the change."""
        assert change == Change.from_json(change.to_json())

    def test_json_omits_missing_blobs(self):
        """Blobs appear in the JSON only when present."""
        assert "old_blob" not in Change("x", "global", "changed").to_json()

    def test_frozen(self):
        """A change is immutable."""
        with pytest.raises(dataclasses.FrozenInstanceError):
            Change("x", "global", "changed").old = "y"  # type: ignore[misc]


class TestExplanation:
    def _changes(self, n):
        return tuple(
            Change(f"global:m:V{i}", "global", "changed", "1", "2") for i in range(n)
        )

    def test_hit(self):
        """A hit says so in every form."""
        hit = Explanation("hit", HIT, (), "k", "k")
        assert hit.hit
        assert "hit" == hit.summary()
        assert "hit" == str(hit)
        assert "hit: entry k" == hit.render()

    def test_summary_without_changes(self):
        """A miss without changes is summarized by its cause."""
        assert FIRST_CALL == Explanation("miss", FIRST_CALL).summary()

    def test_summary_lists_three_changes(self):
        """The summary names at most three changes and counts the rest."""
        miss = Explanation("miss", CODE_CHANGED, self._changes(5))
        expected = (
            "code changed: global:m:V0 changed: 1 -> 2, global:m:V1 changed: 1 -> 2, "
            "global:m:V2 changed: 1 -> 2 (+2 more)"
        )
        assert expected == miss.summary()

    def test_render(self):
        """render() shows the cause, the compared entry and one line per change."""
        miss = Explanation("miss", CODE_CHANGED, self._changes(2), "k", "old")
        expected = (
            "miss: code changed\n"
            "  compared with entry old\n"
            "  - global:m:V0 changed: 1 -> 2\n"
            "  - global:m:V1 changed: 1 -> 2"
        )
        assert expected == miss.render()

    def test_docstring_only(self):
        """A miss whose changes are all docstrings is flagged as docstring-only."""
        doc = Change("docstring", "docstring", "changed")
        miss = Explanation("miss", CODE_CHANGED, (doc,))
        assert miss.docstring_only
        assert miss.summary().endswith("docstring changed (docstring only)")
        assert miss.render().startswith("miss: code changed (docstring only)")
        assert not Explanation("miss", FIRST_CALL).docstring_only
        mixed = Explanation("miss", CODE_CHANGED, (doc, *self._changes(1)))
        assert not mixed.docstring_only

    def test_json_round_trip(self):
        """from_json(to_json(e)) rebuilds the explanation."""
        miss = Explanation("miss", BOTH_CHANGED, self._changes(2), "k", "old")
        assert miss == Explanation.from_json(miss.to_json())

    def test_from_json_tolerates_sparse_data(self):
        """Unknown statuses read as misses and absent fields get defaults."""
        expected = Explanation("miss", "", (), "", None)
        assert expected == Explanation.from_json({"status": "bogus"})
