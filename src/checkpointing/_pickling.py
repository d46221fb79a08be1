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

What a by-value payload carries besides the function: its options, minus
the secret ones (:data:`SECRET_OPTIONS`: never pickled into a task), the id
of the key that signed its entries where it was pickled (:func:`key_id`:
the worker must hold the same key, from its own settings), and the source
of every by-value function its fingerprint reached: per file, an excerpt
with only the lines defining them and the module's imports (the key is
computed where the code is: the worker needs no copy of the script or the
notebook, and verifies that the text compiles to the code it received; the
rest of the script stays home).

One reason to change: how a checkpointed function travels between processes.
Imports ``_fingerprint`` and ``fingerprint`` only (``cloudpickle`` lazily); it
does not know the ``Checkpointed`` class, which passes itself, its
fingerprinter and its rebuild function in.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import importlib
import inspect
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from types import FunctionType
from typing import Any, Final, NamedTuple

import xxhash

from ._fingerprint import main_module_name
from .fingerprint import (
    decorator_lines,
    excerpt,
    memo_token,
    memoized_fingerprint,
    reached_functions,
    ship_source,
    source_excerpt,
)

__all__ = [
    "SECRET_OPTIONS",
    "ByValue",
    "being_rebuilt",
    "import_checkpointed",
    "key_id",
    "load_by_value",
    "reduce_checkpointed",
    "remember_key",
    "share_walks",
]

#: Options never pickled by value: the worker takes them from its own
#: settings (environment, ``checkpointing.distributed.CheckpointingSettings``).
#: A new secret option (fsspec's ``storage_options``, which may hold
#: credentials) is one more name here.
SECRET_OPTIONS: Final = frozenset({"hmac_key"})


def key_id(key: bytes) -> str:
    """
    Return the id of an HMAC *key*: 16 hex characters, safe to show and to send.

    ``HMAC-SHA256(key, b"checkpointing key id")``, truncated: it tells two
    keys apart without revealing either (no plain hash of the key, which a
    short or guessable key would give away to a dictionary).
    """
    return hmac.new(key, b"checkpointing key id", hashlib.sha256).hexdigest()[:16]


# Keys this process signs with, by id: those given as hmac_key= (remembered
# at decoration, so that a worker forked afterwards inherits them, and a
# spawned one that imports the script registers them again) and those it
# pickled with. A copy rebuilt here (copy.deepcopy, a pickle round trip, a
# forked worker) keeps its key; another process needs its own.
_keys_by_id: dict[str, bytes] = {}


def remember_key(key: bytes | None) -> None:
    """Let functions pickled by value and rebuilt in this process sign with *key*."""
    if key is not None:
        _keys_by_id.setdefault(key_id(key), key)


class ByValue(NamedTuple):
    """What a by-value payload holds, unpickled (see :func:`load_by_value`)."""

    func: Callable[..., Any]
    options: dict[str, Any]
    #: The id of the key that signed entries where the function was pickled
    #: (``None``: unsigned, or a payload from before key ids).
    key_id: str | None
    #: That key when this process knows it (it pickled with it), else ``None``.
    key: bytes | None


def _by_reference(func: object) -> bool:
    """Whether cloudpickle pickles *func* by reference (its module imports it)."""
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", "")
    if (
        not module
        or "<locals>" in qualname
        or main_module_name(module).partition(".")[0] == "__main__"
    ):
        return False
    try:
        import cloudpickle

        if module.partition(".")[0] in cloudpickle.list_registry_pickle_by_value():
            return False
        target: Any = importlib.import_module(module)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError):
        return False
    return target is func


# func -> (the reached functions and their code, what _sources returned):
# Dask pickles a task's function once per task; the excerpts change only when
# a new walk reached other code (or the same functions with new code).
_Sources = tuple[dict[str, str], tuple[Any, ...]]
_sources_memo: weakref.WeakKeyDictionary[Any, tuple[tuple[object, ...], _Sources]]
_sources_memo = weakref.WeakKeyDictionary()


def _sources(func: Callable[..., Any]) -> _Sources:
    """
    The source of the by-value functions *func*'s fingerprint reached.

    Returns ``({filename: excerpt}, ((function, filename), ...))``: each
    file's text with only the lines defining those functions kept (the rest
    of a script, which may hold other secrets, stays home). Functions pickled
    by reference are left out: the worker imports its own copy, and its key
    must reflect that copy.
    """
    reached = reached_functions(func)
    state = (*reached, *(f.__code__ for f in reached))
    try:
        memo = _sources_memo.get(func)
    except TypeError:  # not weak-referenceable
        memo = None
    if (
        memo is not None
        and len(memo[0]) == len(state)
        and all(a is b for a, b in zip(memo[0], state, strict=True))
    ):
        return memo[1]
    result = _excerpts(reached, inspect.unwrap(func))
    with contextlib.suppress(TypeError):
        _sources_memo[func] = (state, result)
    return result


