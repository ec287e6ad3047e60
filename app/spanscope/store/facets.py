"""Facet counts for the sidebar: for one column, its most frequent values under a filter.

Each facet counts the rows of one table: spans (kind, model, provider, status, tag) or traces
(service, user, label). The filter arrives compiled for that table (:class:`Where`), so facet
SQL is a fixed template with bound parameters only. Fetches ``k + 1`` values so callers can
say "8 of more". Callers give each facet its own time budget by interrupting the cursor.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from spanscope.sqlfiles import nestable
from spanscope.store.database import first_row
from spanscope.store.queries import Where


@dataclass(frozen=True)
class Facet:
    """One sidebar facet. ``field`` is the filter-language field a click adds a term for."""

    field: str
    title: str
    table: str  # the table whose rows are counted: "spans" or "traces"
    value_sql: str  # column expression over that table, one value per row (or unnested)


FACETS: tuple[Facet, ...] = (
    Facet("kind", "Kind", "spans", "kind"),
    Facet("model", "Model", "spans", "model"),
    Facet("provider", "Provider", "spans", "provider"),
    Facet("service", "Service", "traces", "service"),
    Facet("status", "Status", "spans", "status"),
    Facet("user", "User", "traces", "user_id"),
    Facet("tag", "Tag", "spans", "unnest(tags)"),
)
LABEL = Facet("label", "Label", "traces", "label")
BY_FIELD = {f.field: f for f in (*FACETS, LABEL)}


@dataclass(frozen=True)
class FacetCounts:
    """Values and counts, most frequent first; ``more`` when values beyond ``k`` exist."""

    field: str
    values: tuple[tuple[str, int], ...]
    more: bool


def facet_counts(
    cur: duckdb.DuckDBPyConnection, field: str, where: Where | None = None, k: int = 8
) -> FacetCounts:
    """The top ``k`` values of facet ``field`` among the rows ``where`` keeps (``where`` is
    compiled for the facet's table)."""
    facet = BY_FIELD[field]
    where = where or Where()
    if facet is LABEL:
        sql = nestable("spanscope.store", "label_facet.sql").format(where=where.sql)
    else:
        sql = nestable("spanscope.store", "facets.sql").format(
            value=facet.value_sql, source=facet.table, where=where.sql
        )
    rows = cur.execute(sql, [*where.params, k + 1]).fetchall()
    values = tuple((str(value), int(n)) for value, n in rows[:k])
    return FacetCounts(field, values, len(rows) > k)


def has_labels(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether any annotation carries a label (the label facet is shown only then)."""
    row = first_row(
        cur.execute("SELECT EXISTS (SELECT 1 FROM annotations WHERE label IS NOT NULL)")
    )
    return bool(row and row[0])


def spans_of_traces(trace_where: Where) -> Where:
    """Spans of the traces ``trace_where`` keeps: for a filter that only applies to traces
    (``errors>2``), span facets count the spans of the matching traces."""
    return Where(
        f"trace_id IN (SELECT trace_id FROM traces WHERE ({trace_where.sql}))", trace_where.params
    )
