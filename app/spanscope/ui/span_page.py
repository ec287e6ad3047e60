"""One page of the span list, read and formatted as text in a worker.

One row per span across traces (e.g. every llm call matching a filter).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spanscope.store import queries
from spanscope.store.annotations import labels_of_spans
from spanscope.ui import display
from spanscope.ui.badges import badge_text
from spanscope.ui.page_rows import Column, PageRequest, PageRows, last_key

COLUMNS: tuple[Column, ...] = (
    Column("Time", "start"),
    Column("Name"),
    Column("Kind"),
    Column("Model / tool"),
    Column("Status", "errors"),
    Column("Duration", "duration", True),
    Column("Tokens in / out", "tokens", True),
    Column("Cost", "cost", True),
    Column("Service"),
    Column("User"),
    Column("Session"),
    Column("Trace"),
    Column("Labels"),
    Column("Preview"),
)
STATUS_COLUMN = 4
# Shown until the user chooses: the rest are a right-click on the header away.
HIDDEN_BY_DEFAULT = ("Session", "Trace")


@dataclass
class SpanRows(PageRows):
    """A page of spans: display text, error flags, and each row's ids and kind."""

    trace_ids: list[str] = field(default_factory=list)
    span_ids: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)


def load_page(cur: Any, request: PageRequest) -> SpanRows:
    """Worker side: query one page of spans and format it."""
    c, more = request.read(cur, queries.span_page)
    keys = list(zip(c["trace_id"], c["span_id"], strict=True))
    badges = labels_of_spans(cur, keys)  # the page's, from small tables
    text = [
        [display.local_time(v) for v in c["start_ns"]],
        [display.one_line(v, 80) for v in c["name"]],
        [v or "" for v in c["kind"]],
        # model, tool, service, user and session are trace text: one capped line each
        [display.one_line(m or t, 120) for m, t in zip(c["model"], c["tool_name"], strict=True)],
        [v or "" for v in c["status"]],
        [display.duration(v) for v in c["duration_ns"]],
        [display.tokens(i, o) for i, o in zip(c["input_tokens"], c["output_tokens"], strict=True)],
        [display.cost(v) for v in c["cost"]],
        [display.one_line(v, 120) for v in c["service"]],
        [display.one_line(v, 120) for v in c["user_id"]],
        [display.one_line(v, 120) for v in c["session_id"]],
        list(c["trace_id"]),
        [badge_text(badges.get(k)) for k in keys],
        [display.one_line(v, 200) for v in c["preview"]],
    ]
    return SpanRows(
        text=text,
        errors=[v == "error" for v in c["status"]],
        after=last_key(c, "row_key"),
        more=more,
        trace_ids=list(c["trace_id"]),
        span_ids=list(c["span_id"]),
        kinds=[v or "other" for v in c["kind"]],
    )
