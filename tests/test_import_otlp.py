"""OTLP JSON import: conventions mapped, file shapes accepted, bad files rolled back alone."""

from __future__ import annotations

import base64
import gzip
import json
import threading
from pathlib import Path
from typing import Any

import pytest
import zstandard

from engineer_view import check_file, corpus_view_test
from otlp_builder import (
    LLM,
    RETRIEVER,
    ROOT,
    T0,
    TOOL,
    TRACE,
    agent_trace,
    document,
    span,
    write_json,
    write_jsonl,
)
from spanscope.core.filters import compile_filter
from spanscope.core.replay_steps import build_steps
from spanscope.ingest import import_paths
from spanscope.model import ImportStatus
from spanscope.store import Database, queries
from spanscope.store.replays import step_rows
from store_checks import counts, run, span_detail


def test_genai_conventions_are_mapped(db: Database, tmp_path: Path) -> None:
    [result] = run(db, write_json(tmp_path / "trace.json", document(agent_trace())))
    assert result.status is ImportStatus.IMPORTED, result.error
    assert (result.format, result.spans, result.traces) == ("otlp-json", 4, 1)

    llm = span_detail(db, TRACE, LLM)
    assert llm["kind"] == "llm"
    assert llm["provider"] == "openai"
    assert (llm["request_model"], llm["response_model"]) == ("gpt-4o", "gpt-4o-2024-08-06")
    assert llm["model"] == "gpt-4o-2024-08-06"
    assert (llm["input_tokens"], llm["output_tokens"]) == (1200, 80)
    assert (llm["cache_read_tokens"], llm["reasoning_tokens"]) == (1000, 20)
    assert json.loads(llm["params"]) == {"temperature": 0.2, "max_tokens": 512}
    assert [(m["role"], m["content"]) for m in llm["input_messages"]] == [
        ("system", "Be brief."),
        ("user", "What is your refund policy?"),
    ]
    [out] = llm["output_messages"]
    assert out["content"] == "Let me look that up."
    assert [(c["call_id"], c["name"], json.loads(c["arguments"])) for c in out["tool_calls"]] == [
        ("call_1", "search_kb", {"query": "refund policy"})
    ]
    assert [(c["name"], c["call_id"]) for c in llm["tool_calls"]] == [("search_kb", "call_1")]
    assert llm["service"] == "checkout"

    tool = span_detail(db, TRACE, TOOL)
    assert (tool["kind"], tool["tool_name"], tool["status"]) == ("tool", "search_kb", "error")
    assert tool["status_message"] == "timeout after 30ms"
    assert tool["error_type"] == "TimeoutError"
    assert tool["tool_calls"][0]["arguments"] == '{"query": "refund policy"}'

    retriever = span_detail(db, TRACE, RETRIEVER)
    assert retriever["kind"] == "retriever"
    assert [(d["document_id"], d["score"], d["content"]) for d in retriever["documents"]] == [
        ("doc-1", 0.91, "Refunds within 30 days."),
        ("doc-2", 0.42, "Shipping takes 3 days."),
    ]

    root = span_detail(db, TRACE, ROOT)
    assert (root["kind"], root["session_id"], root["user_id"]) == ("agent", "s_1", "u_42")
    assert root["tags"] == ["beta", "eu"]


def test_trace_row_is_derived(db: Database, tmp_path: Path) -> None:
    run(db, write_json(tmp_path / "trace.json", document(agent_trace())))
    trace = queries.trace_summary(db.reader(), TRACE)
    assert trace is not None
    assert trace["root_span_id"] == ROOT
    assert trace["root_name"] == "invoke_agent support"
    assert (trace["span_count"], trace["llm_count"], trace["tool_count"]) == (4, 1, 1)
    assert (trace["retriever_count"], trace["error_count"]) == (1, 1)
    assert (trace["input_tokens"], trace["output_tokens"]) == (1200, 80)
    assert trace["duration_ns"] == 3000 * 1_000_000
    assert trace["preview"] == "What is your refund policy?"
    assert trace["models"] == ["gpt-4o-2024-08-06"]


