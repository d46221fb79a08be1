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

from checkpointing import FingerprintError, IncompleteFingerprintWarning
from checkpointing._fingerprint import Fingerprint, fingerprint_function

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
        (fingerprint,), _ = fingerprints(source)
        expected = {"docstring", "package:cloudpickle", "python", "signature", "source"}
        assert expected == set(fingerprint.components)
        package = fingerprint.components["package:cloudpickle"]
        assert importlib.metadata.version("cloudpickle") == package.summary
        assert "package" == package.kind

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
