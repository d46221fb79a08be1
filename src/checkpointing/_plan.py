"""
Key building: digest + fingerprint + key + entry name of one call.

:class:`KeyPlanner` holds what a function's keys are made of (its signature,
``ignore=``, its fingerprinter, the result codec, ``key=``) and turns a call's
arguments into a :class:`KeyPlan` without a store and without running the
function (a client can compute the keys its workers will use). The call flow
(``_flow``) builds on it; ``Checkpointed`` is both.

One reason to change: how a call's key is made. Imports ``_codec``,
``_digest``, ``_entry_names``, ``_errors``, ``_fingerprint``, ``_manifest``,
``_options``, ``_serializers`` and ``_settings`` (``_formats`` lazily, for a
serializer given by name).
"""

from __future__ import annotations

import functools
import inspect
import re
import string
from collections.abc import Callable, Sequence
from types import FunctionType
from typing import Any, Final, NamedTuple, cast

import xxhash

from ._codec import FilesCodec, InlineCodec, ResultCodec, make_codec
from ._entry_names import check_entry_name, expand_template
from ._errors import ConfigurationError
from ._fingerprint import (
    Fingerprint,
    fingerprint_arguments,
    main_module_name,
    make_fingerprinter,
    merge_fingerprints,
)
from ._manifest import FORMAT_VERSION, ArgumentRecord, ComponentRecord
from ._options import CheckpointOptions
from ._serializers import (
    DEFAULT_PICKLE_PROTOCOL,
    BytesSerializer,
    CloudpickleSerializer,
    CompressedSerializer,
)
from ._settings import check_ignore, defaults
from .digest import digest_arguments, short_repr

__all__ = ["KeyPlan", "KeyPlanner", "component_records", "function_id"]

_UNSAFE_PATH_CHARS: Final = re.compile(r"[^A-Za-z0-9_.\-]")


class KeyPlan(NamedTuple):
    """Everything known about one call before it runs or loads (no store).

    A ``NamedTuple``, not a frozen dataclass: it is built on every hit, and a
    tuple is built in C (a frozen dataclass pays ``object.__setattr__`` per field).
    """

    function_id: str
    key: str
    fingerprint: Fingerprint
    arguments_digest: str
    argument_digests: dict[str, str]
    argument_values: dict[str, object]
    codec: ResultCodec
    name: str  # the entry's file name: the key, or the readable key= name

    @property
    def arguments(self) -> dict[str, ArgumentRecord]:
        """Per-parameter records; the reprs are only rendered when needed (a miss)."""
        return {
            name: ArgumentRecord(digest, short_repr(self.argument_values[name]))
            for name, digest in self.argument_digests.items()
        }


def _signature_parts(func: object) -> tuple[object, object, object]:
    """What a function's signature is made of and may be replaced in place."""
    return (
        getattr(func, "__code__", None),
        getattr(func, "__defaults__", None),
        getattr(func, "__kwdefaults__", None),
    )


def function_id(func: Callable[..., Any]) -> str:
    """The function's directory name in the store: ``module.qualname``, path-safe."""
    module = main_module_name(getattr(func, "__module__", None) or "unknown")
    qualname = str(
        getattr(func, "__qualname__", None) or getattr(func, "__name__", "fn")
    )
    qualname = qualname.replace("<locals>", "_locals_").replace("<lambda>", "_lambda_")
    return _UNSAFE_PATH_CHARS.sub("_", f"{module}.{qualname}")[:180]


def _fixed_codec(
    where: str,
    serializer: object,
    pickler: object,
    unpickler: object,
    outputs: Sequence[str] | None,
    compress: str | None,
    pickler_mode: object = "binary",
) -> ResultCodec | None:
    """The codec fixed at decoration, or ``None`` for the default (pickle, inline).

    The options were checked (:class:`CheckpointOptions`): pickler= and
    unpickler= come together, and not with serializer=.
    """
    if pickler is not None:
        from .formats import CallableSerializer

        serializer = CallableSerializer(
            pickler,  # type: ignore[arg-type]
            unpickler,  # type: ignore[arg-type]
            mode=cast(Any, pickler_mode),
        )
    if serializer is None and outputs is None:
        return None
    from .formats import resolve_serializer

    codec = make_codec(
        cast(Any, "pickle" if serializer is None else serializer),
        outputs,
        where=where,
        resolve=functools.partial(resolve_serializer, what=f"{where}: serializer="),
    )
    if compress is not None and isinstance(codec, FilesCodec):
        raise ConfigurationError(
            f"{where}: compress= applies to results kept in the entry file "
            "(pickle); file formats such as Parquet compress themselves"
        )
    if compress is not None and isinstance(codec, InlineCodec):
        codec = InlineCodec(CompressedSerializer(codec.serializer, compress))
    return codec


@functools.lru_cache(maxsize=16)
def _cloudpickle_serializer(protocol: int) -> CloudpickleSerializer:
    return CloudpickleSerializer(protocol)


def component_records(fingerprint: Fingerprint) -> dict[str, ComponentRecord]:
    """The manifest's records of *fingerprint*'s components (sources by digest)."""
    return {
        name: ComponentRecord(
            c.kind, c.digest, c.summary, c.digest if c.source else None
        )
        for name, c in fingerprint.components.items()
    }


