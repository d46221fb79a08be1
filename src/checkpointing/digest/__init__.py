"""
Argument identity: a canonical, deterministic encoding of values, hashed with xxh3-128.

Every value is fed to the hasher as a one-byte *type tag* followed by
length-prefixed content, so values of different types or shapes never share an
encoding by construction. Large buffers (numpy, pandas, pyarrow, polars,
scipy.sparse, torch) are fed to the hasher in place, without a copy. The full
encoding is documented, tag by tag, in ``docs/how-it-works.md`` ("The argument
digest"). It never uses ``hash()`` or ``id()`` for content. Third-party
libraries are never imported here: a fast path is consulted only when its
library is already in ``sys.modules`` (it is, if you hold one of its objects).

The package, bottom layer first (each module imports only those above it in
this list, plus ``checkpointing._errors``):

* ``_encoder``: the :class:`_Encoder`, the byte-level vocabulary, Python's
  native types, ``digest_value`` and ``digest_bytes``;
* ``_stdlib``: standard-library types (datetime, decimal, uuid, pathlib, ...);
* ``_objects``: the generic rules (hooks, registrations, enums, classes,
  functions, modules, builtin subclasses, library-named objects, pickle);
* one module per library fast path: ``_numpy``, ``_arrow``, ``_pandas``
  (uses ``_numpy`` and ``_arrow``), ``_polars`` (same), ``_scipy`` (uses
  ``_numpy``), ``_torch``, ``_pydantic``;
* ``_libraries``: which fast path a type gets (``_library_encoder``);
* ``_dispatch``: the exact-type table, :func:`register_digest`, and
  ``_resolve`` (the order in which rules are tried); importing it wires the
  table and the resolver into ``_encoder``;
* ``_arguments``: binding a call's arguments and ``digest_arguments``.

A new library fast path goes in its own module ``_<library>.py``: encoders
``(enc, value, depth) -> None`` that start with ``_typed(enc, "<kind>")`` and
use the library only through ``sys.modules`` (never import it). It registers by
one branch in ``_libraries._library_encoder`` that checks ``sys.modules`` for
the library, then the class; document its layout in ``docs/how-it-works.md``
and add a row for the module to ``tests/test_public_api.py``.
"""

from __future__ import annotations

from ._arguments import digest_arguments
from ._dispatch import register_digest
from ._encoder import DIGEST_HEX_LENGTH, digest_bytes, digest_value, short_repr
from ._objects import install_library_namer

__all__ = [
    "DIGEST_HEX_LENGTH",
    "digest_arguments",
    "digest_bytes",
    "digest_value",
    "install_library_namer",
    "register_digest",
    "short_repr",
]
