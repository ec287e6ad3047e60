"""Exporting a trace as OTLP JSON and importing the file again yields the same spans."""

from __future__ import annotations

import json
from pathlib import Path

from otlp_builder import TRACE, agent_trace, document, write_json
from spanscope.core.otlp_export import any_value, export_trace
from spanscope.ingest import import_paths
from spanscope.store import Database, queries

COMPARED = (
    "trace_id, span_id, parent_span_id, name, kind, span_kind, start_ns, end_ns, status, "
    "status_message, service, provider, model, request_model, input_tokens, output_tokens, "
    "cache_read_tokens, reasoning_tokens, tool_name, session_id, user_id, tags, "
    "input_messages, output_messages, tool_calls, documents, attributes, resource, scope"
)


def import_file(db: Database, path: Path) -> None:
    [result] = list(import_paths(db, [path]))
    assert result.status == "imported", result.error


def spans_of(db: Database, trace_id: str) -> list[tuple]:
    cur = db.reader()
    try:
        return cur.execute(
            f"SELECT {COMPARED} FROM spans WHERE trace_id = ? ORDER BY span_id", [trace_id]
        ).fetchall()
    finally:
        cur.close()


def export_to(db: Database, trace_id: str, path: Path) -> dict:
    cur = db.reader()
    try:
        doc = export_trace(queries.trace_export_rows(cur, trace_id))
    finally:
        cur.close()
    path.write_text(json.dumps(doc), encoding="utf-8")
    return doc


def test_round_trip_keeps_ids_names_kinds_models_tokens_and_messages(tmp_path: Path) -> None:
    source = write_json(tmp_path / "agent.json", document(agent_trace()))
    with Database.open(tmp_path / "first.duckdb") as first:
        import_file(first, source)
        doc = export_to(first, TRACE, tmp_path / "exported.json")
        before = spans_of(first, TRACE)
    with Database.open(tmp_path / "second.duckdb") as second:
        import_file(second, tmp_path / "exported.json")
        after = spans_of(second, TRACE)
    assert len(before) == 4
    assert after == before
    [resource] = doc["resourceSpans"]
    [scope] = resource["scopeSpans"]
    assert scope["scope"] == {"name": "tests", "version": "1"}
    tool = next(s for s in scope["spans"] if s["name"] == "execute_tool search_kb")
    assert tool["status"] == {"code": 2, "message": "timeout after 30ms"}
    assert isinstance(tool["startTimeUnixNano"], str) and tool["startTimeUnixNano"].isdigit()
    assert tool["events"][0]["name"] == "exception"


def test_demo_traces_round_trip(tmp_path: Path) -> None:
    from spanscope.demo import write_otlp_jsonl

    source = tmp_path / "demo.jsonl"
    write_otlp_jsonl(source, 300, seed=3)
    with Database.open(tmp_path / "first.duckdb") as first:
        import_file(first, source)
        cur = first.reader()
        traces = [r[0] for r in cur.execute("SELECT trace_id FROM traces LIMIT 5").fetchall()]
        cur.close()
        expected = {t: spans_of(first, t) for t in traces}
        for n, trace_id in enumerate(traces):
            export_to(first, trace_id, tmp_path / f"t{n}.json")
    with Database.open(tmp_path / "second.duckdb") as second:
        for n in range(len(traces)):
            import_file(second, tmp_path / f"t{n}.json")
        for trace_id, rows in expected.items():
            assert spans_of(second, trace_id) == rows


def test_spans_are_grouped_by_resource_and_scope() -> None:
    rows = [
        {"trace_id": "t", "span_id": "a", "name": "a", "resource": '{"service.name":"x"}',
         "scope": '{"name":"s1","version":null,"attributes":null}', "kind": "agent"},
        {"trace_id": "t", "span_id": "b", "name": "b", "resource": '{"service.name":"x"}',
         "scope": '{"name":"s2"}', "kind": "other"},
        {"trace_id": "t", "span_id": "c", "name": "c", "resource": '{"service.name":"y"}',
         "scope": '{"name":"s1"}', "kind": "other"},
    ]  # fmt: skip
    doc = export_trace(rows)
    assert [len(r["scopeSpans"]) for r in doc["resourceSpans"]] == [2, 1]
    first = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert {"key": "spanscope.kind", "value": {"stringValue": "agent"}} in first["attributes"]
    assert "startTimeUnixNano" not in first


def test_any_value_encodes_each_json_type() -> None:
    assert any_value(True) == {"boolValue": True}
    assert any_value(3) == {"intValue": "3"}
    assert any_value(0.5) == {"doubleValue": 0.5}
    assert any_value(["a"]) == {"arrayValue": {"values": [{"stringValue": "a"}]}}
    assert any_value({"k": 1}) == {
        "kvlistValue": {"values": [{"key": "k", "value": {"intValue": "1"}}]}
    }
