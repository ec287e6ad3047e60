"""Provider API bodies in GenAI terms: OpenAI Chat Completions, OpenAI Responses and Anthropic
Messages content as GenAI message parts (what ``gen_ai.input.messages`` and
``gen_ai.output.messages`` hold), and their usage blocks as ``gen_ai.usage.*`` with input
tokens including cached input.
"""

from __future__ import annotations

from typing import Any

from spanscope.importers.values import JsonDict, as_list, compact_json, whole_number
from spanscope.model import conventions
from spanscope.model.attributes import SpanAttributes

# -- messages in GenAI parts ----------------------------------------------------------------


def anthropic_parts(content: Any) -> list[JsonDict]:
    """Anthropic content (a string or blocks) as GenAI message parts."""
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    parts: list[JsonDict] = []
    for block in as_list(content):
        if isinstance(block, str):
            parts.append({"type": "text", "content": block})
            continue
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        extra = {
            k: v
            for k, v in block.items()
            if k in ("citations", "cache_control", "signature", "caller", "is_error")
        }
        if kind == "text":
            parts.append({"type": "text", "content": block.get("text"), **extra})
        elif kind == "thinking":
            parts.append({"type": "reasoning", "content": block.get("thinking"), **extra})
        elif kind == "redacted_thinking":
            parts.append({"type": "reasoning", "content": None, "redacted": block.get("data")})
        elif kind == "tool_use":
            parts.append(
                {
                    "type": "tool_call",
                    "id": block.get("id"),
                    "name": block.get("name"),
                    "arguments": block.get("input"),
                    **extra,
                }
            )
        elif kind in ("server_tool_use", "mcp_tool_use"):
            parts.append(
                {
                    "type": "server_tool_call",
                    "id": block.get("id"),
                    "name": block.get("name"),
                    "arguments": block.get("input"),
                    **({"server_name": block["server_name"]} if block.get("server_name") else {}),
                }
            )
        elif isinstance(kind, str) and kind.endswith("_tool_result") and kind != "tool_result":
            parts.append(server_tool_response(block.get("tool_use_id"), anthropic_result(block)))
        elif kind == "tool_result":
            result = block.get("content")
            texts = [
                b.get("text")
                for b in as_list(result)
                if isinstance(b, dict) and b.get("type") == "text"
            ]
            if isinstance(result, list) and len(texts) == len(result):
                result = "\n".join(str(t) for t in texts)
            parts.append(
                {
                    "type": "tool_call_response",
                    "id": block.get("tool_use_id"),
                    "response": result,
                    **extra,
                }
            )
        elif kind in ("image", "document") and isinstance(block.get("source"), dict):
            source = block["source"]
            if source.get("type") == "url":
                parts.append({"type": "uri", "modality": kind, "uri": source.get("url")})
            else:
                parts.append(
                    {
                        "type": "blob",
                        "modality": kind,
                        "mime_type": source.get("media_type"),
                        "content": source.get("data"),
                    }
                )
        else:
            parts.append({"type": str(kind), "content": compact_json(block)})
    return parts


def server_tool_response(call_id: Any, result: Any) -> JsonDict:
    """A GenAI ``server_tool_call_response`` part: the result of a tool the provider ran inside
    the model call. A failed call's result is an object with an ``error`` key (what
    step-through's failures and the tool-failure checks look for)."""
    return {"type": "server_tool_call_response", "id": call_id, "content": compact_json(result)}


def anthropic_result(block: JsonDict) -> Any:
    """What an Anthropic server tool returned; errors (``web_search_tool_result_error``,
    ``web_fetch_tool_error``, ``mcp_tool_result`` with ``is_error``) as ``{"error": ...}``."""
    content = block.get("content")
    if isinstance(content, dict):
        ctype = str(content.get("type") or "")
        if ctype.endswith("_error") or "error_code" in content:
            return {"error": content.get("error_code") or ctype, **content}
    if block.get("is_error"):
        texts = [b.get("text") for b in as_list(content) if isinstance(b, dict)]
        message = "\n".join(str(t) for t in texts if t) if texts else content
        return {"error": message or "the tool failed", "content": content}
    return content


