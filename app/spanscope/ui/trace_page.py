"""One page of the trace list, read and formatted as text in a worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spanscope.store import queries
from spanscope.store.annotations import labels_of_traces
from spanscope.ui import display
from spanscope.ui.badges import badge_text
from spanscope.ui.page_rows import Column, PageRequest, PageRows, last_key

COLUMNS: tuple[Column, ...] = (
    Column("Time", "start"),
    Column("Root"),
    Column("Service"),
    Column("Duration", "duration", True),
    Column("Spans", "spans", True),
    Column("LLM", None, True),
    Column("Tools", None, True),
    Column("Errors", "errors", True),
    Column("Tokens in / out", "tokens", True),
    Column("Cost", "cost", True),
    Column("Models"),
    Column("User"),
    Column("Labels"),
    Column("Preview"),
    Column("Trace ID"),
)
ERRORS_COLUMN = 7


@dataclass
class TraceRows(PageRows):
    """A page of traces: display text, error flags, and the trace id of each row."""

    trace_ids: list[str] = field(default_factory=list)


def load_page(cur: Any, request: PageRequest) -> TraceRows:
    """Worker side: query one page and format it."""
    c, more = request.read(cur, queries.trace_page)
    badges = labels_of_traces(cur, c["trace_id"])  # the page's, from small tables
    text = [
        [display.local_time(v) for v in c["start_ns"]],
        [display.one_line(v, 80) for v in c["root_name"]],
        [display.one_line(v, 120) for v in c["service"]],  # trace text: one capped line
        [display.duration(v) for v in c["duration_ns"]],
        [display.number(v) for v in c["span_count"]],
        [display.number(v) for v in c["llm_count"]],
        [display.number(v) for v in c["tool_count"]],
        [display.number(v) for v in c["error_count"]],
        [display.tokens(i, o) for i, o in zip(c["input_tokens"], c["output_tokens"], strict=True)],
        [display.cost(v) for v in c["cost"]],
        [display.one_line(", ".join(v or []), 200) for v in c["models"]],
        [display.one_line(v, 120) for v in c["user_id"]],
        [badge_text(badges.get(t)) for t in c["trace_id"]],
        [display.one_line(v, 200) for v in c["preview"]],
        [str(v) for v in c["trace_id"]],
    ]
    return TraceRows(
        text=text,
        errors=[bool(v) for v in c["error_count"]],
        after=last_key(c, "trace_id"),
        more=more,
        trace_ids=list(c["trace_id"]),
    )
