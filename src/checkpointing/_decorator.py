"""
:class:`Checkpointed`, the wrapper ``@checkpoint`` makes: the thin public front.

A :class:`Checkpointed` is a :class:`~._flow.CallFlow` (the call flow, on top
of key building in ``_plan`` and the store in ``_store_choice``), built from
:class:`CheckpointOptions` (``_options``), with the public methods
(``rerun``, ``lazy``, ``using``, ``key``, ``is_cached``, ``explain``,
``clear``), method binding (``obj.method``) and pickling (``_pickling``).
The decorator itself is in ``_checkpoint``.

One reason to change: the public surface of a checkpointed function. Imports
``_codec``, ``_digest``, ``_errors``, ``_explain``, ``_flow``, ``_lazy``,
``_options``, ``_pickling`` and ``_settings``.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import (
    Any,
    Final,
    Generic,
    ParamSpec,
    TypeVar,
    cast,
    final,
)

from ._codec import check_mmap_mode
from ._errors import ConfigurationError
from ._explain import FORCED, Explanation
from ._flow import CallFlow
from ._lazy import LazyResult
from ._options import (
    CheckpointOptions,
    check_option_names,
    option_parameters,
)
from ._pickling import (
    being_rebuilt,
    import_checkpointed,
    key_id,
    load_by_value,
    reduce_checkpointed,
    remember_key,
    share_walks,
)
from ._settings import RAW_ENVIRON, refresh_requested, resolve_hmac_key
from .digest import short_repr

__all__ = ["Checkpointed"]

P = ParamSpec("P")
R = TypeVar("R")


class _Unset:
    """Marks an option left unset (``None`` is a meaningful ``mmap_mode``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"


_UNSET: Final = _Unset()


@final
class Checkpointed(CallFlow, Generic[P, R]):
    """
    A function whose results persist on disk, keyed by code and arguments.

    Created by :func:`checkpoint`; call it like the original function. It keeps
    the original's ``__name__``, ``__doc__``, signature and ``__wrapped__``,
    works on methods, and can be pickled (by reference when importable, else
    by value through cloudpickle).

    .. versionadded:: 0.1.0
    """

    __wrapped__: Callable[P, R]
    # Set by functools.update_wrapper; declared for type checkers.
    __name__: str
    __qualname__: str

    def __init__(self, func: Callable[P, R], **options: Any) -> None:
        """Wrap *func*; *options* are :func:`checkpoint`'s (:class:`CheckpointOptions`)."""
        check_option_names(options, "Checkpointed.__init__")
        if not callable(func):
            raise ConfigurationError(f"@checkpoint needs a function, got {func!r}")
        functools.update_wrapper(self, func)
        self.__wrapped__ = func
        name = (
            f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', func)}"
        )
        self._options = CheckpointOptions(**options, where=name)
        super().__init__(func, self._options, name)
        if self._options.hmac_key is not None:
            # A copy rebuilt in this process or a fork of it keeps the key
            # (by-value pickles carry its id only): see _pickling.remember_key.
            remember_key(resolve_hmac_key(self._options.hmac_key))
        self._refresh = self._options.refresh
        self._lazy = bool(self._options.lazy)
        self._mmap_mode = self._options.mmap_mode
        self._is_async = inspect.iscoroutinefunction(inspect.unwrap(func))
        if self._is_async:
            # Lets asyncio.iscoroutinefunction() (and frameworks using it) see us.
            self._is_coroutine = getattr(
                importlib.import_module("asyncio.coroutines"), "_is_coroutine", None
            )

    # -- the public surface --------------------------------------------------
    def __repr__(self) -> str:
        return f"<checkpointed {self._function_id}>"

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Return the stored result for these arguments, or run and store it.

        With ``lazy=True`` the return value is a :class:`LazyResult` instead.
        """
        force = self._refresh_requested()
        if self._is_async:
            return cast(
                R,
                self._acall(
                    args,
                    kwargs,
                    force=force,
                    lazy=self._lazy,
                    mmap_mode=self._mmap_mode,
                ),
            )
        return cast(
            R,
            self._call(
                args, kwargs, force=force, lazy=self._lazy, mmap_mode=self._mmap_mode
            ),
        )

    def rerun(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """
        Run the function even if a result is stored, and overwrite that result.

        Use it when something the fingerprint cannot see changed (a file read by
        the function, a remote service).
        """
        if self._is_async:
            return cast(
                R,
                self._acall(
                    args, kwargs, force=True, lazy=self._lazy, mmap_mode=self._mmap_mode
                ),
            )
        return cast(
            R,
            self._call(
                args, kwargs, force=True, lazy=self._lazy, mmap_mode=self._mmap_mode
            ),
        )

    def lazy(self, *args: P.args, **kwargs: P.kwargs) -> LazyResult[R]:
        """
        Make sure the result is stored, and return a handle instead of the value.

        The result is computed and stored if needed (as a call would), but a
        stored result is not read: :meth:`LazyResult.load` reads it on first
        use (joblib's ``call_and_shelve``, curifactory's ``Lazy``). The handle
        pickles to a few hundred bytes and loads in other processes too.

        Returns:
            A :class:`LazyResult` (for ``async`` functions, an awaitable of one).

        Raises:
            Whatever the function raises when it runs.
        """
        force = self._refresh_requested()
        if self._is_async:
            return cast(
                "LazyResult[R]",
                self._acall(
                    args, kwargs, force=force, lazy=True, mmap_mode=self._mmap_mode
                ),
            )
        return cast(
            "LazyResult[R]",
            self._call(args, kwargs, force=force, lazy=True, mmap_mode=self._mmap_mode),
        )

    def using(
        self,
        *,
        refresh: bool | None = None,
        lazy: bool | None = None,
        mmap_mode: str | _Unset | None = _UNSET,
    ) -> Callable[P, Any]:
        """
        Return this function with per-call overrides: ``fn.using(refresh=True)(x)``.

        Args:
            refresh: ``True``: recompute and overwrite (as :meth:`rerun`);
                ``False``: ignore ``refresh=`` and ``CHECKPOINTING_REFRESH``
                for these calls; ``None``: the function's setting.
            lazy: Return a :class:`LazyResult` (``True``) or the value.
            mmap_mode: ``None``, ``"r"`` or ``"c"`` for these calls.

        Returns:
            A callable taking the function's own arguments (so no argument
            name of the function can clash with these options).

        Raises:
            ConfigurationError: If an option is invalid.
        """
        if refresh is not None and not isinstance(refresh, bool):
            raise ConfigurationError(
                f"{self._function_id}: using(refresh=) takes a bool"
            )
        chosen_mmap = (
            self._mmap_mode
            if isinstance(mmap_mode, _Unset)
            else check_mmap_mode(mmap_mode, self._function_id)
        )
        chosen_lazy = self._lazy if lazy is None else bool(lazy)

        def call(*args: P.args, **kwargs: P.kwargs) -> Any:
            force = self._refresh_requested() if refresh is None else refresh
            if self._is_async:
                return self._acall(
                    args, kwargs, force=force, lazy=chosen_lazy, mmap_mode=chosen_mmap
                )
            return self._call(
                args, kwargs, force=force, lazy=chosen_lazy, mmap_mode=chosen_mmap
            )

        functools.update_wrapper(call, self)
        return call

    def key(self, *args: P.args, **kwargs: P.kwargs) -> str:
        """
        Return the key (32-character hex) these arguments would be stored under.

        Raises:
            TypeError: If the arguments do not match the signature.
            CheckpointingError: If the key cannot be computed.
        """
        return self._plan(args, kwargs).key  # no store needed

    def is_cached(self, *args: P.args, **kwargs: P.kwargs) -> bool:
        """Return whether a call with these arguments would be a hit (nothing runs)."""
        plan = self._plan(args, kwargs)
        return self._store().is_valid(
            plan.function_id, plan.name, max_age=self._max_age, key=plan.key
        )

    def explain(self, *args: P.args, **kwargs: P.kwargs) -> Explanation:
        """
        Say whether a call with these arguments would hit, and if not, why.

        Nothing runs. A miss names every component (own source, callee, global,
        package, docstring) and argument that differs from the nearest stored
        entry of this function. A call that ``refresh=`` or
        ``CHECKPOINTING_REFRESH`` would force is a miss with cause
        ``"forced rerun"``, as the call itself would be.

        Raises:
            TypeError: If the arguments do not match the signature.
            CheckpointingError: If the key cannot be computed.
        """
        plan = self._plan(args, kwargs)
        store = self._store()
        if self._refresh_requested():
            return Explanation("miss", FORCED, (), plan.key, plan.key)
        if store.is_valid(
            plan.function_id, plan.name, max_age=self._max_age, key=plan.key
        ):
            return Explanation("hit", "hit", (), plan.key, plan.key)
        return self._explain_miss(plan, store)

    def clear(self) -> int:
        """
        Delete every stored result of this function in its current directory.

        Returns:
            The number of entries deleted.
        """
        return self._store().clear(self._function_id)

    @property
    def directory(self) -> Path:
        """The cache directory a call would use now (the fastest tier's, with tiers)."""
        return Path(self._store().location())

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return _BoundCheckpointed(self, instance)

    def __dask_tokenize__(self) -> tuple[str, ...]:
        """
        Dask's name for this function in task keys: its id and code fingerprint.

        Dask otherwise tokenizes by pickling, which is slower; the fingerprint
        also changes the token after an edit, as a new function would.
        """
        return (
            "checkpointing.Checkpointed",
            self._function_id,
            self._fingerprint().digest,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        """
        Pickle by reference when the function is importable, else by value.

        Functions of ``__main__`` (a script, a notebook) always go by value:
        a worker process (loky, Dask, spawn) has another ``__main__``. The
        by-value payload is made with cloudpickle whatever pickler asked, so
        plain :mod:`pickle` (``multiprocessing``) ships them too; a function
        that refers to itself (recursion) is rebuilt as one object.

        A by-value payload carries the source text of the script or notebook
        code its fingerprint reached (a worker computes the keys the client
        does without a copy of the file), and never the HMAC key: only its id
        (``_pickling.key_id``). Where it is unpickled, the key comes from that
        process's settings (``CHECKPOINTING_HMAC_KEY``, or the Dask plugin
        ``checkpointing.distributed.CheckpointingSettings``), and a call
        raises :class:`ConfigurationError` if that key is missing or another.
        """
        required = self.__dict__.get("_required_key_id")
        return reduce_checkpointed(
            self,
            self._func,
            self._options.as_dict(),
            _rebuild_by_value,
            fingerprint=self._fingerprint,
            signing_key=None if required else resolve_hmac_key(self._hmac_key),
            signing_key_id=required,
        )

    # -- internals -----------------------------------------------------------
    def _refresh_requested(self) -> bool:
        """Whether this call must recompute: ``refresh=`` or ``CHECKPOINTING_REFRESH``."""
        refresh = self._refresh
        if refresh is True or (refresh is not False and bool(refresh())):
            return True
        if RAW_ENVIRON is not None and b"CHECKPOINTING_REFRESH" not in RAW_ENVIRON:
            return False  # the hit path: one dict lookup
        return refresh_requested(self._module, self._qualname)


@final
class _BoundCheckpointed:
    # A Checkpointed method bound to an instance (``obj.method``). No class
    # docstring: ``__doc__`` is the property below, the method's own docstring.

    __slots__ = ("__func__", "__self__")

    @property
    def __doc__(self) -> str | None:  # type: ignore[override]
        return self.__func__.__doc__

    def __init__(self, func: Checkpointed[..., Any], instance: object) -> None:
        self.__func__ = func
        self.__self__ = instance

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__func__(self.__self__, *args, **kwargs)

    def rerun(self, *args: Any, **kwargs: Any) -> Any:
        """Bound form of :meth:`Checkpointed.rerun`."""
        return self.__func__.rerun(self.__self__, *args, **kwargs)

    def lazy(self, *args: Any, **kwargs: Any) -> Any:
        """Bound form of :meth:`Checkpointed.lazy`."""
        return self.__func__.lazy(self.__self__, *args, **kwargs)

    def using(self, **options: Any) -> Callable[..., Any]:
        """Bound form of :meth:`Checkpointed.using`."""
        return functools.partial(self.__func__.using(**options), self.__self__)

    def key(self, *args: Any, **kwargs: Any) -> str:
        """Bound form of :meth:`Checkpointed.key`."""
        return self.__func__.key(self.__self__, *args, **kwargs)

    def is_cached(self, *args: Any, **kwargs: Any) -> bool:
        """Bound form of :meth:`Checkpointed.is_cached`."""
        return self.__func__.is_cached(self.__self__, *args, **kwargs)

    def explain(self, *args: Any, **kwargs: Any) -> Explanation:
        """Bound form of :meth:`Checkpointed.explain`."""
        return self.__func__.explain(self.__self__, *args, **kwargs)

    def clear(self) -> int:
        """Same as :meth:`Checkpointed.clear` (all entries of the method)."""
        return self.__func__.clear()

    @property
    def __wrapped__(self) -> Any:
        return self.__func__.__wrapped__.__get__(self.__self__)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__func__, name)

    def __repr__(self) -> str:
        owner = short_repr(self.__self__, 60)
        return f"<bound checkpointed {self.__func__._function_id} of {owner}>"


# Pickles made before _pickling existed name these by this module's path
# (``checkpointing._decorator._being_rebuilt``, ``..._import_checkpointed``):
# they stay importable here. ``_rebuild`` and ``_rebuild_by_value`` (below)
# still live here: they build the class, and new pickles name them here too.
_being_rebuilt = being_rebuilt
_import_checkpointed = import_checkpointed


def _rebuild(
    func: Callable[..., Any], options: dict[str, Any]
) -> Checkpointed[..., Any]:
    """Rebuild from a pickle written before by-value payloads (kept for old pickles)."""
    return Checkpointed(func, **options)


def _rebuild_by_value(token: str, payload: bytes) -> Checkpointed[..., Any]:
    """Unpickle a checkpointed function pickled by value (see ``_pickling``)."""
    obj: Checkpointed[..., Any] = Checkpointed.__new__(Checkpointed)
    loaded = load_by_value(obj, token, payload)
    options = loaded.options
    if loaded.key is not None:  # this process decorated or pickled with the key
        options = {**options, "hmac_key": loaded.key}
    obj.__init__(loaded.func, **options)
    if loaded.key_id is not None and loaded.key is None:
        _require_key(obj, loaded.key_id)
    share_walks(obj, payload)
    return obj


def _require_key(obj: Checkpointed[..., Any], wanted: str) -> None:
    """
    Make *obj*'s calls check that this process signs with the key *wanted* names.

    The pickling process signed its entries; its key was not sent (only its
    id). This process's key comes from its settings at each call; a call
    without it, or with another key, would write unsigned or foreign-signed
    entries next to the client's, or refuse them all as tampered: it raises
    instead. Only rebuilt objects pay for the check (an instance attribute
    shadows ``_store``).
    """
    choose_store = obj._store
    checked: dict[bytes | None, bool] = {}

    def store() -> Any:
        key = resolve_hmac_key(None)
        ok = checked.get(key)
        if ok is None:
            ok = checked[key] = key is not None and key_id(key) == wanted
        if not ok:
            found = "no HMAC key" if key is None else f"the key with id {key_id(key)}"
            raise ConfigurationError(
                f"{obj._function_id}: its entries are signed with the HMAC key "
                f"with id {wanted} where it was pickled, but this process has "
                f"{found}. The key is never sent with a task: give the workers the "
                "same key, through client.register_plugin("
                "checkpointing.distributed.CheckpointingSettings(hmac_key=...)) "
                "or the CHECKPOINTING_HMAC_KEY environment variable"
            )
        return choose_store()

    obj.__dict__["_store"] = store
    obj.__dict__["_required_key_id"] = wanted


# What inspect.signature(Checkpointed) and help() show: one keyword per option.
Checkpointed.__init__.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter(
            "func", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation="Callable[P, R]"
        ),
        *option_parameters(),
    ],
    return_annotation="None",
)
