"""Cases in the database: a named collection of traces and spans, the investigator's timeline
of notes, and the filters, saved views, diffs and replays the investigation used.

Plain functions over a cursor: reads take any cursor, writes the writer connection (inside the
caller's transaction when there is one, see :func:`in_transaction`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from spanscope.sqlfiles import load
from spanscope.store.database import StoreError, first_row

T = TypeVar("T")

# What a case may refer to besides its traces (case_refs.kind).
REF_KINDS = ("filter", "view", "diff", "replay")


class CaseError(StoreError):
    """A case cannot be made or changed as asked; the message says why."""


@dataclass(frozen=True)
class CaseNote:
    """One finding on the case's timeline."""

    noted_at: datetime
    text: str
    span_ids: tuple[str, ...] = ()
    author: str = ""


@dataclass(frozen=True)
class CaseItem:
    """A trace ('' span) or a span collected into a case."""

    trace_id: str
    span_id: str = ""
    added_from: str | None = None
    added_at: datetime | None = None


@dataclass
class CaseSummary:
    """A case as the Cases panel and ``case list`` show it."""

    case_id: int
    name: str
    summary: str | None = None
    author: str = ""
    created_at: datetime | None = None
    origin: str | None = None
    traces: int = 0
    spans: int = 0
    notes: int = 0
    annotations: int = 0
    items: list[CaseItem] = field(default_factory=list)


def in_transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], T]) -> T:
    """Run ``work`` in one transaction on the writer connection: all of it or none."""
    con.execute("BEGIN TRANSACTION")
    try:
        result = work()
        con.execute("COMMIT")
        return result
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise


# -- writing ---------------------------------------------------------------------------------


def create_case(
    con: duckdb.DuckDBPyConnection,
    name: str,
    *,
    author: str = "",
    origin: str = "app",
    summary: str | None = None,
    created_at: datetime | None = None,
) -> int:
    """A new, empty case; :class:`CaseError` when the name is taken or empty."""
    name = name.strip()
    if not name:
        raise CaseError("a case needs a name")
    if case_id_of(con, name) is not None:
        raise CaseError(f"there is already a case named {name!r}")
    row = first_row(
        con.execute(
            "INSERT INTO cases (name, summary, author, created_at, origin) "
            "VALUES (?, ?, ?, coalesce(?, current_timestamp), ?) RETURNING case_id",
            [name, summary, author, created_at, origin],
        )
    )
    assert row is not None
    return int(row[0])


def add_items(con: duckdb.DuckDBPyConnection, case_id: int, items: Iterable[CaseItem]) -> int:
    """Collect traces and spans into the case; ones already in it are left as they are.
    Returns how many were new."""
    added = 0
    for item in items:
        row = first_row(
            con.execute(
                "INSERT OR IGNORE INTO case_items (case_id, trace_id, span_id, added_from, added_at) "
                "VALUES (?, ?, ?, ?, coalesce(?, current_timestamp)) RETURNING 1",
                [case_id, item.trace_id, item.span_id, item.added_from, item.added_at],
            )
        )
        added += row is not None
    return added


def add_note(con: duckdb.DuckDBPyConnection, case_id: int, note: CaseNote) -> bool:
    """Put a finding on the timeline; the same text at the same time is not added twice.
    Returns whether it was new."""
    exists = first_row(
        con.execute(
            "SELECT count(*) FROM case_notes WHERE case_id = ? AND noted_at = ? AND text = ?",
            [case_id, note.noted_at, note.text],
        )
    )
    if exists and exists[0]:
        return False
    con.execute(
        "INSERT INTO case_notes (case_id, noted_at, text, span_ids, author) VALUES (?, ?, ?, ?, ?)",
        [case_id, note.noted_at, note.text, list(note.span_ids), note.author],
    )
    return True


def add_ref(con: duckdb.DuckDBPyConnection, case_id: int, kind: str, ref: str) -> bool:
    """Record a filter, saved view, diff or replay the investigation used."""
    if kind not in REF_KINDS:
        raise CaseError(f"unknown reference kind {kind!r}; one of {', '.join(REF_KINDS)}")
    row = first_row(
        con.execute(
            "INSERT OR IGNORE INTO case_refs (case_id, kind, ref) VALUES (?, ?, ?) RETURNING 1",
            [case_id, kind, ref],
        )
    )
    return row is not None


