"""
Inputs read from outside the program (issue 12, blind spots closed).

Environment variables read by a constant name and files opened for reading by a
constant path are re-read into the key on every call; reads by a computed name
or path are warned about by name; paths that arrive as parameters are not
(docs/limitations.md, "Files named by an argument").
"""

from __future__ import annotations

import ast
import os
import textwrap
import warnings

import pytest

from checkpointing import IncompleteFingerprintWarning
from checkpointing._reads import NO_READS, ambient_reads


def _reads(source: str):
    tree = ast.parse(textwrap.dedent(source))
    [function] = tree.body
    return ambient_reads(function)


@pytest.mark.parametrize(
    ("source", "environment"),
    [
        ("def f():\n    return os.environ['A']", ("A",)),
        ("def f():\n    return os.environ.get('A', '1')", ("A",)),
        ("def f():\n    return os.getenv('A')", ("A",)),
        ("def f():\n    return getenv('A')", ("A",)),
        (
            "def f():\n    return environ['A'] + environ.setdefault('B', 'x')",
            ("A", "B"),
        ),
        ("def f():\n    return 'A' in os.environ", ("A",)),
    ],
)
def test_environment_reads_by_constant_name(source, environment):
    assert environment == _reads(source).environment


@pytest.mark.parametrize(
    ("source", "files"),
    [
        ("def f():\n    return open('a.csv').read()", ("a.csv",)),
        ("def f():\n    return open('a.csv', 'rb').read()", ("a.csv",)),
        ("def f():\n    return Path('p.json').read_text()", ("p.json",)),
        ("def f():\n    return pathlib.Path('p.json').read_bytes()", ("p.json",)),
        ("def f():\n    return np.loadtxt('x.txt')", ("x.txt",)),
        ("def f():\n    return pd.read_csv('x.csv')", ("x.csv",)),
        ("def f():\n    return pl.read_parquet('x.parquet')", ("x.parquet",)),
        ("def f():\n    return open(Path('a.csv'))", ("a.csv",)),
    ],
)
def test_file_reads_by_constant_path(source, files):
    assert files == _reads(source).files


@pytest.mark.parametrize(
    "source",
    [
        "def f(x):\n    open('out.csv', 'w').write(x)",  # writes are not inputs
        "def f(x):\n    open('log.txt', mode='a').write(x)",
        "def f(x):\n    Path('out.txt').write_text(x)",
        "def f(x):\n    df.to_csv('out.csv')",
        "def f(d):\n    return d.get('A')",  # not os.environ
        "@decorate(open('config.txt'))\ndef f():\n    return 1",  # the decorator runs elsewhere
    ],
)
def test_not_reads(source):
    assert _reads(source) == NO_READS


def test_computed_reads_are_named():
    reads = _reads(
        """
        def f(name):
            a = os.environ[name]
            b = open(f"{ROOT}/a.csv").read()
            c = PARAMS.read_text()
            return a, b, c
        """
    )
    assert ("os.environ[name]", "name") in reads.computed
    assert ("open(f'{ROOT}/a.csv')", "f'{ROOT}/a.csv'") in reads.computed
    assert ("PARAMS.read_text()", "PARAMS") in reads.computed


def test_environment_variable_set_between_calls(
    load_module, checkpoint_dir, monkeypatch
):
    """os.environ changed in the process between two calls: the second reruns."""
    monkeypatch.setenv("CKPT_TEST_SCALE", "2")
    module = load_module(
        textwrap.dedent(
            """
            import os

            from checkpointing import checkpoint

            RUNS = []


            @checkpoint
            def step(x):
                RUNS.append(x)
                return x * int(os.environ["CKPT_TEST_SCALE"])
            """
        )
    )
    assert module.step(3) == 6
    assert module.step(3) == 6  # control: unchanged, a hit
    monkeypatch.setenv("CKPT_TEST_SCALE", "5")
    assert module.step(3) == 15
    monkeypatch.delenv("CKPT_TEST_SCALE")
    with pytest.raises(KeyError):
        module.step(3)  # unset is a value too: computed, and it raises
    assert module.RUNS == [3, 3, 3]


def test_file_rewritten_between_calls(
    load_module, checkpoint_dir, tmp_path, monkeypatch
):
    """A constant-path file edited between calls reruns; the same bytes again hit."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "factor.txt").write_text("2", encoding="utf-8")
    module = load_module(
        textwrap.dedent(
            """
            from pathlib import Path

            from checkpointing import checkpoint

            RUNS = []
            FACTOR_FILE = Path("factor.txt")


            @checkpoint
            def step(x):
                RUNS.append(x)
                return x * int(FACTOR_FILE.read_text())
            """
        )
    )
    assert module.step(3) == 6
    (tmp_path / "factor.txt").write_text("7", encoding="utf-8")
    assert module.step(3) == 21
    (tmp_path / "factor.txt").write_text("2", encoding="utf-8")
    assert module.step(3) == 6  # the first entry again
    assert module.RUNS == [3, 3]


def test_path_of_constants_and_globals_is_keyed(load_module, checkpoint_dir, tmp_path):
    """open(ROOT + "/a.csv") with ROOT a global: evaluated, keyed, no warning."""
    (tmp_path / "a.csv").write_text("1", encoding="utf-8")
    module = load_module(
        textwrap.dedent(
            f"""
            from checkpointing import checkpoint

            ROOT = {str(tmp_path)!r}
            RUNS = []


            @checkpoint
            def step(x):
                RUNS.append(x)
                with open(ROOT + "/a.csv") as f:
                    return x + int(f.read())
            """
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert module.step(1) == 2
        (tmp_path / "a.csv").write_text("5", encoding="utf-8")
        assert module.step(1) == 6
    assert module.RUNS == [1, 1]


def test_computed_path_warns_once_by_name(load_module, checkpoint_dir, tmp_path):
    (tmp_path / "a.csv").write_text("1", encoding="utf-8")
    module = load_module(
        textwrap.dedent(
            f"""
            from checkpointing import checkpoint

            ROOT = {str(tmp_path)!r}
            NAMES = ["a.csv"]


            @checkpoint
            def step(x):
                with open(ROOT + "/" + NAMES[x]) as f:
                    return x + int(f.read())
            """
        )
    )
    with pytest.warns(IncompleteFingerprintWarning, match=r"reads open\(ROOT \+ '/'"):
        assert module.step(0) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert module.step(0) == 1  # once per process


def test_path_parameter_is_not_warned(load_module, checkpoint_dir, tmp_path):
    """def load(path): open(path): the path's text is the argument; no warning."""
    (tmp_path / "a.txt").write_text("4", encoding="utf-8")
    module = load_module(
        textwrap.dedent(
            """
            from checkpointing import checkpoint


            @checkpoint
            def load(path):
                with open(path) as f:
                    return int(f.read())
            """
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert module.load(str(tmp_path / "a.txt")) == 4


def test_ignore_code_leaves_a_variable_out(load_module, checkpoint_dir, monkeypatch):
    monkeypatch.setenv("CKPT_TEST_VERBOSE", "0")
    module = load_module(
        textwrap.dedent(
            """
            import os

            from checkpointing import checkpoint

            RUNS = []


            @checkpoint(ignore_code=["env:CKPT_TEST_VERBOSE"])
            def step(x):
                RUNS.append(os.environ.get("CKPT_TEST_VERBOSE"))
                return x
            """
        )
    )
    module.step(1)
    monkeypatch.setenv("CKPT_TEST_VERBOSE", "1")
    module.step(1)
    assert module.RUNS == ["0"]
    assert os.environ["CKPT_TEST_VERBOSE"] == "1"
