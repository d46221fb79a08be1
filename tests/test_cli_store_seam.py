"""
The command line through the store seam: every command on a store in memory.

``cli/`` reaches the cache only through :class:`~checkpointing.store.EntryStore`
(no paths, no ``os``), so a command prints the same whatever the store. Each
test fills a local cache by calling ``@checkpoint`` functions, copies every
entry into a store over fsspec's ``memory://`` (``Store.copy_entry``), runs a
command on both (the local one through ``--dir``, as users run it; the one in
memory through the CLI's store resolution, patched) and compares exit codes
and output byte for byte, the directory's text aside. An ``ast`` scan keeps
paths and file-system calls out of ``cli/``.
"""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import ast
import itertools
import json
import os
import shlex
import time
import types
from pathlib import Path

import pytest

from checkpointing import CorruptEntryError, Store, cli
from checkpointing.cli import (
    _cmd_clear,
    _cmd_graph,
    _cmd_inspect,
    _cmd_list,
    _cmd_prune,
    _cmd_show,
    _cmd_verify,
    _select,
    main,
)
from checkpointing.store import FsspecFileSystem

from .strategies import make_manifest

fsspec = pytest.importorskip("fsspec")

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

V1 = V0.replace("return width * height", "return float(width * height)")

_NUMBERS = itertools.count()

#: Every module that resolves the store (each imported ``_resolve`` by name).
_RESOLVING = (
    _select,
    _cmd_clear,
    _cmd_graph,
    _cmd_inspect,
    _cmd_list,
    _cmd_prune,
    _cmd_show,
    _cmd_verify,
)

#: An older-format entry: a manifest of format 0 and its value file.
OLD_KEY = "ab" * 16
#: A value file without a manifest (a writer stopped between the two).
ORPHAN_KEY = "ee" * 16
#: An entry with a result file.
FILES_KEY = "cd" * 16


class Caches:
    """One cache twice: a local directory and a copy of it in memory."""

    def __init__(self, local: Store, memory: Store, module: str) -> None:
        self.local = local
        self.memory = memory
        self.module = module
        self._fs = fsspec.filesystem("memory")

    def fid(self, function: str) -> str:
        return f"{self.module}.{function}"

    def put(self, function: str, file_name: str, data: bytes) -> None:
        """Write the same file into both caches, with the same modification time."""
        remote = f"{self.memory.filesystem.root}/{self.fid(function)}/{file_name}"
        self._fs.pipe_file(remote, data)
        modified = self._fs.modified(remote).timestamp()
        path = self.local.root / self.fid(function) / file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (modified, modified))

    def damage(self, function: str, key: str) -> None:
        """Flip the last byte of an entry file in both caches."""
        data = (self.local.root / self.fid(function) / f"{key}.ckpt").read_bytes()
        self.put(function, f"{key}.ckpt", data[:-1] + bytes([data[-1] ^ 1]))

    def add_older_format(self, function: str) -> None:
        document = json.dumps({"format_version": 0, "key": OLD_KEY}).encode()
        self.put(function, f"{OLD_KEY}.json", document)
        self.put(function, f"{OLD_KEY}.ckpt", b"CKPT\x00\x00old")

    def add_orphan(self, function: str) -> None:
        self.put(function, f"{ORPHAN_KEY}.ckpt", b"value without manifest")


@pytest.fixture
def caches(load_module, tmp_path, cache_dir):
    """
    ``area`` with two entries of a first version and one of an edited one,
    ``perimeter`` with one, in a local cache and copied into memory.
    """
    name = f"ckpt_seam_{os.getpid()}_{next(_NUMBERS)}"
    first = load_module(V0, name=name, directory=tmp_path / "v0")
    first.area(2, 3)
    first.area(4, 5)
    first.perimeter(1, 1)
    second = load_module(V1, name=name, directory=tmp_path / "v1")
    second.area(2, 3)
    local = Store(cache_dir)
    memory_fs = fsspec.filesystem("memory")
    root = f"/cli-{os.getpid()}-{next(_NUMBERS)}-{time.monotonic_ns()}"
    memory = Store.over(FsspecFileSystem(memory_fs, root))
    for fid in local.function_ids():
        for entry in local.manifest_names(fid):
            assert local.copy_entry(memory, fid, entry)
    yield Caches(local, memory, name)
    if memory_fs.exists(root):
        memory_fs.rm(root, recursive=True)


