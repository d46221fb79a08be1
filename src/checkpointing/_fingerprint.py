"""
Re-exports of :mod:`checkpointing.fingerprint`, the former home of its code.

The package's surface, plus the private names tests and benchmarks reach
(the memos, the walk, a few helpers). New code imports from the package.
"""

from __future__ import annotations

from .fingerprint import (
    Component,
    Fingerprint,
    fingerprint_arguments,
    fingerprint_function,
    function_name,
    main_module_name,
    make_fingerprinter,
    merge_fingerprints,
)
from .fingerprint._analysis import _bytecode_reads, _info_memo
from .fingerprint._common import _text_digest
from .fingerprint._library import _library_name
from .fingerprint._memo import _memo
from .fingerprint._source import _compiled_memo, _identity_text
from .fingerprint._values import _evaluate_path
from .fingerprint._walker import _Walker

__all__ = [
    "Component",
    "Fingerprint",
    "_Walker",
    "_bytecode_reads",
    "_compiled_memo",
    "_evaluate_path",
    "_identity_text",
    "_info_memo",
    "_library_name",
    "_memo",
    "_text_digest",
    "fingerprint_arguments",
    "fingerprint_function",
    "function_name",
    "main_module_name",
    "make_fingerprinter",
    "merge_fingerprints",
]
