"""ATIF steps as GenAI messages: what each step adds to the conversation the agent keeps."""

from __future__ import annotations

import json
from typing import Any

from spanscope.importers.values import JsonDict, compact_json


def result_messages(results: list[JsonDict]) -> list[JsonDict]:
    return [
        {
            "role": "tool",
            "parts": [
                {
                    "type": "tool_call_response",
                    "id": r.get("source_call_id"),
                    "response": result_text(r.get("content")),
                }
            ],
        }
        for r in results
    ]


def plain_message(source: str, step: JsonDict) -> JsonDict:
    role = "assistant" if source == "agent" else source
    return {"role": role, "parts": message_parts(step.get("message"))}


def message_parts(message: Any) -> list[JsonDict]:
    """ATIF messages are strings; later versions also allow a list of content parts."""
    if isinstance(message, str):
        return [{"type": "text", "content": message}] if message else []
    parts: list[JsonDict] = []
    if isinstance(message, list):
        for part in message:
            if isinstance(part, str):
                parts.append({"type": "text", "content": part})
            elif isinstance(part, dict) and part.get("type") in (None, "text"):
                parts.append({"type": "text", "content": part.get("text", part.get("content"))})
            elif isinstance(part, dict):
                parts.append({"type": str(part.get("type")), "content": compact_json(part)})
    elif message is not None:
        parts.append({"type": "text", "content": compact_json(message)})
    return parts


def step_calls(step: JsonDict) -> list[JsonDict]:
    calls = step.get("tool_calls")
    return [c for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []


def agent_output(step: JsonDict) -> tuple[JsonDict, list[JsonDict]]:
    parts: list[JsonDict] = []
    if isinstance(step.get("reasoning_content"), str) and step["reasoning_content"]:
        parts.append({"type": "reasoning", "content": step["reasoning_content"]})
    parts.extend(message_parts(step.get("message")))
    calls = step_calls(step)
    for call in calls:
        parts.append(
            {
                "type": "tool_call",
                "id": call.get("tool_call_id"),
                "name": call.get("function_name"),
                "arguments": call.get("arguments"),
            }
        )
    return {"role": "assistant", "parts": parts}, calls


def step_results(step: JsonDict) -> list[JsonDict]:
    observation = step.get("observation")
    if isinstance(observation, str):  # some writers store the observation as JSON text
        try:
            observation = json.loads(observation)
        except ValueError:
            observation = {"results": [{"content": observation}]}
    if not isinstance(observation, dict):
        return []
    results = observation.get("results")
    return [r for r in results if isinstance(r, dict)] if isinstance(results, list) else []


def result_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(
        isinstance(p, dict) and p.get("type") == "text" for p in value
    ):
        return "\n".join(str(p.get("text")) for p in value)
    return compact_json(value)


def number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return None
    return value if isinstance(value, (int, float)) else None


def context_management(step: JsonDict) -> JsonDict | None:
    """The step's ``extra.context_management`` (ATIF 1.7): a step that rewrote the context
    window, e.g. ``{"type": "compaction", "boundary": "replace"}``."""
    extra = step.get("extra")
    handling = extra.get("context_management") if isinstance(extra, dict) else None
    return handling if isinstance(handling, dict) else None


def compacted_context(step: JsonDict, results: list[JsonDict]) -> list[JsonDict]:
    """What a context-management step leaves for the model: its message and the content of its
    observation (the summary), as one message from the step's source."""
    parts = message_parts(step.get("message"))
    for result in results:
        content = result_text(result.get("content"))
        if content:
            parts.append({"type": "text", "content": content})
    source = step.get("source")
    role = "assistant" if source == "agent" else str(source or "system")
    return [{"role": role, "parts": parts}] if parts else []
