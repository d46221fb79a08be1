"""Tests for checkpointing._cli."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys

import pytest

from checkpointing import Store
from checkpointing._cli import main

V0 = '''
from checkpointing import checkpoint


@checkpoint
def area(width, height):
    """Area of a rectangle."""
    return width * height


@checkpoint
def perimeter(width, height):
    return 2 * (width + height)
'''

_NUMBERS = itertools.count()

V1 = V0.replace("return width * height", "return float(width * height)")


@pytest.fixture
def cache(load_module, tmp_path, cache_dir):
    """
    A cache with two functions of module ``<name>``: two entries of ``area``
    from the first version, one from an edited version, and one of ``perimeter``.

    Returns ``(cache directory, module name)``.
    """
    name = f"ckpt_cli_{os.getpid()}_{next(_NUMBERS)}"
    first = load_module(V0, name=name, directory=tmp_path / "v0")
    first.area(2, 3)
    first.area(4, 5)
    first.perimeter(1, 1)
    second = load_module(V1, name=name, directory=tmp_path / "v1")
    second.area(2, 3)
    return cache_dir, name


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class TestInspect:
    def test_summary(self, capsys, cache):
        """inspect without a target summarizes every function and recent computations."""
        directory, name = cache
        code, out, err = _run(capsys, "inspect", "--dir", str(directory))
        assert 0 == code
        assert "" == err
        assert f"cache directory: {directory}" == out.splitlines()[0]
        assert f"{name}.area" in out
        assert f"{name}.perimeter" in out
        assert "most recent computations (newest first):" in out
        assert "code changed" in out

    def test_directory_as_target(self, capsys, cache):
        """A directory given as the target is used as the cache directory."""
        directory, _ = cache
        code, out, _ = _run(capsys, "inspect", str(directory))
        assert 0 == code
        assert f"cache directory: {directory}" == out.splitlines()[0]

    def test_environment_directory(self, capsys, cache):
        """Without --dir, CHECKPOINTING_DIR names the cache."""
        directory, _ = cache
        code, out, _ = _run(capsys, "inspect")
        assert 0 == code
        assert f"cache directory: {directory}" == out.splitlines()[0]

    def test_function_with_source_diff(self, capsys, cache):
        """inspect <function> lists its entries, why each ran, and the source diff."""
        directory, name = cache
        code, out, _ = _run(capsys, "inspect", "--dir", str(directory), f"{name}:area")
        assert 0 == code
        assert out.startswith(f"{name}.area  (3 entries, ")
        assert "arguments: width=2, height=3" in out
        assert "why: code changed" in out
        assert "  - source changed (source)" in out
        assert "-    return width * height" in out
        assert "+    return float(width * height)" in out
        assert "why: first call" in out
        assert "why: arguments changed" in out

    def test_arguments_in_signature_order(self, capsys, cache):
        """inspect shows an entry's arguments in the order of the signature."""
        directory, name = cache
        _, out, _ = _run(capsys, "inspect", "--dir", str(directory), f"{name}:area")
        assert "arguments: width=2, height=3" in out

    @pytest.mark.parametrize("spelling", ["{name}.area", "area", "{name}:area"])
    def test_function_spellings(self, capsys, cache, spelling):
        """A function is found by module:qualname, module.qualname or its last part."""
        directory, name = cache
        code, out, _ = _run(
            capsys, "inspect", "--dir", str(directory), spelling.format(name=name)
        )
        assert 0 == code
        assert out.startswith(f"{name}.area  (3 entries")

    def test_key_prefix(self, capsys, cache):
        """A hex key prefix selects that one entry."""
        directory, name = cache
        store = Store(directory)
        key = store.manifests(f"{name}.perimeter")[0].key
        code, out, _ = _run(
            capsys, "inspect", "--dir", str(directory), key[:8], "--json"
        )
        assert 0 == code
        assert [key] == [entry["key"] for entry in json.loads(out)]

    def test_json(self, capsys, cache):
        """inspect <function> --json prints the manifests, newest first."""
        directory, _ = cache
        code, out, _ = _run(
            capsys, "inspect", "--dir", str(directory), "--json", "area"
        )
        assert 0 == code
        entries = json.loads(out)
        assert 3 == len(entries)
        created = [entry["created_at"] for entry in entries]
        assert sorted(created, reverse=True) == created
        assert "code changed" == entries[0]["reason"]["cause"]

    def test_summary_json(self, capsys, cache):
        """inspect --json summarizes functions with entry counts and sizes."""
        directory, name = cache
        code, out, _ = _run(capsys, "inspect", "--dir", str(directory), "--json")
        assert 0 == code
        data = json.loads(out)
        assert str(directory) == data["directory"]
        counts = {row["function"]: row["entries"] for row in data["functions"]}
        assert {f"{name}.area": 3, f"{name}.perimeter": 1} == counts
        assert 4 == len(data["recent"])

    def test_unreadable_manifest_counted(self, capsys, cache):
        """Damaged manifests are skipped and reported as unreadable."""
        directory, name = cache
        manifest = next((directory / f"{name}.perimeter").glob("*.json"))
        manifest.write_text("{broken")
        code, out, _ = _run(capsys, "inspect", "--dir", str(directory))
        assert 0 == code
        assert "(1 unreadable)" in out

    def test_empty_cache(self, capsys, tmp_path):
        """An empty cache directory says so."""
        code, out, _ = _run(capsys, "inspect", "--dir", str(tmp_path))
        assert 0 == code
        assert f"cache directory: {tmp_path}\n(no entries)\n" == out

    def test_unknown_target(self, capsys, cache):
        """A target matching nothing exits 1 with a hint."""
        directory, _ = cache
        code, out, err = _run(capsys, "inspect", "--dir", str(directory), "nosuchfunc")
        assert 1 == code
        assert "" == out
        assert err.startswith("checkpointing: error: no function or key matches")

    def test_missing_directory(self, capsys, tmp_path):
        """A cache directory that does not exist exits 1."""
        code, _, err = _run(capsys, "inspect", "--dir", str(tmp_path / "nope"))
        assert 1 == code
        assert (
            f"checkpointing: error: no cache directory at {tmp_path / 'nope'}\n" == err
        )


