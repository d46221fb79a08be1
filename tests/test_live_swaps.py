"""
Code changed inside a live process: ``importlib.reload`` and ``__code__`` swaps.

A notebook changes code without restarting: ``importlib.reload(helpers)``
after editing a file, or IPython's ``%autoreload 2``, which assigns the new
``__code__`` (and ``__defaults__``, ``__kwdefaults__``) onto the *old*
function objects so references held elsewhere see the new code. Each change
must rerun the next call, and the entry it stores must be keyed by the new
code: swapping back hits the original entry, swapping again hits the new one.
A stale result (the old value after a change) is the worst bug there is.

Calls are counted with a list whose digest is constant (``__checkpoint_digest__``),
so appending to it never changes the key it is part of.
"""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import importlib
import itertools
import os
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.helpers import parse_results, run_python

_numbers = itertools.count()

LOG = '''
class _Log(list):
    """Records calls; its digest is constant, so appending keeps the key."""

    def __checkpoint_digest__(self):
        return "log"


LOG = _Log()
'''


def _unique(stem: str) -> str:
    return f"ckpt_live_{stem}_{os.getpid()}_{next(_numbers)}"


# -- a project directory on sys.path, for importlib.reload -----------------------


@dataclass
class Project:
    root: Path
    stamp: float

    def write(self, name: str, source: str) -> Path:
        """Write ``<name>.py``; each write gets an mtime 10 s after the last one."""
        path = self.root / f"{name}.py"
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        # A .pyc is reused when the recorded mtime (whole seconds) and size
        # match: an edit of equal length within one second would run old code.
        self.stamp += 10
        os.utime(path, (self.stamp, self.stamp))
        return path

    def verify(self, module: str, call: str = "f(1)") -> dict[str, str]:
        """
        Key, cached-ness, value and body runs of ``<module>.<call>`` in a new process.

        A new process has no in-process memo: what it sees as a hit is what
        the store really holds under the current code's key.
        """
        function = call.partition("(")[0]
        arguments = call[len(function) :]
        script = textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(self.root)!r})
            import {module} as mod
            fn = mod.{function}
            print("RESULT key", fn.key{arguments})
            print("RESULT cached", fn.is_cached{arguments})
            print("RESULT value", repr(fn{arguments}))
            print("RESULT runs", len(mod.LOG))
            """
        )
        (self.root / "verify_script.py").write_text(script, encoding="utf-8")
        done = run_python(["-W", "error", "verify_script.py"], cwd=self.root)
        return dict(parse_results(done.stdout))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    before = set(sys.modules)
    yield Project(root, root.stat().st_mtime)
    for name in set(sys.modules) - before:
        module = sys.modules.get(name)
        location = getattr(module, "__file__", None) or ""
        if location.startswith(str(root)):
            del sys.modules[name]


# -- importlib.reload --------------------------------------------------------------


HELPERS_V1 = """
def value(x):
    return x + 1
"""
HELPERS_V2 = """
def value(x):
    return x + 2
