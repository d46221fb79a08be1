"""
``graph``: what the newest fingerprint of one function covers.

Groups the components of the newest manifest (own code, one group per
module, packages, declared dependencies, Python) into a tree, printed as
text, Graphviz DOT, a Mermaid flowchart or JSON.

Imports: ``_errors``, ``_manifest`` (types), and ``cli._arguments``,
``cli._render``, ``cli._select``.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, Final

from checkpointing._errors import ConfigurationError

from ._arguments import AddCommand
from ._render import Segment, _Node, _output, _print_json, _text, _when
from ._select import _TARGET_HELP, _catalogs, _resolve, _select

if TYPE_CHECKING:
    from checkpointing._manifest import Manifest


#: Longest summary shown in a graph node.
_GRAPH_SUMMARY: Final = 40

#: Component kinds of the decorated function itself (names without a module).
_OWN_KINDS: Final = ("source", "signature", "docstring")


def add_command(add: AddCommand) -> None:
    """Declare ``graph`` and its options."""
    graph_cmd = add("graph", "Print the components a function's fingerprint covers.")
    graph_cmd.add_argument("target", help=_TARGET_HELP)
    graph_cmd.add_argument(
        "--format",
        choices=("text", "dot", "mermaid"),
        default="text",
        help="a tree (default), Graphviz DOT or a Mermaid flowchart",
    )
    graph_cmd.set_defaults(run=_graph)


def _graph_tree(manifest: Manifest) -> _Node:
    """Group a manifest's components: own code, per module, packages, declared, Python."""
    own: list[_Node] = []
    modules: dict[str, list[_Node]] = {}
    packages: list[_Node] = []
    declared: list[_Node] = []
    python: list[_Node] = []
    for name, record in sorted(manifest.components.items()):
        summary = record.summary
        if len(summary) > _GRAPH_SUMMARY:
            summary = summary[: _GRAPH_SUMMARY - 3] + "..."
        label: list[Segment] = [(name, "component")]
        if summary:
            label += ["  ", (summary, "dim")]
        node = _Node(label)
        kind, _, rest = name.partition(":")
        if not rest and kind in _OWN_KINDS:
            own.append(node)
        elif kind == "python":
            python.append(node)
        elif kind == "package":
            packages.append(node)
        elif record.kind in ("callee", "global", "docstring", "defaults", "closure",
                             "class", "attribute", "extension"):  # fmt: skip
            modules.setdefault(rest.partition(":")[0] or "?", []).append(node)
        else:  # depends_on files and values, version=, ignore_code=
            declared.append(node)
    root = _Node(
        [
            (manifest.function_id, "function"),
            ("  entry ", "dim"),
            (manifest.key[:12], "key"),
            ("  " + _when(manifest.created_at), "dim"),
        ]
    )
    groups: list[tuple[str, list[_Node]]] = [("own code", own)]
    groups += [(f"module {module}", nodes) for module, nodes in sorted(modules.items())]
    groups += [
        ("packages", packages),
        ("declared (depends_on, version, ignore_code)", declared),
    ]
    for title, nodes in groups:
        if nodes:
            root.children.append(_Node([(title, "function")], nodes))
    root.children.extend(python)
    return root


def _graph(args: argparse.Namespace) -> int:
    store = _resolve(args)
    selection = _select(store, args)
    catalogs = [c for c in _catalogs(store, selection) if c.entries]
    if len(catalogs) != 1:
        names = (
            ", ".join(c.function_id for c in catalogs) or "none with readable entries"
        )
        raise ConfigurationError(
            f"{args.target!r} must name one function; it matches: {names}"
        )
    catalog = catalogs[0]
    manifest = store.manifest(catalog.function_id, catalog.newest(1)[0].key)
    if manifest is None:  # pragma: no cover - deleted between two reads
        raise ConfigurationError(f"the newest entry of {catalog.function_id} vanished")
    tree = _graph_tree(manifest)
    if args.json:
        return _print_json(
            {
                "function": manifest.function_id,
                "key": manifest.key,
                "created_at": manifest.created_at,
                "tree": _node_json(tree),
            }
        )
    if args.format == "dot":
        sys.stdout.write(_dot(tree))
    elif args.format == "mermaid":
        sys.stdout.write(_mermaid(tree))
    else:
        _output(args).tree(tree)
    return 0


def _node_json(node: _Node) -> dict[str, Any]:
    return {
        "label": _text(node.label),
        "children": [_node_json(c) for c in node.children],
    }


def _flatten(tree: _Node) -> list[tuple[str, str, str | None, bool]]:
    """Return ``(id, label, parent id, has children)`` per node, depth first."""
    found: list[tuple[str, str, str | None, bool]] = []

    def walk(node: _Node, parent: str | None) -> None:
        node_id = f"n{len(found)}"
        # The root is labelled with the function alone: no key or time in a picture.
        label = _text(node.label[:1] if parent is None else node.label)
        found.append((node_id, label, parent, bool(node.children)))
        for child in node.children:
            walk(child, node_id)

    walk(tree, None)
    return found


def _dot(tree: _Node) -> str:
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    nodes = _flatten(tree)
    lines = [
        f"digraph {quote(nodes[0][1])} {{",
        "  rankdir=LR;",
        '  node [shape=box, fontname="Helvetica"];',
    ]
    for node_id, label, parent, grouping in nodes:
        shape = (
            ""
            if parent is None
            else ", shape=folder"
            if grouping
            else ", style=rounded"
        )
        style = ", style=bold" if parent is None else ""
        lines.append(f"  {node_id} [label={quote(label)}{shape}{style}];")
        if parent is not None:
            lines.append(f"  {parent} -> {node_id};")
    return "\n".join([*lines, "}"]) + "\n"


def _mermaid(tree: _Node) -> str:
    def quote(text: str) -> str:
        # Inside a quoted Mermaid label, "#...;" is an entity code: escape "#"
        # first, then the characters that would end the label or read as HTML.
        for char, code in (
            ("#", "#35;"),
            ('"', "#quot;"),
            ("<", "#lt;"),
            (">", "#gt;"),
        ):
            text = text.replace(char, code)
        return f'"{text}"'

    lines = ["flowchart LR"]
    for node_id, label, parent, grouping in _flatten(tree):
        if parent is None:
            lines.append(f"  {node_id}[[{quote(label)}]]")
            continue
        shape = "[{}]" if grouping else "({})"
        lines.append(f"  {node_id}{shape.format(quote(label))}")
        lines.append(f"  {parent} --> {node_id}")
    return "\n".join(lines) + "\n"