def anthropic_message(message: JsonDict, default_role: str = "user") -> JsonDict:
    """An Anthropic message as a GenAI message (role and parts)."""
    role = message.get("role") if isinstance(message.get("role"), str) else default_role
    return {"role": role, "parts": anthropic_parts(message.get("content"))}


def _responses_content_parts(content: Any) -> list[JsonDict]:
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    parts: list[JsonDict] = []
    for item in as_list(content):
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind in ("input_text", "output_text", "text"):
            part: JsonDict = {"type": "text", "content": item.get("text")}
            if item.get("annotations"):
                part["annotations"] = item["annotations"]
            parts.append(part)
        elif kind == "refusal":
            parts.append({"type": "refusal", "content": item.get("refusal")})
        elif kind == "input_image":
            parts.append(
                {
                    "type": "uri",
                    "modality": "image",
                    "uri": item.get("image_url") or item.get("file_id"),
                }
            )
        else:
            parts.append({"type": str(kind), "content": compact_json(item)})
    return parts


def _responses_item_parts(item: JsonDict) -> tuple[str, list[JsonDict]]:
    """(role, parts) of one Responses input or output item."""
    kind = item.get("type")
    if kind == "message" or (kind is None and "role" in item):
        return str(item.get("role") or "user"), _responses_content_parts(item.get("content"))
    if kind == "function_call":
        return "assistant", [
            {
                "type": "tool_call",
                "id": item.get("call_id"),
                "name": item.get("name"),
                "arguments": item.get("arguments"),
                "item_id": item.get("id"),
            }
        ]
    if kind == "function_call_output":
        return "tool", [
            {
                "type": "tool_call_response",
                "id": item.get("call_id"),
                "response": item.get("output"),
            }
        ]
    if kind in SERVER_CALL_ITEMS:
        return "assistant", responses_server_call_parts(item)
    if kind == "reasoning":
        texts = [
            s.get("text")
            for s in as_list(item.get("summary")) + as_list(item.get("content"))
            if isinstance(s, dict) and s.get("text")
        ]
        return "assistant", [
            {
                "type": "reasoning",
                "content": "\n".join(map(str, texts)) or None,
                "item_id": item.get("id"),
            }
        ]
    return "assistant", [{"type": str(kind), "content": compact_json(item)}]


# OpenAI Responses items for tools the provider runs inside the call, and the tool each is.
SERVER_CALL_ITEMS = {
    "web_search_call": "web_search",
    "file_search_call": "file_search",
    "code_interpreter_call": "code_interpreter",
    "image_generation_call": "image_generation",
    "mcp_call": "mcp",
}


def responses_server_call_parts(item: JsonDict) -> list[JsonDict]:
    """A server-side tool item as a GenAI ``server_tool_call`` and its response part."""
    kind = str(item.get("type"))
    if kind == "web_search_call":
        arguments: Any = item.get("action")
        result: Any = {k: v for k, v in item.items() if k not in ("type", "id", "action")}
    elif kind == "file_search_call":
        arguments = {"queries": item.get("queries")}
        result = item.get("results")
    elif kind == "code_interpreter_call":
        arguments = {"code": item.get("code"), "container_id": item.get("container_id")}
        result = item.get("outputs")
    elif kind == "mcp_call":
        arguments = item.get("arguments")
        result = item.get("output")
    else:
        arguments = {k: v for k, v in item.items() if k not in ("type", "id", "result", "status")}
        result = item.get("result")
    if item.get("error") or item.get("status") == "failed":
        result = {
            "error": item.get("error") or "failed",
            "status": item.get("status"),
            "result": result,
        }
    name = SERVER_CALL_ITEMS[kind]
    if kind == "mcp_call" and item.get("name"):
        label = item.get("server_label")
        name = f"{label}.{item['name']}" if label else str(item["name"])
    call: JsonDict = {
        "type": "server_tool_call",
        "id": item.get("id"),
        "name": name,
        "arguments": arguments if isinstance(arguments, str) else compact_json(arguments),
    }
    return [call, server_tool_response(item.get("id"), result)]