"""


def _work_source(helpers: str) -> str:
    return LOG + textwrap.dedent(
        f"""
        import {helpers}

        from checkpointing import checkpoint


        @checkpoint
        def f(x):
            LOG.append(x)
            return {helpers}.value(x)
        """
    )


class TestReload:
    def test_reloaded_helper_reruns_and_is_stored_under_the_new_key(self, project):
        """Edit helpers.py + reload: rerun, the new key, a hit in a new process."""
        helpers_name, work_name = _unique("helpers"), _unique("work")
        helpers_path = project.write(helpers_name, HELPERS_V1)
        project.write(work_name, _work_source(helpers_name))
        helpers = importlib.import_module(helpers_name)
        work = importlib.import_module(work_name)

        assert 2 == work.f(1)
        assert [1] == work.LOG
        old_key = work.f.key(1)

        project.write(helpers_name, HELPERS_V2)
        importlib.reload(helpers)
        assert 3 == work.f(1), "a stale result after importlib.reload(helpers)"
        assert [1, 1] == work.LOG
        new_key = work.f.key(1)
        assert old_key != new_key
        assert work.f.is_cached(1)

        seen = project.verify(work_name)
        assert {"key": new_key, "cached": "True", "value": "3", "runs": "0"} == seen

        # Revert the file and reload: the original entry is hit.
        assert helpers_path.read_text() != textwrap.dedent(HELPERS_V1)
        project.write(helpers_name, HELPERS_V1)
        importlib.reload(helpers)
        assert 2 == work.f(1)
        assert [1, 1] == work.LOG
        assert old_key == work.f.key(1)

    def test_reloading_the_module_of_the_checkpointed_function(self, project):
        """Edit and reload the module defining the function itself."""
        helpers_name, work_name = _unique("helpers"), _unique("work")
        project.write(helpers_name, HELPERS_V1)
        source = _work_source(helpers_name)
        project.write(work_name, source)
        work = importlib.import_module(work_name)
        assert 2 == work.f(1)
        old_key = work.f.key(1)

        project.write(work_name, source.replace(".value(x)", ".value(x) * 10"))
        work = importlib.reload(work)
        assert 20 == work.f(1)
        assert [1] == work.LOG  # a new LOG: the module ran again
        assert old_key != work.f.key(1)
        assert {"cached": "True", "value": "20", "runs": "0"}.items() <= (
            project.verify(work_name).items()
        )

        project.write(work_name, source)
        work = importlib.reload(work)
        assert 2 == work.f(1)
        assert [] == work.LOG
        assert old_key == work.f.key(1)

    @pytest.mark.parametrize(
        ("edit", "old", "new"),
        [
            pytest.param(
                ("return 1", "return 5"), "(True, 1)", "(True, 5)", id="method-body"
            ),
            pytest.param(
                ("class Shape(Base):", "class Shape:"),
                "(True, 1)",
                "(False, 1)",
                id="base-removed",
            ),
            pytest.param(
                ("KIND = 'a'", "KIND = 'b'"), "(True, 1)", "(True, 2)", id="class-attr"
            ),
        ],
    )
    def test_reloaded_class_used_by_the_function(self, project, edit, old, new):
        """A reloaded module redefining a class: isinstance and methods see the edit."""
        shapes_name, work_name = _unique("shapes"), _unique("work")
        shapes_v1 = """
            class Base:
                pass


            class Shape(Base):
                KIND = 'a'

                def area(self):
                    return 1
        """
        project.write(shapes_name, shapes_v1)
        project.write(
            work_name,
            LOG
            + textwrap.dedent(
                f"""
                import {shapes_name} as shapes

                from checkpointing import checkpoint


                @checkpoint
                def f(x):
                    LOG.append(x)
                    shape = shapes.Shape()
                    bonus = 1 if shape.KIND == 'b' else 0
                    return isinstance(shape, shapes.Base), shape.area() * x + bonus
                """
            ),
        )
        shapes = importlib.import_module(shapes_name)
        work = importlib.import_module(work_name)
        assert old == repr(work.f(1))
        old_key = work.f.key(1)

        project.write(shapes_name, shapes_v1.replace(*edit))
        importlib.reload(shapes)
        assert new == repr(work.f(1)), "a stale result after reloading the class"
        assert [1, 1] == work.LOG
        assert old_key != work.f.key(1)
        seen = project.verify(work_name)
        assert {"cached": "True", "value": new, "runs": "0"}.items() <= seen.items()

        project.write(shapes_name, shapes_v1)
        importlib.reload(shapes)
        assert old == repr(work.f(1))
        assert [1, 1] == work.LOG
        assert old_key == work.f.key(1)

    def test_ipython_autoreload_superreload(self, project):
        """IPython's %autoreload 2 machinery: old function objects get the new code."""
        autoreload = pytest.importorskip("IPython.extensions.autoreload")
        helpers_name, work_name = _unique("helpers"), _unique("work")
        project.write(helpers_name, HELPERS_V1)
        project.write(
            work_name,
            LOG
            + textwrap.dedent(
                f"""
                from {helpers_name} import value

                from checkpointing import checkpoint


                @checkpoint
                def f(x):
                    LOG.append(x)
                    return value(x)
                """
            ),
        )
        helpers = importlib.import_module(helpers_name)
        work = importlib.import_module(work_name)
        assert 2 == work.f(1)
        old_key = work.f.key(1)
        held = work.value
        # IPython's ModuleReloader keeps this across reloads, so every object
        # the module ever held (``held`` included) is upgraded each time.
        old_objects: dict[Any, Any] = {}

        project.write(helpers_name, HELPERS_V2)
        autoreload.superreload(helpers, old_objects=old_objects)
        assert held is work.value  # the old object, now running the new code
        assert 3 == held(1)
        assert 3 == work.f(1), "a stale result after %autoreload"
        assert [1, 1] == work.LOG
        assert old_key != work.f.key(1)
        seen = project.verify(work_name)
        assert {"key": work.f.key(1), "cached": "True", "value": "3"}.items() <= (
            seen.items()
        )

        project.write(helpers_name, HELPERS_V1)
        autoreload.superreload(helpers, old_objects=old_objects)
        assert 2 == held(1)
        assert 2 == work.f(1)
        assert [1, 1] == work.LOG
        assert old_key == work.f.key(1)


# -- assignments onto live objects (what %autoreload 2 does) ---------------------


@dataclass(frozen=True)
class Swap:
    """v1 source; v2 = v1 with ``edit`` applied; ``swap(v1, v2)`` returns its undo."""

    source: str
    edit: tuple[str, str]
    swap: Callable[[ModuleType, ModuleType], Callable[[], None]]
    old: Any
    new: Any