def _both(capsys, monkeypatch, caches, *argv):
    """
    Run ``main(argv)`` on the local cache, then on the one in memory.

    Returns:
        ``(exit code, stdout, stderr)``, the same for both once each
        directory's text reads ``<DIR>`` (asserted).
    """
    local = str(caches.local.root)
    found_local = _run(capsys, *argv, "--dir", local)

    def resolve(args, *, directory_target=False):
        # As _resolve does for --dir: hints repeat the directory.
        args.dir_option = f" --dir {shlex.quote(caches.memory.location())}"
        return caches.memory

    with monkeypatch.context() as patch:
        for module in _RESOLVING:
            patch.setattr(module, "_resolve", resolve)
        found_memory = _run(capsys, *argv)
    assert caches.memory.location().startswith("memory://")
    normalized_local = tuple(_normalize(part, local) for part in found_local)
    # Result-file errors name the file system's path, not its URL (see
    # test_verify_damaged_result_file): both texts are the directory's.
    memory_texts = (caches.memory.location(), caches.memory.filesystem.root)
    normalized_memory = tuple(_normalize(part, *memory_texts) for part in found_memory)
    assert normalized_local == normalized_memory
    return normalized_local


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _normalize(found, *directories):
    if isinstance(found, str):
        for directory in directories:  # a URL before the path it ends with
            found = found.replace(directory, "<DIR>")
    return found


def _frozen_prune_clock(monkeypatch, caches):
    """Freeze the time prune measures ages from (AGE reads the same in both runs)."""
    newest = max(
        m.created_at
        for fid in caches.local.function_ids()
        for m in caches.local.manifests(fid)
    )
    clock = types.SimpleNamespace(time=lambda: newest + 3600.0)
    monkeypatch.setattr(_cmd_prune, "time", clock)


