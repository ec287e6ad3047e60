"""MLflow's span conventions (span type, span inputs and outputs, chat messages and tools,
token usage, retrieved documents) restated as the attributes the store maps."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from spanscope.importers.chat import SERVER_CALL_ITEMS, responses_server_call_parts
from spanscope.importers.values import as_dict, text_or_json
from spanscope.model import conventions
from spanscope.model.attributes import SpanAttributes

KINDS = {
    "LLM": "llm",
    "CHAT_MODEL": "llm",
    "EMBEDDING": "embedding",
    "TOOL": "tool",
    "RETRIEVER": "retriever",
    "RERANKER": "reranker",
    "AGENT": "agent",
    "CHAIN": "chain",
    "PARSER": "chain",
    "WORKFLOW": "chain",
    "TASK": "chain",
    "GUARDRAIL": "guardrail",
    "EVALUATOR": "evaluator",
    # Memory reads and writes are neither model calls nor ranked retrieval; their type stays
    # visible in mlflow.spanType.
    "MEMORY": "other",
    "UNKNOWN": "other",
}
OPERATIONS = {
    "llm": "chat",
    "embedding": "embeddings",
    "tool": "execute_tool",
    "retriever": "retrieval",
    "agent": "invoke_agent",
}
PARAMS = {
    "temperature": "temperature",
    "max_tokens": "max_tokens",
    "max_completion_tokens": "max_tokens",
    "max_output_tokens": "max_tokens",
    "top_p": "top_p",
    "top_k": "top_k",
    "stop": "stop_sequences",
    "n": "choice.count",
    "seed": "seed",
    "frequency_penalty": "frequency_penalty",
    "presence_penalty": "presence_penalty",
    "stream": "stream",
}

_PLACEHOLDER = re.compile(r"<[^<>]*>")


def mapped_attributes(attrs: Mapping[str, Any], name: str | None) -> SpanAttributes:
    """The MLflow conventions of one span restated as the attributes the store maps."""
    span_type = attrs.get("mlflow.spanType")
    kind = KINDS.get(str(span_type).upper(), "other") if span_type is not None else None
    inputs, outputs = attrs.get("mlflow.spanInputs"), attrs.get("mlflow.spanOutputs")
    out = SpanAttributes()
    out[conventions.SPANSCOPE_KIND] = kind
    out[conventions.GEN_AI_OPERATION_NAME] = OPERATIONS.get(kind or "")
    messages_in = input_messages(
        inputs if inputs is not None else attrs.get("mlflow.chat.messages")
    )
    messages_out = output_messages(outputs, kind == "llm")
    if messages_in:
        out[conventions.GEN_AI_INPUT_MESSAGES] = json.dumps(messages_in, ensure_ascii=False)
    if messages_out:
        out[conventions.GEN_AI_OUTPUT_MESSAGES] = json.dumps(messages_out, ensure_ascii=False)
    if kind in ("llm", "embedding", "agent") or "mlflow.chat.tokenUsage" in attrs:
        _model_attributes(out, attrs, inputs, outputs)
    if kind == "tool":
        out[conventions.GEN_AI_TOOL_NAME] = name
        out[conventions.GEN_AI_TOOL_CALL_ARGUMENTS] = text_or_json(inputs)
        out[conventions.GEN_AI_TOOL_CALL_RESULT] = text_or_json(outputs)
    if kind in ("retriever", "reranker"):
        out[conventions.GEN_AI_RETRIEVAL_QUERY_TEXT] = _query(inputs)
        documents = _documents(outputs)
        if documents is not None:
            out[conventions.GEN_AI_RETRIEVAL_DOCUMENTS] = json.dumps(documents, ensure_ascii=False)
    return out


def _model_attributes(
    out: SpanAttributes, attrs: Mapping[str, Any], inputs: Any, outputs: Any
) -> None:
    request = inputs if isinstance(inputs, dict) else {}
    nested = [
        d for d in (request, request.get("params"), request.get("request")) if isinstance(d, dict)
    ]
    model = next(
        (d["model"] for d in nested if isinstance(d.get("model"), str)), attrs.get("model")
    )
    # A scrubbed value ("<redacted>") is not a model name; the raw inputs still show it.
    if isinstance(model, str) and model and not _PLACEHOLDER.fullmatch(model):
        out[conventions.GEN_AI_REQUEST_MODEL] = model
    tools = attrs.get("mlflow.chat.tools", request.get("tools"))
    if isinstance(tools, list) and tools:
        out.keep("gen_ai.tool.definitions", json.dumps(tools, ensure_ascii=False))
    answered = outputs.get("model") if isinstance(outputs, dict) else None
    if isinstance(answered, str) and answered and not _PLACEHOLDER.fullmatch(answered):
        out[conventions.GEN_AI_RESPONSE_MODEL] = answered
    fmt = attrs.get("mlflow.message.format")
    if isinstance(fmt, str) and fmt:
        out[conventions.GEN_AI_PROVIDER_NAME] = fmt.lower()
    for source in nested:
        for key, target in PARAMS.items():
            already = f"{conventions.GEN_AI_REQUEST}{target}" in out
            if source.get(key) is not None and not already:
                out.set_in(conventions.GEN_AI_REQUEST, target, source[key])
    if isinstance(outputs, dict) and isinstance(outputs.get("choices"), list):
        reasons = [c.get("finish_reason") for c in outputs["choices"] if isinstance(c, dict)]
        if any(reasons):
            out.keep(conventions.GEN_AI_RESPONSE_FINISH_REASONS, [str(r) for r in reasons if r])
    out.merge(usage(attrs.get("mlflow.chat.tokenUsage"), outputs))


def usage(token_usage: Any, outputs: Any) -> SpanAttributes:
    """Token counts with input including cached input, from MLflow's own count first and the
    provider's usage block for the details (cache reads and writes, reasoning)."""
    raw = outputs.get("usage") if isinstance(outputs, dict) else None
    raw = raw if isinstance(raw, dict) else {}
    prompt_details = as_dict(raw.get("prompt_tokens_details")) or as_dict(
        raw.get("input_tokens_details")
    )
    output_details = as_dict(raw.get("completion_tokens_details")) or as_dict(
        raw.get("output_tokens_details")
    )
    read = _int(prompt_details.get("cached_tokens"), raw.get("cache_read_input_tokens"))
    write = _int(raw.get("cache_creation_input_tokens"))
    reasoning = _int(output_details.get("reasoning_tokens"))
    provider_input = _int(raw.get("prompt_tokens"), raw.get("input_tokens"))
    # Anthropic counts input without the cache; OpenAI's prompt_tokens already holds it.
    excludes_cache = "prompt_tokens" not in raw and (
        "cache_read_input_tokens" in raw or write is not None
    )
    given = as_dict(token_usage)
    inputs = _int(given.get("input_tokens"), provider_input)
    output = _int(
        given.get("output_tokens"), raw.get("completion_tokens"), raw.get("output_tokens")
    )
    total = _int(given.get("total_tokens"), raw.get("total_tokens"))
    read = _int(given.get("cache_read_input_tokens"), read)
    write = _int(given.get("cache_creation_input_tokens"), write)
    cached = (read or 0) + (write or 0)
    if inputs is not None and cached:
        if "input_tokens" in given:
            excludes_cache = (inputs == provider_input and excludes_cache) or (
                total is not None and output is not None and total == inputs + output + cached
            )
        if excludes_cache:
            inputs += cached
    found = SpanAttributes(
        {
            conventions.GEN_AI_USAGE_INPUT_TOKENS: inputs,
            conventions.GEN_AI_USAGE_OUTPUT_TOKENS: output,
            conventions.GEN_AI_USAGE_TOTAL_TOKENS: total,
            conventions.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: read,
            conventions.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: write,
            conventions.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: reasoning,
        }
    )
    return found.recorded()


