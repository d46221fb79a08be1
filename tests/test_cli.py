"""Tests for checkpointing.cli (the package: parser, rendering, selection, commands)."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import importlib.util
import io
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import checkpointing
from checkpointing import ComponentRecord, CorruptEntryError, Store, cli
from checkpointing._explain import explain
from checkpointing.cli import (
    _arguments,
    _cmd_graph,
    _cmd_inspect,
    _cmd_list,
    _cmd_verify,
    _describe,
    _parser,
    _render,
    _select,
    main,
)
from checkpointing.store import LocalFileSystem, _catalog

from .strategies import make_manifest

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

#: The reason categories of issue 4, as a module whose parts can be edited.
REASONS = '''
from checkpointing import checkpoint

SCALE = {scale}


def helper(x):
    """Double it."""
    return x * {factor}


@checkpoint
def total(x):
    """{doc}"""
    return helper(x) * SCALE{extra}
'''
REASONS_V0 = {"scale": 2, "factor": 2, "doc": "Total.", "extra": ""}


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


def _older_format_entry(directory, function_id, key="ab" * 16):
    """Write a manifest of format version 0 (and its value file) into *directory*."""
    folder = directory / function_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{key}.json").write_text(json.dumps({"format_version": 0, "key": key}))
    (folder / f"{key}.ckpt").write_bytes(b"CKPT\x00\x00old")
    return key


def _why_blocks(out):
    """The reason lines of every entry of ``inspect TARGET``, diffs left out."""
    blocks, current = [], None
    for line in out.splitlines():
        if line.startswith("    why: "):
            current = [line]
            blocks.append(current)
        elif line.startswith("            "):
            continue  # a diff line
        elif current is not None and line.startswith("        "):
            current.append(line)
        else:
            current = None
    return blocks


class TestInspect:
    def test_summary(self, capsys, cache):
        """inspect without a target summarizes every function and recent computations."""
        directory, name = cache
        code, out, err = _run(capsys, "inspect", "--dir", str(directory))
        assert 0 == code
        assert "" == err
        lines = out.splitlines()
        assert f"cache directory: {directory}" == lines[0]
        assert re.fullmatch(
            r"FUNCTION +ENTRIES +SIZE +HITS +MISSES +LAST COMPUTED", lines[1]
        )
        assert re.match(rf"{name}\.area +3 +\S+ \w+ +\d+ +3  ", lines[2])
        assert re.match(rf"{name}\.perimeter +1 +\S+ \w+ +\d+ +1  ", lines[3])
        assert "most recent computations (newest first):" in out
        assert "code changed" in out

    def test_summary_counts_every_computation(
        self, capsys, cache, load_module, tmp_path
    ):
        """MISSES counts reruns that replaced an entry; ENTRIES counts keys."""
        directory, name = cache
        module = load_module(V1, name=name, directory=tmp_path / "v2")
        module.area.rerun(2, 3)
        _, out, _ = _run(capsys, "inspect", "--dir", str(directory), "--json")
        row = next(
            r for r in json.loads(out)["functions"] if r["function"].endswith("area")
        )
        assert (3, 4) == (row["entries"], row["misses"])

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
        """inspect <function> --json prints the manifests, newest first, with diffs."""
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
        (change,) = entries[0]["reason"]["changes"]
        assert "+    return float(width * height)" in change["diff"]

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
        assert data["hits_recorded"] is True
        area = next(r for r in data["functions"] if r["function"] == f"{name}.area")
        assert (2, 0, 0) == (
            area["code_versions"],
            area["unreadable"],
            area["older_format"],
        )

    def test_limit(self, capsys, cache):
        """--limit shows the newest entries and says how many are left out; --all shows all."""
        directory, _ = cache
        _, out, _ = _run(
            capsys, "inspect", "--dir", str(directory), "area", "--limit", "1"
        )
        assert 1 == out.count("    why: ")
        assert "why: code changed" in out
        assert "  ... 2 older entries not shown (--limit N, --all)" in out
        _, out, _ = _run(capsys, "inspect", "--dir", str(directory), "area", "--all")
        assert 3 == out.count("    why: ")
        assert "older entries not shown" not in out
        _, out, _ = _run(
            capsys, "inspect", "--dir", str(directory), "area", "--limit", "1", "--json"
        )
        assert 1 == len(json.loads(out))

    def test_bad_limit(self, capsys, cache):
        """A negative --limit is a usage error."""
        directory, _ = cache
        with pytest.raises(SystemExit) as info:
            main(["inspect", "--dir", str(directory), "area", "--limit", "-1"])
        assert 2 == info.value.code
        assert "expected a count >= 0" in capsys.readouterr().err

    def test_damage_found_by_verify_shows_in_summary(self, capsys, cache):
        """A manifest damaged after it was indexed is reported by verify, then by inspect."""
        directory, name = cache
        manifest = next((directory / f"{name}.perimeter").glob("*.json"))
        manifest.write_text("{broken")
        code, out, _ = _run(capsys, "inspect", "--dir", str(directory), "perimeter")
        assert 0 == code
        assert f"  {manifest.stem[:12]}  unreadable: unreadable manifest" in out
        assert 1 == _run(capsys, "verify", "--dir", str(directory))[0]
        code, out, _ = _run(capsys, "inspect", "--dir", str(directory))
        assert 0 == code
        assert re.search(rf"{name}\.perimeter +0 .* 1 unreadable$", out, re.MULTILINE)
        assert "1 entry with a damaged manifest" in out

    def test_older_format(self, capsys, cache):
        """Entries of an older format version are reported, not a crash."""
        directory, name = cache
        key = _older_format_entry(directory, f"{name}.area")
        code, out, _ = _run(capsys, "inspect", "--dir", str(directory))
        assert 0 == code
        assert re.search(r"LAST COMPUTED +NOTE$", out, re.MULTILINE)
        assert (
            f"note: {name}.area: 1 entry written by an older format version (this "
            "version reads format 1); a call recomputes its result; "
            "'prune --unreadable' deletes them"
        ) in out
        code, out, _ = _run(capsys, "inspect", "--dir", str(directory), "area")
        assert 0 == code
        assert (
            f"  {key[:12]}  unreadable: written by an older format version "
            "(manifest format 0; this version reads format 1)"
        ) in out.splitlines()

    def test_newer_format(self, capsys, cache):
        """Entries of a newer format version ask for an upgrade."""
        directory, name = cache
        folder = directory / f"{name}.area"
        (folder / f"{'cd' * 16}.json").write_text(json.dumps({"format_version": 7}))
        _, out, _ = _run(capsys, "inspect", "--dir", str(directory), "area")
        assert "written by a newer format version of checkpointing; upgrade" in out
        assert "(manifest format 7; this version reads format 1): upgrade" in out

    def test_coverage_notes(self, capsys, load_module, cache_dir, tmp_path):
        """inspect notes what the newest entry's fingerprint pins or leaves out."""
        data = tmp_path / "data.txt"
        data.write_text("1")
        module = load_module(
            "from checkpointing import checkpoint\n"
            f"@checkpoint(version='v1', depends_on=[{str(data)!r}])\n"
            "def pinned(x):\n    return x\n"
            "@checkpoint(ignore_code=['helper'])\n"
            "def partial(x):\n    return helper(x)\n"
            "def helper(x):\n    return x\n"
        )
        module.pinned(1)
        module.partial(1)
        _, out, _ = _run(capsys, "inspect", "pinned")
        assert "  note: code identity pinned by version='v1'" in out
        assert f"  note: depends on {data}" in out
        _, out, _ = _run(capsys, "inspect", "partial")
        assert "  note: left out of the fingerprint (ignore_code=): helper" in out

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

    def test_unknown_key_prefix(self, capsys, cache):
        """A hex prefix matching no key is an unknown target too."""
        directory, _ = cache
        code, _, err = _run(capsys, "inspect", "--dir", str(directory), "ffffffff")
        assert 1 == code
        assert "no function or key matches 'ffffffff'" in err

    def test_missing_directory(self, capsys, tmp_path):
        """A cache directory that does not exist exits 1."""
        code, _, err = _run(capsys, "inspect", "--dir", str(tmp_path / "nope"))
        assert 1 == code
        assert (
            f"checkpointing: error: no cache directory at {tmp_path / 'nope'}\n" == err
        )

    def test_missing_default_directory_is_absolute(self, capsys, tmp_path, monkeypatch):
        """The missing default ./.checkpointing is named by its absolute path, with a hint."""
        monkeypatch.delenv("CHECKPOINTING_DIR")
        monkeypatch.chdir(tmp_path)
        code, out, err = _run(capsys, "inspect")
        assert 1 == code
        assert "" == out
        assert (
            f"checkpointing: error: no cache directory at {tmp_path / '.checkpointing'} "
            "(the default: ./.checkpointing in the working directory; run this from "
            "the directory your program ran in, or give --dir DIRECTORY or set "
            "CHECKPOINTING_DIR)\n"
        ) == err

    @pytest.mark.parametrize("command", ["list", "verify", "clear"])
    def test_missing_relative_directory_is_absolute(
        self, capsys, tmp_path, monkeypatch, command
    ):
        """A relative --dir that does not exist is named by its absolute path."""
        monkeypatch.chdir(tmp_path)
        code, _, err = _run(capsys, command, "--dir", "cache")
        assert 1 == code
        assert (
            f"checkpointing: error: no cache directory at {tmp_path / 'cache'}\n" == err
        )

    def test_missing_environment_directory(self, capsys, tmp_path, monkeypatch):
        """A relative CHECKPOINTING_DIR that does not exist is named absolutely, and blamed."""
        monkeypatch.setenv("CHECKPOINTING_DIR", "nope")
        monkeypatch.chdir(tmp_path)
        code, _, err = _run(capsys, "list")
        assert 1 == code
        assert (
            f"checkpointing: error: no cache directory at {tmp_path / 'nope'} "
            "(from $CHECKPOINTING_DIR)\n"
        ) == err

    def test_relative_directory_shown_absolute(self, capsys, tmp_path, monkeypatch):
        """The summary and its JSON name a relative cache directory absolutely."""
        monkeypatch.delenv("CHECKPOINTING_DIR")
        monkeypatch.chdir(tmp_path)
        (tmp_path / ".checkpointing").mkdir()
        code, out, _ = _run(capsys, "inspect")
        assert 0 == code
        assert f"cache directory: {tmp_path / '.checkpointing'}\n(no entries)\n" == out
        _, out, _ = _run(capsys, "inspect", "--json")
        assert str(tmp_path / ".checkpointing") == json.loads(out)["directory"]

    def test_unknown_target_hint_repeats_dir(self, capsys, cache, monkeypatch):
        """The hint after an unknown target is a command that works: with the --dir given."""
        directory, _ = cache
        monkeypatch.setattr(sys, "argv", ["checkpointing"])
        _, _, err = _run(capsys, "list", "--dir", str(directory), "nosuchfunc")
        assert err.endswith(f"; 'checkpointing inspect --dir {directory}' lists them\n")
        _, _, err = _run(capsys, "list", "nosuchfunc")  # from $CHECKPOINTING_DIR
        assert err.endswith("; 'checkpointing inspect' lists them\n")

    def test_missing_blob(self, capsys, cache):
        """A source diff whose kept sources were deleted says so."""
        directory, name = cache
        for blob in (directory / ".blobs").rglob("*.txt"):
            blob.unlink()
        _, out, _ = _run(capsys, "inspect", "--dir", str(directory), f"{name}:area")
        assert "(source text not kept in .blobs/: no diff)" in out

    def test_works_without_catalog(self, capsys, cache):
        """A cache written before catalogs existed is indexed on the first inspect."""
        directory, name = cache
        for function_id in Store(directory).function_ids():
            _catalog.forget(LocalFileSystem(directory), str(directory / function_id))
        code, out, _ = _run(capsys, "inspect", "--dir", str(directory))
        assert 0 == code
        assert re.search(rf"{name}\.area +3 ", out)
        assert (directory / f"{name}.area" / _catalog.CATALOG_NAME).exists()


