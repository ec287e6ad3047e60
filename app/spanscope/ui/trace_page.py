"""One page of the trace list, read and formatted as text in a worker."""

from __future__ import annotations

from collections.abc import Callable
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
    PageColumns,
    PageRequest,
    PageRows,
    cells_of,
    last_key,
    one_line,
)


def _numbers(name: str) -> Callable[[PageColumns], list[str]]:
    return lambda page: [display.number(v) for v in page[name]]


# The trace list's columns, in order (see page_rows.Column).
COLUMNS: tuple[Column, ...] = (
    TIME,
    Column("Root", ("root_name",), one_line("root_name", 80), width="invoke_agent support-agent"),
    Column("Service", ("service",), one_line("service", 120), width="checkout-assistant"),
    DURATION,
    Column("Spans", ("span_count",), _numbers("span_count"), "spans", True, "Spans"),
    Column("LLM", ("llm_count",), _numbers("llm_count"), None, True, "LLM"),
    Column("Tools", ("tool_count",), _numbers("tool_count"), None, True, "Tools"),
    Column(
        "Errors",
        ("error_count",),
        _numbers("error_count"),
        "errors",
        True,
        "Errors",
        marks_errors=True,
    ),
    TOKENS,
    COST,
    Column(
        "Models",
        ("models",),
        lambda p: [display.one_line(", ".join(v or []), 200) for v in p["models"]],
        width="gpt-4o-mini-2024-07-18",
    ),
    Column("User", ("user_id",), one_line("user_id", 120), width="u_1234"),
    Column("Labels", ("labels",), lambda p: list(p["labels"])),
    Column("Preview", ("preview",), one_line("preview", 200)),
    Column("Trace ID", ("trace_id",), lambda p: [str(v) for v in p["trace_id"]]),
    MATCH,
)


@dataclass
class TraceRows(PageRows):
    """A page of traces: display text, error flags, and the trace id of each row."""

    trace_ids: list[str] = field(default_factory=list)


def load_page(cur: Any, request: PageRequest) -> TraceRows:
    """Worker side: query one page and format it."""
    c, more = request.read(cur, queries.trace_page)
    badges = stored.labels_of_traces(cur, c["trace_id"])  # the page's, from small tables
    c["labels"] = [badge_text(badges.get(t)) for t in c["trace_id"]]
    c["match"] = request.snippets(cur, c["trace_id"])
    text = cells_of(COLUMNS, c)
    return TraceRows(
        text=text,
        errors=[bool(v) for v in c["error_count"]],
        after=last_key(c, "trace_id"),
        more=more,
        trace_ids=list(c["trace_id"]),
    )
