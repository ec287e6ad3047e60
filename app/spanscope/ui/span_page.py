"""One page of the span list, read and formatted as text in a worker.

One row per span across traces (e.g. every llm call matching a filter).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spanscope.store import annotations as stored
from spanscope.store import queries
from spanscope.ui import display
from spanscope.ui.badges import badge_text
from spanscope.ui.page_rows import (
    COST,
    DURATION,
    MATCH,
    TIME,
    TOKENS,
    Column,
    PageRequest,
    PageRows,
    cells_of,
    last_key,
    one_line,
)

# The span list's columns, in order (see page_rows.Column).
COLUMNS: tuple[Column, ...] = (
    TIME,
    Column(
        "Name",
        ("name",),
        one_line("name", 80),
        width="execute_tool lookup_order",
        marks_errors=True,
        kind_icon=True,
    ),
    Column(
        "Kind",
        ("kind",),
        lambda p: [v or "" for v in p["kind"]],
        width="retriever",
        kind_colour=True,
    ),
    Column(
        "Model / tool",
        ("model", "tool_name"),
        lambda p: [
            display.one_line(m or t, 120) for m, t in zip(p["model"], p["tool_name"], strict=True)
        ],
        width="gpt-4o-mini-2024-07-18",
    ),
    Column(
        "Status",
        ("status",),
        lambda p: [v or "" for v in p["status"]],
        sort="errors",
        width="error",
        marks_errors=True,
    ),
    DURATION,
    TOKENS,
    COST,
    Column("Service", ("service",), one_line("service", 120), width="checkout-assistant"),
    Column("User", ("user_id",), one_line("user_id", 120), width="u_1234"),
    Column(
        "Session", ("session_id",), one_line("session_id", 120), width="s_10a25b195f49", hidden=True
    ),
    Column(
        "Trace",
        ("trace_id",),
        lambda p: list(p["trace_id"]),
        width="0af7651916cd43dd",
        hidden=True,
    ),
    Column("Labels", ("labels",), lambda p: list(p["labels"])),
    Column("Preview", ("preview",), one_line("preview", 200)),
    MATCH,
)


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
    badges = stored.labels_of_spans(cur, keys)  # the page's, from small tables
    c["labels"] = [badge_text(badges.get(k)) for k in keys]
    c["match"] = request.snippets(cur, c["trace_id"], [f"{t}/{s}" for t, s in keys])
    text = cells_of(COLUMNS, c)
    return SpanRows(
        text=text,
        errors=[v == "error" for v in c["status"]],
        after=last_key(c, "row_key"),
        more=more,
        trace_ids=list(c["trace_id"]),
        span_ids=list(c["span_id"]),
        kinds=[v or "other" for v in c["kind"]],
    )