def input_messages(inputs: Any) -> list[dict[str, Any]] | None:
    """Chat messages in span inputs: OpenAI chat ``messages``, the Responses API ``input`` and
    ``instructions``, Anthropic ``system``, ChatModel/ChatAgent requests, LangChain messages."""
    if isinstance(inputs, dict):
        if isinstance(inputs.get("request"), dict) and not {"messages", "input"} & inputs.keys():
            return input_messages(inputs["request"])
        found: list[dict[str, Any]] = []
        system = inputs.get("system", inputs.get("instructions"))
        if isinstance(system, (str, list)) and system:
            found.append({"role": "system", "content": system})
        listed = inputs.get("messages")
        if isinstance(listed, list) and _is_messages(listed):
            return found + [chat_message(m) for m in listed]
        given = inputs.get("input")
        if isinstance(given, str):
            return found + [{"role": "user", "content": given}]
        if isinstance(given, list) and given and all(isinstance(i, dict) for i in given):
            return found + response_items(given)
        return found or None
    if isinstance(inputs, list) and inputs and isinstance(inputs[0], list):
        inputs = inputs[0]  # LangChain chat models take a batch of message lists
    if _is_messages(inputs):
        return [chat_message(m) for m in inputs]
    return None


def output_messages(outputs: Any, is_model: bool) -> list[dict[str, Any]] | None:
    """Messages a span produced: chat completion choices, Responses API output items, an
    Anthropic message, ChatAgent messages, LangChain generations; plain text from a model."""
    if isinstance(outputs, dict):
        choices = outputs.get("choices")
        if isinstance(choices, list) and choices:
            found = []
            for choice in choices:
                if not isinstance(choice, dict):
                    continue
                message = choice.get("message") or choice.get("delta")
                entry = (
                    chat_message(message)
                    if isinstance(message, dict)
                    else {"role": "assistant", "content": choice.get("text")}
                )
                entry.setdefault("role", "assistant")
                if choice.get("finish_reason"):
                    entry["finish_reason"] = choice["finish_reason"]
                found.append(entry)
            return found or None
        if isinstance(outputs.get("output"), list) and outputs["output"]:
            return response_items(outputs["output"]) or None
        if _is_messages(outputs.get("messages")):
            return [chat_message(m) for m in outputs["messages"]]
        generations = outputs.get("generations")
        if isinstance(generations, list):
            flat = [g for row in generations for g in (row if isinstance(row, list) else [row])]
            return [
                chat_message(g["message"])
                if isinstance(g.get("message"), dict)
                else {"role": "assistant", "content": g.get("text")}
                for g in flat
                if isinstance(g, dict)
            ] or None
        if outputs.get("role") == "assistant" or outputs.get("type") == "ai":
            return [chat_message(outputs)]
        return None
    if isinstance(outputs, str) and is_model:
        return [{"role": "assistant", "content": outputs}]
    return None


