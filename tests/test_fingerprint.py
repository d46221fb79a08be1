"""Tests for checkpointing._fingerprint."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import importlib.metadata
import itertools
import os
import sys
import textwrap

import pytest

from checkpointing import (
    AmbientStateWarning,
    FingerprintError,
    IncompleteFingerprintWarning,
    checkpoint,
)
from checkpointing._fingerprint import (
    Fingerprint,
    fingerprint_arguments,
    fingerprint_function,
)
from checkpointing.digest import digest_value

_names = itertools.count()

BASE = '''
SCALE = 2


def helper(x):
    """Scale x."""
    return x * SCALE


def f(x, y=1):
    """Add the scaled x to y."""
    total = helper(x) + y
    return total
'''


@pytest.fixture
def fingerprints(load_module, tmp_path):
    """
    Return ``fingerprints(*sources, function="f", **options)``.

    Each source is one version of the same module: it is written to its own
    directory, imported under one shared (fresh) module name and fingerprinted
    right away, as a new process would see that version.
    """

    def fingerprint_versions(*sources, function="f", **options):
        name = f"ckpt_fp_{os.getpid()}_{next(_names)}"
        found = []
        for index, source in enumerate(sources):
            module = load_module(
                textwrap.dedent(source), name=name, directory=tmp_path / f"v{index}"
            )
            found.append(fingerprint_function(getattr(module, function), **options))
        return found, name

    return fingerprint_versions


def changed(old: Fingerprint, new: Fingerprint) -> list[str]:
    """Names of the components whose digest differs (or that exist on one side)."""
    names = old.components.keys() | new.components.keys()
    return sorted(
        n
        for n in names
        if getattr(old.components.get(n), "digest", None)
        != getattr(new.components.get(n), "digest", None)
    )


class TestInvariance:
    @pytest.mark.parametrize(
        "edited",
        [
            pytest.param(
                BASE.replace("return total", "return total  # done"), id="comment"
            ),
            pytest.param(
                BASE.replace("helper(x) + y", "helper( x )+y"), id="whitespace"
            ),
            pytest.param(
                BASE.replace("    total =", "\n\n    total ="), id="blank-lines"
            ),
            pytest.param("# header\n\n\n\n" + BASE, id="line-shift"),
            pytest.param(
                BASE.replace("def f(x, y=1):", "def f(\n    x,\n    y=1,\n):"),
                id="reformatted-signature",
            ),
            pytest.param(
                BASE.replace("return x * SCALE", "return (x * SCALE)  # same"),
                id="callee-parentheses",
            ),
            pytest.param(
                BASE.replace("def f(x, y=1):", "def f(x: int, y: int = 1) -> int:"),
                id="annotations",
            ),
        ],
    )
    def test_formatting_edits_keep_the_fingerprint(self, fingerprints, edited):
        """Comments, whitespace, blank lines, line shifts and annotations change nothing."""
        (before, after), _ = fingerprints(BASE, edited)
        assert [] == changed(before, after)
        assert before.digest == after.digest

    def test_root_default_value(self, fingerprints):
        """The decorated function's defaults are not code: they enter through arguments."""
        (before, after), _ = fingerprints(BASE, BASE.replace("y=1", "y=5"))
        assert before.digest == after.digest

    def test_deterministic(self, fingerprints):
        """Fingerprinting one function twice gives equal fingerprints."""
        (first,), name = fingerprints(BASE)
        again = fingerprint_function(sys.modules[name].f)
        assert first == again
        assert 32 == len(first.digest)


class TestDocstrings:
    def test_docstring_edit_changes_only_docstring(self, fingerprints):
        """Editing the docstring changes the docstring component and nothing else."""
        edited = BASE.replace("Add the scaled x to y.", "Add y to the scaled x.")
        (before, after), _ = fingerprints(BASE, edited)
        assert ["docstring"] == changed(before, after)

    def test_callee_docstring(self, fingerprints):
        """Editing a callee's docstring changes only that callee's docstring component."""
        (before, after), name = fingerprints(
            BASE, BASE.replace("Scale x.", "Scale x up.")
        )
        assert [f"docstring:{name}:helper"] == changed(before, after)

    def test_excluded_docstrings(self, fingerprints):
        """With include_docstrings=False docstring edits are invisible."""
        edited = BASE.replace("Add the scaled x to y.", "Other.").replace(
            "Scale x.", "Up."
        )
        (before, after), _ = fingerprints(BASE, edited, include_docstrings=False)
        assert before.digest == after.digest
        assert not any(c.kind == "docstring" for c in before.components.values())


