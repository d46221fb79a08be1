"""
The former home of the command line, now :mod:`checkpointing.cli`: ``main`` only.

Kept because console scripts and entry-point metadata written when
checkpointing was installed (editable installs in particular keep theirs until
reinstalled) name ``checkpointing._cli:main``; without this module they would
fail to start. New code imports :func:`checkpointing.cli.main`.

Imports: ``cli`` only.
"""

from __future__ import annotations

from .cli import main

__all__ = ["main"]
