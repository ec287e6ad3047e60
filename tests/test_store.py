"""The database file: creation, versions and migrations, refusals, locks and readers."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from old_schemas import write_schema2_database
from otlp_builder import LLM, ROOT, TRACE, agent_trace, document, write_json
from spanscope.ingest import import_paths
from spanscope.model import ImportStatus
from spanscope.store import (
    SCHEMA_VERSION,
    Database,
    DatabaseLocked,
    SchemaTooNew,
    StoreError,
    queries,
)

NEXT = SCHEMA_VERSION + 1

# Effectively endless (hours of work); only ever stopped by an interrupt.
ENDLESS_QUERY = "SELECT sum(hash(i)) FROM range(10000000000000) t(i)"

HOLDER = """
import sys
import duckdb
con = duckdb.connect(sys.argv[1])
print("ready", flush=True)
sys.stdin.read()
con.close()
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def meta_version(path: Path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    finally:
        con.close()
    assert row is not None
    return str(row[0])


def columns(path: Path, table: str) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
                [table],
            ).fetchall()
        ]
    finally:
        con.close()


def filled_database(path: Path, tmp_path: Path) -> None:
    """A closed database holding the builder's agent trace (4 spans, 1 trace)."""
    with Database.open(path) as db:
        [result] = list(
            import_paths(db, [write_json(tmp_path / "agent.json", document(agent_trace()))])
        )
        assert result.status is ImportStatus.IMPORTED, result.error


def span_and_trace_counts(db: Database) -> tuple[int, int]:
    row = (
        db.reader()
        .execute("SELECT (SELECT count(*) FROM spans), (SELECT count(*) FROM traces)")
        .fetchone()
    )
    assert row is not None
    return int(row[0]), int(row[1])


# --- creating and reopening ------------------------------------------------------------------


