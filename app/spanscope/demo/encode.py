"""OTLP JSON attribute encoding for the demo traces, in three instrumentation conventions.

``genai``  current OTel GenAI semantic conventions (structured message JSON, provider.name).
``oi``     OpenInference: flattened ``llm.input_messages.{i}.message.*`` and friends.
``legacy`` older GenAI/OpenLLMetry: ``gen_ai.system``, prompt/completion token names and
           flattened ``gen_ai.prompt.{i}.*`` / ``gen_ai.completion.{i}.*`` attributes.
"""

from __future__ import annotations

import json
from typing import Any

from spanscope.demo.story import EMBEDDING_MODEL

KV = dict[str, Any]
JSON = dict[str, Any]
dumps = json.JSONEncoder(separators=(",", ":")).encode


def s(key: str, value: str) -> KV:
    return {"key": key, "value": {"stringValue": value}}


def i(key: str, value: int) -> KV:
    return {"key": key, "value": {"intValue": str(value)}}


def f(key: str, value: float) -> KV:
    return {"key": key, "value": {"doubleValue": value}}


def arr(key: str, values: list[str]) -> KV:
    return {"key": key, "value": {"arrayValue": {"values": [{"stringValue": v} for v in values]}}}


class Msg:
    """One chat message; its semconv JSON is encoded once and reused by later calls."""

    __slots__ = ("role", "text", "calls", "call_id", "response", "finish", "json")

    def __init__(
        self,
        role: str,
        text: str | None = None,
        calls: list[tuple[str, str, JSON, str]] | None = None,
        call_id: str | None = None,
        response: str | None = None,
        finish: str | None = None,
        extra: str | None = None,
    ) -> None:
        self.role, self.calls = role, calls or []
        self.text = text + "\n\n" + extra if text and extra else text
        self.call_id, self.response, self.finish = call_id, response, finish
        if call_id is not None:  # the response is already JSON text: splice it in as is
            self.json = (
                f'{{"role":{dumps(role)},"parts":[{{"type":"tool_call_response",'
                f'"id":{dumps(call_id)},"response":{response or "null"}}}]}}'
            )
            return
        parts: list[JSON] = [{"type": "text", "content": t} for t in (text, extra) if t]
        for cid, name, args, _ in self.calls:
            parts.append({"type": "tool_call", "id": cid, "name": name, "arguments": args})
        body: dict[str, Any] = {"role": role, "parts": parts}
        if finish:
            body["finish_reason"] = finish
        self.json = dumps(body)


def agent_attrs(conv: str, ctx: JSON, service: str, question: str, answer: str) -> list[KV]:
    common = [
        s("session.id", ctx["session"]),
        s("user.id", ctx["user"]),
        arr("tag.tags", ctx["tags"]),
    ]
    if conv == "oi":
        meta = dumps({"channel": ctx["channel"], "tier": ctx["tier"]})
        return [
            s("openinference.span.kind", "AGENT"),
            s("agent.name", service),
            *common,
            s("metadata", meta),
            s("input.value", question),
            s("input.mime_type", "text/plain"),
            s("output.value", answer),
            s("output.mime_type", "text/plain"),
        ]
    out = [
        s("gen_ai.operation.name", "invoke_agent"),
        s("gen_ai.agent.name", service),
        s("gen_ai.agent.id", ctx["agent_id"]),
        s("gen_ai.conversation.id", ctx["session"]),
        *common,
        s("acme.channel", ctx["channel"]),
        s("acme.customer_tier", ctx["tier"]),
    ]
    if conv == "legacy":
        out += [s("traceloop.span.kind", "workflow"), s("traceloop.workflow.name", service)]
    return out


def tool_name(conv: str, tool: str) -> str:
    return tool if conv == "oi" else "execute_tool " + tool


def tool_attrs(
    conv: str,
    tool: str,
    call_id: str,
    args: str,
    result: str | None,
    error_type: str | None,
    ctx: JSON,
) -> list[KV]:
    if conv == "oi":
        attrs = [
            s("openinference.span.kind", "TOOL"),
            s("tool.name", tool),
            s("tool.id", call_id),
            s("session.id", ctx["session"]),
            s("user.id", ctx["user"]),
            s("input.value", args),
            s("input.mime_type", "application/json"),
        ]
        if result is not None:
            attrs += [s("output.value", result), s("output.mime_type", "application/json")]
    else:
        attrs = [
            s("gen_ai.operation.name", "execute_tool"),
            s("gen_ai.tool.name", tool),
            s("gen_ai.tool.call.id", call_id),
            s("gen_ai.tool.type", "function"),
            s("gen_ai.tool.call.arguments", args),
        ]
        if result is not None:
            attrs.append(s("gen_ai.tool.call.result", result))
        if conv == "legacy":
            attrs += [s("traceloop.span.kind", "tool"), s("traceloop.entity.name", tool)]
    if error_type:
        attrs.append(s("error.type", error_type))
    return attrs


def retrieval_name(conv: str) -> str:
    return "retrieve" if conv == "oi" else "retrieval acme-kb"


def retrieval_attrs(conv: str, query: str, docs: list[JSON], ctx: JSON) -> list[KV]:
    if conv != "oi":
        return [
            s("gen_ai.operation.name", "retrieval"),
            s("gen_ai.data_source.id", "acme-kb"),
            s("gen_ai.retrieval.query.text", query),
            i("gen_ai.request.top_k", len(docs)),
            s("gen_ai.retrieval.documents", dumps(docs)),
        ]
    attrs = [
        s("openinference.span.kind", "RETRIEVER"),
        s("input.value", query),
        s("session.id", ctx["session"]),
        s("user.id", ctx["user"]),
    ]
    for n, d in enumerate(docs):
        p = f"retrieval.documents.{n}.document."
        attrs += [
            s(p + "id", d["id"]),
            s(p + "content", d["content"]),
            f(p + "score", d["score"]),
            s(p + "metadata", dumps(d["metadata"])),
        ]
    return attrs


def embedding_name(conv: str) -> str:
    return {"oi": "CreateEmbeddings", "legacy": "openai.embeddings"}.get(
        conv, "embeddings " + EMBEDDING_MODEL
    )


def embedding_attrs(conv: str, text: str, tokens: int) -> list[KV]:
    if conv == "oi":
        return [
            s("openinference.span.kind", "EMBEDDING"),
            s("embedding.model_name", EMBEDDING_MODEL),
            s("embedding.embeddings.0.embedding.text", text),
            i("llm.token_count.prompt", tokens),
            i("llm.token_count.total", tokens),
        ]
    if conv == "legacy":
        return [
            s("gen_ai.system", "openai"),
            s("llm.request.type", "embedding"),
            s("gen_ai.request.model", EMBEDDING_MODEL),
            i("gen_ai.usage.prompt_tokens", tokens),
        ]
    return [
        s("gen_ai.operation.name", "embeddings"),
        s("gen_ai.provider.name", "openai"),
        s("gen_ai.request.model", EMBEDDING_MODEL),
        s("gen_ai.response.model", EMBEDDING_MODEL),
        i("gen_ai.embeddings.dimension.count", 1536),
        i("gen_ai.usage.input_tokens", tokens),
    ]


def exception_event(time_ns: int, etype: str, message: str, stack: str) -> JSON:
    return {
        "timeUnixNano": str(time_ns),
        "name": "exception",
        "attributes": [
            s("exception.type", etype),
            s("exception.message", message),
            s("exception.stacktrace", stack),
            {"key": "exception.escaped", "value": {"boolValue": True}},
        ],
    }
