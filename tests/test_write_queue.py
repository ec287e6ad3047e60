"""One way to write: the write queue runs writes in the order asked, never cancels one, commits
each while an import holds its transaction; readers refuse to write."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from spanscope.model.annotation import Annotation
from spanscope.store import Database, StoreError
from spanscope.store import annotations as stored
from spanscope.store.read_cursor import ReadOnlyCursor
from spanscope.store.write_queue import queue_of


@pytest.fixture
def db(tmp_path: Path) -> Database:
    found = Database.open(tmp_path / "writes.duckdb")
    found.writer.execute("CREATE TABLE log (n INTEGER, thread VARCHAR)")
    yield found
    queue_of(found).close()
    found.close()


def _append(cur, n: int) -> int:  # type: ignore[no-untyped-def]
    cur.execute("INSERT INTO log VALUES (?, ?)", [n, threading.current_thread().name])
    return n


def test_writes_run_in_order_on_one_thread_and_cannot_be_cancelled(db: Database) -> None:
    queue = queue_of(db)
    assert queue_of(db) is queue  # one queue per database
    gate = threading.Event()
    first = queue.submit(lambda cur: gate.wait(30))
    later = [queue.submit(_append, n) for n in range(50)]
    assert not any(f.cancel() for f in later)  # a write once asked for happens
    gate.set()
    assert [f.result(timeout=30) for f in later] == list(range(50))
    assert first.result() is True
    rows = db.reader().execute("SELECT n, thread FROM log ORDER BY rowid").fetchall()
    assert [r[0] for r in rows] == list(range(50))
    assert len({r[1] for r in rows}) == 1 and rows[0][1] != threading.current_thread().name
    assert queue.drain(30) and queue.pending == 0


def test_a_write_commits_while_an_import_holds_its_transaction(db: Database) -> None:
    con = db.writer
    con.execute("BEGIN TRANSACTION")
    con.execute("INSERT INTO log VALUES (-1, 'import')")
    saved = queue_of(db).run(stored.save_annotation, Annotation("t", "s", ("cost",)))
    con.execute("ROLLBACK")  # the import fails; the annotation stays
    assert saved.annotation_id is not None
    assert [a.labels for a in stored.annotations_of(db.reader(), "t", "s")] == [("cost",)]
    assert db.reader().execute("SELECT count(*) FROM log").fetchall() == [(0,)]


def test_a_failed_write_reaches_its_caller_and_the_next_one_runs(db: Database) -> None:
    queue = queue_of(db)
    failed = queue.submit(lambda cur: cur.execute("INSERT INTO nowhere VALUES (1)"))
    assert queue.run(_append, 7) == 7
    with pytest.raises(Exception, match="nowhere"):
        failed.result()


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO log VALUES (1, 'x')",
        "UPDATE log SET n = 2",
        "DELETE FROM log",
        "DROP TABLE log",
        "CREATE TABLE other (a INTEGER)",
        "CHECKPOINT",
        "BEGIN TRANSACTION",
        "SELECT 1; DELETE FROM log",
        "COPY log TO 'out.csv'",
        "SET GLOBAL threads = 1",
    ],
)
def test_a_reader_refuses_to_write(db: Database, sql: str) -> None:
    with pytest.raises(ReadOnlyCursor):
        db.reader().execute(sql)


def test_a_reader_reads(db: Database) -> None:
    reader = db.reader()
    assert reader.execute("SELECT count(*) FROM log").fetchall() == [(0,)]
    assert reader.execute("WITH a AS (SELECT 1 AS x) SELECT x FROM a").fetchall() == [(1,)]
    reader.execute("SET enable_progress_bar = true")  # a setting of this cursor's session
    with pytest.raises(ReadOnlyCursor):
        reader.append("log", None)


def test_a_read_only_database_refuses_writes_at_once(tmp_path: Path) -> None:
    Database.open(tmp_path / "ro.duckdb").close()
    with (
        Database.open(tmp_path / "ro.duckdb", read_only=True) as db,
        pytest.raises(StoreError, match="read-only"),
    ):
        queue_of(db).run(_append, 1)