def responses_input_messages(value: Any) -> list[JsonDict]:
    """A Responses request ``input`` (text or items) as GenAI messages; calls and reasoning
    join the assistant turn before them."""
    if isinstance(value, str):
        return [{"role": "user", "parts": [{"type": "text", "content": value}]}]
    messages: list[JsonDict] = []
    for item in as_list(value):
        if not isinstance(item, dict):
            continue
        role, parts = _responses_item_parts(item)
        if (
            messages
            and role == "assistant"
            and messages[-1]["role"] == "assistant"
            and item.get("type") != "message"
        ):
            messages[-1]["parts"].extend(parts)
        else:
            messages.append({"role": role, "parts": parts})
    return messages


def responses_output_message(value: Any) -> JsonDict | None:
    """A Responses ``output`` (items) as one assistant message, None when it has no parts."""
    parts: list[JsonDict] = []
    for item in as_list(value):
        if isinstance(item, dict):
            parts.extend(_responses_item_parts(item)[1])
    return {"role": "assistant", "parts": parts} if parts else None


# -- usage ----------------------------------------------------------------------------------


def openai_usage(usage: Any, attrs: SpanAttributes, *, responses: bool) -> None:
    """OpenAI usage (Chat Completions, or Responses with ``responses``) in GenAI terms."""
    if not isinstance(usage, dict):
        return
    in_key, out_key = (
        ("input_tokens", "output_tokens") if responses else ("prompt_tokens", "completion_tokens")
    )
    in_details = usage.get(f"{in_key}_details")
    out_details = usage.get(f"{out_key}_details")
    attrs[conventions.GEN_AI_USAGE_INPUT_TOKENS] = _int(usage.get(in_key))  # includes cached input
    attrs[conventions.GEN_AI_USAGE_OUTPUT_TOKENS] = _int(usage.get(out_key))  # includes reasoning
    attrs[conventions.GEN_AI_USAGE_TOTAL_TOKENS] = _int(usage.get("total_tokens"))
    if isinstance(in_details, dict):
        attrs[conventions.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = _int(
            in_details.get("cached_tokens")
        )
    if isinstance(out_details, dict):
        attrs[conventions.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = _int(
            out_details.get("reasoning_tokens")
        )


def anthropic_usage(usage: Any, attrs: SpanAttributes) -> None:
    """Anthropic usage in GenAI terms: input_tokens there excludes cache reads and writes, so
    they are added back."""
    if not isinstance(usage, dict):
        return
    uncached = _int(usage.get("input_tokens"))
    cache_read = _int(usage.get("cache_read_input_tokens"))
    cache_write = _int(usage.get("cache_creation_input_tokens"))
    output = _int(usage.get("output_tokens"))
    total_in = None if uncached is None else uncached + (cache_read or 0) + (cache_write or 0)
    attrs[conventions.GEN_AI_USAGE_INPUT_TOKENS] = total_in
    attrs[conventions.GEN_AI_USAGE_OUTPUT_TOKENS] = output
    attrs[conventions.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = cache_read
    attrs[conventions.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = cache_write
    if total_in is not None and output is not None:
        attrs[conventions.GEN_AI_USAGE_TOTAL_TOKENS] = total_in + output
    details = usage.get("output_tokens_details")
    if isinstance(details, dict):
        attrs[conventions.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = _int(
            details.get("thinking_tokens", details.get("reasoning_tokens"))
        )


def _int(value: Any) -> int | None:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return whole_number(value)
