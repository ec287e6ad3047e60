"""A team's ClickHouse trace store, read where the data lives.

The collector exporter's ``otel_traces`` table is read through the store's own table names
(``sql/otel_views.sql`` defines ``spans`` and ``traces`` over it), so the filter compiled in
the ClickHouse dialect (``core.filter_clickhouse``), the list columns and sort keys of
``store.queries`` and the facet templates of ``store.facets`` are the local ones: lists page
by keyset with ``limit + 1``, facets count ``k + 1`` values, costs group the model calls, all
computed by ClickHouse. Only the rows asked for travel.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from spanscope.sqlfiles import nestable
from spanscope.store.clickhouse import failures
from spanscope.store.clickhouse.executor import QueryExecutor, RemoteError
from spanscope.store.costs import CallGroup, PriceOverride, RateCard
from spanscope.store.facets import BY_FIELD, LABEL, FacetCounts
from spanscope.store.failure_groups import FailureGroup
from spanscope.store.queries import (
    SPAN_KEY,
    SPAN_LIST_COLUMNS,
    SPAN_SORTS,
    TRACE_COLUMNS,
    TRACE_SORTS,
    Page,
    Where,
)

# Columns of the exporter's table this source reads (its DDL: tests/fixtures/clickhouse/).
NEEDED_COLUMNS = (
    "Timestamp",
    "TraceId",
    "SpanId",
    "ParentSpanId",
    "SpanName",
    "SpanKind",
    "ServiceName",
    "ResourceAttributes",
    "SpanAttributes",
    "Duration",
    "StatusCode",
    "StatusMessage",
    "Events.Timestamp",
    "Events.Name",
    "Events.Attributes",
)
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
# Facet values over the ClickHouse tables where the local SQL differs.
_FACET_VALUES = {"tag": "arrayJoin(tags)"}
# What a cost group reads of a call (a narrow subquery: ClickHouse then maps only these)
_CALL_COLUMNS = (
    "trace_id, model, provider, service, user_id, session_id, operation, start_ns, "
    "input_tokens, output_tokens, recorded_cost, computed_cost"
)
# Cost groups: the same dimensions as the local cost breakdown, in ClickHouse SQL.
COST_DIMENSIONS: dict[str, str] = {
    "model": "s.model",
    "provider": "s.provider",
    "service": "s.service",
    "user": "coalesce(s.user_id, t.user_id)",  # the call's user, else its trace's
    "session": "coalesce(s.session_id, t.session_id)",
    "operation": "s.operation",
    "root": "t.root_name",
    "day": "formatDateTime(fromUnixTimestamp64Nano(s.start_ns), '%Y-%m-%d', 'UTC')",
}


@dataclass(frozen=True)
class CostRow:
    """One group of model calls: calls, traces, tokens and cost (recorded, else computed)."""

    key: str | None
    calls: int
    traces: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    unpriced_calls: int


def _first(price: float | None, parent: float | None) -> float:
    return price if price is not None else parent if parent is not None else 0.0


class ClickHouseSource:
    """Lists, counts, facets, costs and pulls over one exporter table."""

    def __init__(self, executor: QueryExecutor, table: str = "otel_traces") -> None:
        if not _TABLE_NAME.match(table):
            raise RemoteError(f"{table!r} is not a table name (name or database.name)")
        self.executor, self.table = executor, table
        self._views = nestable("spanscope.store.clickhouse", "otel_views.sql").format(table=table)
        self._price_book = "{}"  # no prices until use_prices: recorded costs only

    def use_prices(self, rate_card: RateCard, overrides: Sequence[PriceOverride] = ()) -> int:
        """Price the model calls as the local database does (``core.pricing``'s rate card
        over each provider, model and day the table holds), so costs and ``cost>`` filters
        mean the same here; the rates travel with each query as one parameter. Returns the
        number of rates."""
        groups = self.query(
            "SELECT provider, coalesce(model, request_model) AS priced_model, "
            "intDiv(start_ns, 86400000000000) AS day FROM spans "
            "WHERE kind IN ('llm', 'embedding') AND isNotNull(priced_model) "
            "GROUP BY provider, priced_model, day",
            [],
        ).to_pylist()
        rates = rate_card(
            [CallGroup(g["provider"], g["priced_model"], g["day"]) for g in groups], overrides
        )
        book: dict[str, list[list[Any]]] = {}
        for r in rates:
            # the fallbacks of cost_apply.sql, resolved here once instead of on every call
            base_in, base_out = r.input_mtok or 0.0, r.output_mtok or 0.0
            book.setdefault(f"{r.provider or ''}\t{r.model}", []).append(
                [
                    r.from_ns,
                    r.to_ns,
                    r.input_above,
                    r.input_upto,
                    base_in,
                    base_out,
                    _first(r.cache_read_mtok, r.input_mtok),
                    _first(r.cache_write_mtok, r.input_mtok),
                    _first(r.reasoning_mtok, r.output_mtok),
                    r.request_fee or 0.0,
                ]
            )
        self._price_book = json.dumps(book)
        return len(rates)

    def close(self) -> None:
        self.executor.close()

    def check(self) -> None:
        """:class:`RemoteError` naming what is missing when the table is absent or is not
        the exporter's schema."""
        database, _, name = self.table.rpartition(".")
        rows = self.executor.arrow(
            "SELECT name FROM system.columns WHERE database = "
            + ("?" if database else "currentDatabase()")
            + " AND table = ?",
            [database, name] if database else [name],
        )
        present = set(rows.column("name").to_pylist()) if rows.num_rows else set()
        if not present:
            raise RemoteError(f"there is no table {self.table} in this ClickHouse")
        missing = [c for c in NEEDED_COLUMNS if c not in present]
        if missing:
            raise RemoteError(
                f"{self.table} is not the OpenTelemetry exporter's schema: it lacks "
                + ", ".join(missing)
            )

    def query(self, sql: str, params: list[Any], time_limit_s: float | None = None) -> pa.Table:
        """``sql`` over the store's ``spans`` and ``traces`` (the views put in front)."""
        return self.executor.arrow(
            f"{self._views}\n{sql}", [self._price_book, *params], time_limit_s
        )

    def trace_page(self, where: Where | None = None, **how: Any) -> Page:
        """Traces by keyset, as ``store.queries.trace_page`` (same arguments)."""
        return self._page("traces", TRACE_COLUMNS, "trace_id", TRACE_SORTS, where, **how)

    def span_page(self, where: Where | None = None, **how: Any) -> Page:
        """Spans by keyset, as ``store.queries.span_page`` (same arguments)."""
        return self._page("spans", SPAN_LIST_COLUMNS, SPAN_KEY, SPAN_SORTS, where, **how)

    def _page(
        self,
        table: str,
        columns: str,
        id_column: str,
        sorts: dict[str, str],
        where: Where | None,
        *,
        sort: str = "start",
        descending: bool = True,
        after: tuple[Any, str] | None = None,
        limit: int = 200,
    ) -> Page:
        if sort not in sorts or sort == "relevance":  # relevance is the local search index's
            known = ", ".join(s for s in sorts if s != "relevance")
            raise ValueError(f"cannot sort by {sort!r} here; choose one of {known}")
        key, where = sorts[sort], where or Where()
        clauses, params = [f"({where.sql})"], list(where.params)
        if after is not None:
            first, strict = (">=", ">") if not descending else ("<=", "<")
            clauses.append(f"{key} {first} ? AND ({key} {strict} ? OR {id_column} {strict} ?)")
            params += [after[0], after[0], after[1]]
        conditions = " AND ".join(clauses)
        order = "DESC" if descending else "ASC"
        # Late materialisation, as locally: the page is chosen by its keys alone (ClickHouse
        # computes only the columns the filter and the sort read), then only its rows get
        # the wide columns (previews, model lists, costs).
        keys = (
            f"SELECT {id_column} AS page_id, {key} AS page_key FROM {table} "
            f"WHERE {conditions} ORDER BY page_key {order}, page_id {order} LIMIT ?"
        )
        rows = self.query(
            f"SELECT {columns}, {key} AS sort_key FROM {table} "
            f"WHERE {id_column} IN (SELECT page_id FROM ({keys})) "
            f"ORDER BY sort_key {order}, {id_column} {order}",
            [*params, limit + 1],
        )
        more = rows.num_rows > limit
        return Page(rows.slice(0, limit) if more else rows, more)

    def count(self, table: str, where: Where | None = None) -> int:
        """Rows of ``traces`` or ``spans`` matching ``where``."""
        if table not in ("traces", "spans"):
            raise ValueError(table)
        where = where or Where()
        rows = self.query(f"SELECT count() AS n FROM {table} WHERE {where.sql}", [*where.params])
        return int(rows.column("n")[0].as_py())

    def facet_counts(
        self,
        field: str,
        where: Where | None = None,
        k: int = 8,
        time_limit_s: float | None = None,
    ) -> FacetCounts:
        """The top ``k`` values of a sidebar facet, as ``store.facets.facet_counts``; past
        ``time_limit_s`` the server stops counting and :class:`RemoteError` says so (the
        caller reports the facet as timed out, the rest of the page stands)."""
        facet = BY_FIELD[field]
        if facet is LABEL:
            raise RemoteError("labels are known only in the local database")
        where = where or Where()
        sql = nestable("spanscope.store", "facets.sql").format(
            value=_FACET_VALUES.get(field, facet.value_sql), source=facet.table, where=where.sql
        )
        rows = self.query(
            sql.rstrip().rstrip(";"), [*where.params, k + 1], time_limit_s
        ).to_pylist()
        values = tuple((str(r["value"]), int(r["n"])) for r in rows[:k])
        return FacetCounts(field, values, len(rows) > k)

    def cost_breakdown(self, dimension: str, where: Where | None = None) -> list[CostRow]:
        """The model calls (llm and embedding spans) ``where`` keeps, grouped by ``dimension``
        (one of :data:`COST_DIMENSIONS`), most expensive first."""
        key = COST_DIMENSIONS[dimension]
        where = where or Where()
        # the trace row is joined only for a dimension that reads it: over a month of calls
        # the join costs more than the grouping
        join = "LEFT JOIN traces AS t ON t.trace_id = s.trace_id" if "t." in key else ""
        rows = self.query(
            f"SELECT {key} AS key, toInt64(count()) AS calls, "
            "toInt64(uniqExact(s.trace_id)) AS traces, "
            "toInt64(sum(coalesce(s.input_tokens, 0))) AS input_tokens, "
            "toInt64(sum(coalesce(s.output_tokens, 0))) AS output_tokens, "
            "sum(coalesce(s.recorded_cost, s.computed_cost)) AS cost_usd, "
            "toInt64(countIf(s.recorded_cost IS NULL AND s.computed_cost IS NULL)) "
            "AS unpriced_calls "
            f"FROM (SELECT {_CALL_COLUMNS} FROM spans "
            f"WHERE kind IN ('llm', 'embedding') AND ({where.sql})) AS s "
            f"{join} GROUP BY key ORDER BY cost_usd DESC NULLS LAST, key",
            [*where.params],
        )
        return [CostRow(**row) for row in rows.to_pylist()]

    def failure_groups(
        self, where: Where | None = None, order: str = "count", limit: int = 100
    ) -> list[FailureGroup]:
        """The failures of the spans ``where`` keeps, grouped by cause as locally."""
        return failures.failure_groups(self.query, where, order, limit)

    def pull_rows(self, where: Where | None = None, limit: int = 100) -> pa.Table:
        """Every span of the ``limit`` newest traces ``where`` keeps, as the exporter stored
        them (times in nanoseconds), for copying into the local database."""
        where = where or Where()
        return self.query(
            "SELECT toInt64(toUnixTimestamp64Nano(Timestamp)) AS start_ns, TraceId, SpanId, "
            "ParentSpanId, TraceState, toString(SpanName) AS SpanName, "
            "toString(SpanKind) AS SpanKind, toString(ServiceName) AS ServiceName, "
            "ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, "
            "toInt64(Duration) AS duration_ns, toString(StatusCode) AS StatusCode, StatusMessage, "
            "arrayMap(t -> toInt64(toUnixTimestamp64Nano(t)), Events.Timestamp) AS event_ns, "
            "Events.Name AS event_names, Events.Attributes AS event_attributes "
            f"FROM {self.table} WHERE TraceId IN (SELECT trace_id FROM traces "
            f"WHERE ({where.sql}) ORDER BY start_ns DESC, trace_id DESC LIMIT ?) "
            "ORDER BY TraceId, start_ns, SpanId",
            [*where.params, limit],
        )
