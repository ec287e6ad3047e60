"""A call as its llm span: request and response in GenAI terms, the envelope, times, ids."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from spanscope.importers.chat import (
    anthropic_message,
    anthropic_usage,
    openai_usage,
    responses_input_messages,
    responses_output_message,
)
from spanscope.importers.provider_logs.calls import Call
from spanscope.importers.records import Record
from spanscope.importers.times import to_ns
from spanscope.importers.values import JsonDict, as_dict, as_list, compact_json
from spanscope.model import conventions
from spanscope.model.attributes import SpanAttributes
from spanscope.model.raw import RawEvent, RawSpan

# Headers that carry credentials are never stored.
_SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "cookie",
        "set-cookie",
        "openai-organization",
        "openai-project",
        "x-goog-api-key",
    }
)
_REQUEST_CONTENT_KEYS = ("model", "messages", "input", "system", "instructions", "tools", "prompt")
_ENVELOPE_START = (
    "timestamp",
    "start_time",
    "started_at",
    "start",
    "request_time",
    "created_at",
    "time",
)
_ENVELOPE_END = ("end_time", "ended_at", "end", "completed_at", "response_time")
_ENVELOPE_DURATION_MS = ("duration_ms", "latency_ms", "elapsed_ms")


def call_span(call: Call, record: Record) -> RawSpan:
    """The llm span of one call."""
    req = call.request or {}
    resp = call.response or {}
    env = call.envelope
    attrs = SpanAttributes(
        {conventions.SPANSCOPE_KIND: "llm", conventions.GEN_AI_OPERATION_NAME: "chat"}
    )
    provider = env.get("provider") if isinstance(env.get("provider"), str) else call.provider
    attrs[conventions.GEN_AI_PROVIDER_NAME] = provider.lower() if provider else None

    request_model = req.get("model") if isinstance(req.get("model"), str) else None
    response_model = resp.get("model") if isinstance(resp.get("model"), str) else None
    attrs[conventions.GEN_AI_REQUEST_MODEL] = request_model
    attrs[conventions.GEN_AI_RESPONSE_MODEL] = response_model
    if call.request is not None:
        _request_attributes(call.api, req, attrs)
    if call.response is not None:
        _response_attributes(call.api, resp, attrs)
    _context_attributes(req, env, attrs)

    if call.status_code is not None:
        attrs.keep("http.response.status_code", call.status_code)
    if call.url:
        attrs.keep("url.full", call.url)
    if call.method:
        attrs.keep("http.request.method", call.method)
    if call.response_headers:
        attrs.keep("provider_log.http.response_headers", redact_headers(call.response_headers))
    if call.request_headers:
        attrs.keep("provider_log.http.request_headers", redact_headers(call.request_headers))
    if call.stream_events is not None:
        attrs.set_in(conventions.GEN_AI_REQUEST, "stream", True)
        attrs.keep("provider_log.stream_events", call.stream_events)
    if call.batch:
        attrs.keep("openai.batch.custom_id", call.batch.get("custom_id"))
        attrs.keep("openai.batch.request_id", call.batch.get("request_id"))
        attrs.keep("openai.batch.line_id", call.batch.get("id"))
    if env:
        attrs.keep("provider_log.record", env)
    attrs.keep("provider_log.position", record.where)

    status, message, events = "ok", None, []
    if call.error is not None:
        status = "error"
        etype = call.error.get("type") or call.error.get("code")
        message = str(call.error.get("message") or etype or "error")
        attrs[conventions.ERROR_TYPE] = str(etype) if etype is not None else None
        attrs.keep("provider_log.error", call.error)
        events.append(
            RawEvent(
                "exception",
                None,
                {"exception.type": attrs[conventions.ERROR_TYPE], "exception.message": message},
            )
        )

    start_ns, end_ns = _times(env, resp)
    ident = resp.get("id") if isinstance(resp.get("id"), str) and resp.get("id") else None
    if ident is None:
        digest = hashlib.sha256(
            (record.where + "\n" + json.dumps(record.value, sort_keys=True, default=str)).encode()
        ).hexdigest()
        trace_id, span_id = digest[:32], digest[32:48]
    else:
        trace_id = span_id = ident
    model = response_model or request_model
    operation = str(attrs[conventions.GEN_AI_OPERATION_NAME])
    return RawSpan(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=None,
        name=f"{operation} {model}" if model else operation,
        start_ns=start_ns,
        end_ns=end_ns,
        status=status,
        status_message=message,
        span_kind="client",
        attributes=attrs.present(),
        events=events,
    )


def _request_attributes(api: str | None, req: JsonDict, attrs: SpanAttributes) -> None:
    if api == "messages":
        messages = [
            anthropic_message(m) for m in as_list(req.get("messages")) if isinstance(m, dict)
        ]
        system = req.get("system")
        if isinstance(system, str):
            attrs[conventions.GEN_AI_SYSTEM_INSTRUCTIONS] = system
        elif isinstance(system, list):
            attrs[conventions.GEN_AI_SYSTEM_INSTRUCTIONS] = compact_json(system)
    elif api == "responses":
        messages = responses_input_messages(req.get("input"))
        if isinstance(req.get("instructions"), str):
            attrs[conventions.GEN_AI_SYSTEM_INSTRUCTIONS] = req["instructions"]
    else:
        messages = [m for m in as_list(req.get("messages")) if isinstance(m, dict)]
        if not messages and isinstance(req.get("prompt"), str):
            messages = [{"role": "user", "content": req["prompt"]}]
    if messages:
        attrs[conventions.GEN_AI_INPUT_MESSAGES] = compact_json(messages)
    if isinstance(req.get("tools"), list) and req["tools"]:
        attrs.keep("gen_ai.tool.definitions", compact_json(req["tools"]))
    params = {k: v for k, v in req.items() if k not in _REQUEST_CONTENT_KEYS}
    if params:
        attrs[conventions.LLM_INVOCATION_PARAMETERS] = compact_json(params)
    for key, target in (
        ("temperature", "temperature"),
        ("top_p", "top_p"),
        ("top_k", "top_k"),
        ("max_tokens", "max_tokens"),
        ("max_completion_tokens", "max_tokens"),
        ("max_output_tokens", "max_tokens"),
        ("seed", "seed"),
        ("frequency_penalty", "frequency_penalty"),
        ("presence_penalty", "presence_penalty"),
        ("n", "choice.count"),
        ("stream", "stream"),
        ("stop_sequences", "stop_sequences"),
    ):
        if req.get(key) is not None:
            attrs.setdefault_in(conventions.GEN_AI_REQUEST, target, req[key])
    stop = req.get("stop")
    if stop is not None:
        attrs.setdefault_in(
            conventions.GEN_AI_REQUEST, "stop_sequences", stop if isinstance(stop, list) else [stop]
        )
    reasoning = req.get("reasoning")
    if isinstance(reasoning, dict) and reasoning.get("effort") is not None:
        attrs.set_in(conventions.GEN_AI_REQUEST, "reasoning_effort", reasoning["effort"])
    elif req.get("reasoning_effort") is not None:
        attrs.set_in(conventions.GEN_AI_REQUEST, "reasoning_effort", req["reasoning_effort"])


def _response_attributes(api: str | None, resp: JsonDict, attrs: SpanAttributes) -> None:
    attrs.keep("gen_ai.response.id", resp.get("id"))
    finish: list[str] = []
    if api == "chat":
        outputs = []
        rest_choices = []
        for choice in as_list(resp.get("choices")):
            if not isinstance(choice, dict):
                continue
            message = dict(as_dict(choice.get("message")))
            message.setdefault("role", "assistant")
            if choice.get("finish_reason") is not None:
                message["finish_reason"] = choice["finish_reason"]
                finish.append(str(choice["finish_reason"]))
            outputs.append(message)
            rest_choices.append({k: v for k, v in choice.items() if k != "message"})
        if outputs:
            attrs[conventions.GEN_AI_OUTPUT_MESSAGES] = compact_json(outputs)
        rest = {k: v for k, v in resp.items() if k != "choices"}
        rest["choices"] = rest_choices
        openai_usage(resp.get("usage"), attrs, responses=False)
    elif api == "responses":
        out = responses_output_message(resp.get("output"))
        reason = resp.get("incomplete_details")
        if isinstance(reason, dict) and reason.get("reason"):
            finish.append(str(reason["reason"]))
            if out is not None:
                out["finish_reason"] = reason["reason"]
        if out is not None:
            attrs[conventions.GEN_AI_OUTPUT_MESSAGES] = compact_json([out])
        if isinstance(resp.get("instructions"), str):
            attrs.setdefault(conventions.GEN_AI_SYSTEM_INSTRUCTIONS, resp["instructions"])
        tools = resp.get("tools")
        if isinstance(tools, list) and tools and "gen_ai.tool.definitions" not in attrs:
            attrs.keep("gen_ai.tool.definitions", compact_json(tools))
        for key, target in (
            ("temperature", "temperature"),
            ("top_p", "top_p"),
            ("max_output_tokens", "max_tokens"),
        ):
            if resp.get(key) is not None:
                attrs.setdefault_in(conventions.GEN_AI_REQUEST, target, resp[key])
        rest = {k: v for k, v in resp.items() if k not in ("output", "instructions", "tools")}
        openai_usage(resp.get("usage"), attrs, responses=True)
    else:
        message = anthropic_message(resp, "assistant")
        if resp.get("stop_reason") is not None:
            message["finish_reason"] = resp["stop_reason"]
            finish.append(str(resp["stop_reason"]))
        attrs[conventions.GEN_AI_OUTPUT_MESSAGES] = compact_json([message])
        rest = {k: v for k, v in resp.items() if k != "content"}
        anthropic_usage(resp.get("usage"), attrs)
    if finish:
        attrs.keep(conventions.GEN_AI_RESPONSE_FINISH_REASONS, finish)
    attrs.keep("provider_log.response", rest)


def _context_attributes(req: JsonDict, env: JsonDict, attrs: SpanAttributes) -> None:
    meta = as_dict(env.get("metadata"))
    req_meta = as_dict(req.get("metadata"))
    user = (
        env.get("user_id")
        or meta.get("user_id")
        or req_meta.get("user_id")
        or req.get("user")
        or req.get("safety_identifier")
    )
    session = env.get("session_id") or meta.get("session_id") or req_meta.get("session_id")
    attrs[conventions.USER_ID] = str(user) if isinstance(user, (str, int)) else None
    attrs[conventions.SESSION_ID] = str(session) if isinstance(session, (str, int)) else None
    tags = env.get("tags")
    if isinstance(tags, list):
        attrs[conventions.TAG_TAGS] = [str(t) for t in tags]


def _times(env: JsonDict, resp: JsonDict) -> tuple[int | None, int | None]:
    start = next((t for t in (to_ns(env.get(k)) for k in _ENVELOPE_START) if t is not None), None)
    end = next((t for t in (to_ns(env.get(k)) for k in _ENVELOPE_END) if t is not None), None)
    if start is None:
        start = to_ns(resp.get("created")) if "created" in resp else to_ns(resp.get("created_at"))
        end = end if end is not None else to_ns(resp.get("completed_at"))
    if end is None and start is not None:
        for key in _ENVELOPE_DURATION_MS:
            ms = env.get(key)
            if isinstance(ms, (int, float)) and not isinstance(ms, bool):
                end = start + int(Decimal(str(ms)) * 1_000_000)
                break
    return start, end


def redact_headers(headers: JsonDict) -> JsonDict:
    return {
        k: ("[redacted]" if str(k).lower() in _SECRET_HEADERS else v) for k, v in headers.items()
    }
