"""Arize Phoenix exports: span JSON / JSON Lines, TraceDataset Parquet, and evaluation Parquet
files that become annotations on stored spans."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import zstandard

from engineer_view import corpus_view_test
from otlp_builder import write_json, write_jsonl
from spanscope.importers import base, registry
from spanscope.importers.base import read_sample
from spanscope.importers.phoenix import PhoenixSpans
from spanscope.importers.phoenix_parquet import PhoenixParquet
from spanscope.model import ImportStatus
from spanscope.sqlfiles import load, statements
from spanscope.store import Database, queries
from spanscope.store.writer import is_file_error
from store_checks import counts, import_one, imported, kinds, rows, run, span_detail

OI = "openinference"
PXI = "phoenix_pxi_turn_trace.json"
TUTORIAL = "phoenix-tutorial-2023_trace.jsonl"
TRACES = "phoenix-tutorial_llamaindex-rag_traces.parquet"
EVALS = "phoenix-tutorial_llamaindex-rag_evals_relevance.parquet"
TOOL_CALLS_FIXTURE = "oi-genai-fixture_openinference_client_span_tool_calls.json"
IO_ONLY_FIXTURE = "oi-genai-fixture_openinference_client_span_input_output_only.json"

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
ROOT, CHILD, GRANDCHILD = "00f067aa0ba902b7", "00f067aa0ba902b8", "00f067aa0ba902b9"

# Evaluation files become annotations through the writer's annotation path; until the writer
# takes AnnotationSource those tests are skipped.
ANNOTATIONS = hasattr(base, "AnnotationSource") and any(
    f.importer.__module__.endswith(".phoenix_evals") for f in registry.builtin_formats()
)
needs_annotations = pytest.mark.skipif(
    not ANNOTATIONS, reason="the writer does not import annotation files (AnnotationSource) yet"
)


# --- helpers ---------------------------------------------------------------------------------


def span(
    span_id: str,
    name: str = "step",
    kind: str = "CHAIN",
    parent: str | None = None,
    trace_id: str = TRACE,
    start: str = "2024-05-01T10:00:00+00:00",
    end: str = "2024-05-01T10:00:01+00:00",
    status: str = "OK",
    message: str = "",
    attributes: dict[str, Any] | None = None,
    events: Any = None,
    **extra: Any,
) -> dict[str, Any]:
    """A span as Phoenix's span encoder writes it."""
    return {
        "name": name,
        "context": {"trace_id": trace_id, "span_id": span_id},
        "span_kind": kind,
        "parent_id": parent,
        "start_time": start,
        "end_time": end,
        "status_code": status,
        "status_message": message,
        "attributes": attributes or {},
        "events": [] if events is None else events,
        **extra,
    }


def three_spans() -> list[dict[str, Any]]:
    return [
        span(ROOT, "query"),
        span(CHILD, "retrieve", "RETRIEVER", ROOT),
        span(GRANDCHILD, "llm", "LLM", CHILD, attributes={"llm.model_name": "gpt-4o"}),
    ]


def unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    """Dotted OpenInference keys as the nested objects Phoenix stores (numeric segments become
    list positions), for testing exports that kept the nesting."""
    root: dict[str, Any] = {}
    for key, value in flat.items():
        node: Any = root
        parts = key.split(".")
        for part, following in zip(parts, parts[1:], strict=False):
            empty: Any = [] if following.isdigit() else {}
            if isinstance(node, list):
                index = int(part)
                while len(node) <= index:
                    node.append(None)
                if node[index] is None:
                    node[index] = empty
                node = node[index]
            else:
                node = node.setdefault(part, empty)
        node[parts[-1]] = value
    return root


def corpus_file(corpus: Path, name: str) -> Path:
    return corpus / OI / name


# --- corpus: phoenix_pxi_turn_trace.json ---------------------------------------------------
# Numbers below were read from the file with json.load: 18 span objects, span_kind AGENT 1,
# LLM 9, TOOL 8, one trace id; llm.token_count.prompt / .completion summed over the 9 LLM spans.

PXI_TOOLS = [
    "list_datasets",
    "list_datasets",
    "ask_user",
    "create_dataset",
    "add_spans_to_dataset",
    "bash",
    "add_spans_to_dataset",
    "get_route_info",
]


@pytest.mark.corpus
def test_corpus_pxi_turn_trace(db: Database, corpus: Path) -> None:
    result = imported(db, corpus_file(corpus, PXI))
    assert (result.format, result.spans, result.traces, result.warnings) == ("phoenix", 18, 1, [])
    trace = "fixture-trace-1"  # synthetic, not hex: kept as written
    assert kinds(db) == {"agent": 1, "llm": 9, "tool": 8}
    # The span kind is only in span_kind (the REST API moved it out of the attributes).
    assert rows(db, "SELECT DISTINCT model, provider FROM spans WHERE kind = 'llm'") == [
        ("claude-fable-5", "anthropic")
    ]
    [(inputs, outputs)] = rows(db, "SELECT sum(input_tokens), sum(output_tokens) FROM spans")
    assert (inputs, outputs) == (310222, 1895)

    first = span_detail(db, trace, "s02")  # prompt 32321 = cache read 31559 + cache write 760 + 2
    assert (first["input_tokens"], first["cache_read_tokens"], first["cache_write_tokens"]) == (
        32321,
        31559,
        760,
    )
    assert (first["output_tokens"], first["total_tokens"]) == (119, 32440)
    assert json.loads(first["params"]) == {"max_tokens": 1024}
    messages = first["input_messages"]
    assert [m["role"] for m in messages] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
        "tool",
        "assistant",
        "tool",
        "assistant",
        "user",
    ]
    assert messages[9]["content"] == "can you save this trace to a dataset?"
    assert [(c["call_id"], c["name"]) for c in messages[2]["tool_calls"]] == [
        ("call-01", "load_skill")
    ]
    assert messages[3]["tool_call_id"] == "call-01"

    called = rows(
        db,
        "SELECT tool_calls[1].name FROM spans WHERE kind = 'llm' AND tool_calls IS NOT NULL "
        "ORDER BY start_ns",
    )
    assert [c for (c,) in called] == PXI_TOOLS  # s18, the answer, calls nothing
    ran = rows(
        db,
        "SELECT tool_name, tool_calls[1].call_id FROM spans WHERE kind = 'tool' ORDER BY start_ns",
    )
    assert [name for name, _ in ran] == PXI_TOOLS
    assert ran[0][1] == "call-04"
    assert rows(db, "SELECT count(*) FROM spans WHERE len(documents) > 0") == [(0,)]

    [failed] = rows(db, "SELECT span_id, status_message, events FROM spans WHERE status = 'error'")
    assert failed[0] == "s11" and failed[1].startswith(
        "Error fetching GraphQL query 'exampleMutation'"
    )
    [event] = json.loads(failed[2])
    assert (event["name"], event["attributes"]["exception.message"]) == (
        "exception",
        "[sanitized exception message]",
    )
    assert event["time_ns"] == 1783555219 * 10**9  # 2026-07-09T00:00:19+00:00

    root = span_detail(db, trace, "s01")
    assert (root["kind"], root["parent_span_id"], root["session_id"], root["user_id"]) == (
        "agent",
        None,
        "fixture-session",
        "user@example.com",
    )
    assert (root["start_ns"], root["duration_ns"]) == (1783555200 * 10**9, 35 * 10**9)
    assert json.loads(root["attributes"])["phoenix.span.id"] == "fixture-id-01"
    summary = queries.trace_summary(db.reader(), trace)
    assert summary is not None
    assert (
        summary["root_name"],
        summary["llm_count"],
        summary["tool_count"],
        summary["error_count"],
    ) == ("pxi.turn", 9, 8, 1)


