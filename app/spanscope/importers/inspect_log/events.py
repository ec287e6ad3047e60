"""What Inspect events say of themselves: a model event's call, a tool event's call, and the
other events (scores, errors, ...) as span events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spanscope.importers.inspect_log.model_calls import (
    PARAMS,
    choice_messages,
    content_text,
    json_unless_empty,
    messages,
    split_model,
    usage_attributes,
)
from spanscope.importers.values import as_dict, text_or_json
from spanscope.model import conventions
from spanscope.model.attributes import SpanAttributes
from spanscope.model.raw import RawEvent

EVENT_HOUSEKEEPING = {"event", "timestamp", "working_start", "span_id", "uuid", "pending"}
_MODEL_FIELDS = {
    "event",
    "timestamp",
    "working_start",
    "span_id",
    "model",
    "input",
    "output",
    "tools",
    "config",
    "completed",
}
_TOOL_FIELDS = {
    "event",
    "timestamp",
    "working_start",
    "span_id",
    "id",
    "function",
    "arguments",
    "result",
    "error",
    "events",
    "completed",
}


def model_attributes(
    event: Mapping[str, Any], output: dict[str, Any], usage: dict[str, Any]
) -> SpanAttributes:
    """The attributes of a model event's llm span (``output`` and ``usage`` as the event has
    them)."""
    provider, model = split_model(event.get("model"))
    config = as_dict(event.get("config"))
    choices = [c for c in output.get("choices") or [] if isinstance(c, dict)]
    attributes = SpanAttributes(
        {
            conventions.GEN_AI_OPERATION_NAME: "chat",
            conventions.GEN_AI_PROVIDER_NAME: provider,
            conventions.GEN_AI_REQUEST_MODEL: model,
            conventions.GEN_AI_RESPONSE_MODEL: output.get("model"),
            conventions.GEN_AI_INPUT_MESSAGES: json_unless_empty(messages(event.get("input"))),
            conventions.GEN_AI_OUTPUT_MESSAGES: json_unless_empty(choice_messages(choices)),
            conventions.GEN_AI_RESPONSE_FINISH_REASONS: [
                str(c["stop_reason"]) for c in choices if c.get("stop_reason")
            ]
            or None,
        }
    )
    attributes.keep_each(
        {
            "gen_ai.tool.definitions": json_unless_empty(event.get("tools"))
            if event.get("tools")
            else None,
            "inspect.model": event.get("model"),
            "inspect.model.config": config or None,
            "inspect.model.usage": usage or None,
            "inspect.model.output": {
                k: v for k, v in output.items() if k not in ("model", "choices", "usage")
            }
            or None,
        }
    )
    for key, target in PARAMS.items():
        attributes.set_in(conventions.GEN_AI_REQUEST, target, config.get(key))
    attributes.merge(usage_attributes(usage))
    attributes.keep_each(
        {f"inspect.model.{k}": v for k, v in event.items() if k not in _MODEL_FIELDS}
    )
    return attributes


def tool_attributes(event: Mapping[str, Any], error: dict[str, Any] | None) -> SpanAttributes:
    """The attributes of a tool event's call (``error`` its error object, if any)."""
    attributes = tool_call(
        event.get("function"), event.get("id"), event.get("arguments"), event.get("result"), error
    )
    attributes.keep_each(
        {f"inspect.tool.{k}": v for k, v in event.items() if k not in _TOOL_FIELDS}
    )
    return attributes


def tool_call(
    function: Any, call_id: Any, arguments: Any, result: Any, error: dict[str, Any] | None
) -> SpanAttributes:
    """A tool call in GenAI terms, from a tool event or a sample's tool message."""
    return SpanAttributes(
        {
            conventions.GEN_AI_OPERATION_NAME: "execute_tool",
            conventions.GEN_AI_TOOL_NAME: function,
            conventions.GEN_AI_TOOL_CALL_ID: call_id,
            conventions.GEN_AI_TOOL_CALL_ARGUMENTS: text_or_json(arguments),
            conventions.GEN_AI_TOOL_CALL_RESULT: content_text(result),
            conventions.ERROR_TYPE: error.get("type") if error else None,
        }
    )


def span_event(event: Mapping[str, Any], when: int | None, scorer: str | None) -> RawEvent:
    """Any other event as a span event; a score names ``scorer``, the scorer span it is in."""
    kind = str(event.get("event"))
    body = {k: v for k, v in event.items() if k not in EVENT_HOUSEKEEPING}
    if kind == "error":
        error = as_dict(event.get("error"))
        return RawEvent(
            "exception",
            when,
            {
                "exception.type": "EvalError",
                "exception.message": error.get("message"),
                "exception.stacktrace": error.get("traceback"),
            },
        )
    if kind == "score" and isinstance(event.get("score"), dict):
        value = event["score"].get("value")
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        return RawEvent(
            "gen_ai.evaluation.result",
            when,
            {
                "gen_ai.evaluation.name": scorer,
                "gen_ai.evaluation.score.value": value if numeric else None,
                "gen_ai.evaluation.score.label": None if numeric else text_or_json(value),
                "gen_ai.evaluation.explanation": event["score"].get("explanation"),
                **{f"inspect.{k}": v for k, v in body.items()},
            },
        )
    return RawEvent(f"inspect.{kind}", when, body)
