"""Stored re-runs: saved through a cursor of the writer, listed, read back as a span for the
diff, kept across the upgrade of an old database file; keys never stored."""

from __future__ import annotations

import json
from pathlib import Path

from old_schemas import write_schema2_database
from spanscope.sqlfiles import load, statements
from spanscope.store import Database
from spanscope.store.database import first_row
from spanscope.store.replays import (
    ReplayRecord,
    get_replay,
    list_replays,
    replay_as_span,
    save_replay,
)


def record(**changes: object) -> ReplayRecord:
    values: dict[str, object] = {
        "trace_id": "t1",
        "span_id": "s1",
        "endpoint": "local",
        "protocol": "openai",
        "base_url": "http://127.0.0.1:8000/v1",
        "model": "gpt-4o",
        "params": {"temperature": 0},
        "request": {"messages": [{"role": "user", "content": "refund?"}], "tools": []},
        "output_text": "30 days",
        "output": {
            "messages": [{"role": "assistant", "content": "30 days", "tool_calls": None}],
            "tool_calls": [{"call_id": "c1", "name": "search", "arguments": "{}"}],
        },
        "input_tokens": 12,
        "output_tokens": 3,
        "latency_ms": 123.4,
        "same_as_recorded": False,
    }
    values.update(changes)
    return ReplayRecord(**values)  # type: ignore[arg-type]


def test_save_list_and_read_back_as_a_span(db: Database) -> None:
    first = save_replay(db.writer.cursor(), record())
    failed = save_replay(
        db.writer.cursor(),
        record(
            output_text=None, output=None, error="429 Too Many Requests", error_kind="rate_limit"
        ),
    )
    assert failed > first
    rows = list_replays(db.reader(), "t1", "s1")
    assert [r["replay_id"] for r in rows] == [failed, first]  # newest first
    assert rows[0]["error_kind"] == "rate_limit" and rows[1]["output_text"] == "30 days"
    assert list_replays(db.reader(), "t1", "other") == []

    stored = get_replay(db.reader(), first)
    assert stored is not None and stored["params"] == {"temperature": 0}
    span = replay_as_span(db.reader(), first)
    assert span is not None
    assert (span["trace_id"], span["span_id"], span["kind"], span["status"]) == (
        "t1",
        f"replay-{first}",
        "llm",
        "ok",
    )
    assert span["input_messages"][0]["content"] == "refund?"
    assert span["output_messages"][0]["content"] == "30 days"
    assert span["tool_calls"] == [
        {"call_id": "c1", "name": "search", "arguments": "{}", "result": None}
    ]
    assert span["duration_ns"] == 123_400_000 and span["request_model"] == "gpt-4o"
    assert json.loads(span["params"]) == {"temperature": 0}
    error_span = replay_as_span(db.reader(), failed)
    assert error_span is not None and error_span["status"] == "error"
    assert error_span["status_message"] == "429 Too Many Requests"
    assert replay_as_span(db.reader(), 999) is None


def test_a_save_is_committed_even_while_the_writer_holds_a_transaction(db: Database) -> None:
    db.writer.execute("BEGIN TRANSACTION")  # as an import does for a whole file
    try:
        replay_id = save_replay(db.writer.cursor(), record())
    finally:
        db.writer.execute("ROLLBACK")
    assert get_replay(db.reader(), replay_id) is not None


def test_an_old_file_keeps_its_replay_and_gains_the_new_columns(tmp_path: Path) -> None:
    path = write_schema2_database(tmp_path / "old.duckdb")
    with Database.open(path) as db:
        [old] = list_replays(db.reader(), "t1", "s1")
        assert old["output_text"] == "the policy is 30 days" and old["endpoint"] == "local"
        assert old["run_kind"] == "call" and old["same_as_recorded"] is None
        new = save_replay(db.writer.cursor(), record(batch_id="b1", run_kind="repeat", run_index=2))
        assert new > old["replay_id"]
        # The step is idempotent: running it again over today's schema changes nothing.
        for stmt in statements(load("spanscope.store", "migrate_5_replays.sql")):
            db.writer.execute(stmt)
        assert len(list_replays(db.reader(), "t1", "s1")) == 2
        row = first_row(
            db.reader().execute(
                "SELECT batch_id, run_index FROM replays WHERE replay_id = ?", [new]
            )
        )
        assert row == ("b1", 2)


def test_fresh_and_upgraded_files_have_the_same_replays_columns(
    tmp_path: Path, db: Database
) -> None:
    def columns(database: Database) -> list[tuple[str, str]]:
        return (
            database.reader()
            .execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'replays' ORDER BY column_name"
            )
            .fetchall()
        )

    with Database.open(write_schema2_database(tmp_path / "old.duckdb")) as old:
        assert columns(old) == columns(db)


def test_no_key_reaches_the_database(db: Database, monkeypatch: object) -> None:
    save_replay(db.writer.cursor(), record())
    dump = json.dumps(db.reader().execute("SELECT * FROM replays").fetchall(), default=str)
    assert "sk-" not in dump and "api_key" not in dump
