"""Builds small OTLP JSON documents for tests, so fixtures say exactly what they contain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

T0 = 1_764_338_400_000_000_000  # 2025-11-28T14:00:00Z in ns


def value(v: Any) -> dict[str, Any]:
    """A Python value as an OTLP AnyValue."""
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, list):
        return {"arrayValue": {"values": [value(x) for x in v]}}
    if isinstance(v, dict):
        return {"kvlistValue": {"values": [{"key": k, "value": value(x)} for k, x in v.items()]}}
    return {"stringValue": v}


def attrs(mapping: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": value(v)} for k, v in mapping.items()]


def span(
    trace: str,
    span_id: str,
    name: str,
    *,
    parent: str | None = None,
    start: int = 0,
    duration_ms: int = 100,
    attributes: dict[str, Any] | None = None,
    status: int | None = None,
    message: str | None = None,
    events: list[dict[str, Any]] | None = None,
    kind: int = 1,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "traceId": trace,
        "spanId": span_id,
        "name": name,
        "kind": kind,
        "startTimeUnixNano": str(T0 + start * 1_000_000),
        "endTimeUnixNano": str(T0 + (start + duration_ms) * 1_000_000),
        "attributes": attrs(attributes or {}),
    }
    if parent:
        out["parentSpanId"] = parent
    if status is not None:
        out["status"] = {"code": status, **({"message": message} if message else {})}
    if events:
        out["events"] = [
            {
                "name": e["name"],
                "timeUnixNano": str(T0),
                "attributes": attrs(e.get("attributes", {})),
            }
            for e in events
        ]
    return out


def document(spans: list[dict[str, Any]], service: str = "checkout") -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": attrs({"service.name": service})},
                "scopeSpans": [{"scope": {"name": "tests", "version": "1"}, "spans": spans}],
            }
        ]
    }


def write_json(path: Path, doc: Any, *, indent: int | None = None) -> Path:
    path.write_text(json.dumps(doc, indent=indent), encoding="utf-8")
    return path


def write_jsonl(path: Path, docs: list[Any]) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


TRACE = "5b8efff798038103d269b633813fc60c"
ROOT = "eee19b7ec3c1b174"
LLM = "aaaaaaaaaaaaaaa1"
TOOL = "aaaaaaaaaaaaaaa2"
RETRIEVER = "aaaaaaaaaaaaaaa3"


def agent_trace(trace: str = TRACE) -> list[dict[str, Any]]:
    """A small agent run: retrieval, a model call requesting a tool, the tool (which fails)."""
    messages_in = [
        {"role": "user", "parts": [{"type": "text", "content": "What is your refund policy?"}]},
    ]
    messages_out = [
        {
            "role": "assistant",
            "parts": [
                {"type": "text", "content": "Let me look that up."},
                {
                    "type": "tool_call",
                    "id": "call_1",
                    "name": "search_kb",
                    "arguments": {"query": "refund policy"},
                },
            ],
            "finish_reason": "tool_call",
        }
    ]
    return [
        span(
            trace,
            ROOT,
            "invoke_agent support",
            duration_ms=3000,
            attributes={
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": "support",
                "session.id": "s_1",
                "user.id": "u_42",
                "tag.tags": ["beta", "eu"],
            },
        ),
        span(
            trace,
            RETRIEVER,
            "retrieval kb",
            parent=ROOT,
            start=10,
            duration_ms=50,
            attributes={
                "gen_ai.operation.name": "retrieval",
                "gen_ai.retrieval.query.text": "refund policy",
                "gen_ai.retrieval.documents": json.dumps(
                    [
                        {"id": "doc-1", "score": 0.91, "content": "Refunds within 30 days."},
                        {"id": "doc-2", "score": 0.42, "content": "Shipping takes 3 days."},
                    ]
                ),
            },
        ),
        span(
            trace,
            LLM,
            "chat gpt-4o",
            parent=ROOT,
            start=100,
            duration_ms=1200,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.response.model": "gpt-4o-2024-08-06",
                "gen_ai.request.temperature": 0.2,
                "gen_ai.request.max_tokens": 512,
                "gen_ai.usage.input_tokens": 1200,
                "gen_ai.usage.output_tokens": 80,
                "gen_ai.usage.cache_read.input_tokens": 1000,
                "gen_ai.usage.reasoning.output_tokens": 20,
                "gen_ai.system_instructions": json.dumps(
                    [{"type": "text", "content": "Be brief."}]
                ),
                "gen_ai.input.messages": json.dumps(messages_in),
                "gen_ai.output.messages": json.dumps(messages_out),
            },
        ),
        span(
            trace,
            TOOL,
            "execute_tool search_kb",
            parent=LLM,
            start=1400,
            duration_ms=30,
            status=2,
            message="timeout after 30ms",
            attributes={
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "search_kb",
                "gen_ai.tool.call.id": "call_1",
                "gen_ai.tool.call.arguments": '{"query": "refund policy"}',
                "error.type": "TimeoutError",
            },
            events=[
                {
                    "name": "exception",
                    "attributes": {
                        "exception.type": "TimeoutError",
                        "exception.message": "timeout",
                    },
                }
            ],
        ),
    ]


def _value_keeping_half_decoded(v: Any) -> dict[str, Any]:
    """Like :func:`value`, but an array already written as ``{"values": [AnyValue...]}`` (the
    half-decoded form some exporters write) is kept exactly as it is."""
    if isinstance(v, dict) and set(v) == {"values"} and isinstance(v["values"], list):
        return v
    return value(v)


def attributes_document(
    attributes: dict[str, Any],
    *,
    name: str,
    scope: str = "tests",
    trace: str = TRACE,
    span_id: str = ROOT,
    service: str = "corpus",
    keep_half_decoded: bool = False,
    plain_map: bool = False,
) -> dict[str, Any]:
    """One span carrying a flat attribute dict, wrapped in an OTLP envelope.

    Values are encoded as real AnyValues. ``keep_half_decoded`` leaves ``{"values": [...]}``
    arrays as they are; ``plain_map`` writes the attributes as a plain JSON object (scalars
    unwrapped), the way some converters dump them.
    """
    sp = span(trace, span_id, name, duration_ms=250)
    if plain_map:
        sp["attributes"] = dict(attributes)
    elif keep_half_decoded:
        sp["attributes"] = [
            {"key": k, "value": _value_keeping_half_decoded(v)} for k, v in attributes.items()
        ]
    else:
        sp["attributes"] = attrs(attributes)
    doc = document([sp], service=service)
    doc["resourceSpans"][0]["scopeSpans"][0]["scope"] = {"name": scope}
    return doc