class TestReasonText:
    """The reason text for each category of change (issue 4), as inspect prints it."""

    def _blocks(self, capsys, load_module, tmp_path, *versions, argument=1):
        name = f"ckpt_why_{os.getpid()}_{next(_NUMBERS)}"
        for i, changes in enumerate(versions):
            source = REASONS.format(**{**REASONS_V0, **changes})
            module = load_module(source, name=name, directory=tmp_path / f"v{i}")
            module.total(argument if i == len(versions) - 1 else 1)
        capsys.readouterr()
        code, out, _ = _run(capsys, "inspect", f"{name}:total")
        assert 0 == code
        compared = re.findall(r"compared with entry (\w+)", out)
        return name, out, _why_blocks(out), compared

    def test_first_call(self, capsys, load_module, tmp_path, cache_dir):
        """The first entry of a function was a first call."""
        _, _, blocks, _ = self._blocks(capsys, load_module, tmp_path, {})
        assert [["    why: first call"]] == blocks

    def test_own_source(self, capsys, load_module, tmp_path, cache_dir):
        """An edit of the function's own body names `source`, with a diff."""
        _, out, blocks, compared = self._blocks(
            capsys, load_module, tmp_path, {}, {"extra": " + 0"}
        )
        assert [
            "    why: code changed",
            f"        compared with entry {compared[0]}",
            "        - source changed (source)",
        ] == blocks[0]
        assert "            -    return helper(x) * SCALE" in out.splitlines()
        assert "            +    return helper(x) * SCALE + 0" in out.splitlines()

    def test_callee(self, capsys, load_module, tmp_path, cache_dir):
        """An edit of a called function names it by module and qualified name."""
        name, out, blocks, _ = self._blocks(
            capsys, load_module, tmp_path, {}, {"factor": 3}
        )
        assert f"        - callee:{name}:helper changed (source)" == blocks[0][-1]
        assert f"            --- callee:{name}:helper (before)" in out.splitlines()
        assert "            -    return x * 2" in out.splitlines()
        assert "            +    return x * 3" in out.splitlines()

    def test_global(self, capsys, load_module, tmp_path, cache_dir):
        """A changed global is named with its old and new value reprs."""
        name, _, blocks, _ = self._blocks(
            capsys, load_module, tmp_path, {}, {"scale": 3}
        )
        assert "    why: code changed" == blocks[0][0]
        assert f"        - global:{name}:SCALE changed: 2 -> 3" == blocks[0][-1]

    def test_argument(self, capsys, load_module, tmp_path, cache_dir):
        """A new argument value names the parameter with old and new reprs."""
        _, _, blocks, compared = self._blocks(
            capsys, load_module, tmp_path, {}, {}, argument=5
        )
        assert [
            "    why: arguments changed",
            f"        compared with entry {compared[0]}",
            "        - argument:x changed: 1 -> 5",
        ] == blocks[0]

    def test_docstring_only(self, capsys, load_module, tmp_path, cache_dir):
        """A docstring-only edit says so, with the old and new docstrings."""
        _, _, blocks, _ = self._blocks(
            capsys, load_module, tmp_path, {}, {"doc": "Sum."}
        )
        assert "    why: code changed (docstring only)" == blocks[0][0]
        assert (
            "        - docstring changed (docstring only): 'Total.' -> 'Sum.'"
            == blocks[0][-1]
        )

    def test_everything_at_once(self, capsys, load_module, tmp_path, cache_dir):
        """Every differing component is named, not only the first."""
        name, _, blocks, _ = self._blocks(
            capsys,
            load_module,
            tmp_path,
            {},
            {"scale": 3, "factor": 3, "extra": " + 0"},
        )
        assert [
            f"        - callee:{name}:helper changed (source)",
            f"        - global:{name}:SCALE changed: 2 -> 3",
            "        - source changed (source)",
        ] == blocks[0][2:]

    @pytest.mark.parametrize(
        ("component", "old", "new"),
        [
            ("package:numpy", "1.26.4", "2.0.0"),
            ("python", "CPython 3.11.7", "CPython 3.12.1"),
        ],
    )
    def test_package_and_python(self, capsys, tmp_path, component, old, new):
        """A package or Python version change names both versions."""
        store = Store(tmp_path / "cache")
        kind = component.partition(":")[0]
        source = ComponentRecord("source", "1" * 32, "", None)
        before = make_manifest(
            key="1" * 32,
            fingerprint="a" * 32,
            components={
                "source": source,
                component: ComponentRecord(kind, "2" * 32, old),
            },
            created_at=1.0,
            reason={"status": "miss", "cause": "first call"},
        )
        store.save(before, b"x", {})
        components = {"source": source, component: ComponentRecord(kind, "3" * 32, new)}
        reason = explain(
            "2" * 32,
            "b" * 32,
            before.arguments_digest,
            components,
            before.arguments,
            [before],
        )
        after = make_manifest(
            key="2" * 32,
            fingerprint="b" * 32,
            components=components,
            created_at=2.0,
            reason=reason.to_json(),
        )
        store.save(after, b"x", {})
        code, out, _ = _run(capsys, "inspect", "--dir", str(store.root), "func")
        assert 0 == code
        assert [
            "    why: code changed",
            f"        compared with entry {'1' * 12}",
            f"        - {component} changed: {old} -> {new}",
        ] == _why_blocks(out)[0]


