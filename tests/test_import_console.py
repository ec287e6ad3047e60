"""OpenTelemetry SDK console dumps: Python ``ConsoleSpanExporter`` / ``span.to_json()`` output and
JavaScript ``ReadableSpan`` objects, as people paste them from a terminal."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import zstandard

from engineer_view import corpus_view_test
from otlp_builder import agent_trace, document, write_json
from spanscope.importers.base import read_sample
from spanscope.importers.otel_console import OtelConsoleDump, iso_ns
from spanscope.model import ImportStatus
from spanscope.store import Database
from store_checks import counts, imported, run, span_detail

VERCEL = Path("other/vercel-ai-sdk/openinference-vercel_v6_all-spans.json")


def column(db: Database, sql: str) -> list[Any]:
    return [r[0] for r in db.reader().execute(sql).fetchall()]


# -- the corpus -------------------------------------------------------------------------------


@pytest.mark.corpus
def test_vercel_ai_sdk_readable_spans(db: Database, corpus: Path) -> None:
    # Values read from the file: a JSON list of 10 ReadableSpan objects, each with its own
    # spanContext.traceId and none with parentSpanId/parentSpanContext. ai.operationId per span,
    # in file order: generateText.doGenerate, generateText, generateText.doGenerate, generateText,
    # generateObject.doGenerate, generateObject, streamText.doStream, streamText, embed.doEmbed,
    # embed. All status {code: 0}.
    result = imported(db, corpus / VERCEL, fmt="otel-console")
    assert (result.spans, result.traces) == (10, 10)
    assert column(db, "SELECT count(*) FROM spans WHERE parent_span_id IS NOT NULL") == [0]
    kinds = Counter(column(db, "SELECT kind FROM spans"))
    # doGenerate x3 + doStream -> llm; doEmbed -> embedding; the 5 wrapper operations -> chain
    assert kinds == {"llm": 4, "chain": 5, "embedding": 1}
    assert column(db, "SELECT DISTINCT status FROM spans") == ["unset"]

    # Span 0, ai.generateText.doGenerate: startTime [1770131992, 242000000],
    # endTime [1770131994, 21415667]; ai.model.id gpt-4o-mini, ai.response.model / gen_ai.response.model
    # gpt-4o-mini-2024-07-18, gen_ai.usage 14 in / 20 out, one user message, ai.response.text haiku.
    first = span_detail(db, "b3e700af9eab81e19f72f964d62a35af", "39d6e9b3ddec9996")
    assert (first["kind"], first["name"]) == ("llm", "ai.generateText.doGenerate")
    assert (first["start_ns"], first["end_ns"]) == (
        1_770_131_992_242_000_000,
        1_770_131_994_021_415_667,
    )
    assert (first["request_model"], first["model"]) == ("gpt-4o-mini", "gpt-4o-mini-2024-07-18")
    assert first["provider"] == "openai.responses"
    assert (first["input_tokens"], first["output_tokens"]) == (14, 20)
    assert [(m["role"], m["content"]) for m in first["input_messages"]] == [
        ("user", "Write a haiku about programming.")
    ]
    assert [m["role"] for m in first["output_messages"]] == ["assistant"]
    assert first["output_messages"][0]["content"].startswith("Lines of code align,")
    assert first["tool_calls"] is None

    # Span 2: the multi-turn doGenerate; ai.prompt.messages holds system, user, assistant, user;
    # ai.response.text "3 + 3 equals 6."; 50 in / 9 out.
    turns = span_detail(db, "edff2fc5854be6170e8cccccec0c82cf", "6c0201026326855d")
    assert [(m["role"], m["content"]) for m in turns["input_messages"]] == [
        ("system", "You are a helpful assistant."),
        ("user", "What is 2 + 2?"),
        ("assistant", "2 + 2 equals 4."),
        ("user", "And what is 3 + 3?"),
    ]
    assert [(m["role"], m["content"]) for m in turns["output_messages"]] == [
        ("assistant", "3 + 3 equals 6.")
    ]
    assert (turns["input_tokens"], turns["output_tokens"]) == (50, 9)

    # Span 4, generateObject.doGenerate: 63 in / 156 out.
    obj = span_detail(db, "8f60802815d6e97da2dbc4708a8e5c7b", "bf098ec12458e605")
    assert (obj["kind"], obj["input_tokens"], obj["output_tokens"]) == ("llm", 63, 156)

    # Span 6, streamText.doStream: ai.usage.inputTokens 15 / outputTokens 112 / totalTokens 127,
    # cachedInputTokens 0, reasoningTokens 0; events ai.stream.firstChunk at
    # [1770132001, 25056459] and ai.stream.finish at [1770132005, 983212750].
    stream = span_detail(db, "478d4dcc697ecfabc5e7a3d6e4216291", "5a81ef3ffb5d8603")
    assert (stream["kind"], stream["model"]) == ("llm", "gpt-4o-mini-2024-07-18")
    assert (stream["input_tokens"], stream["output_tokens"], stream["total_tokens"]) == (
        15,
        112,
        127,
    )
    assert (stream["cache_read_tokens"], stream["reasoning_tokens"]) == (0, 0)
    assert [(m["role"], m["content"]) for m in stream["input_messages"]] == [
        ("user", "Write a short poem about TypeScript.")
    ]
    events = json.loads(stream["events"])
    assert [(e["name"], e["time_ns"]) for e in events] == [
        ("ai.stream.firstChunk", 1_770_132_001_025_056_459),
        ("ai.stream.finish", 1_770_132_005_983_212_750),
    ]

    # Span 1, the generateText wrapper: no gen_ai.*; ai.model.id gpt-4o-mini, promptTokens 14,
    # completionTokens 20.
    wrapper = span_detail(db, "700d5f98fe2420adcf6ab0822f7a323c", "648be1dfd8e521b6")
    assert (wrapper["kind"], wrapper["model"]) == ("chain", "gpt-4o-mini")
    assert (wrapper["input_tokens"], wrapper["output_tokens"]) == (14, 20)

    # Span 8, embed.doEmbed: ai.model.id text-embedding-3-small, provider openai.embedding.
    embed = span_detail(db, "045d21a7f69972edf509fe0ff911f3f5", "53e12604843b0399")
    assert (embed["kind"], embed["model"], embed["provider"]) == (
        "embedding",
        "text-embedding-3-small",
        "openai.embedding",
    )

    # Models across the file: the 4 model calls answered by the dated snapshot, the wrappers
    # name gpt-4o-mini, both embed spans text-embedding-3-small.
    assert Counter(column(db, "SELECT model FROM spans")) == {
        "gpt-4o-mini-2024-07-18": 4,
        "gpt-4o-mini": 4,
        "text-embedding-3-small": 2,
    }


# -- Python ConsoleSpanExporter ---------------------------------------------------------------

TRACE = "0x4bf92f3577b34da6a3ce929d0e0e4736"
ROOT, CHAT, TOOL = "0x00f067aa0ba902b7", "0x53995c3f42cd8ad8", "0x9a1c2b7e44d0f1a3"
RESOURCE = {
    "attributes": {
        "telemetry.sdk.language": "python",
        "telemetry.sdk.name": "opentelemetry",
        "telemetry.sdk.version": "1.38.0",
        "service.name": "weather-bot",
    },
    "schema_url": "",
}


def py_span(
    name: str,
    span_id: str,
    *,
    parent: str | None,
    kind: str,
    start: str,
    end: str | None,
    attributes: dict[str, Any],
    status: str = "UNSET",
    description: str | None = None,
    events: list[dict[str, Any]] | None = None,
    links: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A span as ``ReadableSpan.to_json()`` prints it (same keys, same order)."""
    state: dict[str, Any] = {"status_code": status}
    if description:
        state["description"] = description
    return {
        "name": name,
        "context": {"trace_id": TRACE, "span_id": span_id, "trace_state": "[]"},
        "kind": kind,
        "parent_id": parent,
        "start_time": start,
        "end_time": end,
        "status": state,
        "attributes": attributes,
        "events": events or [],
        "links": links or [],
        "resource": RESOURCE,
    }


