"""Small helpers shared by the fingerprint modules: attributes, names, digests."""

from __future__ import annotations

import functools
import platform
import warnings
from collections.abc import Callable
from types import FunctionType
from typing import Any, Final

import xxhash

from checkpointing._errors import IncompleteFingerprintWarning, user_stacklevel


def main_module_name(module: str) -> str:
    """
    *module*, with ``__mp_main__`` read as ``__main__``.

    Under the spawn and forkserver start methods, :mod:`multiprocessing` runs
    the parent's script again in each child as ``__mp_main__``: its functions
    are the parent's ``__main__`` functions, and must share their names (and so
    their entries and keys).
    """
    if module == "__mp_main__" or module.startswith("__mp_main__."):
        return "__main__" + module[len("__mp_main__") :]
    return module


def function_name(func: object) -> str:
    """Return ``"module:qualname"`` for *func* (the name used in component names)."""
    module = main_module_name(_text_attr(func, "__module__") or "<unknown>")
    qualname = _text_attr(func, "__qualname__") or _text_attr(func, "__name__") or "?"
    return f"{module}:{qualname}"


# Foreign objects are read defensively: ``__module__`` is None on functions made
# by exec (scipy's generated distribution methods), attributes may be
# properties that raise (or warn, which -W error turns into raising), or
# proxies. A walk must never fail on them.


def _attr(obj: object, name: str) -> Any:
    """``obj.<name>``, or ``None`` when it is missing or reading it raises."""
    try:
        return getattr(obj, name, None)
    except Exception:  # noqa: BLE001 - a foreign property may raise anything
        return None


def _text_attr(obj: object, name: str) -> str | None:
    """``obj.<name>`` when it is a non-empty ``str``, else ``None`` (never raises)."""
    value = _attr(obj, name)
    return value if isinstance(value, str) and value else None


def _function_module(func: FunctionType) -> str:
    """The module a function's code runs in (its globals' ``__name__``), or ``"<unknown>"``."""
    name = func.__globals__.get("__name__")
    if isinstance(name, str) and name:
        return main_module_name(name)
    return main_module_name(_text_attr(func, "__module__") or "<unknown>")


_PLAIN_TYPES: Final = frozenset(
    {int, float, str, bytes, bool, complex, type(None), bytearray, range, slice}
)
_CONTAINER_TYPES: Final = frozenset({list, tuple, set, frozenset, dict})
# Values digested by value whatever module holds them (math.pi, string.digits).
_DATA_TYPES: Final = _PLAIN_TYPES | {list, tuple, dict, set, frozenset}


def _text_digest(text: str) -> str:
    return xxhash.xxh3_128_hexdigest(text.encode("utf-8"))


_MISSING: Final = object()
_UNBOUND_DIGEST: Final = xxhash.xxh3_128_hexdigest(b"<unbound>")
_warned: set[tuple[str, str]] = set()

_Getter = Callable[[], object]


def _warn_once(component: str, message: str) -> None:
    marker = (component, message)
    if marker in _warned:
        return
    _warned.add(marker)
    warnings.warn(message, IncompleteFingerprintWarning, stacklevel=user_stacklevel())


#: Returned by the scan steps: the item's contents are not searched further.
_SKIP: Final = object()
_DATA_SCALARS: Final = frozenset({str, bytes, int, float, bool, type(None), complex})


@functools.lru_cache(maxsize=1)
def _python_version() -> str:
    return f"{platform.python_implementation()} {platform.python_version()}"