_LANGCHAIN_ROLES = {
    "human": "user",
    "ai": "assistant",
    "system": "system",
    "tool": "tool",
    "function": "tool",
    "chat": "user",
    "AIMessageChunk": "assistant",
}


def chat_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """One chat message in the OpenAI shape (LangChain message dicts have ``type``, not ``role``)."""
    out = {k: v for k, v in message.items() if v is not None}
    if "role" not in out and isinstance(message.get("type"), str):
        out["role"] = _LANGCHAIN_ROLES.get(message["type"], message["type"])
    calls = message.get("tool_calls")
    if (
        isinstance(calls, list)
        and calls
        and isinstance(calls[0], dict)
        and "function" not in calls[0]
    ):
        out["tool_calls"] = [
            {
                "id": c.get("id"),
                "function": {
                    "name": c.get("name"),
                    "arguments": text_or_json(c.get("args", c.get("arguments"))),
                },
            }
            for c in calls
            if isinstance(c, dict)
        ]
    return out


def response_items(items: list[Any]) -> list[dict[str, Any]]:
    """OpenAI Responses API items as chat messages: function calls join the assistant turn,
    call outputs become tool messages, reasoning summaries become reasoning parts."""
    out: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        kind = item.get("type", "message")
        if kind == "function_call":
            call = {
                "id": item.get("call_id", item.get("id")),
                "function": {
                    "name": item.get("name"),
                    "arguments": text_or_json(item.get("arguments")),
                },
            }
            if out and out[-1].get("role") == "assistant":
                out[-1].setdefault("tool_calls", []).append(call)
            else:
                out.append({"role": "assistant", "tool_calls": [call]})
        elif kind == "function_call_output":
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": item.get("call_id"),
                    "content": text_or_json(item.get("output")),
                }
            )
        elif kind == "reasoning":
            summary = item.get("summary") or []
            text = "\n".join(str(s.get("text", "")) for s in summary if isinstance(s, dict))
            out.append({"role": "assistant", "content": [{"type": "reasoning", "content": text}]})
        elif kind in SERVER_CALL_ITEMS:  # a tool the provider ran inside the call
            out.append({"role": "assistant", "content": responses_server_call_parts(item)})
        elif "role" in item or kind == "message":
            out.append({"role": item.get("role", "assistant"), "content": item.get("content")})
        else:  # an item not read here is shown as it was, never dropped
            out.append(
                {
                    "role": "assistant",
                    "content": [{"type": str(kind), "content": text_or_json(item)}],
                }
            )
    return out


def _is_messages(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and isinstance(value[0], dict)
        and ("role" in value[0] or value[0].get("type") in _LANGCHAIN_ROLES)
    )


def _query(inputs: Any) -> str | None:
    if isinstance(inputs, str):
        return inputs
    if isinstance(inputs, dict):
        for key in ("query", "input", "question", "text", "search_query"):
            if isinstance(inputs.get(key), str):
                return str(inputs[key])
    return None


def _documents(outputs: Any) -> list[dict[str, Any]] | None:
    """Retrieved documents (LangChain/MLflow ``{page_content, metadata{doc_uri, chunk_id}, id}``)
    as ``{id, content, score, metadata}``."""
    if isinstance(outputs, dict):
        outputs = outputs.get("documents", outputs.get("results"))
    if not isinstance(outputs, list):
        return None
    found = []
    for doc in outputs:
        if not isinstance(doc, dict):
            continue
        metadata = as_dict(doc.get("metadata"))
        found.append(
            {
                "id": doc.get("id") or metadata.get("chunk_id") or metadata.get("doc_uri"),
                "content": doc.get("page_content", doc.get("content", doc.get("text"))),
                "score": doc.get("score", metadata.get("score", metadata.get("relevance_score"))),
                "metadata": metadata or None,
            }
        )
    return found


def decode(value: Any) -> Any:
    """An attribute value from its JSON string; text that is not JSON stays as written (spans
    MLflow received over OTLP carry plain values)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _int(*values: Any) -> int | None:
    for value in values:
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.isdigit():
            return int(value)
    return None
