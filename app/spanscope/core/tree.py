"""A trace's span tree from flat rows: orphans become roots, parent cycles are broken.

Never recursive and never unbounded: each span is placed once, so a cycle in the recorded
parent links cannot hang the tree (the earliest span of a cycle becomes a root).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Node:
    span: dict[str, Any]
    depth: int = 0
    children: list[Node] = field(default_factory=list)
    orphan: bool = False  # the recorded parent is not in the trace
    cycle: bool = False  # the recorded parent link was part of a cycle and was cut here
    parent: Node | None = None


@dataclass
class Tree:
    roots: list[Node]
    by_id: dict[str, Node]

    def walk(self) -> Iterator[Node]:
        """Depth-first, children in start order."""
        stack = list(reversed(self.roots))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


def _order(span: dict[str, Any]) -> tuple[int, str]:
    start = span.get("start_ns")
    return (start if start is not None else 2**63 - 1, str(span.get("span_id")))


def build_tree(spans: Sequence[dict[str, Any]]) -> Tree:
    """Arrange spans (dicts with span_id, parent_span_id, start_ns) into a tree."""
    ordered = sorted(spans, key=_order)
    nodes: dict[str, Node] = {}
    for span in ordered:
        nodes.setdefault(str(span["span_id"]), Node(span))  # first record of an id wins
    roots: list[Node] = []
    for node in nodes.values():
        parent_id = node.span.get("parent_span_id")
        parent = nodes.get(str(parent_id)) if parent_id else None
        if parent_id and parent is None:
            node.orphan = True
        if parent is None or parent is node:
            roots.append(node)
            continue
        node.parent = parent
    # Cut cycles: walk up from each node; a walk that returns to a node already on it is a
    # cycle. Cut at the earliest span of the cycle so the choice does not depend on order.
    state: dict[int, int] = {}  # id(node) -> 1 on current path, 2 done
    for start in nodes.values():
        path: list[Node] = []
        walker: Node | None = start
        while walker is not None and state.get(id(walker)) is None:
            state[id(walker)] = 1
            path.append(walker)
            walker = walker.parent
        if walker is not None and state.get(id(walker)) == 1:
            loop = path[path.index(walker) :]
            first = min(loop, key=lambda n: _order(n.span))
            first.parent, first.cycle = None, True
            roots.append(first)
        for visited in path:
            state[id(visited)] = 2
    for node in nodes.values():
        if node.parent is not None:
            node.parent.children.append(node)
    roots.sort(key=lambda n: _order(n.span))
    for root in roots:
        stack = [(root, 0)]
        while stack:
            current, depth = stack.pop()
            current.depth = depth
            stack.extend((child, depth + 1) for child in current.children)
    return Tree(roots, nodes)