# --- corpus: phoenix-tutorial-2023_trace.jsonl ---------------------------------------------
# Read line by line: 15 spans, 3 trace UUIDs, span_kind CHAIN 6, LLM 3, RETRIEVER 3,
# EMBEDDING 3; no token counts, no documents, no errors; times without an offset.


@pytest.mark.corpus
def test_corpus_tutorial_2023(db: Database, corpus: Path) -> None:
    result = imported(db, corpus_file(corpus, TUTORIAL))
    assert (result.format, result.spans, result.traces) == ("phoenix", 15, 3)
    assert kinds(db) == {"chain": 6, "llm": 3, "retriever": 3, "embedding": 3}
    assert rows(
        db,
        "SELECT count(*) FROM spans WHERE input_tokens IS NOT NULL OR model IS NOT NULL "
        "OR len(documents) > 0 OR status = 'error'",
    ) == [(0,)]
    assert sorted(rows(db, "SELECT root_name, span_count FROM traces")) == [("query", 5)] * 3

    trace = "2b7764c6-aa70-4382-a30a-0d3c24c730d5"  # UUIDs are kept as written
    root = span_detail(db, trace, "1e00299b-da18-43b5-8c2b-029449143d28")
    assert root["start_ns"] == 1692655564990344000  # 2023-08-21T22:06:04.990344, naive = UTC
    llm = span_detail(db, trace, "dded5ff8-4e5d-40be-a078-75e28da01f0b")
    assert llm["parent_span_id"] == "ae07c16f-ef56-4353-a4b4-506e00ae18c4"
    # llm.messages = [[role, content], ...]; the answer only in output.value "assistant: ..."
    assert [m["role"] for m in llm["input_messages"]] == ["system", "user"]
    assert llm["input_messages"][1]["content"].endswith(
        "Query: Is prediction ID required?\nAnswer: "
    )
    assert [(m["role"], m["content"]) for m in llm["output_messages"]] == [
        ("assistant", "Yes, the prediction ID is required.")
    ]
    stored = json.loads(llm["attributes"])  # as recorded: the converted keys are not stored
    assert "llm.messages" in stored and not any(k.startswith("llm.input_messages") for k in stored)


# --- corpus: the TraceDataset parquet -------------------------------------------------------
# Read with pyarrow: 1000 rows, 61 distinct context.trace_id; span_kind CHAIN 591, EMBEDDING 119,
# RETRIEVER 116, LLM 116, RERANKER 58; attributes.retrieval.documents has 5 documents on each of
# 58 rows, reranker input 5 / output 2 on 58 rows; llm.input_messages 2 / output 1 on 58 rows;
# llm.model_name gpt-3.5-turbo on 116 rows, embedding.model_name on 118; no token counts. Trace
# 7aea1b7c… has two spans and the parent d7017e54ffe9af57 of one of them is not in the file.


@pytest.mark.corpus
def test_corpus_traces_parquet(db: Database, corpus: Path) -> None:
    result = imported(db, corpus_file(corpus, TRACES))
    assert (result.format, result.spans, result.traces) == ("phoenix-parquet", 1000, 61)
    # the 58 LLM.predict wrappers record a prompt template and its answer, not messages
    assert result.warnings == [
        "1 spans name a parent that is not in the trace; shown as roots",
        "58 model calls record no input messages",
        "58 model calls record no output and no error",
    ]
    assert kinds(db) == {
        "chain": 591,
        "embedding": 119,
        "retriever": 116,
        "llm": 116,
        "reranker": 58,
    }
    assert sorted(
        rows(db, "SELECT kind, model, count(*) FROM spans WHERE model IS NOT NULL GROUP BY ALL")
    ) == [
        ("embedding", "text-embedding-ada-002", 118),
        ("llm", "gpt-3.5-turbo", 116),
        ("reranker", "rerank-english-v2.0", 58),  # attributes.reranker.model_name
    ]
    assert rows(
        db,
        "SELECT count(input_tokens), count(output_tokens), count(*) FILTER (status = 'error') "
        "FROM spans",
    ) == [(0, 0, 0)]
    documents = dict(rows(db, "SELECT stage, count(*) FROM documents GROUP BY stage"))
    assert documents == {"retrieved": 290, "reranker_input": 290, "reranker_output": 116}
    assert rows(
        db, "SELECT count(*) FROM spans WHERE len(input_messages) = 2 AND len(output_messages) = 1"
    ) == [(58,)]

    trace = "7992e68b92676ddd307af12e9109d8d0"
    retriever = span_detail(db, trace, "87326ee6473536e6")
    assert retriever["start_ns"] == 1723496513246650000  # 2024-08-12 21:01:53.246650 UTC
    first = retriever["documents"][0]
    assert (first["document_id"], first["score"]) == (
        "002fa4e0-6270-49cf-aa9b-7bbbfa63b8ff",
        0.8417238748576042,
    )
    assert json.loads(first["metadata"])["title"] == "Tracing Core Concepts"
    reranker = span_detail(db, trace, "f5b40800a44b9876")
    assert [
        (d["document_id"], d["score"])
        for d in reranker["documents"]
        if d["stage"] == "reranker_output"
    ] == [
        ("d95b6c8e-bf8d-4e5d-8355-db4a33fab4ab", 0.9968273),
        ("002fa4e0-6270-49cf-aa9b-7bbbfa63b8ff", 0.99648935),
    ]
    chat = span_detail(db, trace, "0d541607bb79b8ab")
    assert [m["role"] for m in chat["input_messages"]] == ["system", "user"]
    assert chat["output_messages"][0]["content"].startswith(
        "To send traces to Phoenix, you can configure"
    )

    orphans = rows(
        db,
        "SELECT span_id, parent_span_id FROM spans WHERE trace_id = '7aea1b7c4d8b4ac03894bc8fd07427c9' "
        "ORDER BY span_id",
    )
    assert orphans == [
        ("49c2eca20e14209f", "8d7d4936add2550c"),
        ("8d7d4936add2550c", "d7017e54ffe9af57"),
    ]
    summary = queries.trace_summary(db.reader(), "7aea1b7c4d8b4ac03894bc8fd07427c9")
    assert summary is not None and summary["root_span_id"] == "8d7d4936add2550c"

    # 64 inline vectors of 1536 numbers on the batch embedding span: kept losslessly as JSON.
    batch = json.loads(
        span_detail(db, "d2e737acff92526c4076792d0eb54e7a", "968c39bf690a2710")["attributes"]
    )
    assert len(batch["embedding.embeddings.63.embedding.vector"]) == 1536
    assert batch["embedding.embeddings.63.embedding.text"].startswith(
        "source: https://docs.arize.com"
    )