def test_raw_attributes_are_kept_losslessly(db: Database, tmp_path: Path) -> None:
    big = 2**63 - 1  # above 2^53: must never pass through a float
    spans = [
        span(
            TRACE,
            ROOT,
            "x",
            attributes={
                "app.big": big,
                "app.flag": True,
                "app.ratio": 0.125,
                "app.list": ["a", "b"],
                "app.nested": {"k": "v", "n": 3},
                "weird key with spaces": "ok",
            },
        )
    ]
    run(db, write_json(tmp_path / "t.json", document(spans)))
    raw = span_detail(db, TRACE, ROOT)["attributes"]
    assert f'"app.big":{big}' in raw.replace(" ", "")
    attributes = json.loads(raw)
    assert attributes["app.big"] == big
    assert attributes["app.flag"] is True and attributes["app.ratio"] == 0.125
    assert attributes["app.list"] == ["a", "b"]
    assert attributes["app.nested"] == {"k": "v", "n": 3}
    assert attributes["weird key with spaces"] == "ok"


def test_openinference_attributes_on_otlp(db: Database, tmp_path: Path) -> None:
    spans = [
        span(
            TRACE,
            LLM,
            "ChatOpenAI",
            attributes={
                "openinference.span.kind": "LLM",
                "llm.model_name": "gpt-4o-mini",
                "llm.provider": "openai",
                "llm.input_messages.0.message.role": "system",
                "llm.input_messages.0.message.content": "You are helpful.",
                "llm.input_messages.1.message.role": "user",
                "llm.input_messages.1.message.contents.0.message_content.type": "text",
                "llm.input_messages.1.message.contents.0.message_content.text": "Hi there",
                "llm.output_messages.0.message.role": "assistant",
                "llm.output_messages.0.message.tool_calls.0.tool_call.id": "c9",
                "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "lookup",
                "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"id": 7}',
                "llm.token_count.prompt": 30,
                "llm.token_count.completion": 5,
                "llm.token_count.total": 35,
                "llm.token_count.prompt_details.cache_read": 10,
                "llm.invocation_parameters": '{"temperature": 0}',
                "llm.cost.total": 0.0004,
            },
        ),
        span(
            TRACE,
            RETRIEVER,
            "retrieve",
            attributes={
                "openinference.span.kind": "RETRIEVER",
                "retrieval.documents.0.document.id": "a",
                "retrieval.documents.0.document.score": 0.5,
                "retrieval.documents.0.document.content": "alpha",
                "retrieval.documents.0.document.metadata": '{"page": 1}',
                "retrieval.documents.1.document.id": "b",
                "retrieval.documents.1.document.content": "beta",
            },
        ),
    ]
    run(db, write_json(tmp_path / "oi.json", document(spans)))
    llm = span_detail(db, TRACE, LLM)
    assert (llm["kind"], llm["model"], llm["provider"]) == ("llm", "gpt-4o-mini", "openai")
    assert (llm["input_tokens"], llm["output_tokens"], llm["total_tokens"]) == (30, 5, 35)
    assert llm["cache_read_tokens"] == 10
    assert llm["recorded_cost"] == pytest.approx(0.0004)
    assert json.loads(llm["params"]) == {"temperature": 0}
    assert [(m["role"], m["content"]) for m in llm["input_messages"]] == [
        ("system", "You are helpful."),
        ("user", "Hi there"),
    ]
    assert [(c["name"], c["arguments"]) for c in llm["tool_calls"]] == [("lookup", '{"id": 7}')]
    docs = span_detail(db, TRACE, RETRIEVER)["documents"]
    assert [(d["document_id"], d["content"], d["score"]) for d in docs] == [
        ("a", "alpha", 0.5),
        ("b", "beta", None),
    ]
    assert json.loads(docs[0]["metadata"]) == {"page": 1}


def test_older_genai_and_openllmetry(db: Database, tmp_path: Path) -> None:
    spans = [
        span(
            TRACE,
            LLM,
            "openai.chat",
            attributes={
                "gen_ai.system": "OpenAI",
                "gen_ai.request.model": "gpt-3.5-turbo",
                "llm.request.type": "chat",
                "gen_ai.usage.prompt_tokens": 11,
                "gen_ai.usage.completion_tokens": 7,
                "gen_ai.prompt.0.role": "user",
                "gen_ai.prompt.0.content": "Tell me a joke",
                "gen_ai.completion.0.role": "assistant",
                "gen_ai.completion.0.content": "No.",
                "gen_ai.completion.0.tool_calls.0.name": "joke_db",
                "gen_ai.completion.0.tool_calls.0.arguments": '{"q": 1}',
            },
        )
    ]
    run(db, write_json(tmp_path / "old.json", document(spans)))
    llm = span_detail(db, TRACE, LLM)
    assert (llm["kind"], llm["provider"], llm["model"]) == ("llm", "openai", "gpt-3.5-turbo")
    assert (llm["input_tokens"], llm["output_tokens"]) == (11, 7)
    assert [(m["role"], m["content"]) for m in llm["input_messages"]] == [
        ("user", "Tell me a joke")
    ]
    assert llm["output_messages"][0]["content"] == "No."
    assert [(c["name"], c["arguments"]) for c in llm["tool_calls"]] == [("joke_db", '{"q": 1}')]


