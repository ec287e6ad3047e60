"""The applied filter: one value made once from the query text and handed to every screen.

Like datasette's ``Filters``: the trace list, the span list, the facets, Costs, Review and the
eval-set export all read the same :class:`Filter` (text, parsed tree, SQL for traces and for
spans, and what it means in words), so no screen parses the text again and none can read text
that was typed but not applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from spanscope.core.filter_dialect import Dialect
from spanscope.core.filters import (
    And,
    Node,
    Not,
    Or,
    Term,
    compile_tree,
    parse,
    span_group,
    term_level,
)
from spanscope.core.filters import group_level as _level
from spanscope.store.queries import Where


@dataclass(frozen=True)
class Filter:
    """A filter as applied. ``traces`` and ``spans`` are WHERE clauses over those tables;
    ``meaning`` / ``span_meaning`` say in words what the trace / span list shows."""

    text: str = ""
    tree: Node | None = field(default=None, compare=False)
    traces: Where = field(default_factory=Where)
    spans: Where = field(default_factory=Where)
    meaning: str = "every trace"
    span_meaning: str = "every span"

    @property
    def empty(self) -> bool:
        return self.tree is None

    def where(self, level: str) -> Where:
        """The WHERE clause for "traces" or "spans"."""
        return self.traces if level == "traces" else self.spans

    def compiled_for(self, dialect: Dialect) -> tuple[Where, Where]:
        """The same filter as WHERE clauses over another store's ``traces`` and ``spans``
        (a ClickHouse source's); ``FilterError`` at a term that store cannot answer."""
        return (
            compile_tree(self.tree, "traces", dialect=dialect),
            compile_tree(self.tree, "spans", dialect=dialect),
        )


EVERYTHING = Filter()


def make_filter(text: str, now: datetime | None = None) -> Filter:
    """Parse and compile ``text`` once; raises ``FilterError`` pointing at a bad term."""
    text = text.strip()
    tree = parse(text)
    if tree is None:
        return EVERYTHING
    return Filter(
        text=text,
        tree=tree,
        traces=compile_tree(tree, "traces", now),
        spans=compile_tree(tree, "spans", now),
        meaning="traces with " + _traces(tree, text),
        span_meaning="spans " + _spans(tree, text),
    )


def _written(term: Term, text: str) -> str:
    return text[term.position : term.position + term.length]


def _as_span(node: Node, text: str) -> str:
    """A node read on one span, as written."""
    if isinstance(node, Term):
        return _written(node, text)
    if isinstance(node, Not):
        return "-" + _as_span(node.inner, text)
    joiner = " " if isinstance(node, And) else " OR "
    inner = joiner.join(_as_span(p, text) for p in node.parts)
    return f"({inner})" if isinstance(node, Or) else inner


def _traces(node: Node, text: str) -> str:
    """What a trace-list node keeps, in words ("a span matching kind:tool …")."""
    if isinstance(node, Term):
        level = _level(node)
        written = _written(node, text)
        if level == "span":
            return f"a span matching {written}"
        if level == "both" and not node.prefix:
            return _on_trace(written)  # spelled as the trace-level field it stands for
        return written
    if isinstance(node, Not):
        inner = _traces(node.inner, text)
        if inner.startswith("a span matching "):
            return "no span matching " + inner.removeprefix("a span matching ")
        return "not " + inner
    if isinstance(node, Or):
        return "(" + " or ".join(_traces(p, text) for p in node.parts) + ")"
    members = span_group(node.parts)
    pieces = [f"a span matching {' '.join(_as_span(m, text) for m in members)}"] if members else []
    pieces += [_traces(p, text) for p in node.parts if not any(p is m for m in members)]
    return " and ".join(pieces)


def _on_trace(written: str) -> str:
    return written if written.lower().startswith("trace.") else "trace." + written


def _spans(node: Node, text: str) -> str:
    """What a span-list node keeps, in words."""
    trace_terms: list[str] = []
    span_terms: list[str] = []
    parts = node.parts if isinstance(node, And) else (node,)
    for part in parts:
        if isinstance(part, Term) and _level_on_spans(part) == "trace":
            trace_terms.append(_written(part, text))
        else:
            span_terms.append(_as_span(part, text))
    words = f"matching {' '.join(span_terms)}" if span_terms else ""
    if trace_terms:
        words = (words + " " if words else "") + f"in traces with {' '.join(trace_terms)}"
    return words


def _level_on_spans(term: Term) -> str:
    return term_level(term, on_spans=True)
