"""Guards on the public surface: ``__all__``, ``__module__`` and the import graph."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import checkpointing

PACKAGE_DIR = Path(checkpointing.__file__).parent

#: The layers of the fingerprint package below its walk (any part of the walk
#: may import them), and the parts of the walk (``fingerprint._walk_*``).
_BELOW_THE_WALK = frozenset(
    {"_errors", "digest", "_reads"}
    | {f"fingerprint.{m}" for m in ("_common", "_origin", "_components")}
    | {f"fingerprint.{m}" for m in ("_library", "_ambient", "_source")}
    | {f"fingerprint.{m}" for m in ("_analysis", "_values")}
)
_WALK_PARTS = (
    "_walk_functions",
    "_walk_references",
    "_walk_code",
    "_walk_values",
    "_walk_ambient",
    "_walk_bindings",
)

#: Which private modules each module may import (STYLE.md §1.2). ``None`` means
#: "any private module except those in the second set".
ALLOWED_IMPORTS: dict[str, frozenset[str] | None] = {
    "_errors": frozenset(),
    "_manifest": frozenset({"_errors"}),
    # The digest package, bottom layer first: the encoder, then the type
    # families that plug into it (one module per library fast path), then the
    # dispatch that wires them, then argument binding.
    "digest._encoder": frozenset({"_errors"}),
    "digest._stdlib": frozenset({"digest._encoder"}),
    "digest._objects": frozenset({"digest._encoder"}),
    "digest._numpy": frozenset({"digest._encoder"}),
    "digest._arrow": frozenset({"digest._encoder"}),
    "digest._pandas": frozenset({"digest._encoder", "digest._numpy", "digest._arrow"}),
    "digest._polars": frozenset({"digest._encoder", "digest._numpy", "digest._arrow"}),
    "digest._scipy": frozenset({"digest._encoder", "digest._numpy"}),
    "digest._torch": frozenset({"digest._encoder"}),
    "digest._pydantic": frozenset({"digest._encoder"}),
    "digest._libraries": frozenset(
        {"digest._encoder"}
        | {f"digest.{m}" for m in ("_numpy", "_arrow", "_pandas", "_polars")}
        | {f"digest.{m}" for m in ("_scipy", "_torch", "_pydantic")}
    ),
    "digest._dispatch": frozenset(
        {"digest._encoder", "digest._stdlib", "digest._objects", "digest._libraries"}
    ),
    "digest._arguments": frozenset({"digest._encoder"}),
    "digest": frozenset(
        {"digest._encoder", "digest._objects", "digest._dispatch", "digest._arguments"}
    ),
    "_serializers": frozenset({"_errors"}),
    # The formats package, bottom layer first: one module per serializer family,
    # the resolver above them, none reaching storage or the decorator.
    "formats._common": frozenset({"_errors"}),
    "formats._frames": frozenset({"formats._common"}),
    "formats._numpy": frozenset({"_errors", "formats._common"}),
    "formats._pandas": frozenset({"_errors", "formats._common", "formats._frames"}),
    "formats._polars": frozenset({"_errors", "formats._common", "formats._frames"}),
    "formats._json": frozenset({"_errors", "formats._common"}),
    "formats._text": frozenset({"_errors", "formats._common"}),
    "formats._callable": frozenset({"_errors", "formats._common"}),
    "formats._resolve": frozenset(
        {"_errors", "_serializers", "formats._common"}
        | {f"formats.{m}" for m in ("_numpy", "_pandas", "_polars")}
        | {f"formats.{m}" for m in ("_json", "_text", "_callable")}
    ),
    "formats": frozenset(
        {f"formats.{m}" for m in ("_frames", "_numpy", "_pandas", "_polars")}
        | {f"formats.{m}" for m in ("_json", "_text", "_callable", "_resolve")}
    ),
    # Old path of the serializer classes, for pickles written before the split.
    "_formats": frozenset({"formats"}),
    "_settings": frozenset({"_errors"}),
    "_reads": frozenset(),
    # The fingerprint package, bottom layer first; each module imports only
    # layers below it, and none reaches storage (_store, _decorator, cli).
    "fingerprint._common": frozenset({"_errors"}),
    "fingerprint._origin": frozenset({"fingerprint._common"}),
    "fingerprint._components": frozenset(
        {"fingerprint._common", "fingerprint._origin"}
    ),
    "fingerprint._library": frozenset(
        {"digest", "fingerprint._common", "fingerprint._origin"}
    ),
    "fingerprint._ambient": frozenset({"_errors", "fingerprint._common"}),
    "fingerprint._source": frozenset({"digest", "fingerprint._common"}),
    "fingerprint._analysis": frozenset(
        {"_reads", "fingerprint._common", "fingerprint._source"}
    ),
    "fingerprint._values": frozenset(
        {"fingerprint._common", "fingerprint._origin", "fingerprint._analysis"}
    ),
    # The walk: its shared state, then its parts (mixins over the state, none
    # importing another part), then _Walker, which combines them.
    "fingerprint._walk_state": _BELOW_THE_WALK,
    **{
        f"fingerprint.{part}": _BELOW_THE_WALK | {"fingerprint._walk_state"}
        for part in _WALK_PARTS
    },
    "fingerprint._walker": frozenset(
        _BELOW_THE_WALK
        | {"fingerprint._walk_state"}
        | {f"fingerprint.{part}" for part in _WALK_PARTS}
    ),
    "fingerprint._memo": frozenset(
        {"fingerprint._common", "fingerprint._components"}
        | {"fingerprint._walk_state", "fingerprint._walker"}
    ),
    "fingerprint": frozenset(
        {"_errors"}
        | {f"fingerprint.{m}" for m in ("_common", "_components", "_values")}
        | {"fingerprint._walk_state", "fingerprint._walker", "fingerprint._memo"}
        | {"fingerprint._source"}  # the source sent with a by-value function
    ),
    # Re-exports of the package for the names tests and benchmarks import.
    "_fingerprint": frozenset(
        {"fingerprint"}
        | {f"fingerprint.{m}" for m in ("_common", "_library", "_source")}
        | {f"fingerprint.{m}" for m in ("_analysis", "_values")}
        | {"fingerprint._walker", "fingerprint._memo"}
    ),
    # The store package, bottom layer first; each module imports only layers
    # below it (plus _errors, _manifest, _settings), and none reaches the
    # decorator, fingerprint, digest or CLI.
    "store._layout": frozenset({"_errors"}),
    "store._format": frozenset({"_errors", "_manifest", "store._layout"}),
    "store._locks": frozenset(),
    "store._filesystem": frozenset({"store._locks"}),
    "store._local": frozenset(
        {"_errors", "store._filesystem", "store._format", "store._locks"}
    ),
    "store._leases": frozenset({"_settings", "store._locks"}),
    "store._s3": frozenset(),
    "store._fsspec": frozenset(
        {"store._filesystem", "store._locks", "store._leases", "store._s3"}
    ),
    "store._catalog": frozenset({"_errors", "_manifest", "store._filesystem"}),
    "store._eviction": frozenset(
        {"store._catalog", "store._filesystem", "store._layout", "store._protocol"}
    ),
    "store._protocol": frozenset({"_manifest", "store._catalog", "store._locks"}),
    # Store: one mixin a concern over the shared state (as fingerprint._walk_*).
    "store._store_state": frozenset(
        {"_errors", "_manifest", "_settings"}
        | {f"store.{m}" for m in ("_layout", "_format", "_locks", "_filesystem")}
        | {f"store.{m}" for m in ("_local", "_catalog", "_protocol")}
    ),
    **{
        f"store._store_{part}": frozenset(
            {"_errors", "_manifest", "_settings", "store._store_state"}
            | {f"store.{m}" for m in ("_layout", "_format", "_locks", "_filesystem")}
            | {f"store.{m}" for m in ("_local", "_catalog", "_protocol", "_eviction")}
        )
        for part in ("reads", "writes", "listing", "upkeep")
    },
    "store._store": frozenset(
        {"_errors", "_manifest", "_settings"}
        | {f"store.{m}" for m in ("_layout", "_format", "_locks", "_filesystem")}
        | {f"store.{m}" for m in ("_local", "_catalog", "_protocol", "_eviction")}
        | {f"store._store_{m}" for m in ("reads", "writes", "listing", "upkeep")}
    ),
    # TieredStore: the write-back and the tiered reads, then the class.
    "store._write_back": frozenset({"_errors", "store._store"}),
    "store._tier_reads": frozenset(
        {"_errors", "store._protocol", "store._store", "store._write_back"}
    ),
    "store._tiers": frozenset(
        {"_errors", "_manifest"}
        | {f"store.{m}" for m in ("_catalog", "_locks", "_protocol", "_store")}
        | {"store._tier_reads", "store._write_back"}
    ),
    # Lazy re-exports (types for mypy; names imported on first access).
    "store": frozenset(
        {f"store.{m}" for m in ("_filesystem", "_local", "_locks", "_protocol")}
        | {"store._store", "store._tiers", "store._fsspec"}
    ),
    # From a directory= or --dir value (path or URL) to a store.
    "store._open": frozenset({"_errors", "_settings", "store._fsspec", "store._store"}),
    # Re-exports of the names pickles refer to by their old module path.
    "_store": frozenset({"store._protocol", "store._store"}),
    "_explain": frozenset({"_errors", "_manifest"}),
    "_codec": frozenset(
        {"_errors", "_serializers", "store._format", "store._protocol"}
    ),
    "_scan": frozenset({"_settings", "store._open"}),
    "_lazy": frozenset({"_errors", "_codec", "_manifest", "store._protocol"}),
    # The decorator, bottom layer first: options, key building, the call flow,
    # pickling, then the thin public front.
    "_entry_names": frozenset({"_errors", "store._layout"}),
    "_options": frozenset(
        {"_errors", "_settings", "_codec", "_serializers", "_entry_names"}
        | {"store._open"}
    ),
    "_plan": frozenset(
        {"_codec", "digest", "_entry_names", "_errors", "_fingerprint"}
        | {"_manifest", "_options", "_serializers", "_settings", "formats"}
    ),
    "_store_choice": frozenset(
        {"_options", "_plan", "_settings"}
        | {"store._locks", "store._protocol", "store._store", "store._tiers"}
        | {"store._open"}
    ),
    "_flow": frozenset(
        {"_errors", "_explain", "_fingerprint", "_lazy", "store._locks", "_manifest"}
        | {"_options", "_plan", "_settings", "_store_choice", "store._protocol"}
    ),
    "_pickling": frozenset({"_fingerprint", "fingerprint"}),
    "_decorator": frozenset(
        {"_codec", "digest", "_errors", "_explain", "_flow", "_lazy"}
        | {"_options", "_pickling", "_settings"}
    ),
    "_checkpoint": frozenset({"_decorator", "_options", "_settings"}),
    # The cli package, bottom layer first: argparse vocabulary, output,
    # selection, wording of reasons, one module per command, the parser, main.
    # It reads the cache from disk alone: never _decorator or fingerprint.
    "cli._arguments": frozenset(),
    "cli._render": frozenset({"_errors"}),
    "cli._select": frozenset(
        {"_errors", "_manifest", "store", "store._catalog", "store._protocol"}
        | {"store._store", "store._open", "_settings"}
    ),
    "cli._describe": frozenset(
        {"store._catalog", "_explain", "_manifest", "store._protocol", "cli._render"}
    ),
    **{
        f"cli._cmd_{command}": frozenset(
            {"_errors", "_manifest", "cli._arguments", "cli._render", "cli._select"}
            | {"cli._describe", "store", "store._catalog", "store._protocol"}
        )
        for command in ("inspect", "graph", "list", "show", "clear", "prune", "verify")
    },
    "cli._parser": frozenset(
        {"cli._arguments"}
        | {f"cli._cmd_{c}" for c in ("inspect", "graph", "list", "show")}
        | {f"cli._cmd_{c}" for c in ("clear", "prune", "verify")}
    ),
    "cli": frozenset({"_errors", "cli._parser"}),
    # Kept for console scripts installed before the move (they name _cli:main).
    "_cli": frozenset({"cli"}),
    "pytest_plugin": frozenset(),
    # checkpointing.distributed: the Dask worker plugin, defined on first use.
    "_dask_plugin": frozenset({"_errors", "_settings"}),
    "distributed": frozenset({"_dask_plugin"}),
    "__main__": frozenset({"cli"}),
}
#: Exported classes and functions (the rest are instances: MISSING, defaults).
#: Building the list resolves every lazy name of the package.
EXPORTED_CODE = [
    name
    for name in checkpointing.__all__
    if isinstance(getattr(checkpointing, name), type)
    or callable(getattr(checkpointing, name))
]
#: The decorator never imports the command line (any module of it).
FORBIDDEN_FOR_ANY: dict[str, frozenset[str]] = {
    "_decorator": frozenset(
        {"_cli", "cli"} | {m for m in ALLOWED_IMPORTS if m.startswith("cli.")}
    )
}


#: Subpackages of checkpointing; their modules are named ``"fingerprint._walker"``
#: and the package itself ``"fingerprint"``.
SUBPACKAGES = frozenset(
    p.parent.name for p in PACKAGE_DIR.glob("*/__init__.py") if p.parent.name[0] != "_"
)


def _private_imports(path: Path, package: str = "") -> set[str]:
    """
    Names of the package's private modules imported anywhere in *path*.

    *package* is the subpackage *path* lives in (``"fingerprint"``), ``""`` for
    a top-level module; relative imports resolve against it.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    here = package.split(".") if package else []
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level > 0:
                base = here[: len(here) - (node.level - 1)]
                if node.module:  # from ._x import y
                    found.add(".".join([*base, *node.module.split(".")]))
                else:  # from . import _x
                    found.update(".".join([*base, alias.name]) for alias in node.names)
            elif node.module and node.module.split(".")[0] == "checkpointing":
                parts = node.module.split(".")
                if len(parts) > 1:  # from checkpointing._x import y
                    found.add(".".join(parts[1:]))
                else:  # from checkpointing import _x
                    found.update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "checkpointing" and len(parts) > 1:
                    found.add(".".join(parts[1:]))
    return {
        name
        for name in found
        if name.startswith("_") or name.split(".")[0] in SUBPACKAGES
    }