class TestCodeChanges:
    def test_body_edit(self, fingerprints):
        """Editing the function body changes its source component."""
        (before, after), _ = fingerprints(BASE, BASE.replace("+ y", "- y"))
        assert ["source"] == changed(before, after)

    def test_signature_edit(self, fingerprints):
        """Renaming a parameter changes signature and source."""
        edited = BASE.replace("def f(x, y=1)", "def f(x, z=1)").replace("+ y", "+ z")
        (before, after), _ = fingerprints(BASE, edited)
        assert ["signature", "source"] == changed(before, after)

    def test_callee_edit(self, fingerprints):
        """Editing a callee changes exactly callee:<module>:<qualname>."""
        (before, after), name = fingerprints(
            BASE, BASE.replace("x * SCALE", "x * SCALE + 1")
        )
        assert [f"callee:{name}:helper"] == changed(before, after)

    def test_callee_default_edit(self, fingerprints):
        """A callee's default values are part of its source and its defaults."""
        source = BASE.replace("def helper(x):", "def helper(x, k=2):")
        (before, after), name = fingerprints(source, source.replace("k=2", "k=3"))
        expected = [f"callee:{name}:helper", f"defaults:{name}:helper"]
        assert expected == changed(before, after)

    def test_class_method_edit(self, fingerprints):
        """Editing a method of a class the function uses changes that callee."""
        source = """
            class Model:
                def predict(self, x):
                    return x + 1


            def f(x):
                return Model().predict(x)
        """
        edited = source.replace("x + 1", "x + 2")
        (before, after), name = fingerprints(source, edited)
        assert [f"callee:{name}:Model.predict"] == changed(before, after)
        assert f"class:{name}:Model" in before.components


class TestValues:
    def test_global_value_redigested_per_call(self, fingerprints):
        """Changing a module attribute changes global:<module>:<name>, no re-import."""
        (before,), name = fingerprints(BASE)
        module = sys.modules[name]
        module.SCALE = 3
        after = fingerprint_function(module.f)
        assert [f"global:{name}:SCALE"] == changed(before, after)
        assert "3" == after.components[f"global:{name}:SCALE"].summary
        module.SCALE = 2
        assert before.digest == fingerprint_function(module.f).digest

    def test_closure_cell(self, fingerprints):
        """A closure's cell values are components; changing one changes it."""
        source = """
            def make(k):
                def inner(x):
                    return x * k
                return inner


            f = make(2)
        """
        (before,), name = fingerprints(source)
        module = sys.modules[name]
        module.f.__closure__[0].cell_contents = 5
        after = fingerprint_function(module.f)
        component = f"closure:{name}:make.<locals>.inner:k"
        assert [component] == changed(before, after)
        assert "5" == after.components[component].summary
        assert before.digest != fingerprint_function(module.make(3)).digest

    def test_numpy_global_modified_in_place(self, fingerprints):
        """Writing into a global numpy array changes the fingerprint."""
        pytest.importorskip("numpy")
        source = """
            import numpy

            WEIGHTS = numpy.zeros(3)


            def f(x):
                return x * WEIGHTS.sum()
        """
        (before,), name = fingerprints(source)
        module = sys.modules[name]
        module.WEIGHTS[1] = 1.0
        after = fingerprint_function(module.f)
        assert [f"global:{name}:WEIGHTS"] == changed(before, after)


