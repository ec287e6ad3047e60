"""llm and embedding runs: provider, model and parameters, messages from the inputs and
outputs (and what of them the messages do not say), usage and cost."""

from __future__ import annotations

import re
from typing import Any

from spanscope.importers.chat import anthropic_usage, openai_usage
from spanscope.importers.chat_payloads import is_plain_rendering, to_messages
from spanscope.importers.values import as_dict
from spanscope.model import conventions
from spanscope.model.attributes import SpanAttributes
from spanscope.model.raw import json_text

MODEL_KINDS = ("llm", "embedding")
_MESSAGES = {
    "input": conventions.GEN_AI_INPUT_MESSAGES,
    "output": conventions.GEN_AI_OUTPUT_MESSAGES,
}
_PARAMETER_KEYS = (
    "temperature",
    "top_p",
    "top_k",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "n",
    "stream",
    "reasoning_effort",
    "tool_choice",
    "response_format",
    "parallel_tool_calls",
)


def model_attributes(
    attributes: SpanAttributes,
    run: dict[str, Any],
    inputs: Any,
    outputs: Any,
    metadata: dict[str, Any],
    extra: dict[str, Any],
    *,
    model_run: bool,
) -> None:
    """What an llm or embedding run says of its call. ``model_run`` says the run's own type is
    llm or embedding: only then do its token aggregates count (on chains they sum children)."""
    if isinstance(metadata.get("ls_provider"), str):
        attributes[conventions.GEN_AI_PROVIDER_NAME] = metadata["ls_provider"]
    request_model = metadata.get("ls_model_name")
    if not request_model and isinstance(inputs, dict):
        request_model = inputs.get("model") or inputs.get("model_name")
    if isinstance(request_model, str) and request_model:
        attributes[conventions.GEN_AI_REQUEST_MODEL] = request_model
    response_model = _response_model(outputs)
    if response_model:
        attributes[conventions.GEN_AI_RESPONSE_MODEL] = response_model
    for source, target in (
        ("ls_temperature", "temperature"),
        ("ls_max_tokens", "max_tokens"),
        ("ls_stop", "stop_sequences"),
    ):
        if metadata.get(source) is not None:
            attributes.set_in(conventions.GEN_AI_REQUEST, target, metadata[source])
    parameters = extra.get("invocation_params")
    if not isinstance(parameters, dict) and isinstance(inputs, dict):
        parameters = {k: inputs[k] for k in _PARAMETER_KEYS if inputs.get(k) is not None}
    if isinstance(parameters, dict) and parameters:
        attributes[conventions.LLM_INVOCATION_PARAMETERS] = json_text(parameters)

    for side, payload, role, key in (
        ("input", inputs, "user", "messages"),
        ("output", outputs, "assistant", "choices"),
    ):
        if payload in (None, {}, ""):
            continue
        messages = to_messages(payload, role)
        if messages:
            attributes[_MESSAGES[side]] = json_text(messages)
        rest = _remainder(payload, messages, key)
        if rest not in (None, {}, ""):
            attributes.keep(f"langsmith.run.{side}s", rest)

    attributes.merge(_usage(run, outputs, model_run))
    reasons = _finish_reasons(outputs)
    if reasons:
        attributes.keep(conventions.GEN_AI_RESPONSE_FINISH_REASONS, reasons)
    cost = run.get("total_cost")
    if isinstance(cost, str):
        try:
            cost = float(cost)
        except ValueError:
            cost = None
    if isinstance(cost, (int, float)) and not isinstance(cost, bool):
        attributes[conventions.LLM_COST_TOTAL] = cost


def _remainder(payload: Any, messages: list[dict[str, Any]] | None, key: str) -> Any:
    """What of ``payload`` the messages do not already say: nothing when they render it
    exactly, the payload without its plain message list, or the whole payload."""
    if messages is None:
        return payload
    if is_plain_rendering(payload, messages):
        return None
    if isinstance(payload, dict):
        inner = payload.get(key)
        if key == "messages" and is_plain_rendering(inner, messages):
            return {k: v for k, v in payload.items() if k != key} or None
        if key == "choices" and _plain_choices(inner, messages):
            return {k: v for k, v in payload.items() if k != key} or None
    return payload


def _plain_choices(choices: Any, messages: list[dict[str, Any]]) -> bool:
    if not isinstance(choices, list) or len(choices) != len(messages):
        return False
    rendered = []
    for choice in choices:
        if not isinstance(choice, dict) or not set(choice) <= {
            "index",
            "message",
            "finish_reason",
            "logprobs",
        }:
            return False
        if choice.get("logprobs") is not None or not isinstance(choice.get("message"), dict):
            return False
        message = dict(choice["message"])
        if choice.get("finish_reason") is not None:
            message["finish_reason"] = choice["finish_reason"]
        rendered.append(message)
    return is_plain_rendering(rendered, messages)


