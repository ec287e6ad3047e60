"""Re-runs of llm spans (the ``replays`` table), and the reads the replay screens need.

A save is one transaction on a cursor the write queue hands it (``store.write_queue``), never
on the connection itself: an import holds a transaction open on
that connection for a whole file, and a replay saved inside it would wait for it or vanish
with its rollback. DuckDB writes the commit to its log before ``COMMIT`` returns.

Nothing stored here holds an API key: the endpoint is kept by name and URL only.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass
from typing import Any

import duckdb

from spanscope.sqlfiles import load
from spanscope.store.database import first_row

_CONFLICT_RETRIES = 5


@dataclass
class ReplayRecord:
    """One re-run as stored."""

    trace_id: str
    span_id: str
    endpoint: str
    protocol: str
    base_url: str
    model: str
    params: dict[str, Any]
    request: dict[str, Any]  # messages and tools sent
    output_text: str | None
    output: dict[str, Any] | None  # messages and tool calls answered
    input_tokens: int | None
    output_tokens: int | None
    latency_ms: float
    error: str | None = None
    error_kind: str | None = None
    finish_reason: str | None = None
    response_model: str | None = None
    batch_id: str | None = None
    run_kind: str = "call"  # call, repeat, trajectory
    run_index: int = 1
    same_as_recorded: bool | None = None
    check_text: str | None = None
    check_passed: bool | None = None


def save_replay(con: duckdb.DuckDBPyConnection, record: ReplayRecord) -> int:
    """Store ``record`` in its own committed transaction on ``con`` (a cursor of the writer
    connection); returns its ``replay_id``. Retries a conflict with a concurrent writer."""
    values = asdict(record)
    for key in ("params", "request", "output"):
        values[key] = None if values[key] is None else json.dumps(values[key], ensure_ascii=False)
    sql = load("spanscope.store", "replay_insert.sql")
    for attempt in range(_CONFLICT_RETRIES):
        con.execute("BEGIN TRANSACTION")
        try:
            row = first_row(con.execute(sql, values))
            con.execute("COMMIT")
        except duckdb.TransactionException:
            _rollback(con)
            if attempt == _CONFLICT_RETRIES - 1:
                raise
            continue
        except BaseException:
            _rollback(con)
            raise
        assert row is not None
        return int(row[0])
    raise AssertionError("unreachable")


def list_replays(
    cur: duckdb.DuckDBPyConnection, trace_id: str, span_id: str, limit: int = 500
) -> list[dict[str, Any]]:
    """Stored re-runs of one span, newest first (output text shortened to 400 characters)."""
    rows: list[dict[str, Any]] = (
        cur.sql(
            load("spanscope.store", "replay_list.sql"),
            params={"trace_id": trace_id, "span_id": span_id, "limit": limit},
        )
        .to_arrow_table()
        .to_pylist()
    )
    return rows


def get_replay(cur: duckdb.DuckDBPyConnection, replay_id: int) -> dict[str, Any] | None:
    """One stored re-run, JSON columns parsed."""
    rows = (
        cur.sql(load("spanscope.store", "replay_get.sql"), params={"replay_id": replay_id})
        .to_arrow_table()
        .to_pylist()
    )
    if not rows:
        return None
    row: dict[str, Any] = rows[0]
    for key in ("params", "request", "output"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    return row


def replay_as_span(cur: duckdb.DuckDBPyConnection, replay_id: int) -> dict[str, Any] | None:
    """A stored re-run shaped like a ``queries.span_detail`` row, so it can be diffed with
    (and annotated like) the original: the original's trace id, span id ``replay-<id>``."""
    replay = get_replay(cur, replay_id)
    if replay is None:
        return None
    request = replay.get("request") or {}
    output = replay.get("output") or {}
    params = replay.get("params") or {}
    calls = output.get("tool_calls") or []
    return {
        "trace_id": replay["trace_id"],
        "span_id": f"replay-{replay_id}",
        "parent_span_id": replay["span_id"],
        "name": f"replay {replay_id} of {replay['span_id']} on {replay.get('endpoint') or '?'}",
        "kind": "llm",
        "status": "error" if replay.get("error") else "ok",
        "status_message": replay.get("error"),
        "error_type": replay.get("error_kind"),
        "provider": replay.get("protocol"),
        "request_model": replay.get("model"),
        "response_model": replay.get("response_model"),
        "model": replay.get("response_model") or replay.get("model"),
        "params": json.dumps(params, ensure_ascii=False),
        "input_messages": [_stored_message(m) for m in request.get("messages") or []],
        "output_messages": [_stored_message(m) for m in output.get("messages") or []],
        "tool_calls": [{**_stored_call(c), "result": None} for c in calls],
        "documents": None,
        "input_tokens": replay.get("input_tokens"),
        "output_tokens": replay.get("output_tokens"),
        "duration_ns": (
            int(replay["latency_ms"] * 1_000_000) if replay.get("latency_ms") is not None else None
        ),
        "start_ns": None,
        "end_ns": None,
        "attributes": json.dumps({"replay.endpoint": replay.get("endpoint")}),
        "created_at": replay.get("created_at"),
    }


def step_rows(cur: duckdb.DuckDBPyConnection, trace_id: str) -> list[dict[str, Any]]:
    """A trace's spans in time order with what the step-through lists (no large text)."""
    rows: list[dict[str, Any]] = (
        cur.sql(load("spanscope.store", "replay_steps.sql"), params={"trace_id": trace_id})
        .to_arrow_table()
        .to_pylist()
    )
    return rows


def llm_spans(cur: duckdb.DuckDBPyConnection, trace_id: str) -> list[dict[str, Any]]:
    """Every llm span of a trace with its recorded request and answer, in start order."""
    rows: list[dict[str, Any]] = (
        cur.sql(load("spanscope.store", "replay_llm_spans.sql"), params={"trace_id": trace_id})
        .to_arrow_table()
        .to_pylist()
    )
    return rows


def _stored_message(message: dict[str, Any]) -> dict[str, Any]:
    calls = message.get("tool_calls") or None
    return {
        "role": message.get("role"),
        "content": message.get("content"),
        "name": message.get("name"),
        "tool_call_id": message.get("tool_call_id"),
        "tool_calls": [_stored_call(c) for c in calls] if calls else None,
        "parts": None,
    }


def _stored_call(call: dict[str, Any]) -> dict[str, Any]:
    return {
        "call_id": call.get("call_id"),
        "name": call.get("name"),
        "arguments": call.get("arguments"),
    }


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    # The failed statement may already have ended the transaction.
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")