class TestList:
    def test_list(self, capsys, cache):
        """list prints one line per entry with function, full key and size."""
        directory, name = cache
        code, out, _ = _run(capsys, "list", "--dir", str(directory))
        assert 0 == code
        lines = out.splitlines()
        assert 4 == len(lines)
        assert 3 == sum(line.startswith(f"{name}.area  ") for line in lines)
        assert all(len(line.split()[1]) == 32 for line in lines)

    def test_list_one_function_json(self, capsys, cache):
        """list <function> --json prints that function's manifests."""
        directory, name = cache
        code, out, _ = _run(
            capsys, "list", "--dir", str(directory), "perimeter", "--json"
        )
        assert 0 == code
        assert [f"{name}.perimeter"] == [
            entry["function_id"] for entry in json.loads(out)
        ]


class TestClear:
    def test_refuses_everything_without_yes(self, capsys, cache):
        """clear without a target needs --yes and deletes nothing without it."""
        directory, _ = cache
        code, _, err = _run(capsys, "clear", "--dir", str(directory))
        assert 1 == code
        assert "--yes" in err
        assert 2 == len(Store(directory).function_ids())

    def test_clear_everything(self, capsys, cache):
        """clear --yes deletes every entry and reports the count."""
        directory, _ = cache
        code, out, _ = _run(capsys, "clear", "--dir", str(directory), "--yes")
        assert 0 == code
        assert "deleted 4 entries\n" == out
        assert [] == Store(directory).function_ids()

    def test_clear_one_function(self, capsys, cache):
        """clear <function> --json deletes only that function's entries."""
        directory, name = cache
        code, out, _ = _run(capsys, "clear", "--dir", str(directory), "area", "--json")
        assert 0 == code
        assert {"deleted": 3} == json.loads(out)
        assert [f"{name}.perimeter"] == Store(directory).function_ids()


class TestUsage:
    def test_no_command(self, capsys):
        """Without a command, help is printed and the exit code is 2."""
        code, out, _ = _run(capsys)
        assert 2 == code
        assert "usage: python -m checkpointing" in out

    def test_unknown_command(self, capsys):
        """An unknown command is a usage error: argparse exits with 2."""
        with pytest.raises(SystemExit) as info:
            main(["explode"])
        assert 2 == info.value.code
        assert "invalid choice" in capsys.readouterr().err


def test_python_m_checkpointing(cache):
    """``python -m checkpointing inspect`` runs in a fresh process and exits 0."""
    directory, name = cache
    completed = subprocess.run(
        [sys.executable, "-m", "checkpointing", "inspect", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert 0 == completed.returncode, completed.stderr
    assert f"cache directory: {directory}" == completed.stdout.splitlines()[0]
    assert f"{name}.area" in completed.stdout
