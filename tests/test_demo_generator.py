"""The demo trace generator writes valid, deterministic collector-style OTLP JSON Lines."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from spanscope.demo import GeneratedSummary, iter_traces, write_otlp_jsonl
from spanscope.demo.generator import main

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
SPANS = 3000


def read_lines(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def all_spans(lines: list[dict]) -> list[dict]:
    return [
        span
        for line in lines
        for rs in line["resourceSpans"]
        for ss in rs["scopeSpans"]
        for span in ss["spans"]
    ]


def attrs(span: dict) -> dict:
    """Attribute values unwrapped from their AnyValue (arrays as lists of strings)."""
    out = {}
    for kv in span["attributes"]:
        ((kind, value),) = kv["value"].items()
        if kind == "arrayValue":
            value = [v["stringValue"] for v in value["values"]]
        elif kind == "intValue":
            value = int(value)
        out[kv["key"]] = value
    return out


def by_trace(spans: list[dict]) -> dict[str, list[dict]]:
    traces: dict[str, list[dict]] = defaultdict(list)
    for span in spans:
        traces[span["traceId"]].append(span)
    return traces


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[GeneratedSummary, list[dict]]:
    path = tmp_path_factory.mktemp("demo") / "fleet.jsonl"
    summary = write_otlp_jsonl(path, SPANS, seed=11)
    return summary, read_lines(path)


def test_every_line_is_a_traces_data_batch(generated):
    summary, lines = generated
    assert summary.bytes == summary.path.stat().st_size
    for line in lines:
        (rs,) = line["resourceSpans"]
        resource = attrs(rs["resource"])
        assert resource["service.name"] in {"support-agent", "returns-bot", "checkout-assistant"}
        assert "service.version" in resource and "deployment.environment" in resource
        (ss,) = rs["scopeSpans"]
        assert ss["scope"]["name"] and ss["scope"]["version"]
        assert ss["spans"]
    sizes = [len(all_spans([line])) for line in lines]
    assert sorted(sizes)[len(sizes) // 2] >= 20  # batches of ~20-60 spans
    # whole traces per line: no trace is split across lines
    owners: dict[str, int] = {}
    for n, line in enumerate(lines):
        for span in all_spans([line]):
            assert owners.setdefault(span["traceId"], n) == n


def test_span_count_is_exact_and_summary_matches(generated):
    summary, lines = generated
    spans = all_spans(lines)
    assert len(spans) == summary.spans == SPANS
    assert len(by_trace(spans)) == summary.traces


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 17, 50, 101])
def test_small_counts_are_exact(tmp_path, count):
    summary = write_otlp_jsonl(tmp_path / "small.jsonl", count)
    assert len(all_spans(read_lines(summary.path))) == count


def test_ids_are_lowercase_hex_and_unique(generated):
    spans = all_spans(generated[1])
    for span in spans:
        assert HEX32.match(span["traceId"])
        assert HEX16.match(span["spanId"])
        assert "parentSpanId" not in span or HEX16.match(span["parentSpanId"])
    assert len({s["spanId"] for s in spans}) == len(spans)


def test_parents_exist_and_children_nest_in_time(generated):
    for spans in by_trace(all_spans(generated[1])).values():
        index = {s["spanId"]: s for s in spans}
        roots = [s for s in spans if not s.get("parentSpanId")]
        assert len(roots) == 1
        for span in spans:
            start, end = int(span["startTimeUnixNano"]), int(span["endTimeUnixNano"])
            assert start <= end
            if span.get("parentSpanId"):
                parent = index[span["parentSpanId"]]
                assert int(parent["startTimeUnixNano"]) <= start
                assert end <= int(parent["endTimeUnixNano"])


def test_otlp_json_encoding_rules(generated):
    for span in all_spans(generated[1])[:500]:
        assert isinstance(span["kind"], int)
        assert isinstance(span["startTimeUnixNano"], str)
        for kv in span["attributes"]:
            value = kv["value"]
            assert len(value) == 1
            if "intValue" in value:
                assert isinstance(value["intValue"], str) and value["intValue"].isdigit()


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    a = write_otlp_jsonl(tmp_path / "a.jsonl", 400, seed=3)
    b = write_otlp_jsonl(tmp_path / "b.jsonl", 400, seed=3)
    c = write_otlp_jsonl(tmp_path / "c.jsonl", 400, seed=4)
    assert a.path.read_bytes() == b.path.read_bytes()
    assert a.path.read_bytes() != c.path.read_bytes()


def test_iter_traces_matches_the_file(generated):
    summary, lines = generated
    traces = list(iter_traces(SPANS, seed=11))
    assert sum(len(t) for t in traces) == SPANS
    assert len(traces) == summary.traces
    assert {s["spanId"] for t in traces for s in t} == {s["spanId"] for s in all_spans(lines)}


def test_conventions_mix(generated):
    counts: Counter[str] = Counter()
    for span in all_spans(generated[1]):
        a = attrs(span)
        counts["oi"] += "openinference.span.kind" in a
        counts["oi_retriever"] += a.get("openinference.span.kind") == "RETRIEVER"
        counts["genai"] += "gen_ai.input.messages" in a
        counts["legacy"] += "gen_ai.prompt.0.role" in a
        counts["embeddings"] += a.get("gen_ai.operation.name") == "embeddings"
        counts["reasoning"] += "gen_ai.usage.reasoning.output_tokens" in a
        counts["cache"] += "gen_ai.usage.cache_read.input_tokens" in a
    assert counts["genai"] > 4 * counts["legacy"] > 0
    assert counts["oi"] > 0 and counts["oi_retriever"] > 0
    assert counts["embeddings"] > 0 and counts["reasoning"] > 0 and counts["cache"] > 0


def test_genai_messages_follow_the_parts_schema(generated):
    seen_types: set[str] = set()
    for span in all_spans(generated[1]):
        a = attrs(span)
        if "gen_ai.output.messages" not in a:
            continue
        for message in json.loads(a["gen_ai.input.messages"]) + json.loads(
            a["gen_ai.output.messages"]
        ):
            assert message["role"] in {"user", "assistant", "tool"}
            seen_types.update(part["type"] for part in message["parts"])
        (output,) = json.loads(a["gen_ai.output.messages"])
        assert output["finish_reason"]
        assert a["gen_ai.response.model"] != a["gen_ai.request.model"] or "gemini" in span["name"]
    assert {"text", "tool_call", "tool_call_response"} <= seen_types


def test_errors_exist_with_exception_events(generated):
    errors = [s for s in all_spans(generated[1]) if s["status"].get("code") == 2]
    tool_errors = [s for s in errors if "gen_ai.tool.name" in attrs(s) or "tool.name" in attrs(s)]
    assert tool_errors
    for span in tool_errors:
        (event,) = span["events"]
        assert event["name"] == "exception"
        assert {"exception.type", "exception.message", "exception.stacktrace"} <= set(attrs(event))


def test_runaway_loop_exists(generated):
    loops = 0
    for spans in by_trace(all_spans(generated[1])).values():
        calls = Counter()
        for span in spans:
            a = attrs(span)
            name = a.get("gen_ai.tool.name") or a.get("tool.name")
            if name:
                calls[(name, a.get("gen_ai.tool.call.arguments") or a.get("input.value"))] += 1
        loops += any(n >= 5 for n in calls.values())
    assert loops >= 1


def test_incident_at_1402_quotes_the_outdated_policy(generated):
    day = datetime(2026, 11, 28, 14, 2, tzinfo=UTC).timestamp() * 1e9
    found = False
    for spans in by_trace(all_spans(generated[1])).values():
        root = next(s for s in spans if not s.get("parentSpanId"))
        if not day <= int(root["startTimeUnixNano"]) < day + 60e9:
            continue
        docs = [
            json.loads(a["gen_ai.retrieval.documents"])
            for a in map(attrs, spans)
            if "gen_ai.retrieval.documents" in a
        ]
        outputs = [attrs(s).get("gen_ai.output.messages", "") for s in spans]
        if docs and docs[0][0]["id"] == "kb-refund-policy-v5#2":
            found = found or any("90 days" in text for text in outputs)
    assert found


def test_gzip_and_cli(tmp_path, capsys):
    assert main([str(tmp_path / "cli.jsonl.gz"), "--spans", "120", "--gzip", "--seed", "5"]) == 0
    assert "120 spans" in capsys.readouterr().out
    plain = write_otlp_jsonl(tmp_path / "plain.jsonl", 120, seed=5)
    assert read_lines(tmp_path / "cli.jsonl.gz") == read_lines(plain.path)


def test_start_date_moves_the_day(tmp_path):
    start = datetime(2025, 1, 2, tzinfo=UTC)
    summary = write_otlp_jsonl(tmp_path / "d.jsonl", 200, start=start)
    times = [int(s["startTimeUnixNano"]) for s in all_spans(read_lines(summary.path))]
    assert start.timestamp() * 1e9 <= min(times) and max(times) < (start.timestamp() + 90000) * 1e9
