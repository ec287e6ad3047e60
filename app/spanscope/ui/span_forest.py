"""The span tree of one trace, numbered for a Qt model, built in a worker.

The arrangement itself (orphans become roots, a parent cycle is cut at its earliest span) is
``spanscope.core.tree``; this adapter numbers the nodes in depth-first display order, so a
model index can carry a node number and "next error" is simply the next number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from spanscope.core.timeline import TraceTimeline, build_timeline
from spanscope.core.tree import build_tree


@dataclass
class SpanForest:
    """Spans in display order with their parent/child links and the trace's time extent."""

    spans: list[dict[str, Any]] = field(default_factory=list)  # node -> span row
    parent: list[int] = field(default_factory=list)  # node -> parent node, -1 for a root
    children: list[list[int]] = field(default_factory=list)  # node -> child nodes
    position: list[int] = field(default_factory=list)  # node -> row under its parent
    roots: list[int] = field(default_factory=list)
    orphan: list[bool] = field(default_factory=list)  # recorded parent missing from the trace
    cut: list[bool] = field(default_factory=list)  # parent link cut to break a cycle
    start_ns: int = 0
    end_ns: int = 0
    timeline: TraceTimeline = field(default_factory=TraceTimeline)  # self time, gaps, critical path
    _by_id: dict[str, int] | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.spans)

    def value(self, node: int, column: str) -> Any:
        return self.spans[node].get(column)

    def ancestors(self, node: int) -> list[int]:
        out = []
        while self.parent[node] >= 0:
            node = self.parent[node]
            out.append(node)
        return out

    def node_of(self, span_id: str) -> int | None:
        """The node of a span id (the first, should an id repeat)."""
        if self._by_id is None:
            self._by_id = {}
            for node, span in enumerate(self.spans):
                self._by_id.setdefault(str(span.get("span_id")), node)
        return self._by_id.get(span_id)

    def errors(self) -> int:
        return sum(1 for span in self.spans if span.get("status") == "error")


def build_forest(table: pa.Table) -> SpanForest:
    """Arrange the spans of one trace (``queries.trace_spans``) for display."""
    tree = build_tree(table.to_pylist())
    forest = SpanForest()
    numbers: dict[int, int] = {}
    for node in tree.walk():
        number = len(forest.spans)
        numbers[id(node)] = number
        up = numbers[id(node.parent)] if node.parent is not None else -1
        siblings = forest.children[up] if up >= 0 else forest.roots
        forest.spans.append(node.span)
        forest.parent.append(up)
        forest.children.append([])
        forest.position.append(len(siblings))
        forest.orphan.append(node.orphan)
        forest.cut.append(node.cycle)
        siblings.append(number)
    starts = [s["start_ns"] for s in forest.spans if s.get("start_ns") is not None]
    ends = [s["end_ns"] for s in forest.spans if s.get("end_ns") is not None]
    forest.start_ns = min(starts) if starts else 0
    forest.end_ns = max(ends + starts) if starts or ends else 0
    forest.timeline = build_timeline(
        [s.get("start_ns") for s in forest.spans],
        [s.get("end_ns") for s in forest.spans],
        forest.children,
        forest.roots,
        forest.start_ns,
    )
    return forest
