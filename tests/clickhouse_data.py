"""GenAI traces written twice from one description: into a ClickHouse ``otel_traces`` table
(created with the collector exporter's own DDL, rows as the exporter writes them: every
attribute as text, status and kind by name) and as an OTLP JSON file for the local import
(typed values). The ClickHouse source's tests compare the two answers."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from otlp_builder import attrs

DDL = Path(__file__).parent / "fixtures" / "clickhouse" / "otel_traces.sql"
T0 = 1_793_527_200_000_000_000  # 2026-11-01T10:00:00Z in ns
_MS = 1_000_000
# priced by the bundled prices, and one no price list knows (its calls stay unpriced)
_MODELS = (
    ("openai", "gpt-4o"),
    ("openai", "gpt-4o-mini"),
    ("anthropic", "claude-sonnet-4"),
    ("acme", "acme-small"),
)
_QUESTIONS = (
    "What is your refund policy?",
    "Where is my parcel?",
    "Can I change the delivery address?",
    "Cancel my subscription please",
)


@dataclass
class GenSpan:
    trace_id: str
    span_id: str
    parent: str
    name: str
    service: str
    start_ns: int
    duration_ns: int
    status: str = "Unset"  # as the exporter writes StatusCode: Unset, Ok, Error
    message: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    events: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)


def generate(traces: int = 60, seed: int = 7) -> list[GenSpan]:
    """Agent runs: a root, one to three model calls (some asking for a tool), tools (some
    failing), over two days, several services, users, sessions and tags."""
    rng = random.Random(seed)
    spans: list[GenSpan] = []
    for t in range(traces):
        trace_id = f"{t + 1:032x}"
        service = rng.choice(("checkout", "support", "search"))
        start = T0 + rng.randrange(0, 2 * 86_400_000) * _MS
        root = GenSpan(trace_id, f"{t + 1:08x}00000000", "", "agent.run", service, start, 0)
        root.attributes = {"gen_ai.operation.name": "invoke_agent", "user.id": f"u_{t % 7}"}
        if t % 3 == 0:
            root.attributes["session.id"] = f"s_{t % 5}"
        if t % 4 == 0:
            root.attributes["tag.tags"] = json.dumps(["beta"] if t % 8 else ["beta", "vip"])
        spans.append(root)
        clock, n = start + 5 * _MS, 0
        for _call in range(rng.randint(1, 3)):
            n += 1
            provider, model = rng.choice(_MODELS)
            duration = rng.randrange(200, 4000) * _MS
            question = rng.choice(_QUESTIONS)
            wants_tool = rng.random() < 0.5
            parts: list[dict[str, Any]] = [{"type": "text", "content": "Let me check."}]
            if wants_tool:
                parts.append(
                    {
                        "type": "tool_call",
                        "id": f"c{n}",
                        "name": "search_kb",
                        "arguments": {"query": question},
                    }
                )
            llm = GenSpan(
                trace_id,
                f"{t + 1:08x}{n:08x}",
                root.span_id,
                f"chat {model}",
                service,
                clock,
                duration,
            )
            llm.attributes = {
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": provider,
                "gen_ai.request.model": model,
                "gen_ai.usage.input_tokens": rng.randrange(100, 3000),
                "gen_ai.usage.output_tokens": rng.randrange(10, 800),
                "gen_ai.input.messages": json.dumps(
                    [{"role": "user", "parts": [{"type": "text", "content": question}]}]
                ),
                "gen_ai.output.messages": json.dumps([{"role": "assistant", "parts": parts}]),
            }
            if rng.random() < 0.3:  # the rest are priced from the price list
                llm.attributes["gen_ai.usage.cost"] = round(rng.uniform(0.0005, 0.03), 6)
            if rng.random() < 0.2:
                llm.attributes["gen_ai.usage.cache_read.input_tokens"] = rng.randrange(0, 100)
            roll = rng.random()
            if roll < 0.1:
                llm.status, llm.message = (
                    "Error",
                    f"rate limited, retry after {rng.randrange(2, 60)}s",
                )
            elif roll < 0.15:  # an exception event on an unset status still fails the call
                llm.events.append(
                    (
                        clock + duration,
                        "exception",
                        {
                            "exception.type": "TimeoutError",
                            "exception.message": f"upstream took {rng.randrange(30, 90)} s",
                        },
                    )
                )
            elif roll < 0.25:
                llm.attributes["gen_ai.response.finish_reasons"] = ["length"]
            elif roll < 0.3:
                llm.attributes["gen_ai.response.finish_reasons"] = ["content_filter"]
            spans.append(llm)
            clock += duration + 2 * _MS
            if wants_tool:
                n += 1
                tool = GenSpan(
                    trace_id,
                    f"{t + 1:08x}{n:08x}",
                    root.span_id,
                    "execute_tool search_kb",
                    service,
                    clock,
                    rng.randrange(20, 1500) * _MS,
                )
                tool.attributes = {
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "search_kb",
                    "gen_ai.tool.call.arguments": json.dumps({"query": question}),
                    "gen_ai.tool.call.result": "Refunds within 30 days"
                    if "refund" in question
                    else "no match",
                }
                if rng.random() < 0.2:
                    tool.status, tool.message = (
                        "Error",
                        rng.choice(
                            (
                                "knowledge base timed out",
                                f"order A-{rng.randrange(100, 999)} not found",
                                f"order 'B{rng.randrange(10, 99)}' not found",
                            )
                        ),
                    )
                elif rng.random() < 0.5:
                    tool.status = "Ok"
                spans.append(tool)
                clock += tool.duration_ns + 2 * _MS
        root.duration_ns = clock - start
    return spans


def _seconds(ns: int) -> str:
    return f"{ns // 1_000_000_000}.{ns % 1_000_000_000:09d}"


def _text(value: Any) -> str:
    """An attribute value as the exporter writes it: text, lists as JSON."""
    return json.dumps(value) if isinstance(value, list) else str(value)


def exporter_rows(spans: list[GenSpan]) -> str:
    """The spans as JSON Lines in the exporter's columns: every attribute value as text."""
    lines = []
    for s in spans:
        lines.append(
            json.dumps(
                {
                    "Timestamp": _seconds(s.start_ns),
                    "TraceId": s.trace_id,
                    "SpanId": s.span_id,
                    "ParentSpanId": s.parent,
                    "TraceState": "",
                    "SpanName": s.name,
                    "SpanKind": "Client" if s.parent else "Internal",
                    "ServiceName": s.service,
                    "ResourceAttributes": {"service.name": s.service},
                    "ScopeName": "tests",
                    "ScopeVersion": "1",
                    "SpanAttributes": {k: _text(v) for k, v in s.attributes.items()},
                    "Duration": s.duration_ns,
                    "StatusCode": s.status,
                    "StatusMessage": s.message,
                    "Events.Timestamp": [_seconds(at) for at, _, _ in s.events],
                    "Events.Name": [name for _, name, _ in s.events],
                    "Events.Attributes": [
                        {k: str(v) for k, v in a.items()} for _, _, a in s.events
                    ],
                }
            )
        )
    return "\n".join(lines)


