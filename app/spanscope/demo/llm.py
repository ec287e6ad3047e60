"""Attributes of chat model spans in the three conventions (see ``encode``)."""

from __future__ import annotations

from spanscope.demo.encode import JSON, KV, Msg, arr, dumps, f, i, s
from spanscope.demo.story import MODELS


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
        s("gen_ai.operation.name", "chat"),
        s("gen_ai.provider.name", provider),
        s("gen_ai.request.model", model),
        *_temperature("gen_ai.request.temperature", call),
        i("gen_ai.request.max_tokens", call["max_tokens"]),
        s("gen_ai.conversation.id", call["session"]),
        s("gen_ai.system_instructions", dumps([{"type": "text", "content": system}])),
        s("gen_ai.input.messages", "[" + ",".join(m.json for m in history) + "]"),
    ]
    if out is None:
        return attrs
    u = call["usage"]
    attrs += [
        s("gen_ai.response.model", snapshot),
        s("gen_ai.response.id", call["response_id"]),
        arr("gen_ai.response.finish_reasons", [call["finish"]]),
        i("gen_ai.usage.input_tokens", u["input"]),
        i("gen_ai.usage.output_tokens", u["output"]),
        s("gen_ai.output.messages", "[" + out.json + "]"),
    ]
    if u["cache_read"]:
        attrs.append(i("gen_ai.usage.cache_read.input_tokens", u["cache_read"]))
    if u["reasoning"]:
        attrs.append(i("gen_ai.usage.reasoning.output_tokens", u["reasoning"]))
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
        s("openinference.span.kind", "LLM"),
        s("llm.model_name", snapshot),
        s("llm.provider", "google" if oi_system == "vertexai" else oi_system),
        s("llm.system", oi_system),
        s("llm.invocation_parameters", params),
        s("session.id", call["session"]),
        s("user.id", call["user"]),
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
        i("llm.token_count.prompt", u["input"]),
        i("llm.token_count.completion", u["output"]),
        i("llm.token_count.total", u["input"] + u["output"]),
    ]
    if u["cache_read"]:
        attrs.append(i("llm.token_count.prompt_details.cache_read", u["cache_read"]))
    if u["reasoning"]:
        attrs.append(i("llm.token_count.completion_details.reasoning", u["reasoning"]))
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
        s("gen_ai.system", MODELS[model][3]),
        s("llm.request.type", "chat"),
        s("gen_ai.request.model", model),
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
        s("gen_ai.response.model", MODELS[model][1]),
        s("gen_ai.response.id", call["response_id"]),
        *_legacy_message("gen_ai.completion.0.", out),
        s("gen_ai.completion.0.finish_reason", call["finish"]),
        i("gen_ai.usage.prompt_tokens", u["input"]),
        i("gen_ai.usage.completion_tokens", u["output"]),
        i("llm.usage.total_tokens", u["input"] + u["output"]),
    ]
    if u["cache_read"]:
        attrs.append(i("gen_ai.usage.cache_read_input_tokens", u["cache_read"]))
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
