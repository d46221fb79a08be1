"""
Run the Python examples of the README and of every page under ``docs/`` as a reader would.

The pages are found, not listed: ``README.md`` and every ``docs/*.md``. A new
page is covered the day it is added. :data:`REQUIRES` names only the optional
libraries a page's examples import; the page is skipped when one is missing,
and a key naming a page that no longer exists fails.

A page's fenced blocks are read in order:

* a ```` ```python ```` block whose introducing line (the last non-blank line
  before the fence) names a file (```` `features.py`: ```` or
  ```` `features.py`, your helpers: ````) is written to that file;
* every other ```` ```python ```` block is appended to the page's script;
* ```` ```pycon ```` blocks are doctests (``ELLIPSIS`` and
  ``NORMALIZE_WHITESPACE`` on), run in order in one interpreter session after
  the script; an HTML comment introducing a block,
  ``<!-- doctest: new session; stats.py: 'old' -> 'new' -->``, edits a file
  and starts a new session first, as the prose tells the reader to;
* a ```` ```python ```` or ```` ```pycon ```` block introduced by
  ``<!-- not run: REASON -->`` is shown, not run (a signature, code abridged
  from a file that runs elsewhere, an excerpt of the library's internals). The
  reason is required: a marker without one fails, and so does a marker that
  introduces no python or pycon block. The code must still parse. Everything
  that shows behaviour runs, and asserts what the prose claims;
* ```` ```console ````, ```` ```text ```` (outputs), ```` ```diff ````,
  ```` ```json ```` and ```` ```toml ```` blocks are not run.

An info string is one of those words alone, so that GitHub highlights every
block and nothing is left out silently: an untagged fence, an unknown tag, or
extra words (the former ```` ```python excerpt ````) fail.

The script runs in a fresh working directory with ``python -W error``, no
``CHECKPOINTING_*`` variable and the default cache directory. If a page has no
loose blocks, its last file block is the script. Files named ``test_*.py`` are
then run with pytest, as the page tells its reader to. A page without python
or pycon blocks (the glossary, the changelog) passes: it has nothing to run,
and its fences are still checked. The examples ``assert`` what the prose
claims, so a page that runs is a page that is right.
"""

from __future__ import annotations

import ast
import doctest
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .harness import REPO, code_blocks, run_user, user_env

#: Every page a reader may open: the README and the pages under docs/.
PAGES: list[str] = [
    "README.md",
    *sorted(f"docs/{path.name}" for path in (REPO / "docs").glob("*.md")),
]

#: Page -> the optional libraries its examples import (skipped without them).
#: Only pages that need one are listed; a listed page must exist.
REQUIRES: dict[str, tuple[str, ...]] = {
    "docs/distributed.md": ("distributed",),
    "docs/formats.md": ("numpy", "pandas", "pyarrow"),
    "docs/how-it-works.md": ("numpy",),
    "docs/keys.md": ("pandas",),
    "docs/lazy.md": ("numpy",),
    "docs/migrating.md": ("numpy", "pandas"),
    "docs/tutorial.md": ("numpy",),
}

#: The info strings a fence may have; only python and pycon blocks run.
KNOWN_TAGS = frozenset({"python", "pycon", "console", "text", "diff", "json", "toml"})

#: The line that introduces a block written to a file: `name.py`: or `name.py`, ...:
_FILE_LINE = re.compile(r"^`(?P<name>[\w./-]+\.py)`[^`\n]*:\s*$")

#: The line that introduces a block shown but not run: <!-- not run: REASON -->.
_NOT_RUN = re.compile(r"^<!--\s*not run:(?P<reason>.*?)-->$")

#: Anything that looks like a not-run marker (to catch one without a reason).
_NOT_RUN_LIKE = re.compile(r"^<!--\s*not[\s_-]*run\b", re.IGNORECASE)

# Worker processes started by an example (lazy.md) are forked where fork
# exists: a spawned worker would import the page script as its main module and
# run every other example again.
_PROLOGUE = """\
import multiprocessing as _multiprocessing

if "fork" in _multiprocessing.get_all_start_methods():
    _multiprocessing.set_start_method("fork")
del _multiprocessing
"""


def introducing_line(lines: list[str], line: int) -> tuple[int, str]:
    """Return ``(line number, stripped text)`` of the last non-blank line before *line*."""
    for number in range(line - 1, 0, -1):
        if lines[number - 1].strip():
            return number, lines[number - 1].strip()
    return 0, ""


