"""What a Braintrust llm row says about its model call, whichever code logged it.

The SDK's own wrappers (OpenAI, Anthropic) write the request as ``metadata{model, provider,
temperature, ...}``, the input as chat messages and the output as OpenAI choices or an
Anthropic message. The LangChain callback handlers (``braintrust-langchain`` for Python,
``@braintrust/langchain-js``) write instead:

- ``metadata.invocation_params{model | model_name, temperature, max_tokens, tools, ...}`` and
  LangChain's run metadata under ``metadata.metadata{ls_provider, ls_model_name,
  ls_temperature, ls_max_tokens, ...}``; the end row adds ``metadata.model``, the model that
  answered;
- the input as a batch of message lists (``[[message, ...]]``), each message either
  LangChain-serialised (``{"lc": 1, "type": "constructor", "id": [..., "HumanMessage"],
  "kwargs": {...}}``, JS) or a message model's fields (``{"type": "human", "content": ...}``,
  Python); AI messages carry ``tool_calls``, tool messages ``tool_call_id``;
- the output as an ``LLMResult``: ``{generations: [[{text, message, generation_info}]],
  llm_output{model_name, token_usage}}`` (``generationInfo``/``llmOutput`` in JS).
"""

from __future__ import annotations

from typing import Any

from spanscope.importers.chat import anthropic_message
from spanscope.importers.chat_payloads import to_messages
from spanscope.importers.values import JsonDict, as_dict, compact_json
from spanscope.model import conventions
from spanscope.model.attributes import SpanAttributes

PARAMS = (
    "temperature",
    "top_p",
    "top_k",
    "max_tokens",
    "max_completion_tokens",
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "stop",
    "n",
    "stream",
)
_PARAM_NAMES = {
    "max_completion_tokens": "max_tokens",
    "n": "choice.count",
    "stop": "stop_sequences",
}


def request_model(metadata: JsonDict) -> str | None:
    """The model asked for: the invocation parameters and LangChain's ``ls_model_name`` first
    (a LangChain end row sets ``metadata.model`` to the model that answered), else ``model``."""
    invocation = as_dict(metadata.get("invocation_params"))
    run = as_dict(metadata.get("metadata"))
    for value in (
        invocation.get("model"),
        invocation.get("model_name"),
        run.get("ls_model_name"),
        metadata.get("ls_model_name"),
        metadata.get("model"),
    ):
        if isinstance(value, str) and value:
            return value
    return None


def response_model(output: Any, metadata: JsonDict) -> str | None:
    """The model that answered: LangChain's ``response_metadata.model_name`` or
    ``llm_output.model_name``, or the ``model`` a LangChain handler's end row sets beside the
    invocation parameters."""
    output = as_dict(output)
    llm_output = as_dict(output.get("llm_output") or output.get("llmOutput"))
    if isinstance(llm_output.get("model_name"), str):
        return str(llm_output["model_name"])
    for generation in _generations(output):
        message = as_dict(generation.get("message"))
        fields = as_dict(message.get("kwargs")) or message
        name = as_dict(fields.get("response_metadata")).get("model_name")
        if isinstance(name, str) and name:
            return name
    model = metadata.get("model")
    handler = "invocation_params" in metadata or "ls_model_name" in as_dict(
        metadata.get("metadata")
    )
    return model if handler and isinstance(model, str) and model else None


def provider(metadata: JsonDict) -> str | None:
    """``provider``, else LangChain's ``ls_provider``."""
    for value in (
        metadata.get("provider"),
        as_dict(metadata.get("metadata")).get("ls_provider"),
        metadata.get("ls_provider"),
    ):
        if isinstance(value, str) and value:
            return value.lower()
    return None