class TestGraph:
    @pytest.fixture
    def project(self, load_module, cache_dir):
        """A function reaching a callee, a global and a package; returns the module name."""
        name = f"ckpt_graph_{os.getpid()}_{next(_NUMBERS)}"
        module = load_module(
            "import json\n"
            "from checkpointing import checkpoint\n"
            'RATE = "a \\"quoted\\" #1 <rate>"\n'
            "def helper(x):\n    return x\n"
            "@checkpoint\n"
            "def run(x):\n"
            '    """Run it."""\n'
            "    return json.dumps(helper(x)) + RATE\n",
            name=name,
        )
        module.run(1)
        return name

    def test_text_tree(self, capsys, project):
        """graph prints the components grouped: own code, per module, Python."""
        code, out, _ = _run(capsys, "graph", "run")
        assert 0 == code
        lines = out.splitlines()
        assert lines[0].startswith(f"{project}.run  entry ")
        assert "├── own code" == lines[1]
        assert "│   ├── docstring  'Run it.'" == lines[2]
        assert f"├── module {project}" in lines
        assert f"│   ├── callee:{project}:helper" in lines
        assert lines[-1].startswith("└── python  CPython ")

    def test_ascii_tree(self):
        """Where box-drawing characters cannot be encoded, the tree uses ASCII."""
        stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
        leaf = _render._Node(["leaf"])
        _render._Plain(stream).tree(
            _render._Node(["root"], [_render._Node(["a"], [leaf]), leaf])
        )
        stream.seek(0)
        assert [
            "root",
            "|-- a",
            "|   `-- leaf",
            "`-- leaf",
        ] == stream.read().splitlines()

    def test_dot(self, capsys, project):
        """--format dot writes a Graphviz digraph with escaped labels."""
        code, out, _ = _run(capsys, "graph", "run", "--format", "dot")
        assert 0 == code
        assert out.startswith(f'digraph "{project}.run" {{\n  rankdir=LR;')
        assert f'  n0 [label="{project}.run", style=bold];' in out
        assert '  n1 [label="own code", shape=folder];\n  n0 -> n1;' in out
        assert '\\"quoted\\"' in out
        assert out.endswith("}\n")

    def test_mermaid(self, capsys, project):
        """--format mermaid writes a flowchart with entity-escaped labels."""
        code, out, _ = _run(capsys, "graph", "run", "--format", "mermaid")
        assert 0 == code
        lines = out.splitlines()
        assert [
            "flowchart LR",
            f'  n0[["{project}.run"]]',
            '  n1["own code"]',
        ] == lines[:3]
        assert "  n0 --> n1" in lines
        assert "#quot;quoted#quot; #35;1 #lt;rate#gt;" in out

    def test_json(self, capsys, project):
        """graph --json gives the tree as nested labels and children."""
        code, out, _ = _run(capsys, "graph", "run", "--json")
        assert 0 == code
        data = json.loads(out)
        assert f"{project}.run" == data["function"]
        labels = [child["label"] for child in data["tree"]["children"]]
        assert ["own code", f"module {project}", "packages"] == labels[:3] or [
            "own code",
            f"module {project}",
        ] == labels[:2]

    def test_groups(self):
        """Components are grouped by what they are: packages, declared, modules."""
        manifest = make_manifest(
            components={
                "source": ComponentRecord("source", "1" * 32),
                "package:numpy": ComponentRecord("package", "2" * 32, "2.0"),
                "file:/data.csv": ComponentRecord("file", "3" * 32, "xxh3:abc"),
                "version": ComponentRecord("version", "4" * 32, "v1"),
                "global:pkg.mod:LONG": ComponentRecord("global", "5" * 32, "x" * 80),
                "python": ComponentRecord("python", "6" * 32, "CPython 3.11.7"),
            }
        )
        tree = _cmd_graph._graph_tree(manifest)
        groups = {
            _render._text(c.label): [_render._text(n.label) for n in c.children]
            for c in tree.children
        }
        assert ["package:numpy  2.0"] == groups["packages"]
        assert ["file:/data.csv  xxh3:abc", "version  v1"] == groups[
            "declared (depends_on, version, ignore_code)"
        ]
        assert [f"global:pkg.mod:LONG  {'x' * 37}..."] == groups["module pkg.mod"]

    def test_ambiguous(self, capsys, cache):
        """graph needs exactly one function."""
        directory, _ = cache
        code, _, err = _run(capsys, "graph", "--dir", str(directory), "ckpt_cli")
        assert 1 == code
        assert "no function or key matches" in err
        code, _, err = _run(capsys, "graph", "--dir", str(directory), "area")
        assert 0 == code
        Store(directory).save(make_manifest(function_id="other.area"), b"x", {})
        code, _, err = _run(capsys, "graph", "--dir", str(directory), "area")
        assert 1 == code
        assert "'area' must name one function; it matches: " in err
        (directory / "pkg.empty").mkdir()
        code, _, err = _run(capsys, "graph", "--dir", str(directory), "empty")
        assert 1 == code
        assert "it matches: none with readable entries" in err


