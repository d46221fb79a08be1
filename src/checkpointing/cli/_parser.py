"""
The argparse parser: the program, the options every command takes, the commands.

``--dir``, ``--json`` and ``--color`` are declared here, on the main parser
and on each command; each command declares its own arguments in its module
(``add_command``) and is registered by one line in :data:`_COMMANDS`. It
changes when a command is added or the global options change.

Imports: ``cli._arguments`` and the command modules (``cli._cmd_*``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Final

from . import (
    _cmd_clear,
    _cmd_graph,
    _cmd_inspect,
    _cmd_list,
    _cmd_prune,
    _cmd_show,
    _cmd_verify,
)
from ._arguments import AddCommand, storage_option

#: Every command, in the order ``--help`` lists them. A new command is a new
#: ``_cmd_<name>.py`` module with an ``add_command(add)`` and its line here.
_COMMANDS: Final[tuple[Callable[[AddCommand], None], ...]] = (
    _cmd_inspect.add_command,
    _cmd_graph.add_command,
    _cmd_list.add_command,
    _cmd_show.add_command,
    _cmd_clear.add_command,
    _cmd_prune.add_command,
    _cmd_verify.add_command,
)


def build_parser(prog: str = "checkpointing") -> argparse.ArgumentParser:
    """
    Build the parser: global options, then every command of :data:`_COMMANDS`.

    Args:
        prog: The program's name in usage lines and hints.

    Returns:
        The parser; a parsed command's namespace has ``run(args) -> int`` and
        ``parser`` (the command's own parser, for its usage errors).
    """
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Inspect and manage a checkpointing cache directory "
        "(never imports your code).",
        epilog="--dir, --json and --color go before or after the command; "
        "given in both places, the one after the command wins.",
    )
    _add_common_options(parser, top_level=True)
    commands = parser.add_subparsers(title="commands")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _add_common_options(sub, top_level=False)
        sub.set_defaults(parser=sub)
        return sub

    for add_command in _COMMANDS:
        add_command(add)
    return parser


def _add_common_options(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    """
    Add ``--dir``, ``--json`` and ``--color`` to the main parser or a command.

    Each is accepted before the command (``checkpointing --dir X inspect``)
    and after it. argparse parses a command's options into a fresh namespace
    and copies every attribute over the main parser's, defaults included: the
    command's copies default to ``SUPPRESS`` (nothing set unless given), so an
    option given before the command survives, and one given after it wins.
    """
    parser.add_argument(
        "--dir",
        dest="directory",
        metavar="DIRECTORY",
        default=None if top_level else argparse.SUPPRESS,
        help="cache directory or fsspec URL such as s3://bucket/prefix "
        "(default: $CHECKPOINTING_DIR, else ./.checkpointing)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="machine-readable output",
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto" if top_level else argparse.SUPPRESS,
        help="colours and tables (auto: on a terminal without NO_COLOR, "
        "if rich is installed)",
    )
    parser.add_argument(
        "--storage-option",
        dest="storage_options",
        metavar="NAME=VALUE",
        action="append",
        type=storage_option,
        default=[] if top_level else argparse.SUPPRESS,
        help="an option of the fsspec backend of a URL --dir, e.g. "
        "endpoint_url=http://localhost:9000 (VALUE is read as JSON if it parses: "
        "anon=true); repeatable. Credentials: prefer the environment",
    )
