"""OTLP protobuf import: single messages and the collector file exporter's length-prefixed
files, plain or compressed, mapped exactly like the JSON form of the same documents."""

from __future__ import annotations

import base64
import copy
import gzip
import json
import random
from pathlib import Path
from typing import Any

import pytest
import zstandard

from otlp_builder import LLM, ROOT, TOOL, TRACE, agent_trace, attrs, document, span, write_json
from spanscope.importers import otlp_proto
from spanscope.importers.base import read_sample
from spanscope.importers.otel_console import OtelConsoleDump
from spanscope.importers.otlp_proto import OtlpProtobuf
from spanscope.model import ImportStatus
from spanscope.store import Database, queries
from store_checks import counts, import_one, imported

json_format = pytest.importorskip("google.protobuf.json_format")
trace_pb2 = pytest.importorskip("opentelemetry.proto.trace.v1.trace_pb2")
logs_pb2 = pytest.importorskip("opentelemetry.proto.logs.v1.logs_pb2")

BIG = 2**62 + 1  # an int64 attribute no float can hold


def rich_document() -> dict[str, Any]:
    """The agent trace of the OTLP tests plus a span with every AnyValue type, a link, and a
    second resource with an OpenInference span."""
    doc = document(agent_trace())
    odd = span(
        TRACE,
        "bbbbbbbbbbbbbbb1",
        "values",
        parent=ROOT,
        start=2000,
        duration_ms=5,
        kind=3,
        attributes={
            "big": BIG,
            "ratio": 0.125,
            "flag": True,
            "names": ["a", "b"],
            "nested": {"k": "v", "n": 2},
        },
    )
    odd["attributes"].append(
        {"key": "blob", "value": {"bytesValue": base64.b64encode(b"\x00\xff").decode()}}
    )
    odd["links"] = [
        {"traceId": "ab" * 16, "spanId": "cd" * 8, "attributes": attrs({"why": "retry"})}
    ]
    odd["status"] = {"code": 1}
    doc["resourceSpans"][0]["scopeSpans"][0]["spans"].append(odd)
    oi = span(
        "0af7651916cd43dd8448eb211c80319c",
        "cccccccccccccc01",
        "ChatOpenAI",
        attributes={
            "openinference.span.kind": "LLM",
            "llm.model_name": "gpt-4o-mini",
            "llm.token_count.prompt": 30,
            "llm.token_count.completion": 7,
            "llm.input_messages.0.message.role": "user",
            "llm.input_messages.0.message.content": "hi",
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.content": "hello",
        },
    )
    doc["resourceSpans"].append(
        {
            "resource": {
                "attributes": attrs({"service.name": "rag-api", "deployment.environment": "prod"})
            },
            "scopeSpans": [
                {
                    "scope": {
                        "name": "openinference.instrumentation.langchain",
                        "version": "0.1.2",
                        "attributes": attrs({"lib": "lc"}),
                    },
                    "spans": [oi],
                }
            ],
        }
    )
    return doc


def to_message(doc: dict[str, Any]) -> Any:
    """The TracesData of an OTLP JSON document (protobuf JSON writes bytes ids as base64)."""
    proto_json = copy.deepcopy(doc)
    for rs in proto_json["resourceSpans"]:
        for ss in rs.get("scopeSpans", []):
            for sp in ss["spans"]:
                for item in [sp, *sp.get("links", [])]:
                    for key in ("traceId", "spanId", "parentSpanId"):
                        if item.get(key):
                            item[key] = base64.b64encode(bytes.fromhex(item[key])).decode()
    return json_format.ParseDict(proto_json, trace_pb2.TracesData())


def split(doc: dict[str, Any]) -> list[bytes]:
    """One serialized TracesData per resource, as a collector exporting in batches writes them."""
    return [to_message({"resourceSpans": [rs]}).SerializeToString() for rs in doc["resourceSpans"]]


def framed(messages: list[bytes]) -> bytes:
    """The file exporter's ``format: proto``: each message after its 4-byte big-endian length."""
    return b"".join(len(m).to_bytes(4, "big") + m for m in messages)


def shape_bytes(doc: dict[str, Any], shape: str) -> bytes:
    single = to_message(doc).SerializeToString()
    zstd = zstandard.ZstdCompressor()
    return {
        "single": single,
        "single-gzip": gzip.compress(single),
        "framed": framed(split(doc)),
        "framed-gzip": gzip.compress(framed(split(doc))),
        # the exporter's native compression: the framed stream inside zstd, one frame per write
        "framed-zstd": b"".join(zstd.compress(framed([m])) for m in split(doc)),
        # the exporter's older per-message compression: each framed payload is a zstd frame
        "framed-zstd-messages": framed([zstd.compress(m) for m in split(doc)]),
    }[shape]