class TestSameOutput:
    """Each command prints the same on a store in memory as on a local one."""

    def test_copied_every_entry(self, caches):
        """The copy in memory holds every entry, named alike."""
        local, memory = caches.local, caches.memory
        assert local.function_ids() == memory.function_ids()
        for fid in local.function_ids():
            assert local.manifest_names(fid) == memory.manifest_names(fid)
            assert local.entry_names(fid) == memory.entry_names(fid)

    @pytest.mark.parametrize("json_output", [False, True], ids=["text", "json"])
    def test_inspect_summary(self, capsys, monkeypatch, caches, json_output):
        caches.add_older_format("area")
        flags = ["--json"] if json_output else []
        code, out, err = _both(capsys, monkeypatch, caches, "inspect", *flags)
        assert (0, "") == (code, err)
        if json_output:
            assert "<DIR>" == json.loads(out)["directory"]
        else:
            assert "cache directory: <DIR>" == out.splitlines()[0]
            assert "1 unreadable" in out

    @pytest.mark.parametrize("json_output", [False, True], ids=["text", "json"])
    def test_inspect_function(self, capsys, monkeypatch, caches, json_output):
        caches.add_older_format("area")
        flags = ["--json"] if json_output else []
        code, out, err = _both(capsys, monkeypatch, caches, "inspect", "area", *flags)
        assert (0, "") == (code, err)
        if not json_output:
            assert "why: code changed" in out
            assert "+    return float(width * height)" in out  # a diff from blobs
            assert "unreadable: written by an older format version" in out

    def test_inspect_key_prefix(self, capsys, monkeypatch, caches):
        key = caches.local.manifests(caches.fid("perimeter"))[0].key
        code, out, _ = _both(capsys, monkeypatch, caches, "inspect", key[:8])
        assert 0 == code
        assert "(1 matching entry)" in out

    def test_no_match(self, capsys, monkeypatch, caches):
        """A target matching nothing names the store's location."""
        code, _, err = _both(capsys, monkeypatch, caches, "inspect", "nothing")
        assert 1 == code
        assert "no function or key matches 'nothing' in <DIR>" in err

    @pytest.mark.parametrize("json_output", [False, True], ids=["text", "json"])
    def test_list(self, capsys, monkeypatch, caches, json_output):
        caches.add_older_format("area")
        flags = ["--json"] if json_output else []
        code, out, _ = _both(capsys, monkeypatch, caches, "list", *flags)
        assert 0 == code
        assert 5 == (len(json.loads(out)) if json_output else len(out.splitlines()) - 1)

    @pytest.mark.parametrize("json_output", [False, True], ids=["text", "json"])
    def test_show(self, capsys, monkeypatch, caches, json_output):
        key = caches.local.manifests(caches.fid("area"))[-1].key
        flags = ["--json"] if json_output else []
        code, out, _ = _both(capsys, monkeypatch, caches, "show", key[:6], *flags)
        assert 0 == code
        assert key in out

    def test_show_unreadable(self, capsys, monkeypatch, caches):
        """show of an unreadable manifest names it where it is."""
        caches.add_older_format("area")
        code, _, err = _both(capsys, monkeypatch, caches, "show", OLD_KEY)
        assert 1 == code
        assert f"<DIR>/{caches.fid('area')}/{OLD_KEY}.json: written by an older" in err

    def test_show_no_key(self, capsys, monkeypatch, caches):
        code, _, err = _both(capsys, monkeypatch, caches, "show", "ffffffff")
        assert 1 == code
        assert "no entry has a key starting with 'ffffffff' in <DIR>" in err

    def test_graph(self, capsys, monkeypatch, caches):
        code, out, _ = _both(capsys, monkeypatch, caches, "graph", "area")
        assert 0 == code
        assert "own code" in out

    def test_verify(self, capsys, monkeypatch, caches):
        """An orphan, an unreadable manifest and a damaged entry, then quarantined."""
        damaged = caches.local.manifests(caches.fid("perimeter"))[0].key
        caches.add_older_format("area")
        caches.add_orphan("area")
        caches.damage("perimeter", damaged)
        code, out, _ = _both(capsys, monkeypatch, caches, "verify")
        assert 1 == code
        assert "verified 5 entries of 2 functions: 3 ok, 2 problems" in out
        assert f"{ORPHAN_KEY[:12]}  no manifest: value file without manifest" in out
        assert f"{OLD_KEY[:12]}  manifest: written by an older format version" in out
        assert f"{damaged[:12]}  entry: checksum mismatch" in out
        code, out, _ = _both(capsys, monkeypatch, caches, "verify", "--json")
        assert {ORPHAN_KEY, OLD_KEY, damaged} == {
            p["key"] for p in json.loads(out)["problems"]
        }
        code, out, _ = _both(capsys, monkeypatch, caches, "verify", "--quarantine")
        assert 0 == code
        assert "moved 2 damaged entries to .quarantine/" in out
        code, out, _ = _both(capsys, monkeypatch, caches, "verify")
        assert (0, "verified 3 entries of 2 functions: 3 ok, 0 problems") == (
            code,
            out.splitlines()[0],
        )

    def test_verify_damaged_result_file(self, capsys, monkeypatch, caches):
        """A damaged result file is reported with its location, not cut to the entry's."""
        fid = caches.fid("files")
        manifest = make_manifest(
            key=FILES_KEY, function_id=fid, outputs={"value": "value.bin"}
        )

        def write(file):
            file.write(b"0123456789" * 10)

        caches.local.save(manifest, b"ignored", {}, outputs=[("value.bin", write)])
        assert caches.local.copy_entry(caches.memory, fid, FILES_KEY)
        caches.put("files", f"{FILES_KEY}.files/value.bin", b"9123456789" * 10)
        code, out, _ = _both(capsys, monkeypatch, caches, "verify", "files")
        assert 1 == code
        assert (
            f"  entry: <DIR>/{fid}/{FILES_KEY}.files/value.bin: checksum mismatch\n"
            in out
        )

    def test_verify_key_prefix(self, capsys, monkeypatch, caches):
        key = caches.local.manifests(caches.fid("area"))[0].key
        code, out, _ = _both(capsys, monkeypatch, caches, "verify", key[:8])
        assert (0, "verified 1 entry of 1 function: 1 ok, 0 problems\n") == (code, out)

    @pytest.mark.parametrize("json_output", [False, True], ids=["text", "json"])
    def test_prune_dry_run(self, capsys, monkeypatch, caches, json_output):
        caches.add_older_format("area")
        _frozen_prune_clock(monkeypatch, caches)
        argv = ["prune", "--max-size", "1", "--unreadable", "--dry-run"]
        flags = ["--json"] if json_output else []
        code, out, _ = _both(capsys, monkeypatch, caches, *argv, *flags)
        assert 0 == code
        if not json_output:
            assert "would delete 5 entries" in out
        for store in (caches.local, caches.memory):  # a dry run deletes nothing
            assert 4 == len(store.manifest_names(caches.fid("area")))

    def test_prune(self, capsys, monkeypatch, caches):
        caches.add_older_format("area")
        _frozen_prune_clock(monkeypatch, caches)
        code, out, _ = _both(capsys, monkeypatch, caches, "prune", "--unreadable")
        assert 0 == code
        assert out.startswith("deleted 1 entry")
        code, out, _ = _both(
            capsys, monkeypatch, caches, "prune", "area", "--max-size", "1"
        )
        assert 0 == code
        assert out.startswith("deleted 3 entries")
        for store in (caches.local, caches.memory):
            assert [] == store.manifest_names(caches.fid("area"))

    def test_clear(self, capsys, monkeypatch, caches):
        """clear a key prefix, a function, then everything."""
        key = caches.local.manifests(caches.fid("area"))[0].key
        code, out, _ = _both(capsys, monkeypatch, caches, "clear", key[:8])
        assert (0, "deleted 1 entry\n") == (code, out)
        code, out, _ = _both(capsys, monkeypatch, caches, "clear", "area")
        assert (0, "deleted 2 entries\n") == (code, out)
        code, out, _ = _both(capsys, monkeypatch, caches, "clear", "--yes", "--json")
        assert (0, {"deleted": 1}) == (code, json.loads(out))
        for store in (caches.local, caches.memory):
            assert [] == [
                name
                for fid in store.function_ids()
                for name in store.manifest_names(fid)
            ]


