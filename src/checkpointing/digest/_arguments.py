"""
Argument identity: one call's arguments, bound to parameter names, → one digest.

Binding applies defaults first, so ``f(1)`` and ``f(x=1)`` digest alike; a
cached per-signature plan does it without ``Signature.bind`` in the common
case. Imports: ``digest._encoder``.
"""

from __future__ import annotations

import inspect
from collections.abc import Collection, Mapping
from typing import Final

from ._encoder import _pack_len, _xxh3_128_hexdigest, digest_value


def digest_arguments(
    signature: inspect.Signature,
    args: tuple[object, ...],
    kwargs: Mapping[str, object],
    *,
    ignore: Collection[str] = (),
) -> tuple[str, dict[str, str], dict[str, object]]:
    """
    Return the stable digest of one call's arguments.

    Arguments are bound to *signature* and defaults are applied first, so
    ``f(1)`` and ``f(x=1)`` digest identically. The result does not depend on
    ``PYTHONHASHSEED``, dict insertion order, or the process.

    Args:
        signature: Signature of the undecorated function.
        args: Positional arguments as passed by the caller.
        kwargs: Keyword arguments as passed by the caller.
        ignore: Parameter names left out of the digest.

    Returns:
        ``(digest, per_parameter, bound)``: the 32-character hex digest over all
        parameters, a mapping of parameter name to its own 32-character digest,
        and the bound values that were digested (for summaries).

    Raises:
        TypeError: If the arguments do not match *signature* (as a plain call
            of the function would).
        ArgumentDigestError: If an argument has no deterministic digest.
    """
    arguments = _bind(signature, args, kwargs)
    values: dict[str, object] = {}
    per_parameter: dict[str, str] = {}
    pieces: list[bytes] = []
    for name, value in arguments.items():
        if name in ignore:
            continue
        values[name] = value
        digest = digest_value(value, parameter=name)
        per_parameter[name] = digest
        # Parameter order is fixed by the signature, so no sorting is needed;
        # names are included so that moving a value between parameters changes it.
        encoded_name = name.encode("utf-8")
        pieces.append(_pack_len(len(encoded_name)) + encoded_name + digest.encode())
    return _xxh3_128_hexdigest(b"".join(pieces)), per_parameter, values


#: Parameter names, positional count, keyword names, defaults.
_Plan = tuple[tuple[str, ...], int, frozenset[str], dict[str, object]]
#: Per-signature binding plans: id → (signature, plan). The signature is kept
#: so that its id cannot be reused while the entry exists.
_PLANS: dict[int, tuple[inspect.Signature, _Plan | None]] = {}
_PLANS_LIMIT: Final = 512
_NO_DEFAULT: Final = inspect.Parameter.empty


def _binding_plan(signature: inspect.Signature) -> _Plan | None:
    """Names, positional count, keyword names and defaults; None if *args/**kwargs."""
    names: list[str] = []
    keyword_names: set[str] = set()
    defaults: dict[str, object] = {}
    positional = 0
    for parameter in signature.parameters.values():
        kind = parameter.kind
        if kind is parameter.VAR_POSITIONAL or kind is parameter.VAR_KEYWORD:
            return None
        names.append(parameter.name)
        if kind is not parameter.KEYWORD_ONLY:
            positional += 1
        if kind is not parameter.POSITIONAL_ONLY:
            keyword_names.add(parameter.name)
        if parameter.default is not _NO_DEFAULT:
            defaults[parameter.name] = parameter.default
    return tuple(names), positional, frozenset(keyword_names), defaults


def _bind(
    signature: inspect.Signature, args: tuple[object, ...], kwargs: Mapping[str, object]
) -> dict[str, object]:
    """
    Return the call's arguments by parameter name in signature order, defaults applied.

    ``Signature.bind`` costs ~2 µs; signatures without ``*args``/``**kwargs``
    are bound here from a cached plan instead. Anything unusual (too many
    arguments, unknown or duplicate names, a missing argument) goes through
    ``Signature.bind``, which raises the ``TypeError`` a plain call would.
    """
    entry = _PLANS.get(id(signature))
    if entry is None or entry[0] is not signature:
        if len(_PLANS) >= _PLANS_LIMIT:
            _PLANS.clear()
        entry = (signature, _binding_plan(signature))
        _PLANS[id(signature)] = entry
    plan = entry[1]
    if plan is not None:
        arguments = _bind_with_plan(plan, args, kwargs)
        if arguments is not None:
            return arguments
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def _bind_with_plan(
    plan: _Plan, args: tuple[object, ...], kwargs: Mapping[str, object]
) -> dict[str, object] | None:
    """The arguments in signature order, or None if ``Signature.bind`` must decide."""
    names, positional, keyword_names, defaults = plan
    if len(args) > positional:
        return None
    arguments = dict(zip(names, args, strict=False))
    if not kwargs and len(arguments) == len(names):
        return arguments  # all passed positionally: already in order
    for key in kwargs:
        if key in arguments or key not in keyword_names:
            return None
    ordered: dict[str, object] = {}
    for name in names:
        if name in arguments:
            ordered[name] = arguments[name]
        elif name in kwargs:
            ordered[name] = kwargs[name]
        elif name in defaults:
            ordered[name] = defaults[name]
        else:
            return None
    return ordered