# --- corpus: evaluations ------------------------------------------------------------------
# Read with pyarrow: 100 rows keyed by context.span_id (label relevant 47 / unrelated 53); 58 of
# those span ids are retriever spans of the trace file (28 relevant, 30 unrelated), 42 are not.


@pytest.mark.corpus
@needs_annotations
def test_corpus_evaluations_become_annotations(db: Database, corpus: Path) -> None:
    evals = corpus_file(corpus, EVALS)
    # before their traces: nothing to attach to, the file is not recorded
    early = import_one(db, evals)
    assert (early.status, early.format) == (ImportStatus.FAILED, "phoenix-evals")
    assert "import their traces first" in (early.error or "") and counts(db) == (0, 0, 0)

    imported(db, corpus_file(corpus, TRACES))
    result = imported(db, evals)
    assert (result.spans, result.traces, result.annotations) == (0, 58, 58)
    assert result.warnings == [
        "42 of 100 annotations name spans that are not in the database; they were skipped"
    ]
    assert dict(rows(db, "SELECT label, count(*) FROM annotations GROUP BY label")) == {
        "relevant": 28,
        "unrelated": 30,
    }
    assert rows(db, "SELECT DISTINCT rubric, author FROM annotations") == [
        ("Retrieval Relevance", "phoenix-evals")
    ]
    [(label, score, note)] = rows(
        db,
        "SELECT label, score, note FROM annotations WHERE trace_id = ? AND span_id = ?",
        ["7992e68b92676ddd307af12e9109d8d0", "87326ee6473536e6"],
    )
    assert (label, score) == ("relevant", 1.0)
    assert note.startswith("The question asks about how to send traces to Phoenix.")
    assert import_one(db, evals).status is ImportStatus.UNCHANGED
    assert rows(db, "SELECT count(*) FROM annotations") == [(58,)]


# --- corpus: flat OpenInference attribute maps --------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("name", [TOOL_CALLS_FIXTURE, IO_ONLY_FIXTURE])
def test_flat_attribute_maps_are_not_recognised(db: Database, corpus: Path, name: str) -> None:
    result = import_one(db, corpus_file(corpus, name))
    assert result.status is ImportStatus.FAILED
    assert "format not recognised" in (result.error or "")


@pytest.mark.corpus
@pytest.mark.parametrize("form", ["flat", "nested"])
def test_openinference_mapping_of_wrapped_fixture(
    db: Database, corpus: Path, tmp_path: Path, form: str
) -> None:
    """The flat fixtures wrapped as Phoenix span JSON; the nested form is how Phoenix stores
    attributes and some exports write them."""
    wrap = unflatten if form == "nested" else (lambda a: a)
    calls = json.loads(corpus_file(corpus, TOOL_CALLS_FIXTURE).read_text(encoding="utf-8"))
    plain = json.loads(corpus_file(corpus, IO_ONLY_FIXTURE).read_text(encoding="utf-8"))
    path = write_json(
        tmp_path / "wrapped.json",
        [
            span(ROOT, "ChatCompletion", "LLM", attributes=wrap(calls)),
            span(CHILD, "ChatCompletion", "LLM", attributes=wrap(plain)),
        ],
    )
    imported(db, path)

    llm = span_detail(db, TRACE, ROOT)
    assert (llm["kind"], llm["model"], llm["provider"]) == ("llm", "gpt-4-0613", "openai")
    assert (llm["input_tokens"], llm["output_tokens"], llm["total_tokens"]) == (97, 52, 149)
    assert json.loads(llm["params"]) == {
        "model": "gpt-4",
        "temperature": 0.5,
        "top_p": 0.9,
        "max_completion_tokens": 200,
    }
    assert [(m["role"], m["content"]) for m in llm["input_messages"]] == [
        ("user", "Weather in Paris?"),
        ("assistant", "Absolutely! Let me check the weather for you."),
        ("tool", "rainy, 57°F"),
    ]
    assert [
        (c["call_id"], c["name"], c["arguments"]) for c in llm["input_messages"][1]["tool_calls"]
    ] == [("1234", "get_weather", '{"location":"Paris"}')]
    assert llm["input_messages"][2]["tool_call_id"] == "1234"
    assert [(m["role"], m["content"]) for m in llm["output_messages"]] == [
        ("assistant", "The weather in Paris is currently rainy with a temperature of 57°F.")
    ]

    only_io = span_detail(db, TRACE, CHILD)  # input.value / output.value only, no message list
    assert (
        only_io["kind"],
        only_io["model"],
        only_io["input_tokens"],
        only_io["output_tokens"],
    ) == ("llm", "gpt-4-0613", 97, 52)
    assert not only_io["input_messages"] and not only_io["output_messages"]
    assert only_io["preview"].startswith(
        '[{"role":"user","parts":[{"type":"text","content":"Weather in Paris?"'
    )
    if form == "nested":
        stored = json.loads(llm["attributes"])
        assert (
            stored["llm.input_messages.1.message.tool_calls.0.tool_call.function.name"]
            == "get_weather"
        )


