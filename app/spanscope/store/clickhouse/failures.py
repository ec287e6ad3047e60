"""Failure groups of a ClickHouse source: the failing spans of a filter grouped by cause as
``store/sql/failures.sql`` groups them locally (the same kinds, the same masking of what
changes between occurrences, the same 10-hex group id, so ``group:ID`` found here names the
same group after a pull). Labels are the local database's: no ``label`` groups here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa

from spanscope.store import members
from spanscope.store.failure_groups import SPARK_BUCKETS, FailureGroup
from spanscope.store.masking import EVERYTHING
from spanscope.store.queries import Where

# runs SQL over the source's ``spans`` and ``traces`` (ClickHouseSource.query)
Query = Callable[[str, list[Any]], pa.Table]

_REFUSED = "('content_filter', 'refusal', 'safety', 'blocked', 'prohibited_content', 'recitation')"
_CUT = "('length', 'max_tokens', 'max_output_tokens', 'model_length')"
_ORDER = {
    "count": "count DESC, last_seen_ns DESC, group_id",
    "newest": "last_seen_ns DESC, count DESC, group_id",
}


def _literal(text: str) -> str:
    """A ClickHouse string literal (backslashes escape in ClickHouse, not in DuckDB)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def masked(column: str, limit: int = 200) -> str:
    """``store.masking.masked_sql`` in ClickHouse: the same patterns (RE2 on both sides)."""
    expression = f"coalesce({column}, '')"
    for pattern, replacement in EVERYTHING:
        expression = f"replaceRegexpAll({expression}, {_literal(pattern)}, {_literal(replacement)})"
    return f"leftUTF8(trimBoth({expression}), {int(limit)})"


_FAILURES = f"""
SELECT trace_id, span_id, start_ns, model, service, user_id, session_id, group_kind, signature,
       left(lower(hex(MD5(concat(group_kind, ':', signature)))), 10) AS group_id
FROM (
    SELECT trace_id, span_id, start_ns, model, service, user_id, session_id, group_kind,
        multiIf(group_kind = 'tool_error',
                    concat(coalesce(tool_name, name, '?'), ': ', {masked("text_to_mask")}),
                group_kind = 'error',
                    concat(coalesce(nullIf(error_type, ''), kind, '?'), ': ', {masked("text_to_mask")}),
                group_kind = 'empty_retrieval', concat(coalesce(name, '?'), ': no chunks retrieved'),
                concat(coalesce(name, '?'), ': finish reason ', coalesce(finish_reason, '?'))
        ) AS signature
    FROM (
        SELECT trace_id, span_id, start_ns, model, service, user_id, session_id, kind, name,
            tool_name, error_type, finish_reason,
            coalesce(nullIf(status_message, ''), error_type, '') AS text_to_mask,
            multiIf(status = 'error' AND kind = 'tool', 'tool_error',
                    status = 'error', 'error',
                    kind = 'retriever' AND NOT has_documents
                        AND trimBoth(a['output.value']) IN ('', '[]', 'null'), 'empty_retrieval',
                    kind = 'llm' AND finish_reason IN {_REFUSED}, 'refusal',
                    kind = 'llm' AND finish_reason IN {_CUT}, 'truncation',
                    NULL) AS group_kind
        FROM spans WHERE ({{where}}) AND (status = 'error' OR kind IN ('retriever', 'llm'))
    )
    WHERE isNotNull(group_kind)  -- the masking runs on failures only
)
"""


def failures_sql(where: Where) -> tuple[str, list[Any]]:
    """The failing spans of a span filter with their group (nestable SQL and parameters)."""
    return _FAILURES.replace("{where}", where.sql), list(where.params)


def member_condition(group_id: str, at_trace: bool, params: list[object]) -> str:
    """SQL for ``group:ID`` over the source's tables: the span is in the group (a trace: one
    of its spans is)."""
    listing, listing_params = failures_sql(Where())
    return members.member_condition(listing, listing_params, "group_id", group_id, at_trace, params)


def failure_groups(
    query: Query, where: Where | None = None, order: str = "count", limit: int = 100
) -> list[FailureGroup]:
    """The groups of failures among the spans ``where`` keeps, as
    ``store.failure_groups.failure_groups`` returns them (labels aside)."""
    failures, params = failures_sql(where or Where())
    rows = query(
        f"""SELECT group_id, any(group_kind) AS kind, any(signature) AS signature,
               toInt64(count()) AS count, toInt64(uniqExact(trace_id)) AS traces,
               toInt64(uniqExact(user_id)) AS users, toInt64(uniqExact(session_id)) AS sessions,
               min(start_ns) AS first_seen_ns, max(start_ns) AS last_seen_ns,
               argMin(span_id, start_ns) AS example_span_id,
               argMin(trace_id, start_ns) AS example_trace_id,
               arraySort(groupUniqArray(model)) AS models,
               arraySort(groupUniqArray(service)) AS services,
               groupArray(trace_id) AS trace_ids,
               groupArray(start_ns) AS starts,
               min(min(start_ns)) OVER () AS lo,      -- the sparklines share the time axis
               max(max(start_ns)) OVER () AS hi       -- of every failure, not only those shown
        FROM ({failures}) GROUP BY group_id
        ORDER BY {_ORDER.get(order, _ORDER["count"])} LIMIT ?""",
        [*params, int(limit)],
    ).to_pylist()
    if not rows:
        return []
    lo = rows[0]["lo"]
    span_ns = max(rows[0]["hi"] - lo, 1)
    costs = _trace_costs(query, {t for r in rows for t in r["trace_ids"]})
    return [_group(r, lo, span_ns, costs) for r in rows]


def _trace_costs(query: Query, trace_ids: set[str]) -> dict[str, float | None]:
    if not trace_ids:
        return {}
    rows = query(
        "SELECT trace_id, cost FROM traces WHERE trace_id IN (SELECT arrayJoin(?))",
        [sorted(trace_ids)],
    )
    return dict(
        zip(rows.column("trace_id").to_pylist(), rows.column("cost").to_pylist(), strict=True)
    )


def _group(
    row: dict[str, Any], lo: int, span_ns: int, costs: dict[str, float | None]
) -> FailureGroup:
    spark = [0] * SPARK_BUCKETS
    for start in row["starts"]:
        spark[min(SPARK_BUCKETS - 1, int((start - lo) * float(SPARK_BUCKETS) / span_ns))] += 1
    touched = [costs.get(t) for t in set(row["trace_ids"])]
    priced = [c for c in touched if c is not None]
    return FailureGroup(
        group_id=row["group_id"],
        kind=row["kind"],
        signature=row["signature"],
        count=row["count"],
        traces=row["traces"],
        users=row["users"],
        sessions=row["sessions"],
        first_seen_ns=row["first_seen_ns"],
        last_seen_ns=row["last_seen_ns"],
        example_trace_id=row["example_trace_id"],
        example_span_id=row["example_span_id"],
        models=tuple(row["models"]),
        services=tuple(row["services"]),
        cost=sum(priced) if priced else None,
        sparkline=tuple(spark),
    )