# -- reading ---------------------------------------------------------------------------------


def case_id_of(cur: duckdb.DuckDBPyConnection, name: str) -> int | None:
    """The id of the case named ``name``, or None."""
    row = first_row(cur.execute("SELECT case_id FROM cases WHERE name = ?", [name.strip()]))
    return int(row[0]) if row else None


def require_case(cur: duckdb.DuckDBPyConnection, name: str) -> int:
    """The id of the case named ``name``; :class:`CaseError` when there is none."""
    found = case_id_of(cur, name)
    if found is None:
        raise CaseError(f"no case named {name!r}")
    return found


def list_cases(cur: duckdb.DuckDBPyConnection) -> list[CaseSummary]:
    """Every case, newest first, with its counts."""
    rows = cur.execute(load("spanscope.store", "case_list.sql")).fetchall()
    return [
        CaseSummary(
            case_id=int(r[0]),
            name=r[1],
            summary=r[2],
            author=r[3],
            created_at=r[4],
            origin=r[5],
            traces=int(r[6]),
            spans=int(r[7]),
            notes=int(r[8]),
            annotations=int(r[9]),
        )
        for r in rows
    ]


def case_row(cur: duckdb.DuckDBPyConnection, case_id: int) -> CaseSummary:
    """One case with its counts and items."""
    found = [c for c in list_cases(cur) if c.case_id == case_id]
    if not found:
        raise CaseError(f"no case {case_id}")
    found[0].items = case_items(cur, case_id)
    return found[0]


def case_items(cur: duckdb.DuckDBPyConnection, case_id: int) -> list[CaseItem]:
    """What the case collected, in the order it was added."""
    rows = cur.execute(
        "SELECT trace_id, span_id, added_from, added_at FROM case_items WHERE case_id = ? "
        "ORDER BY added_at, trace_id, span_id",
        [case_id],
    ).fetchall()
    return [CaseItem(r[0], r[1], r[2], r[3]) for r in rows]


def case_trace_ids(cur: duckdb.DuckDBPyConnection, case_id: int) -> list[str]:
    """The traces of the case: collected whole or through one of their spans."""
    rows = cur.execute(
        "SELECT DISTINCT trace_id FROM case_items WHERE case_id = ? ORDER BY trace_id", [case_id]
    ).fetchall()
    return [r[0] for r in rows]


def case_notes(cur: duckdb.DuckDBPyConnection, case_id: int) -> list[CaseNote]:
    """The timeline: notes in the order they were written."""
    rows = cur.execute(
        "SELECT noted_at, text, span_ids, author FROM case_notes WHERE case_id = ? "
        "ORDER BY noted_at, note_id",
        [case_id],
    ).fetchall()
    return [CaseNote(r[0], r[1], tuple(r[2] or ()), r[3]) for r in rows]


def case_refs(cur: duckdb.DuckDBPyConnection, case_id: int) -> list[tuple[str, str]]:
    """(kind, ref) of the filters, views, diffs and replays used, oldest first."""
    rows = cur.execute(
        "SELECT kind, ref FROM case_refs WHERE case_id = ? ORDER BY added_at, kind, ref",
        [case_id],
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def resolve_ids(
    cur: duckdb.DuckDBPyConnection, ids: Sequence[str]
) -> tuple[list[CaseItem], list[str]]:
    """Each id as a trace (when it names one) or a span; the ids naming neither, apart."""
    found: list[CaseItem] = []
    unknown: list[str] = []
    for given in ids:
        trace = first_row(
            cur.execute(
                "SELECT 1 WHERE EXISTS (SELECT 1 FROM traces WHERE trace_id = $id) "
                "OR EXISTS (SELECT 1 FROM spans WHERE trace_id = $id)",
                {"id": given},
            )
        )
        if trace:
            found.append(CaseItem(given, ""))
            continue
        span = cur.execute(
            "SELECT DISTINCT trace_id FROM spans WHERE span_id = ?", [given]
        ).fetchall()
        if span:
            found.extend(CaseItem(r[0], given) for r in span)
        else:
            unknown.append(given)
    return found, unknown


def spans_of_traces(cur: duckdb.DuckDBPyConnection, trace_ids: Sequence[str]) -> pa.Table:
    """Every stored column of every span of ``trace_ids``, as Arrow, in trace and time order."""
    # Rows found by their trace id first (a scan of that one column), then fetched by rowid:
    # filtering on trace_id directly reads every column of every row group, seven times slower
    # at a million spans (the message and attribute columns hold most of the bytes).
    return cur.sql(
        "SELECT * FROM spans WHERE rowid IN "
        "(SELECT rowid FROM spans WHERE trace_id IN (SELECT unnest(?))) "
        "ORDER BY trace_id, start_ns, span_id",
        params=[list(trace_ids)],
    ).to_arrow_table()


def rows_of(
    cur: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any]
) -> list[dict[str, Any]]:
    """A small query's rows as dicts (annotations and replays of a case)."""
    result = cur.execute(sql, list(params))
    names = [d[0] for d in result.description or ()]
    return [dict(zip(names, r, strict=True)) for r in result.fetchall()]