def test_genai_message_events(db: Database, tmp_path: Path) -> None:
    spans = [
        span(
            TRACE,
            LLM,
            "chat",
            attributes={"gen_ai.operation.name": "chat", "gen_ai.request.model": "m"},
            events=[
                {"name": "gen_ai.system.message", "attributes": {"content": "Rules."}},
                {"name": "gen_ai.user.message", "attributes": {"content": "Question?"}},
                {
                    "name": "gen_ai.choice",
                    "attributes": {
                        "message": json.dumps({"role": "assistant", "content": "Answer."})
                    },
                },
            ],
        )
    ]
    run(db, write_json(tmp_path / "events.json", document(spans)))
    llm = span_detail(db, TRACE, LLM)
    assert [(m["role"], m["content"]) for m in llm["input_messages"]] == [
        ("system", "Rules."),
        ("user", "Question?"),
    ]
    assert [(m["role"], m["content"]) for m in llm["output_messages"]] == [("assistant", "Answer.")]


def test_span_without_convention_is_other_with_warning(db: Database, tmp_path: Path) -> None:
    [result] = run(db, write_json(tmp_path / "plain.json", document([span(TRACE, ROOT, "GET /")])))
    assert span_detail(db, TRACE, ROOT)["kind"] == "other"
    assert any("convention" in w for w in result.warnings)


# --- file shapes -----------------------------------------------------------------------------


def _two_batches() -> list[dict[str, Any]]:
    spans = agent_trace()
    return [document(spans[:2]), document(spans[2:])]


@pytest.mark.parametrize(
    "shape", ["jsonl", "pretty", "concatenated", "array", "gzip", "zstd", "crlf"]
)
def test_file_shapes(db: Database, tmp_path: Path, shape: str) -> None:
    docs = _two_batches()
    path = tmp_path / "export.data"  # the name says nothing: content decides
    if shape == "jsonl":
        write_jsonl(path, docs)
    elif shape == "pretty":
        path.write_text("\n".join(json.dumps(d, indent=2) for d in docs))
    elif shape == "concatenated":
        path.write_text("".join(json.dumps(d) for d in docs))
    elif shape == "array":
        path.write_text(json.dumps(docs))
    elif shape == "gzip":
        path.write_bytes(gzip.compress("".join(json.dumps(d) + "\n" for d in docs).encode()))
    elif shape == "zstd":
        data = "".join(json.dumps(d) + "\n" for d in docs).encode()
        path.write_bytes(zstandard.ZstdCompressor().compress(data))
    elif shape == "crlf":
        path.write_bytes("".join(json.dumps(d) + "\r\n" for d in docs).encode())
    [result] = run(db, path)
    assert result.status is ImportStatus.IMPORTED, result.error
    assert (result.spans, result.traces) == (4, 1)
    assert span_detail(db, TRACE, LLM)["input_tokens"] == 1200