def console_output(records: list[dict[str, Any]]) -> str:
    """What ConsoleSpanExporter writes: each span pretty-printed, then a newline."""
    return "".join(json.dumps(r, indent=4) + "\n" for r in records)


CHAT_IN = [{"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}]
CHAT_OUT = [
    {
        "role": "assistant",
        "parts": [
            {
                "type": "tool_call",
                "id": "call_Q1",
                "name": "get_weather",
                "arguments": {"city": "Paris"},
            }
        ],
        "finish_reason": "tool_call",
    }
]


def agent_run() -> list[dict[str, Any]]:
    """An agent run printed by a processor that also prints each span when it starts: start
    snapshots (end_time null, status UNSET, only the attributes known at start) and then the
    finished spans."""
    root_attrs = {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "weather_agent",
        "session.id": "sess-7",
    }
    chat_start = {
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "server.address": "api.openai.com",
    }
    chat_end = {
        **chat_start,
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.response.id": "chatcmpl-BX3kq9",
        "gen_ai.response.finish_reasons": ["tool_calls"],
        "gen_ai.usage.input_tokens": 57,
        "gen_ai.usage.output_tokens": 18,
        "gen_ai.input.messages": json.dumps(CHAT_IN),
        "gen_ai.output.messages": json.dumps(CHAT_OUT),
    }
    tool_attrs = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.call.id": "call_Q1",
        "gen_ai.tool.call.arguments": '{"city": "Paris"}',
    }
    exception = {
        "name": "exception",
        "timestamp": "2025-11-28T14:00:01.412345Z",
        "attributes": {
            "exception.type": "ConnectionError",
            "exception.message": "weather service unreachable",
            "exception.stacktrace": "Traceback (most recent call last):\n  ...\nConnectionError",
            "exception.escaped": "False",
        },
    }
    return [
        py_span(
            "invoke_agent weather_agent",
            ROOT,
            parent=None,
            kind="SpanKind.INTERNAL",
            start="2025-11-28T14:00:00.000100Z",
            end=None,
            attributes=root_attrs,
        ),
        py_span(
            "chat gpt-4o-mini",
            CHAT,
            parent=ROOT,
            kind="SpanKind.CLIENT",
            start="2025-11-28T14:00:00.000250Z",
            end=None,
            attributes=chat_start,
        ),
        py_span(
            "chat gpt-4o-mini",
            CHAT,
            parent=ROOT,
            kind="SpanKind.CLIENT",
            start="2025-11-28T14:00:00.000250Z",
            end="2025-11-28T14:00:01.204817Z",
            attributes=chat_end,
        ),
        py_span(
            "execute_tool get_weather",
            TOOL,
            parent=ROOT,
            kind="SpanKind.INTERNAL",
            start="2025-11-28T14:00:01.210000Z",
            end=None,
            attributes=tool_attrs,
        ),
        py_span(
            "execute_tool get_weather",
            TOOL,
            parent=ROOT,
            kind="SpanKind.INTERNAL",
            start="2025-11-28T14:00:01.210000Z",
            end="2025-11-28T14:00:01.412399Z",
            attributes=tool_attrs,
            status="ERROR",
            description="ConnectionError: weather service unreachable",
            events=[exception],
        ),
        py_span(
            "invoke_agent weather_agent",
            ROOT,
            parent=None,
            kind="SpanKind.INTERNAL",
            start="2025-11-28T14:00:00.000100Z",
            end="2025-11-28T14:00:01.500000Z",
            attributes=root_attrs,
            status="OK",
        ),
    ]


T0_NS = 1_764_338_400_000_000_000  # 2025-11-28T14:00:00Z


def test_python_console_dump(db: Database, tmp_path: Path) -> None:
    # Named .jsonl as such dumps often are, but pretty-printed objects one after another.
    path = tmp_path / "spans.jsonl"
    path.write_text(console_output(agent_run()), encoding="utf-8")
    result = imported(db, path, fmt="otel-console")
    # 6 records, 3 spans: every span was printed twice and the two records were merged
    assert (result.spans, result.traces) == (3, 1)
    assert "3 partial span records were merged into their spans" in result.warnings

    trace = TRACE[2:]  # 0x ids are stored as plain lowercase hex
    chat = span_detail(db, trace, CHAT[2:])
    assert chat["parent_span_id"] == ROOT[2:]
    assert (chat["kind"], chat["span_kind"], chat["service"]) == ("llm", "client", "weather-bot")
    # ISO times to exact ns; the end comes from the finished record
    assert (chat["start_ns"], chat["end_ns"]) == (T0_NS + 250_000, T0_NS + 1_204_817_000)
    assert chat["duration_ns"] == 1_204_567_000
    assert (chat["request_model"], chat["response_model"]) == (
        "gpt-4o-mini",
        "gpt-4o-mini-2024-07-18",
    )
    assert (chat["provider"], chat["input_tokens"], chat["output_tokens"]) == ("openai", 57, 18)
    assert [(m["role"], m["content"]) for m in chat["input_messages"]] == [
        ("user", "Weather in Paris?")
    ]
    assert [(c["call_id"], c["name"], json.loads(c["arguments"])) for c in chat["tool_calls"]] == [
        ("call_Q1", "get_weather", {"city": "Paris"})
    ]
    attributes = json.loads(chat["attributes"])
    assert attributes["server.address"] == "api.openai.com"  # known from the start snapshot
    assert attributes["gen_ai.response.finish_reasons"] == ["tool_calls"]

    tool = span_detail(db, trace, TOOL[2:])
    # the finished record's status wins over the start snapshot's UNSET
    assert (tool["kind"], tool["tool_name"], tool["status"]) == ("tool", "get_weather", "error")
    assert tool["status_message"] == "ConnectionError: weather service unreachable"
    assert tool["error_type"] == "ConnectionError"
    assert tool["end_ns"] == T0_NS + 1_412_399_000
    [event] = json.loads(tool["events"])
    assert (event["name"], event["time_ns"]) == ("exception", T0_NS + 1_412_345_000)
    assert tool["tool_calls"][0]["arguments"] == '{"city": "Paris"}'

    root = span_detail(db, trace, ROOT[2:])
    assert (root["kind"], root["status"], root["session_id"]) == ("agent", "ok", "sess-7")
    assert (root["span_kind"], root["end_ns"]) == ("internal", T0_NS + 1_500_000_000)
    assert root["parent_span_id"] is None


def test_finished_record_wins_in_either_order(db: Database, tmp_path: Path) -> None:
    # A processor printing on start and an exporter printing on end can interleave either way.
    records = agent_run()
    finished_first = [records[0], records[2], records[1], records[4], records[3], records[5]]
    path = tmp_path / "reordered.txt"
    path.write_text(console_output(finished_first), encoding="utf-8")
    imported(db, path, fmt="otel-console")
    tool = span_detail(db, TRACE[2:], TOOL[2:])
    assert (tool["status"], tool["end_ns"]) == ("error", T0_NS + 1_412_399_000)
    chat = span_detail(db, TRACE[2:], CHAT[2:])
    assert (chat["end_ns"], chat["output_tokens"]) == (T0_NS + 1_204_817_000, 18)


def test_only_start_snapshots_leave_spans_open(db: Database, tmp_path: Path) -> None:
    records = agent_run()
    path = tmp_path / "crashed.log"
    path.write_text(console_output([records[0], records[1]]), encoding="utf-8")
    result = imported(db, path, fmt="otel-console")
    assert (result.spans, result.traces) == (2, 1)
    chat = span_detail(db, TRACE[2:], CHAT[2:])
    assert (chat["end_ns"], chat["status"], chat["request_model"]) == (None, "unset", "gpt-4o-mini")


@pytest.mark.parametrize(
    ("written", "ns"),
    [
        ("2025-11-28T14:00:00.123456Z", T0_NS + 123_456_000),  # the SDK's own form
        ("2025-11-28T16:00:00.123456789+02:00", T0_NS + 123_456_789),  # offset, 9 digits
        ("2025-11-28T14:00:00", T0_NS),  # naive means UTC
        ("2025-11-28 13:30:00.5-00:30", T0_NS + 500_000_000),
    ],
)
def test_iso_times_are_exact(written: str, ns: int) -> None:
    assert iso_ns(written) == ns


def test_span_kind_enum_strings_and_links(db: Database, tmp_path: Path) -> None:
    linked = {
        "context": {"trace_id": "0x" + "ab" * 16, "span_id": "0x" + "cd" * 8, "trace_state": "[]"},
        "attributes": {"link.reason": "retry"},
    }
    records = [
        py_span(
            f"span {kind}",
            "0x" + f"{i + 1:016x}",
            parent=None,
            kind=f"SpanKind.{kind}",
            start="2025-11-28T14:00:00.000000Z",
            end="2025-11-28T14:00:00.100000Z",
            attributes={"n": i},
            links=[linked] if i == 0 else None,
        )
        for i, kind in enumerate(("INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"))
    ]
    path = tmp_path / "kinds.json"
    path.write_text(console_output(records), encoding="utf-8")
    imported(db, path, fmt="otel-console")
    rows = db.reader().execute("SELECT name, span_kind FROM spans ORDER BY span_id").fetchall()
    assert rows == [
        ("span INTERNAL", "internal"),
        ("span SERVER", "server"),
        ("span CLIENT", "client"),
        ("span PRODUCER", "producer"),
        ("span CONSUMER", "consumer"),
    ]
    first = span_detail(db, TRACE[2:], "0000000000000001")
    [link] = json.loads(first["links"])
    assert (link["trace_id"], link["span_id"]) == ("ab" * 16, "cd" * 8)
    assert json.loads(first["attributes"])["n"] == 0


def test_first_record_larger_than_the_sample(db: Database, tmp_path: Path) -> None:
    # A long prompt pushes the first record past the 256 KB the sniffer sees.
    records = agent_run()
    long_prompt = [{"role": "user", "parts": [{"type": "text", "content": "x" * 400_000}]}]
    records[0]["attributes"] = {
        **records[0]["attributes"],
        "gen_ai.input.messages": json.dumps(long_prompt),
    }
    path = tmp_path / "big.txt"
    path.write_text(console_output(records), encoding="utf-8")
    result = imported(db, path, fmt="otel-console")
    assert result.spans == 3


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_compressed_dump(db: Database, tmp_path: Path, compression: str) -> None:
    data = console_output(agent_run()).encode()
    path = tmp_path / f"spans.{compression}"
    path.write_bytes(
        gzip.compress(data) if compression == "gzip" else zstandard.ZstdCompressor().compress(data)
    )
    assert imported(db, path, fmt="otel-console").spans == 3


# -- JavaScript ReadableSpan ------------------------------------------------------------------

JS_TRACE = "1f2e3d4c5b6a79880f1e2d3c4b5a6978"
JS_ROOT, JS_LLM, JS_TOOL = "a1b2c3d4e5f60718", "b2c3d4e5f6071829", "c3d4e5f60718293a"


def js_spans() -> list[dict[str, Any]]:
    """An AI SDK generateText call with a tool, as ReadableSpans: the 2.x SDK's
    parentSpanContext and instrumentationScope on one span, 1.x's parentSpanId on another."""
    tool_calls = [
        {
            "toolCallType": "function",
            "toolCallId": "call_1",
            "toolName": "weather",
            "input": '{"city":"Paris"}',
        }
    ]
    scope = {"name": "ai", "version": "5.0.0"}
    resource = {
        "_rawAttributes": [["service.name", "next-app"], ["telemetry.sdk.language", "nodejs"]]
    }
    return [
        {
            "name": "ai.generateText",
            "kind": 0,
            "spanContext": {"traceId": JS_TRACE, "spanId": JS_ROOT, "traceFlags": 1},
            "startTime": [1764338400, 1000],
            "endTime": [1764338402, 999999999],
            "attributes": {
                "ai.operationId": "ai.generateText",
                "ai.model.id": "gpt-4o-mini",
                "ai.prompt": '{"prompt":"Weather in Paris?"}',
            },
            "status": {"code": 0},
            "events": [],
            "links": [],
            "resource": resource,
            "instrumentationScope": scope,
            "duration": [2, 999998999],
            "ended": True,
        },
        {
            "name": "ai.generateText.doGenerate",
            "kind": 2,
            "spanContext": {"traceId": JS_TRACE, "spanId": JS_LLM, "traceFlags": 1},
            "parentSpanContext": {"traceId": JS_TRACE, "spanId": JS_ROOT, "traceFlags": 1},
            "startTime": [1764338400, 5000000],
            "endTime": [1764338401, 250000000],
            "attributes": {
                "ai.operationId": "ai.generateText.doGenerate",
                "ai.model.id": "gpt-4o-mini",
                "ai.model.provider": "openai.chat",
                "ai.prompt.messages": json.dumps(
                    [{"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]}]
                ),
                "ai.response.toolCalls": json.dumps(tool_calls),
                "ai.usage.inputTokens": 40,
                "ai.usage.outputTokens": 12,
                "gen_ai.request.model": "gpt-4o-mini",
            },
            "status": {"code": 0},
            "events": [],
            "links": [],
            "resource": resource,
            "instrumentationScope": scope,
        },
        {
            "name": "ai.toolCall",
            "kind": 0,
            "spanContext": {"traceId": JS_TRACE, "spanId": JS_TOOL, "traceFlags": 1},
            "parentSpanId": JS_ROOT,
            "startTime": [1764338401, 300000000],
            "endTime": [1764338401, 400000000],
            "attributes": {
                "ai.operationId": "ai.toolCall",
                "ai.toolCall.name": "weather",
                "ai.toolCall.id": "call_1",
                "ai.toolCall.args": '{"city":"Paris"}',
            },
            "status": {"code": 2, "message": "fetch failed"},
            "events": [
                {
                    "name": "exception",
                    "time": [1764338401, 399000000],
                    "attributes": {
                        "exception.type": "TypeError",
                        "exception.message": "fetch failed",
                    },
                }
            ],
            "links": [],
            "resource": {"attributes": {"service.name": "next-app"}},
            "instrumentationLibrary": {"name": "ai", "version": "4.3.0"},
        },
    ]


@pytest.mark.parametrize("layout", ["list", "lines", "concatenated"])
def test_js_readable_spans(db: Database, tmp_path: Path, layout: str) -> None:
    spans = js_spans()
    path = tmp_path / "spans.json"
    if layout == "list":
        text = json.dumps(spans, indent=2)
    elif layout == "lines":
        text = "".join(json.dumps(s) + "\n" for s in spans)
    else:
        text = "".join(json.dumps(s) for s in spans)
    path.write_text(text, encoding="utf-8")
    result = imported(db, path, fmt="otel-console")
    assert (result.spans, result.traces) == (3, 1)

    root = span_detail(db, JS_TRACE, JS_ROOT)
    # hrtime [sec, nanos] to exact ns
    assert (root["start_ns"], root["end_ns"]) == (T0_NS + 1000, T0_NS + 2_999_999_999)
    assert (root["kind"], root["span_kind"], root["service"]) == ("chain", "internal", "next-app")
    assert json.loads(root["scope"]) == {"name": "ai", "version": "5.0.0"}
    # SDK fields that map to nothing are kept
    assert json.loads(root["attributes"])["otel.console.extra"] == {
        "duration": [2, 999998999],
        "ended": True,
    }

    llm = span_detail(db, JS_TRACE, JS_LLM)
    assert llm["parent_span_id"] == JS_ROOT  # from parentSpanContext
    assert (llm["kind"], llm["span_kind"], llm["model"]) == ("llm", "client", "gpt-4o-mini")
    assert (llm["input_tokens"], llm["output_tokens"]) == (40, 12)
    assert [(m["role"], m["content"]) for m in llm["input_messages"]] == [
        ("user", "Weather in Paris?")
    ]
    assert [(c["call_id"], c["name"], c["arguments"]) for c in llm["tool_calls"]] == [
        ("call_1", "weather", '{"city":"Paris"}')
    ]

    tool = span_detail(db, JS_TRACE, JS_TOOL)
    assert tool["parent_span_id"] == JS_ROOT  # from parentSpanId
    assert (tool["kind"], tool["tool_name"], tool["status"]) == ("tool", "weather", "error")
    assert (tool["status_message"], tool["error_type"]) == ("fetch failed", "TypeError")
    assert tool["tool_calls"][0]["call_id"] == "call_1"
    assert json.loads(tool["scope"]) == {"name": "ai", "version": "4.3.0"}


# -- bad input --------------------------------------------------------------------------------


def test_truncated_dump_fails_naming_the_position(db: Database, tmp_path: Path) -> None:
    text = console_output(agent_run())
    cut = text.index('"name": "execute_tool get_weather"')  # inside the 4th record
    path = tmp_path / "cut.jsonl"
    path.write_text(text[: cut + 20], encoding="utf-8")
    [result] = run(db, path)
    assert result.status is ImportStatus.FAILED
    assert result.format == "otel-console"
    assert str(path) in result.error
    assert "invalid JSON at line" in result.error
    assert counts(db) == (0, 0, 0)


def test_truncated_gzip_dump(db: Database, tmp_path: Path) -> None:
    data = gzip.compress(console_output(agent_run()).encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[:-30])
    [result] = run(db, path)
    assert (result.status, result.format) == (ImportStatus.FAILED, "otel-console")
    assert result.error.startswith(f"{path}: the gzip data is damaged or cut short near byte ")
    assert counts(db) == (0, 0, 0)


def test_a_broken_record_rolls_the_file_back(db: Database, tmp_path: Path) -> None:
    records: list[Any] = agent_run()
    records[3]["start_time"] = "yesterday"  # a time the SDK never writes
    path = tmp_path / "bad_time.txt"
    path.write_text(console_output(records), encoding="utf-8")
    [result] = run(db, path)
    assert result.status is ImportStatus.FAILED
    assert "record 4" in result.error and "'yesterday'" in result.error

    records = agent_run()
    records.insert(2, {"level": "info", "msg": "calling model"})  # a log line that is JSON too
    path = tmp_path / "mixed.txt"
    path.write_text(console_output(records), encoding="utf-8")
    [result] = run(db, path)
    assert result.status is ImportStatus.FAILED
    assert "record 3 is not an OpenTelemetry span dump" in result.error
    assert counts(db) == (0, 0, 0)


def test_other_formats_are_not_claimed(tmp_path: Path) -> None:
    sniffer = OtelConsoleDump()
    phoenix = [
        {
            "name": "pxi.turn",
            "context": {"trace_id": "fixture-trace-1", "span_id": "s01"},
            "span_kind": "AGENT",
            "parent_id": None,
            "start_time": "2026-07-09T00:00:00+00:00",
            "end_time": "2026-07-09T00:00:35+00:00",
            "status_code": "OK",
            "status_message": "",
            "attributes": {"session.id": "fixture-session"},
            "events": [],
        }
    ]
    mlflow_v2 = {
        "spans": [
            {
                "name": "Bedrock",
                "context": {
                    "span_id": "0xb802165d133a33aa",
                    "trace_id": "0x9b8bd0b2e018d77f936e48a09e54fd44",
                },
                "parent_id": None,
                "start_time": 1731388531754725000,
                "end_time": 1731388550226771000,
                "status_code": "OK",
                "attributes": {},
            }
        ]
    }
    otlp = document(agent_trace())
    for name, doc in (("phoenix.json", phoenix), ("mlflow.json", mlflow_v2), ("otlp.json", otlp)):
        path = write_json(tmp_path / name, doc, indent=2)
        assert not sniffer.sniff(read_sample(path)), name
    lines = tmp_path / "phoenix.jsonl"
    lines.write_text("".join(json.dumps(s) + "\n" for s in phoenix), encoding="utf-8")
    assert not sniffer.sniff(read_sample(lines))


@pytest.mark.corpus
def test_phoenix_corpus_file_is_not_claimed(db: Database, corpus: Path) -> None:
    path = corpus / "openinference" / "phoenix_pxi_turn_trace.json"
    assert not OtelConsoleDump().sniff(read_sample(path))
    [result] = run(db, path)
    assert result.format != "otel-console"


# -- what an engineer sees, on every corpus file of the format ----------------------------------

# input and output tokens over each file's traces, as recorded in it
test_engineer_view = corpus_view_test(
    "other/vercel-ai-sdk",
    {
        "openinference-vercel_v6_all-spans.json": (152, 297),
    },
)