class TestExternalCode:
    def test_stdlib_and_packages_not_walked(self, fingerprints):
        """Standard-library and installed callees add python/package:<dist>, not callees."""
        source = """
            import json
            from os.path import join

            import cloudpickle


            def f(x):
                return json.dumps(join("a", cloudpickle.dumps(x).hex()))
        """
        (fingerprint,), name = fingerprints(source)
        expected = {
            "bindings",  # what the text's placeholders @0, @1... are bound to
            "docstring",
            f"global:{name}:join",  # which object the name is bound to
            f"global:{name}:json",  # which module the name is bound to
            f"global:{name}:cloudpickle",
            "package:cloudpickle",
            "python",
            "signature",
            "source",
        }
        assert expected == set(fingerprint.components)
        package = fingerprint.components["package:cloudpickle"]
        assert importlib.metadata.version("cloudpickle") == package.summary
        assert "package" == package.kind
        join = fingerprint.components[f"global:{name}:join"]
        assert f"{os.path.join.__module__}.join (Python " in join.summary

    def test_not_a_function(self):
        """A builtin has no fingerprint: FingerprintError names it."""
        with pytest.raises(FingerprintError) as info:
            fingerprint_function(len)
        assert "builtins:len" == info.value.function


class TestRecursion:
    def test_self_recursion(self, fingerprints):
        """A recursive function fingerprints without walking itself forever."""
        source = """
            def f(n):
                return 1 if n <= 1 else n * f(n - 1)
        """
        (fingerprint,), _ = fingerprints(source)
        assert not any(name.startswith("callee:") for name in fingerprint.components)

    def test_mutual_recursion(self, fingerprints):
        """Mutually recursive functions terminate and see each other's edits."""
        source = """
            def f(n):
                return True if n == 0 else is_odd(n - 1)


            def is_odd(n):
                return False if n == 0 else f(n - 1)
        """
        edited = source.replace("return False if", "return bool(0) if")
        (before, after), name = fingerprints(source, edited)
        assert [f"callee:{name}:is_odd"] == changed(before, after)


class TestFallbacks:
    def test_source_edited_after_import(self, load_module, tmp_path):
        """A file edited after import identifies the old code by bytecode, with a warning."""
        name = f"ckpt_fp_stale_{os.getpid()}_{next(_names)}"
        module = load_module(
            "def f(x):\n    return x + 1\n", name=name, directory=tmp_path
        )
        (tmp_path / f"{name}.py").write_text("def f(x):\n    return x + 2\n")
        with pytest.warns(
            IncompleteFingerprintWarning, match="differs from the loaded code"
        ):
            fingerprint = fingerprint_function(module.f)
        assert "<bytecode>" == fingerprint.components["source"].summary
        assert fingerprint.components["source"].source is None

    def test_lambda_uses_bytecode_silently(self):
        """A lambda is identified by bytecode without a warning (lines may hold several)."""
        fingerprint = fingerprint_function(lambda x: x + 1)
        assert "<bytecode>" == fingerprint.components["source"].summary
        other = fingerprint_function(lambda x: x + 2)
        assert (
            fingerprint.components["source"].digest != other.components["source"].digest
        )


_EXTENSION_SOURCE = """
#include <Python.h>
static PyObject* scale(PyObject* self, PyObject* arg) {
    return PyLong_FromLong(PyLong_AsLong(arg) * FACTOR);
}
static PyMethodDef methods[] = {{"scale", scale, METH_O, "scale"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "NAME", NULL, -1, methods};
PyMODINIT_FUNC PyInit_NAME(void) { return PyModule_Create(&mod); }
"""


def _build_extension(directory, name: str, factor: int) -> None:
    """Compile a one-function C extension module *name* into *directory*."""
    import subprocess
    import sysconfig

    source = directory / f"{name}.c"
    source.write_text(_EXTENSION_SOURCE.replace("NAME", name))
    target = directory / f"{name}{sysconfig.get_config_var('EXT_SUFFIX')}"
    subprocess.run(
        ["gcc", "-shared", "-fPIC", f"-DFACTOR={factor}",
         f"-I{sysconfig.get_paths()['include']}", "-o", str(target), str(source)],
        check=True, capture_output=True,
    )  # fmt: skip


class TestExtensions:
    def test_project_extension_file_is_a_component(self, load_module, tmp_path):
        """A C extension in the project is identified by its file's bytes: a rebuild reruns."""
        import shutil

        if shutil.which("gcc") is None:
            pytest.skip("needs a C compiler")
        name = f"ckpt_ext_{os.getpid()}_{next(_names)}"
        sys.path.insert(0, str(tmp_path))
        try:
            _build_extension(tmp_path, name, 2)
            caller = load_module(
                f"import {name}\n\ndef f(x):\n    return {name}.scale(x)\n"
            )
            before = fingerprint_function(caller.f)
            assert 6 == caller.f(3)
            _build_extension(tmp_path, name, 5)  # rebuilt with other behaviour
            after = fingerprint_function(caller.f)
        finally:
            sys.path.remove(str(tmp_path))
            sys.modules.pop(name, None)
        assert [f"extension:{name}"] == changed(before, after)


