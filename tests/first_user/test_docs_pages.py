"""
Run the Python examples of the README and the guides as a reader would.

A page's fenced blocks are read in order:

* a ```` ```python ```` block whose introducing line names a file
  (```` `features.py`: ```` or ```` `features.py`, your helpers: ````) is
  written to that file;
* every other ```` ```python ```` block is appended to the page's script;
* ```` ```python excerpt ```` blocks (abridged code shown for reading) must
  parse, but do not run;
* ```` ```pycon ```` blocks are doctests (``ELLIPSIS`` and
  ``NORMALIZE_WHITESPACE`` on), run in order in one interpreter session after
  the script; an HTML comment right before a block,
  ``<!-- doctest: new session; stats.py: 'old' -> 'new' -->``, edits a file
  and starts a new session first, as the prose tells the reader to;
* other tags (```` ```console ````, ```` ```text ````) are not run.

The script runs in a fresh working directory with ``python -W error``, no
``CHECKPOINTING_*`` variable and the default cache directory. If a page has no
loose blocks, its last file block is the script. Files named ``test_*.py`` are
then run with pytest, as the page tells its reader to. The examples
``assert`` what the prose claims, so a page that runs is a page that is right.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .harness import REPO, code_blocks, run_user, user_env

#: Page -> the optional libraries its examples import (skipped without them).
PAGES: dict[str, tuple[str, ...]] = {
    "README.md": (),
    "docs/tutorial.md": ("numpy",),
    "docs/cli.md": (),
    "docs/testing.md": (),
    "docs/migrating.md": ("numpy", "pandas"),
    "docs/formats.md": ("numpy", "pandas", "pyarrow"),
    "docs/keys.md": ("pandas",),
    "docs/refresh.md": (),
    "docs/lazy.md": ("numpy",),
    "docs/tiers.md": (),
}

#: The line that introduces a block written to a file: `name.py`: or `name.py`, ...:
_FILE_LINE = re.compile(r"^`(?P<name>[\w./-]+\.py)`[^`\n]*:\s*$")

# Worker processes started by an example (lazy.md) are forked where fork
# exists: a spawned worker would import the page script as its main module and
# run every other example again.
_PROLOGUE = """\
import multiprocessing as _multiprocessing

if "fork" in _multiprocessing.get_all_start_methods():
    _multiprocessing.set_start_method("fork")
del _multiprocessing
"""


def page_parts(text: str) -> tuple[dict[str, str], list[str], list[tuple[int, str]]]:
    """
    Split a page into files, script blocks and excerpts.

    Returns:
        ``(files, script_blocks, excerpts)``: file name -> code, the loose
        ``python`` blocks (each headed by a comment naming its line), and
        ``(line, code)`` of each ``python excerpt`` block.
    """
    lines = text.splitlines()
    files: dict[str, str] = {}
    script: list[str] = []
    excerpts: list[tuple[int, str]] = []
    for line, tag, code in code_blocks(text):
        words = tag.split()
        if not words or words[0] != "python":
            continue
        if words[1:] == ["excerpt"]:
            excerpts.append((line, code))
            continue
        introducing = next(
            (s.strip() for s in reversed(lines[: line - 1]) if s.strip()), ""
        )
        named = _FILE_LINE.match(introducing)
        if named:
            files[named["name"]] = code
        else:
            script.append(f"# ---- block at line {line} ----\n{code}")
    return files, script, excerpts


#: The directive before a pycon block: ``<!-- doctest: new session; f.py: 'a' -> 'b' -->``.
_DIRECTIVE = re.compile(r"^<!--\s*doctest:(?P<body>.*?)-->$")
_EDIT = re.compile(
    r"^(?P<file>[\w./-]+\.py):\s*(?P<old>'[^']*'|\"[^\"]*\")\s*->\s*"
    r"(?P<new>'[^']*'|\"[^\"]*\")$"
)


@dataclass
class Session:
    """Doctest blocks run in one interpreter, after the *edits* to files."""

    edits: list[tuple[str, str, str]] = field(default_factory=list)
    blocks: list[tuple[int, str]] = field(default_factory=list)


def pycon_sessions(text: str) -> list[Session]:
    """Group a page's ``pycon`` blocks into interpreter sessions (see the module doc)."""
    lines = text.splitlines()
    sessions = [Session()]
    for line, tag, code in code_blocks(text):
        if tag != "pycon":
            continue
        introducing = next(
            (s.strip() for s in reversed(lines[: line - 1]) if s.strip()), ""
        )
        directive = _DIRECTIVE.match(introducing)
        if directive:
            parts = [part.strip() for part in directive["body"].split(";")]
            assert parts[0] == "new session", f"line {line}: {introducing}"
            edits = []
            for part in parts[1:]:
                edit = _EDIT.match(part)
                assert edit, f"line {line}: cannot read the edit {part!r}"
                edits.append(
                    (
                        edit["file"],
                        ast.literal_eval(edit["old"]),
                        ast.literal_eval(edit["new"]),
                    )
                )
            sessions.append(Session(edits))
        sessions[-1].blocks.append((line, code))
    return [session for session in sessions if session.blocks]