def request_attributes(metadata: JsonDict, attrs: SpanAttributes) -> None:
    """Request parameters and the tools offered, from ``metadata`` or the invocation parameters."""
    invocation = as_dict(metadata.get("invocation_params"))
    for key in PARAMS:
        value = metadata.get(key)
        if value is None:
            value = invocation.get(key)
        if value is not None:
            attrs.set_in(conventions.GEN_AI_REQUEST, _PARAM_NAMES.get(key, key), value)
    tools = metadata.get("tools") or invocation.get("tools")
    if isinstance(tools, list) and tools:
        attrs.keep("gen_ai.tool.definitions", compact_json(tools))


def input_messages(value: Any) -> list[Any] | None:
    """The call's input as chat messages, or None when it has no message shape."""
    found = _messages(value, "user")
    return found if found is not None else _without_repeated_calls(to_messages(value, "user"))


def output_messages(value: Any) -> list[Any] | None:
    """The call's output as chat messages, or None when it has no message shape."""
    found = _output_messages(value)
    if found is not None:
        return found
    if isinstance(value, dict) and _generations(value):
        value = {"generations": _generations(value)}
    return _without_repeated_calls(to_messages(value, "assistant"))


def _without_repeated_calls(messages: list[Any] | None) -> list[Any] | None:
    """An AI message of ChatAnthropic holds its tool calls twice: as ``tool_use`` blocks in its
    content and as LangChain ``tool_calls``. The calls are kept once, as tool calls."""
    for message in messages or []:
        content = message.get("content")
        if message.get("tool_calls") and isinstance(content, list):
            message["content"] = [
                b for b in content if not (isinstance(b, dict) and b.get("type") == "tool_use")
            ]
    return messages


def _generations(output: JsonDict) -> list[JsonDict]:
    generations = output.get("generations")
    if not isinstance(generations, list):
        return []
    flat: list[Any] = []
    for item in generations:
        flat.extend(item if isinstance(item, list) else [item])
    out = []
    for generation in flat:
        if not isinstance(generation, dict):
            continue
        info = as_dict(generation.get("generation_info") or generation.get("generationInfo"))
        reason = info.get("finish_reason")
        if isinstance(reason, str) and "finish_reason" not in generation:
            generation = {**generation, "finish_reason": reason}
        out.append(generation)
    return out


def _is_message(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("role"), str)


def _messages(value: Any, default_role: str) -> list[Any] | None:
    """Chat messages as written (OpenAI shape), Anthropic content blocks as GenAI parts."""
    if isinstance(value, dict) and isinstance(value.get("messages"), list):
        value = value["messages"]
    if not (isinstance(value, list) and value and all(_is_message(m) for m in value)):
        return None
    return [_message(m, default_role) for m in value]


def _message(message: JsonDict, default_role: str) -> JsonDict:
    content = message.get("content")
    if isinstance(content, list) and any(
        isinstance(b, dict)
        and (
            b.get("type") in ("thinking", "tool_use", "tool_result", "redacted_thinking")
            # tools Anthropic runs itself: server_tool_use, mcp_tool_use, *_tool_result
            or str(b.get("type")).endswith(("server_tool_use", "mcp_tool_use", "_tool_result"))
        )
        for b in content
    ):
        return anthropic_message(message, default_role)
    return message


def _output_messages(value: Any) -> list[Any] | None:
    if (
        isinstance(value, list)
        and value
        and all(isinstance(c, dict) and _is_message(c.get("message")) for c in value)
    ):
        out = []
        for choice in value:
            message = dict(choice["message"])
            if choice.get("finish_reason") is not None:
                message["finish_reason"] = choice["finish_reason"]
            out.append(message)
        return out
    if _is_message(value):
        message = _message(value, "assistant")
        if isinstance(value, dict) and value.get("stop_reason") is not None:
            message = {**message, "finish_reason": value["stop_reason"]}
        return [message]
    if isinstance(value, str):
        return [{"role": "assistant", "content": value}]
    return _messages(value, "assistant")


__all__ = [
    "input_messages",
    "output_messages",
    "provider",
    "request_attributes",
    "request_model",
    "response_model",
]