class TestRenamedLocals:
    """Local names do not change what a function computes (issue 3's ideal no-op)."""

    def test_renamed_locals_share_a_digest(self, fingerprints):
        """Renaming locals, loop variables and exception names keeps every component."""
        source = """
        def f(x, y=1):
            total = 0
            for item in range(x):
                total += item
            try:
                ratio = total / y
            except ZeroDivisionError as error:
                ratio = str(error)
            return ratio
        """
        renamed = (
            source.replace("total", "acc")
            .replace("item", "k")
            .replace("ratio", "r")
            .replace("error", "e")
        )
        (before, after), _ = fingerprints(source, renamed)
        assert [] == changed(before, after)
        assert "total" in before.components["source"].source  # shown with real names

    def test_swapped_roles_differ(self, fingerprints):
        """Two locals exchanging roles is a real change (renaming is by first use)."""
        source = """
        def f(x):
            a = 1
            b = 2
            return a - b + x
        """
        swapped = """
        def f(x):
            b = 1
            a = 2
            return a - b + x
        """
        (before, after), _ = fingerprints(source, swapped)
        assert ["source"] == changed(before, after)

    def test_local_and_global_of_one_name_differ(self, fingerprints):
        """A local renamed to the name of a global it sits beside is a real change."""
        source = """
        G = 5

        def f(x):
            a = 1
            return a + G + x
        """
        edited = """
        G = 5

        def f(x):
            G2 = 1
            return G2 + G + x
        """
        (before, after), _ = fingerprints(source, edited)
        assert [] == changed(before, after)  # a -> G2 is only a rename
        clash = """
        G = 5

        def f(x):
            G = 1
            return G + G + x
        """
        (_, clashing), _ = fingerprints(source, clash)
        assert before.digest != clashing.digest  # G is now a local: other code

    @pytest.mark.parametrize(
        ("source", "edited"),
        [
            pytest.param(
                "def f(x):\n    y = 2\n    return [v * y for v in x]\n",
                "def f(x):\n    z = 2\n    return [v * z for v in x]\n",
                id="read-by-comprehension",
            ),
            pytest.param(
                "def f(x):\n    y = 2\n    def g():\n        return y\n    return g() + x\n",
                "def f(x):\n    z = 2\n    def g():\n        return z\n    return g() + x\n",
                id="read-by-closure",
            ),
            pytest.param(
                "def f(x):\n    y = 2\n    return locals()['y'] + x\n",
                "def f(x):\n    z = 2\n    return locals()['z'] + x\n",
                id="locals-call",
            ),
            pytest.param(
                "def f(x):\n    import math as m\n    return m.floor(x)\n",
                "def f(x):\n    import math as mm\n    return mm.floor(x)\n",
                id="import-bound",
            ),
        ],
    )
    def test_unsafe_renames_rerun(self, fingerprints, source, edited):
        """Where a rename cannot be proven harmless, it counts as an edit (safe side)."""
        (before, after), _ = fingerprints(source, edited)
        assert ["source"] == changed(before, after)


