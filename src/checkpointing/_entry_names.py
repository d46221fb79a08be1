"""
Readable entry names made by ``key=``: the rules a name must follow, and the
ediblepickle templates that build one from a call's arguments.

One reason to change: what a readable entry name may be. Imports ``_errors``
and ``_store`` (the form of a hashed key) only.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any, Final, cast

from ._errors import ConfigurationError
from .store._layout import is_hex_key

__all__ = ["check_entry_name", "expand_template"]

#: Characters refused in readable entry names: path separators, NUL, and the
#: characters Windows forbids in file names, so a cache directory stays portable.
_FORBIDDEN_NAME_CHARS: Final = frozenset('/\\\0<>:"|?*')
_MAX_NAME_LENGTH: Final = 150
#: File names are limited to 255 bytes; the store adds suffixes and temp-file
#: parts (``.<name>.ckpt.<pid>.<random>.tmp``) to an entry's name.
_MAX_NAME_BYTES: Final = 200


def check_entry_name(name: object, function_id: str) -> str:
    """
    Validate a readable entry name made by ``key=``.

    The name becomes the stem of the entry's files inside the function's own
    directory, so it cannot collide with another function's entries; these
    rules keep it inside that directory and apart from hashed entries.

    Raises:
        ConfigurationError: If *name* is not a ``str``, is empty or longer
            than 150 characters or 200 UTF-8 bytes, contains a lone
            surrogate, a path separator, NUL, a control character or one of
            ``<>:"|?*``, starts with ``.`` (hidden and
            internal files) or ends with ``.`` or a space (Windows drops
            them), or is 32 hex characters (the form of a hashed key).
    """
    problem = None
    if not isinstance(name, str):
        problem = f"is a {type(name).__qualname__}, not a str"
    elif (
        not name
        or len(name) > _MAX_NAME_LENGTH
        or len(name.encode("utf-8", "replace")) > _MAX_NAME_BYTES
    ):
        problem = (
            f"must have 1 to {_MAX_NAME_LENGTH} characters "
            f"and at most {_MAX_NAME_BYTES} bytes in UTF-8"
        )
    elif any(0xD800 <= ord(c) <= 0xDFFF for c in name):
        problem = "contains a lone surrogate (not valid UTF-8)"
    elif set(name) & _FORBIDDEN_NAME_CHARS or any(ord(c) < 32 for c in name):
        problem = 'contains a path separator, NUL, a control character or <>:"|?*'
    elif name.startswith("."):
        problem = "starts with '.' (reserved for the store's own files)"
    elif name.endswith((".", " ")):
        problem = "ends with '.' or a space"
    elif is_hex_key(name):
        problem = "has the form of a hashed key (32 hex digits)"
    if problem is not None:
        raise ConfigurationError(
            f"{function_id}: key= produced the entry name {name!r}, which {problem}; "
            "use letters, digits and -_=+,@ (e.g. 'lr=0.1_seed=3')"
        )
    return cast(str, name)


_TEMPLATE_FIELD: Final = re.compile(
    r"\{(?P<position>\d+)\}|\$(?:(?P<dollar>\$)|(?P<name>[_a-zA-Z][_a-zA-Z0-9]*)"
    r"|\{(?P<braced>[_a-zA-Z][_a-zA-Z0-9]*)\})"
)


def expand_template(
    template: string.Template,
    args: tuple[Any, ...],
    bound: Mapping[str, Any],
    function_id: str,
) -> str:
    """
    Fill an ediblepickle key template: ``{0}`` is the first positional argument
    as passed, ``$name``/``${name}`` the argument bound to parameter *name*
    (passed by position or keyword, or its default), ``$$`` a ``$``.

    Raises:
        ConfigurationError: If a field names no positional argument or parameter.
    """

    def fill(match: re.Match[str]) -> str:
        if match.group("dollar"):
            return "$"
        position = match.group("position")
        if position is not None:
            index = int(position)
            if index >= len(args):
                raise ConfigurationError(
                    f"{function_id}: key= template field {{{index}}} needs at least "
                    f"{index + 1} positional arguments, the call passed {len(args)}"
                )
            return str(args[index])
        field = match.group("name") or match.group("braced")
        if field not in bound:
            raise ConfigurationError(
                f"{function_id}: key= template field ${field} is not a parameter; "
                f"parameters: {list(bound)}"
            )
        return str(bound[field])

    return _TEMPLATE_FIELD.sub(fill, template.template)
