"""
``clear``: delete the entries of a function, of a key prefix, or (``--yes``) all.

Imports: ``_errors``, and ``cli._arguments``, ``cli._render``, ``cli._select``.
"""

from __future__ import annotations

import argparse

from checkpointing._errors import ConfigurationError

from ._arguments import AddCommand
from ._render import _output, _plural, _print_json
from ._select import _TARGET_HELP, _resolve, _select


def add_command(add: AddCommand) -> None:
    """Declare ``clear`` and its options."""
    clear_cmd = add(
        "clear", "Delete the entries of a function, a key prefix, or everything."
    )
    clear_cmd.add_argument(
        "target", nargs="?", default=None, help=f"only {_TARGET_HELP}"
    )
    clear_cmd.add_argument(
        "--yes", action="store_true", help="required to clear everything"
    )
    clear_cmd.set_defaults(run=_clear)


def _clear(args: argparse.Namespace) -> int:
    store = _resolve(args)
    if args.target is None and not args.yes:
        raise ConfigurationError("refusing to clear every function without --yes")
    if args.target is None:
        count = store.clear()
    else:
        selection = _select(store, args)
        if selection.key_prefix is None:
            count = sum(store.clear(fid) for fid in selection.function_ids)
        else:
            count = sum(
                store.delete(fid, name)
                for fid in selection.function_ids
                for name in store.manifest_names(fid)
                if selection.keeps(name)
            )
    if args.json:
        return _print_json({"deleted": count})
    _output(args).line(f"deleted {_plural(count, 'entry', 'entries')}")
    return 0
