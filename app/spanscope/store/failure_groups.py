"""Failure groups: the failures of a filter grouped by cause (``sql/failures.sql`` says how a
span is put in a group), for the Failures screen, ``spanscope groups`` and the ``group:`` filter
term. Every function takes the caller's own cursor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from spanscope.sqlfiles import nestable
from spanscope.store import members
from spanscope.store.masking import with_masking
from spanscope.store.queries import Where

SPARK_BUCKETS = 24  # time buckets of a group's sparkline (failure_groups.sql)

_ORDER: dict[str, str] = {
    "count": "count DESC, last_seen_ns DESC NULLS LAST, group_id",
    "newest": "last_seen_ns DESC NULLS LAST, count DESC, group_id",
}


@dataclass(frozen=True)
class FailureGroup:
    """One cause of failure and where it was seen. ``sparkline`` counts occurrences in
    :data:`SPARK_BUCKETS` equal time buckets from the first to the last failure of the whole
    result (so the sparklines of one result share their time axis)."""

    group_id: str
    kind: str
    signature: str
    count: int
    traces: int
    users: int
    sessions: int
    first_seen_ns: int | None
    last_seen_ns: int | None
    example_trace_id: str
    example_span_id: str
    models: tuple[str, ...]
    services: tuple[str, ...]
    cost: float | None
    sparkline: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        """The ``spanscope groups --json`` record (its field names are a public contract)."""
        return {
            "group_id": self.group_id,
            "kind": self.kind,
            "signature": self.signature,
            "count": self.count,
            "traces": self.traces,
            "users": self.users,
            "sessions": self.sessions,
            "first_seen": members.iso_time(self.first_seen_ns),
            "last_seen": members.iso_time(self.last_seen_ns),
            "example_trace_id": self.example_trace_id,
            "example_span_id": self.example_span_id,
            "models": list(self.models),
            "services": list(self.services),
            "cost": self.cost,
            "sparkline": list(self.sparkline),
        }


def failures_sql(where: Where) -> tuple[str, list[Any]]:
    """The failing spans of a span filter with their group (nestable SQL and parameters)."""
    sql = with_masking(nestable("spanscope.store", "failures.sql"))
    uses = sql.count("{where}")
    return sql.replace("{where}", f"({where.sql})"), list(where.params) * uses


def member_condition(group_id: str, at_trace: bool, params: list[object]) -> str:
    """SQL for the ``group:ID`` filter term: the span is in the group (a trace: one of its
    spans is)."""
    listing, listing_params = failures_sql(Where())
    return members.member_condition(listing, listing_params, "group_id", group_id, at_trace, params)


def failure_groups(
    cur: duckdb.DuckDBPyConnection,
    where: Where | None = None,
    order: str = "count",
    limit: int | None = None,
) -> list[FailureGroup]:
    """The groups of failures among the spans ``where`` selects, largest first (``order``
    "count") or most recently seen first ("newest")."""
    failures, params = failures_sql(where or Where())
    sql = _grouped(f"SELECT '' AS cohort, * FROM ({failures})")
    sql = f"SELECT * FROM ({sql}) ORDER BY {_ORDER.get(order, _ORDER['count'])}"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return [group for _, group in _read(cur, sql, params)]


def cohort_failure_groups(
    cur: duckdb.DuckDBPyConnection, a: Where, b: Where
) -> tuple[list[FailureGroup], list[FailureGroup]]:
    """The failure groups of two cohorts (each a WHERE over ``traces``), largest first, from
    one computation of the failures of both: a comparison reads each failing span once even
    where the cohorts overlap."""
    # The cohorts' traces are listed once (the failures' filter reads the list five times).
    failures, params = failures_sql(Where("trace_id IN (SELECT trace_id FROM members)"))
    tagged = (
        f"WITH members AS MATERIALIZED (SELECT trace_id, ({a.sql}) AS in_a, ({b.sql}) AS in_b "
        f"FROM traces WHERE ({a.sql}) OR ({b.sql})), "
        f"both_sides AS MATERIALIZED ({failures}) "
        "SELECT 'a' AS cohort, * FROM both_sides "
        "WHERE trace_id IN (SELECT trace_id FROM members WHERE in_a) "
        "UNION ALL SELECT 'b' AS cohort, * FROM both_sides "
        "WHERE trace_id IN (SELECT trace_id FROM members WHERE in_b)"
    )
    sql = f"SELECT * FROM ({_grouped(tagged)}) ORDER BY cohort, {_ORDER['count']}"
    params = [*a.params, *b.params, *a.params, *b.params, *params]
    found: dict[str, list[FailureGroup]] = {"a": [], "b": []}
    for cohort, group in _read(cur, sql, params):
        found[cohort].append(group)
    return found["a"], found["b"]


def _grouped(failures: str) -> str:
    return nestable("spanscope.store", "failure_groups.sql").replace("{failures}", failures)


def _read(
    cur: duckdb.DuckDBPyConnection, sql: str, params: list[Any]
) -> list[tuple[str, FailureGroup]]:
    rows = cur.execute(sql, params).fetchall()
    names = [d[0] for d in cur.description or ()]
    out = []
    for row in rows:
        record = dict(zip(names, row, strict=True))
        out.append((str(record["cohort"]), _group(record)))
    return out


def _group(row: dict[str, Any]) -> FailureGroup:
    spark = [0] * SPARK_BUCKETS
    for bucket, n in zip(row["bucket_positions"] or (), row["bucket_counts"] or (), strict=True):
        spark[int(bucket)] += int(n)
    return FailureGroup(
        group_id=str(row["group_id"]),
        kind=str(row["kind"]),
        signature=str(row["signature"]),
        count=int(row["count"]),
        traces=int(row["traces"]),
        users=int(row["users"]),
        sessions=int(row["sessions"]),
        first_seen_ns=row["first_seen_ns"],
        last_seen_ns=row["last_seen_ns"],
        example_trace_id=str(row["example_trace_id"]),
        example_span_id=str(row["example_span_id"]),
        models=tuple(row["models"] or ()),
        services=tuple(row["services"] or ()),
        cost=None if row["cost"] is None else float(row["cost"]),
        sparkline=tuple(spark),
    )