def _assign(getter: Callable[[ModuleType], Any], attribute: str):
    """Set ``getter(v1).<attribute>`` to ``getter(v2).<attribute>``; undo restores it."""

    def swap(v1: ModuleType, v2: ModuleType) -> Callable[[], None]:
        target = getter(v1)
        before = getattr(target, attribute)
        setattr(target, attribute, getattr(getter(v2), attribute))
        return lambda: setattr(target, attribute, before)

    return swap


def _set(getter: Callable[[ModuleType], Any], attribute: str, new: Any, old: Any):
    """Set ``getter(v1).<attribute> = new``; undo assigns ``old`` (a fresh equal value)."""

    def swap(v1: ModuleType, v2: ModuleType) -> Callable[[], None]:
        target = getter(v1)
        setattr(target, attribute, new)
        return lambda: setattr(target, attribute, old() if callable(old) else old)

    return swap


def _mutate_kwdefaults(v1: ModuleType, v2: ModuleType) -> Callable[[], None]:
    v1.helper.__kwdefaults__["k"] = 100
    return lambda: v1.helper.__kwdefaults__.__setitem__("k", 1)


def _rebind_global(v1: ModuleType, v2: ModuleType) -> Callable[[], None]:
    v1.CONST = 100
    return lambda: setattr(v1, "CONST", 1)


def _swap_closure_cell(v1: ModuleType, v2: ModuleType) -> Callable[[], None]:
    cell = v1.INNER.__closure__[0]
    cell.cell_contents = 100
    return lambda: setattr(cell, "cell_contents", 1)


HEADER = LOG + "\nfrom checkpointing import checkpoint\n"

CALLEE = (
    HEADER
    + """

def helper(x):
    return x + 1


@checkpoint
def f(x):
    LOG.append(x)
    return helper(x)
"""
)

OWN = (
    HEADER
    + """

@checkpoint
def f(x):
    LOG.append(x)
    return x + 1
"""
)

METHOD = (
    HEADER
    + """

class Model:
    def predict(self, x):
        return x + 1


@checkpoint
def f(x):
    LOG.append(x)
    return Model().predict(x)
"""
)

CLASSMETHOD = (
    HEADER
    + """

class Model:
    @classmethod
    def predict(cls, x):
        return x + 1


@checkpoint
def f(x):
    LOG.append(x)
    return Model.predict(x)
"""
)

PROPERTY = (
    HEADER
    + """

class Model:
    @property
    def offset(self):
        return 1


@checkpoint
def f(x):
    LOG.append(x)
    return x + Model().offset
"""
)

CLOSURE = (
    HEADER
    + """

def make(k):
    def inner(x):
        return x + k
    return inner


INNER = make(1)


@checkpoint
def f(x):
    LOG.append(x)
    return INNER(x)
"""
)

DEFAULTS = (
    HEADER
    + """

def helper(x, k=1):
    return x + k


@checkpoint
def f(x):
    LOG.append(x)
    return helper(x)
"""
)

KWDEFAULTS = (
    HEADER
    + """

def helper(x, *, k=1):
    return x + k


@checkpoint
def f(x):
    LOG.append(x)
    return helper(x)
"""
)

ROOT_DEFAULTS = (
    HEADER
    + """

@checkpoint
def f(x, k=1):
    LOG.append(x)
    return x + k
"""
)

ROOT_KWDEFAULTS = (
    HEADER
    + """

@checkpoint
def f(x, *, k=1):
    LOG.append(x)
    return x + k
"""
)

GLOBAL = (
    HEADER
    + """

CONST = 1


def helper(x):
    return x + CONST


@checkpoint
def f(x):
    LOG.append(x)
    return helper(x)
"""
)

_PLUS = ("x + 1", "x + 100")