def _runs(tag: str, introducing: str) -> bool:
    """Whether a block with this tag and introducing line is run."""
    return tag in ("python", "pycon") and not _NOT_RUN_LIKE.match(introducing)


def page_parts(text: str) -> tuple[dict[str, str], list[str], list[tuple[int, str]]]:
    """
    Split a page's python blocks into files, script blocks and blocks not run.

    Returns:
        ``(files, script_blocks, not_run)``: file name -> code, the loose
        ``python`` blocks (each headed by a comment naming its line), and
        ``(line, code)`` of each ``python`` block shown but not run.
    """
    lines = text.splitlines()
    files: dict[str, str] = {}
    script: list[str] = []
    not_run: list[tuple[int, str]] = []
    for line, tag, code in code_blocks(text):
        if tag != "python":
            continue
        introducing = introducing_line(lines, line)[1]
        if not _runs(tag, introducing):
            not_run.append((line, code))
            continue
        named = _FILE_LINE.match(introducing)
        if named:
            files[named["name"]] = code
        else:
            script.append(f"# ---- block at line {line} ----\n{code}")
    return files, script, not_run


def not_run_blocks(text: str) -> list[tuple[int, str, str]]:
    """Return ``(line, tag, reason)`` of each python or pycon block shown but not run."""
    lines = text.splitlines()
    shown = []
    for line, tag, _ in code_blocks(text):
        introducing = introducing_line(lines, line)[1]
        marker = _NOT_RUN.match(introducing)
        if tag in ("python", "pycon") and marker:
            shown.append((line, tag, marker["reason"].strip()))
    return shown


def _parse_problem(tag: str, code: str) -> str | None:
    """Why *code* (a python block, or a pycon block's examples) does not parse."""
    sources = (
        [code]
        if tag == "python"
        else [example.source for example in doctest.DocTestParser().get_examples(code)]
    )
    for source in sources:
        try:
            ast.parse(source)
        except SyntaxError as err:
            return f"does not parse: {err}"
    return None


def page_problems(text: str) -> list[str]:
    """Return every break of the fence conventions of the module docstring."""
    lines = text.splitlines()
    problems = []
    introduced = set()
    for line, tag, code in code_blocks(text):
        number, introducing = introducing_line(lines, line)
        if not tag:
            problems.append(f"line {line}: untagged fence (say python, text, ...)")
        elif tag not in KNOWN_TAGS:
            problems.append(
                f"line {line}: info string {tag!r} is not one of {sorted(KNOWN_TAGS)}"
                + (
                    "; to show code without running it, put"
                    " <!-- not run: REASON --> right before a plain fence"
                    if tag.split()[0] in ("python", "pycon")
                    else ""
                )
            )
        if not _NOT_RUN_LIKE.match(introducing):
            continue
        introduced.add(number)
        marker = _NOT_RUN.match(introducing)
        if tag not in ("python", "pycon"):
            problems.append(
                f"line {number}: a not-run marker introduces a {tag or 'untagged'}"
                " block; only python and pycon blocks run"
            )
        elif not marker or not marker["reason"].strip():
            problems.append(
                f"line {number}: say why the block is not run:"
                f" <!-- not run: REASON -->, not {introducing}"
            )
        else:
            problem = _parse_problem(tag, code)
            if problem:
                problems.append(f"line {line}: the {tag} block not run {problem}")
    for number, text_line in enumerate(lines, start=1):
        if _NOT_RUN_LIKE.match(text_line.strip()) and number not in introduced:
            problems.append(
                f"line {number}: a not-run marker must come right before"
                " a python or pycon fence"
            )
    return problems


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
    """Group a page's ``pycon`` blocks that run into interpreter sessions (see the module doc)."""
    lines = text.splitlines()
    sessions = [Session()]
    for line, tag, code in code_blocks(text):
        introducing = introducing_line(lines, line)[1]
        if tag != "pycon" or not _runs(tag, introducing):
            continue
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


def test_pages_are_found():
    """The glob sees the README and the guides, and REQUIRES names only pages that exist."""
    assert "README.md" in PAGES
    assert "docs/tutorial.md" in PAGES, PAGES
    gone = sorted(set(REQUIRES) - set(PAGES))
    assert gone == [], f"REQUIRES names pages that do not exist: {gone}"


