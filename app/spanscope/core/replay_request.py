"""The request of a recorded model call, rebuilt so it can be sent again.

Input is one ``queries.span_detail`` row. The request is kept in a neutral shape close to the
stored one (messages with role, content, name, tool_call_id and tool_calls; tools as name,
description and JSON-schema parameters; parameters as a flat dict) so a person can edit it as
JSON, and each protocol turns it into its own wire shape (``replay_payloads``).

Only what was recorded is used: nothing of the trace chooses where the request goes (the
endpoint comes from settings), and the trace's own headers or keys are never looked at.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Names some exporters give roles, mapped to the four chat roles every protocol knows.
ROLE_NAMES = {
    "human": "user",
    "ai": "assistant",
    "model": "assistant",
    "bot": "assistant",
    "function": "tool",
    "ipython": "tool",
    "tool_result": "tool",
}


@dataclass
class ReplayRequest:
    """A model call to send: editable, protocol-neutral."""

    model: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": self.messages,
            "tools": self.tools,
            "params": self.params,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReplayRequest:
        """Read an edited request; raises ValueError saying which part is wrong."""
        messages = data.get("messages")
        if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
            raise ValueError("messages must be a list of objects with a role and content")
        for position, message in enumerate(messages, 1):
            if not message.get("role"):
                raise ValueError(f"message {position} has no role")
        tools = data.get("tools") or []
        if not isinstance(tools, list) or not all(
            isinstance(t, dict) and t.get("name") for t in tools
        ):
            raise ValueError("tools must be a list of objects with a name")
        params = data.get("params") or {}
        if not isinstance(params, dict):
            raise ValueError('params must be an object, e.g. {"temperature": 0}')
        return cls(str(data.get("model") or ""), list(messages), list(tools), dict(params))


@dataclass
class CallOutput:
    """What a model answered: text, tool calls, usage."""

    text: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # call_id, name, arguments
    input_tokens: int | None = None
    output_tokens: int | None = None
    finish_reason: str | None = None
    model: str | None = None  # the model that answered, when the endpoint said

    def messages(self) -> list[dict[str, Any]]:
        """The answer as one assistant message in the stored message shape."""
        return [
            {
                "role": "assistant",
                "content": self.text or None,
                "name": None,
                "tool_call_id": None,
                "tool_calls": self.tool_calls or None,
                "parts": None,
            }
        ]


def request_from_span(detail: Mapping[str, Any]) -> ReplayRequest:
    """The request as recorded on an llm span: its input messages, tool definitions,
    parameters and model."""
    messages = [_message(m) for m in detail.get("input_messages") or []]
    model = detail.get("request_model") or detail.get("model") or detail.get("response_model")
    return ReplayRequest(
        model=str(model or ""),
        messages=messages,
        tools=tool_definitions(_json_object(detail.get("attributes"))),
        params=_json_object(detail.get("params")),
    )


def recorded_output(detail: Mapping[str, Any]) -> CallOutput:
    """What the model answered in the recording, to compare re-runs with."""
    outputs = detail.get("output_messages") or []
    texts = [_content(m) for m in outputs if (m.get("role") or "assistant") != "tool"]
    calls = [
        _call(c) for m in outputs for c in (m.get("tool_calls") or []) if isinstance(c, Mapping)
    ]
    if not calls and not outputs:
        calls = [_call(c) for c in detail.get("tool_calls") or [] if isinstance(c, Mapping)]
    return CallOutput(
        text="\n".join(t for t in texts if t),
        tool_calls=calls,
        input_tokens=detail.get("input_tokens"),
        output_tokens=detail.get("output_tokens"),
        model=detail.get("response_model") or detail.get("model"),
    )


def tool_definitions(attributes: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Tool definitions recorded in span attributes, as name, description, parameters.

    Three conventions write them: OTel GenAI (``gen_ai.tool.definitions``, a JSON list in
    OpenAI or Anthropic shape), OpenInference (``llm.tools.N.tool.json_schema``) and
    OpenLLMetry (``llm.request.functions.N.name`` / ``.description`` / ``.parameters``).
    """
    raw: list[Any] = []
    listed = attributes.get("gen_ai.tool.definitions") or attributes.get("llm.tools")
    if isinstance(listed, str):
        listed = _loads(listed)
    if isinstance(listed, list):
        raw += [t.get("tool", t) if isinstance(t, dict) else t for t in listed]
    numbered: dict[tuple[str, int], dict[str, Any]] = {}
    for key, value in attributes.items():
        for prefix in ("llm.tools.", "llm.request.functions."):
            if not key.startswith(prefix):
                continue
            index, _, rest = key[len(prefix) :].partition(".")
            if index.isdigit():
                numbered.setdefault((prefix, int(index)), {})[rest] = value
    for (prefix, _index), fields in sorted(numbered.items()):
        if prefix == "llm.tools.":
            raw.append(fields.get("tool.json_schema"))
        else:
            raw.append(fields)
    tools = [_tool(t) for t in raw]
    return [t for t in tools if t is not None]


def _tool(raw: Any) -> dict[str, Any] | None:
    if isinstance(raw, str):
        raw = _loads(raw)
    if not isinstance(raw, dict):
        return None
    if isinstance(raw.get("function"), dict):  # OpenAI {"type": "function", "function": {...}}
        raw = raw["function"]
    name = raw.get("name")
    if not name:
        return None
    schema = (
        raw.get("parameters")
        or raw.get("input_schema")
        or raw.get("inputSchema")
        or raw.get("json_schema")
    )
    if isinstance(schema, str):
        schema = _loads(schema)
    if not isinstance(schema, dict):
        schema = {"type": "object", "properties": {}}
    return {
        "name": str(name),
        "description": str(raw.get("description") or ""),
        "parameters": schema,
    }


def _message(stored: Mapping[str, Any]) -> dict[str, Any]:
    role = str(stored.get("role") or "user").lower()
    message: dict[str, Any] = {"role": ROLE_NAMES.get(role, role), "content": _content(stored)}
    if stored.get("name"):
        message["name"] = stored["name"]
    if stored.get("tool_call_id"):
        message["tool_call_id"] = stored["tool_call_id"]
    calls = [_call(c) for c in stored.get("tool_calls") or [] if isinstance(c, Mapping)]
    if calls:
        message["tool_calls"] = calls
    return message


def _content(message: Mapping[str, Any]) -> str:
    """The text of a message; text parts when the content itself was not recorded."""
    content = message.get("content")
    if content:
        return str(content)
    parts = message.get("parts")
    if isinstance(parts, str):
        parts = _loads(parts)
    if not isinstance(parts, list):
        return ""
    texts = [
        str(p.get("content") or p.get("text") or "")
        for p in parts
        if isinstance(p, dict) and p.get("type") in ("text", None)
    ]
    return "\n".join(t for t in texts if t)


def _call(call: Mapping[str, Any]) -> dict[str, Any]:
    arguments = call.get("arguments")
    if arguments is not None and not isinstance(arguments, str):
        arguments = json.dumps(arguments, ensure_ascii=False)
    return {
        "call_id": call.get("call_id") or call.get("id"),
        "name": call.get("name"),
        "arguments": arguments or "{}",
    }


def _json_object(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = _loads(value)
    return dict(value) if isinstance(value, dict) else {}


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