def test_set_literal_constant_is_stable_across_hash_seeds(tmp_path):
    """A frozenset constant's repr order follows the hash seed; the key must not."""
    import os
    import subprocess
    import sys

    module = tmp_path / "setlit.py"
    module.write_text(
        "from checkpointing import checkpoint\n"
        f"@checkpoint(directory={str(tmp_path / 'cache')!r})\n"
        "def f(word):\n"
        '    return word in {"to", "be", "or", "not", "that", "is"}\n',
        encoding="utf-8",
    )
    # The live code comes from a .pyc compiled under another seed than the
    # source text re-compiled for the check: that is when the order differs.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    keys = set()
    for seed in range(12):
        done = subprocess.run(
            [
                sys.executable,
                "-W",
                "error",
                "-c",
                "import setlit; print(setlit.f.key('be'))",
            ],
            cwd=tmp_path,
            env={**env, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        )
        keys.add(done.stdout.strip())
    assert 1 == len(keys)


# -- library-owned objects ---------------------------------------------------------------

# Two objects each of one library module: rebinding a global from the first to the
# second must change the key (issue: every pair below shared one key).
SIBLINGS = [
    pytest.param("scipy.stats", "norm", "t", id="norm-t"),
    pytest.param("sklearn.metrics", "f1_score", "precision_score", id="f1-precision"),
    pytest.param("numpy", "sum", "max", id="sum-max"),
    pytest.param("math", "floor", "ceil", id="floor-ceil"),
    pytest.param("numpy", "add", "multiply", id="ufuncs"),
    pytest.param("scipy.stats", "multivariate_normal", "wishart", id="multivariate"),
]


class TestLibraryObjects:
    @pytest.mark.parametrize(("module", "first", "second"), SIBLINGS)
    def test_rebinding_to_a_sibling_changes_only_that_global(
        self, fingerprints, module, first, second
    ):
        """``from m import a as target`` -> ``b as target``: the global's digest changes."""
        pytest.importorskip(module)
        source = f"""
            from {module} import {first} as target


            def f(x):
                return target(x)
        """
        (before, after), name = fingerprints(
            source, source.replace(f"{first} as", f"{second} as")
        )
        assert [f"global:{name}:target"] == changed(before, after)
        summary = after.components[f"global:{name}:target"].summary
        assert f".{second} (" in summary

    def test_rebinding_in_one_process_rewalks(self, fingerprints):
        """A global rebound at run time (another distribution, then an array) is seen."""
        pytest.importorskip("scipy")
        import numpy
        import scipy.stats

        source = """
            from scipy.stats import t as dist


            def f(x):
                return dist.sf(x)
        """
        (before,), name = fingerprints(source)
        module = sys.modules[name]
        module.dist = scipy.stats.norm
        after = fingerprint_function(module.f)
        assert [f"global:{name}:dist"] == changed(before, after)
        module.dist = numpy.arange(3)  # its __eq__ cannot answer the memo's check
        assert (
            fingerprint_function(module.f)
            .components[f"global:{name}:dist"]
            .summary.endswith("array([0, 1, 2])")
        )
        module.dist = scipy.stats.t
        assert before == fingerprint_function(module.f)

    def test_alias_is_identified_like_the_original(self, fingerprints):
        """``t as student`` is the object scipy exposes as ``scipy.stats.t``."""
        pytest.importorskip("scipy")
        plain = """
            from scipy.stats import t


            def f(x):
                return t.sf(x, 3)
        """
        aliased = plain.replace("import t", "import t as student").replace(
            "t.sf", "student.sf"
        )
        (original,), first = fingerprints(plain)
        (alias,), second = fingerprints(aliased)
        left = original.components[f"global:{first}:t"]
        right = alias.components[f"global:{second}:student"]
        assert left.digest == right.digest
        assert right.summary.startswith("scipy.stats.t (scipy ")

    def test_reading_a_distribution_reads_no_state(self, fingerprints):
        """Drawing from numpy's global generator never changes a ``t.sf`` key."""
        pytest.importorskip("scipy")
        import numpy

        source = """
            from scipy.stats import t


            def f(x):
                return float(t.sf(x, 3))
        """
        (before,), name = fingerprints(source)
        numpy.random.random(10)  # the RandomState that t holds moves on
        after = fingerprint_function(sys.modules[name].f)
        assert before == after
        assert not any(c.startswith("ambient:") for c in after.components)

    def test_project_created_instances_keep_their_parameters(self, fingerprints):
        """``SVC(C=10)`` made by project code is data: its parameters are the digest."""
        pytest.importorskip("sklearn")
        source = """
            from sklearn.preprocessing import StandardScaler
            from sklearn.svm import SVC

            MODEL = SVC(C=10)
            SCALER = StandardScaler(with_mean=False)


            def f(x):
                return MODEL, SCALER.fit_transform(x)
        """
        edited = source.replace("C=10", "C=1").replace("with_mean=False", "")
        (before, after), name = fingerprints(source, edited)
        assert [f"global:{name}:MODEL", f"global:{name}:SCALER"] == changed(
            before, after
        )
        assert "SVC(C=10)" == before.components[f"global:{name}:MODEL"].summary

    def test_project_function_held_by_a_library_object_is_walked(self, fingerprints):
        """``FunctionTransformer(func=helper)``: editing *helper* changes the key."""
        pytest.importorskip("sklearn")
        source = """
            from sklearn.preprocessing import FunctionTransformer


            def helper(x):
                return x + 1


            STEP = FunctionTransformer(func=helper)


            def f(x):
                return STEP.fit_transform(x)
        """
        (before, after), name = fingerprints(source, source.replace("x + 1", "x + 2"))
        assert f"callee:{name}:helper" in changed(before, after)

    def test_frozen_distribution_is_data_without_exec_made_code(self, fingerprints):
        """``norm(0, 1)`` in project code: its parameters count, scipy's exec'd methods not."""
        pytest.importorskip("scipy")
        source = """
            from scipy import stats

            PRIOR = stats.norm(0, 1)


            def f(x):
                return PRIOR.cdf(x)
        """
        (before, after), name = fingerprints(source, source.replace("0, 1", "0, 2"))
        assert [f"global:{name}:PRIOR"] == changed(before, after)
        assert all("<unknown>" not in component for component in after.components)


def _keys_in_subprocess(tmp_path, script: str, runs: int = 2) -> list[str]:
    """Run *script* (printing one line) in *runs* fresh processes under -W error."""
    import subprocess

    (tmp_path / "script.py").write_text(textwrap.dedent(script), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKPOINTING_")}
    env["CHECKPOINTING_DIR"] = str(tmp_path / "cache")
    found = []
    for seed in range(runs):
        done = subprocess.run(
            [sys.executable, "-W", "error", "script.py"],
            cwd=tmp_path,
            env={**env, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=False,
        )
        assert 0 == done.returncode, done.stderr
        found.append(done.stdout.strip())
    return found


def test_issue_reproduction_is_cached_across_processes(tmp_path):
    """``t.sf`` in a cached function: a key, no warning, the same in two processes."""
    pytest.importorskip("scipy")
    first, second = _keys_in_subprocess(
        tmp_path,
        """
        from scipy.stats import t

        from checkpointing import checkpoint


        @checkpoint
        def pval(x, df):
            return float(t.sf(x, df))


        print(pval.key(2.0, 10), pval(2.0, 10), pval.is_cached(2.0, 10))
        """,
    )
    assert first == second
    assert first.endswith(" True")


def test_library_objects_in_arguments_digest_alike_across_processes(tmp_path):
    """Distributions, numpy's global RandomState and frozen distributions as arguments."""
    pytest.importorskip("scipy")
    first, second = _keys_in_subprocess(
        tmp_path,
        """
        import numpy
        from scipy import stats

        import checkpointing._fingerprint  # what @checkpoint loads
        from checkpointing.digest import digest_value

        values = [
            stats.t,
            stats.multivariate_normal,
            stats.poisson_binom,
            stats.norm(0, 1),
            {"dist": stats.gamma, "draw": numpy.random.normal},
            numpy.random.mtrand._rand,
        ]
        print([digest_value(value) for value in values])
        """,
    )
    assert first == second


def test_library_object_arguments_are_named():
    """An alias and the original digest alike; siblings differ; state is not read."""
    scipy_stats = pytest.importorskip("scipy.stats")
    import numpy

    student = scipy_stats.t
    before = digest_value(scipy_stats.t)
    numpy.random.random(5)
    assert before == digest_value(student)
    assert digest_value(scipy_stats.t) != digest_value(scipy_stats.norm)


def test_library_owned_data_keeps_its_value(load_module):
    """
    pandas.options read as a global: set_option changes the fingerprint.

    A library-owned *data* object is state the code reads: named only, a change
    in the process would be a stale result (pandas.options, matplotlib.rcParams).
    """
    pandas = pytest.importorskip("pandas")
    module = load_module(
        textwrap.dedent(
            """
            from pandas import options


            def show(x):
                return f"{x:.{options.display.precision}f}"
            """
        )
    )
    before = fingerprint_function(module.show).digest
    with pandas.option_context("display.precision", 2):
        during = fingerprint_function(module.show).digest
    assert before != during
    assert before == fingerprint_function(module.show).digest


def test_random_state_of_the_project_as_argument_keeps_its_state():
    """A RandomState the project made, passed on: a draw changes its digest."""
    numpy = pytest.importorskip("numpy")
    generator = numpy.random.RandomState(0)
    before = digest_value(generator)
    generator.random_sample()
    assert before != digest_value(generator)


# -- ambient state: the global random generators ----------------------------------------


class TestAmbientState:
    def _walk(self, fingerprints, source, **options):
        with pytest.warns(AmbientStateWarning) as caught:
            (fingerprint,), name = fingerprints(source, **options)
        return fingerprint, sys.modules[name], caught

    def test_numpy_legacy_draw_keys_on_the_state(self, fingerprints):
        """``np.random.normal``: the state at call time is a component, seeded or not."""
        numpy = pytest.importorskip("numpy")
        source = """
            import numpy as np


            def f(n):
                return np.random.normal(size=n).sum()
        """
        numpy.random.seed(1)
        first, module, caught = self._walk(fingerprints, source)
        assert 1 == len(caught)
        message = str(caught[0].message)
        assert "numpy.random.normal" in message
        assert "numpy.random.default_rng(seed)" in message  # the fix
        component = first.components["ambient:numpy.random"]
        assert "ambient" == component.kind
        assert "drawn from by numpy.random.normal" in component.summary
        numpy.random.random()  # a draw moves the state: another key
        moved = fingerprint_function(module.f)
        assert first.digest != moved.digest
        assert component.summary != moved.components["ambient:numpy.random"].summary
        numpy.random.seed(1)  # the same seed: the same key again
        assert first == fingerprint_function(module.f)

    def test_state_is_read_without_a_new_walk(self, fingerprints, monkeypatch):
        """The memo re-reads the state on every call; the walk itself is not redone."""
        numpy = pytest.importorskip("numpy")
        from checkpointing import _fingerprint

        fingerprint, module, _ = self._walk(
            fingerprints,
            """
            from numpy.random import randint


            def f(n):
                return randint(n)
            """,
        )
        walks = []
        original = _fingerprint._Walker.run
        monkeypatch.setattr(
            _fingerprint._Walker, "run", lambda self: walks.append(original(self))
        )
        numpy.random.random()
        assert fingerprint.digest != fingerprint_function(module.f).digest
        assert [] == walks

    def test_stdlib_random_draw(self, fingerprints):
        """``random.choice`` keys on the random module's state."""
        import random

        source = """
            import random


            def f(items):
                return random.choice(items)
        """
        random.seed(7)
        fingerprint, module, _ = self._walk(fingerprints, source)
        assert "ambient:random" in fingerprint.components
        random.seed(7)
        assert fingerprint == fingerprint_function(module.f)

    @pytest.mark.parametrize(
        "call",
        [
            pytest.param("t.rvs(3, size=n)", id="global-distribution"),
            pytest.param("stats.norm(0, 1).rvs(n)", id="frozen"),
            pytest.param("(lambda draw: draw(size=n))(t.rvs)", id="escaped"),
        ],
    )
    def test_rvs_without_random_state_draws(self, fingerprints, call):
        """A distribution's ``.rvs`` without ``random_state=`` draws from numpy's state."""
        pytest.importorskip("scipy")
        source = f"""
            from scipy import stats
            from scipy.stats import t


            def f(n):
                return {call}
        """
        fingerprint, _, caught = self._walk(fingerprints, source)
        assert "ambient:numpy.random" in fingerprint.components
        assert ".rvs() without random_state=" in str(caught[0].message)

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param("t.rvs(3, size=n, random_state=seed)", id="random_state"),
            pytest.param("t.rvs(3, size=n, **options)", id="kwargs"),
            pytest.param("t.sf(n, 3)", id="no-draw"),
            pytest.param(
                "np.random.default_rng(seed).normal(size=n)", id="seeded-generator"
            ),
            pytest.param(
                "(np.random.seed(seed), np.random.normal())", id="self-seeded"
            ),
        ],
    )
    def test_no_draw_from_the_ambient_state(self, fingerprints, body):
        """Seeded draws, generators and reads add no state and no warning."""
        pytest.importorskip("scipy")
        source = f"""
            import numpy as np
            from scipy.stats import t


            def f(n, seed=0, options=None):
                return {body}
        """
        (fingerprint,), _ = fingerprints(source)  # filterwarnings=error: no warning
        assert not any(c.startswith("ambient:") for c in fingerprint.components)

    def test_generator_function_passed_as_an_argument(self):
        """Code carried by an argument is walked like a callee: its draws count too."""
        numpy = pytest.importorskip("numpy")
        with pytest.warns(AmbientStateWarning):
            carried = fingerprint_arguments({"sampler": numpy.random.standard_normal})
        assert carried is not None
        assert "ambient:numpy.random" in carried.components

    def test_ambient_calls_hit_when_seeded_alike(self, tmp_path):
        """A seeded script: the second process hits; the warning says what to pass."""
        pytest.importorskip("numpy")
        script = """
            import warnings

            import numpy as np

            from checkpointing import AmbientStateWarning, checkpoint

            warnings.simplefilter("ignore", AmbientStateWarning)  # seeded on purpose
            np.random.seed(2024)


            @checkpoint
            def noise(n):
                return float(np.random.normal(size=n).sum())


            hit = noise.is_cached(5)
            print(hit, noise(5))
        """
        first, second = _keys_in_subprocess(tmp_path, script)
        assert first.startswith("False ")
        assert second == "True" + first[len("False") :]


# -- a walk never fails on foreign objects ------------------------------------------------


class TestDefensiveWalk:
    def test_function_without_module(self, fingerprints):
        """A function made by exec with ``__module__ = None`` (scipy does that) is walked."""
        source = """
            namespace = {}
            exec("def generated(x):\\n    return x + 1", namespace)
            generated = namespace["generated"]
            assert generated.__module__ is None


            def f(x):
                return generated(x)
        """
        (before, after), _ = fingerprints(source, source.replace("x + 1", "x + 2"))
        assert before.digest != after.digest

    def test_hostile_attributes(self, fingerprints):
        """``__module__``/``__wrapped__`` properties that raise: still a key."""
        source = """
            class Proxy:
                @property
                def __module__(self):
                    raise RuntimeError("no module")

                @property
                def __wrapped__(self):
                    raise RuntimeError("no wrapped")

                def __call__(self, x):
                    return x


            PROXY = Proxy()


            def f(x):
                return PROXY(x)
        """
        (fingerprint,), name = fingerprints(source)
        assert f"global:{name}:PROXY" in fingerprint.components

    def test_object_that_raises_on_every_attribute(self, fingerprints):
        """Not even ``__class__`` answers: identified by its type, with a warning."""
        source = """
            class Opaque:
                def __getattribute__(self, name):
                    raise RuntimeError(name)


            OPAQUE = Opaque()


            def f(x):
                return OPAQUE, x
        """
        with pytest.warns(IncompleteFingerprintWarning, match="OPAQUE"):
            (fingerprint,), name = fingerprints(source)
        assert f"global:{name}:OPAQUE" in fingerprint.components

    def test_the_call_still_returns_its_result(self, load_module, cache_dir):
        """Whatever the walk meets, the decorated function returns its result, cached."""
        module = load_module(
            textwrap.dedent(
                """
                class Opaque:
                    def __getattribute__(self, name):
                        raise RuntimeError(name)


                OPAQUE = Opaque()


                def f(x):
                    return x * 2 if OPAQUE is not None else 0
                """
            )
        )
        cached = checkpoint(module.f)
        with pytest.warns(IncompleteFingerprintWarning):
            assert 6 == cached(3)
        assert cached.is_cached(3)


def test_incidental_draw_left_out_with_ignore_code(fingerprints):
    """A random delay does not change the result: ``ignore_code=["random"]`` drops it."""
    source = """
        import random
        import time


        def f(x):
            time.sleep(random.random() * 0.001)
            return x * 2
    """
    with pytest.warns(AmbientStateWarning, match=r"ignore_code=\['random'\]"):
        (drawing,), _ = fingerprints(source)
    assert "ambient:random" in drawing.components
    (ignored,), _ = fingerprints(source, ignore_code=["random"])
    assert not any(c.startswith("ambient:") for c in ignored.components)
