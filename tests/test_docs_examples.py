"""
Run the Python examples of the user guides, so the docs stay true.

Every block fenced as ```` ```python ```` in the pages below runs, in page
order, as one script in a fresh interpreter: current directory and
``CHECKPOINTING_DIR`` in a temporary directory, other ``CHECKPOINTING_*``
variables removed, and ``-W error``, so an unexpected warning fails the page.
Blocks that must not run (shell commands, output listings) use another tag
(```` ```text ````, ```` ```console ````). The examples ``assert`` what the
prose claims, so a page that runs is a page that is right.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"

#: Page -> the optional libraries its examples import (the page is skipped
#: without them). tiers.md is maintained separately and runs if it exists.
PAGES: dict[str, tuple[str, ...]] = {
    "formats.md": ("numpy", "pandas", "pyarrow"),
    "keys.md": ("pandas",),
    "refresh.md": (),
    "lazy.md": ("numpy",),
    "tiers.md": (),
}

#: Seconds one page may take.
TIMEOUT_SECONDS = 120

#: A fenced code block: opening fence (any indent, 3+ backticks, a tag), body,
#: and the closing fence with the same indent and backticks.
_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,})(?P<tag>[^\n`]*)\n"
    r"(?P<body>.*?)"
    r"^(?P=indent)(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)

# Worker processes started by an example (lazy.md) are forked where fork
# exists, as on Linux up to Python 3.13: a spawned worker would import the
# page script as its main module and run every other example again.
_PROLOGUE = """\
import multiprocessing as _multiprocessing

if "fork" in _multiprocessing.get_all_start_methods():
    _multiprocessing.set_start_method("fork")
del _multiprocessing
"""


def code_blocks(text: str) -> list[tuple[int, str, str]]:
    """Return ``(line number, tag, code)`` for each fenced block of *text*."""
    return [
        (
            text.count("\n", 0, match.start()) + 1,
            match["tag"].strip(),
            textwrap.dedent(match["body"]),
        )
        for match in _FENCE.finditer(text)
    ]


def page_script(page: str, text: str) -> str:
    """The page's ```` ```python ```` blocks as one script, each marked with its line."""
    parts = [_PROLOGUE]
    for line, tag, code in code_blocks(text):
        if tag == "python":
            parts.append(f"# ---- docs/{page}, block at line {line} ----\n{code}")
    return "\n".join(parts)


def test_code_blocks_finds_tagged_and_indented_fences():
    """The block parser sees tags, line numbers and indented fences."""
    text = (
        "Intro\n"
        "```python\nx = 1\n```\n"
        "- item\n"
        "  ```text\n  output\n  ```\n"
        "````python\n```text\nnested\n```\n````\n"
    )
    assert code_blocks(text) == [
        (2, "python", "x = 1\n"),
        (6, "text", "output\n"),
        (9, "python", "```text\nnested\n```\n"),
    ]


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_fence_has_a_tag(page):
    """An untagged fence would be skipped silently: say python, text or console."""
    path = DOCS / page
    if not path.exists():
        pytest.skip(f"docs/{page} does not exist")
    untagged = [
        line for line, tag, _ in code_blocks(path.read_text("utf-8")) if not tag
    ]
    assert untagged == [], f"docs/{page}: untagged code fences at lines {untagged}"


@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_examples_run(page, tmp_path):
    """The page's python blocks run, in order, in one fresh interpreter."""
    path = DOCS / page
    if not path.exists():
        pytest.skip(f"docs/{page} does not exist")
    for module in PAGES[page]:
        pytest.importorskip(module)
    text = path.read_text("utf-8")
    if not any(tag == "python" for _, tag, _ in code_blocks(text)):
        pytest.skip(f"docs/{page} has no python blocks")
    script = tmp_path / f"docs_{page.removesuffix('.md')}.py"
    script.write_text(page_script(page, text), encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("CHECKPOINTING_")
    }
    env["CHECKPOINTING_DIR"] = str(tmp_path / "cache")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    done = subprocess.run(
        [sys.executable, "-W", "error", str(script)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, (
        f"docs/{page}: examples failed (exit code {done.returncode}); "
        f"the script is {script}\n"
        f"--- stderr ---\n{done.stderr}\n--- stdout ---\n{done.stdout}"
    )
