"""Stored messages and tool definitions in OpenAI chat shape, the text a user typed or read,
and tool-call ids every consumer can pair up.

Traces often leave tool-call ids out (or write ``None``); fine-tuning and Inspect pair a tool
reply with its call by id, so missing ids are synthesised from the trace and span ids: the same
export always gets the same ids.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

Message = dict[str, Any]

_ROLES = {
    "human": "user",
    "ai": "assistant",
    "model": "assistant",
    "bot": "assistant",
    "developer": "system",
    "function": "tool",
    "ipython": "tool",
}

# Keys under which frameworks put the user's question / the answer in a JSON input or output
# value (LlamaIndex, LangChain, Langfuse, the Claude Agent SDK, ...), most specific first.
QUESTION_KEYS = ("query_str", "question", "query", "user_input", "input", "prompt", "message")
ANSWER_KEYS = ("answer", "response", "output", "result", "text", "content", "message")


def openai_message(message: Mapping[str, Any]) -> Message:
    """A stored message in OpenAI chat shape (tool calls as ``function`` calls)."""
    role = str(message.get("role") or "user").lower()
    out: Message = {"role": _ROLES.get(role, role), "content": message.get("content")}
    if message.get("name"):  # on a tool reply: the tool, until its call is found by id
        out["name"] = message["name"]
    calls = message.get("tool_calls") or []
    if calls:
        out["tool_calls"] = [openai_call(c) for c in calls]
    if out["role"] == "tool":
        out["tool_call_id"] = _id(message.get("tool_call_id"))
        out["content"] = out["content"] or ""
    return out


def openai_call(call: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": _id(call.get("call_id")),
        "type": "function",
        "function": {"name": call.get("name") or "", "arguments": call.get("arguments") or "{}"},
    }


def _id(value: Any) -> str:
    text = "" if value is None else str(value).strip()
    return "" if text.lower() in ("none", "null") else text


def pair_tool_calls(messages: Sequence[Message], seed: str) -> list[Message]:
    """The conversation with every tool call and tool reply carrying an id: a call without one
    gets ``call_<hash of seed and position>``; a reply without one answers the earliest call
    still unanswered (of the same name when the reply names its tool)."""
    out: list[Message] = []
    open_calls: list[dict[str, Any]] = []
    for position, original in enumerate(messages):
        message = dict(original)
        if message.get("tool_calls"):
            calls = []
            for n, call in enumerate(message["tool_calls"]):
                call = {**call, "function": dict(call["function"])}
                if not call.get("id"):
                    call["id"] = synthetic_id(seed, position, n)
                calls.append(call)
                open_calls.append(call)
            message["tool_calls"] = calls
        if message.get("role") == "tool":
            wanted = message.get("tool_call_id") or ""
            match = next((c for c in open_calls if c["id"] == wanted), None) if wanted else None
            if match is None and not wanted:
                name = message.get("name")
                match = next(
                    (c for c in open_calls if not name or c["function"]["name"] == name),
                    None,
                )
                if match is not None:
                    message["tool_call_id"] = match["id"]
            if match is not None:
                open_calls.remove(match)
            message.pop("name", None)
        out.append(message)
    return out


def synthetic_id(seed: str, position: int, n: int) -> str:
    digest = hashlib.sha256(f"{seed}/{position}/{n}".encode()).hexdigest()[:24]
    return f"call_{digest}"


def plain_text(value: Any, keys: Sequence[str]) -> str:
    """The text in an input or output value as frameworks record it: plain text, a JSON string
    or object (the first of ``keys`` that holds text), a chat message list (the last user
    message, or the last message for an answer), or a list of content parts."""
    if value is None:
        return ""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "[", '"'):
            try:
                return plain_text(json.loads(stripped), keys)
            except ValueError:
                return stripped
        return stripped
    if isinstance(value, Mapping):
        if "role" in value and "content" in value:
            return plain_text(value["content"], keys)
        if value.get("type") == "text" and isinstance(value.get("text"), str):
            return str(value["text"]).strip()
        for key in keys:
            if key in value:
                text = plain_text(value[key], keys)
                if text:
                    return text
        for key in ("messages", "choices"):
            if key in value:
                return plain_text(value[key], keys)
        for inner in value.values():  # e.g. LlamaIndex: {"prompt": {"kwargs": {"query_str"}}}
            if isinstance(inner, Mapping):
                text = plain_text(inner, keys)
                if text:
                    return text
        return ""
    if isinstance(value, list):
        roles = [m.get("role") for m in value if isinstance(m, Mapping)]
        if "user" in roles and keys == QUESTION_KEYS:  # a question: the user's last message
            users = [m for m in value if isinstance(m, Mapping) and m.get("role") == "user"]
            return plain_text(users[-1], keys)
        if roles and any(roles):
            return plain_text(value[-1], keys)
        texts = [plain_text(v, keys) for v in value]
        return "\n".join(t for t in texts if t)
    return ""  # numbers and booleans are not what anyone asked or answered


def attribute_text(attributes: Any, names: Sequence[str], keys: Sequence[str]) -> str:
    """The first of the attributes ``names`` that holds text (see :func:`plain_text`)."""
    bag = _attributes(attributes)
    for name in names:
        text = plain_text(bag.get(name), keys)
        if text:
            return text
    return ""


def _attributes(attributes: Any) -> dict[str, Any]:
    if isinstance(attributes, str):
        try:
            attributes = json.loads(attributes)
        except ValueError:
            return {}
    return attributes if isinstance(attributes, dict) else {}


def offered_tools(attributes: Any) -> list[dict[str, Any]]:
    """Tools the model was offered, in OpenAI ``tools`` shape, from the span's attributes:
    ``gen_ai.tool.definitions`` (OTel GenAI) or ``llm.tools.N.tool.json_schema``
    (OpenInference). Anthropic-shaped definitions (``input_schema``) are converted."""
    bag = _attributes(attributes)
    if not bag:
        return []
    found: list[Any] = []
    definitions = bag.get("gen_ai.tool.definitions")
    if isinstance(definitions, str):
        try:
            definitions = json.loads(definitions)
        except ValueError:
            definitions = None
    if isinstance(definitions, list):
        found.extend(definitions)
    numbered = sorted(
        (k for k in bag if k.startswith("llm.tools.") and k.endswith(".tool.json_schema")),
        key=lambda k: int(k.split(".")[2]) if k.split(".")[2].isdigit() else 0,
    )
    for key in numbered:
        value = bag[key]
        try:
            found.append(json.loads(value) if isinstance(value, str) else value)
        except ValueError:
            continue
    tools = bag.get("llm.tools")
    if isinstance(tools, list):
        for entry in tools:
            schema = entry.get("tool", {}).get("json_schema") if isinstance(entry, dict) else None
            if schema:
                try:
                    found.append(json.loads(schema) if isinstance(schema, str) else schema)
                except ValueError:
                    continue
    return [t for t in (_openai_tool(d) for d in found) if t is not None]


def _openai_tool(definition: Any) -> dict[str, Any] | None:
    """One tool definition in OpenAI shape, without null fields (fine-tuning rejects a
    ``description: null``)."""
    if not isinstance(definition, dict):
        return None
    if definition.get("type") == "function" and isinstance(definition.get("function"), dict):
        inner = definition["function"]
        if not inner.get("name"):
            return None
        return {"type": "function", "function": {k: v for k, v in inner.items() if v is not None}}
    name = definition.get("name")
    if not name:
        return None
    function: dict[str, Any] = {"name": name}
    if definition.get("description"):
        function["description"] = definition["description"]
    schema = definition.get("parameters") or definition.get("input_schema")
    if schema:
        function["parameters"] = schema
    return {"type": "function", "function": function}