def _response_model(outputs: Any) -> str | None:
    if not isinstance(outputs, dict):
        return None
    model = outputs.get("model") or as_dict(outputs.get("llm_output")).get("model_name")
    if isinstance(model, str):
        return model
    message = _first_generation_message(outputs)
    metadata = message.get("response_metadata") if message else None
    if isinstance(metadata, dict):
        model = metadata.get("model_name") or metadata.get("model")
        if isinstance(model, str):
            return model
    return None


def _finish_reasons(outputs: Any) -> list[str]:
    """Why the model stopped, per generation: LangChain keeps it in ``generation_info`` or the
    message's ``response_metadata`` (``finish_reason``; Anthropic's ``stop_reason``), a raw
    OpenAI response in its choices."""
    if not isinstance(outputs, dict):
        return []
    found: list[Any] = []
    generations = outputs.get("generations")
    if isinstance(generations, list):
        for generation in (
            g for row in generations for g in (row if isinstance(row, list) else [row])
        ):
            if not isinstance(generation, dict):
                continue
            info = as_dict(generation.get("generation_info"))
            message = as_dict(generation.get("message"))
            metadata = as_dict(as_dict(message.get("kwargs") or message).get("response_metadata"))
            found.append(
                info.get("finish_reason")
                or metadata.get("finish_reason")
                or metadata.get("stop_reason")
            )
    choices = outputs.get("choices")
    if isinstance(choices, list):
        found.extend(as_dict(c).get("finish_reason") for c in choices)
    return [r for r in found if isinstance(r, str) and r]


def _first_generation_message(outputs: dict[str, Any]) -> dict[str, Any] | None:
    """The kwargs (or dict) of the first generated LangChain message, if any."""
    candidates: list[Any] = []
    generations = outputs.get("generations")
    if isinstance(generations, list):
        flat = [g for row in generations for g in (row if isinstance(row, list) else [row])]
        candidates.extend(g.get("message") for g in flat if isinstance(g, dict))
    candidates.append(outputs.get("output"))
    for message in candidates:
        if isinstance(message, dict):
            if message.get("lc") == 1 and isinstance(message.get("kwargs"), dict):
                return as_dict(message["kwargs"])
            if "content" in message:
                return message
    return None


def _usage(run: dict[str, Any], outputs: Any, model_run: bool) -> SpanAttributes:
    """GenAI usage from the run's outputs, or from its own token counts."""
    outputs = outputs if isinstance(outputs, dict) else {}
    usage = outputs.get("usage_metadata")
    if not isinstance(usage, dict):
        message = _first_generation_message(outputs)
        usage = message.get("usage_metadata") if message else None
    if isinstance(usage, dict):  # LangChain UsageMetadata: totals include their details
        input_details = as_dict(usage.get("input_token_details"))
        output_details = as_dict(usage.get("output_token_details"))
        return _usage_attributes(
            usage.get("input_tokens"),
            usage.get("output_tokens"),
            usage.get("total_tokens"),
            input_details.get("cache_read"),
            input_details.get("cache_creation"),
            output_details.get("reasoning"),
        )
    llm_output = as_dict(outputs.get("llm_output"))
    for usage in (llm_output.get("token_usage"), llm_output.get("usage"), outputs.get("usage")):
        if not isinstance(usage, dict):
            continue
        attrs = SpanAttributes()
        if "prompt_tokens" in usage or "completion_tokens" in usage:
            openai_usage(usage, attrs, responses=False)
        elif "cache_read_input_tokens" in usage or "cache_creation_input_tokens" in usage:
            anthropic_usage(usage, attrs)  # Anthropic: input excludes cache, added back
        elif "input_tokens" in usage or "output_tokens" in usage:
            openai_usage(usage, attrs, responses=True)
        else:
            continue
        return attrs.recorded()
    if model_run:
        prompt = as_dict(run.get("prompt_token_details"))
        completion = as_dict(run.get("completion_token_details"))
        return _usage_attributes(
            run.get("prompt_tokens"),
            run.get("completion_tokens"),
            run.get("total_tokens"),
            prompt.get("cache_read"),
            prompt.get("cache_creation"),
            completion.get("reasoning"),
        )
    return SpanAttributes()


def _usage_attributes(
    inputs: Any, outputs: Any, total: Any, cache_read: Any, cache_write: Any, reasoning: Any
) -> SpanAttributes:
    out = SpanAttributes()
    for key, value in (
        (conventions.GEN_AI_USAGE_INPUT_TOKENS, inputs),
        (conventions.GEN_AI_USAGE_OUTPUT_TOKENS, outputs),
        (conventions.GEN_AI_USAGE_TOTAL_TOKENS, total),
        (conventions.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, cache_read),
        (conventions.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, cache_write),
        (conventions.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, reasoning),
    ):
        number = _number(value)
        if number is not None:
            out[key] = number
    return out


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d+", value.strip()):
        return int(value)
    return None
