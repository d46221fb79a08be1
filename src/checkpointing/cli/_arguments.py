"""
The argparse vocabulary commands declare their options with.

Option value types (counts, durations, byte sizes: each turns a command-line
word into a number or raises :class:`argparse.ArgumentTypeError`, which
argparse reports as a usage error) and :data:`AddCommand`, the signature of
the ``add`` a command module's ``add_command`` receives. It changes when an
option takes a new kind of value.

Imports: the standard library only (no private module); every other module of
the CLI may import it.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from typing import Any, Final

#: What ``add_command`` of a command module is given: ``add(name, help_text)``
#: returns a new command's parser, with ``--dir``, ``--json`` and ``--color``.
AddCommand = Callable[[str, str], argparse.ArgumentParser]


def storage_option(text: str) -> tuple[str, Any]:
    """
    Parse ``NAME=VALUE`` (``--storage-option``); VALUE as JSON if it parses.

    >>> storage_option("anon=true")
    ('anon', True)
    >>> storage_option("endpoint_url=http://localhost:9000")
    ('endpoint_url', 'http://localhost:9000')
    """
    import json

    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        return name, json.loads(value)
    except ValueError:
        return name, value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a count >= 0, got {text!r}")
    return value


_DURATION_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

_SIZE_UNITS: Final = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kib": 1024,
    "kb": 1000,
    "m": 1024**2,
    "mib": 1024**2,
    "mb": 1000**2,
    "g": 1024**3,
    "gib": 1024**3,
    "gb": 1000**3,
    "t": 1024**4,
    "tib": 1024**4,
    "tb": 1000**4,
}


def _duration(text: str) -> float:
    """
    Parse ``30d``, ``12h``, ``90m``, ``45s`` or ``2w`` into seconds.

    >>> _duration("1.5d")
    129600.0
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text.lower())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"expected a number and a unit (s, m, h, d, w), such as 30d, got {text!r}"
        )
    return float(match[1]) * _DURATION_UNITS[match[2]]


def _byte_size(text: str) -> int:
    """
    Parse ``500M`` (binary: MiB), ``2GiB``, ``10GB`` (decimal) or bytes.

    >>> _byte_size("500M"), _byte_size("10GB")
    (524288000, 10000000000)
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", text.lower())
    if match is None or match[2] not in _SIZE_UNITS:
        raise argparse.ArgumentTypeError(
            f"expected a size such as 500M, 2GiB, 10GB or a number of bytes, got {text!r}"
        )
    return int(float(match[1]) * _SIZE_UNITS[match[2]])
