"""
:class:`CheckpointingSettings`, the Dask worker plugin of :mod:`checkpointing.distributed`.

One reason to change: how settings are installed in a Dask worker. Imports
``_errors`` and ``_settings``; imports ``distributed`` at import time (the
public module imports this one only when the class is used).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from distributed.diagnostics.plugin import WorkerPlugin

from ._errors import ConfigurationError
from ._settings import DIRECTORY_ENV, HMAC_KEY_ENV

if TYPE_CHECKING:
    from distributed import Worker

__all__ = ["CheckpointingSettings"]


class CheckpointingSettings(WorkerPlugin):
    """
    A Dask worker plugin that sets checkpointing's settings in each worker.

    Register it once, with ``client.register_plugin(CheckpointingSettings(...))``:
    every worker, and every worker that joins later, sets the environment
    variables checkpointing reads at each call. Registering another one
    replaces it (same name, ``"checkpointing-settings"``): the first one's
    ``teardown`` restores the variables first.

    Args:
        directory: The cache directory of the workers (``CHECKPOINTING_DIR``):
            a path the workers can all reach, such as a shared file system.
            ``None`` leaves the variable as the worker has it.
        hmac_key: The key that signs and verifies entries
            (``CHECKPOINTING_HMAC_KEY``), as text or UTF-8 bytes. It crosses
            the network once per worker inside this plugin (use TLS), never
            inside tasks. ``None`` leaves the variable as it is.
        environment: More variables to set, by name (``CHECKPOINTING_TRUST_DIRECTORY``,
            a storage backend's credentials, ...). Values are text.

    Raises:
        ConfigurationError: If *hmac_key* is bytes that are not UTF-8, or an
            environment name or value is not text.

    The variables are process-wide: they apply to every task of the worker,
    checkpointed or not. ``teardown`` restores each one to its value before
    ``setup`` (or removes it).

    .. versionadded:: 0.2.0
    """

    name = "checkpointing-settings"
    idempotent = False

    def __init__(
        self,
        *,
        directory: str | os.PathLike[str] | None = None,
        hmac_key: bytes | str | None = None,
        environment: Mapping[str, str] | None = None,
    ) -> None:
        variables: dict[str, str] = {}
        for name, value in dict(environment or {}).items():
            if not isinstance(name, str) or not isinstance(value, str):
                raise ConfigurationError(
                    "CheckpointingSettings(environment=) maps names to text values, "
                    f"got {name!r}: {type(value).__name__}"
                )
            variables[name] = value
        if directory is not None:
            variables[DIRECTORY_ENV] = os.fspath(directory)
        if hmac_key is not None:
            if isinstance(hmac_key, bytes):
                try:
                    hmac_key = hmac_key.decode("utf-8")
                except UnicodeDecodeError as err:
                    raise ConfigurationError(
                        "CheckpointingSettings(hmac_key=) is set through the "
                        f"environment ({HMAC_KEY_ENV}): give it as text or UTF-8 bytes"
                    ) from err
            variables[HMAC_KEY_ENV] = hmac_key
        self.variables: dict[str, str] = variables
        self._saved: dict[str, str | None] = {}

    def __repr__(self) -> str:
        shown = {
            name: "***" if name == HMAC_KEY_ENV else value
            for name, value in self.variables.items()
        }
        return f"CheckpointingSettings({shown})"

    def __getstate__(self) -> dict[str, Any]:
        # What a worker had before setup is that worker's, not the client's.
        return {"variables": self.variables, "_saved": {}}

    def setup(self, worker: Worker) -> None:
        """Set the variables in this worker process, remembering their values."""
        for name, value in self.variables.items():
            self._saved.setdefault(name, os.environ.get(name))
            os.environ[name] = value

    def teardown(self, worker: Worker) -> None:
        """Restore every variable :meth:`setup` set to its former value."""
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved.clear()


# Pickled by reference under its public name (workers import it from there).
CheckpointingSettings.__module__ = "checkpointing.distributed"
