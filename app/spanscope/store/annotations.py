"""Annotations on traces and spans: saving them durably, reading them back, merging files.

Durability. A save is one transaction on a cursor of the read-write connection (the single
writer's DuckDB instance), never on the connection itself: an import holds a transaction open
on that connection for the whole file, and a save run inside it would wait for it, or vanish
with it on a rollback. A cursor has its own transaction, so the save commits at once even while
an import runs (DuckDB lets concurrent transactions append to different tables; a write-write
conflict on the same annotation is retried).

DuckDB 2.0 writes a transaction's changes to the write-ahead log and ``fdatasync``s it before
``COMMIT`` returns (checked with strace: one ``fdatasync`` on ``<db>.wal`` per commit), and
replays the log when the file is next opened; so a committed annotation survives the process
being killed, and the machine losing power once the disk has flushed. After the commit the save
also asks for a ``CHECKPOINT`` (the log folded into the database file); DuckDB may refuse one
while another transaction is open, e.g. during an import: the annotation is then durable in
the log, and is folded in by a later checkpoint or when the file is next opened.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from spanscope.model.annotation import Annotation
from spanscope.sqlfiles import load, nestable, statements
from spanscope.store.database import first_row
from spanscope.store.queries import Where

_CONFLICT_RETRIES = 5


@dataclass(frozen=True)
class Saved:
    """What a save did: the annotation's id (None when an empty save removed it) and whether
    the database file was checkpointed too (else the annotation is durable in the log)."""

    annotation_id: int | None
    checkpointed: bool


def save_annotation(
    con: duckdb.DuckDBPyConnection, annotation: Annotation, *, checkpoint: bool = True
) -> Saved:
    """Write ``annotation`` (insert, update, or remove when it says nothing) in its own
    transaction on ``con`` (a cursor of the writer connection) and commit: on return it is
    on disk. Retries a transaction conflict with a concurrent writer."""
    annotation_id = _retrying(con, lambda: _save_in_transaction(con, annotation))
    return Saved(annotation_id, try_checkpoint(con) if checkpoint else False)


def save_many(
    con: duckdb.DuckDBPyConnection, annotations: Iterable[Annotation], *, checkpoint: bool = True
) -> int:
    """Save several annotations in one transaction (all or none); returns how many."""
    batch = list(annotations)

    def work() -> int:
        for annotation in batch:
            _run_save(con, annotation)
        return len(batch)

    done: int = _retrying(con, work)
    if checkpoint:
        try_checkpoint(con)
    return done


def delete_annotation(con: duckdb.DuckDBPyConnection, annotation_id: int) -> bool:
    """Remove one annotation by id, committed; True when it existed."""

    def work() -> bool:
        row = first_row(
            con.execute(
                "DELETE FROM annotations WHERE annotation_id = ? RETURNING annotation_id",
                [annotation_id],
            )
        )
        return row is not None

    removed: bool = _retrying(con, work)
    try_checkpoint(con)
    return removed


def try_checkpoint(con: duckdb.DuckDBPyConnection) -> bool:
    """Fold the write-ahead log into the file; False when DuckDB refuses because another
    transaction (an import, a long read) is open. Committed data is durable either way."""
    try:
        con.execute("CHECKPOINT")
        return True
    except duckdb.Error:
        return False


def _retrying(con: duckdb.DuckDBPyConnection, work: Any) -> Any:
    for attempt in range(_CONFLICT_RETRIES):
        con.execute("BEGIN TRANSACTION")
        try:
            result = work()
            con.execute("COMMIT")
            return result
        except duckdb.TransactionException:
            _rollback(con)
            if attempt == _CONFLICT_RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))  # a concurrent import touched the same rows
        except BaseException:
            _rollback(con)
            raise
    raise AssertionError("unreachable")


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    # the failed statement may already have ended the transaction
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


def _save_in_transaction(con: duckdb.DuckDBPyConnection, annotation: Annotation) -> int | None:
    return _run_save(con, annotation)


def _run_save(con: duckdb.DuckDBPyConnection, a: Annotation) -> int | None:
    labels = [label for label in dict.fromkeys(a.labels) if label]
    params: dict[str, Any] = {
        "trace_id": a.trace_id,
        "span_id": a.span_id,
        "rubric": a.rubric,
        "author": a.author,
        "adjudicated": a.adjudicated,
        "label": labels[0] if labels else None,
        "labels": labels or None,
        "score": a.score,
        "note": a.note or None,
        "expected": a.expected or None,
        "origin": a.origin,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
        "empty": a.empty,
    }
    *writes, select = statements(nestable("spanscope.store", "annotation_save.sql"))
    for stmt in writes:
        con.execute(stmt, {k: v for k, v in params.items() if f"${k}" in stmt})
    row = first_row(con.execute(select, {k: v for k, v in params.items() if f"${k}" in select}))
    return int(row[0]) if row else None


# -- reading ---------------------------------------------------------------------------------


def list_annotations(
    cur: duckdb.DuckDBPyConnection, where: str = "TRUE", params: Sequence[Any] = ()
) -> list[Annotation]:
    """Annotations matching ``where`` (SQL over ``annotations`` with ``?`` parameters)."""
    sql = nestable("spanscope.store", "annotation_list.sql").replace("{where}", where)
    rows = cur.sql(sql, params=list(params)).fetchall()
    return [_annotation(row) for row in rows]


def annotations_of(
    cur: duckdb.DuckDBPyConnection, trace_id: str, span_id: str | None = None
) -> list[Annotation]:
    """Annotations on one span (``span_id``; '' for the trace itself), or on a trace and all
    of its spans when ``span_id`` is None."""
    if span_id is None:
        return list_annotations(cur, "trace_id = ?", [trace_id])
    return list_annotations(cur, "trace_id = ? AND span_id = ?", [trace_id, span_id])


def annotations_in(
    cur: duckdb.DuckDBPyConnection, where: Where, level: str, author: str | None = None
) -> list[Annotation]:
    """Annotations on the traces (``level`` traces) or spans matching a compiled filter.
    A trace's own annotations come with its spans' at span level too."""
    if level == "traces":
        sql = f"trace_id IN (SELECT trace_id FROM traces WHERE {where.sql})"
    else:
        sql = (
            f"(trace_id, span_id) IN (SELECT trace_id, span_id FROM spans WHERE {where.sql}) "
            f"OR (span_id = '' AND trace_id IN (SELECT trace_id FROM spans WHERE {where.sql}))"
        )
    params: list[Any] = list(where.params) * (1 if level == "traces" else 2)
    if author is not None:
        sql = f"({sql}) AND author = ?"
        params.append(author)
    return list_annotations(cur, sql, params)


def _annotation(row: tuple[Any, ...]) -> Annotation:
    (aid, trace_id, span_id, labels, rubric, score, note, expected, author, adjudicated) = row[:10]
    origin, created, updated = row[10:13]
    return Annotation(
        trace_id=trace_id,
        span_id=span_id,
        labels=tuple(labels or ()),
        rubric=rubric,
        score=score,
        note=note,
        expected=expected,
        author=author,
        adjudicated=bool(adjudicated),
        origin=origin,
        created_at=created,
        updated_at=updated,
        annotation_id=int(aid),
    )


def labels_of_traces(
    cur: duckdb.DuckDBPyConnection, trace_ids: Sequence[str]
) -> dict[str, tuple[list[str], bool]]:
    """For the badges of a list page: each annotated trace's labels (on it or its spans,
    taxonomy order first) and whether it carries a note."""
    return _badges(cur, list(trace_ids), lambda trace_id, _span_id: trace_id)


def labels_of_spans(
    cur: duckdb.DuckDBPyConnection, pairs: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], tuple[list[str], bool]]:
    """Like :func:`labels_of_traces` for (trace_id, span_id) pairs: the span's own labels."""
    wanted = set(pairs)
    found = _badges(cur, sorted({t for t, _ in pairs}), lambda t, s: (t, s))
    return {key: badge for key, badge in found.items() if key in wanted}