def test_create_makes_a_versioned_database(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "new.duckdb"
    with Database.open(path) as db:
        assert db.schema_version() == SCHEMA_VERSION
        assert db.path == path.resolve()
        assert not db.read_only
    assert path.is_file()
    assert meta_version(path) == str(SCHEMA_VERSION)
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert {"meta", "sources", "spans", "traces", "annotations", "replays", "prices"} <= tables


def test_reopen_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "keep.duckdb"
    filled_database(path, tmp_path)
    with Database.open(path) as db:
        assert span_and_trace_counts(db) == (4, 1)
        assert db.schema_version() == SCHEMA_VERSION
        detail = queries.span_detail(db.reader(), TRACE, LLM)
        assert detail is not None and detail["input_tokens"] == 1200
    with Database.open(path, read_only=True) as db:
        assert db.read_only
        assert span_and_trace_counts(db) == (4, 1)


def test_schema_too_new_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "future.duckdb"
    filled_database(path, tmp_path)
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    con.close()
    before = sha256(path)
    siblings = sorted(p.name for p in tmp_path.iterdir())

    for read_only in (False, True):
        with pytest.raises(SchemaTooNew) as caught:
            Database.open(path, read_only=read_only)
        message = str(caught.value)
        assert "999" in message and "newer" in message and str(path) in message

    assert sha256(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == siblings  # no backup, no WAL left
    assert meta_version(path) == "999"


# --- migrations ------------------------------------------------------------------------------


def patch_to_version_2(monkeypatch: pytest.MonkeyPatch, sql: str) -> None:
    from spanscope.store import database, migrations

    monkeypatch.setattr(database, "SCHEMA_VERSION", NEXT)
    monkeypatch.setattr(migrations, "STEPS", {SCHEMA_VERSION: "x.sql"})
    monkeypatch.setattr(migrations, "load", lambda package, name: sql)


def test_migration_backs_up_then_upgrades(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.duckdb"
    filled_database(path, tmp_path)
    old_bytes = sha256(path)
    patch_to_version_2(
        monkeypatch, "ALTER TABLE spans ADD COLUMN reviewed BOOLEAN DEFAULT FALSE;\n"
    )

    with Database.open(path) as db:
        assert db.schema_version() == NEXT
        assert span_and_trace_counts(db) == (4, 1)
        row = db.reader().execute("SELECT count(*) FILTER (reviewed = FALSE) FROM spans").fetchone()
        assert row == (4,)

    backup = tmp_path / f"old.duckdb.schema{SCHEMA_VERSION}.bak"
    assert backup.is_file()
    assert sha256(backup) == old_bytes
    assert meta_version(backup) == str(SCHEMA_VERSION)
    assert "reviewed" not in columns(backup, "spans")
    assert meta_version(path) == str(NEXT)
    assert "reviewed" in columns(path, "spans")


def test_failing_migration_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.duckdb"
    filled_database(path, tmp_path)
    patch_to_version_2(
        monkeypatch,
        "ALTER TABLE spans ADD COLUMN reviewed BOOLEAN;\nINSERT INTO no_such_table VALUES (1);\n",
    )
    with pytest.raises((StoreError, duckdb.Error)):
        Database.open(path)

    assert meta_version(path) == str(SCHEMA_VERSION)
    assert "reviewed" not in columns(path, "spans")
    monkeypatch.undo()
    with Database.open(path) as db:  # the file is still a good version-1 database
        assert db.schema_version() == SCHEMA_VERSION
        assert span_and_trace_counts(db) == (4, 1)


def test_older_file_opened_read_only_is_not_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.duckdb"
    filled_database(path, tmp_path)
    before = sha256(path)
    patch_to_version_2(monkeypatch, "ALTER TABLE spans ADD COLUMN reviewed BOOLEAN;\n")
    with pytest.raises(StoreError, match="older schema"):
        Database.open(path, read_only=True)
    assert sha256(path) == before
    assert not (tmp_path / f"old.duckdb.schema{SCHEMA_VERSION}.bak").exists()


# --- files that are not ours -----------------------------------------------------------------


def test_text_file_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.duckdb"
    path.write_text("these are my meeting notes, not a database\n" * 50)
    before = sha256(path)
    with pytest.raises(StoreError) as caught:
        Database.open(path)
    assert not isinstance(caught.value, DatabaseLocked)
    message = str(caught.value)
    assert "notes.duckdb" in message
    assert "cannot be opened as a Spanscope database" in message
    assert sha256(path) == before


def test_duckdb_file_of_another_application(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE invoices (id INTEGER, total DECIMAL(10, 2))")
    con.execute("INSERT INTO invoices VALUES (1, 9.99)")
    con.close()
    for read_only in (False, True):
        with pytest.raises(StoreError, match="DuckDB file of another application"):
            Database.open(path, read_only=read_only)
    con = duckdb.connect(str(path), read_only=True)
    try:  # nothing of ours was added to it
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    finally:
        con.close()
    assert tables == ["invoices"]


def test_read_only_open_of_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.duckdb"
    with pytest.raises(StoreError, match="does not exist"):
        Database.open(path, read_only=True)
    assert not path.exists()


def test_empty_duckdb_file_opened_read_only_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "blank.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(StoreError, match="not a Spanscope database"):
        Database.open(path, read_only=True)


# --- another process holds the file ----------------------------------------------------------


def test_locked_database_names_the_holder_and_snapshot_opens(tmp_path: Path) -> None:
    path = tmp_path / "held.duckdb"
    filled_database(path, tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"

        for read_only in (False, True):
            with pytest.raises(DatabaseLocked) as caught:
                Database.open(path, read_only=read_only)
            message = str(caught.value)
            assert "python" in message.lower() or str(holder.pid) in message, message
            assert "open in another program" in message
            assert caught.value.path == path.resolve()

        snapshot = Database.open_snapshot(path, tmp_path / "snapshot")
        try:
            assert snapshot.read_only
            assert snapshot.path.parent == (tmp_path / "snapshot").resolve()
            assert span_and_trace_counts(snapshot) == (4, 1)
            summary = queries.trace_summary(snapshot.reader(), TRACE)
            assert summary is not None and summary["root_span_id"] == ROOT
        finally:
            snapshot.close()
    finally:
        holder.terminate()
        holder.wait(timeout=60)
        if holder.stdout is not None:
            holder.stdout.close()
        if holder.stdin is not None:
            holder.stdin.close()
    with Database.open(path) as db:  # released with the holder
        assert span_and_trace_counts(db) == (4, 1)


# --- readers ---------------------------------------------------------------------------------


def test_two_readers_query_in_parallel_threads(db: Database, tmp_path: Path) -> None:
    list(import_paths(db, [write_json(tmp_path / "a.json", document(agent_trace()))]))
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def worker(name: str, sql: str) -> None:
        cur = db.reader()
        try:
            barrier.wait(timeout=60)
            results[name] = cur.execute(sql).fetchall()
        except BaseException as exc:  # reported below
            results[name] = exc

    threads = [
        threading.Thread(target=worker, args=("kinds", "SELECT kind FROM spans ORDER BY kind")),
        threading.Thread(
            target=worker, args=("tokens", "SELECT input_tokens, output_tokens FROM traces")
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == {
        "kinds": [("agent",), ("llm",), ("retriever",), ("tool",)],
        "tokens": [(1200, 80)],
    }


def test_interrupt_stops_a_long_query_while_another_reader_works(db: Database) -> None:
    long_cur = db.reader()
    long_cur.execute("SET enable_progress_bar = true")
    long_cur.execute("SET enable_progress_bar_print = false")
    about_to_run = threading.Event()
    outcome: dict[str, Any] = {}

    def long_query() -> None:
        about_to_run.set()
        try:
            long_cur.execute(ENDLESS_QUERY).fetchall()
            outcome["long"] = "finished"
        except duckdb.InterruptException:
            outcome["long"] = "interrupted"
        except BaseException as exc:  # reported below
            outcome["long"] = exc

    worker = threading.Thread(target=long_query)
    worker.start()
    try:
        assert about_to_run.wait(timeout=60)
        # Wait until the query has really processed rows (a bound, not a timing assertion).
        deadline = time.monotonic() + 120
        while long_cur.query_progress() <= 0 and worker.is_alive() and time.monotonic() < deadline:
            pass
        assert worker.is_alive() and "long" not in outcome, outcome

        # Another reader answers while the long query is still running.
        other = db.reader()
        assert other.execute("SELECT count(*) FROM spans").fetchone() == (0,)
        assert other.execute("SELECT 6 * 7").fetchone() == (42,)
        assert worker.is_alive() and "long" not in outcome
    finally:
        for _ in range(600):  # the interrupt may land before execution starts: repeat it
            long_cur.interrupt()
            worker.join(timeout=0.1)
            if not worker.is_alive():
                break
    assert not worker.is_alive()
    assert outcome["long"] == "interrupted"
    # the cursor is usable again after the interrupt
    assert long_cur.execute("SELECT 1").fetchone() == (1,)


def test_a_version_2_file_upgrades_to_the_current_schema_keeping_its_data(tmp_path: Path) -> None:
    """A file as version 2 wrote it (not today's schema with parts dropped) opens, is backed
    up, and keeps every span, annotation and replay it held."""
    path = write_schema2_database(tmp_path / "v2.duckdb")
    with Database.open(path) as db:
        assert db.schema_version() == SCHEMA_VERSION
        cur = db.reader()
        spans = cur.execute("SELECT span_id FROM spans ORDER BY span_id").fetchall()
        notes = cur.execute("SELECT label, note, author FROM annotations").fetchall()
        replays = cur.execute("SELECT output_text FROM replays").fetchall()
    assert spans == [("s1",), ("s2",)]
    assert notes == [("hallucination", "made up a policy", "ana")]
    assert replays == [("the policy is 30 days",)]
    assert (tmp_path / "v2.duckdb.schema2.bak").is_file()
    assert meta_version(path) == str(SCHEMA_VERSION)
