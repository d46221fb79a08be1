"""Readable keys (``@checkpoint(key=...)``), including hostile names."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import string
import warnings
from pathlib import Path

import pytest

from checkpointing import CheckpointingWarning, ConfigurationError, checkpoint
from checkpointing._entry_names import check_entry_name


class CallLog(list):
    """A call log with a constant digest, so appending keeps the fingerprint."""

    def __checkpoint_digest__(self) -> str:
        return "CallLog"


def _names(directory: Path, function_id_part: str, suffix: str = ".ckpt") -> list[str]:
    found = []
    for path in directory.rglob(f"*{suffix}"):
        if function_id_part in path.parent.name and ".quarantine" not in path.parts:
            found.append(path.name[: -len(suffix)])
    return sorted(found)


class TestForms:
    def test_str_key_names_the_entry(self, tmp_path):
        """A str key is taken as is: the entry files are named by it."""

        @checkpoint(directory=tmp_path, key="features")
        def features(n):
            return list(range(n))

        assert [0, 1, 2] == features(3)
        assert ["features"] == _names(tmp_path, "features")
        assert (next(tmp_path.rglob("features.json"))).is_file()

    def test_template_positional_and_named_fields(self, tmp_path):
        """{0} is the first positional argument; $name the bound parameter."""
        calls = CallLog()

        @checkpoint(
            directory=tmp_path, key=string.Template("m{0}_n{1}_${iterations}_$stride")
        )
        def run(m, n, iterations=10, stride=2):
            calls.append((m, n))
            return m * n * iterations * stride

        assert 3 * 4 * 10 * 2 == run(3, 4)
        assert 3 * 4 * 5 * 1 == run(3, 4, iterations=5, stride=1)
        assert ["m3_n4_10_2", "m3_n4_5_1"] == _names(tmp_path, "run")
        assert 240 == run(3, 4)  # a hit on the named entry
        assert 2 == len(calls)

    def test_template_field_passed_positionally_is_found(self, tmp_path):
        """Unlike ediblepickle, $name also sees an argument passed by position."""

        @checkpoint(directory=tmp_path, key=string.Template("s$seed"))
        def draw(seed):
            return seed + 1

        draw(7)
        assert ["s7"] == _names(tmp_path, "draw")

    def test_callable_key_gets_args_and_kwargs_as_passed(self, tmp_path):
        seen = []

        def namer(args, kwargs):
            seen.append((args, kwargs))
            return "_".join(map(str, [args[0], "b", kwargs["c"]]))

        @checkpoint(directory=tmp_path, key=namer)
        def f(a, c=0):
            return a + c

        assert 5 == f(2, c=3)
        assert [((2,), {"c": 3})] == seen
        assert ["2_b_3"] == _names(tmp_path, "f")

    def test_dollar_escape(self, tmp_path):
        @checkpoint(directory=tmp_path, key=string.Template("cost$$_$x"))
        def f(x):
            return x

        f(1)
        assert ["cost$_1"] == _names(tmp_path, "f")

    def test_unknown_template_field_is_a_clear_error(self, tmp_path):
        @checkpoint(directory=tmp_path, key=string.Template("$nope"))
        def f(x):
            return x

        with pytest.raises(ConfigurationError, match=r"\$nope is not a parameter"):
            f(1)

    def test_missing_positional_field_is_a_clear_error(self, tmp_path):
        @checkpoint(directory=tmp_path, key=string.Template("{1}"))
        def f(x, y=0):
            return x

        with pytest.raises(ConfigurationError, match="2 positional arguments"):
            f(1, y=2)

    def test_bad_key_type_refused_at_decoration(self):
        with pytest.raises(ConfigurationError, match="key= must be"):
            checkpoint(key=3)(lambda: 1)  # type: ignore[call-overload]


class TestInvalidationStillGuards:
    def test_code_change_under_a_fixed_name_reruns(self, tmp_path, load_module):
        """A readable key never disables invalidation: new code, same name, reruns."""
        source = (
            "from checkpointing import checkpoint\n"
            "@checkpoint(directory={d!r}, key='result')\n"
            "def f(x):\n"
            "    return x + {k}\n"
        )
        v0 = load_module(source.format(d=str(tmp_path), k=1), name="keyed_mod")
        assert 2 == v0.f(1)
        v1 = load_module(source.format(d=str(tmp_path), k=100), name="keyed_mod")
        assert 101 == v1.f(1)
        assert 101 == v1.f(1)
        assert ["result"] == _names(tmp_path, "keyed_mod")

    def test_different_arguments_under_one_name_never_return_each_other(self, tmp_path):
        """A constant name over varying arguments: always correct, with a warning."""
        calls = CallLog()

        @checkpoint(directory=tmp_path, key="shared")
        def f(x):
            calls.append(x)
            return x * 10

        assert 10 == f(1)
        with pytest.warns(CheckpointingWarning, match="overwrites"):
            assert 20 == f(2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert 10 == f(1)  # not 20: the fingerprint + arguments guard the name
        assert [1, 2, 1] == calls

    def test_same_name_in_two_functions_does_not_collide(self, tmp_path):
        """Names live in each function's own directory."""

        @checkpoint(directory=tmp_path, key="out")
        def first():
            return 1

        @checkpoint(directory=tmp_path, key="out")
        def second():
            return 2

        assert (1, 2) == (first(), second())
        assert (1, 2) == (first(), second())
        assert 2 == len(list(tmp_path.rglob("out.ckpt")))

    def test_is_cached_and_explain_follow_the_name(self, tmp_path):
        @checkpoint(directory=tmp_path, key=string.Template("x$x"))
        def f(x):
            return x

        assert not f.is_cached(1)
        f(1)
        assert f.is_cached(1)
        assert f.explain(1).hit
        assert not f.explain(2).hit


