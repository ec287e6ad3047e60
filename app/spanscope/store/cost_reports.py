"""Cost reports over the calls a filter keeps: totals, breakdowns, cache efficiency, runaways.

Each is one SQL rollup over ``spans`` (the model calls: llm and embedding spans) under the
filter of the query bar, compiled for spans the way the sidebar facets compile it
(:func:`spanscope.store.facets.spans_of_traces` for filters that only apply to traces).
Dimensions are chosen from :data:`DIMENSIONS`; their SQL is fixed here, never user text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from spanscope.sqlfiles import nestable
from spanscope.store.database import first_row
from spanscope.store.queries import Where

_DAY_NS, _HOUR_NS = 86_400 * 10**9, 3_600 * 10**9


@dataclass(frozen=True)
class Dimension:
    """A way to group calls: ``key`` groups (cheap to compare), ``label`` shows the group."""

    name: str
    title: str
    key: str  # over the call s and its trace t
    label: str = ""  # over the grouped key column named ``name``; empty: the key itself

    def label_sql(self) -> str:
        return (self.label or "c.{n}").format(n=self.name) + f" AS {self.name}"


DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in (
        Dimension("model", "Model", "s.model"),
        Dimension("provider", "Provider", "s.provider"),
        Dimension("service", "Service", "s.service"),
        Dimension("user", "User", "coalesce(s.user_id, t.user_id)"),
        Dimension("session", "Session", "coalesce(s.session_id, t.session_id)"),
        # A call with several tags counts in each of their groups.
        Dimension("tag", "Tag", "unnest(CASE WHEN len(s.tags) > 0 THEN s.tags ELSE [NULL] END)"),
        Dimension("operation", "Operation", "s.operation"),
        Dimension("root", "Root span", "t.root_name"),
        Dimension(
            "day",
            "Day",
            f"s.start_ns // {_DAY_NS}",
            f"strftime(make_timestamp(c.{{n}} * {_DAY_NS // 1000}), '%Y-%m-%d')",
        ),
        Dimension(
            "hour",
            "Hour",
            f"s.start_ns // {_HOUR_NS}",
            f"strftime(make_timestamp(c.{{n}} * {_HOUR_NS // 1000}), '%Y-%m-%d %H:00')",
        ),
        Dimension(
            "month",
            "Month",
            "date_trunc('month', make_timestamp(s.start_ns // 1000))",
            "strftime(c.{n}, '%Y-%m')",
        ),
    )
}
TIME_DIMENSIONS = ("day", "hour", "month")
BREAKDOWN_COLUMNS = (
    "calls",
    "traces",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "reasoning_tokens",
    "cost_usd",
    "unpriced_calls",
    "mismatched_calls",
    "avg_call_usd",
    "p95_call_usd",
    "share",
    "avg_trace_usd",
    "p95_trace_usd",
)


def breakdown(
    cur: duckdb.DuckDBPyConnection, by: list[str], where: Where | None = None
) -> pa.Table:
    """One row per group of the dimensions ``by`` (names from :data:`DIMENSIONS`), most
    expensive first, with :data:`BREAKDOWN_COLUMNS`. Raises ValueError for an unknown or
    repeated dimension."""
    if not by:
        raise ValueError("choose at least one dimension")
    unknown = [b for b in by if b not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown dimension {unknown[0]!r}; choose from {', '.join(DIMENSIONS)}")
    if len(set(by)) != len(by):
        raise ValueError("a dimension is given twice")
    dims = [DIMENSIONS[b] for b in by]
    where = where or Where()
    sql = nestable("spanscope.store", "cost_breakdown.sql").format(
        keys=", ".join(f"{d.key} AS {d.name}" for d in dims),
        names=", ".join(d.name for d in dims),
        join=" AND ".join(f"c.{d.name} IS NOT DISTINCT FROM t.{d.name}" for d in dims),
        labels=", ".join(d.label_sql() for d in dims),
        where=where.sql,
    )
    return cur.sql(sql, params=list(where.params)).to_arrow_table()


def totals(cur: duckdb.DuckDBPyConnection, where: Where | None = None) -> dict[str, Any]:
    """Calls, traces, cost, unpriced and mismatched calls, tokens and cache saving."""
    where = where or Where()
    sql = nestable("spanscope.store", "cost_totals.sql").format(where=where.sql)
    result = cur.execute(sql, list(where.params))
    names = [d[0] for d in result.description or ()]
    row = first_row(result)
    return dict(zip(names, row or (), strict=False))


def cache_efficiency(cur: duckdb.DuckDBPyConnection, where: Where | None = None) -> pa.Table:
    """Per model: input tokens, cache reads and writes, cached share, USD saved, cost."""
    where = where or Where()
    sql = nestable("spanscope.store", "cost_cache.sql").format(where=where.sql)
    return cur.sql(sql, params=list(where.params)).to_arrow_table()


@dataclass(frozen=True)
class RunawayThresholds:
    """How far above its peers a trace must be to be listed (see ``cost_runaways.sql``)."""

    factor: float = 3.0
    spread: float = 3.0
    min_peers: int = 5
    min_repeats: int = 3


def runaway_candidates(
    cur: duckdb.DuckDBPyConnection,
    trace_where: Where | None = None,
    thresholds: RunawayThresholds | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Traces far above their peers (same root name and service), with the figures that put
    them there; ``trace_where`` is the filter compiled over traces."""
    where = trace_where or Where()
    t = thresholds or RunawayThresholds()
    sql = nestable("spanscope.store", "cost_runaways.sql").format(
        where=where.sql,
        factor=float(t.factor),
        spread=float(t.spread),
        min_peers=int(t.min_peers),
        min_repeats=int(t.min_repeats),
    )
    result = cur.execute(sql, [*where.params, int(limit)])
    names = [d[0] for d in result.description or ()]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