def test_directory_imports_each_file(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    (folder / "nested").mkdir(parents=True)
    write_json(folder / "a.json", document(agent_trace("11111111111111111111111111111111")))
    write_json(
        folder / "nested" / "b.json", document(agent_trace("22222222222222222222222222222222"))
    )
    (folder / "notes.txt").write_text("not a trace")
    results = run(db, folder)
    assert sorted((Path(r.path).name, r.status.value) for r in results) == [
        ("a.json", "imported"),
        ("b.json", "imported"),
        ("notes.txt", "failed"),
    ]
    assert counts(db)[:2] == (8, 2)


@pytest.mark.parametrize("encoding", ["upper", "base64", "0x"])
def test_id_encodings_are_normalised(db: Database, tmp_path: Path, encoding: str) -> None:
    def encode(hex_id: str) -> str:
        if encoding == "upper":
            return hex_id.upper()
        if encoding == "base64":
            return base64.b64encode(bytes.fromhex(hex_id)).decode()
        return "0x" + hex_id

    spans = [
        span(encode(TRACE), encode(ROOT), "root"),
        span(encode(TRACE), encode(LLM), "child", parent=encode(ROOT)),
    ]
    run(db, write_json(tmp_path / "ids.json", document(spans)))
    assert span_detail(db, TRACE, LLM)["parent_span_id"] == ROOT


def test_other_ids_are_kept_as_written(db: Database, tmp_path: Path) -> None:
    spans = [
        span("fixture-trace-1", "s01", "root"),
        span("fixture-trace-1", "s02", "c", parent="s01"),
    ]
    run(db, write_json(tmp_path / "ids.json", document(spans)))
    assert span_detail(db, "fixture-trace-1", "s02")["parent_span_id"] == "s01"


def test_protobuf_json_variants(db: Database, tmp_path: Path) -> None:
    """snake_case keys, enum names, Buffer ids, {low, high} times, plain attribute values."""
    trace_bytes = list(bytes.fromhex(TRACE))
    start = T0
    doc = {
        "resource_spans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"string_value": "svc"}}]
                },
                "scope_spans": [
                    {
                        "scope": {"name": "s"},
                        "spans": [
                            {
                                "trace_id": {"type": "Buffer", "data": trace_bytes},
                                "span_id": {"type": "Buffer", "data": list(bytes.fromhex(LLM))},
                                "name": "chat",
                                "kind": "SPAN_KIND_CLIENT",
                                "start_time_unix_nano": {
                                    "low": start & 0xFFFFFFFF,
                                    "high": start >> 32,
                                    "unsigned": True,
                                },
                                "end_time_unix_nano": str(start + 5_000_000),
                                "attributes": [
                                    {"key": "gen_ai.operation.name", "value": "chat"},
                                    {
                                        "key": "gen_ai.request.model",
                                        "value": {"string_value": "gpt-4o"},
                                    },
                                    {
                                        "key": "gen_ai.usage.input_tokens",
                                        "value": {"int_value": "12"},
                                    },
                                ],
                                "status": {"code": "STATUS_CODE_ERROR", "message": "boom"},
                            }
                        ],
                    }
                ],
            }
        ]
    }
    [result] = run(db, write_json(tmp_path / "proto.json", doc))
    assert result.status is ImportStatus.IMPORTED, result.error
    llm = span_detail(db, TRACE, LLM)
    assert (llm["start_ns"], llm["duration_ns"]) == (start, 5_000_000)
    assert (llm["span_kind"], llm["status"], llm["status_message"]) == ("client", "error", "boom")
    assert (llm["model"], llm["input_tokens"], llm["service"]) == ("gpt-4o", 12, "svc")


def test_old_instrumentation_library_spans(db: Database, tmp_path: Path) -> None:
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": []},
                "instrumentationLibrarySpans": [
                    {
                        "instrumentationLibrary": {"name": "old"},
                        "spans": [span(TRACE, ROOT, "legacy")],
                    }
                ],
            }
        ]
    }
    [result] = run(db, write_json(tmp_path / "old.json", doc))
    assert (result.status, result.spans) == (ImportStatus.IMPORTED, 1)
    assert json.loads(span_detail(db, TRACE, ROOT)["scope"])["name"] == "old"


def test_partial_records_are_merged(db: Database, tmp_path: Path) -> None:
    started = span(TRACE, LLM, "chat", attributes={"gen_ai.operation.name": "chat"})
    del started["endTimeUnixNano"]
    finished = span(
        TRACE,
        LLM,
        "chat",
        duration_ms=700,
        status=1,
        attributes={"gen_ai.operation.name": "chat", "gen_ai.usage.output_tokens": 9},
    )
    [result] = run(
        db, write_jsonl(tmp_path / "partial.jsonl", [document([started]), document([finished])])
    )
    assert result.spans == 1
    llm = span_detail(db, TRACE, LLM)
    assert (llm["duration_ns"], llm["status"], llm["output_tokens"]) == (700_000_000, "ok", 9)
    assert any("merged" in w for w in result.warnings)


