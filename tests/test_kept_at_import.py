"""What import keeps so failure groups, comparisons and prompt versions never recompute it:
each call's finish reason, its model's context window, the sizes of answers and retrievals,
and the prompt version of every call; and the same facts filled in when a version-7 database
is upgraded to 8."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from old_schemas import write_schema2_database
from otlp_builder import document, span, write_json
from spanscope.core import pricing
from spanscope.core.filters import compile_filter
from spanscope.store import Database, migrations, queries
from spanscope.store import costs as store_costs
from spanscope.store.database import SCHEMA_VERSION
from spanscope.store.failure_groups import failure_groups
from spanscope.store.prompt_versions import prompt_versions
from spanscope.store.writer import Writer
from store_checks import imported

SYSTEM = "You are the refunds bot. Refunds within 30 days."


def _call(sid: str, start: int, input_tokens: int, **extra: Any) -> dict[str, Any]:
    attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.system_instructions": json.dumps([{"type": "text", "content": SYSTEM}]),
        "gen_ai.usage.input_tokens": input_tokens,
        "gen_ai.usage.output_tokens": 5,
        **extra,
    }
    return span("a" * 32, sid, "chat gpt-4o", start=start, attributes=attributes)


def test_a_call_over_its_models_context_window_is_a_failure_group(
    db: Database, tmp_path: Path
) -> None:
    spans = [
        _call("1" * 16, 0, 200_000),  # gpt-4o reads at most 128,000 tokens
        _call("2" * 16, 1000, 1_000),
        _call("3" * 16, 2000, 150_000, **{"gen_ai.response.finish_reasons": ["length"]}),
    ]
    imported(db, write_json(tmp_path / "calls.json", document(spans, service="refunds")))
    groups = failure_groups(db.reader())
    assert [(g.kind, g.signature, g.count, g.example_span_id) for g in groups] == [
        ("truncation", "chat gpt-4o: finish reason length", 1, "3" * 16),
        ("over_context", "gpt-4o: input over the model's 128000-token context window", 1, "1" * 16),
    ]
    kept = (
        db.reader()
        .execute("SELECT span_id, finish_reason, context_window FROM spans ORDER BY span_id")
        .fetchall()
    )
    assert kept == [
        ("1" * 16, None, 128_000),
        ("2" * 16, None, 128_000),
        ("3" * 16, "length", 128_000),
    ]


def test_a_finished_record_keeps_its_finish_reason_over_the_start_snapshot(
    db: Database, tmp_path: Path
) -> None:
    finished = _call("1" * 16, 0, 10, **{"gen_ai.response.finish_reasons": ["content_filter"]})
    snapshot = {k: v for k, v in finished.items() if k != "endTimeUnixNano"}
    snapshot["attributes"] = [a for a in finished["attributes"] if "finish" not in a["key"]]
    imported(db, write_json(tmp_path / "two.json", document([finished, snapshot])))
    assert db.reader().execute("SELECT finish_reason FROM spans").fetchall() == [
        ("content_filter",)
    ]
    assert [g.kind for g in failure_groups(db.reader())] == ["refusal"]


def test_a_file_that_replaces_calls_replaces_their_prompt_versions(
    db: Database, tmp_path: Path
) -> None:
    imported(db, write_json(tmp_path / "one.json", document([_call("1" * 16, 0, 10)], "refunds")))
    replaced = _call("1" * 16, 0, 10)
    replaced["attributes"] = [
        a
        if a["key"] != "gen_ai.system_instructions"
        else {
            "key": a["key"],
            "value": {"stringValue": "You are the refunds bot. Refunds within 90 days."},
        }
        for a in replaced["attributes"]
    ]
    imported(db, write_json(tmp_path / "two.json", document([replaced], "refunds")))
    [version] = prompt_versions(db.reader())
    assert (version.calls, version.template) == (
        1,
        "You are the refunds bot. Refunds within 90 days.",
    )
    assert db.reader().execute("SELECT count(*) FROM prompt_calls").fetchall() == [(1,)]


# -- a database written by version 7 ---------------------------------------------------------
V7_LLM = (
    "INSERT INTO spans (trace_id, span_id, source_id, name, kind, start_ns, end_ns, duration_ns, "
    "status, service, provider, model, request_model, input_tokens, output_tokens, "
    "input_messages, output_messages, attributes) VALUES ('t2', ?, 1, 'chat', 'llm', ?, ?, 10, "
    "'ok', 'refunds', 'openai', 'gpt-4o', 'gpt-4o', 10, 5, "
    "[{'role': 'system', 'content': ?, 'name': NULL, 'tool_call_id': NULL, 'tool_calls': NULL, "
    "'parts': NULL}], [{'role': 'assistant', 'content': 'Sorry', 'name': NULL, "
    "'tool_call_id': NULL, 'tool_calls': NULL, 'parts': NULL}], ?)"
)
V7_RETRIEVER = (
    "INSERT INTO spans (trace_id, span_id, source_id, name, kind, start_ns, status, documents) "
    "VALUES ('t2', 'r1', 1, 'retrieve', 'retriever', 300, 'ok', [{'document_id': 'd1', "
    "'content': 'Refunds', 'score': 0.8, 'metadata': NULL, 'stage': 'retrieved'}, "
    "{'document_id': 'd2', 'content': 'Returns', 'score': 0.6, 'metadata': NULL, "
    "'stage': 'retrieved'}])"
)


def write_schema7_database(path: Path) -> Path:
    """A version-7 file as the released migrations leave it, with two model calls (finish
    reasons in the attributes, one as OTel GenAI says it, one inside the output messages) that
    share a prompt rendered with different customer ids, and a retrieval of two chunks."""
    write_schema2_database(path)
    con = duckdb.connect(str(path))
    try:
        migrations.upgrade(con, 2, 7)
        con.execute(
            V7_LLM,
            ["c1", 100, 110, f"{SYSTEM} Customer C-1001.",
             json.dumps({"gen_ai.response.finish_reasons": ["length"]})],
        )  # fmt: skip
        con.execute(
            V7_LLM,
            ["c2", 200, 210, f"{SYSTEM} Customer C-2002.",
             json.dumps({"gen_ai.output.messages": json.dumps(
                 [{"role": "assistant", "content": "Sorry", "finish_reason": "content_filter"}])})],
        )  # fmt: skip
        con.execute(V7_RETRIEVER)
    finally:
        con.close()
    return path


def test_upgrading_a_version_7_database_fills_what_import_now_keeps(tmp_path: Path) -> None:
    path = write_schema7_database(tmp_path / "v7.duckdb")
    with Database.open(path) as db:
        assert db.schema_version() == SCHEMA_VERSION
        cur = db.reader()
        kept = cur.execute(
            "SELECT span_id, finish_reason, output_chars, chunk_count, top_chunk_score "
            "FROM spans WHERE trace_id = 't2' ORDER BY span_id"
        ).fetchall()
        assert kept == [
            ("c1", "length", 5, None, None),
            ("c2", "content_filter", 5, None, None),
            ("r1", None, None, 2, 0.8),
        ]
        # the version-2 rows bring a failed tool call and a reviewer's label
        assert sorted(g.kind for g in failure_groups(cur)) == [
            "label",
            "refusal",
            "tool_error",
            "truncation",
        ]
        [version] = prompt_versions(cur, compile_filter("service:refunds", "spans"))
        assert (version.calls, version.version, version.template) == (
            2,
            1,
            f"{SYSTEM} Customer <id>",
        )
        calls = queries.span_page(cur, where=compile_filter(f"prompt:{version.prompt_id}", "spans"))
        assert sorted(calls.rows.column("span_id").to_pylist()) == ["c1", "c2"]
        # context windows come with pricing, which the app runs once on the upgraded file
        assert store_costs.pending(cur)
        writer = Writer(db)
        writer.cost_rules = pricing.cost_rules()
        writer.reprice(only_if_pending=True)
        assert db.reader().execute(
            "SELECT DISTINCT context_window FROM spans WHERE kind = 'llm'"
        ).fetchall() == [(128_000,)]
    with Database.open(path) as db:  # opening again changes nothing
        assert db.reader().execute("SELECT count(*) FROM prompt_calls").fetchall() == [(2,)]
