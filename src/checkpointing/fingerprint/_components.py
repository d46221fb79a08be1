"""What a walk yields: Component, Fingerprint, their digest, argument packages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import xxhash

from ._common import _CONTAINER_TYPES, _MISSING, _PLAIN_TYPES, _text_attr, _text_digest
from ._origin import _module_origin


@dataclass(frozen=True, slots=True)
class Component:
    """
    One hashed part of a fingerprint.

    Attributes:
        name: Stable component name, e.g. ``"source"``, ``"callee:helpers:scale"``,
            ``"global:helpers:SCALE"``, ``"package:numpy"``.
        kind: ``source``, ``docstring``, ``signature``, ``callee``, ``defaults``,
            ``global``, ``closure``, ``class``, ``attribute``, ``extension``,
            ``package``, ``ambient`` or ``python`` (and ``dynamic``, ``file``,
            ``depends_on``, ``version``, ``option`` for declared coverage).
        digest: 32-character lowercase hex digest (xxh3_128).
        summary: Short readable form (value repr, version), may be ``""``.
        source: Normalized source text for ``source``/``callee`` components.
    """

    name: str
    kind: str
    digest: str
    summary: str = ""
    source: str | None = None
    # The name the key hashes, when not the name without its module (see
    # _components_digest): "global:@" for a global that code reaches only by
    # a name its binding list covers, so renaming the global keeps the key.
    key_name: str | None = None


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """
    The code identity of one function at one moment.

    Attributes:
        digest: 32-character hex digest over all components (sorted by name).
        components: Component name to :class:`Component`.
    """

    digest: str
    components: Mapping[str, Component]


def merge_fingerprints(first: Fingerprint, second: Fingerprint | None) -> Fingerprint:
    """Return the fingerprint covering the components of both (same names, same things)."""
    if second is None:
        return first
    memo_key = (first.digest, second.digest)
    merged = _merged.get(memo_key)
    if merged is None:
        components = {**first.components, **second.components}
        merged = Fingerprint(_components_digest(components), components)
        if len(_merged) > 256:  # a handful per function in practice
            _merged.clear()
        _merged[memo_key] = merged
    return merged


#: merge_fingerprints memo: (digest, digest) -> merged (same digests, same parts).
_merged: dict[tuple[str, str], Fingerprint] = {}


def _argument_packages(value: object, packages: dict[str, Component]) -> None:
    """
    Add ``package:<dist>`` for the package of *value*'s type (and its items').

    A DataFrame passed in runs pandas' code when the body calls its methods:
    the pandas version is an input like an imported module's. The argument's
    own type and the items of a top-level list, tuple or dict (a list of
    DataFrames) count; one memoized lookup per type.
    """
    cls = type(value)
    if cls in _CONTAINER_TYPES:
        items: Iterable[object] = (
            value.values() if isinstance(value, dict) else value  # type: ignore[assignment]
        )
        for count, item in enumerate(items):
            if count >= 64:
                break
            if type(item) not in _PLAIN_TYPES and type(item) not in _CONTAINER_TYPES:
                _argument_packages(item, packages)
        return
    component = _type_packages.get(cls, _MISSING)
    if component is _MISSING:
        component = _type_package(cls)
        _type_packages[cls] = component
    if component is not None:
        assert isinstance(component, Component)
        packages[component.name] = component


_type_packages: dict[type, object] = {}


def _type_package(cls: type) -> Component | None:
    module = _text_attr(cls, "__module__") or ""
    if not module or module == "builtins":
        return None
    origin = _module_origin(module)
    if origin.kind != "package":
        return None
    name = f"package:{origin.distribution}"
    return Component(name, "package", _text_digest(origin.version), origin.version)


def _packages_fingerprint(packages: dict[str, Component]) -> Fingerprint:
    memo_key = tuple(sorted(packages))
    fingerprint = _package_fingerprints.get(memo_key)
    if fingerprint is None:
        fingerprint = Fingerprint(_components_digest(packages), dict(packages))
        _package_fingerprints[memo_key] = fingerprint
    return fingerprint


_package_fingerprints: dict[tuple[str, ...], Fingerprint] = {}


# Component kinds whose names carry the defining module ("callee:<module>:<qualname>").
_LOCATED_KINDS: Final = frozenset(
    {
        "callee",
        "docstring",
        "defaults",
        "global",
        "closure",
        "class",
        "attribute",
        "bindings",
    }
)


def _content_name(name: str, kind: str) -> str:
    """*name* without its module: ``callee:helpers:scale`` -> ``callee:scale``."""
    if kind in _LOCATED_KINDS and name.count(":") >= 2:
        prefix, _module, rest = name.split(":", 2)
        return f"{prefix}:{rest}"
    return name


def _components_digest(components: Mapping[str, Component]) -> str:
    """
    Digest the components by *content*, not location.

    Module names are left out of the hashed names, so a helper moved unchanged
    to another module keeps every key (its code, and the values it reads, are
    what they were). The multiset of (name without module, digest) pairs is
    hashed in sorted order: a call that switches to a *different* helper of the
    same name still differs by that helper's digest.
    """
    shorts = {
        name: component.key_name or _content_name(name, component.kind)
        for name, component in components.items()
    }
    counts: dict[str, int] = {}
    for short in shorts.values():
        counts[short] = counts.get(short, 0) + 1
    # Two components alike without their modules (a.K and b.K, two helpers
    # named scale) keep their full names: otherwise swapping their values,
    # or which one is used where, would give the same multiset.
    pairs = sorted(
        (short if counts[short] == 1 else name, components[name].digest)
        for name, short in shorts.items()
    )
    hasher = xxhash.xxh3_128()
    for name, digest in pairs:
        hasher.update(name.encode("utf-8"))
        hasher.update(b"\0")
        hasher.update(digest.encode("ascii"))
        hasher.update(b"\n")
    return hasher.hexdigest()
