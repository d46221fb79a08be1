"""
Checkpointed functions on Dask workers: settings reach the workers once.

A ``@checkpoint`` function submitted with ``client.submit``, ``client.map``
or inside a ``dask.delayed`` graph runs on the workers, against the store
their settings name. Settings are read from the environment at every call
(``CHECKPOINTING_DIR``, ``CHECKPOINTING_HMAC_KEY``, ...), in the worker
process. Two ways to set them there:

* :class:`CheckpointingSettings`, a Dask worker plugin::

      from checkpointing.distributed import CheckpointingSettings

      client.register_plugin(
          CheckpointingSettings(directory="/shared/cache", hmac_key=key)
      )

  It is pickled once to the scheduler and once to each worker (workers that
  join later get it from the scheduler), never into a task; its ``setup``
  sets the variables in the worker process, its ``teardown`` (the plugin
  removed, the worker closed) restores them. The key travels with it, so
  use a cluster with TLS (``distributed.security.Security``) where the
  network is shared.
* The workers' own environment: ``LocalCluster(env={...})``,
  ``dask-jobqueue``'s ``job_script_prologue=["export ..."]``, a Kubernetes
  secret mapped to environment variables. Then no secret crosses the
  client's connection at all.

What never travels in a task: the HMAC key. A function pickled by value (a
script's or a notebook's) carries the *id* of the key its client signs with,
and a call on a worker without that key raises
:class:`~checkpointing.ConfigurationError`.

``import checkpointing.distributed`` does not import Dask;
using :class:`CheckpointingSettings` does.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

# Not ``from typing import TYPE_CHECKING``: as in ``checkpointing/__init__``.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._dask_plugin import CheckpointingSettings

__all__ = ["CheckpointingSettings"]


def __getattr__(name: str) -> object:
    # PEP 562: the plugin class subclasses distributed's WorkerPlugin, so
    # defining it imports distributed; that waits until it is used.
    if name == "CheckpointingSettings":
        from ._dask_plugin import CheckpointingSettings

        globals()[name] = CheckpointingSettings
        return CheckpointingSettings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