#: Runs doctest blocks (JSON list of [line, code]) in one session; exit 1 on failure.
_DOCTEST_RUNNER = """\
import doctest, json, sys
flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
runner = doctest.DocTestRunner(optionflags=flags)
globs = {"__name__": "__main__"}
parser = doctest.DocTestParser()
for line, code in json.loads(sys.stdin.read()):
    test = parser.get_doctest(code, globs, f"block at line {line}", None, line)
    runner.run(test, clear_globs=False)
    globs = test.globs  # DocTest copies its globals: carry them to the next block
sys.exit(1 if runner.failures else 0)
"""


def test_pycon_sessions_follow_directives():
    """Blocks share a session until a directive edits a file and starts a new one."""
    text = (
        "```pycon\n>>> 1\n1\n```\n"
        "```pycon\n>>> 2\n2\n```\n"
        "<!-- doctest: new session; m.py: 'a = 1' -> \"a = 2\" -->\n"
        "```pycon\n>>> 3\n3\n```\n"
    )
    first, second = pycon_sessions(text)
    assert first == Session([], [(1, ">>> 1\n1\n"), (5, ">>> 2\n2\n")])
    assert second == Session([("m.py", "a = 1", "a = 2")], [(10, ">>> 3\n3\n")])


def test_page_parts_splits_files_script_and_excerpts():
    """The parser sees file blocks, loose blocks, excerpts, and ignores other tags."""
    text = (
        "`helpers.py`, the helpers:\n\n"
        "```python\ndef f():\n    return 1\n```\n"
        "Run:\n\n"
        "```python\nimport helpers\n```\n"
        "```python excerpt\ndef g(): ...\n```\n"
        "```text\noutput\n```\n"
        "  ```python\n  x = 1\n  ```\n"
    )
    files, script, excerpts = page_parts(text)
    assert files == {"helpers.py": "def f():\n    return 1\n"}
    assert script == [
        "# ---- block at line 9 ----\nimport helpers\n",
        "# ---- block at line 18 ----\nx = 1\n",
    ]
    assert excerpts == [(12, "def g(): ...\n")]


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_fence_has_a_tag(page: str):
    """An untagged fence would be skipped silently: say python, text or console."""
    path = REPO / page
    if not path.exists():
        pytest.skip(f"{page} does not exist")
    untagged = [
        line for line, tag, _ in code_blocks(path.read_text("utf-8")) if not tag
    ]
    assert untagged == [], f"{page}: untagged code fences at lines {untagged}"


@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_examples_run(page: str, tmp_path: Path):
    """The page's python blocks run in order, in a fresh directory, as a reader runs them."""
    path = REPO / page
    if not path.exists():
        pytest.skip(f"{page} does not exist")
    for module in PAGES[page]:
        pytest.importorskip(module)
    files, script, excerpts = page_parts(path.read_text("utf-8"))
    for line, code in excerpts:
        try:
            ast.parse(code)
        except SyntaxError as err:
            pytest.fail(f"{page}: the excerpt at line {line} does not parse: {err}")
    sessions = pycon_sessions(path.read_text("utf-8"))
    if not files and not script and not sessions:
        pytest.skip(f"{page} has no python or pycon blocks")
    work = tmp_path / "work"
    work.mkdir()
    for name, code in files.items():
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code, encoding="utf-8")
    if script:
        main = work / f"page_{path.stem}.py"
        main.write_text(_PROLOGUE + "\n".join(script), encoding="utf-8")
    else:
        main = work / list(files)[-1]
    done = run_user([main.name], cwd=work, check=False)
    assert done.returncode == 0, (
        f"{page}: examples failed (exit code {done.returncode}); the script is {main}\n"
        f"--- stderr ---\n{done.stderr}\n--- stdout ---\n{done.stdout}"
    )
    for name in files:
        if Path(name).name.startswith("test_"):
            run_user(["-m", "pytest", "-q", "-p", "no:cacheprovider", name], cwd=work)
    for session in sessions:
        for name, old, new in session.edits:
            target = work / name
            text = target.read_text("utf-8")
            assert text.count(old) == 1, f"{page}: {old!r} must occur once in {name}"
            target.write_text(text.replace(old, new), encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-W", "error", "-c", _DOCTEST_RUNNER],
            input=json.dumps(session.blocks),
            cwd=work,
            env=user_env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, (
            f"{page}: a pycon example does not show what runs\n"
            f"--- stdout ---\n{done.stdout}\n--- stderr ---\n{done.stderr}"
        )
