"""
Pairs of library objects read by project code: keys differ iff the objects do.

A project function reads a library object (``sum``, ``math.floor``,
``operator.itemgetter(0)``, ``np.maximum.accumulate``, ``np.dtype("int16")``)
through a global, a callee's default, a closure cell, a class attribute, a dict
value or an ``import ... as`` alias. For a generated pair ``(a, b)``:

* rebinding the reference from *a* to *b* in a live process changes the
  fingerprint iff ``a is not b`` (the in-process memo must notice), and
  rebinding back restores the first fingerprint exactly;
* two modules built from text, one naming *a* and one naming *b*, get equal
  fingerprints iff they name the same object (no memo is shared between them).
"""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.

from __future__ import annotations

import builtins
import importlib
import itertools
import math
import operator
import os
import textwrap
from typing import Any, NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkpointing._fingerprint import fingerprint_function

try:
    import numpy as np
except ImportError:  # pragma: no cover - numpy is a test dependency
    np = None


class Entry(NamedTuple):
    label: str
    expr: str  # evaluates to the object, with math, operator and np imported
    importable: tuple[str, str] | None  # (module, name) for ``from m import n as x``


_ENTRIES = [
    *(
        Entry(n, n, ("builtins", n))
        for n in (
            "sum",
            "max",
            "min",
            "len",
            "sorted",
            "abs",
            "round",
            "int",
            "float",
            "str",
        )
    ),
    *(
        Entry(f"math.{n}", f"math.{n}", ("math", n))
        for n in (
            "floor",
            "ceil",
            "trunc",
            "sqrt",
            "exp",
            "log",
        )
    ),
    *(
        Entry(f"operator.{n}", f"operator.{n}", ("operator", n))
        for n in (
            "add",
            "sub",
            "mul",
            "truediv",
        )
    ),
    Entry("operator.itemgetter(0)", "operator.itemgetter(0)", None),
    Entry("operator.itemgetter(1)", "operator.itemgetter(1)", None),
]
if np is not None:
    _ENTRIES += [
        *(
            Entry(f"np.{n}", f"np.{n}", ("numpy", n))
            for n in (
                "sum",
                "max",
                "mean",
                "add",
                "multiply",
                "float32",
                "float64",
            )
        ),
        Entry("np.maximum.accumulate", "np.maximum.accumulate", None),
        Entry('np.dtype("int16")', 'np.dtype("int16")', None),
        Entry('np.dtype("int32")', 'np.dtype("int32")', None),
    ]

_NAMESPACE: dict[str, Any] = {"math": math, "operator": operator, "np": np}
#: The pool: one object per entry, built once (so identity is well defined).
POOL: list[Any] = [eval(e.expr, _NAMESPACE) for e in _ENTRIES]
assert len({id(obj) for obj in POOL}) == len(POOL), "two entries are one object"
assert builtins.sum is POOL[0]

_indices = st.integers(min_value=0, max_value=len(POOL) - 1)
#: Pairs: a third of them are (i, i), so "same object" is well covered.
pairs = st.one_of(_indices.map(lambda i: (i, i)), st.tuples(_indices, _indices))
_importable = [i for i, e in enumerate(_ENTRIES) if e.importable is not None]
importable_pairs = st.one_of(
    st.sampled_from(_importable).map(lambda i: (i, i)),
    st.tuples(st.sampled_from(_importable), st.sampled_from(_importable)),
)

PAIR_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    # load_module writes under tmp_path: each example uses fresh directories.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

HEADER = "import math\nimport operator\n" + (
    "import numpy as np\n" if np is not None else ""
)

_counter = itertools.count()


def _fresh_name() -> str:
    return f"ckpt_pairs_{os.getpid()}_{next(_counter)}"


# -- in one live process: rebinding the reference ---------------------------------

#: (how the object is reached, module text with the object as ``None``, rebind)
REBINDS = {
    "global": (
        """
        AGG = None


        def f(x):
            return AGG(x)
        """,
        lambda m, obj: setattr(m, "AGG", obj),
    ),
    "default-argument": (
        """
        def helper(x, agg=None):
            return agg(x)


        def f(x):
            return helper(x)
        """,
        lambda m, obj: setattr(m.helper, "__defaults__", (obj,)),
    ),
    "closure-cell": (
        """
        def make(agg):
            def inner(x):
                return agg(x)
            return inner


        INNER = make(None)


        def f(x):
            return INNER(x)
        """,
        lambda m, obj: setattr(m.INNER.__closure__[0], "cell_contents", obj),
    ),
    "class-attribute": (
        """
        class Holder:
            agg = None


        def f(x):
            return Holder.agg(x)
        """,
        lambda m, obj: setattr(m.Holder, "agg", obj),
    ),
    "dict-value": (
        """
        TABLE = {"agg": None}


        def f(x):
            return TABLE["agg"](x)
        """,
        lambda m, obj: m.TABLE.__setitem__("agg", obj),
    ),
}


@pytest.mark.parametrize("route", list(REBINDS))
@PAIR_SETTINGS
@given(pair=pairs)
def test_rebinding_in_process_changes_the_fingerprint_iff_another_object(
    load_module, route, pair
):
    """Rebind a -> b -> a in one process: differ iff a is not b; back to a: equal."""
    source, rebind = REBINDS[route]
    module = load_module(textwrap.dedent(source))
    a, b = (POOL[i] for i in pair)
    label_a, label_b = (_ENTRIES[i].label for i in pair)

    rebind(module, a)
    first = fingerprint_function(module.f).digest
    rebind(module, b)
    second = fingerprint_function(module.f).digest
    rebind(module, a)
    again = fingerprint_function(module.f).digest

    assert first == again, f"{route}: {label_a} -> {label_b} -> {label_a}"
    if a is b:
        assert first == second, f"{route}: {label_a} twice"
    else:
        assert first != second, f"{route}: {label_a} vs {label_b} (stale memo?)"