def _excerpts(reached: tuple[FunctionType, ...], root: object) -> _Sources:
    files: dict[str, tuple[str, dict[int, str | None]]] = {}
    functions = []
    for function in reached:
        if _by_reference(function):
            continue
        found = source_excerpt(function)
        if found is None:
            continue
        filename, text, lines = found
        needed = files.setdefault(filename, (text, {}))[1]
        for number, replacement in lines.items():
            if needed.get(number, "") is not None:  # a kept line stays kept
                needed[number] = replacement
        functions.append((function, filename))
    # The decorators of the checkpointed function itself are not in its
    # fingerprint, and @checkpoint(hmac_key="...") would carry the key.
    root_file = files.get(next((f for g, f in functions if g is root), ""))
    if root_file is not None:
        for number in decorator_lines(root):
            root_file[1].pop(number, None)
    texts = {
        filename: excerpt(text, lines) for filename, (text, lines) in files.items()
    }
    return texts, tuple(functions)


def reduce_checkpointed(
    obj: object,
    func: Callable[..., Any],
    options: dict[str, Any],
    rebuild_by_value: Callable[[str, bytes], Any],
    *,
    fingerprint: Callable[[], object] = lambda: None,
    signing_key: bytes | None = None,
    signing_key_id: str | None = None,
) -> tuple[Any, ...]:
    """
    Return ``obj.__reduce__()`` for *obj*, the checkpointed *func* under *options*.

    By reference (``import_checkpointed(module, qualname)``) when importing
    *func*'s module and following its qualname gives back *obj*; else by
    value: ``rebuild_by_value(token, payload)``, *payload* being the
    cloudpickle of ``(func, options, extras)``: *options* without
    :data:`SECRET_OPTIONS`, and *extras* the id of *signing_key* (the key
    entries are signed with here; *signing_key_id* when only its id is known)
    and the source files of the by-value code *fingerprint* (called first, so
    the walk ran) reached.
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
    # Pickling never fails for the walk: a worker then walks the code itself.
    with contextlib.suppress(Exception):
        fingerprint()
    texts, functions = _sources(func)
    if signing_key is not None:
        signing_key_id = key_id(signing_key)
        remember_key(signing_key)
    extras = {"key_id": signing_key_id, "texts": texts, "functions": functions}
    public = {
        name: value for name, value in options.items() if name not in SECRET_OPTIONS
    }
    return _reduce_by_value(obj, (func, public, extras), rebuild_by_value)


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
    content: tuple[Any, ...],
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
        payload = cloudpickle.dumps(content)
    finally:
        del pickling[id(obj)]
    return (rebuild_by_value, (token, payload))


def load_by_value(obj: object, token: str, payload: bytes) -> ByValue:
    """
    Unpickle *payload* for *obj*, not yet initialized; register the sources sent.

    While it loads, references to *token* in *payload* (recursion) resolve to
    *obj* (:func:`being_rebuilt`). Payloads of earlier versions,
    ``(func, options)``, load too.
    """
    import cloudpickle

    rebuilding = _by_value_slots("rebuilding")
    rebuilding[token] = obj
    try:
        content = cloudpickle.loads(payload)
    finally:
        del rebuilding[token]
    if len(content) == 2:
        func, options = content
        return ByValue(func, options, None, None)
    func, options, extras = content
    texts = extras.get("texts", {})
    for function, filename in extras.get("functions", ()):
        if isinstance(function, FunctionType) and filename in texts:
            ship_source(function, filename, texts[filename])
    wanted = extras.get("key_id")
    return ByValue(func, options, wanted, _keys_by_id.get(wanted) if wanted else None)


def being_rebuilt(token: str) -> Any:
    """Unpickle a self-reference: the object *token* names, being rebuilt."""
    return _by_value_slots("rebuilding")[token]


# -- copies of one payload share a walk ----------------------------------------

#: Payload digest -> (the fingerprinter of a copy whose first call walked, the
#: token of that walk). Dask unpickles a task's function for every task: a
#: fresh object, whose first call would walk its code again (~1-2 ms).
_walks: OrderedDict[str, tuple[Callable[[], Any], object]] = OrderedDict()
_walks_lock = threading.Lock()
_WALKS_KEPT: Final = 64


def share_walks(obj: Any, payload: bytes) -> None:
    """
    Let *obj*, just unpickled from *payload*, reuse an earlier copy's first walk.

    *obj*'s ``_fingerprint`` (a :func:`~checkpointing.fingerprint.make_fingerprinter`
    callable) is wrapped for its first call only. That call returns the
    fingerprint an earlier copy of the same *payload* computed at its own
    first call, if that walk still holds (nothing it read changed: not the
    earlier copy's globals, not the environment, files or modules it read);
    else *obj* walks its own code, and its walk is the one shared from then on.

    Why that is exact: two copies unpickled from the same bytes are equal,
    and a copy's first fingerprint is taken before its function first runs;
    so the earlier copy's first walk read what *obj*'s would read, and that
    walk's checks, still passing, say that nothing outside changed since.
    Later calls of *obj* use its own memo (its own globals may change).
    """
    digest = xxhash.xxh3_128_hexdigest(payload)
    own: Callable[[], Any] = obj._fingerprint

    def first() -> Any:
        obj.__dict__["_fingerprint"] = own
        with _walks_lock:
            shared = _walks.get(digest)
        if shared is not None:
            found = memoized_fingerprint(*shared)
            if found is not None:
                return found
        fresh = own()
        token = memo_token(own)
        if token is not None:
            with _walks_lock:
                _walks[digest] = (own, token)
                _walks.move_to_end(digest)
                while len(_walks) > _WALKS_KEPT:
                    _walks.popitem(last=False)
        return fresh

    obj.__dict__["_fingerprint"] = first
