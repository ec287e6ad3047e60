"""One page of the trace list, read and formatted as text in a worker.

Formatting happens off the UI thread so the model's ``data`` only indexes lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spanscope.store import queries
from spanscope.ui import display

PAGE_SIZE = 200


@dataclass(frozen=True)
class Column:
    title: str
    sort: str | None = None  # the server-side sort key, when the column can sort
    numeric: bool = False


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
    Column("Preview"),
)
ERRORS_COLUMN = 7


@dataclass
class TraceRows:
    """Rows of one page as display text, column by column, plus what the model needs."""

    text: list[list[str]] = field(default_factory=lambda: [[] for _ in COLUMNS])
    trace_ids: list[str] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)
    after: tuple[Any, str] | None = None
    more: bool = False


def load_page(
    cur: Any,
    sort: str,
    descending: bool,
    after: tuple[Any, str] | None,
    where: queries.Where | None,
) -> TraceRows:
    """Worker side: query one page and format it."""
    page = queries.trace_page(
        cur, sort=sort, descending=descending, after=after, limit=PAGE_SIZE, where=where
    )
    c = page.rows.to_pydict()
    out = TraceRows(more=page.more)
    n = page.rows.num_rows
    columns = (
        [display.local_time(v) for v in c["start_ns"]],
        [display.one_line(v, 80) for v in c["root_name"]],
        [v or "" for v in c["service"]],
        [display.duration(v) for v in c["duration_ns"]],
        [display.number(v) for v in c["span_count"]],
        [display.number(v) for v in c["llm_count"]],
        [display.number(v) for v in c["tool_count"]],
        [display.number(v) for v in c["error_count"]],
        [display.tokens(i, o) for i, o in zip(c["input_tokens"], c["output_tokens"], strict=True)],
        [display.cost(v) for v in c["cost"]],
        [", ".join(v or []) for v in c["models"]],
        [v or "" for v in c["user_id"]],
        [display.one_line(v, 200) for v in c["preview"]],
    )
    out.text = [list(col) for col in columns]
    out.trace_ids = list(c["trace_id"])
    out.errors = [int(v or 0) for v in c["error_count"]]
    if n:
        out.after = (c["sort_key"][-1], c["trace_id"][-1])
    return out