# --- JSON: file layouts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "layout", ["array", "pretty", "jsonl", "crlf", "single", "page", "pages", "gzip", "zstd"]
)
def test_file_layouts(db: Database, tmp_path: Path, layout: str) -> None:
    spans = three_spans()
    path = tmp_path / "export.data"  # the name says nothing: content decides
    if layout == "array":
        write_json(path, spans)
    elif layout == "pretty":
        path.write_text(json.dumps(spans, indent=2))
    elif layout == "jsonl":
        write_jsonl(path, spans)
    elif layout == "crlf":
        path.write_bytes("".join(json.dumps(s) + "\r\n" for s in spans).encode())
    elif layout == "single":  # pretty-printed objects one after another
        path.write_text("\n".join(json.dumps(s, indent=2) for s in spans))
    elif layout == "page":  # GET /v1/projects/{project}/spans
        path.write_text(json.dumps({"data": spans, "next_cursor": None}, indent=2))
    elif layout == "pages":
        write_jsonl(
            path,
            [{"data": spans[:2], "next_cursor": "c1"}, {"data": spans[2:], "next_cursor": None}],
        )
    elif layout == "gzip":
        path.write_bytes(gzip.compress("".join(json.dumps(s) + "\n" for s in spans).encode()))
    elif layout == "zstd":
        path.write_bytes(zstandard.ZstdCompressor().compress(json.dumps(spans).encode()))
    result = imported(db, path)
    assert (result.format, result.spans, result.traces) == ("phoenix", 3, 1)
    assert span_detail(db, TRACE, GRANDCHILD)["model"] == "gpt-4o"
    assert span_detail(db, TRACE, CHILD)["parent_span_id"] == ROOT


def test_first_record_larger_than_the_sample(db: Database, tmp_path: Path) -> None:
    big = span(ROOT, "query", attributes={"input.value": "x" * 400_000})
    path = write_json(tmp_path / "big.json", [big, span(CHILD, parent=ROOT)])
    assert PhoenixSpans().sniff(read_sample(path))
    assert imported(db, path).spans == 2
    assert len(span_detail(db, TRACE, ROOT)["preview"]) == 300


# --- JSON: quirks ----------------------------------------------------------------------------


def test_id_forms(db: Database, tmp_path: Path) -> None:
    uuid = "9c635017-f24d-494f-9ada-87e47c55bc0a"
    path = write_json(
        tmp_path / "ids.json",
        [
            span(ROOT.upper(), trace_id=TRACE.upper()),
            span("0x" + CHILD, parent=ROOT.upper(), trace_id=TRACE),
            span("6984460d-1b8b-46c7-a463-1734308203da", trace_id=uuid),
            span("s02", parent="s01", trace_id="fixture-trace-1"),
        ],
    )
    result = imported(db, path)
    assert (result.spans, result.traces) == (4, 3)
    assert span_detail(db, TRACE, CHILD)["parent_span_id"] == ROOT  # hex lowercased, 0x stripped
    assert span_detail(db, uuid, "6984460d-1b8b-46c7-a463-1734308203da")["trace_id"] == uuid
    assert span_detail(db, "fixture-trace-1", "s02")["parent_span_id"] == "s01"


@pytest.mark.parametrize(
    "written, ns",
    [
        ("2024-05-01T10:00:00", 1714557600 * 10**9),  # naive = UTC
        ("2024-05-01T10:00:00+00:00", 1714557600 * 10**9),
        ("2024-05-01T10:00:00Z", 1714557600 * 10**9),
        ("2024-05-01T12:00:00+02:00", 1714557600 * 10**9),
        ("2024-05-01 05:30:00-04:30", 1714557600 * 10**9),
        ("2024-05-01T10:00:00.123456789+00:00", 1714557600 * 10**9 + 123456789),  # ns kept exactly
        ("2024-05-01T10:00:00.5", 1714557600 * 10**9 + 500_000_000),
    ],
)
def test_time_forms(db: Database, tmp_path: Path, written: str, ns: int) -> None:
    # Far from UTC on purpose: naive times must not be read in the session's time zone.
    db.writer.execute("SET TimeZone = 'Pacific/Kiritimati'")
    imported(db, write_json(tmp_path / "t.json", [span(ROOT, start=written, end=None)]))
    found = span_detail(db, TRACE, ROOT)
    assert (found["start_ns"], found["end_ns"]) == (ns, None)


def test_event_times_and_events_as_json_text(db: Database, tmp_path: Path) -> None:
    events = [
        {"name": "first", "timestamp": "2024-05-01T10:00:00.25+00:00", "attributes": {"n": 1}},
        {"name": "epoch", "timestamp": 1714557600, "attributes": {}},
        {"name": "epoch-ns", "timestamp": 1714557600123456789, "attributes": {}},
    ]
    path = write_json(
        tmp_path / "ev.json",
        [span(ROOT, events=events), span(CHILD, parent=ROOT, events=json.dumps(events[:1]))],
    )
    imported(db, path)
    stored = json.loads(span_detail(db, TRACE, ROOT)["events"])
    assert [(e["name"], e["time_ns"]) for e in stored] == [
        ("first", 1714557600250000000),
        ("epoch", 1714557600 * 10**9),
        ("epoch-ns", 1714557600123456789),
    ]
    assert stored[0]["attributes"] == {"n": "1"}
    assert json.loads(span_detail(db, TRACE, CHILD)["events"])[0]["name"] == "first"


def test_nested_attributes_are_flattened(db: Database, tmp_path: Path) -> None:
    attributes = {
        "llm": {
            "model_name": "gpt-4o",
            "token_count": {"prompt": 12, "completion": 3},
            "invocation_parameters": {"temperature": 0},  # a JSON document: kept whole
            "input_messages": [{"message": {"role": "user", "content": "hi"}}],
        },
        "retrieval": {
            "documents": [
                {
                    "document": {
                        "id": "d1",
                        "content": "alpha",
                        "score": 0.5,
                        "metadata": {"page": 3},
                    }
                },
                {"document": {"id": "d2", "content": "beta"}},
            ]
        },
        "tag": {"tags": ["a", "b"]},  # a list of strings stays a list
        "session.id": "s-1",
    }
    imported(
        db,
        write_json(
            tmp_path / "nested.json",
            [
                span(ROOT, "llm", "LLM", attributes=attributes),
                span(
                    CHILD, "r", "RETRIEVER", ROOT, attributes={"retrieval": attributes["retrieval"]}
                ),
            ],
        ),
    )
    llm = span_detail(db, TRACE, ROOT)
    assert (llm["model"], llm["input_tokens"], llm["output_tokens"]) == ("gpt-4o", 12, 3)
    assert json.loads(llm["params"]) == {"temperature": 0}
    assert [(m["role"], m["content"]) for m in llm["input_messages"]] == [("user", "hi")]
    assert (llm["tags"], llm["session_id"]) == (["a", "b"], "s-1")
    stored = json.loads(llm["attributes"])
    assert stored["llm.token_count.prompt"] == 12 and stored["tag.tags"] == ["a", "b"]
    docs = span_detail(db, TRACE, CHILD)["documents"]
    assert [(d["document_id"], d["content"], d["score"]) for d in docs] == [
        ("d1", "alpha", 0.5),
        ("d2", "beta", None),
    ]
    assert json.loads(docs[0]["metadata"]) == {"page": 3}