def labels_of_trace_spans(
    cur: duckdb.DuckDBPyConnection, trace_id: str
) -> dict[tuple[str, str], tuple[list[str], bool]]:
    """Badges of every annotated span of one trace (the span tree's), the trace's own as span ''."""
    return _badges(cur, [trace_id], lambda t, s: (t, s))


def _badges(
    cur: duckdb.DuckDBPyConnection, trace_ids: list[str], key: Any
) -> dict[Any, tuple[list[str], bool]]:
    if not trace_ids:
        return {}
    rows = cur.execute(load("spanscope.store", "annotation_badges.sql"), [trace_ids]).fetchall()
    if not rows:
        return {}
    order = dict(cur.execute("SELECT name, position FROM label_taxonomy").fetchall())
    labels: dict[Any, set[str]] = {}
    noted: dict[Any, bool] = {}
    for trace_id, span_id, names, has_note in rows:
        k = key(trace_id, span_id)
        labels.setdefault(k, set()).update(n for n in names or [] if n)
        noted[k] = noted.get(k, False) or bool(has_note)
    return {
        k: (sorted(names, key=lambda n: (order.get(n, 1_000_000), n)), noted[k])
        for k, names in labels.items()
    }


def annotation_count(cur: duckdb.DuckDBPyConnection) -> int:
    row = first_row(cur.execute("SELECT count(*) FROM annotations"))
    return int(row[0]) if row else 0


def newest_change(cur: duckdb.DuckDBPyConnection) -> datetime | None:
    row = first_row(cur.execute("SELECT max(updated_at) FROM annotations"))
    return row[0] if row else None