@pytest.mark.parametrize("route", list(REBINDS))
@PAIR_SETTINGS
@given(pair=pairs)
def test_rebinding_in_process_agrees_with_a_fresh_module(
    load_module, tmp_path, route, pair
):
    """The fingerprint after rebinding a -> b equals a fresh module's with b bound."""
    source, rebind = REBINDS[route]
    name = _fresh_name()
    number = next(_counter)
    live = load_module(
        textwrap.dedent(source), name=name, directory=tmp_path / f"live{number}"
    )
    a, b = (POOL[i] for i in pair)
    rebind(live, a)
    fingerprint_function(live.f)  # memoize with a
    rebind(live, b)
    after = fingerprint_function(live.f)

    fresh = load_module(
        textwrap.dedent(source), name=name, directory=tmp_path / f"fresh{number}"
    )
    rebind(fresh, b)
    expected = fingerprint_function(fresh.f)
    assert expected.digest == after.digest, (
        f"{route}: {_ENTRIES[pair[0]].label} -> {_ENTRIES[pair[1]].label}: "
        f"{sorted(set(expected.components.items()) ^ set(after.components.items()))}"
    )


# -- two modules built from text: no memo involved ---------------------------------


def _text(route: str, entry: Entry) -> str:
    """Module text whose ``f`` reaches *entry*'s object through *route*."""
    expr = entry.expr
    bodies = {
        "global": f"""
            AGG = {expr}


            def f(x):
                return AGG(x)
            """,
        "default-argument": f"""
            def helper(x, agg={expr}):
                return agg(x)


            def f(x):
                return helper(x)
            """,
        "closure-cell": f"""
            def make(agg):
                def inner(x):
                    return agg(x)
                return inner


            INNER = make({expr})


            def f(x):
                return INNER(x)
            """,
        "class-attribute": f"""
            class Holder:
                agg = {expr}


            def f(x):
                return Holder.agg(x)
            """,
        "dict-value": f"""
            TABLE = {{"agg": {expr}}}


            def f(x):
                return TABLE["agg"](x)
            """,
    }
    if route == "alias":
        module, name = entry.importable  # type: ignore[misc]
        body = f"""
            from {module} import {name} as agg


            def f(x):
                return agg(x)
            """
    else:
        body = bodies[route]
    return HEADER + textwrap.dedent(body)


def _module_fingerprints(load_module, tmp_path, route, pair):
    name = _fresh_name()
    number = next(_counter)
    found = []
    for version, index in enumerate(pair):
        module = load_module(
            _text(route, _ENTRIES[index]),
            name=name,  # one module name: the component names agree
            directory=tmp_path / f"ex{number}" / f"v{version}",
        )
        found.append(fingerprint_function(module.f))
    return found


def _assert_iff(route, pair, first, second):
    label_a, label_b = (_ENTRIES[i].label for i in pair)
    if pair[0] == pair[1]:
        assert first.digest == second.digest, f"{route}: {label_a} twice"
    else:
        assert first.digest != second.digest, f"{route}: {label_a} vs {label_b}"


@pytest.mark.parametrize("route", [*REBINDS])
@PAIR_SETTINGS
@given(pair=pairs)
def test_two_modules_differ_iff_they_name_different_objects(
    load_module, tmp_path, route, pair
):
    """Module text naming a vs naming b: equal fingerprints iff the same entry."""
    first, second = _module_fingerprints(load_module, tmp_path, route, pair)
    _assert_iff(route, pair, first, second)


@PAIR_SETTINGS
@given(pair=importable_pairs)
def test_import_alias_differs_iff_another_object(load_module, tmp_path, pair):
    """``from numpy import sum as agg`` vs ``... max as agg``: differ iff not one object."""
    first, second = _module_fingerprints(load_module, tmp_path, "alias", pair)
    _assert_iff("alias", pair, first, second)


@PAIR_SETTINGS
@given(index=st.sampled_from(_importable))
def test_alias_and_attribute_reach_the_same_object_alike(load_module, tmp_path, index):
    """``from m import n as agg`` and ``AGG = m.n`` name one object: same global digest."""
    entry = _ENTRIES[index]
    name = _fresh_name()
    number = next(_counter)
    alias = load_module(
        _text("alias", entry), name=name, directory=tmp_path / f"ex{number}" / "a"
    )
    plain = load_module(
        _text("global", entry), name=name, directory=tmp_path / f"ex{number}" / "b"
    )
    left = fingerprint_function(alias.f).components[f"global:{name}:agg"]
    right = fingerprint_function(plain.f).components[f"global:{name}:AGG"]
    assert left.digest == right.digest, (entry.label, left.summary, right.summary)


def test_pool_is_importable_by_its_names():
    """Every importable entry's (module, name) is the pool object itself."""
    for entry, obj in zip(_ENTRIES, POOL, strict=True):
        if entry.importable is not None:
            module, name = entry.importable
            assert getattr(importlib.import_module(module), name) is obj, entry.label
