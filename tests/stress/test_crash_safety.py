"""Stress: writers killed with SIGKILL at random moments (marked slow)."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import time

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)"),
]

PROGRAM = """
import sys

from checkpointing import checkpoint

SIZE = 6 * 1024 * 1024  # large enough that kills land inside writes


@checkpoint
def big(i):
    return bytes([i % 251]) * SIZE + i.to_bytes(4, "little")


def expected(i):
    return bytes([i % 251]) * SIZE + i.to_bytes(4, "little")


if sys.argv[1] == "write":
    for i in range(int(sys.argv[2]), int(sys.argv[3])):
        big(i)
    print("DONE", flush=True)
else:  # check: every stored entry loads back exactly, nothing else
    found = 0
    for i in range(int(sys.argv[3])):
        if big.is_cached(i):
            found += 1
            assert big(i) == expected(i), i
    print("FOUND", found, flush=True)
"""


def _run(script, *args, env):
    return subprocess.run(
        [sys.executable, str(script), *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _entry_files(cache):
    """Every entry file in the store (temp files end in ``.tmp``, not ``.ckpt``)."""
    return [p for p in cache.rglob("*.ckpt") if ".quarantine" not in p.parts]


def test_kill_9_loop_never_corrupts(tmp_path):
    """15 writers killed mid-write: every entry reads back exactly; temp files are reclaimed."""
    script = tmp_path / "program.py"
    script.write_text(textwrap.dedent(PROGRAM))
    cache = tmp_path / "cache"
    env = {**os.environ, "CHECKPOINTING_DIR": str(cache)}
    rng = random.Random(1234)
    start = 0
    killed = 0
    found_before = 0
    for _ in range(15):
        writer = subprocess.Popen(
            [sys.executable, str(script), "write", str(start), str(start + 40)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.15, 0.6))
        writer.send_signal(signal.SIGKILL)
        if -signal.SIGKILL == writer.wait(timeout=60):
            killed += 1  # killed before it finished its 40 writes
        start += 3  # overlap: later writers revisit keys the killed ones touched
        check = _run(script, "check", 0, start + 40, env=env)
        assert 0 == check.returncode, check.stderr
        assert "Warning" not in check.stderr, check.stderr
        # FOUND n: the number of keys whose entry is complete and loads back.
        match = re.search(r"^FOUND (\d+)$", check.stdout, re.MULTILINE)
        assert match is not None, check.stdout
        found = int(match.group(1))
        # Every entry file on disk is a complete one (renamed into place whole):
        # a prefix left by a killed writer would be a file that does not load.
        assert len(_entry_files(cache)) == found, check.stdout
        # Complete entries are never lost to a later writer's death.
        assert found >= found_before
        found_before = found
    # Later writers find most of their keys stored and may finish before the
    # kill; some must not have (they ran until SIGKILL).
    assert killed >= 1
    assert found_before > 0  # and writers did store entries between kills
    # A normal writer run reclaims the temp files that killed writers left behind.
    final = _run(script, "write", 10_000, 10_001, env=env)  # a new key: it writes
    assert 0 == final.returncode, final.stderr
    leftovers = sorted(p.name for p in cache.rglob("*.tmp"))
    assert [] == leftovers
