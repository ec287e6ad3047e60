"""A neutral :class:`ReplayRequest` in each protocol's shape: the keyword arguments of the
OpenAI SDK's ``chat.completions.create`` and of the Anthropic SDK's ``messages.create``.

Only parameters each protocol defines are passed; the rest are listed in ``dropped`` so the
person replaying sees what was not sent instead of getting an endpoint's 400.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from spanscope.core.replay_request import ReplayRequest

OPENAI_PARAMS = (
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "response_format",
    "tool_choice",
    "parallel_tool_calls",
    "logit_bias",
    "reasoning_effort",
)
ANTHROPIC_PARAMS = ("temperature", "top_p", "top_k", "max_tokens", "stop_sequences", "tool_choice")
# Anthropic requires max_tokens; a recording without it gets this.
ANTHROPIC_DEFAULT_MAX_TOKENS = 1024


@dataclass
class Payload:
    """Keyword arguments for the SDK call, and the recorded parameters left out."""

    kwargs: dict[str, Any]
    dropped: list[str] = field(default_factory=list)


def openai_payload(request: ReplayRequest) -> Payload:
    """Arguments of ``client.chat.completions.create``."""
    messages = [_openai_message(m) for m in request.messages]
    kwargs: dict[str, Any] = {"model": request.model, "messages": messages}
    if request.tools:
        kwargs["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": t["name"],
                    "description": t.get("description") or "",
                    "parameters": t.get("parameters") or {"type": "object", "properties": {}},
                },
            }
            for t in request.tools
        ]
    params, dropped = _split(request.params, OPENAI_PARAMS, {"stop_sequences": "stop"})
    if "tools" not in kwargs:
        for key in ("tool_choice", "parallel_tool_calls"):
            if params.pop(key, None) is not None:
                dropped.append(key)
    kwargs.update(params)
    return Payload(kwargs, dropped)


def _openai_message(message: dict[str, Any]) -> dict[str, Any]:
    role = message["role"]
    out: dict[str, Any] = {"role": role, "content": message.get("content") or ""}
    if role == "tool":
        out["tool_call_id"] = message.get("tool_call_id") or ""
    elif message.get("name") and role in ("user", "system", "developer", "assistant"):
        out["name"] = message["name"]
    calls = message.get("tool_calls") or []
    if role == "assistant" and calls:
        out["content"] = message.get("content") or None
        out["tool_calls"] = [
            {
                "id": c.get("call_id") or f"call_{i}",
                "type": "function",
                "function": {"name": c.get("name") or "", "arguments": c.get("arguments") or "{}"},
            }
            for i, c in enumerate(calls)
        ]
    return out


def anthropic_payload(request: ReplayRequest) -> Payload:
    """Arguments of ``client.messages.create``: system messages become the ``system``
    parameter, tool results become ``tool_result`` blocks of a user turn, and consecutive
    turns of one role are merged (the Messages API alternates user and assistant)."""
    system = [
        m.get("content") or "" for m in request.messages if m["role"] in ("system", "developer")
    ]
    turns: list[dict[str, Any]] = []
    for message in request.messages:
        if message["role"] in ("system", "developer"):
            continue
        role = "assistant" if message["role"] == "assistant" else "user"
        blocks = _anthropic_blocks(message)
        if not blocks:
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    kwargs: dict[str, Any] = {"model": request.model, "messages": turns}
    if any(system):
        kwargs["system"] = "\n\n".join(s for s in system if s)
    if request.tools:
        kwargs["tools"] = [
            {
                "name": t["name"],
                "description": t.get("description") or "",
                "input_schema": t.get("parameters") or {"type": "object", "properties": {}},
            }
            for t in request.tools
        ]
    params, dropped = _split(request.params, ANTHROPIC_PARAMS, {"stop": "stop_sequences"})
    if isinstance(params.get("stop_sequences"), str):
        params["stop_sequences"] = [params["stop_sequences"]]
    if "tools" not in kwargs and params.pop("tool_choice", None) is not None:
        dropped.append("tool_choice")
    if isinstance(params.get("tool_choice"), str):  # OpenAI spelling: "auto", "required"
        choice = params["tool_choice"]
        params["tool_choice"] = {"type": "any" if choice == "required" else choice}
    params.setdefault("max_tokens", ANTHROPIC_DEFAULT_MAX_TOKENS)
    kwargs.update(params)
    return Payload(kwargs, dropped)


def _anthropic_blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    text = message.get("content") or ""
    if message["role"] == "tool":
        return [
            {
                "type": "tool_result",
                "tool_use_id": message.get("tool_call_id") or "",
                "content": text,
            }
        ]
    blocks: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    if message["role"] == "assistant":
        for i, call in enumerate(message.get("tool_calls") or []):
            blocks.append(
                {
                    "type": "tool_use",
                    "id": call.get("call_id") or f"toolu_{i}",
                    "name": call.get("name") or "",
                    "input": _arguments(call.get("arguments")),
                }
            )
    return blocks


def _arguments(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    try:
        value = json.loads(text or "{}")
    except (TypeError, ValueError):
        return {"input": text}
    return value if isinstance(value, dict) else {"input": value}


def _split(
    params: dict[str, Any], allowed: tuple[str, ...], renames: dict[str, str]
) -> tuple[dict[str, Any], list[str]]:
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in params.items():
        name = renames.get(key, key)
        if name in allowed and value is not None:
            kept[name] = value
        else:
            dropped.append(key)
    return kept, dropped