class TestList:
    def test_list(self, capsys, cache):
        """list prints a header and one row per entry: function, full key, size, cause."""
        directory, name = cache
        code, out, _ = _run(capsys, "list", "--dir", str(directory))
        assert 0 == code
        lines = out.splitlines()
        assert re.fullmatch(r"FUNCTION +KEY +SIZE +CREATED +CAUSE", lines[0])
        assert 4 == len(lines[1:])
        assert 3 == sum(line.startswith(f"{name}.area  ") for line in lines)
        assert all(len(line.split()[1]) == 32 for line in lines[1:])
        assert lines[1].endswith("  first call")

    def test_list_one_function_json(self, capsys, cache):
        """list <function> --json prints that function's entries."""
        directory, name = cache
        code, out, _ = _run(
            capsys, "list", "--dir", str(directory), "perimeter", "--json"
        )
        assert 0 == code
        (row,) = json.loads(out)
        assert (f"{name}.perimeter", True, "first call") == (
            row["function_id"],
            row["readable"],
            row["cause"],
        )

    def test_unreadable_rows(self, capsys, cache):
        """Unreadable entries are listed as such, in text and JSON."""
        directory, name = cache
        key = _older_format_entry(directory, f"{name}.perimeter")
        _, out, _ = _run(capsys, "list", "--dir", str(directory), "perimeter")
        assert re.search(rf"{key} +- +\S+ \S+ +unreadable$", out, re.MULTILINE)
        _, out, _ = _run(capsys, "list", "--dir", str(directory), "perimeter", "--json")
        unreadable = [row for row in json.loads(out) if not row["readable"]]
        assert [(key, 0)] == [(r["key"], r["format_version"]) for r in unreadable]
        assert unreadable[0]["error"].startswith("written by an older format version")

    def test_empty_cache(self, capsys, tmp_path):
        """An empty cache directory says so instead of printing a bare header."""
        code, out, _ = _run(capsys, "list", "--dir", str(tmp_path))
        assert (0, "(no entries)\n") == (code, out)
        _, out, _ = _run(capsys, "list", "--dir", str(tmp_path), "--json")
        assert [] == json.loads(out)


class TestShow:
    def test_show(self, capsys, cache):
        """show prints one entry: metadata, arguments, components and the reason."""
        directory, name = cache
        entries = Store(directory).manifests(f"{name}.area")
        key = entries[-1].key
        code, out, _ = _run(capsys, "show", "--dir", str(directory), key[:6])
        assert 0 == code
        lines = out.splitlines()
        assert f"entry {key}  of {name}.area" == lines[0]
        assert f"  function:    {name}:area" == lines[1]
        assert "checksum ok" in lines[3]
        assert "    width = 2" in lines
        assert re.search(r"^ +source +source$", out, re.MULTILINE)
        assert "  why: code changed" in lines
        assert "          +    return float(width * height)" in lines

    def test_show_json(self, capsys, cache):
        """show --json gives the manifest and the state of the value file."""
        directory, name = cache
        key = Store(directory).manifests(f"{name}.perimeter")[0].key
        code, out, _ = _run(capsys, "show", "--dir", str(directory), key, "--json")
        assert 0 == code
        data = json.loads(out)
        assert (key, "ok", None) == (
            data["manifest"]["key"],
            data["entry"],
            data["error"],
        )

    def test_damaged_value(self, capsys, cache):
        """A damaged or missing value file is reported next to the manifest."""
        directory, name = cache
        store = Store(directory)
        key = store.manifests(f"{name}.perimeter")[0].key
        path = store.entry_path(f"{name}.perimeter", key)
        path.write_bytes(path.read_bytes()[:-1] + b"!")
        _, out, _ = _run(capsys, "show", "--dir", str(directory), key)
        assert "checksum damaged: " in out
        assert "checksum mismatch" in out
        path.unlink()
        _, out, _ = _run(capsys, "show", "--dir", str(directory), key, "--json")
        assert "missing" == json.loads(out)["entry"]

    def test_older_format(self, capsys, cache):
        """show of an older-format entry exits 1 and says why."""
        directory, name = cache
        key = _older_format_entry(directory, f"{name}.area")
        code, _, err = _run(capsys, "show", "--dir", str(directory), key)
        assert 1 == code
        assert err.endswith(
            ": written by an older format version (manifest format 0; "
            "this version reads format 1)\n"
        )

    @pytest.mark.parametrize(
        ("prefix", "message"),
        [
            ("xyz", "'xyz' is not a key prefix (4 or more hex digits)"),
            ("ffffffff", "no entry has a key starting with 'ffffffff'"),
        ],
    )
    def test_bad_prefix(self, capsys, cache, prefix, message):
        """Keys that are not hex, or match nothing, exit 1."""
        directory, _ = cache
        code, _, err = _run(capsys, "show", "--dir", str(directory), prefix)
        assert 1 == code
        assert message in err

    def test_ambiguous_prefix(self, capsys, tmp_path):
        """A prefix matching several entries asks for more digits."""
        store = Store(tmp_path)
        for key in ("abcd" + "0" * 28, "abcd" + "1" * 28):
            store.save(make_manifest(key=key), b"x", {})
        code, _, err = _run(capsys, "show", "--dir", str(tmp_path), "abcd")
        assert 1 == code
        assert "'abcd' matches 2 entries (abcd00000000 (pkg.module.func), " in err


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

    def test_clear_key_prefix(self, capsys, cache):
        """clear <key prefix> deletes that entry only."""
        directory, name = cache
        key = Store(directory).manifests(f"{name}.area")[0].key
        code, out, _ = _run(capsys, "clear", "--dir", str(directory), key[:10])
        assert 0 == code
        assert "deleted 1 entry\n" == out
        assert 2 == len(Store(directory).manifests(f"{name}.area"))


