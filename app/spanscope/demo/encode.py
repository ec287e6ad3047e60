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
from spanscope.model import conventions

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
        s(conventions.SESSION_ID, ctx["session"]),
        s(conventions.USER_ID, ctx["user"]),
        arr(conventions.TAG_TAGS, ctx["tags"]),
    ]
    if conv == "oi":
        meta = dumps({"channel": ctx["channel"], "tier": ctx["tier"]})
        return [
            s(conventions.OPENINFERENCE_SPAN_KIND, "AGENT"),
            s("agent.name", service),
            *common,
            s("metadata", meta),
            s(conventions.INPUT_VALUE, question),
            s("input.mime_type", "text/plain"),
            s(conventions.OUTPUT_VALUE, answer),
            s("output.mime_type", "text/plain"),
        ]
    out = [
        s(conventions.GEN_AI_OPERATION_NAME, "invoke_agent"),
        s("gen_ai.agent.name", service),
        s("gen_ai.agent.id", ctx["agent_id"]),
        s(conventions.GEN_AI_CONVERSATION_ID, ctx["session"]),
        *common,
        s("acme.channel", ctx["channel"]),
        s("acme.customer_tier", ctx["tier"]),
    ]
    if conv == "legacy":
        out += [
            s(conventions.TRACELOOP_SPAN_KIND, "workflow"),
            s("traceloop.workflow.name", service),
        ]
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
            s(conventions.OPENINFERENCE_SPAN_KIND, "TOOL"),
            s(conventions.TOOL_NAME, tool),
            s(conventions.TOOL_ID, call_id),
            s(conventions.SESSION_ID, ctx["session"]),
            s(conventions.USER_ID, ctx["user"]),
            s(conventions.INPUT_VALUE, args),
            s("input.mime_type", "application/json"),
        ]
        if result is not None:
            attrs += [
                s(conventions.OUTPUT_VALUE, result),
                s("output.mime_type", "application/json"),
            ]
    else:
        attrs = [
            s(conventions.GEN_AI_OPERATION_NAME, "execute_tool"),
            s(conventions.GEN_AI_TOOL_NAME, tool),
            s(conventions.GEN_AI_TOOL_CALL_ID, call_id),
            s("gen_ai.tool.type", "function"),
            s(conventions.GEN_AI_TOOL_CALL_ARGUMENTS, args),
        ]
        if result is not None:
            attrs.append(s(conventions.GEN_AI_TOOL_CALL_RESULT, result))
        if conv == "legacy":
            attrs += [s(conventions.TRACELOOP_SPAN_KIND, "tool"), s("traceloop.entity.name", tool)]
    if error_type:
        attrs.append(s(conventions.ERROR_TYPE, error_type))
    return attrs


def retrieval_name(conv: str) -> str:
    return "retrieve" if conv == "oi" else "retrieval acme-kb"


def retrieval_attrs(conv: str, query: str, docs: list[JSON], ctx: JSON) -> list[KV]:
    if conv != "oi":
        return [
            s(conventions.GEN_AI_OPERATION_NAME, "retrieval"),
            s("gen_ai.data_source.id", "acme-kb"),
            s(conventions.GEN_AI_RETRIEVAL_QUERY_TEXT, query),
            i("gen_ai.request.top_k", len(docs)),
            s(conventions.GEN_AI_RETRIEVAL_DOCUMENTS, dumps(docs)),
        ]
    attrs = [
        s(conventions.OPENINFERENCE_SPAN_KIND, "RETRIEVER"),
        s(conventions.INPUT_VALUE, query),
        s(conventions.SESSION_ID, ctx["session"]),
        s(conventions.USER_ID, ctx["user"]),
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
            s(conventions.OPENINFERENCE_SPAN_KIND, "EMBEDDING"),
            s(conventions.EMBEDDING_MODEL_NAME, EMBEDDING_MODEL),
            s("embedding.embeddings.0.embedding.text", text),
            i(conventions.LLM_TOKEN_COUNT_PROMPT, tokens),
            i(conventions.LLM_TOKEN_COUNT_TOTAL, tokens),
        ]
    if conv == "legacy":
        return [
            s(conventions.GEN_AI_SYSTEM, "openai"),
            s(conventions.LLM_REQUEST_TYPE, "embedding"),
            s(conventions.GEN_AI_REQUEST_MODEL, EMBEDDING_MODEL),
            i(conventions.GEN_AI_USAGE_PROMPT_TOKENS, tokens),
        ]
    return [
        s(conventions.GEN_AI_OPERATION_NAME, "embeddings"),
        s(conventions.GEN_AI_PROVIDER_NAME, "openai"),
        s(conventions.GEN_AI_REQUEST_MODEL, EMBEDDING_MODEL),
        s(conventions.GEN_AI_RESPONSE_MODEL, EMBEDDING_MODEL),
        i("gen_ai.embeddings.dimension.count", 1536),
        i(conventions.GEN_AI_USAGE_INPUT_TOKENS, tokens),
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
