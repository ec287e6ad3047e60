"""One page of the span list, read and formatted as text in a worker.

One row per span across traces (e.g. every llm call matching a filter). Formatting happens off
the UI thread so the model's ``data`` only indexes lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spanscope.store import queries
from spanscope.ui import display
from spanscope.ui.trace_page import Column

PAGE_SIZE = 200

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
    Column("Preview"),
)
STATUS_COLUMN = 4
# Shown until the user chooses: the rest are a right-click on the header away.
HIDDEN_BY_DEFAULT = ("Session", "Trace")


@dataclass
class SpanRows:
    """Rows of one page as display text, column by column, plus what the model needs."""

    text: list[list[str]] = field(default_factory=lambda: [[] for _ in COLUMNS])
    trace_ids: list[str] = field(default_factory=list)
    span_ids: list[str] = field(default_factory=list)
    errors: list[bool] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    after: tuple[Any, str] | None = None
    more: bool = False


def load_page(
    cur: Any,
    sort: str,
    descending: bool,
    after: tuple[Any, str] | None,
    where: queries.Where | None,
) -> SpanRows:
    """Worker side: query one page of spans and format it."""
    page = queries.span_page(
        cur, sort=sort, descending=descending, after=after, limit=PAGE_SIZE, where=where
    )
    c = page.rows.to_pydict()
    out = SpanRows(more=page.more)
    columns = (
        [display.local_time(v) for v in c["start_ns"]],
        [display.one_line(v, 80) for v in c["name"]],
        [v or "" for v in c["kind"]],
        [m or t or "" for m, t in zip(c["model"], c["tool_name"], strict=True)],
        [v or "" for v in c["status"]],
        [display.duration(v) for v in c["duration_ns"]],
        [display.tokens(i, o) for i, o in zip(c["input_tokens"], c["output_tokens"], strict=True)],
        [display.cost(v) for v in c["cost"]],
        [v or "" for v in c["service"]],
        [v or "" for v in c["user_id"]],
        [v or "" for v in c["session_id"]],
        list(c["trace_id"]),
        [display.one_line(v, 200) for v in c["preview"]],
    )
    out.text = [list(col) for col in columns]
    out.trace_ids = list(c["trace_id"])
    out.span_ids = list(c["span_id"])
    out.errors = [v == "error" for v in c["status"]]
    out.kinds = [v or "other" for v in c["kind"]]
    if page.rows.num_rows:
        out.after = (c["sort_key"][-1], c["row_key"][-1])
    return out