class TestPrune:
    def _ages(self, directory, name):
        """Make the area entries 10, 20 and 30 days old (oldest first)."""
        store = Store(directory)
        now = time.time()
        manifests = store.manifests(f"{name}.area")
        for days, manifest in zip((30, 20, 10), manifests, strict=True):
            data = json.loads(manifest.to_json())
            data["created_at"] = now - days * 86400
            store.manifest_path(manifest.function_id, manifest.key).write_text(
                json.dumps(data)
            )
            # prune reads ages from the entry files, as automatic eviction does
            then = now - days * 86400
            os.utime(store.entry_path(manifest.function_id, manifest.key), (then, then))
        for function_id in store.function_ids():
            _catalog.forget(LocalFileSystem(directory), str(directory / function_id))
        return [m.key for m in manifests]

    def test_older_than(self, capsys, cache):
        """--older-than deletes entries created before the cut-off."""
        directory, name = cache
        keys = self._ages(directory, name)
        code, out, _ = _run(
            capsys, "prune", "--dir", str(directory), "--older-than", "15d"
        )
        assert 0 == code
        assert out.startswith("deleted 2 entries (")
        assert [keys[2]] == [m.key for m in Store(directory).manifests(f"{name}.area")]

    def test_max_size(self, capsys, cache):
        """--max-size deletes the oldest entries until the rest fits."""
        directory, name = cache
        keys = self._ages(directory, name)
        code, out, _ = _run(
            capsys,
            "prune",
            "--dir",
            str(directory),
            "area",
            "--max-size",
            "4K",
            "--json",
        )
        assert 0 == code
        data = json.loads(out)
        assert data["remaining_bytes"] <= 4096
        deleted = [entry["key"] for entry in data["entries"]]
        assert keys[: len(deleted)] == deleted
        assert {"size"} == {entry["why"] for entry in data["entries"]}

    def test_dry_run(self, capsys, cache):
        """--dry-run lists each entry that would go, with size, age and rule; deletes none."""
        directory, name = cache
        keys = self._ages(directory, name)
        before = sorted(directory.glob("*/*.ckpt")) + sorted(directory.glob("*/*.json"))
        assert 8 == len(before)
        code, out, _ = _run(
            capsys, "prune", "--dir", str(directory), "--older-than", "1w", "--dry-run"
        )
        assert 0 == code
        header, *rows, total = out.splitlines()
        assert re.fullmatch(r"FUNCTION +KEY +SIZE +AGE +WHY", header)
        pattern = rf"{name}\.area +([0-9a-f]{{32}}) +\d+\.\d KiB +(\d+)d +older than 7d"
        found = [re.fullmatch(pattern, row) for row in rows]
        assert all(found), rows
        assert dict(zip(keys, ("30", "20", "10"), strict=True)) == {
            m[1]: m[2] for m in found if m
        }
        assert re.fullmatch(
            r"would delete 3 entries \(\d+\.\d KiB\); 1 readable entry "
            r"\(\d+\.\d KiB\) would remain",
            total,
        )
        assert before == sorted(directory.glob("*/*.ckpt")) + sorted(
            directory.glob("*/*.json")
        )

    def test_dry_run_max_size_and_unreadable(self, capsys, cache):
        """--dry-run names the rule of each entry: size limit or unreadable."""
        directory, name = cache
        self._ages(directory, name)
        key = _older_format_entry(directory, f"{name}.perimeter")
        code, out, _ = _run(
            capsys, "prune", "--dir", str(directory), "--max-size", "4K",
            "--unreadable", "--dry-run",
        )  # fmt: skip
        assert 0 == code
        _, first, *rows, total = out.splitlines()
        assert re.fullmatch(
            rf"{name}\.perimeter +{key} +\d+ B +\S+ +unreadable manifest", first
        )
        assert rows
        assert all(
            re.search(r" least recently used beyond 4\.0 KiB$", row) for row in rows
        )
        assert total.startswith(f"would delete {1 + len(rows)} entries (")
        assert (directory / f"{name}.perimeter" / f"{key}.json").exists()
        assert 3 == len(Store(directory).manifests(f"{name}.area"))

    def test_dry_run_nothing_to_delete(self, capsys, cache):
        """A dry run that finds nothing prints the total line alone."""
        directory, _ = cache
        _, out, _ = _run(
            capsys, "prune", "--dir", str(directory), "--older-than", "1w", "--dry-run"
        )
        assert out.startswith("would delete 0 entries (0 B); 4 readable entries (")

    def test_dry_run_json(self, capsys, cache):
        """--json lists each entry with its rule, size and write time."""
        directory, name = cache
        keys = self._ages(directory, name)
        _, out, _ = _run(
            capsys, "prune", "--dir", str(directory), "--older-than", "15d",
            "--dry-run", "--json",
        )  # fmt: skip
        data = json.loads(out)
        assert (True, 2) == (data["dry_run"], data["deleted"])
        assert sorted(keys[:2]) == sorted(e["key"] for e in data["entries"])
        for entry in data["entries"]:
            assert "older" == entry["why"]
            assert entry["size_bytes"] > 0
            assert time.time() - entry["written_at"] > 15 * 86400
        assert 3 == len(Store(directory).manifests(f"{name}.area"))

    @pytest.mark.parametrize(
        ("seconds", "text"),
        [(0.4, "0s"), (45, "45s"), (90, "1.5m"), (5400, "1.5h"), (86400 * 30, "30d")],
    )
    def test_age(self, seconds, text):
        """Ages print in the units --older-than takes."""
        assert text == _render._age(seconds)

    def test_unreadable(self, capsys, cache):
        """--unreadable deletes entries whose manifest cannot be read."""
        directory, name = cache
        key = _older_format_entry(directory, f"{name}.area")
        code, out, _ = _run(capsys, "prune", "--dir", str(directory), "--unreadable")
        assert 0 == code
        assert out.startswith("deleted 1 entry (")
        assert not (directory / f"{name}.area" / f"{key}.json").exists()
        assert not (directory / f"{name}.area" / f"{key}.ckpt").exists()

    def test_unreadable_counts_against_max_size(self, capsys, cache):
        """Unreadable entries that stay still count toward --max-size."""
        directory, name = cache
        _older_format_entry(directory, f"{name}.perimeter")
        _, out, _ = _run(
            capsys, "prune", "--dir", str(directory), "perimeter", "--max-size", "1",
            "--json",
        )  # fmt: skip
        assert 1 == json.loads(out)["deleted"]

    def test_needs_a_rule(self, capsys, cache):
        """prune without a rule is a usage error."""
        directory, _ = cache
        with pytest.raises(SystemExit) as info:
            main(["prune", "--dir", str(directory)])
        assert 2 == info.value.code
        assert "prune needs --older-than, --max-size or --unreadable" in (
            capsys.readouterr().err
        )

    @pytest.mark.parametrize(
        ("option", "value"), [("--older-than", "10"), ("--max-size", "5 parsecs")]
    )
    def test_bad_values(self, capsys, cache, option, value):
        """Unparseable ages and sizes are usage errors."""
        directory, _ = cache
        with pytest.raises(SystemExit) as info:
            main(["prune", "--dir", str(directory), option, value])
        assert 2 == info.value.code

    @pytest.mark.parametrize(
        ("text", "seconds"),
        [("45s", 45), ("90m", 5400), ("12h", 43200), ("1.5d", 129600), ("2W", 1209600)],
    )
    def test_durations(self, text, seconds):
        """Ages take s, m, h, d and w units."""
        assert seconds == _arguments._duration(text)

    @pytest.mark.parametrize(
        ("text", "size"),
        [
            ("1024", 1024),
            ("500M", 500 * 1024**2),
            ("2GiB", 2 * 1024**3),
            ("10GB", 10 * 1000**3),
            ("1.5k", 1536),
            ("3 TB", 3 * 1000**4),
        ],
    )
    def test_sizes(self, text, size):
        """Sizes take binary (K, M, G, T, KiB...) and decimal (KB, MB...) units."""
        assert size == _arguments._byte_size(text)