HOSTILE = [
    "../escape",
    "a/b",
    "a\\b",
    "..",
    ".",
    ".hidden",
    "",
    "nul\0byte",
    "new\nline",
    "x" * 151,
    "名" * 70,  # 70 characters, 210 bytes in UTF-8
    "lone\udcff",
    "con:",
    'quote"',
    "pipe|",
    "star*",
    "q?",
    "<tag>",
    "trailing.",
    "trailing ",
    "0123456789abcdef0123456789abcdef",  # a hashed key's form
]


class TestHostileNames:
    @pytest.mark.parametrize("name", HOSTILE)
    def test_refused_with_a_clear_error(self, tmp_path, name):
        """Nothing is written outside the store, and the error says what to use."""

        @checkpoint(directory=tmp_path / "store", key=lambda args, kwargs: name)
        def f(x):
            return x

        with pytest.raises(ConfigurationError, match="key= produced the entry name"):
            f(1)
        outside = [p for p in tmp_path.rglob("*") if "store" not in p.parts]
        assert [] == outside

    @pytest.mark.parametrize(
        "name", [n for n in HOSTILE if n[:1] not in ("", ".", "0")]
    )
    def test_template_values_cannot_smuggle_separators(self, tmp_path, name):
        @checkpoint(directory=tmp_path / "store", key=string.Template("run_$x"))
        def f(x):
            return 0

        with pytest.raises(ConfigurationError):
            f(name)

    def test_key_function_error_is_a_configuration_error(self, tmp_path):
        def namer(args, kwargs):
            return args[5]

        @checkpoint(directory=tmp_path, key=namer)
        def f(x):
            return x

        with pytest.raises(ConfigurationError, match="key= function raised IndexError"):
            f(1)

    def test_non_str_from_callable_refused(self, tmp_path):
        @checkpoint(directory=tmp_path, key=lambda args, kwargs: 42)
        def f(x):
            return x

        with pytest.raises(ConfigurationError, match="not a str"):
            f(1)

    @pytest.mark.parametrize(
        "name", ["lr=0.1_seed=3", "m3_n4.csv", "run @ 5", "ü-名前"]
    )
    def test_readable_names_accepted(self, name):
        assert name == check_entry_name(name, "f")
