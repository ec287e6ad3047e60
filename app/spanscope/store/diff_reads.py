"""Reads for the diff: two traces' spans with fingerprints of what is compared, and the full
detail of one pair of spans."""

from __future__ import annotations

from typing import Any

import duckdb

from spanscope.sqlfiles import load
from spanscope.store import queries


def diff_rows(cur: duckdb.DuckDBPyConnection, trace_id: str) -> list[dict[str, Any]]:
    """Every span of a trace, in start order, with the fingerprints the diff compares."""
    table = cur.sql(load("spanscope.store", "diff_spans.sql"), params=[trace_id]).to_arrow_table()
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


def trace_exists(cur: duckdb.DuckDBPyConnection, trace_id: str) -> bool:
    """Whether the database holds spans of this trace."""
    rows = cur.execute("SELECT 1 FROM spans WHERE trace_id = ? LIMIT 1", [trace_id]).fetchall()
    return bool(rows)


def pair_detail(
    cur: duckdb.DuckDBPyConnection,
    trace_a: str,
    span_a: str | None,
    trace_b: str,
    span_b: str | None,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The ``span_detail`` rows of both spans of a pair (None for a side without a span)."""
    a = queries.span_detail(cur, trace_a, span_a) if span_a else None
    b = queries.span_detail(cur, trace_b, span_b) if span_b else None
    return a, b


def spans_named(
    cur: duckdb.DuckDBPyConnection, trace_id: str, limit: int = 5000
) -> list[dict[str, Any]]:
    """The spans of a trace for choosing one (id, name, kind, model or tool), in start order."""
    table = cur.sql(
        "SELECT span_id, name, kind, coalesce(model, tool_name) AS what, start_ns FROM spans "
        "WHERE trace_id = ? ORDER BY start_ns NULLS LAST, span_id LIMIT ?",
        params=[trace_id, limit],
    ).to_arrow_table()
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


def span_brief(
    cur: duckdb.DuckDBPyConnection, trace_id: str, span_id: str
) -> dict[str, Any] | None:
    """Name, kind and model or tool of one span (to find its likeliest partner)."""
    rows: list[dict[str, Any]] = (
        cur.sql(
            "SELECT span_id, name, kind, coalesce(model, tool_name) AS what, start_ns FROM spans "
            "WHERE trace_id = ? AND span_id = ? LIMIT 1",
            params=[trace_id, span_id],
        )
        .to_arrow_table()
        .to_pylist()
    )
    return rows[0] if rows else None


def trace_starts(cur: duckdb.DuckDBPyConnection, trace_ids: list[str]) -> dict[str, int | None]:
    """When each trace started (to put the older of two first)."""
    rows = cur.execute(
        "SELECT trace_id, start_ns FROM traces WHERE list_contains(?, trace_id)", [trace_ids]
    ).fetchall()
    return {str(r[0]): r[1] for r in rows}