class KeyPlanner:
    """
    Compute the key of a call of *func* under *options*, without a store.

    ``KeyPlanner(func, CheckpointOptions(...))._plan(args, kwargs)`` returns the
    :class:`KeyPlan` (key, entry name, fingerprint, argument digests, codec)
    that a checkpointed call would load or store under; nothing runs and no
    directory is read. *where* (``"module.qualname"``) prefixes errors. The
    methods keep private names: ``Checkpointed`` inherits them, and its public
    surface is its own.

    Raises:
        ConfigurationError: At construction, if the signature cannot be read,
            ``ignore=`` names a non-parameter, or the serializer is invalid.
    """

    _func: Callable[..., Any]

    def __init__(
        self,
        func: Callable[..., Any],
        options: CheckpointOptions,
        where: str = "checkpoint",
    ) -> None:
        self._func = func
        name = where
        self._fixed_codec = _fixed_codec(
            name,
            options.serializer,
            options.pickler,
            options.unpickler,
            options.outputs,
            options.compress,
            options.pickler_mode,
        )
        self._key_spec = options.key
        self._inline_codecs: dict[int, InlineCodec] = {}
        try:
            self._signature_source = inspect.unwrap(func)
            self._signature_memo = (
                *_signature_parts(self._signature_source),
                inspect.signature(func),
            )
        except (TypeError, ValueError) as err:
            raise ConfigurationError(
                f"{name}: cannot read its signature ({err})"
            ) from err
        self._ignore = check_ignore(options.ignore, self._signature.parameters, name)
        self._protocol = options.cache_pickle_protocol
        self._include_docstrings = options.include_docstrings
        self._compress = options.compress
        self._depends_on: tuple[object, ...] = tuple(options.depends_on)
        self._ignore_code = frozenset(options.ignore_code)
        pickler, unpickler = options.pickler, options.unpickler
        self._fingerprint = make_fingerprinter(
            func,
            include_docstrings=options.include_docstrings,
            ignore_code=self._ignore_code,
            # A pickler's code decides the stored bytes: fingerprint it too.
            depends_on=self._depends_on
            + ((pickler, unpickler) if pickler is not None else ()),
            version=options.version,
        )
        self._function_id = function_id(inspect.unwrap(func))

    def _codec(self) -> ResultCodec:
        """How results are stored; the default pickle protocol is resolved per call."""
        fixed = self._fixed_codec
        if fixed is not None:
            return fixed
        protocol = self._protocol
        if protocol is None:  # resolve_pickle_protocol, inlined for the hit path
            protocol = defaults.get("cache.pickle_protocol", DEFAULT_PICKLE_PROTOCOL)
        codec = self._inline_codecs.get(protocol)
        if codec is None:
            base: BytesSerializer = _cloudpickle_serializer(protocol)
            if self._compress is not None:
                base = CompressedSerializer(base, self._compress)
            codec = self._inline_codecs[protocol] = InlineCodec(base)
        return codec

    @property
    def _signature(self) -> inspect.Signature:
        """
        The signature as the function is now.

        ``%autoreload``, hand-made hot swaps and plain assignments replace
        ``__code__``, ``__defaults__`` or ``__kwdefaults__`` of the decorated
        function in place; a signature read once at decoration would then bind
        a call with the old defaults and key it like the old call. Three
        identity checks per call (~0.1 µs) keep it current.
        """
        memo = self._signature_memo
        source = self._signature_source
        if type(source) is FunctionType:
            if (
                source.__code__ is memo[0]
                and source.__defaults__ is memo[1]
                and source.__kwdefaults__ is memo[2]
            ):
                return memo[3]
        elif _signature_parts(source) == memo[:3]:
            return memo[3]
        signature = inspect.signature(self._func)
        self._signature_memo = (*_signature_parts(source), signature)
        return signature

    def _plan(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> KeyPlan:
        codec = self._codec()
        # self._signature, inlined for the hit path (a property costs ~0.1 µs).
        memo = self._signature_memo
        source = self._signature_source
        if (
            type(source) is FunctionType
            and source.__code__ is memo[0]
            and source.__defaults__ is memo[1]
            and source.__kwdefaults__ is memo[2]
        ):
            signature = memo[3]
        else:
            signature = self._signature
        arguments_digest, per_parameter, values = digest_arguments(
            signature, args, kwargs, ignore=self._ignore
        )
        fingerprint = merge_fingerprints(
            self._fingerprint(),
            # Functions, methods and project objects passed as arguments: their code.
            fingerprint_arguments(
                values,
                include_docstrings=self._include_docstrings,
                ignore_code=self._ignore_code,
            ),
        )
        key = xxhash.xxh3_128_hexdigest(
            f"checkpointing/{FORMAT_VERSION}\0{fingerprint.digest}\0"
            f"{arguments_digest}\0{codec.name}".encode()
        )
        name = key if self._key_spec is None else self._entry_name(args, kwargs)
        return KeyPlan(
            self._function_id,
            key,
            fingerprint,
            arguments_digest,
            per_parameter,
            values,
            codec,
            name,
        )

    def _entry_name(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
        """The readable entry name ``key=`` gives these arguments (validated)."""
        spec = self._key_spec
        if isinstance(spec, str):
            name = spec
        elif isinstance(spec, string.Template):
            bound = self._signature.bind(*args, **kwargs)
            bound.apply_defaults()
            name = expand_template(spec, args, bound.arguments, self._function_id)
        else:
            try:
                name = cast(Callable[..., Any], spec)(args, kwargs)
            except Exception as err:  # the user's key function: say so, clearly
                raise ConfigurationError(
                    f"{self._function_id}: the key= function raised "
                    f"{type(err).__name__}: {err}"
                ) from err
        return check_entry_name(name, self._function_id)