class TestVerify:
    def test_all_ok(self, capsys, cache):
        """verify checks every entry and exits 0 when all are sound."""
        directory, _ = cache
        code, out, _ = _run(capsys, "verify", "--dir", str(directory))
        assert 0 == code
        assert "verified 4 entries of 2 functions: 4 ok, 0 problems\n" == out

    def test_damaged_value(self, capsys, cache):
        """A bit flip in a value file is found; --quarantine moves the entry aside."""
        directory, name = cache
        store = Store(directory)
        key = store.manifests(f"{name}.perimeter")[0].key
        path = store.entry_path(f"{name}.perimeter", key)
        path.write_bytes(path.read_bytes()[:-1] + b"!")
        code, out, _ = _run(capsys, "verify", "--dir", str(directory))
        assert 1 == code
        assert "3 ok, 1 problem" in out
        assert f"  {name}.perimeter  {key[:12]}  entry: checksum mismatch" in out
        assert "move them aside with 'verify --quarantine'" in out
        code, out, _ = _run(capsys, "verify", "--dir", str(directory), "--quarantine")
        assert 0 == code
        assert "moved 1 damaged entry to .quarantine/" in out
        assert not path.exists()
        assert 0 == _run(capsys, "verify", "--dir", str(directory))[0]

    def test_problems_json(self, capsys, cache):
        """verify --json lists each problem with what failed."""
        directory, name = cache
        store = Store(directory)
        area = store.manifests(f"{name}.area")
        store.entry_path(f"{name}.area", area[0].key).unlink()
        old = _older_format_entry(directory, f"{name}.area")
        orphan = directory / f"{name}.area" / ("ee" * 16 + ".ckpt")
        orphan.write_bytes(b"value without manifest")
        code, out, _ = _run(capsys, "verify", "--dir", str(directory), "area", "--json")
        assert 1 == code
        data = json.loads(out)
        assert (4, 2) == (data["checked"], data["ok"])
        problems = {(p["key"], p["what"]) for p in data["problems"]}
        expected = {
            (area[0].key, "entry"),
            (old, "manifest"),
            ("ee" * 16, "no manifest"),
        }
        assert expected == problems
        code, _, _ = _run(capsys, "verify", "--dir", str(directory), "--quarantine")
        assert 0 == code
        assert orphan.exists()  # a value without manifest still serves hits: kept

    def test_rebuilds_catalog(self, capsys, cache):
        """verify rewrites the catalog from the manifests it read."""
        directory, name = cache
        path = directory / f"{name}.area" / _catalog.CATALOG_NAME
        path.write_text("garbage\n")
        assert 0 == _run(capsys, "verify", "--dir", str(directory))[0]
        assert 3 == path.read_text().count("\n=\t") + path.read_text().startswith("=\t")

    def test_key_prefix_does_not_rebuild(self, capsys, cache):
        """verify <key prefix> checks that entry and leaves the catalog alone."""
        directory, name = cache
        key = Store(directory).manifests(f"{name}.area")[0].key
        path = directory / f"{name}.area" / _catalog.CATALOG_NAME
        before = path.read_bytes()
        code, out, _ = _run(capsys, "verify", "--dir", str(directory), key[:8])
        assert 0 == code
        assert "verified 1 entry of 1 function: 1 ok, 0 problems\n" == out
        assert before == path.read_bytes()