def test_same_file_twice_changes_nothing(db: Database, tmp_path: Path) -> None:
    path = write_json(tmp_path / "t.json", document(agent_trace()))
    run(db, path)
    before = counts(db)
    copy = tmp_path / "copy.json"
    copy.write_bytes(path.read_bytes())
    results = run(db, path, copy)
    assert [r.status for r in results] == [ImportStatus.UNCHANGED, ImportStatus.UNCHANGED]
    assert results[0].spans == 4
    assert counts(db) == before


def test_span_in_two_files_is_replaced_with_warning(db: Database, tmp_path: Path) -> None:
    run(db, write_json(tmp_path / "a.json", document(agent_trace())))
    again = document([span(TRACE, ROOT, "renamed root")])
    [result] = run(db, write_json(tmp_path / "b.json", again))
    assert counts(db)[0] == 4
    assert span_detail(db, TRACE, ROOT)["name"] == "renamed root"
    assert any("replaced" in w for w in result.warnings)


def test_orphans_cycles_and_bad_times_warn(db: Database, tmp_path: Path) -> None:
    spans = [
        span(TRACE, "0000000000000001", "orphan", parent="00000000000000ff"),
        span(TRACE, "0000000000000002", "a", parent="0000000000000003"),
        span(TRACE, "0000000000000003", "b", parent="0000000000000002"),
        span(TRACE, "0000000000000004", "self", parent="0000000000000004"),
        {**span(TRACE, "0000000000000005", "backwards"), "endTimeUnixNano": str(T0 - 1)},
    ]
    [result] = run(db, write_json(tmp_path / "odd.json", document(spans)))
    assert result.status is ImportStatus.IMPORTED
    text = " | ".join(result.warnings)
    assert "1 spans name a parent that is not in the trace" in text
    assert "2 spans in 1 traces sit on a parent cycle" in text
    assert "1 spans end before they start" in text
    assert (
        span_detail(db, TRACE, "0000000000000004")["parent_span_id"] is None
    )  # self-parent dropped


# --- bad input -------------------------------------------------------------------------------


