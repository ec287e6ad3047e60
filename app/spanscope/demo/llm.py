"""Attributes of chat model spans in the three conventions (see ``encode``)."""

from __future__ import annotations

from spanscope.demo.encode import JSON, KV, Msg, arr, dumps, f, i, s
from spanscope.demo.story import MODELS
from spanscope.model import conventions


def llm_name(conv: str, model: str) -> str:
    if conv == "oi":
        return "ChatCompletion"
    if conv == "legacy":
        return MODELS[model][3] + ".chat"
    return "chat " + model


def llm_attrs(conv: str, call: JSON, system: str, history: list[Msg], out: Msg | None) -> list[KV]:
    """``call``: model, temperature, max_tokens, usage dict, response_id, session, user."""
    if conv == "oi":
        return _llm_oi(call, system, history, out)
    if conv == "legacy":
        return _llm_legacy(call, system, history, out)
    model = call["model"]
    provider, snapshot = MODELS[model][0], MODELS[model][1]
    attrs = [
        s(conventions.GEN_AI_OPERATION_NAME, "chat"),
        s(conventions.GEN_AI_PROVIDER_NAME, provider),
        s(conventions.GEN_AI_REQUEST_MODEL, model),
        *_temperature("gen_ai.request.temperature", call),
        i("gen_ai.request.max_tokens", call["max_tokens"]),
        s(conventions.GEN_AI_CONVERSATION_ID, call["session"]),
        s(conventions.GEN_AI_SYSTEM_INSTRUCTIONS, dumps([{"type": "text", "content": system}])),
        s(conventions.GEN_AI_INPUT_MESSAGES, "[" + ",".join(m.json for m in history) + "]"),
    ]
    if out is None:
        return attrs
    u = call["usage"]
    attrs += [
        s(conventions.GEN_AI_RESPONSE_MODEL, snapshot),
        s("gen_ai.response.id", call["response_id"]),
        arr(conventions.GEN_AI_RESPONSE_FINISH_REASONS, [call["finish"]]),
        i(conventions.GEN_AI_USAGE_INPUT_TOKENS, u["input"]),
        i(conventions.GEN_AI_USAGE_OUTPUT_TOKENS, u["output"]),
        s(conventions.GEN_AI_OUTPUT_MESSAGES, "[" + out.json + "]"),
    ]
    if u["cache_read"]:
        attrs.append(i(conventions.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, u["cache_read"]))
    if u["reasoning"]:
        attrs.append(i(conventions.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, u["reasoning"]))
    return attrs


def _temperature(key: str, call: JSON) -> list[KV]:
    """Reasoning models take no temperature, so their spans carry none."""
    return [] if call["temperature"] is None else [f(key, call["temperature"])]


def _llm_oi(call: JSON, system: str, history: list[Msg], out: Msg | None) -> list[KV]:
    model = call["model"]
    _, snapshot, _, _, oi_system = MODELS[model]
    params = dumps(
        {"max_tokens": call["max_tokens"]}
        if call["temperature"] is None
        else {"temperature": call["temperature"], "max_tokens": call["max_tokens"]}
    )
    attrs = [
        s(conventions.OPENINFERENCE_SPAN_KIND, "LLM"),
        s(conventions.LLM_MODEL_NAME, snapshot),
        s(conventions.LLM_PROVIDER, "google" if oi_system == "vertexai" else oi_system),
        s(conventions.LLM_SYSTEM, oi_system),
        s(conventions.LLM_INVOCATION_PARAMETERS, params),
        s(conventions.SESSION_ID, call["session"]),
        s(conventions.USER_ID, call["user"]),
        s("llm.input_messages.0.message.role", "system"),
        s("llm.input_messages.0.message.content", system),
    ]
    for n, m in enumerate(history, 1):
        attrs += _oi_message(f"llm.input_messages.{n}.message.", m)
    if out is None:
        return attrs
    u = call["usage"]
    attrs += _oi_message("llm.output_messages.0.message.", out)
    attrs += [
        i(conventions.LLM_TOKEN_COUNT_PROMPT, u["input"]),
        i(conventions.LLM_TOKEN_COUNT_COMPLETION, u["output"]),
        i(conventions.LLM_TOKEN_COUNT_TOTAL, u["input"] + u["output"]),
    ]
    if u["cache_read"]:
        attrs.append(i(conventions.LLM_TOKEN_COUNT_CACHE_READ, u["cache_read"]))
    if u["reasoning"]:
        attrs.append(i(conventions.LLM_TOKEN_COUNT_REASONING, u["reasoning"]))
    return attrs


def _oi_message(prefix: str, m: Msg) -> list[KV]:
    attrs = [s(prefix + "role", m.role)]
    if m.text:
        attrs.append(s(prefix + "content", m.text))
    if m.call_id is not None:
        attrs += [s(prefix + "content", m.response or ""), s(prefix + "tool_call_id", m.call_id)]
    for k, (cid, name, _, args_json) in enumerate(m.calls):
        p = f"{prefix}tool_calls.{k}.tool_call."
        attrs += [
            s(p + "id", cid),
            s(p + "function.name", name),
            s(p + "function.arguments", args_json),
        ]
    return attrs


def _llm_legacy(call: JSON, system: str, history: list[Msg], out: Msg | None) -> list[KV]:
    model = call["model"]
    attrs = [
        s(conventions.GEN_AI_SYSTEM, MODELS[model][3]),
        s(conventions.LLM_REQUEST_TYPE, "chat"),
        s(conventions.GEN_AI_REQUEST_MODEL, model),
        *_temperature("gen_ai.request.temperature", call),
        i("gen_ai.request.max_tokens", call["max_tokens"]),
        s("gen_ai.prompt.0.role", "system"),
        s("gen_ai.prompt.0.content", system),
    ]
    for n, m in enumerate(history, 1):
        attrs += _legacy_message(f"gen_ai.prompt.{n}.", m)
    if out is None:
        return attrs
    u = call["usage"]
    attrs += [
        s(conventions.GEN_AI_RESPONSE_MODEL, MODELS[model][1]),
        s("gen_ai.response.id", call["response_id"]),
        *_legacy_message("gen_ai.completion.0.", out),
        s("gen_ai.completion.0.finish_reason", call["finish"]),
        i(conventions.GEN_AI_USAGE_PROMPT_TOKENS, u["input"]),
        i(conventions.GEN_AI_USAGE_COMPLETION_TOKENS, u["output"]),
        i(conventions.LLM_USAGE_TOTAL_TOKENS, u["input"] + u["output"]),
    ]
    if u["cache_read"]:
        attrs.append(i(conventions.GEN_AI_USAGE_CACHE_READ_TOKENS_FLAT, u["cache_read"]))
    return attrs


def _legacy_message(prefix: str, m: Msg) -> list[KV]:
    attrs = [s(prefix + "role", m.role)]
    if m.text:
        attrs.append(s(prefix + "content", m.text))
    if m.call_id is not None:
        attrs += [s(prefix + "content", m.response or ""), s(prefix + "tool_call_id", m.call_id)]
    for k, (cid, name, _, args_json) in enumerate(m.calls):
        p = f"{prefix}tool_calls.{k}."
        attrs += [s(p + "id", cid), s(p + "name", name), s(p + "arguments", args_json)]
    return attrs
