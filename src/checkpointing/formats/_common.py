"""
Plumbing shared by every serializer family: optional imports, messages, ``_Format``.

One reason to change: how the built-in serializers import their optional
library (and what they say when it is missing), how they name types and quote
values in their messages, and the equality, hash and repr they all share.

Imports: :mod:`checkpointing._errors` only.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Final

from checkpointing._errors import ConfigurationError

if TYPE_CHECKING:
    from types import ModuleType

# Longest example value quoted in a check() message.
_QUOTE_CHARS: Final = 40


def _import(module: str, extra: str) -> ModuleType:
    """Import an optional dependency, or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        top = module.partition(".")[0]
        raise ConfigurationError(
            f'{top} is not installed: pip install "checkpointing[{extra}]"'
        ) from err


def _type_name(value: object) -> str:
    """``module.QualName`` of *value*'s type, without the ``builtins.`` prefix."""
    kind = type(value)
    module = kind.__module__
    return (
        kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"
    )


def _quote(value: object) -> str:
    """``repr(value)``, shortened for a one-line message."""
    text = repr(value)
    return text if len(text) <= _QUOTE_CHARS else text[: _QUOTE_CHARS - 3] + "..."


def _unencodable(text: str) -> bool:
    """Whether *text* has lone surrogates, which UTF-8 cannot encode."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class _Format:
    """Shared plumbing: equality, hash and repr from the configuration."""

    name: str
    suffix: str

    def _config(self) -> dict[str, object]:
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self._config().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _Format)
        return self._config() == other._config()

    def __hash__(self) -> int:
        return hash((type(self), tuple(self._config().items())))
