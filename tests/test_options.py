"""Tests for checkpointing._options: one declaration of the decorator's options."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
from pathlib import Path

import pytest

import checkpointing._checkpoint as checkpoint_module
from checkpointing import Checkpointed, ConfigurationError, checkpoint
from checkpointing._options import OPTION_NAMES, CheckpointOptions


def _overload_with_options() -> ast.FunctionDef:
    """The ``@overload`` of ``checkpoint`` that lists the options (keyword-only)."""
    tree = ast.parse(Path(checkpoint_module.__file__).read_text(encoding="utf-8"))
    found = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and node.name == "checkpoint"
        and any(ast.unparse(d) == "overload" for d in node.decorator_list)
        and node.args.kwonlyargs
    ]
    assert 1 == len(found)
    return found[0]


class TestOneDeclaration:
    def test_overload_matches_the_fields(self):
        """The typed overload lists exactly the fields: names, order, types, defaults."""
        overload = _overload_with_options()
        declared = [
            (
                arg.arg,
                ast.unparse(arg.annotation) if arg.annotation else None,
                ast.unparse(default) if default is not None else None,
            )
            for arg, default in zip(
                overload.args.kwonlyargs, overload.args.kw_defaults, strict=True
            )
        ]
        fields = [
            (field.name, field.type, repr(field.default))
            for field in dataclasses.fields(CheckpointOptions)
        ]
        assert fields == declared

    def test_runtime_signatures_list_the_options(self):
        """inspect.signature() of checkpoint and Checkpointed shows every option."""
        for signature in (
            inspect.signature(checkpoint),
            inspect.signature(Checkpointed),
        ):
            keywords = [
                p.name
                for p in signature.parameters.values()
                if p.kind is inspect.Parameter.KEYWORD_ONLY
            ]
            assert list(OPTION_NAMES) == keywords
        assert None is inspect.signature(checkpoint).parameters["directory"].default

    def test_every_option_is_documented(self):
        """checkpoint's docstring has an ``Args:`` line for every option."""
        doc = inspect.getdoc(checkpoint) or ""
        missing = [
            name
            for name in OPTION_NAMES
            if not re.search(rf"^\s+{name}: \S", doc, re.MULTILINE)
        ]
        assert [] == missing


class TestUnknownOptions:
    def test_checkpoint_refuses_them_as_python_would(self):
        with pytest.raises(
            TypeError,
            match=r"^checkpoint\(\) got an unexpected keyword argument 'bogus'$",
        ):
            checkpoint(bogus=1)  # type: ignore[call-overload]

    def test_checkpointed_refuses_them(self):
        with pytest.raises(TypeError, match="unexpected keyword argument 'where'"):
            Checkpointed(len, where="x")


class TestNormalization:
    def test_defaults(self):
        options = CheckpointOptions()
        assert () == options.ignore
        assert "sync" == options.write_back
        assert {n: getattr(options, n) for n in OPTION_NAMES} == options.as_dict()

    def test_single_names_become_tuples(self):
        options = CheckpointOptions(ignore="verbose", ignore_code="calls")
        assert ("verbose",) == options.ignore
        assert ("calls",) == options.ignore_code

    def test_collections_become_tuples(self):
        options = CheckpointOptions(ignore=["a"], depends_on=["x.txt"])
        assert ("a",) == options.ignore
        assert ("x.txt",) == options.depends_on

    def test_tiers_become_a_tuple_and_one_tier_a_path(self):
        assert ("a", "b") == CheckpointOptions(directory=["a", Path("b")]).directory
        assert "a" == CheckpointOptions(directory=["a"]).directory

    def test_frozen(self):
        with pytest.raises(dataclasses.FrozenInstanceError):
            CheckpointOptions().lazy = True  # type: ignore[misc]

    def test_replace_checks_again(self):
        options = CheckpointOptions(write_back="background")
        with pytest.raises(ConfigurationError, match="write_back="):
            dataclasses.replace(options, write_back="later")

    def test_as_dict_rebuilds_the_same_options(self):
        options = CheckpointOptions(ignore="x", directory=["a", "b"], max_age=3)
        assert options == CheckpointOptions(**options.as_dict())


class TestChecks:
    @pytest.mark.parametrize(
        ("options", "message"),
        [
            ({"directory": 3}, "f: directory= must be a path"),
            ({"directory": ["a", "a"]}, "f: directory= tiers must be distinct"),
            ({"key": 3}, "f: key= must be a str"),
            ({"key": ".x"}, "starts with '.'"),
            ({"refresh": 3}, "f: refresh= must be a bool"),
            ({"mmap_mode": "r+"}, "f: mmap_mode= must be None"),
            ({"write_back": "x"}, "f: write_back= must be 'sync' or 'background'"),
            ({"version": ""}, "f: version= must be a non-empty str"),
            ({"depends_on": "a.txt"}, r"f: depends_on= takes a list"),
            ({"hmac_key": 3}, "f: hmac_key= must be bytes or str"),
            ({"size_limit": -1}, "f: size_limit= must be a number of bytes"),
            ({"max_age": True}, "f: max_age= must be a number of seconds"),
            ({"pickler": print}, "f: pickler= and unpickler= go together"),
            ({"pickler_mode": "text"}, "f: pickler_mode= says how"),
            ({"on_error": "x"}, "on_error must be one of"),
            ({"lock_timeout": -1}, "lock_timeout must be a number of seconds"),
        ],
    )
    def test_invalid_option(self, options, message):
        with pytest.raises(ConfigurationError, match=message):
            CheckpointOptions(**options, where="f")