def test_truncated_file_fails_alone(db: Database, tmp_path: Path) -> None:
    good = write_json(tmp_path / "good.json", document(agent_trace()))
    text = json.dumps(document(agent_trace("33333333333333333333333333333333")))
    bad = tmp_path / "bad.json"
    bad.write_text(text[: len(text) // 2])
    results = run(db, good, bad)
    assert [r.status for r in results] == [ImportStatus.IMPORTED, ImportStatus.FAILED]
    assert "bad.json" in (results[1].error or "")
    assert counts(db) == (4, 1, 1)


def test_one_bad_line_rolls_back_the_whole_file(db: Database, tmp_path: Path) -> None:
    docs = [json.dumps(document([span(f"{i:032x}", f"{i:016x}", "s")])) for i in range(1, 200)]
    docs[150] = docs[150][:-5] + "!!!"
    path = tmp_path / "lines.jsonl"
    path.write_text("\n".join(docs) + "\n")
    [result] = run(db, path)
    assert result.status is ImportStatus.FAILED
    assert "lines.jsonl" in (result.error or "") and "line" in (result.error or "").lower()
    assert counts(db) == (0, 0, 0)


@pytest.mark.parametrize(
    "content, seen",
    [
        (
            '{"name": "my-app", "version": "1.0.0", "dependencies": {}}',
            "keys name, version, dependencies",
        ),
        ("", "empty"),
        ("hello world\n", "text starting"),
        ("[1, 2, 3]", "JSON array"),
    ],
)
def test_unknown_content_is_not_recognised(
    db: Database, tmp_path: Path, content: str, seen: str
) -> None:
    path = tmp_path / "package.json"
    path.write_text(content)
    [result] = run(db, path)
    assert result.status is ImportStatus.FAILED
    assert "format not recognised" in (result.error or "") and seen in (result.error or "")
    assert counts(db) == (0, 0, 0)


def test_binary_junk_is_not_recognised(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes(range(256)) * 10)
    [result] = run(db, path)
    assert result.status is ImportStatus.FAILED and "binary data" in (result.error or "")


def test_envelope_without_spans_is_an_error(db: Database, tmp_path: Path) -> None:
    [result] = run(db, write_json(tmp_path / "empty.json", {"resourceSpans": []}))
    assert result.status is ImportStatus.FAILED
    assert "0 spans" in (result.error or "")
    assert counts(db) == (0, 0, 0)


def test_cancel_before_start_leaves_database_unchanged(db: Database, tmp_path: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    results = list(
        import_paths(db, [write_json(tmp_path / "t.json", document(agent_trace()))], cancel=cancel)
    )
    assert [r.status for r in results] == [ImportStatus.CANCELLED]
    assert counts(db) == (0, 0, 0)


def test_cancel_during_import_rolls_back(db: Database, tmp_path: Path) -> None:
    from spanscope.demo.generator import write_otlp_jsonl

    path = tmp_path / "big.jsonl"
    write_otlp_jsonl(path, 20_000)
    cancel = threading.Event()
    seen: list[str] = []

    def progress(p: Any) -> None:
        seen.append(p.stage)
        if p.stage == "importing" or (p.stage == "reading" and len(seen) > 1):
            cancel.set()

    cancel_soon = threading.Timer(0.3, cancel.set)
    cancel_soon.start()
    try:
        [result] = list(import_paths(db, [path], progress=progress, cancel=cancel))
    finally:
        cancel_soon.cancel()
    assert result.status is ImportStatus.CANCELLED
    assert counts(db) == (0, 0, 0)
    # and the database still takes the same file afterwards
    [again] = run(db, path)
    assert (again.status, again.spans) == (ImportStatus.IMPORTED, 20_000)


def test_a_cancel_the_connection_missed_still_rolls_back(db: Database, tmp_path: Path) -> None:
    """An interrupt reaching the connection between two statements of an import is lost; the
    cancel is asked again before the commit, so the file is still rolled back."""
    from spanscope.importers.registry import detect
    from spanscope.store.errors import Interrupted
    from spanscope.store.writer import Writer

    path = write_json(tmp_path / "agent.json", document(agent_trace()))
    importer, sample = detect(path)
    writer = Writer(db)
    source = importer.source(sample, tmp_path)
    with pytest.raises(Interrupted):
        writer.import_file(path, "sha", path.stat().st_size, importer.name, source, lambda: True)
    assert counts(db) == (0, 0, 0)
    [result] = run(db, path)  # nothing of the cancelled import is left in the way
    assert result.status is ImportStatus.IMPORTED


# -- tools the provider runs inside one model call -------------------------------------------


def test_server_tool_parts_are_tool_calls_of_the_span(db: Database, tmp_path: Path) -> None:
    """GenAI `server_tool_call` / `server_tool_call_response` parts (semconv JSON schema), and
    Anthropic blocks written as they came (a web search that failed)."""
    genai_out = [
        {
            "role": "assistant",
            "parts": [
                {
                    "type": "server_tool_call",
                    "id": "ws_1",
                    "name": "web_search",
                    "server_tool_call": {"type": "web_search", "query": "refund policy"},
                },
                {
                    "type": "server_tool_call_response",
                    "id": "ws_1",
                    "server_tool_call_response": {"type": "web_search", "results": ["a", "b"]},
                },
                {"type": "text", "content": "Refunds within 30 days."},
            ],
            "finish_reason": "stop",
        }
    ]
    anthropic_out = [
        {
            "role": "assistant",
            "content": [
                {
                    "type": "server_tool_use",
                    "id": "srvtoolu_1",
                    "name": "web_search",
                    "input": {"query": "refund policy"},
                },
                {
                    "type": "web_search_tool_result",
                    "tool_use_id": "srvtoolu_1",
                    "content": {
                        "type": "web_search_tool_result_error",
                        "error_code": "max_uses_exceeded",
                    },
                },
                {"type": "text", "text": "I could not search."},
            ],
        }
    ]
    user = json.dumps([{"role": "user", "parts": [{"type": "text", "content": "Refunds?"}]}])
    common = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "m",
        "gen_ai.input.messages": user,
    }
    doc = document(
        [
            span(
                TRACE,
                "a1",
                "chat genai",
                attributes={**common, "gen_ai.output.messages": json.dumps(genai_out)},
            ),
            span(
                TRACE,
                "a2",
                "chat anthropic",
                start=200,
                attributes={**common, "gen_ai.output.messages": json.dumps(anthropic_out)},
            ),
        ]
    )
    [result] = list(import_paths(db, [write_json(tmp_path / "tools.json", doc)]))
    assert result.status == "imported", result.error
    genai = queries.span_detail(db.reader(), TRACE, "a1")
    anthropic = queries.span_detail(db.reader(), TRACE, "a2")
    assert genai is not None and anthropic is not None
    [search] = genai["tool_calls"]
    assert (search["call_id"], search["name"]) == ("ws_1", "web_search")
    assert json.loads(search["arguments"])["query"] == "refund policy"
    assert json.loads(search["result"])["results"] == ["a", "b"]
    assert genai["output_messages"][0]["content"] == "Refunds within 30 days."
    [failed] = anthropic["tool_calls"]
    assert json.loads(failed["arguments"]) == {"query": "refund policy"}
    assert json.loads(failed["result"])["error_code"] == "max_uses_exceeded"
    assert anthropic["output_messages"][0]["content"] == "I could not search."
    steps = build_steps(TRACE, step_rows(db.reader(), TRACE))
    failures = [(s.span_id, s.failure) for s in steps.steps if s.failure]
    assert failures == [("a2", "tool failure")]


# -- Vertex AI / Gemini ------------------------------------------------------------------------

VERTEX_MODEL = "projects/acme-prod/locations/us-central1/publishers/google/models/gemini-2.0-flash"


def test_vertex_resource_path_reads_as_the_model(db: Database, tmp_path: Path) -> None:
    """A model named by its Vertex AI resource path; Gemini's thinking counted apart from the
    answer (prompt 100 + candidates 20 + thoughts 50 = total 170)."""
    user = json.dumps([{"role": "user", "parts": [{"type": "text", "content": "Hi"}]}])
    answer = json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": "Hello"}]}])
    common = {
        "gen_ai.operation.name": "chat",
        "gen_ai.input.messages": user,
        "gen_ai.output.messages": answer,
    }
    doc = document(
        [
            span(
                TRACE,
                "v1",
                "chat vertex",
                attributes={
                    **common,
                    "gen_ai.request.model": VERTEX_MODEL,
                    "gen_ai.usage.input_tokens": 100,
                    "gen_ai.usage.output_tokens": 20,
                    "gen_ai.usage.reasoning_tokens": 50,
                    "gen_ai.usage.total_tokens": 170,
                },
            ),
            span(
                TRACE,
                "v2",
                "chat gemini api",
                start=200,
                attributes={
                    **common,
                    "gen_ai.provider.name": "gcp.gemini",
                    "gen_ai.request.model": "models/gemini-2.5-flash",
                    "gen_ai.usage.input_tokens": 10,
                    "gen_ai.usage.output_tokens": 90,
                    "gen_ai.usage.reasoning_tokens": 60,
                    "gen_ai.usage.total_tokens": 100,
                },
            ),
        ]
    )
    [result] = list(import_paths(db, [write_json(tmp_path / "vertex.json", doc)]))
    assert result.status == "imported", result.error
    vertex = queries.span_detail(db.reader(), TRACE, "v1")
    gemini = queries.span_detail(db.reader(), TRACE, "v2")
    assert vertex is not None and gemini is not None
    assert (vertex["model"], vertex["request_model"], vertex["provider"]) == (
        "gemini-2.0-flash",
        "gemini-2.0-flash",
        "gcp.vertex_ai",
    )
    # the resource path itself stays in the raw attributes
    assert json.loads(vertex["attributes"])["gen_ai.request.model"] == VERTEX_MODEL
    # thoughts were outside the output (100 + 20 + 50 = 170): output now includes them
    assert (vertex["output_tokens"], vertex["reasoning_tokens"]) == (70, 50)
    # here the output already included them (10 + 90 = 100): nothing added
    assert (gemini["model"], gemini["provider"]) == ("gemini-2.5-flash", "gcp.gemini")
    assert (gemini["output_tokens"], gemini["reasoning_tokens"]) == (90, 60)
    page = queries.span_page(db.reader(), where=compile_filter("model:gemini*", "spans"))
    assert sorted(page.rows.column("span_id").to_pylist()) == ["v1", "v2"]
    assert vertex["computed_cost"] is not None and vertex["computed_cost"] > 0
    check_file(tmp_path / "view", tmp_path / "vertex.json", tokens=(110, 160))


# -- what an engineer sees, on every corpus file of the format ----------------------------------

# input and output tokens over each file's traces, as recorded in it
test_engineer_view = corpus_view_test(
    "otlp",
    {
        "langwatch-dogfood_claude_code.otlp.json": (187, 53),
        "langwatch-dogfood_raw_otlp_advanced.otlp.json": (0, 0),
        "otel-proto_examples_trace.json": (0, 0),
    },
)