def _module_path(module: str) -> Path:
    """The file of *module* (``"_store"``, ``"fingerprint"``, ``"fingerprint._memo"``)."""
    path = PACKAGE_DIR.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _package_of(module: str) -> str:
    """The subpackage *module* lives in, ``""`` for a top-level module."""
    if _module_path(module).name == "__init__.py":
        return module
    return module.rpartition(".")[0]


def _modules() -> list[str]:
    names = []
    for path in PACKAGE_DIR.rglob("*.py"):
        parts = path.relative_to(PACKAGE_DIR).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            names.append(".".join(parts))
    return sorted(names)


def _isort_key(name: str) -> tuple[int, str]:
    """ruff RUF022 order: SCREAMING_CASE, then CamelCase, then the rest."""
    if len(name) > 1 and name.isupper():
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def _python(code: str, *args: str) -> str:
    """Run *code* in a fresh interpreter (``-c``); return its standard output."""
    result = subprocess.run(
        [sys.executable, *args, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert 0 == result.returncode, result.stderr
    return result.stdout


def _type_checking_imports() -> dict[str, str]:
    """Public name -> private module, from the ``if TYPE_CHECKING:`` block of __init__."""
    tree = ast.parse((PACKAGE_DIR / "__init__.py").read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for child in node.body:
                if isinstance(child, ast.ImportFrom) and child.level == 1:
                    assert child.module is not None
                    found.update((alias.name, child.module) for alias in child.names)
    return found


class TestAll:
    def test_sorted(self):
        """__all__ is sorted the way ruff's RUF022 (enabled by "RUF") requires."""
        assert sorted(checkpointing.__all__, key=_isort_key) == checkpointing.__all__

    def test_no_duplicates(self):
        """__all__ names each object once."""
        assert len(set(checkpointing.__all__)) == len(checkpointing.__all__)

    def test_complete(self):
        """Every public attribute of the package is in __all__, and every name exists."""
        for name in checkpointing.__all__:
            getattr(checkpointing, name)  # resolve the lazy names
        public = {
            name
            for name, value in vars(checkpointing).items()
            if not name.startswith("_")
            and not isinstance(value, ModuleType)
            and name != "annotations"  # from __future__ import annotations
        }
        assert public == set(checkpointing.__all__)

    @pytest.mark.parametrize("name", EXPORTED_CODE)
    def test_public_module_name(self, name):
        """Exported classes and functions report ``__module__ == "checkpointing"``."""
        assert "checkpointing" == getattr(checkpointing, name).__module__

    def test_only_instances_lack_code(self):
        """The exports that are neither classes nor functions are the two singletons."""
        assert ["MISSING", "defaults"] == sorted(
            set(checkpointing.__all__) - set(EXPORTED_CODE)
        )

    def test_instances_have_public_reprs(self):
        """Exported instances do not leak private module names in their repr."""
        assert "MISSING" == repr(checkpointing.MISSING)
        assert "checkpointing._" not in repr(checkpointing.defaults)

    def test_version(self):
        """__version__ is the installed distribution's version."""
        assert importlib.metadata.version("checkpointing") == checkpointing.__version__

    def test_version_without_installed_metadata(self):
        """From a source tree on sys.path alone, __version__ is "0+unknown", not an error."""
        code = (
            "import sys; sys.path.insert(0, sys.argv[1]); import checkpointing; "
            "print(getattr(checkpointing, '__version__', None))"
        )
        out = subprocess.run(
            # -S: no site-packages, so no installed distribution describes it.
            [sys.executable, "-S", "-c", code, str(PACKAGE_DIR.parent)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        assert "0+unknown\n" == out

    def test_unknown_attribute(self):
        """Unknown attributes raise AttributeError naming the module."""
        with pytest.raises(
            AttributeError, match="'checkpointing' has no attribute 'nope'"
        ):
            checkpointing.nope  # noqa: B018


class TestLazyImport:
    """``import checkpointing`` is cheap: names are imported on first access (PEP 562)."""

    def test_import_alone_loads_no_private_module(self):
        """The package import loads nothing but itself: no _decorator, no cloudpickle."""
        out = _python(
            "import json, sys; before = set(sys.modules); import checkpointing; "
            "print(json.dumps(sorted(set(sys.modules) - before)))"
        )
        loaded = json.loads(out)
        # __future__: every module starts with `from __future__ import annotations`.
        assert {"checkpointing"} == set(loaded) - {"__future__"}
        assert "checkpointing._decorator" not in loaded
        assert "cloudpickle" not in loaded
        assert "numpy" not in loaded

    def test_every_name_resolves_with_public_module(self):
        """In a fresh process each name resolves on access, its __module__ public."""
        out = _python(
            "import json, checkpointing as c; "
            "print(json.dumps({n: getattr(getattr(c, n), '__module__', None) "
            "for n in c.__all__}))"
        )
        modules = json.loads(out)
        assert set(checkpointing.__all__) == set(modules)
        assert dict.fromkeys(EXPORTED_CODE, "checkpointing") == {
            name: modules[name] for name in EXPORTED_CODE
        }

    def test_from_import_publishes_what_it_loaded(self):
        """`from checkpointing import checkpoint` also publishes the errors it loaded."""
        out = _python(
            "import sys; from checkpointing import checkpoint; import checkpointing; "
            "errors = sys.modules['checkpointing._errors']; "
            "print(checkpoint.__module__, errors.StoreWriteWarning.__module__, "
            "'StoreError' in vars(checkpointing), "
            "'checkpointing._scan' in sys.modules, checkpointing.defaults is not None)"
        )
        assert "checkpointing checkpointing True False True" == out.strip()

    def test_concurrent_first_access(self):
        """Threads resolving names at once all get them (none sees a half-run module)."""
        out = _python(
            "import threading, checkpointing as c\n"
            "errors = []\n"
            "def get(name):\n"
            "    try:\n"
            "        getattr(c, name)\n"
            "    except Exception as err:\n"
            "        errors.append(repr(err))\n"
            "threads = [threading.Thread(target=get, args=(n,)) for n in c.__all__]\n"
            "for thread in threads:\n"
            "    thread.start()\n"
            "for thread in threads:\n"
            "    thread.join()\n"
            "print(errors, sorted(c.__all__) == sorted(n for n in vars(c) if n in c.__all__))"
        )
        assert "[] True" == out.strip()

    def test_dir_lists_the_public_names(self):
        """dir() shows the public names before they are imported."""
        out = _python("import checkpointing; print(dir(checkpointing))")
        assert repr(sorted(checkpointing.__all__)) == out.strip()

    def test_lazy_table_matches_the_type_checking_imports(self):
        """What mypy sees (``if TYPE_CHECKING:`` imports) is what runtime imports."""
        sources = vars(checkpointing)["_SOURCES"]
        assert _type_checking_imports() == sources
        assert list(checkpointing.__all__) == list(sources)

    def test_names_come_from_their_modules(self):
        """Each lazy name is the object its private module defines."""
        sources = vars(checkpointing)["_SOURCES"]
        for name, source in sources.items():
            module = importlib.import_module(f"checkpointing.{source}")
            assert getattr(module, name) is getattr(checkpointing, name)


class TestImportGraph:
    def test_every_module_is_in_the_table(self):
        """Each module of the package has a row in the import table."""
        assert set(_modules()) == set(ALLOWED_IMPORTS)

    @pytest.mark.parametrize("module", _modules())
    def test_imports_stay_inside_the_table(self, module):
        """A module imports only the private modules STYLE.md §1.2 allows it."""
        imported = _private_imports(_module_path(module), _package_of(module))
        allowed = ALLOWED_IMPORTS.get(module, frozenset())
        if allowed is None:
            forbidden = FORBIDDEN_FOR_ANY.get(module, frozenset())
            assert set() == imported & forbidden, (
                f"{module} must not import {forbidden}"
            )
        else:
            assert set() == imported - allowed, (
                f"{module} imports {sorted(imported - allowed)}; "
                f"allowed: {sorted(allowed) or 'no private modules'}"
            )

    def test_cli_never_reaches_user_code(self):
        """cli imports neither _decorator nor fingerprint, even transitively."""
        reached: set[str] = set()
        pending = ["cli", "_cli"]
        while pending:
            module = pending.pop()
            for imported in _private_imports(_module_path(module), _package_of(module)):
                if imported not in reached:
                    reached.add(imported)
                    pending.append(imported)
        user_code = {
            name
            for name in reached
            if name in {"_decorator", "_fingerprint"} or name.startswith("fingerprint")
        }
        assert set() == user_code

    def test_parser_sees_all_import_forms(self, tmp_path):
        """The guard's parser finds relative, absolute and nested private imports."""
        path = tmp_path / "sample.py"
        path.write_text(
            "from ._a import x\n"
            "from . import _b\n"
            "import checkpointing._c\n"
            "from checkpointing._d import y\n"
            "from checkpointing import _e, public\n"
            "def f():\n"
            "    from ._f import z\n"
        )
        assert {"_a", "_b", "_c", "_d", "_e", "_f"} == _private_imports(path)

    def test_parser_resolves_imports_inside_a_subpackage(self, tmp_path):
        """In a subpackage, ``.`` is the subpackage and ``..`` the package."""
        path = tmp_path / "sample.py"
        path.write_text(
            "from ._a import x\n"
            "from .. import _b\n"
            "from checkpointing._c import y\n"
            "from checkpointing.fingerprint._d import z\n"
            "from checkpointing.fingerprint import w\n"
        )
        expected = {"fingerprint._a", "_b", "_c", "fingerprint._d", "fingerprint"}
        assert expected == _private_imports(path, "fingerprint")


def test_errors_docstring_lists_every_class():
    """The error tree in _errors' docstring names every exported exception and warning."""
    doc = (PACKAGE_DIR / "_errors.py").read_text(encoding="utf-8").split('"""')[1]
    exported = {
        name
        for name in checkpointing.__all__
        if isinstance(getattr(checkpointing, name), type)
        and issubclass(getattr(checkpointing, name), (Exception, Warning))
    }
    listed = set(re.findall(r"^\s*[*+-]\s+(\w+)", doc, flags=re.MULTILINE))
    assert exported == listed