SWAPS = {
    "callee-code": Swap(CALLEE, _PLUS, _assign(lambda m: m.helper, "__code__"), 2, 101),
    "own-code": Swap(
        OWN, _PLUS, _assign(lambda m: m.f.__wrapped__, "__code__"), 2, 101
    ),
    "method-code": Swap(
        METHOD, _PLUS, _assign(lambda m: m.Model.predict, "__code__"), 2, 101
    ),
    "classmethod-code": Swap(
        CLASSMETHOD,
        _PLUS,
        _assign(lambda m: m.Model.__dict__["predict"].__func__, "__code__"),
        2,
        101,
    ),
    "property-code": Swap(
        PROPERTY,
        ("return 1", "return 100"),
        _assign(lambda m: m.Model.__dict__["offset"].fget, "__code__"),
        2,
        101,
    ),
    "closure-inner-code": Swap(
        CLOSURE,
        ("x + k", "x * 100 + k"),
        _assign(lambda m: m.INNER, "__code__"),
        2,
        101,
    ),
    "closure-cell": Swap(CLOSURE, ("", ""), _swap_closure_cell, 2, 101),
    "callee-defaults": Swap(
        DEFAULTS,
        ("", ""),
        _set(lambda m: m.helper, "__defaults__", (100,), (1,)),
        2,
        101,
    ),
    "callee-kwdefaults": Swap(
        KWDEFAULTS,
        ("", ""),
        _set(lambda m: m.helper, "__kwdefaults__", {"k": 100}, lambda: {"k": 1}),
        2,
        101,
    ),
    "callee-kwdefaults-in-place": Swap(
        KWDEFAULTS, ("", ""), _mutate_kwdefaults, 2, 101
    ),
    "callee-defaults-from-v2": Swap(
        DEFAULTS, ("k=1", "k=100"), _assign(lambda m: m.helper, "__defaults__"), 2, 101
    ),
    "root-defaults": Swap(
        ROOT_DEFAULTS,
        ("", ""),
        _set(lambda m: m.f.__wrapped__, "__defaults__", (100,), (1,)),
        2,
        101,
    ),
    "root-kwdefaults": Swap(
        ROOT_KWDEFAULTS,
        ("", ""),
        _set(lambda m: m.f.__wrapped__, "__kwdefaults__", {"k": 100}, lambda: {"k": 1}),
        2,
        101,
    ),
    "global-rebound": Swap(GLOBAL, ("", ""), _rebind_global, 2, 101),
}


@pytest.mark.parametrize("case", list(SWAPS.values()), ids=list(SWAPS))
def test_swap_reruns_and_keys_by_the_new_code(load_module, tmp_path, case):
    """
    Swap -> rerun (the new value); swap back -> the old entry; swap again -> the new.

    The v2 code object comes from the edited text, compiled from its own file
    as ``%autoreload`` would, and is assigned onto the v1 objects (whose
    ``__globals__`` stay those of v1).
    """
    v1 = load_module(textwrap.dedent(case.source), name=_unique("v1"))
    v2_source = textwrap.dedent(case.source).replace(*case.edit)
    assert case.edit[0] in case.source
    v2 = load_module(v2_source, name=_unique("v2"))
    f = v1.f

    assert case.old == f(1)
    assert [1] == v1.LOG
    old_key = f.key(1)

    undo = case.swap(v1, v2)
    assert case.new == f(1), "a stale result: the swap did not rerun the call"
    assert [1, 1] == v1.LOG
    new_key = f.key(1)
    assert old_key != new_key

    undo()
    assert old_key == f.key(1)
    assert case.old == f(1), "swapped back: the original entry must be served"
    assert [1, 1] == v1.LOG, "swapped back: the original entry should be a hit"

    case.swap(v1, v2)
    assert new_key == f.key(1)
    assert case.new == f(1), "swapped again: the new entry must be served"
    assert [1, 1] == v1.LOG, "swapped again: the new entry should be a hit"


def test_swap_of_a_callee_deep_in_the_graph(load_module):
    """A ``__code__`` swap two calls deep, in another module, reruns too."""
    leaf = load_module("def leaf(x):\n    return x + 1\n", name=_unique("leaf"))
    edited = load_module("def leaf(x):\n    return x + 100\n", name=_unique("leaf"))
    middle = load_module(
        f"from {leaf.__name__} import leaf\n\n\ndef middle(x):\n    return leaf(x)\n",
        name=_unique("middle"),
    )
    top = load_module(
        HEADER
        + textwrap.dedent(
            f"""
            from {middle.__name__} import middle


            @checkpoint
            def f(x):
                LOG.append(x)
                return middle(x)
            """
        ),
        name=_unique("top"),
    )
    assert 2 == top.f(1)
    before = leaf.leaf.__code__
    leaf.leaf.__code__ = edited.leaf.__code__
    assert 101 == top.f(1), "a stale result after a swap two calls deep"
    leaf.leaf.__code__ = before
    assert 2 == top.f(1)
    assert [1, 1] == top.LOG


def test_swapped_code_is_not_cached_by_a_fresh_decoration(load_module):
    """``checkpoint(raw)`` made after a swap keys on the swapped code, not the old one."""
    from checkpointing import checkpoint

    v1 = load_module(textwrap.dedent(CALLEE), name=_unique("v1"))
    v2 = load_module(textwrap.dedent(CALLEE).replace(*_PLUS), name=_unique("v2"))
    assert 2 == v1.f(1)
    v1.helper.__code__ = v2.helper.__code__
    again = checkpoint(v1.f.__wrapped__)
    assert 101 == again(1), "a fresh decoration served the pre-swap entry"
    assert again.key(1) == v1.f.key(1)
