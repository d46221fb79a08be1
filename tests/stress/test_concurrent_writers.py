"""Stress: several processes calling overlapping checkpointed calls (marked slow)."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import collections
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow

WORKER = """
import os
import random
import sys
import time

from checkpointing import checkpoint

LOG = sys.argv[1]
SEED = int(sys.argv[2])
CALLS = int(sys.argv[3])
KEYS = int(sys.argv[4])


@checkpoint(ignore_code=["random"])  # the jitter below does not change the result
def work(k):
    # One O_APPEND write per computation: atomic for a short line on POSIX.
    fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(fd, f"{os.getpid()} {k}\\n".encode())
    os.close(fd)
    time.sleep(random.random() * 0.01)
    return [k, k * k, "x" * (k % 7)]


rng = random.Random(SEED)
for _ in range(CALLS):
    k = rng.randrange(KEYS)
    value = work(k)
    assert value == [k, k * k, "x" * (k % 7)], (k, value)
print("OK", flush=True)
"""


def test_processes_compute_each_key_once(tmp_path):
    """4 processes x 200 calls over 40 overlapping keys: right values, one computation per key."""
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(WORKER))
    log = tmp_path / "computations.log"
    env = {**os.environ, "CHECKPOINTING_DIR": str(tmp_path / "cache")}
    processes = [
        subprocess.Popen(
            [sys.executable, str(script), str(log), str(seed), "200", "40"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in range(4)
    ]
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert 0 == process.returncode, err
        assert "OK" in out
        assert "Warning" not in err, err
    counts = collections.Counter(
        line.split()[1] for line in log.read_text().splitlines()
    )
    assert {str(k) for k in range(40)} >= set(counts)
    assert [] == [k for k, n in counts.items() if n != 1], counts
    leftovers = [p.name for p in (tmp_path / "cache").rglob("*.tmp")]
    assert [] == leftovers