# What must come out the same from the protobuf and the JSON form of a document.
COMPARED = (
    "trace_id, span_id, parent_span_id, name, kind, span_kind, start_ns, end_ns, status, "
    "status_message, error_type, service, provider, request_model, response_model, model, "
    "operation, params, input_tokens, output_tokens, cache_read_tokens, reasoning_tokens, "
    "total_tokens, session_id, user_id, tags, tool_name, preview, input_messages, "
    "output_messages, tool_calls, documents, attributes, resource, scope, events, links, conventions"
)
JSON_COLUMNS = ("params", "attributes", "resource", "scope", "events", "links")


def spans_of(db: Database) -> list[dict[str, Any]]:
    rows = (
        db.reader().sql(f"SELECT {COMPARED} FROM spans ORDER BY trace_id, span_id").to_arrow_table()
    )
    out = rows.to_pylist()
    for row in out:
        for key in JSON_COLUMNS:
            row[key] = json.loads(row[key]) if row[key] is not None else None
    return out


class JsonForm:
    """What importing the JSON form of :func:`rich_document` gives."""

    def __init__(self, spans: list[dict[str, Any]], warnings: list[str]) -> None:
        self.spans, self.warnings = spans, warnings


@pytest.fixture
def json_form(tmp_path: Path) -> JsonForm:
    database = Database.open(tmp_path / "json.duckdb")
    try:
        result = imported(
            database, write_json(tmp_path / "doc.json", rich_document()), fmt="otlp-json"
        )
        assert (result.spans, result.traces) == (6, 2)
        # the span with only odd values carries no LLM convention
        assert len(result.warnings) == 1 and "(kind 'other')" in result.warnings[0]
        return JsonForm(spans_of(database), result.warnings)
    finally:
        database.close()


@pytest.mark.parametrize(
    "shape",
    ["single", "single-gzip", "framed", "framed-gzip", "framed-zstd", "framed-zstd-messages"],
)
def test_same_result_as_the_json_form(
    db: Database, tmp_path: Path, shape: str, json_form: JsonForm
) -> None:
    path = tmp_path / "traces.bin"
    path.write_bytes(shape_bytes(rich_document(), shape))
    result = imported(db, path, fmt="otlp-protobuf")
    assert (result.spans, result.traces) == (6, 2)
    assert result.warnings == json_form.warnings
    assert spans_of(db) == json_form.spans