class TestOutput:
    def test_color_always(self, capsys, cache):
        """--color always renders colours and a table through rich."""
        directory, _ = cache
        code, out, _ = _run(
            capsys, "inspect", "--dir", str(directory), "--color", "always"
        )
        assert 0 == code
        assert "\x1b[" in out
        assert "─" in out  # the table's header rule
        _, out, _ = _run(
            capsys, "inspect", "--dir", str(directory), "area", "--color", "always"
        )
        assert "\x1b[" in out

    @pytest.mark.parametrize("command", ["list", "graph area", "show {key}", "verify"])
    def test_every_command_in_colour(self, capsys, cache, command):
        """Every command renders with rich."""
        directory, name = cache
        key = Store(directory).manifests(f"{name}.area")[0].key
        argv = command.format(key=key).split()
        code, out, _ = _run(capsys, *argv, "--dir", str(directory), "--color", "always")
        assert 0 == code
        assert "\x1b[" in out

    def test_terminal_gets_colour(self, capsys, cache, monkeypatch):
        """On a terminal, output is coloured; NO_COLOR and TERM=dumb turn it off."""
        directory, _ = cache
        monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
        monkeypatch.delenv("NO_COLOR", raising=False)
        monkeypatch.setenv("TERM", "xterm-256color")
        assert "\x1b[" in _run(capsys, "list", "--dir", str(directory))[1]
        monkeypatch.setenv("NO_COLOR", "1")
        assert "\x1b[" not in _run(capsys, "list", "--dir", str(directory))[1]
        monkeypatch.delenv("NO_COLOR")
        monkeypatch.setenv("TERM", "dumb")
        assert "\x1b[" not in _run(capsys, "list", "--dir", str(directory))[1]

    def test_color_never(self, capsys, cache, monkeypatch):
        """--color never is plain even on a terminal."""
        directory, _ = cache
        monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
        _, out, _ = _run(capsys, "list", "--dir", str(directory), "--color", "never")
        assert "\x1b[" not in out

    def test_pipe_is_plain(self, capsys, cache):
        """Output that is not a terminal is plain text."""
        directory, _ = cache
        assert "\x1b[" not in _run(capsys, "inspect", "--dir", str(directory))[1]

    def test_without_rich(self, capsys, cache, monkeypatch):
        """Without rich, a terminal gets plain text and --color always an error."""
        directory, _ = cache
        real = importlib.util.find_spec
        monkeypatch.setattr(
            _render.importlib.util,
            "find_spec",
            lambda name, *args: None if name == "rich" else real(name, *args),
        )
        monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
        monkeypatch.delenv("NO_COLOR", raising=False)
        monkeypatch.setenv("TERM", "xterm")
        assert "\x1b[" not in _run(capsys, "list", "--dir", str(directory))[1]
        code, _, err = _run(
            capsys, "list", "--dir", str(directory), "--color", "always"
        )
        assert 1 == code
        assert "--color always needs rich: pip install 'checkpointing[cli]'" in err

    def test_progress_bar(self, capsys, cache, monkeypatch):
        """verify shows a progress bar on a terminal for large caches."""
        directory, _ = cache
        monkeypatch.setattr(_render, "_PROGRESS_FROM", 1)
        monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
        code, out, _ = _run(
            capsys, "verify", "--dir", str(directory), "--color", "always"
        )
        assert 0 == code
        assert "4 ok" in out

    def test_broken_pipe(self, capsys, cache, monkeypatch, tmp_path):
        """A reader that closed the pipe ends the command quietly with 0."""
        directory, _ = cache

        def closed(args):
            raise BrokenPipeError

        monkeypatch.setattr(_cmd_list, "_list", closed)
        sink = (tmp_path / "sink").open("w")
        monkeypatch.setattr(sys, "stdout", sink)
        try:
            assert 0 == main(["list", "--dir", str(directory)])
        finally:
            sink.close()


class TestHelpers:
    @pytest.mark.parametrize(
        ("seconds", "text"),
        [
            (0.0004, "<1 ms"),
            (0.25, "250 ms"),
            (4.21, "4.2 s"),
            (185, "3 min 5 s"),
            (7800, "2 h 10 min"),
        ],
    )
    def test_seconds(self, seconds, text):
        """Compute times read as people say them."""
        assert text == _render._seconds(seconds)

    @pytest.mark.parametrize("text", ["abc", "-3"])
    def test_count(self, text):
        """--limit takes a count >= 0."""
        with pytest.raises(_arguments.argparse.ArgumentTypeError):
            _arguments._count(text)

    def test_dynamic_note(self):
        """A dynamic component (a value read at call time) gets a note."""
        manifest = make_manifest(
            components={
                "dynamic:pkg.mod.f": ComponentRecord(
                    "dynamic", "1" * 32, "is read per call"
                )
            }
        )
        assert ["pkg.mod.f is read per call"] == _describe._coverage_notes(manifest)

    def test_read_manifest(self, tmp_path, monkeypatch):
        """A vanished manifest reads as None; one that cannot be opened is an error."""
        store = Store(tmp_path)
        assert _select._read_manifest(store, "pkg.f", "ab" * 16) is None
        store.save(make_manifest(key="ab" * 16), b"x", {})

        def refuse(self, path):
            raise PermissionError(13, "Permission denied")

        # The command line reads manifests through the store's file system.
        monkeypatch.setattr(LocalFileSystem, "read_bytes", refuse)
        with pytest.raises(CorruptEntryError, match="cannot read manifest"):
            _select._read_manifest(store, "pkg.module.func", "ab" * 16)
        problem = _cmd_verify._verify_entry(store, "pkg.module.func", "ab" * 16, [], [])
        assert problem is not None
        assert ("manifest", True) == (
            problem.what,
            "Permission denied" in problem.message,
        )

    def test_verify_entry_vanished(self, tmp_path):
        """An entry deleted while verify runs is no problem."""
        assert (
            _cmd_verify._verify_entry(Store(tmp_path), "pkg.f", "ab" * 16, [], [])
            is None
        )

    def test_entry_vanished_while_inspecting(self, capsys, cache, monkeypatch):
        """An entry deleted between the catalog and the manifest read is skipped."""
        directory, _ = cache
        monkeypatch.setattr(
            _cmd_inspect, "_read_manifest", lambda store, fid, key: None
        )
        code, out, _ = _run(capsys, "inspect", "--dir", str(directory), "perimeter")
        assert 0 == code
        assert "why:" not in out
        code, out, _ = _run(capsys, "inspect", "--dir", str(directory))
        assert 0 == code
        assert "most recent computations" not in out


