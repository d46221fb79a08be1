"""
The store seam: where entries live, behind one protocol.

Callers (the decorator, codecs, lazy results, ``scan``, the CLI) use an
:class:`EntryStore`; :class:`Store` implements it over a :class:`FileSystem`
and :class:`TieredStore` over a hierarchy of stores. A new backend is a new
file system module, as httpx's ``_transports/`` are.

Modules, bottom layer first (each imports only layers below it, plus
``_errors``, ``_manifest`` and ``_settings``):

* ``_layout``: names and relative paths of a cache directory's files.
* ``_format``: the bytes of an entry file (header, checksum, signature).
* ``_locks``: the :class:`EntryLock` protocol, ``filelock`` and in-process locks.
* ``_filesystem``: the :class:`FileSystem` protocol (I/O primitives).
* ``_local``: :class:`LocalFileSystem` (``os``, ``mmap``, atomic rename).
* ``_fsspec``: :class:`FsspecFileSystem` (any fsspec file system).
* ``_catalog``: the per-function index behind ``inspect`` (a local accelerator).
* ``_protocol``: :class:`EntryStore`, :data:`MISSING`, :class:`Eviction`.
* ``_store_state``: a store's shared state (paths, read memos, ``_forget``).
* ``_store_reads``, ``_store_writes``, ``_store_listing``, ``_store_upkeep``:
  the parts of a store (verified reads, atomic writes, manifests and names,
  hit records, copies, removal, eviction), one mixin each.
* ``_store``: :class:`Store`, one cache directory over a file system.
* ``_write_back``: copying new entries to slower tiers (queue, thread, exit hook).
* ``_tier_reads``: tiered reads (fast to slow, quarantine, copy-forward).
* ``_tiers``: :class:`TieredStore`, fast tiers in front of slow ones.

Every name loads on first use: a plain ``import checkpointing`` does not pay
for threads or fsspec.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._filesystem import FileSystem
    from ._fsspec import FsspecFileSystem
    from ._local import LocalFileSystem
    from ._locks import EntryLock
    from ._protocol import MISSING, EntryStore, Eviction
    from ._store import Store
    from ._tiers import TieredStore

__all__ = [
    "MISSING",
    "EntryLock",
    "EntryStore",
    "Eviction",
    "FileSystem",
    "FsspecFileSystem",
    "LocalFileSystem",
    "Store",
    "TieredStore",
]

# Name -> defining module. Nothing is imported here: the package's modules are
# imported by name (``checkpointing.store._store``) by the lazy names of
# ``checkpointing``, from several threads at once; a package that imported
# them itself could hand one thread a half-run module.
_SOURCES = {
    "MISSING": "_protocol",
    "EntryLock": "_locks",
    "EntryStore": "_protocol",
    "Eviction": "_protocol",
    "FileSystem": "_filesystem",
    "FsspecFileSystem": "_fsspec",
    "LocalFileSystem": "_local",
    "Store": "_store",
    "TieredStore": "_tiers",
}


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{source}"), name)
