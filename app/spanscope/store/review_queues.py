"""Review queues: a filter's traces or spans frozen into an ordered list, and where the
reviewer is in it, kept in the database so a queue resumes where it was left.

Writes run on a cursor of the writer connection, each committed (see ``store.annotations``
for why a cursor and what a commit guarantees).
"""

from __future__ import annotations

import duckdb

from spanscope.model.annotation import ReviewItem, ReviewQueue
from spanscope.sqlfiles import nestable
from spanscope.store.database import first_row
from spanscope.store.queries import Where

_QUEUE_COLUMNS = (
    "q.queue_id, q.name, q.filter, q.level, q.position, count(i.position), "
    "count(i.position) FILTER (i.state = 'done'), count(i.position) FILTER (i.state = 'skipped')"
)


def create_queue(
    con: duckdb.DuckDBPyConnection, name: str, filter_text: str, level: str, where: Where
) -> ReviewQueue:
    """Freeze the traces (``level`` traces) or spans ``where`` matches into a new queue."""
    if level not in ("traces", "spans"):
        raise ValueError(level)
    con.execute("BEGIN TRANSACTION")
    try:
        row = first_row(
            con.execute(
                "INSERT INTO review_queues (name, filter, level) VALUES (?, ?, ?) "
                "RETURNING queue_id",
                [name, filter_text, level],
            )
        )
        assert row is not None
        queue_id = int(row[0])
        sql = (
            nestable("spanscope.store", "annotation_queue.sql")
            .replace("{source}", level)
            .replace("{span_id}", "span_id" if level == "spans" else "''")
            .replace("{where}", where.sql)
        )
        con.execute(sql, [queue_id, *where.params])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    found = queue(con, queue_id)
    assert found is not None
    return found


def queues(cur: duckdb.DuckDBPyConnection) -> list[ReviewQueue]:
    """Every queue, newest first, with its progress."""
    rows = cur.execute(
        f"SELECT {_QUEUE_COLUMNS} FROM review_queues q LEFT JOIN review_items i USING (queue_id) "
        "GROUP BY ALL ORDER BY q.queue_id DESC"
    ).fetchall()
    return [_queue(r) for r in rows]


def queue(cur: duckdb.DuckDBPyConnection, queue_id: int) -> ReviewQueue | None:
    row = first_row(
        cur.execute(
            f"SELECT {_QUEUE_COLUMNS} FROM review_queues q LEFT JOIN review_items i "
            "USING (queue_id) WHERE q.queue_id = ? GROUP BY ALL",
            [queue_id],
        )
    )
    return _queue(row) if row else None


def _queue(r: tuple[object, ...]) -> ReviewQueue:
    return ReviewQueue(
        int(r[0]),  # type: ignore[call-overload]
        str(r[1]),
        str(r[2]),
        str(r[3]),
        int(r[4]),  # type: ignore[call-overload]
        int(r[5]),  # type: ignore[call-overload]
        int(r[6]),  # type: ignore[call-overload]
        int(r[7]),  # type: ignore[call-overload]
    )


def items(cur: duckdb.DuckDBPyConnection, queue_id: int) -> list[ReviewItem]:
    """Every item of a queue, in order (ids and states only: small even for long queues)."""
    rows = cur.execute(
        "SELECT position, trace_id, span_id, state FROM review_items WHERE queue_id = ? "
        "ORDER BY position",
        [queue_id],
    ).fetchall()
    return [ReviewItem(queue_id, int(r[0]), r[1], r[2], r[3]) for r in rows]


def move_to(con: duckdb.DuckDBPyConnection, queue_id: int, position: int) -> None:
    """Remember where the reviewer is (committed: the queue resumes there)."""
    con.execute(
        "UPDATE review_queues SET position = ? WHERE queue_id = ?", [max(position, 0), queue_id]
    )


def mark(con: duckdb.DuckDBPyConnection, queue_id: int, position: int, state: str) -> None:
    """Set an item's state: done (labelled), skipped, or pending again."""
    if state not in ("pending", "done", "skipped"):
        raise ValueError(state)
    con.execute(
        "UPDATE review_items SET state = ?, reviewed_at = current_timestamp "
        "WHERE queue_id = ? AND position = ?",
        [state, queue_id, position],
    )


def delete_queue(con: duckdb.DuckDBPyConnection, queue_id: int) -> None:
    """Remove a queue (its annotations stay)."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM review_items WHERE queue_id = ?", [queue_id])
        con.execute("DELETE FROM review_queues WHERE queue_id = ?", [queue_id])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