class TestGlobalOptions:
    """--dir, --json and --color go before or after the command."""

    @pytest.mark.parametrize(
        "argv",
        [["--dir", "{}", "inspect"], ["inspect", "--dir", "{}"]],
        ids=["before", "after"],
    )
    def test_dir_either_side(self, capsys, cache, monkeypatch, argv):
        """--dir names the cache before the command as well as after it."""
        directory, _ = cache
        monkeypatch.delenv("CHECKPOINTING_DIR")
        code, out, err = _run(capsys, *(a.format(directory) for a in argv))
        assert (0, "") == (code, err)
        assert f"cache directory: {directory}" == out.splitlines()[0]

    def test_dir_after_command_wins(self, capsys, cache, tmp_path):
        """Given on both sides, the --dir after the command wins."""
        directory, _ = cache
        missing = tmp_path / "nope"
        code, out, _ = _run(
            capsys, "--dir", str(missing), "inspect", "--dir", str(directory)
        )
        assert 0 == code
        assert f"cache directory: {directory}" == out.splitlines()[0]
        code, _, err = _run(
            capsys, "--dir", str(directory), "inspect", "--dir", str(missing)
        )
        assert 1 == code
        assert f"checkpointing: error: no cache directory at {missing}\n" == err

    def test_dir_before_every_command(self, capsys, cache):
        """Every command reads a --dir given before it."""
        directory, name = cache
        for argv in (
            ["list"],
            ["graph", "perimeter"],
            ["verify"],
            ["prune", "--older-than", "1w", "--dry-run"],
            ["clear", "perimeter"],
        ):
            code, _, err = _run(capsys, "--dir", str(directory), *argv)
            assert (0, "") == (code, err), argv
        assert [f"{name}.area"] == Store(directory).function_ids()

    def test_json_and_color_before_command(self, capsys, cache):
        """--json and --color before the command apply to it; after it, they win."""
        code, out, _ = _run(capsys, "--json", "--color", "never", "list")
        assert 0 == code
        assert 4 == len(json.loads(out))
        code, out, _ = _run(capsys, "--color", "always", "list", "--color", "never")
        assert 0 == code
        assert "\x1b[" not in out

    def test_help_says_where_options_go(self, capsys):
        """The main help documents both places and which one wins."""
        with pytest.raises(SystemExit):
            main(["--help"])
        out = " ".join(capsys.readouterr().out.split())
        assert "[--dir DIRECTORY] [--json]" in out
        assert (
            "--dir, --json and --color go before or after the command; given in both "
            "places, the one after the command wins." in out
        )


class TestProg:
    """Usage lines name the program the way the user ran it."""

    @pytest.mark.parametrize(
        ("argv0", "prog"),
        [
            ("/venv/bin/checkpointing", "checkpointing"),
            (
                str(Path(checkpointing.__file__).with_name("__main__.py")),
                "python -m checkpointing",
            ),
            ("C:/venv/Scripts/checkpointing.exe", "checkpointing.exe"),
            ("-c", "checkpointing"),
            ("", "checkpointing"),
        ],
    )
    def test_prog(self, capsys, monkeypatch, argv0, prog):
        """The console script, ``python -m`` and ``python -c`` each get their name."""
        monkeypatch.setattr(sys, "argv", [argv0])
        with pytest.raises(SystemExit) as info:
            main(["--help"])
        assert 0 == info.value.code
        assert capsys.readouterr().out.startswith(f"usage: {prog} [-h]")
        with pytest.raises(SystemExit):
            main(["inspect", "--help"])
        assert capsys.readouterr().out.startswith(f"usage: {prog} inspect [-h]")

    def test_prog_in_hints(self, capsys, cache, monkeypatch):
        """Hints that name a command use the program's name."""
        monkeypatch.setattr(
            sys, "argv", [str(Path(checkpointing.__file__).with_name("__main__.py"))]
        )
        _, _, err = _run(capsys, "inspect", "nosuchfunc")
        assert err.endswith("; 'python -m checkpointing inspect' lists them\n")

    def test_no_argv(self, monkeypatch):
        """An interpreter without sys.argv (embedded) still gets a name."""
        monkeypatch.setattr(sys, "argv", [])
        assert "checkpointing" == cli._prog()


class TestUsage:
    def test_no_command(self, capsys, monkeypatch):
        """Without a command, help is printed and the exit code is 2."""
        monkeypatch.setattr(sys, "argv", ["checkpointing"])
        code, out, _ = _run(capsys)
        assert 2 == code
        assert out.startswith("usage: checkpointing [-h]")

    def test_unknown_command(self, capsys):
        """An unknown command is a usage error: argparse exits with 2."""
        with pytest.raises(SystemExit) as info:
            main(["explode"])
        assert 2 == info.value.code
        assert "invalid choice" in capsys.readouterr().err

    def test_every_command_takes_json(self):
        """--json, --dir and --color exist on every command."""
        parser = _parser.build_parser()
        commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
        assert {"inspect", "graph", "list", "show", "clear", "prune", "verify"} == set(
            commands
        )
        for sub in commands.values():
            options = {o for action in sub._actions for o in action.option_strings}
            assert {"--json", "--dir", "--color"} <= options


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
    helped = subprocess.run(
        [sys.executable, "-m", "checkpointing", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert 0 == helped.returncode, helped.stderr
    assert helped.stdout.startswith("usage: python -m checkpointing [-h]")


def test_console_script(cache, tmp_path):
    """The installed ``checkpointing`` script takes --dir before the command and names itself."""
    directory, name = cache
    script = shutil.which("checkpointing", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the checkpointing console script is not installed")
    completed = subprocess.run(
        [script, "--dir", str(directory), "inspect"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert 0 == completed.returncode, completed.stderr
    assert f"cache directory: {directory}" == completed.stdout.splitlines()[0]
    assert f"{name}.area" in completed.stdout
    helped = subprocess.run(
        [script, "inspect", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert 0 == helped.returncode, helped.stderr
    assert helped.stdout.startswith("usage: checkpointing inspect [-h]")


class TestHitCounts:
    def test_hits_are_counted_without_writes_then_flushed(self, capsys, tmp_path):
        """Hits stay in memory until flushed (at exit); then inspect shows them."""
        from checkpointing import checkpoint
        from checkpointing.store import _store_upkeep

        @checkpoint(directory=tmp_path)
        def f(x):
            return x + 1

        f(1)
        catalog = next(tmp_path.glob("*/.catalog.v1.tsv"))
        before = catalog.read_bytes()
        for _ in range(5):
            f(1)
        assert before == catalog.read_bytes()  # a hit never writes
        _store_upkeep._flush_hits()  # what atexit does
        _, out, _ = _run(capsys, "inspect", "--dir", str(tmp_path), "--json")
        (row,) = json.loads(out)["functions"]
        assert (5, 1) == (row["hits"], row["misses"])