def fill(folder: Path, spans: list[GenSpan], table: str = "otel_traces") -> Path:
    """A ClickHouse data folder (in-process, through clickhouse-connect's chdb interface)
    holding ``table``, created with the exporter's DDL, with ``spans`` in it."""
    import clickhouse_connect

    client = clickhouse_connect.get_client(interface="chdb", path=str(folder))
    try:
        client.command(DDL.read_text(encoding="utf-8").replace("otel_traces", table, 1))
        client.command(f"INSERT INTO {table} FORMAT JSONEachRow\n" + exporter_rows(spans))
    finally:
        client.close()
    return folder


def otlp_file(spans: list[GenSpan], path: Path) -> Path:
    """The same spans as the OTLP JSON the collector received, typed values and all."""
    by_service: dict[str, list[dict[str, Any]]] = {}
    for s in spans:
        span: dict[str, Any] = {
            "traceId": s.trace_id,
            "spanId": s.span_id,
            "name": s.name,
            "kind": 3 if s.parent else 1,
            "startTimeUnixNano": str(s.start_ns),
            "endTimeUnixNano": str(s.start_ns + s.duration_ns),
            "attributes": attrs(s.attributes),
            "status": {"code": {"Unset": 0, "Ok": 1, "Error": 2}[s.status], "message": s.message},
        }
        if s.parent:
            span["parentSpanId"] = s.parent
        if s.events:
            span["events"] = [
                {"timeUnixNano": str(at), "name": name, "attributes": attrs(a)}
                for at, name, a in s.events
            ]
        by_service.setdefault(s.service, []).append(span)
    document = {
        "resourceSpans": [
            {
                "resource": {"attributes": attrs({"service.name": service})},
                "scopeSpans": [{"scope": {"name": "tests", "version": "1"}, "spans": spans_}],
            }
            for service, spans_ in sorted(by_service.items())
        ]
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path
