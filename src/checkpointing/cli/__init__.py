"""
The command line: ``checkpointing <command>`` or ``python -m checkpointing <command>``.

Commands: ``inspect`` (summary, or why the entries of a function were
computed), ``graph`` (what a fingerprint covers), ``list``, ``show``,
``clear``, ``prune`` and ``verify``. Everything works from the cache
directory alone: this package never imports the user's code. Summaries, lists
and pruning read the per-function catalogs (``_catalog.py``), so they stay fast
on caches of 100,000 entries; manifests are read only for what is displayed.

``--dir``, ``--json`` and ``--color`` go before or after the command (after it,
they win). Messages name the cache directory by its absolute path, and usage
lines name the program the way it was run.

Output is plain text when standard output is not a terminal, under
``NO_COLOR`` or with ``--color never``; otherwise colours and tables come from
``rich`` if it is installed (``pip install 'checkpointing[cli]'``), imported
only in ``_render.py`` and only then. ``--json`` gives machine-readable output
everywhere.

Exit codes follow click's convention: 0 success, 1 a handled error
(:class:`CheckpointingError`, or problems found by ``verify``), 2 a usage
error (argparse).

The package, bottom layer first (each module imports only those above it):

* ``_arguments``: option value types (counts, durations, sizes) and the
  signature commands register with.
* ``_render``: output: plain text, rich, JSON; formats of times and sizes.
* ``_select``: the cache directory from ``--dir``, targets, key prefixes,
  reading a manifest for display.
* ``_describe``: reasons, source diffs and unreadable entries in words.
* ``_cmd_<name>``: one module per command: its arguments (``add_command``)
  and what it does (``_<name>(args) -> int``).
* ``_parser``: the parser, the global options and the list of commands.
* ``__init__``: :func:`main`: parse, run, map errors to exit codes.

A new command goes in a new module ``_cmd_<name>.py`` with an
``add_command(add)`` that declares its arguments and ends with
``set_defaults(run=...)``, plus one line in ``_parser._COMMANDS``.

Commands reach the cache through the store's ``EntryStore`` protocol
only (no paths, no ``os``), so they work on every store; ``_select`` builds
the :class:`~checkpointing.Store` (``tests/test_cli_store_seam.py`` checks).

Imports: ``_errors`` and ``cli._parser``. The modules below it import
``_catalog``, ``_errors``, ``_explain``, ``_manifest``, ``_protocol`` and
``_store``, never ``_decorator`` or ``fingerprint``
(``tests/test_public_api.py`` follows the imports).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from checkpointing._errors import CheckpointingError

from ._parser import build_parser

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the command-line interface and return the process exit code.

    Args:
        argv: Arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        0 on success, 1 on a handled error; usage errors exit with 2.
    """
    parser = build_parser(_prog())
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    args.prog = parser.prog
    try:
        return int(args.run(args))
    except CheckpointingError as err:
        sys.stderr.write(f"checkpointing: error: {err}\n")
        return 1
    except BrokenPipeError:
        # ``inspect | head`` closed the pipe: stop quietly, as Unix tools do.
        # Point stdout at devnull so the interpreter's final flush cannot fail.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as err:  # a store that cannot be reached (a remote server)
        sys.stderr.write(f"checkpointing: error: {err}\n")
        return 1


def _prog() -> str:
    """
    Name the program as the user ran it, for usage lines and hints.

    Under ``python -m checkpointing``, ``sys.argv[0]`` is the full path of
    ``checkpointing/__main__.py``; otherwise it is the console script
    (``checkpointing``, ``checkpointing.exe``) or whatever program calls
    :func:`main`, named as argparse would name it. ``python -c`` and embedded
    interpreters leave nothing usable there: then it is ``checkpointing``.
    """
    argv0 = sys.argv[0] if sys.argv else ""
    path = Path(argv0)
    if path.name == "__main__.py" and path.parent.name == "checkpointing":
        return "python -m checkpointing"
    if not path.name or argv0.startswith("-"):
        return "checkpointing"
    return path.name