def test_pycon_sessions_follow_directives():
    """Blocks share a session until a directive edits a file and starts a new one."""
    text = (
        "```pycon\n>>> 1\n1\n```\n"
        "```pycon\n>>> 2\n2\n```\n"
        "<!-- doctest: new session; m.py: 'a = 1' -> \"a = 2\" -->\n"
        "```pycon\n>>> 3\n3\n```\n"
        "<!-- not run: shown only -->\n"
        "```pycon\n>>> 4\n5\n```\n"
    )
    first, second = pycon_sessions(text)
    assert first == Session([], [(1, ">>> 1\n1\n"), (5, ">>> 2\n2\n")])
    assert second == Session([("m.py", "a = 1", "a = 2")], [(10, ">>> 3\n3\n")])


def test_page_parts_splits_files_script_and_not_run_blocks():
    """The parser sees file blocks, loose blocks and blocks not run; other tags are ignored."""
    text = (
        "`helpers.py`, the helpers:\n\n"
        "```python\ndef f():\n    return 1\n```\n"
        "Run:\n\n"
        "```python\nimport helpers\n```\n"
        "<!-- not run: signature only -->\n"
        "```python\ndef g(): ...\n```\n"
        "```text\noutput\n```\n"
        "  ```python\n  x = 1\n  ```\n"
    )
    files, script, not_run = page_parts(text)
    assert files == {"helpers.py": "def f():\n    return 1\n"}
    assert script == [
        "# ---- block at line 9 ----\nimport helpers\n",
        "# ---- block at line 19 ----\nx = 1\n",
    ]
    assert not_run == [(13, "def g(): ...\n")]
    assert not_run_blocks(text) == [(13, "python", "signature only")]
    assert page_problems(text) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("```\nx = 1\n```\n", "line 1: untagged fence"),
        ("```py\nx = 1\n```\n", "line 1: info string 'py' is not one of"),
        ("```python excerpt\nx(...)\n```\n", "put <!-- not run: REASON -->"),
        ("<!-- not run -->\n```python\nx\n```\n", "line 1: say why"),
        ("<!-- not run: -->\n```python\nx\n```\n", "line 1: say why"),
        ("<!-- not run: why -->\n```text\nx\n```\n", "introduces a text block"),
        ("<!-- not run: sig -->\n```python\nf(*, a)\n```\n", "does not parse"),
        ("<!-- not run: sig -->\n```pycon\n>>> f(*, a)\n```\n", "does not parse"),
        ("<!-- not run: why -->\n\nProse.\n```python\nx\n```\n", "right before"),
    ],
)
def test_page_problems_name_each_break_of_the_conventions(text: str, problem: str):
    """A block that would be left out silently, or a marker without a reason, is a failure."""
    problems = page_problems(text)
    assert any(problem in found for found in problems), problems


@pytest.mark.parametrize("page", PAGES)
def test_page_follows_the_conventions(page: str):
    """Every fence has a known tag; a block not run says why, and parses."""
    problems = page_problems((REPO / page).read_text("utf-8"))
    assert problems == [], f"{page}:\n" + "\n".join(problems)


@pytest.mark.parametrize("page", PAGES)
def test_page_examples_run(page: str, tmp_path: Path):
    """The page's python blocks run in order, in a fresh directory, as a reader runs them."""
    path = REPO / page
    text = path.read_text("utf-8")
    files, script, _ = page_parts(text)
    sessions = pycon_sessions(text)
    if not files and not script and not sessions:
        return  # nothing to run (see the module docstring); the fences are checked
    for module in REQUIRES.get(page, ()):
        pytest.importorskip(module)
    work = tmp_path / "work"
    work.mkdir()
    for name, code in files.items():
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code, encoding="utf-8")
    if script:
        main = f"page_{path.stem.replace('-', '_')}.py"
        (work / main).write_text(_PROLOGUE + "\n".join(script), encoding="utf-8")
    else:
        main = list(files)[-1]
    done = run_user([main], cwd=work, check=False)
    assert done.returncode == 0, (
        f"{page}: examples failed (exit code {done.returncode}); the script is {work / main}\n"
        f"--- stderr ---\n{done.stderr}\n--- stdout ---\n{done.stdout}"
    )
    for name in files:
        if Path(name).name.startswith("test_"):
            run_user(["-m", "pytest", "-q", "-p", "no:cacheprovider", name], cwd=work)
    for session in sessions:
        for name, old, new in session.edits:
            target = work / name
            content = target.read_text("utf-8")
            assert content.count(old) == 1, f"{page}: {old!r} must occur once in {name}"
            target.write_text(content.replace(old, new), encoding="utf-8")
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
