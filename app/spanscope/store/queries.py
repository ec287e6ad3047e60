"""Read queries for lists, trees, details and stats. Every function takes the caller's own
cursor (see :meth:`Database.reader`) and returns Arrow or plain values; none holds state.

Lists page by keyset (sort value, id), never OFFSET, and fetch ``limit + 1`` rows so callers
can tell "200 of more than 200". Large text columns are only read for the one span shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from spanscope.sqlfiles import load
from spanscope.store import search
from spanscope.store.database import first_row

# Sort keys a user can choose, mapped to SQL that never yields NULL (keyset needs totality).
TRACE_SORTS: dict[str, str] = {
    "start": "start_ns",
    "duration": "coalesce(duration_ns, -1)",
    "cost": "coalesce(cost, -1.0)",
    "errors": "error_count",
    "tokens": "(input_tokens + output_tokens)",
    "spans": "span_count",
    "relevance": "coalesce(search_rank.score, 0.0)",
}

SPAN_SORTS: dict[str, str] = {
    "start": "coalesce(start_ns, 0)",
    "duration": "coalesce(duration_ns, -1)",
    "cost": "coalesce(recorded_cost, computed_cost, -1.0)",
    "tokens": "(coalesce(input_tokens, 0) + coalesce(output_tokens, 0))",
    "errors": "(status = 'error')::INTEGER",
    "relevance": "coalesce(search_rank.score, 0.0)",
}

# How well each span (or trace: its best span) matches the searched text, joined for the
# "relevance" sort: the index's best matches by BM25 (store.search.RANKED of them); the rest
# score 0 and follow in id order. Column names differ from the lists' so the filter's
# unqualified names still mean the list's own columns.
_RANKED_SPANS = (
    "SELECT d.trace_id AS rank_trace, d.span_id AS rank_span, max(x.score) AS score "
    "FROM (SELECT unnest(search_scores(?), recursive := true)) x "
    "JOIN search_docs d ON d.doc_id = x.doc_id GROUP BY ALL"
)
_RANK_JOIN = {
    "spans": (
        f"LEFT JOIN ({_RANKED_SPANS}) search_rank "
        "ON search_rank.rank_trace = spans.trace_id AND search_rank.rank_span = spans.span_id"
    ),
    "traces": (
        "LEFT JOIN (SELECT rank_trace, max(score) AS score "
        f"FROM ({_RANKED_SPANS}) GROUP BY ALL) search_rank "
        "ON search_rank.rank_trace = traces.trace_id"
    ),
}

TRACE_COLUMNS = (
    "trace_id, root_span_id, root_name, service, start_ns, duration_ns, span_count, llm_count, "
    "tool_count, retriever_count, error_count, input_tokens, output_tokens, cost, session_id, "
    "user_id, models, preview"
)

# Span ids are unique only within a trace: the paging key includes the trace.
SPAN_KEY = "(trace_id || '/' || span_id)"

SPAN_LIST_COLUMNS = (
    "trace_id, span_id, parent_span_id, name, kind, model, status, start_ns, duration_ns, "
    "input_tokens, output_tokens, coalesce(recorded_cost, computed_cost) AS cost, service, "
    "user_id, session_id, tool_name, preview, " + SPAN_KEY + " AS row_key"
)

TREE_COLUMNS = (
    "span_id, parent_span_id, name, kind, start_ns, end_ns, duration_ns, status, status_message, "
    "error_type, model, provider, input_tokens, output_tokens, tool_name, service, "
    "coalesce(recorded_cost, computed_cost) AS cost"
)


@dataclass(frozen=True)
class Where:
    """A compiled filter: SQL for a WHERE clause over one table, and its bound parameters."""

    sql: str = "TRUE"
    params: tuple[Any, ...] = ()
    # The first text the filter searches for (not excluded): what "relevance" ranks by.
    search_text: str = ""


@dataclass(frozen=True)
class Page:
    """One page of a list: ``rows`` (at most ``limit``) and whether more follow."""

    rows: pa.Table
    more: bool


def trace_page(
    cur: duckdb.DuckDBPyConnection,
    *,
    sort: str = "start",
    descending: bool = True,
    after: tuple[Any, str] | None = None,
    limit: int = 200,
    where: Where | None = None,
) -> Page:
    """Traces ordered by ``sort``; ``after`` is the (sort value, trace_id) of the last row seen."""
    return _page(
        cur, "traces", TRACE_COLUMNS, "trace_id", TRACE_SORTS, sort, descending, after, limit, where
    )


def span_page(
    cur: duckdb.DuckDBPyConnection,
    *,
    sort: str = "start",
    descending: bool = True,
    after: tuple[Any, str] | None = None,
    limit: int = 200,
    where: Where | None = None,
) -> Page:
    """Spans across traces; ``after`` is (sort value, the last row's ``row_key``): span ids
    repeat across traces, so the key joins the trace and span ids."""
    return _page(
        cur,
        "spans",
        SPAN_LIST_COLUMNS,
        SPAN_KEY,
        SPAN_SORTS,
        sort,
        descending,
        after,
        limit,
        where,
    )


def _page(
    cur: duckdb.DuckDBPyConnection,
    table: str,
    columns: str,
    id_column: str,
    sorts: dict[str, str],
    sort: str,
    descending: bool,
    after: tuple[Any, str] | None,
    limit: int,
    where: Where | None,
) -> Page:
    if sort not in sorts:
        raise ValueError(f"cannot sort by {sort!r}; choose one of {', '.join(sorts)}")
    key = sorts[sort]
    where = where or Where()
    clauses, params = [f"({where.sql})"], list(where.params)
    joined = ""
    if sort == "relevance":
        joined = _RANK_JOIN[table]
        params.insert(0, where.search_text)
    if after is not None:
        # Written as separate comparisons, not a row comparison, so DuckDB can push it down.
        first, strict = (">=", ">") if not descending else ("<=", "<")
        clauses.append(f"{key} {first} ? AND ({key} {strict} ? OR {id_column} {strict} ?)")
        params += [after[0], after[0], after[1]]
    order = "DESC" if descending else "ASC"
    # Late materialisation: choose the page by its keys alone, then read the page's columns.
    # Carrying the wide columns (previews, model lists) through the sort of every matching
    # row doubled the time of a filtered page on a million spans.
    sql = (
        f"WITH page AS (SELECT {table}.rowid AS page_row, {key} AS sort_key, "
        f"{id_column} AS page_key FROM {table} {joined} WHERE {' AND '.join(clauses)} "
        f"ORDER BY {key} {order}, {id_column} {order} LIMIT ?) "
        f"SELECT {columns}, page.sort_key FROM {table} JOIN page ON {table}.rowid = page.page_row "
        f"ORDER BY page.sort_key {order}, page.page_key {order}"
    )
    rows = cur.sql(sql, params=[*params, limit + 1]).to_arrow_table()
    more = rows.num_rows > limit
    return Page(rows.slice(0, limit) if more else rows, more)


def matching_text(
    cur: duckdb.DuckDBPyConnection,
    text: str,
    trace_ids: Sequence[str],
    span_keys: Sequence[str] = (),
) -> dict[str, str]:
    """The searchable text holding ``text`` of a list page: by span key (``trace/span``) for
    the span keys given, else of the first matching span of each trace, by trace id."""
    # the page's fields are joined by chr(30): the words must stand inside one of them
    words = search.words_pattern(text, between="[^\\pL\\pN\\x1e]+")
    rows = cur.execute(
        load("spanscope.store", "search_snippets.sql"),
        {
            "traces": list(trace_ids),
            "keys": list(span_keys),
            "regex": words is not None,
            "pattern": words or search.like_pattern(text),
        },
    ).fetchall()
    return {(f"{t}/{s}" if span_keys else t): str(body or "") for t, s, body in rows}


def count(cur: duckdb.DuckDBPyConnection, table: str, where: Where | None = None) -> int:
    """Rows of ``traces`` or ``spans`` matching ``where``."""
    if table not in ("traces", "spans"):
        raise ValueError(table)
    where = where or Where()
    rows = cur.sql(
        f"SELECT count(*) FROM {table} WHERE {where.sql}", params=list(where.params)
    ).fetchall()
    return int(rows[0][0]) if rows else 0


def trace_summary(cur: duckdb.DuckDBPyConnection, trace_id: str) -> dict[str, Any] | None:
    """The ``traces`` row of one trace."""
    rows = cur.sql(f"SELECT {TRACE_COLUMNS} FROM traces WHERE trace_id = ?", params=[trace_id])
    found = rows.to_arrow_table().to_pylist()
    return found[0] if found else None


def trace_spans(cur: duckdb.DuckDBPyConnection, trace_id: str) -> pa.Table:
    """Every span of a trace with what the tree and waterfall need, in start order."""
    return cur.sql(
        f"SELECT {TREE_COLUMNS} FROM spans WHERE trace_id = ? ORDER BY start_ns NULLS LAST, span_id",
        params=[trace_id],
    ).to_arrow_table()


def span_detail(
    cur: duckdb.DuckDBPyConnection, trace_id: str, span_id: str
) -> dict[str, Any] | None:
    """Everything about one span, including its messages, tool calls, documents and raw JSON."""
    rows = (
        cur.sql(
            "SELECT s.* EXCLUDE (source_id), src.path AS source_path, src.format AS source_format "
            "FROM spans s LEFT JOIN sources src USING (source_id) "
            "WHERE s.trace_id = ? AND s.span_id = ? LIMIT 1",
            params=[trace_id, span_id],
        )
        .to_arrow_table()
        .to_pylist()
    )
    return rows[0] if rows else None


def find_span(cur: duckdb.DuckDBPyConnection, span_id: str) -> list[str]:
    """Trace ids holding a span with this id (span ids are not unique across traces)."""
    return [
        r[0]
        for r in cur.execute(
            "SELECT DISTINCT trace_id FROM spans WHERE span_id = ? ORDER BY 1", [span_id]
        ).fetchall()
    ]


def stats(cur: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Counts for ``spanscope stats``; tokens over model calls only (llm and embedding)."""
    row = first_row(cur.execute(load("spanscope.store", "stats.sql")))
    assert row is not None
    spans, traces, error_spans, input_tokens, output_tokens, models = row
    by_kind = dict(
        cur.execute(
            "SELECT kind, count(*) FROM spans GROUP BY kind ORDER BY count(*) DESC, kind"
        ).fetchall()
    )
    sources = first_row(cur.execute("SELECT count(*) FROM sources"))
    return {
        "spans": int(spans),
        "traces": int(traces),
        "by_kind": {str(k): int(v) for k, v in by_kind.items()},
        "error_spans": int(error_spans),
        "input_tokens": int(input_tokens),
        "output_tokens": int(output_tokens),
        "models": list(models or []),
        "sources": int(sources[0]) if sources else 0,
    }


def sources(cur: duckdb.DuckDBPyConnection) -> pa.Table:
    """Imported files, newest first."""
    return cur.sql(
        "SELECT source_id, path, format, size_bytes, imported_at, span_count, trace_count, warnings "
        "FROM sources ORDER BY imported_at DESC, source_id DESC"
    ).to_arrow_table()


def distinct_values(cur: duckdb.DuckDBPyConnection, column: str, limit: int = 200) -> Sequence[str]:
    """Values seen in a span column, most frequent first (for completion and facets)."""
    allowed = {
        "model",
        "service",
        "user_id",
        "session_id",
        "provider",
        "kind",
        "status",
        "tool_name",
    }
    if column not in allowed:
        raise ValueError(column)
    return [
        r[0]
        for r in cur.execute(
            f"SELECT {column} FROM spans WHERE {column} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT ?",
            [limit],
        ).fetchall()
    ]


def trace_export_rows(cur: duckdb.DuckDBPyConnection, trace_id: str) -> list[dict[str, Any]]:
    """Every span of a trace with all its columns (raw JSON included), in start order, for
    exporting the trace as a file."""
    rows: list[dict[str, Any]] = (
        cur.sql(
            "SELECT * EXCLUDE (source_id) FROM spans WHERE trace_id = ? "
            "ORDER BY start_ns NULLS LAST, span_id",
            params=[trace_id],
        )
        .to_arrow_table()
        .to_pylist()
    )
    return rows


def distinct_tags(cur: duckdb.DuckDBPyConnection, limit: int = 200) -> Sequence[str]:
    """Tags seen on spans, most frequent first (for completion)."""
    return [
        r[0]
        for r in cur.execute(
            "SELECT tag FROM (SELECT unnest(tags) AS tag FROM spans) WHERE tag IS NOT NULL "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT ?",
            [limit],
        ).fetchall()
    ]


def distinct_labels(cur: duckdb.DuckDBPyConnection, limit: int = 200) -> Sequence[str]:
    """Annotation labels in use, most frequent first (for completion)."""
    return [
        r[0]
        for r in cur.execute(
            "SELECT label FROM annotations WHERE label IS NOT NULL "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT ?",
            [limit],
        ).fetchall()
    ]
