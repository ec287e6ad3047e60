"""Reading what an eval-set export needs about each annotated item: the span behind it (for a
trace, the model call that gave the final answer), its messages, tools, documents, the trace's
root (the user's question and answer), and the file it came from."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import duckdb

from spanscope.sqlfiles import nestable, statements

Item = tuple[str, str]


def export_spans(
    cur: duckdb.DuckDBPyConnection, items: Sequence[Item]
) -> dict[Item, dict[str, Any]]:
    """For each (trace_id, span_id) item: the row of the span to export (plain values), or
    nothing when the item's spans are not in the database (annotations kept for traces not
    imported). Each row carries ``retrievals``: the trace's retrieval steps, in start order."""
    if not items:
        return {}
    spans_sql, retrievals_sql = statements(
        nestable("spanscope.store", "annotation_export_items.sql")
    )
    traces = [t for t, _ in items]
    rows = cur.sql(spans_sql, params=[traces, [s for _, s in items]]).to_arrow_table().to_pylist()
    steps: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for step in cur.sql(retrievals_sql, params=[sorted(set(traces))]).to_arrow_table().to_pylist():
        steps[step["trace_id"]].append(step)
    out: dict[Item, dict[str, Any]] = {}
    for row in rows:
        if row["span_id"] is None:
            continue
        row["retrievals"] = steps.get(row["trace_id"], [])
        out[(row["trace_id"], row["item_span_id"])] = row
    return out


def last_model_call(cur: duckdb.DuckDBPyConnection, trace_id: str) -> str | None:
    """The span id of a trace's last model call (the llm span that ended last): what a
    reviewer reads for a whole trace."""
    rows = cur.execute(
        "SELECT arg_max(span_id, coalesce(end_ns, start_ns, 0)) FROM spans "
        "WHERE trace_id = ? AND kind = 'llm'",
        [trace_id],
    ).fetchall()
    return str(rows[0][0]) if rows and rows[0][0] is not None else None
