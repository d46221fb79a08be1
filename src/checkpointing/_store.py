"""
Old module path of the store, kept for pickles only (see :mod:`checkpointing.store`).

Pickles written before the store became a package refer to names here by
module path: a pickled :class:`~checkpointing.Store` (inside a pickled
:class:`~checkpointing.LazyResult`, which a cached result may hold) is rebuilt
by ``checkpointing._store._rebuild_store``, and a lazy result's "no value"
marker is an instance of ``checkpointing._store._Missing``. Nothing else may
import from here.
"""

from __future__ import annotations

from .store._protocol import _Missing
from .store._store import _rebuild_store

__all__ = ["_Missing", "_rebuild_store"]
