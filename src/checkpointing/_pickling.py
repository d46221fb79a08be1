"""
Pickling a checkpointed function: by reference when importable, else by value.

Functions of ``__main__`` (a script, a notebook) always go by value: a worker
process (loky, Dask, spawn) has another ``__main__``. The by-value payload is
made with cloudpickle whatever pickler asked, so plain :mod:`pickle`
(``multiprocessing``) ships them too; a function that refers to itself
(recursion) is rebuilt as one object.

The functions named in pickles (``import_checkpointed``, ``being_rebuilt``
here; ``_rebuild_by_value`` and ``_rebuild`` in ``_decorator``, which build the
class) are found by module path when a pickle is loaded: rename or move them
only with a re-export at the old path.

One reason to change: how a checkpointed function travels between processes.
Imports ``_fingerprint`` only (``cloudpickle`` lazily); it does not know the
``Checkpointed`` class, which passes itself and its rebuild function in.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Any

from ._fingerprint import main_module_name

__all__ = [
    "being_rebuilt",
    "import_checkpointed",
    "load_by_value",
    "reduce_checkpointed",
]


def reduce_checkpointed(
    obj: object,
    func: Callable[..., Any],
    options: dict[str, Any],
    rebuild_by_value: Callable[[str, bytes], Any],
) -> tuple[Any, ...]:
    """
    Return ``obj.__reduce__()`` for *obj*, the checkpointed *func* under *options*.

    By reference (``import_checkpointed(module, qualname)``) when importing
    *func*'s module and following its qualname gives back *obj*; else by
    value: ``rebuild_by_value(token, payload)``, *payload* being the
    cloudpickle of ``(func, options)``.
    """
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", "")
    if (
        module
        and "<locals>" not in qualname
        and main_module_name(module).partition(".")[0] != "__main__"
    ):
        try:
            target: Any = importlib.import_module(module)
            for part in qualname.split("."):
                target = getattr(target, part)
        except (ImportError, AttributeError):
            target = None
        if target is obj:
            return (import_checkpointed, (module, qualname))
    return _reduce_by_value(obj, func, options, rebuild_by_value)


def import_checkpointed(module: str, qualname: str) -> Any:
    """Unpickle by reference: the object at *qualname* in *module*."""
    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


# By-value pickling of a checkpointed function (see reduce_checkpointed).
# While one is being pickled, its token is here, so that a reference to it from
# its own code (recursion) pickles as "the object being rebuilt"; while one is
# being unpickled, its not-yet-initialized object is here under that token.
_by_value = threading.local()


def _by_value_slots(name: str) -> dict[Any, Any]:
    slots: dict[Any, Any] | None = getattr(_by_value, name, None)
    if slots is None:
        slots = {}
        setattr(_by_value, name, slots)
    return slots


def _reduce_by_value(
    obj: object,
    func: Callable[..., Any],
    options: dict[str, Any],
    rebuild_by_value: Callable[[str, bytes], Any],
) -> tuple[Any, ...]:
    import cloudpickle

    pickling = _by_value_slots("pickling")
    token = pickling.get(id(obj))
    if token is not None:
        return (being_rebuilt, (token,))
    # Deterministic (Dask tokenizes a task by pickling it twice and comparing),
    # and unique among the objects one payload can hold.
    token = f"{id(obj):x}"
    pickling[id(obj)] = token
    try:
        payload = cloudpickle.dumps((func, options))
    finally:
        del pickling[id(obj)]
    return (rebuild_by_value, (token, payload))


def load_by_value(obj: object, token: str, payload: bytes) -> tuple[Any, Any]:
    """
    Unpickle ``(func, options)`` from *payload* for *obj*, not yet initialized.

    While it loads, references to *token* in *payload* (recursion) resolve to
    *obj* (:func:`being_rebuilt`).
    """
    import cloudpickle

    rebuilding = _by_value_slots("rebuilding")
    rebuilding[token] = obj
    try:
        func, options = cloudpickle.loads(payload)
    finally:
        del rebuilding[token]
    return func, options


def being_rebuilt(token: str) -> Any:
    """Unpickle a self-reference: the object *token* names, being rebuilt."""
    return _by_value_slots("rebuilding")[token]