class TestUnreadableInMemory:
    """A manifest the store in memory cannot read is reported as locally."""

    @pytest.fixture
    def refusing(self, caches, monkeypatch):
        fid = caches.fid("perimeter")
        key = caches.memory.manifests(fid)[0].key
        filesystem = caches.memory.filesystem
        original = filesystem.read_bytes

        def read_bytes(path):
            if path.endswith(f"{key}.json"):
                raise PermissionError(13, "Permission denied")
            return original(path)

        monkeypatch.setattr(filesystem, "read_bytes", read_bytes)
        return fid, key

    def test_read_manifest(self, caches, refusing):
        fid, key = refusing
        with pytest.raises(CorruptEntryError) as raised:
            _select._read_manifest(caches.memory, fid, key)
        assert caches.memory.manifest_location(fid, key) == raised.value.path
        assert str(raised.value).endswith(
            ": cannot read manifest: [Errno 13] Permission denied"
        )

    def test_verify_entry(self, caches, refusing):
        fid, key = refusing
        problem = _cmd_verify._verify_entry(caches.memory, fid, key, [], [])
        assert problem is not None
        assert ("manifest", "cannot read: [Errno 13] Permission denied") == (
            problem.what,
            problem.message,
        )


# -- no paths in cli/ ---------------------------------------------------------

#: ``os`` attributes cli/ may use, none of them on the cache: the environment,
#: and stdout sent to the null device after a broken pipe (cli/__init__.py).
_OS_ALLOWED = frozenset({"environ", "devnull", "open", "O_WRONLY", "dup2"})
#: A local store's path extras: not part of EntryStore.
_PATH_EXTRAS = frozenset(
    {"root", "entry_path", "manifest_path", "files_path", "iter_manifest_files"}
)
#: File-system methods of paths (and of ``os.DirEntry``).
_FILE_METHODS = frozenset(
    {"stat", "lstat", "read_bytes", "read_text", "write_bytes", "write_text"}
    | {"exists", "is_dir", "is_file", "iterdir", "glob", "rglob", "unlink"}
    | {"rmdir", "mkdir", "touch", "scandir", "listdir"}
)
#: Where the store is built from ``--dir``: it may look at the local directory.
_EXEMPT = frozenset({("_select.py", "_resolve")})


def _file_uses(source: str, file_name: str) -> list[str]:
    """What *source* does to files other than through the store: ``"line: use"``."""
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef) and (file_name, node.name) in _EXEMPT:
            return
        if isinstance(node, ast.Attribute):
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id == "os":
                if node.attr not in _OS_ALLOWED:
                    found.append(f"{node.lineno}: os.{node.attr}")
            elif node.attr in _PATH_EXTRAS or node.attr in _FILE_METHODS:
                found.append(f"{node.lineno}: .{node.attr}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "open"
        ):
            found.append(f"{node.lineno}: open()")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return found


def test_scan_finds_file_uses():
    """The scan below sees what cli/ did before it used the store's protocol."""
    source = """
def _orphans(store, fid):
    names = {entry.name for entry in os.scandir(store.root / fid)}
    path = store.manifest_path(fid, key)
    modified = path.stat().st_mtime
    keys = [p.stem for p in store.iter_manifest_files(fid)]
    with open(path) as file:
        pass
    return os.environ.get("X")
"""
    assert [
        "3: os.scandir",
        "3: .root",
        "4: .manifest_path",
        "5: .stat",
        "6: .iter_manifest_files",
        "7: open()",
    ] == _file_uses(source, "_cmd_verify.py")
    exempt = "def _resolve(args):\n    return Path(args.directory).is_dir()\n"
    assert [] == _file_uses(exempt, "_select.py")
    assert ["2: .is_dir"] == _file_uses(exempt, "_cmd_list.py")


def test_cli_uses_no_paths():
    """No module of cli/ touches files itself: it asks the store (EntryStore)."""
    package = Path(cli.__file__).parent
    found = {
        path.name: uses
        for path in sorted(package.glob("*.py"))
        if (uses := _file_uses(path.read_text(encoding="utf-8"), path.name))
    }
    assert {} == found