def test_span_kind_from_span_kind_field(db: Database, tmp_path: Path) -> None:
    imported(
        db,
        write_json(
            tmp_path / "k.json",
            [
                span(ROOT, kind="AGENT"),
                span(CHILD, kind="UNKNOWN", parent=ROOT),
                # the attribute, when present, is what the instrumentation said: it wins
                span(
                    GRANDCHILD,
                    kind="CHAIN",
                    parent=ROOT,
                    attributes={"openinference.span.kind": "TOOL"},
                ),
            ],
        ),
    )
    assert (
        span_detail(db, TRACE, ROOT)["kind"],
        span_detail(db, TRACE, CHILD)["kind"],
        span_detail(db, TRACE, GRANDCHILD)["kind"],
    ) == ("agent", "other", "tool")


def test_legacy_message_lists(db: Database, tmp_path: Path) -> None:
    imported(
        db,
        write_json(
            tmp_path / "legacy.json",
            [
                span(
                    ROOT,
                    "llm",
                    "LLM",
                    attributes={
                        "llm.messages": [["system", "Be brief."], ["user", "Hi?"]],
                        "output.value": "assistant: Hello.",
                    },
                ),
                span(
                    CHILD,
                    "llm",
                    "LLM",
                    ROOT,
                    attributes={"llm.messages": [["user", "Yo"]], "output.value": "plain text"},
                ),
            ],
        ),
    )
    first = span_detail(db, TRACE, ROOT)
    assert [(m["role"], m["content"]) for m in first["input_messages"]] == [
        ("system", "Be brief."),
        ("user", "Hi?"),
    ]
    assert [(m["role"], m["content"]) for m in first["output_messages"]] == [
        ("assistant", "Hello.")
    ]
    second = span_detail(db, TRACE, CHILD)  # an answer without a role prefix is not a message
    assert [(m["role"], m["content"]) for m in second["input_messages"]] == [("user", "Yo")]
    assert not second["output_messages"]


def test_error_span_with_exception_event(db: Database, tmp_path: Path) -> None:
    event = {
        "name": "exception",
        "timestamp": "2024-05-01T10:00:00.900000+00:00",
        "attributes": {
            "exception.type": "TimeoutError",
            "exception.message": "took too long",
            "exception.stacktrace": "Traceback ...",
            "exception.escaped": "False",
        },
    }
    imported(
        db,
        write_json(
            tmp_path / "err.json",
            [
                span(
                    ROOT,
                    "search",
                    "TOOL",
                    status="ERROR",
                    attributes={"tool.name": "search"},
                    events=[event],
                )
            ],
        ),
    )
    found = span_detail(db, TRACE, ROOT)
    assert (found["status"], found["status_message"], found["error_type"]) == (
        "error",
        "took too long",
        "TimeoutError",
    )
    [stored] = json.loads(found["events"])
    assert stored["attributes"]["exception.stacktrace"] == "Traceback ..."
    summary = queries.trace_summary(db.reader(), TRACE)
    assert summary is not None and summary["error_count"] == 1


def test_export_fields_are_kept(db: Database, tmp_path: Path) -> None:
    record = span(
        ROOT, id="U3BhbjoxMjM=", conversation={"conversation_id": "c-9"}, project_name="default"
    )
    imported(db, write_json(tmp_path / "extra.json", [record]))
    stored = json.loads(span_detail(db, TRACE, ROOT)["attributes"])
    assert stored["phoenix.span.id"] == "U3BhbjoxMjM="
    assert stored["phoenix.conversation"] == {"conversation_id": "c-9"}
    assert stored["phoenix.project_name"] == "default"
    assert stored["openinference.span.kind"] == "CHAIN"


def test_duplicate_spans_are_merged_and_reimport_is_unchanged(db: Database, tmp_path: Path) -> None:
    started = span(ROOT, end=None, status="UNSET")
    finished = span(ROOT, status="OK", attributes={"output.value": "done"})
    path = write_jsonl(tmp_path / "twice.jsonl", [started, finished])
    result = imported(db, path)
    assert result.spans == 1 and any("merged" in w for w in result.warnings)
    assert span_detail(db, TRACE, ROOT)["status"] == "ok"
    assert import_one(db, path).status is ImportStatus.UNCHANGED and counts(db) == (1, 1, 1)


