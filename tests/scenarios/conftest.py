"""Keep pytest out of the scenario projects: they run only as subprocesses."""

from __future__ import annotations

# The case projects hold modules such as ``main.py`` and ``helpers.py`` that
# must never be imported into the test process (``--doctest-modules`` or a
# file named ``test_*.py`` in a case would otherwise collect them).
collect_ignore_glob = ["cases/*"]