def case_impact(cur: duckdb.DuckDBPyConnection, trace_ids: Sequence[str]) -> dict[str, Any]:
    """How far the case reaches: traces, spans, errors, users, sessions, cost, first and last
    occurrence (ns). Cost is None when no span of the traces is priced."""
    row = first_row(
        cur.execute(
            "SELECT count(*), coalesce(sum(span_count), 0), coalesce(sum(error_count), 0), "
            "count(DISTINCT user_id), count(DISTINCT session_id), sum(cost), min(start_ns), "
            "max(end_ns) FROM traces WHERE trace_id IN (SELECT unnest(?))",
            [list(trace_ids)],
        )
    )
    assert row is not None
    keys = ("traces", "spans", "errors", "users", "sessions", "cost", "first_ns", "last_ns")
    return dict(zip(keys, row, strict=True))


def key_spans(
    cur: duckdb.DuckDBPyConnection, pairs: Sequence[tuple[str, str]], limit: int = 50
) -> list[dict[str, Any]]:
    """The spans a report shows in full (conversation and tool calls), in time order."""
    if not pairs:
        return []
    return rows_of(
        cur,
        "SELECT trace_id, span_id, name, kind, status, status_message, model, start_ns, "
        "duration_ns, input_messages, output_messages, tool_calls FROM spans "
        "WHERE (trace_id, span_id) IN (SELECT (unnest(?), unnest(?))) "
        "ORDER BY start_ns, span_id LIMIT ?",
        [[p[0] for p in pairs], [p[1] for p in pairs], limit],
    )


def failing_spans(
    cur: duckdb.DuckDBPyConnection, trace_ids: Sequence[str], limit: int = 20
) -> list[tuple[str, str]]:
    """(trace, span) of the failed spans of ``trace_ids``, earliest first: a report's key
    spans when the investigator pointed at none."""
    rows = cur.execute(
        "SELECT trace_id, span_id FROM spans WHERE trace_id IN (SELECT unnest(?)) "
        "AND status = 'error' ORDER BY start_ns, span_id LIMIT ?",
        [list(trace_ids), limit],
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def annotated_spans(
    cur: duckdb.DuckDBPyConnection, trace_ids: Sequence[str]
) -> list[tuple[str, str]]:
    """(trace, span) of the spans of ``trace_ids`` that carry an annotation: evidence someone
    already judged, so a report shows them in full."""
    rows = cur.execute(
        "SELECT DISTINCT trace_id, span_id FROM annotations WHERE span_id <> '' "
        "AND trace_id IN (SELECT unnest(?)) ORDER BY trace_id, span_id",
        [list(trace_ids)],
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def trace_bars(cur: duckdb.DuckDBPyConnection, trace_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """(trace_id, start_ns, duration_ns, error_count) of each trace, earliest first: the
    report's chart of when the case's traces ran and which failed."""
    return cur.execute(
        "SELECT trace_id, start_ns, duration_ns, error_count FROM traces "
        "WHERE trace_id IN (SELECT unnest(?)) AND start_ns IS NOT NULL ORDER BY start_ns LIMIT 500",
        [list(trace_ids)],
    ).fetchall()