def raw_relation(select: str, setup: list[str]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for script in [load("spanscope.store", "mapping_macros.sql"), *setup]:
        for stmt in statements(script):
            con.execute(stmt)
    con.execute(f"CREATE TEMP VIEW raw_spans AS {select}")
    return con


def test_vectors_stay_out_of_the_lookup_text(tmp_path: Path) -> None:
    attributes = {
        "embedding.model_name": "m",
        "embedding.embeddings.0.embedding.text": "hi",
        "embedding.embeddings.0.embedding.vector": [0.25, -1.5],
    }
    path = write_json(
        tmp_path / "emb.json", [span(ROOT, "embed", "EMBEDDING", attributes=attributes)]
    )
    source = PhoenixSpans().source(read_sample(path), tmp_path)
    [(keys, text_keys)] = (
        raw_relation(source.select, source.setup)
        .execute("SELECT map_keys(attributes), map_keys(attr_text) FROM raw_spans")
        .fetchall()
    )
    assert "embedding.embeddings.0.embedding.vector" in keys
    assert "embedding.embeddings.0.embedding.vector" not in text_keys
    assert "embedding.embeddings.0.embedding.text" in text_keys


# --- JSON: bad input -------------------------------------------------------------------------


def test_truncated_file_fails_alone(db: Database, tmp_path: Path) -> None:
    good = write_json(tmp_path / "good.json", three_spans())
    text = json.dumps([span(f"{i:016x}", trace_id=f"{i:032x}") for i in range(1, 40)], indent=2)
    bad = tmp_path / "cut.json"
    bad.write_text(text[: len(text) // 2])
    results = run(db, good, bad)
    assert [r.status for r in results] == [ImportStatus.IMPORTED, ImportStatus.FAILED]
    assert results[1].format == "phoenix"
    assert "cut.json" in (results[1].error or "") and "byte" in (results[1].error or "")
    assert counts(db) == (3, 1, 1)


def test_one_broken_line_rolls_back_the_whole_file(db: Database, tmp_path: Path) -> None:
    lines = [json.dumps(span(f"{i:016x}", trace_id=f"{i:032x}")) for i in range(1, 300)]
    lines[200] = lines[200][:-10] + "!!!"
    path = tmp_path / "lines.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = import_one(db, path)
    assert result.status is ImportStatus.FAILED
    assert "lines.jsonl" in (result.error or "") and "line 20" in (result.error or "")
    assert counts(db) == (0, 0, 0)


@pytest.mark.parametrize(
    "broken, message",
    [
        ({"context": {"trace_id": TRACE}}, "record 3 has no context.trace_id or context.span_id"),
        (
            {"context": {"trace_id": "", "span_id": "ab"}},
            "record 3 has no context.trace_id or context.span_id",
        ),
        ({"attributes": "llm.model_name=x"}, "record 3: attributes is not a JSON object"),
    ],
)
def test_bad_record_names_its_position(
    db: Database, tmp_path: Path, broken: dict[str, Any], message: str
) -> None:
    records = three_spans()
    records[2] = {**records[2], **broken}
    result = import_one(db, write_jsonl(tmp_path / "bad.jsonl", records))
    assert result.status is ImportStatus.FAILED
    assert result.error == f"{tmp_path / 'bad.jsonl'}: {message}"
    assert counts(db) == (0, 0, 0)


@pytest.mark.parametrize(
    "content",
    [
        # OpenTelemetry ConsoleSpanExporter: kind and status{} instead of span_kind and status_code
        {
            "name": "x",
            "context": {"trace_id": "0x" + TRACE, "span_id": "0x" + ROOT, "trace_state": "[]"},
            "kind": "SpanKind.INTERNAL",
            "parent_id": None,
            "start_time": "2024-05-01T10:00:00.000000Z",
            "end_time": "2024-05-01T10:00:01.000000Z",
            "status": {"status_code": "UNSET"},
            "attributes": {},
        },
        {"resourceSpans": []},
        {"data": [{"trace_id": TRACE, "span_id": ROOT, "name": "otlp-ish"}], "next_cursor": None},
        [{"name": "x", "context": {"trace_id": TRACE}, "span_kind": "LLM", "start_time": "2024"}],
        {"llm.model_name": "gpt-4o", "openinference.span.kind": "LLM"},
        [],
    ],
)
def test_other_json_is_not_claimed(tmp_path: Path, content: Any) -> None:
    path = write_json(tmp_path / "other.json", content)
    assert not PhoenixSpans().sniff(read_sample(path))


# --- Parquet ---------------------------------------------------------------------------------

_DOC = pa.struct(
    [
        ("document.content", pa.string()),
        ("document.id", pa.string()),
        ("document.metadata", pa.struct([("source", pa.string())])),
        ("document.score", pa.float64()),
    ]
)
_CALL = pa.struct(
    [
        ("tool_call.id", pa.string()),
        ("tool_call.function.name", pa.string()),
        ("tool_call.function.arguments", pa.string()),
    ]
)
_MESSAGE = pa.struct(
    [
        ("message.role", pa.string()),
        ("message.content", pa.string()),
        ("message.tool_calls", pa.list_(_CALL)),
    ]
)
_EMBEDDING = pa.struct(
    [("embedding.text", pa.string()), ("embedding.vector", pa.list_(pa.float64()))]
)
_EVENT = pa.struct(
    [
        ("name", pa.string()),
        ("timestamp", pa.timestamp("ns", tz="UTC")),
        (
            "attributes",
            pa.struct([("exception.type", pa.string()), ("exception.message", pa.string())]),
        ),
    ]
)
T0 = 1714557600 * 10**9 + 123456789  # 2024-05-01T10:00:00.123456789Z


def spans_table() -> pa.Table:
    ids = [ROOT, CHILD, GRANDCHILD, "00f067aa0ba902ba", "00f067aa0ba902bb", "00f067aa0ba902bc"]
    docs = [
        {
            "document.content": "alpha",
            "document.id": "d1",
            "document.metadata": {"source": "kb"},
            "document.score": 0.9,
        },
        {
            "document.content": "beta",
            "document.id": "d2",
            "document.metadata": None,
            "document.score": None,
        },
    ]
    columns: dict[str, tuple[pa.DataType, list[Any]]] = {
        "name": (pa.string(), ["query", "retrieve", "chat", "rerank", "embed", "lookup"]),
        "span_kind": (pa.string(), ["CHAIN", "RETRIEVER", "LLM", "RERANKER", "EMBEDDING", "TOOL"]),
        "parent_id": (pa.string(), [None, ROOT, ROOT, ROOT, CHILD, GRANDCHILD]),
        "start_time": (pa.timestamp("ns", tz="UTC"), [T0 + i for i in range(6)]),
        "end_time": (pa.timestamp("ns", tz="UTC"), [T0 + 10**9] * 6),
        "status_code": (pa.string(), ["OK"] * 5 + ["ERROR"]),
        "status_message": (pa.string(), [""] * 5 + ["lookup failed"]),
        "events": (
            pa.list_(_EVENT),
            [[]] * 5
            + [
                [
                    {
                        "name": "exception",
                        "timestamp": T0 + 5,
                        "attributes": {
                            "exception.type": "KeyError",
                            "exception.message": "no such order",
                        },
                    }
                ]
            ],
        ),
        "context.span_id": (pa.string(), ids),
        "context.trace_id": (pa.string(), [TRACE] * 6),
        # present on some rows only: the others take the kind from span_kind
        "attributes.openinference.span.kind": (
            pa.string(),
            ["CHAIN", None, "LLM", None, None, None],
        ),
        "attributes.input.value": (pa.string(), ["q?", "q?", None, "q?", "q?", '{"id": 7}']),
        "attributes.retrieval.documents": (pa.list_(_DOC), [None, docs, None, None, None, None]),
        "attributes.reranker.input_documents": (
            pa.list_(_DOC),
            [None, None, None, docs, None, None],
        ),
        "attributes.reranker.output_documents": (
            pa.list_(_DOC),
            [None, None, None, docs[1:], None, None],
        ),
        "attributes.reranker.top_k": (pa.float64(), [None, None, None, 1.0, None, math.nan]),
        "attributes.llm.model_name": (pa.string(), [None, None, "gpt-4o", None, None, None]),
        "attributes.llm.token_count.prompt": (pa.int64(), [None, None, 120, None, None, None]),
        "attributes.llm.input_messages": (
            pa.list_(_MESSAGE),
            [
                None,
                None,
                [
                    {
                        "message.role": "user",
                        "message.content": "Where is order 7?",
                        "message.tool_calls": None,
                    }
                ],
                None,
                None,
                None,
            ],
        ),
        "attributes.llm.output_messages": (
            pa.list_(_MESSAGE),
            [
                None,
                None,
                [
                    {
                        "message.role": "assistant",
                        "message.content": None,
                        "message.tool_calls": [
                            {
                                "tool_call.id": "c1",
                                "tool_call.function.name": "lookup",
                                "tool_call.function.arguments": '{"id": 7}',
                            }
                        ],
                    }
                ],
                None,
                None,
                None,
            ],
        ),
        "attributes.llm.prompt_template.variables": (
            pa.struct([("query_str", pa.string())]),
            [None, None, {"query_str": "Where is order 7?"}, None, None, None],
        ),
        "attributes.embedding.embeddings": (
            pa.list_(_EMBEDDING),
            [
                None,
                None,
                None,
                None,
                [{"embedding.text": "q?", "embedding.vector": [0.5, -0.25]}],
                None,
            ],
        ),
        "attributes.tool.name": (pa.string(), [None] * 5 + ["lookup"]),
        "latency_ms": (pa.float64(), [1000.0] * 6),
        "__index_level_0__": (pa.string(), ids),
    }
    schema = pa.schema(
        [(k, t) for k, (t, _) in columns.items()],
        metadata={"pandas": json.dumps({"index_columns": ["__index_level_0__"]})},
    )
    return pa.table({k: pa.array(v, type=t) for k, (t, v) in columns.items()}, schema=schema)


def test_parquet_quirks(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "spans.bin"
    pq.write_table(spans_table(), path)
    result = imported(db, path)
    assert (result.format, result.spans, result.traces) == ("phoenix-parquet", 6, 1)
    assert kinds(db) == {
        "chain": 1,
        "retriever": 1,
        "llm": 1,
        "reranker": 1,
        "embedding": 1,
        "tool": 1,
    }

    root = span_detail(db, TRACE, ROOT)
    assert (root["start_ns"], root["end_ns"]) == (T0, T0 + 10**9)  # ns exact
    stored = json.loads(root["attributes"])
    assert stored["phoenix.latency_ms"] == 1000.0 and "__index_level_0__" not in json.dumps(stored)

    retrieved = span_detail(db, TRACE, CHILD)["documents"]
    assert [(d["document_id"], d["content"], d["score"]) for d in retrieved] == [
        ("d1", "alpha", 0.9),
        ("d2", "beta", None),
    ]
    assert (
        json.loads(retrieved[0]["metadata"]) == {"source": "kb"}
        and retrieved[1]["metadata"] is None
    )

    llm = span_detail(db, TRACE, GRANDCHILD)
    assert (llm["model"], llm["input_tokens"]) == ("gpt-4o", 120)
    assert [(m["role"], m["content"]) for m in llm["input_messages"]] == [
        ("user", "Where is order 7?")
    ]
    assert [(c["call_id"], c["name"], c["arguments"]) for c in llm["tool_calls"]] == [
        ("c1", "lookup", '{"id": 7}')
    ]
    assert json.loads(llm["attributes"])["llm.prompt_template.variables"] == {
        "query_str": "Where is order 7?"
    }

    reranked = span_detail(db, TRACE, "00f067aa0ba902ba")
    assert [(d["stage"], d["document_id"]) for d in reranked["documents"]] == [
        ("reranker_input", "d1"),
        ("reranker_input", "d2"),
        ("reranker_output", "d2"),
    ]
    assert json.loads(reranked["attributes"])["reranker.top_k"] == 1.0

    embedded = json.loads(span_detail(db, TRACE, "00f067aa0ba902bb")["attributes"])
    assert embedded["embedding.embeddings.0.embedding.vector"] == [0.5, -0.25]

    failed = span_detail(db, TRACE, "00f067aa0ba902bc")
    assert (failed["status"], failed["status_message"], failed["error_type"]) == (
        "error",
        "lookup failed",
        "KeyError",
    )
    assert json.loads(failed["events"])[0]["time_ns"] == T0 + 5
    assert "reranker.top_k" not in json.loads(failed["attributes"])  # NaN is pandas' missing value


def test_parquet_vectors_stay_out_of_the_lookup_text(tmp_path: Path) -> None:
    path = tmp_path / "spans.parquet"
    pq.write_table(spans_table(), path)
    source = PhoenixParquet().source(read_sample(path), tmp_path)
    [(keys, text_keys)] = (
        raw_relation(source.select, source.setup)
        .execute(
            "SELECT map_keys(attributes), map_keys(attr_text) FROM raw_spans WHERE name = 'embed'"
        )
        .fetchall()
    )
    assert "embedding.embeddings.0.embedding.vector" in keys
    assert "embedding.embeddings.0.embedding.vector" not in text_keys


@pytest.mark.skipif(
    not is_file_error(duckdb.Error("x")),
    reason=(
        "DuckDB reports most damaged Parquet pages with its bare Error class, which the writer does "
        "not count as a file error yet"
    ),
)
def test_parquet_damaged_in_the_middle_fails_alone(db: Database, tmp_path: Path) -> None:
    good = tmp_path / "good.parquet"
    pq.write_table(spans_table(), good)
    data = bytearray(good.read_bytes())
    data[8:400] = b"\xff" * 392  # page data gone, footer intact
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(bytes(data))
    results = run(db, good, bad)
    assert [r.status for r in results] == [ImportStatus.IMPORTED, ImportStatus.FAILED]
    assert results[1].format == "phoenix-parquet" and "bad.parquet" in (results[1].error or "")
    assert counts(db) == (6, 1, 1)


def test_parquet_truncated_is_not_recognised(db: Database, tmp_path: Path) -> None:
    good = tmp_path / "good.parquet"
    pq.write_table(spans_table(), good)
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(good.read_bytes()[:2000])  # the schema lives in the lost footer
    result = import_one(db, cut)
    assert result.status is ImportStatus.FAILED and "format not recognised" in (result.error or "")
    assert "cut.parquet" in (result.error or "") and counts(db) == (0, 0, 0)


def test_other_parquet_is_not_claimed(db: Database, tmp_path: Path) -> None:
    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({"span_id": ["a"], "trace_id": ["b"], "latency": [1.0]}), other)
    result = import_one(db, other)
    assert result.status is ImportStatus.FAILED and "format not recognised" in (result.error or "")


@pytest.mark.corpus
def test_parquet_sniffers_do_not_claim_each_other(corpus: Path) -> None:
    assert not PhoenixParquet().sniff(read_sample(corpus_file(corpus, EVALS)))
    assert not PhoenixSpans().sniff(read_sample(corpus_file(corpus, TRACES)))
    if ANNOTATIONS:
        from spanscope.importers.phoenix_evals import PhoenixEvaluations

        assert not PhoenixEvaluations().sniff(read_sample(corpus_file(corpus, TRACES)))
        assert PhoenixEvaluations().sniff(read_sample(corpus_file(corpus, EVALS)))


# --- evaluations -----------------------------------------------------------------------------


def write_evals(path: Path, columns: dict[str, list[Any]], name: str | None = "relevance") -> Path:
    table = pa.table(columns)
    if name is not None:
        table = table.replace_schema_metadata(
            {
                "arize": json.dumps(
                    {
                        "eval_id": "8a8fa338-f8db-48d7-acbc-46849624d2db",
                        "eval_name": name,
                        "eval_type": "SpanEvaluations",
                    }
                )
            }
        )
    pq.write_table(table, path)
    return path


def annotations(db: Database) -> list[tuple[Any, ...]]:
    return rows(
        db,
        "SELECT trace_id, span_id, label, score, note, rubric, author FROM annotations "
        "ORDER BY trace_id, span_id, rubric",
    )


@needs_annotations
def test_span_evaluations(db: Database, tmp_path: Path) -> None:
    imported(db, write_json(tmp_path / "spans.json", three_spans()))
    evals = write_evals(
        tmp_path / "evals.parquet",
        {
            "context.span_id": [
                ROOT.upper(),
                CHILD,
                "ffffffffffffffff",
                GRANDCHILD,
            ],  # ids normalised
            "label": ["correct", None, "x", None],
            "score": [1.0, 0.25, 0.0, None],
            "explanation": ["fine", None, "gone", None],
        },
    )
    result = imported(db, evals)
    assert (result.format, result.spans, result.traces, result.annotations) == (
        "phoenix-evals",
        0,
        1,
        2,
    )
    assert result.warnings == [
        "1 of 4 annotations name spans that are not in the database; they were skipped",
        "1 annotations have no label, score or note; they were skipped",
    ]
    assert annotations(db) == [
        (TRACE, ROOT, "correct", 1.0, "fine", "relevance", "phoenix-evals"),
        (TRACE, CHILD, None, 0.25, None, "relevance", "phoenix-evals"),
    ]
    assert rows(
        db, "SELECT format, span_count, trace_count FROM sources WHERE format = 'phoenix-evals'"
    ) == [("phoenix-evals", 0, 1)]


@needs_annotations
def test_corrected_evaluations_replace_earlier_results(db: Database, tmp_path: Path) -> None:
    imported(db, write_json(tmp_path / "spans.json", three_spans()))
    imported(db, write_evals(tmp_path / "v1.parquet", {"span_id": [ROOT], "label": ["wrong"]}))
    result = imported(
        db, write_evals(tmp_path / "v2.parquet", {"span_id": [ROOT], "label": ["right"]})
    )
    assert result.warnings == ["1 annotations replaced earlier results of the same evaluation"]
    assert [(r[2], r[5]) for r in annotations(db)] == [("right", "relevance")]
    # another evaluation of the same span is kept beside it; no eval name: the file's name
    imported(
        db,
        write_evals(tmp_path / "toxicity.parquet", {"span_id": [ROOT], "label": ["ok"]}, name=None),
    )
    assert [(r[2], r[5]) for r in annotations(db)] == [("right", "relevance"), ("ok", "toxicity")]


@needs_annotations
def test_document_and_trace_evaluations(db: Database, tmp_path: Path) -> None:
    imported(db, write_json(tmp_path / "spans.json", three_spans()))
    imported(
        db,
        write_evals(
            tmp_path / "docs.parquet",
            {
                "context.span_id": [CHILD, CHILD],
                "document_position": [0, 1],
                "label": ["relevant", "unrelated"],
                "score": [1, 0],
            },
        ),
    )
    imported(
        db,
        write_evals(
            tmp_path / "trace.parquet",
            {
                "context.trace_id": [TRACE],
                "label": ["resolved"],
                "explanation": ["the user got an answer"],
            },
            name="outcome",
        ),
    )
    assert annotations(db) == [
        (TRACE, "", "resolved", None, "the user got an answer", "outcome", "phoenix-evals"),
        (TRACE, CHILD, "relevant", 1.0, None, "relevance [document 0]", "phoenix-evals"),
        (TRACE, CHILD, "unrelated", 0.0, None, "relevance [document 1]", "phoenix-evals"),
    ]


@needs_annotations
def test_span_id_in_several_traces_is_skipped(db: Database, tmp_path: Path) -> None:
    imported(
        db,
        write_json(
            tmp_path / "spans.json",
            [span("s1", trace_id="t-1"), span("s1", trace_id="t-2"), span("s2", trace_id="t-2")],
        ),
    )
    result = imported(
        db, write_evals(tmp_path / "e.parquet", {"span_id": ["s1", "s2"], "label": ["a", "b"]})
    )
    assert result.warnings == [
        "1 annotations name a span id found in several traces; they were skipped"
    ]
    assert [(r[0], r[1], r[2]) for r in annotations(db)] == [("t-2", "s2", "b")]


@needs_annotations
def test_evaluations_of_unknown_spans_fail_and_change_nothing(db: Database, tmp_path: Path) -> None:
    imported(db, write_json(tmp_path / "spans.json", three_spans()))
    before = counts(db)
    result = import_one(
        db, write_evals(tmp_path / "e.parquet", {"span_id": ["ffffffffffffffff"], "score": [1.0]})
    )
    assert result.status is ImportStatus.FAILED and "import their traces first" in (
        result.error or ""
    )
    assert counts(db) == before and annotations(db) == []


# -- what an engineer sees, on every corpus file of the format ----------------------------------

# input and output tokens over each file's traces, as recorded in it
test_engineer_view = corpus_view_test(
    "openinference",
    {
        "phoenix-tutorial-2023_trace.jsonl": (0, 0),
        "phoenix-tutorial_llamaindex-rag_traces.parquet": (0, 0),
        "phoenix_pxi_turn_trace.json": (310222, 1895),
    },
)


def test_parquet_times_in_year_1_and_9999_are_warned_not_fatal(
    db: Database, tmp_path: Path
) -> None:
    """Before, one span of year 1 or 9999 (microsecond timestamps, past int64 nanoseconds)
    failed the whole Phoenix Parquet file, where OTLP warns."""
    import datetime as dt

    table = spans_table()
    start = pc.cast(table["start_time"], pa.timestamp("us", tz="UTC"), safe=False).to_pylist()
    end = pc.cast(table["end_time"], pa.timestamp("us", tz="UTC"), safe=False).to_pylist()
    start[0] = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
    end[1] = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
    us = pa.timestamp("us", tz="UTC")
    table = table.set_column(
        table.schema.get_field_index("start_time"), "start_time", pa.array(start, us)
    )
    table = table.set_column(
        table.schema.get_field_index("end_time"), "end_time", pa.array(end, us)
    )
    path = tmp_path / "years.parquet"
    pq.write_table(table, path)
    [result] = run(db, path)
    assert result.status == "imported", result.error
    assert result.spans == table.num_rows
    assert any("no start time" in w for w in result.warnings), result.warnings
