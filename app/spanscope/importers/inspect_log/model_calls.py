"""Inspect's own shapes in GenAI terms: chat messages and their parts, ``provider/model``
names, usage (input including cached input), attachments and errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from spanscope.importers.values import text_or_json
from spanscope.model import conventions
from spanscope.model.attributes import SpanAttributes

# Inspect's provider prefixes that have a GenAI provider name of their own.
PROVIDERS = {
    "google": "gcp.gemini",
    "vertex": "gcp.vertex_ai",
    "bedrock": "aws.bedrock",
    "azureai": "azure.ai.inference",
    "mistral": "mistral_ai",
    "grok": "x_ai",
}
PARAMS = {
    "temperature": "temperature",
    "max_tokens": "max_tokens",
    "top_p": "top_p",
    "top_k": "top_k",
    "stop_seqs": "stop_sequences",
    "seed": "seed",
    "frequency_penalty": "frequency_penalty",
    "presence_penalty": "presence_penalty",
    "num_choices": "choice.count",
}


def resolve(value: Any, attachments: Mapping[str, Any]) -> Any:
    """``attachment://<hash>`` strings replaced by the attachment's text, at any depth."""
    if isinstance(value, str):
        if value.startswith("attachment://"):
            return attachments.get(value[len("attachment://") :], value)
        return value
    if isinstance(value, list):
        return [resolve(v, attachments) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, attachments) for k, v in value.items()}
    return value


def split_model(name: Any) -> tuple[str | None, str | None]:
    """``openai/gpt-4o`` -> (openai, gpt-4o); the rest of a longer path stays in the model."""
    if not isinstance(name, str) or not name:
        return None, None
    provider, slash, model = name.partition("/")
    if not slash:
        return None, name
    return PROVIDERS.get(provider, provider), model


def usage_attributes(usage: Mapping[str, Any]) -> SpanAttributes:
    """Inspect usage as GenAI usage, input including cached input. Inspect counts input
    without cache reads and writes (total = input + cache read + cache write + output); logs
    whose total is just input + output already counted them inside input."""

    def count(key: str) -> int | None:
        value = usage.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    inputs, output, total = count("input_tokens"), count("output_tokens"), count("total_tokens")
    read, write = count("input_tokens_cache_read"), count("input_tokens_cache_write")
    cached = (read or 0) + (write or 0)
    counted_inside = (
        total is not None and output is not None and inputs is not None and total == inputs + output
    )
    if inputs is not None and cached and not counted_inside:
        inputs += cached
    cost = usage.get("total_cost")
    return SpanAttributes(
        {
            conventions.GEN_AI_USAGE_INPUT_TOKENS: inputs,
            conventions.GEN_AI_USAGE_OUTPUT_TOKENS: output,
            conventions.GEN_AI_USAGE_TOTAL_TOKENS: total,
            conventions.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: read,
            conventions.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: write,
            conventions.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: count("reasoning_tokens"),
            conventions.LLM_COST_TOTAL: cost if isinstance(cost, (int, float)) else None,
        }
    )


def messages(listed: Any) -> list[dict[str, Any]]:
    """Inspect chat messages in the OpenAI chat shape the store reads."""
    if not isinstance(listed, list):
        return []
    return [chat_message(m) for m in listed if isinstance(m, dict)]


def choice_messages(choices: list[Any]) -> list[dict[str, Any]]:
    """The messages of model output choices, each with its stop reason."""
    found = []
    for choice in choices:
        if isinstance(choice, dict) and isinstance(choice.get("message"), dict):
            message = chat_message(choice["message"])
            if choice.get("stop_reason"):
                message["finish_reason"] = choice["stop_reason"]
            found.append(message)
    return found


def chat_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """One Inspect message in the OpenAI chat shape."""
    content = message.get("content")
    out: dict[str, Any] = {
        "role": message.get("role"),
        "content": [_part(p) for p in content if isinstance(p, dict)]
        if isinstance(content, list)
        else content,
    }
    calls = message.get("tool_calls")
    if isinstance(calls, list) and calls:
        out["tool_calls"] = [
            {
                "id": c.get("id"),
                "type": "function",
                "function": {
                    "name": c.get("function"),
                    "arguments": text_or_json(c.get("arguments")),
                },
            }
            for c in calls
            if isinstance(c, dict)
        ]
    if message.get("role") == "tool":
        out["tool_call_id"] = message.get("tool_call_id")
        out["name"] = message.get("function")
        if message.get("error"):
            out["error"] = message["error"]
    return out


def _part(part: Mapping[str, Any]) -> dict[str, Any]:
    kind = part.get("type")
    if kind == "text":
        return {"type": "text", "text": part.get("text")}
    if kind == "reasoning":
        shown = part.get("summary") if part.get("redacted") else part.get("reasoning")
        return {"type": "reasoning", "content": shown or part.get("summary")}
    if kind in ("image", "audio", "video", "document"):
        fmt = part.get("format") or part.get("mime_type")
        return {
            "type": kind,
            "uri": part.get(kind),
            "modality": kind,
            "mime_type": f"{kind}/{fmt}" if fmt and "/" not in str(fmt) else fmt,
        }
    return {"type": kind, "content": text_or_json(part)}


def content_text(content: Any) -> str | None:
    """A tool result or message content as text: strings as they are, text parts joined,
    anything else as JSON."""
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list) and all(
        isinstance(p, dict) and p.get("type") == "text" for p in content
    ):
        return "\n".join(str(p.get("text") or "") for p in content)
    return text_or_json(content)


def error_text(error: Any) -> str | None:
    """An error (text or object) as its message."""
    if not error:
        return None
    if isinstance(error, dict):
        return str(error.get("message") or error)
    return str(error)


def json_unless_empty(value: Any) -> str | None:
    """JSON text of a value, None for an empty one."""
    return json.dumps(value, ensure_ascii=False) if value else None
