"""Writing an opened case file into the database: its spans (those not already here), the
``traces`` rows they make, a ``sources`` row saying where they came from, and its replays.
Runs on the writer connection inside the caller's transaction; the caller validated the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from spanscope.sqlfiles import load, statements
from spanscope.store import prompt_calls
from spanscope.store.database import first_row

# Replay columns a case file carries; the id is the database's own.
REPLAY_COLUMNS = (
    "trace_id", "span_id", "endpoint", "model", "params", "request", "output_text", "output",
    "input_tokens", "output_tokens", "latency_ms", "error", "created_at", "protocol", "base_url",
    "batch_id", "run_kind", "run_index", "error_kind", "finish_reason", "response_model",
    "same_as_recorded", "check_text", "check_passed",
)  # fmt: skip


def span_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(name, type) of every column of ``spans`` in this database."""
    rows = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE table_name = 'spans' AND schema_name = 'main' ORDER BY column_index"
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def source_of(con: duckdb.DuckDBPyConnection, sha256: str) -> int | None:
    """The source id of a file with this content already opened or imported."""
    row = first_row(con.execute("SELECT source_id FROM sources WHERE sha256 = ?", [sha256]))
    return int(row[0]) if row else None


def add_source(con: duckdb.DuckDBPyConnection, path: Path, sha256: str, size: int) -> int:
    """The ``sources`` row of an opened case file."""
    row = first_row(
        con.execute(
            "INSERT INTO sources (source_id, path, sha256, format, size_bytes, imported_at) "
            "VALUES (nextval('source_ids'), ?, ?, 'spanscope-case', ?, now()) RETURNING source_id",
            [str(path), sha256, size],
        )
    )
    assert row is not None
    return int(row[0])


def insert_spans(
    con: duckdb.DuckDBPyConnection, spans: pa.Table, source_id: int, warnings: Sequence[str]
) -> tuple[int, int]:
    """Add the case's spans the database lacks and rebuild their traces' rows; returns
    (spans added, traces touched)."""
    con.register("case_spans", spans)
    try:
        params = {"source_id": source_id}
        con.execute(load("spanscope.store", "case_insert_spans.sql"), params)
    finally:
        con.unregister("case_spans")
    derive = {"source_ids": [source_id]}
    for stmt in statements(load("spanscope.store", "derive_traces.sql")):
        con.execute(stmt, derive if "$source_ids" in stmt else None)
    prompt_calls.keep_source(con, source_id)
    row = first_row(
        con.execute(
            "SELECT count(*), count(DISTINCT trace_id) FROM spans WHERE source_id = ?", [source_id]
        )
    )
    added, traces = (int(row[0]), int(row[1])) if row else (0, 0)
    con.execute(
        "UPDATE sources SET span_count = ?, trace_count = ?, warnings = ? WHERE source_id = ?",
        [added, traces, list(warnings), source_id],
    )
    if added:  # indexed for search after the commit, like any import (Writer.index_pending)
        con.execute("INSERT INTO search_pending VALUES (?)", [source_id])
    return added, traces


def insert_replays(con: duckdb.DuckDBPyConnection, replays: Sequence[dict[str, Any]]) -> int:
    """Add replays not already here (same span, model, batch and time); returns how many."""
    added = 0
    for replay in replays:
        values = [replay.get(c) for c in REPLAY_COLUMNS]
        seen = first_row(
            con.execute(
                "SELECT count(*) FROM replays WHERE trace_id = ? AND span_id = ? "
                "AND model IS NOT DISTINCT FROM ? AND created_at IS NOT DISTINCT FROM ? "
                "AND run_index IS NOT DISTINCT FROM ?",
                [replay.get("trace_id"), replay.get("span_id"), replay.get("model"),
                 replay.get("created_at"), replay.get("run_index")],
            )
        )  # fmt: skip
        if seen and seen[0]:
            continue
        marks = ", ".join("?" for _ in REPLAY_COLUMNS)
        con.execute(f"INSERT INTO replays ({', '.join(REPLAY_COLUMNS)}) VALUES ({marks})", values)
        added += 1
    return added