def test_mapped_values(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "traces.pb"
    path.write_bytes(to_message(rich_document()).SerializeToString())
    imported(db, path, fmt="otlp-protobuf")
    cur = db.reader()
    llm = queries.span_detail(cur, TRACE, LLM)
    assert llm is not None
    assert (llm["kind"], llm["model"], llm["provider"]) == ("llm", "gpt-4o-2024-08-06", "openai")
    assert (llm["input_tokens"], llm["output_tokens"], llm["cache_read_tokens"]) == (1200, 80, 1000)
    assert [(m["role"], m["content"]) for m in llm["input_messages"]] == [
        ("system", "Be brief."),
        ("user", "What is your refund policy?"),
    ]
    assert [(c["call_id"], c["name"]) for c in llm["tool_calls"]] == [("call_1", "search_kb")]
    tool = queries.span_detail(cur, TRACE, TOOL)
    assert tool is not None
    assert (tool["kind"], tool["status"], tool["error_type"]) == ("tool", "error", "TimeoutError")

    odd = queries.span_detail(cur, TRACE, "bbbbbbbbbbbbbbb1")
    assert odd is not None
    assert (odd["span_kind"], odd["status"]) == ("client", "ok")
    values = json.loads(odd["attributes"])
    assert values["big"] == BIG  # exact, never through a float
    assert (values["ratio"], values["flag"], values["names"]) == (0.125, True, ["a", "b"])
    assert values["nested"] == {"k": "v", "n": 2}
    assert values["blob"] == base64.b64encode(b"\x00\xff").decode()
    [link] = json.loads(odd["links"])
    assert (link["trace_id"], link["span_id"], link["attributes"]) == (
        "ab" * 16,
        "cd" * 8,
        {"why": "retry"},
    )

    oi = queries.span_detail(cur, "0af7651916cd43dd8448eb211c80319c", "cccccccccccccc01")
    assert oi is not None
    assert (oi["kind"], oi["model"], oi["service"]) == ("llm", "gpt-4o-mini", "rag-api")
    assert (oi["input_tokens"], oi["output_tokens"]) == (30, 7)
    assert json.loads(oi["scope"]) == {
        "name": "openinference.instrumentation.langchain",
        "version": "0.1.2",
        "attributes": {"lib": "lc"},
    }


def test_large_scope_spans_are_read_span_by_span(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, json_form: JsonForm
) -> None:
    monkeypatch.setattr(otlp_proto, "PARSE_WHOLE_BYTES", 0)
    path = tmp_path / "traces.pb"
    path.write_bytes(to_message(rich_document()).SerializeToString())
    imported(db, path, fmt="otlp-protobuf")
    assert spans_of(db) == json_form.spans


def test_many_messages_in_several_batches(db: Database, tmp_path: Path) -> None:
    messages = []
    for m in range(30):
        spans = [
            span(f"{m:032x}", f"{m:08x}{i:08x}", f"step {i}", attributes={"i": i})
            for i in range(1, 201)
        ]
        messages.append(to_message(document(spans)).SerializeToString())
    path = tmp_path / "collector.proto"
    path.write_bytes(framed(messages))
    result = imported(db, path, fmt="otlp-protobuf")
    assert (result.spans, result.traces) == (6000, 30)


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def test_old_instrumentation_library_spans(db: Database, tmp_path: Path) -> None:
    # OTLP before 0.15: ResourceSpans.instrumentation_library_spans (field 1000), whose message
    # has the same layout as ScopeSpans.
    doc = document(agent_trace())
    rs = to_message(doc).resource_spans[0]
    old = field(1, rs.resource.SerializeToString()) + field(
        1000, rs.scope_spans[0].SerializeToString()
    )
    path = tmp_path / "old.pb"
    path.write_bytes(field(1, old))
    result = imported(db, path, fmt="otlp-protobuf")
    assert (result.spans, result.traces) == (4, 1)
    llm = queries.span_detail(db.reader(), TRACE, LLM)
    assert llm is not None and (llm["kind"], llm["service"]) == ("llm", "checkout")


# -- bad input --------------------------------------------------------------------------------


def failed(db: Database, path: Path) -> str:
    result = import_one(db, path)
    assert result.status is ImportStatus.FAILED
    assert result.format == "otlp-protobuf"
    assert result.error.startswith(f"{path}: ")
    spans, _traces, sources = counts(db)
    assert (spans, sources) == (0, 0)  # nothing of the file stays
    return str(result.error)


def test_truncated_single_message(db: Database, tmp_path: Path) -> None:
    data = to_message(rich_document()).SerializeToString()
    path = tmp_path / "cut.pb"
    path.write_bytes(data[:-10])
    error = failed(db, path)
    assert f"the file ends inside a protobuf message at byte {len(data) - 10} (truncated)" in error


def test_truncated_framed_file_is_rolled_back(db: Database, tmp_path: Path) -> None:
    data = framed(split(rich_document()))
    path = tmp_path / "cut.proto"
    path.write_bytes(data[:-10])  # the first message is whole, the second is cut
    error = failed(db, path)
    assert f"at byte {len(data) - 10}, inside message 2 (truncated)" in error


def test_truncated_gzip_file(db: Database, tmp_path: Path) -> None:
    data = gzip.compress(framed(split(rich_document())))
    path = tmp_path / "cut.proto.gz"
    path.write_bytes(data[:-30])
    error = failed(db, path)
    assert "the gzip data is damaged or cut short near byte " in error


def test_damaged_message(db: Database, tmp_path: Path) -> None:
    messages = split(rich_document())
    second = bytearray(messages[1])
    name_at = bytes(second).index(b"ChatOpenAI")
    second[name_at] = 0xFF  # not UTF-8 any more
    path = tmp_path / "bad.proto"
    path.write_bytes(framed([messages[0], bytes(second)]))
    error = failed(db, path)
    assert "damaged protobuf at byte" in error and "of message 2" in error


def test_other_content_is_not_claimed(tmp_path: Path) -> None:
    sniffer = OtlpProtobuf()
    rng = random.Random(42)
    doc = rich_document()
    logs = json_format.ParseDict(
        {
            "resourceLogs": [
                {
                    "scopeLogs": [
                        {
                            "logRecords": [
                                {
                                    "timeUnixNano": "1764338400000000000",
                                    "body": {"stringValue": "hello"},
                                    "traceId": base64.b64encode(bytes(16)).decode(),
                                    "spanId": base64.b64encode(bytes(8)).decode(),
                                }
                            ]
                        }
                    ]
                }
            ]
        },
        logs_pb2.LogsData(),
    ).SerializeToString()
    candidates = {
        "otlp.json": json.dumps(doc).encode(),
        "otlp-lines.json": b"\n" + json.dumps(doc).encode() + b"\n",
        "logs.pb": logs,
        "logs.proto": framed([logs]),
        "random.bin": rng.randbytes(4096),
        "random-0a.bin": b"\x0a" + rng.randbytes(4096),
        "random-framed.bin": (300).to_bytes(4, "big") + b"\x0a" + rng.randbytes(4096),
        "empty.pb": b"",
        "no-spans.pb": to_message(
            {"resourceSpans": [{"resource": {}, "scopeSpans": []}]}
        ).SerializeToString(),
    }
    for name, data in candidates.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert not sniffer.sniff(read_sample(path)), name
    # and a protobuf file is no console dump
    path = tmp_path / "traces.pb"
    path.write_bytes(to_message(doc).SerializeToString())
    assert sniffer.sniff(read_sample(path))
    assert not OtelConsoleDump().sniff(read_sample(path))
