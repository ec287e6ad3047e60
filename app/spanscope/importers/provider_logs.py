"""Raw provider request/response logs: each record is one model call, imported as a one-span
trace (kind llm).

Files: JSON Lines (one record per line), one JSON document holding a record or a list of
records, or JSON documents one after another; plain, gzip or zstd. A line holding a JSON list
contributes each element as a record. One document is read whole, so it is refused above
512 MB (write JSON Lines instead).

Record shapes accepted (each recognised by its structure, never by a file name):

(a) a pair ``{"request": REQ, "response": RESP, ...}`` (also spelt ``req``/``res``). ``REQ`` is
    a request body (OpenAI Chat Completions ``{model, messages, tools, temperature, ...}``,
    OpenAI Responses ``{model, input, instructions, ...}``, Anthropic Messages ``{model, system,
    messages, max_tokens, ...}``) or an HTTP request ``{method, url, headers, body}`` whose body
    is such a request, as an object or a JSON string. ``RESP`` is any of (b)-(e), or null when
    the call failed and the record has an ``error`` object. The request key is optional. The
    other keys of the record are the team's own envelope: ``timestamp``/``start_time``/
    ``started_at``/``created_at``/``time`` (start), ``end_time``/``ended_at``/``completed_at``
    (end), ``duration_ms``/``latency_ms``/``elapsed_ms`` (end = start + duration),
    ``session_id``, ``user_id``, ``tags``, ``provider``, ``metadata``; all of them are kept.
    ``input``/``output`` are *not* taken as a pair: Langfuse, Braintrust and Phoenix records
    use those names for spans of their own.
(b) an OpenAI Chat Completions response (``object: "chat.completion"``, ``choices``, ``usage``
    with ``prompt_tokens_details.cached_tokens`` and ``completion_tokens_details.
    reasoning_tokens``; ``created`` in epoch seconds).
(c) an OpenAI Responses API response (``object: "response"``, ``output`` items message /
    function_call / reasoning, ``usage.input_tokens_details.cached_tokens`` and
    ``output_tokens_details.reasoning_tokens``; ``created_at`` in epoch seconds).
(d) an Anthropic Messages response (``type: "message"``, content blocks text / thinking /
    tool_use). Its ``usage.input_tokens`` EXCLUDES ``cache_read_input_tokens`` and
    ``cache_creation_input_tokens``; they are added, so input tokens include cached input as
    for every other format.
(e) an HTTP recording ``{status, headers, body}`` (``status_code``/``statusCode`` too) whose body
    is one of (b)-(d) or a provider error, as an object or a string: JSON, or server-sent
    events for streams, which are reassembled into the final response (Anthropic
    ``message_start``/``content_block_*``/``message_delta``; OpenAI ``chat.completion.chunk``
    deltas; Responses ``response.*`` events).
(f) an OpenAI Batch output line ``{id, custom_id, response: {status_code, request_id, body},
    error}``. Its request is in the batch *input* file, which is a different file: it is not
    joined, and ``custom_id`` is kept so the two can be matched.

Mapping: the provider comes from the shape (openai for (b), (c) and (f), anthropic for (d)),
unless the envelope names one. Request: input messages (Chat Completions messages as written;
Anthropic and Responses items as GenAI parts), system instructions, tools offered
(``gen_ai.tool.definitions``), model and parameters (``gen_ai.request.*``, and every parameter
in ``llm.invocation_parameters``). Response: output messages with tool calls and reasoning,
usage, response model, id and finish reasons. An HTTP status >= 400, an ``error`` object, a
stream ``error`` event or a Responses ``status: "failed"`` make the span an error with the
provider's message. Times: the envelope's own fields first, else the response's ``created`` /
``created_at``; with neither the span has no time. Ids: trace id and span id are the response
``id`` (``chatcmpl-…``, ``msg_…``, ``resp_…``), so the same call logged twice, in one file or
several, is one span; without one they are a hash of the record's position and content.
Kept as well, under ``provider_log.*``: the response minus its message content (usage as
written, service tier, fingerprint, ...), the envelope, HTTP status and headers (credentials
redacted), the batch ids. The SSE text itself is not kept: the reassembled message is.

The helpers at the end of this module (reading JSON records from a file and its sample,
times, batching) are shared with the other JSON importers.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, cast

import pyarrow as pa
import zstandard

from spanscope.importers.base import SAMPLE_BYTES, ArrowSource, ImportError_, Sample
from spanscope.model.raw import RawEvent, RawSpan, to_batch

JsonDict = dict[str, Any]

BATCH_SPANS = 2000
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024
SNIFF_RECORDS = 20

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
_PAIR_KEYS = (("request", "response"), ("req", "res"))
_STATUS_KEYS = ("status", "status_code", "statusCode")


class ProviderLogs:
    """Raw OpenAI / Anthropic request and response logs: one record, one llm span."""

    name = "provider-log"

    def sniff(self, sample: Sample) -> bool:
        records = head_records(sample)
        if not records:
            return False
        # The first record must be a call and some record of the head a call with a response;
        # a later record of another kind is then reported by position when the file is read.
        calls = [classify(r, partial=True) for r in records]
        return calls[0] is not None and any(
            c is not None and c.api is not None and c.response is not None for c in calls
        )

    def source(self, sample: Sample, workdir: Path) -> ArrowSource:
        records = JsonRecords(sample)
        return ArrowSource(batches=span_batches(self._spans(records)), progress=records.progress)

    def _spans(self, records: JsonRecords) -> Iterator[RawSpan]:
        for record in records:
            try:
                call = classify(record.value, partial=False)
                if call is None:
                    raise ValueError(
                        f"not a provider request/response record ({describe_value(record.value)})"
                    )
                yield call_span(call, record)
            except ValueError as exc:
                raise ImportError_(f"{records.path}: {exc} at {record.where}") from None


# -- recognising a record -------------------------------------------------------------------


@dataclass
class Call:
    """One model call as a record told it."""

    api: str | None  # chat, responses, messages; None when only an error is known
    provider: str | None
    request: JsonDict | None = None
    response: JsonDict | None = None
    error: JsonDict | None = None
    status_code: int | None = None
    response_headers: JsonDict | None = None
    request_headers: JsonDict | None = None
    url: str | None = None
    method: str | None = None
    envelope: JsonDict = field(default_factory=dict)
    batch: JsonDict | None = None
    stream_events: int | None = None


def response_api(value: Any) -> str | None:
    """Which API a response object comes from, by its structure."""
    if not isinstance(value, dict):
        return None
    obj = value.get("object")
    if obj == "chat.completion" and ("choices" in value or "id" in value):
        return "chat"
    if obj == "response" and isinstance(value.get("id"), str):
        return "responses"
    if (
        value.get("type") == "message"
        and value.get("role") == "assistant"
        and ("content" in value or "model" in value)
    ):
        return "messages"
    return None


def error_object(value: Any) -> JsonDict | None:
    """A provider error body: OpenAI ``{error: {message, type, code}}``, Anthropic
    ``{type: "error", error: {type, message}}``."""
    if not isinstance(value, dict):
        return None
    err = value.get("error")
    if isinstance(err, dict) and any(k in err for k in ("message", "type", "code")):
        return err
    if isinstance(err, str) and len(value) <= 3:
        return {"message": err}
    return None


def classify(record: Any, *, partial: bool) -> Call | None:
    """The call a record describes, or None when it is not a provider record. With
    ``partial`` the record may be the cut-off head of a file (used by the sniffer)."""
    if not isinstance(record, dict) or _carries_trace(record):
        return None
    if "custom_id" in record and ("response" in record or "error" in record):
        return _batch_line(record, partial)
    if "body" in record and _status(record) is not None:
        call = _http_response(record, partial)
        if call is not None:
            call.envelope = {
                k: v for k, v in record.items() if k not in ("body", "headers", *_STATUS_KEYS)
            }
        return call
    for req_key, resp_key in _PAIR_KEYS:
        if resp_key in record:
            return _pair(record, req_key, resp_key, partial)
    api = response_api(record)
    if api is not None:
        return Call(
            api=api, provider=_provider_of(api), response=record, error=_response_error(record)
        )
    return None


def _carries_trace(record: JsonDict) -> bool:
    """A response that brings its own trace (Databricks agent endpoints return the MLflow trace
    in ``databricks_output.trace``) belongs to that trace's format."""
    extra = record.get("databricks_output")
    return isinstance(extra, dict) and "trace" in extra


def _provider_of(api: str | None, body: Any = None) -> str | None:
    if api == "messages":
        return "anthropic"
    if api in ("chat", "responses"):
        return "openai"
    if isinstance(body, dict) and body.get("type") == "error":
        return "anthropic"
    return None


def _status(record: JsonDict) -> int | None:
    for key in _STATUS_KEYS:
        value = record.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.isdigit():
            return int(value)
        if isinstance(value, dict) and isinstance(value.get("code"), int):
            return int(value["code"])
    return None


def _header(headers: Any, name: str) -> str | None:
    if isinstance(headers, dict):
        for key, value in headers.items():
            if str(key).lower() == name:
                if isinstance(value, list):
                    value = value[0] if value else None
                return str(value) if value is not None else None
    return None


def _http_response(record: JsonDict, partial: bool) -> Call | None:
    status = _status(record)
    headers = record.get("headers")
    body, events, stream_error, api = decode_body(
        record.get("body"), _header(headers, "content-type"), partial
    )
    if api is None:
        api = response_api(body)
    err = stream_error or error_object(body) or (_response_error(body) if api else None)
    if api is None and err is None:
        return None
    call = Call(
        api=api,
        provider=_provider_of(api, body),
        response=body if api else None,
        error=err,
        status_code=status,
        response_headers=headers if isinstance(headers, dict) else None,
        stream_events=events,
    )
    if status is not None and status >= 400 and call.error is None:
        text = body if isinstance(body, str) else None
        call.error = {"type": f"http_{status}", "message": (text or f"HTTP status {status}")[:2000]}
    return call


def _batch_line(record: JsonDict, partial: bool) -> Call | None:
    response = record.get("response")
    if response is not None and not (
        isinstance(response, dict) and ("body" in response or "status_code" in response)
    ):
        return None
    err = record.get("error") if isinstance(record.get("error"), dict) else None
    call = Call(
        api=None,
        provider="openai",
        error=err,
        batch={k: record.get(k) for k in ("id", "custom_id") if record.get(k) is not None},
    )
    if isinstance(response, dict):
        if response.get("request_id") is not None:
            call.batch = {**(call.batch or {}), "request_id": response.get("request_id")}
        body, _, _, _ = decode_body(response.get("body"), None, partial)
        call.status_code = _status(response)
        call.api = response_api(body)
        if call.api is not None:
            call.response = body
        call.error = call.error or error_object(body) or _response_error(body)
        if call.status_code is not None and call.status_code >= 400 and call.error is None:
            call.error = {
                "type": f"http_{call.status_code}",
                "message": f"HTTP status {call.status_code}",
            }
    if call.api is None and call.error is None:
        return None
    call.envelope = {
        k: v for k, v in record.items() if k not in ("id", "custom_id", "response", "error")
    }
    return call


def _pair(record: JsonDict, req_key: str, resp_key: str, partial: bool) -> Call | None:
    resp_value = record.get(resp_key)
    call: Call | None
    if (
        isinstance(resp_value, dict)
        and "body" in resp_value
        and (_status(resp_value) is not None or "headers" in resp_value)
    ):
        call = _http_response(resp_value, partial)
    elif resp_value is None:
        err = record.get("error")
        call = Call(
            api=None,
            provider=None,
            error=err
            if isinstance(err, dict)
            else ({"message": err} if isinstance(err, str) else None),
        )
        if call.error is None:
            return None
    else:
        api = response_api(resp_value)
        err = error_object(resp_value)
        if api is None and err is None:
            return None
        call = Call(
            api=api,
            provider=_provider_of(api, resp_value),
            response=resp_value if api else None,
            error=err or (_response_error(resp_value) if api else None),
        )
    if call is None:
        return None
    req_value = record.get(req_key)
    unread_request = False
    if req_value is not None:
        request, url, method, headers = _unwrap_request(req_value, partial)
        unread_request = request is None and url is None
        call.request, call.url, call.method, call.request_headers = request, url, method, headers
        if call.api is None:
            call.api = _request_api(request, url, headers, call.error)
            call.provider = call.provider or _provider_of(call.api)
    elif call.api is None and call.response is None and call.error is not None and not partial:
        return None  # an error with neither request nor response says nothing about a call
    # A request in a shape not read here (text, an SDK's own object) is kept as it was.
    call.envelope = {
        k: v for k, v in record.items() if k != resp_key and (k != req_key or unread_request)
    }
    if "error" in call.envelope and call.error is not None and resp_value is None:
        del call.envelope["error"]
    return call


def _unwrap_request(
    value: Any, partial: bool
) -> tuple[JsonDict | None, str | None, str | None, JsonDict | None]:
    """(request body, url, method, headers) of a request body or an HTTP request."""
    if not isinstance(value, dict):
        return None, None, None, None
    if "body" in value and any(k in value for k in ("method", "url", "uri", "headers")):
        body: Any = value.get("body")
        if isinstance(body, str):
            body = _parse_json_text(body, partial) if body.strip()[:1] in ("{", "[") else None
        url = value.get("url", value.get("uri"))
        headers = value.get("headers")
        return (
            body if isinstance(body, dict) else None,
            url if isinstance(url, str) else None,
            value.get("method") if isinstance(value.get("method"), str) else None,
            headers if isinstance(headers, dict) else None,
        )
    if any(k in value for k in ("model", "messages", "input")):
        return value, None, None, None
    return None, None, None, None


def _request_api(
    request: JsonDict | None, url: str | None, headers: JsonDict | None, error: JsonDict | None
) -> str | None:
    path = (url or "").split("?")[0].rstrip("/")
    if path.endswith("/messages"):
        return "messages"
    if path.endswith("/chat/completions"):
        return "chat"
    if path.endswith("/responses"):
        return "responses"
    if _header(headers, "anthropic-version") is not None:
        return "messages"
    if request is None:
        return None
    if "input" in request and "messages" not in request:
        return "responses"
    if "messages" in request:
        if "system" in request or "anthropic_version" in request:
            return "messages"
        return "chat"
    return None


def _response_error(response: Any) -> JsonDict | None:
    """An error the response object itself reports (Responses ``status: "failed"``)."""
    if isinstance(response, dict) and response.get("status") == "failed":
        err = response.get("error")
        return err if isinstance(err, dict) else {"message": "the response failed"}
    return None


def _parse_json_text(text: str, partial: bool) -> Any:
    if partial:
        try:
            return json.loads(text)
        except ValueError:
            return partial_json(text)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ValueError(f"body is not valid JSON ({exc})") from None


# -- bodies: JSON text and server-sent events -------------------------------------------------

_SSE_START = re.compile(r"(?:event|data|id|retry)\s*:|:")


def decode_body(
    body: Any, content_type: str | None, partial: bool
) -> tuple[Any, int | None, JsonDict | None, str | None]:
    """(response object, stream event count, stream error, api) of an HTTP body that is an
    object, JSON text or server-sent events."""
    if not isinstance(body, str):
        return body, None, None, None
    text = body.strip()
    if not text:
        return None, None, None, None
    if text[0] in "{[" and "event-stream" not in (content_type or ""):
        return _parse_json_text(text, partial), None, None, None
    if "event-stream" in (content_type or "") or _SSE_START.match(text):
        payloads = sse_payloads(text, partial)
        response, error, api = reassemble_stream(payloads)
        return response, len(payloads), error, api
    return body, None, None, None


def sse_payloads(text: str, partial: bool) -> list[JsonDict]:
    """The JSON data of each server-sent event (``[DONE]`` and non-JSON pings skipped)."""
    payloads: list[JsonDict] = []
    event: str | None = None
    data: list[str] = []

    def flush() -> None:
        joined = "\n".join(data).strip()
        if not joined or joined == "[DONE]":
            return
        try:
            value = json.loads(joined)
        except ValueError:
            if partial:
                return
            raise ValueError(f"server-sent event {len(payloads) + 1} is not valid JSON") from None
        if isinstance(value, dict):
            if event and "type" not in value and event != "message":
                value = {**value, "type": event}
            payloads.append(value)

    for line in text.splitlines():
        if not line.strip():
            if data:
                flush()
            event, data = None, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            event = value.strip()
        elif name == "data":
            data.append(value)
    if data:
        flush()
    return payloads


def reassemble_stream(
    payloads: list[JsonDict],
) -> tuple[JsonDict | None, JsonDict | None, str | None]:
    """(final response, error, api) from the events of a streamed response."""
    first = next((p for p in payloads if p.get("type") not in ("ping", "error")), None)
    error = next(
        (
            p.get("error")
            for p in payloads
            if p.get("type") == "error" or (isinstance(p.get("error"), dict) and "object" not in p)
        ),
        None,
    )
    error = error if isinstance(error, dict) else None
    if first is None:
        return None, error, None
    kind = first.get("type")
    if kind == "message_start":
        return _anthropic_stream(payloads), error, "messages"
    if first.get("object") == "chat.completion.chunk":
        return _chat_stream(payloads), error, "chat"
    if isinstance(kind, str) and kind.startswith("response."):
        response = _responses_stream(payloads)
        return response, error or _response_error(response), "responses" if response else None
    return None, error, None


def _anthropic_stream(payloads: list[JsonDict]) -> JsonDict:
    message: JsonDict = {}
    usage: JsonDict = {}
    blocks: dict[int, JsonDict] = {}
    partial_inputs: dict[int, str] = {}

    def close(index: int) -> None:
        text = partial_inputs.pop(index, None)
        if text is None or index not in blocks:
            return
        if not text.strip():
            return
        try:
            blocks[index]["input"] = json.loads(text)
        except ValueError:
            blocks[index]["input"] = text  # cut off mid-stream: keep what arrived

    for p in payloads:
        kind = p.get("type")
        index = _index(p.get("index"))
        if kind == "message_start" and isinstance(p.get("message"), dict):
            message = dict(p["message"])
            usage = dict(message.get("usage") or {})
        elif kind == "content_block_start":
            block = p.get("content_block")
            blocks[index] = dict(block) if isinstance(block, dict) else {}
        elif kind == "content_block_delta":
            block = blocks.setdefault(index, {})
            delta = as_dict(p.get("delta"))
            dtype = delta.get("type")
            if dtype == "text_delta":
                block["text"] = str(block.get("text") or "") + str(delta.get("text") or "")
            elif dtype == "thinking_delta":
                block["thinking"] = str(block.get("thinking") or "") + str(
                    delta.get("thinking") or ""
                )
            elif dtype == "signature_delta":
                block["signature"] = str(block.get("signature") or "") + str(
                    delta.get("signature") or ""
                )
            elif dtype == "input_json_delta":
                partial_inputs[index] = partial_inputs.get(index, "") + str(
                    delta.get("partial_json") or ""
                )
            elif dtype == "citations_delta":
                block.setdefault("citations", []).append(delta.get("citation"))
        elif kind == "content_block_stop":
            close(index)
        elif kind == "message_delta":
            message.update(as_dict(p.get("delta")))
            if isinstance(p.get("usage"), dict):
                usage.update(p["usage"])
    for index in list(partial_inputs):
        close(index)
    message["content"] = [blocks[i] for i in sorted(blocks)]
    if usage:
        message["usage"] = usage
    message.setdefault("type", "message")
    message.setdefault("role", "assistant")
    return message


def _chat_stream(payloads: list[JsonDict]) -> JsonDict:
    response: JsonDict = {}
    choices: dict[int, JsonDict] = {}
    calls: dict[int, dict[int, JsonDict]] = {}
    for p in payloads:
        if p.get("object") != "chat.completion.chunk":
            continue
        if not response:
            response = {k: v for k, v in p.items() if k not in ("choices", "usage", "object")}
            response["object"] = "chat.completion"
        for key in ("model", "system_fingerprint", "service_tier"):
            if p.get(key) is not None:
                response[key] = p[key]
        if isinstance(p.get("usage"), dict):
            response["usage"] = p["usage"]
        for chunk in p.get("choices") or []:
            if not isinstance(chunk, dict):
                continue
            i = _index(chunk.get("index"))
            choice = choices.setdefault(
                i,
                {
                    "index": i,
                    "message": {"role": "assistant", "content": None},
                    "finish_reason": None,
                },
            )
            message = choice["message"]
            delta = as_dict(chunk.get("delta"))
            if delta.get("role"):
                message["role"] = delta["role"]
            for key in ("content", "refusal", "reasoning_content"):
                if isinstance(delta.get(key), str):
                    message[key] = (message.get(key) or "") + delta[key]
            for tc in delta.get("tool_calls") or []:
                if not isinstance(tc, dict):
                    continue
                ti = _index(tc.get("index"))
                call = calls.setdefault(i, {}).setdefault(
                    ti, {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
                )
                if tc.get("id"):
                    call["id"] = tc["id"]
                fn = as_dict(tc.get("function"))
                if fn.get("name"):
                    call["function"]["name"] += str(fn["name"])
                if fn.get("arguments"):
                    call["function"]["arguments"] += str(fn["arguments"])
            if chunk.get("finish_reason"):
                choice["finish_reason"] = chunk["finish_reason"]
            logprobs = chunk.get("logprobs")
            if isinstance(logprobs, dict) and isinstance(logprobs.get("content"), list):
                choice.setdefault("logprobs", {"content": []})["content"].extend(
                    logprobs["content"]
                )
    for i, by_index in calls.items():
        choices[i]["message"]["tool_calls"] = [by_index[k] for k in sorted(by_index)]
    response["choices"] = [choices[i] for i in sorted(choices)]
    return response


def _index(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _responses_stream(payloads: list[JsonDict]) -> JsonDict | None:
    response: JsonDict | None = None
    items: list[Any] = []
    for p in payloads:
        if isinstance(p.get("response"), dict):
            response = dict(p["response"])
        if p.get("type") == "response.output_item.done" and isinstance(p.get("item"), dict):
            items.append(p["item"])
    if response is not None and not response.get("output") and items:
        response["output"] = items
    return response


# -- a call as a span -----------------------------------------------------------------------


def call_span(call: Call, record: Record) -> RawSpan:
    """The llm span of one call."""
    req = call.request or {}
    resp = call.response or {}
    env = call.envelope
    attrs: JsonDict = {"spanscope.kind": "llm", "gen_ai.operation.name": "chat"}
    provider = env.get("provider") if isinstance(env.get("provider"), str) else call.provider
    attrs["gen_ai.provider.name"] = provider.lower() if provider else None

    request_model = req.get("model") if isinstance(req.get("model"), str) else None
    response_model = resp.get("model") if isinstance(resp.get("model"), str) else None
    attrs["gen_ai.request.model"] = request_model
    attrs["gen_ai.response.model"] = response_model
    if call.request is not None:
        _request_attributes(call.api, req, attrs)
    if call.response is not None:
        _response_attributes(call.api, resp, attrs)
    _context_attributes(req, env, attrs)

    if call.status_code is not None:
        attrs["http.response.status_code"] = call.status_code
    if call.url:
        attrs["url.full"] = call.url
    if call.method:
        attrs["http.request.method"] = call.method
    if call.response_headers:
        attrs["provider_log.http.response_headers"] = redact_headers(call.response_headers)
    if call.request_headers:
        attrs["provider_log.http.request_headers"] = redact_headers(call.request_headers)
    if call.stream_events is not None:
        attrs["gen_ai.request.stream"] = True
        attrs["provider_log.stream_events"] = call.stream_events
    if call.batch:
        attrs["openai.batch.custom_id"] = call.batch.get("custom_id")
        attrs["openai.batch.request_id"] = call.batch.get("request_id")
        attrs["openai.batch.line_id"] = call.batch.get("id")
    if env:
        attrs["provider_log.record"] = env
    attrs["provider_log.position"] = record.where

    status, message, events = "ok", None, []
    if call.error is not None:
        status = "error"
        etype = call.error.get("type") or call.error.get("code")
        message = str(call.error.get("message") or etype or "error")
        attrs["error.type"] = str(etype) if etype is not None else None
        attrs["provider_log.error"] = call.error
        events.append(
            RawEvent(
                "exception",
                None,
                {"exception.type": attrs["error.type"], "exception.message": message},
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
    operation = str(attrs["gen_ai.operation.name"])
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
        attributes={k: v for k, v in attrs.items() if v is not None},
        events=events,
    )


def _request_attributes(api: str | None, req: JsonDict, attrs: JsonDict) -> None:
    if api == "messages":
        messages = [anthropic_message(m) for m in _list(req.get("messages")) if isinstance(m, dict)]
        system = req.get("system")
        if isinstance(system, str):
            attrs["gen_ai.system_instructions"] = system
        elif isinstance(system, list):
            attrs["gen_ai.system_instructions"] = compact_json(system)
    elif api == "responses":
        messages = responses_input_messages(req.get("input"))
        if isinstance(req.get("instructions"), str):
            attrs["gen_ai.system_instructions"] = req["instructions"]
    else:
        messages = [m for m in _list(req.get("messages")) if isinstance(m, dict)]
        if not messages and isinstance(req.get("prompt"), str):
            messages = [{"role": "user", "content": req["prompt"]}]
    if messages:
        attrs["gen_ai.input.messages"] = compact_json(messages)
    if isinstance(req.get("tools"), list) and req["tools"]:
        attrs["gen_ai.tool.definitions"] = compact_json(req["tools"])
    params = {k: v for k, v in req.items() if k not in _REQUEST_CONTENT_KEYS}
    if params:
        attrs["llm.invocation_parameters"] = compact_json(params)
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
            attrs.setdefault(f"gen_ai.request.{target}", req[key])
    stop = req.get("stop")
    if stop is not None:
        attrs.setdefault(
            "gen_ai.request.stop_sequences", stop if isinstance(stop, list) else [stop]
        )
    reasoning = req.get("reasoning")
    if isinstance(reasoning, dict) and reasoning.get("effort") is not None:
        attrs["gen_ai.request.reasoning_effort"] = reasoning["effort"]
    elif req.get("reasoning_effort") is not None:
        attrs["gen_ai.request.reasoning_effort"] = req["reasoning_effort"]


def _response_attributes(api: str | None, resp: JsonDict, attrs: JsonDict) -> None:
    attrs["gen_ai.response.id"] = resp.get("id")
    finish: list[str] = []
    if api == "chat":
        outputs = []
        rest_choices = []
        for choice in _list(resp.get("choices")):
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
            attrs["gen_ai.output.messages"] = compact_json(outputs)
        rest = {k: v for k, v in resp.items() if k != "choices"}
        rest["choices"] = rest_choices
        _openai_usage(resp.get("usage"), attrs, responses=False)
    elif api == "responses":
        out = responses_output_message(resp.get("output"))
        reason = resp.get("incomplete_details")
        if isinstance(reason, dict) and reason.get("reason"):
            finish.append(str(reason["reason"]))
            if out is not None:
                out["finish_reason"] = reason["reason"]
        if out is not None:
            attrs["gen_ai.output.messages"] = compact_json([out])
        if isinstance(resp.get("instructions"), str):
            attrs.setdefault("gen_ai.system_instructions", resp["instructions"])
        if isinstance(resp.get("tools"), list) and resp["tools"]:
            attrs.setdefault("gen_ai.tool.definitions", compact_json(resp["tools"]))
        for key, target in (
            ("temperature", "temperature"),
            ("top_p", "top_p"),
            ("max_output_tokens", "max_tokens"),
        ):
            if resp.get(key) is not None:
                attrs.setdefault(f"gen_ai.request.{target}", resp[key])
        rest = {k: v for k, v in resp.items() if k not in ("output", "instructions", "tools")}
        _openai_usage(resp.get("usage"), attrs, responses=True)
    else:
        message = anthropic_message(resp, "assistant")
        if resp.get("stop_reason") is not None:
            message["finish_reason"] = resp["stop_reason"]
            finish.append(str(resp["stop_reason"]))
        attrs["gen_ai.output.messages"] = compact_json([message])
        rest = {k: v for k, v in resp.items() if k != "content"}
        anthropic_usage(resp.get("usage"), attrs)
    if finish:
        attrs["gen_ai.response.finish_reasons"] = finish
    attrs["provider_log.response"] = rest


def _openai_usage(usage: Any, attrs: JsonDict, *, responses: bool) -> None:
    if not isinstance(usage, dict):
        return
    in_key, out_key = (
        ("input_tokens", "output_tokens") if responses else ("prompt_tokens", "completion_tokens")
    )
    in_details = usage.get(f"{in_key}_details")
    out_details = usage.get(f"{out_key}_details")
    attrs["gen_ai.usage.input_tokens"] = _int(usage.get(in_key))  # includes cached input
    attrs["gen_ai.usage.output_tokens"] = _int(usage.get(out_key))  # includes reasoning
    attrs["gen_ai.usage.total_tokens"] = _int(usage.get("total_tokens"))
    if isinstance(in_details, dict):
        attrs["gen_ai.usage.cache_read.input_tokens"] = _int(in_details.get("cached_tokens"))
    if isinstance(out_details, dict):
        attrs["gen_ai.usage.reasoning.output_tokens"] = _int(out_details.get("reasoning_tokens"))


def anthropic_usage(usage: Any, attrs: JsonDict) -> None:
    """Anthropic usage in GenAI terms: input_tokens there excludes cache reads and writes, so
    they are added back."""
    if not isinstance(usage, dict):
        return
    uncached = _int(usage.get("input_tokens"))
    cache_read = _int(usage.get("cache_read_input_tokens"))
    cache_write = _int(usage.get("cache_creation_input_tokens"))
    output = _int(usage.get("output_tokens"))
    total_in = None if uncached is None else uncached + (cache_read or 0) + (cache_write or 0)
    attrs["gen_ai.usage.input_tokens"] = total_in
    attrs["gen_ai.usage.output_tokens"] = output
    attrs["gen_ai.usage.cache_read.input_tokens"] = cache_read
    attrs["gen_ai.usage.cache_creation.input_tokens"] = cache_write
    if total_in is not None and output is not None:
        attrs["gen_ai.usage.total_tokens"] = total_in + output
    details = usage.get("output_tokens_details")
    if isinstance(details, dict):
        attrs["gen_ai.usage.reasoning.output_tokens"] = _int(
            details.get("thinking_tokens", details.get("reasoning_tokens"))
        )


def _context_attributes(req: JsonDict, env: JsonDict, attrs: JsonDict) -> None:
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
    attrs["user.id"] = str(user) if isinstance(user, (str, int)) else None
    attrs["session.id"] = str(session) if isinstance(session, (str, int)) else None
    tags = env.get("tags")
    if isinstance(tags, list):
        attrs["tag.tags"] = [str(t) for t in tags]


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


# -- messages in GenAI parts ----------------------------------------------------------------


def anthropic_parts(content: Any) -> list[JsonDict]:
    """Anthropic content (a string or blocks) as GenAI message parts."""
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    parts: list[JsonDict] = []
    for block in _list(content):
        if isinstance(block, str):
            parts.append({"type": "text", "content": block})
            continue
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        extra = {
            k: v
            for k, v in block.items()
            if k in ("citations", "cache_control", "signature", "caller", "is_error")
        }
        if kind == "text":
            parts.append({"type": "text", "content": block.get("text"), **extra})
        elif kind == "thinking":
            parts.append({"type": "reasoning", "content": block.get("thinking"), **extra})
        elif kind == "redacted_thinking":
            parts.append({"type": "reasoning", "content": None, "redacted": block.get("data")})
        elif kind == "tool_use":
            parts.append(
                {
                    "type": "tool_call",
                    "id": block.get("id"),
                    "name": block.get("name"),
                    "arguments": block.get("input"),
                    **extra,
                }
            )
        elif kind == "server_tool_use":
            parts.append(
                {
                    "type": "server_tool_call",
                    "id": block.get("id"),
                    "name": block.get("name"),
                    "arguments": block.get("input"),
                }
            )
        elif kind == "tool_result":
            result = block.get("content")
            texts = [
                b.get("text")
                for b in _list(result)
                if isinstance(b, dict) and b.get("type") == "text"
            ]
            if isinstance(result, list) and len(texts) == len(result):
                result = "\n".join(str(t) for t in texts)
            parts.append(
                {
                    "type": "tool_call_response",
                    "id": block.get("tool_use_id"),
                    "response": result,
                    **extra,
                }
            )
        elif kind in ("image", "document") and isinstance(block.get("source"), dict):
            source = block["source"]
            if source.get("type") == "url":
                parts.append({"type": "uri", "modality": kind, "uri": source.get("url")})
            else:
                parts.append(
                    {
                        "type": "blob",
                        "modality": kind,
                        "mime_type": source.get("media_type"),
                        "content": source.get("data"),
                    }
                )
        else:
            parts.append({"type": str(kind), "content": compact_json(block)})
    return parts


def anthropic_message(message: JsonDict, default_role: str = "user") -> JsonDict:
    role = message.get("role") if isinstance(message.get("role"), str) else default_role
    return {"role": role, "parts": anthropic_parts(message.get("content"))}


def _responses_content_parts(content: Any) -> list[JsonDict]:
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    parts: list[JsonDict] = []
    for item in _list(content):
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind in ("input_text", "output_text", "text"):
            part: JsonDict = {"type": "text", "content": item.get("text")}
            if item.get("annotations"):
                part["annotations"] = item["annotations"]
            parts.append(part)
        elif kind == "refusal":
            parts.append({"type": "refusal", "content": item.get("refusal")})
        elif kind == "input_image":
            parts.append(
                {
                    "type": "uri",
                    "modality": "image",
                    "uri": item.get("image_url") or item.get("file_id"),
                }
            )
        else:
            parts.append({"type": str(kind), "content": compact_json(item)})
    return parts


def _responses_item_parts(item: JsonDict) -> tuple[str, list[JsonDict]]:
    """(role, parts) of one Responses input or output item."""
    kind = item.get("type")
    if kind == "message" or (kind is None and "role" in item):
        return str(item.get("role") or "user"), _responses_content_parts(item.get("content"))
    if kind == "function_call":
        return "assistant", [
            {
                "type": "tool_call",
                "id": item.get("call_id"),
                "name": item.get("name"),
                "arguments": item.get("arguments"),
                "item_id": item.get("id"),
            }
        ]
    if kind == "function_call_output":
        return "tool", [
            {
                "type": "tool_call_response",
                "id": item.get("call_id"),
                "response": item.get("output"),
            }
        ]
    if kind == "reasoning":
        texts = [
            s.get("text")
            for s in _list(item.get("summary")) + _list(item.get("content"))
            if isinstance(s, dict) and s.get("text")
        ]
        return "assistant", [
            {
                "type": "reasoning",
                "content": "\n".join(map(str, texts)) or None,
                "item_id": item.get("id"),
            }
        ]
    return "assistant", [{"type": str(kind), "content": compact_json(item)}]


def responses_input_messages(value: Any) -> list[JsonDict]:
    if isinstance(value, str):
        return [{"role": "user", "parts": [{"type": "text", "content": value}]}]
    messages: list[JsonDict] = []
    for item in _list(value):
        if not isinstance(item, dict):
            continue
        role, parts = _responses_item_parts(item)
        if (
            messages
            and role == "assistant"
            and messages[-1]["role"] == "assistant"
            and item.get("type") != "message"
        ):
            messages[-1]["parts"].extend(parts)
        else:
            messages.append({"role": role, "parts": parts})
    return messages


def responses_output_message(value: Any) -> JsonDict | None:
    parts: list[JsonDict] = []
    for item in _list(value):
        if isinstance(item, dict):
            parts.extend(_responses_item_parts(item)[1])
    return {"role": "assistant", "parts": parts} if parts else None


# -- shared helpers: JSON records of a file ---------------------------------------------------


@dataclass(frozen=True)
class Record:
    """One JSON value of a file and where it was (``line 12``, ``record 3``, ...)."""

    value: Any
    where: str


class JsonRecords:
    """The records of a JSON file: one per line of JSON Lines, or the document(s) of a file
    that is not JSON Lines; a JSON list contributes its elements. Reads gzip and zstd too."""

    def __init__(self, sample: Sample) -> None:
        self.path = sample.path
        self.compression = sample.compression
        self._size = max(sample.path.stat().st_size, 1)
        self._raw: IO[bytes] | None = None
        self._done = False

    def progress(self) -> float:
        if self._done:
            return 1.0
        raw = self._raw
        if raw is None:
            return 0.0
        try:
            return min(raw.tell() / self._size, 1.0)
        except (OSError, ValueError):
            return -1.0

    def __iter__(self) -> Iterator[Record]:
        with open(self.path, "rb") as raw:
            self._raw = raw
            stream: IO[bytes]
            if self.compression == "gzip":
                stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw))
            elif self.compression == "zstd":
                stream = io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw))
            elif self.compression == "none":
                stream = raw
            else:
                raise ImportError_(f"{self.path}: a {self.compression} archive is not a JSON file")
            try:
                yield from self._read(stream)
            except (EOFError, OSError, zstandard.ZstdError) as exc:
                raise ImportError_(
                    f"{self.path}: the compressed data is damaged or cut off ({exc})"
                ) from None
            finally:
                self._done = True

    def _read(self, stream: IO[bytes]) -> Iterator[Record]:
        line_no = 0
        first = b""
        for line in stream:
            line_no += 1
            if line_no == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if line.strip():
                first = line
                break
        if not first:
            return
        try:
            value = json.loads(first)
        except ValueError:
            yield from self._document(first, stream, line_no)
            return
        yield from _expand(value, f"line {line_no}", by_line=True)
        for line in stream:
            line_no += 1
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError as exc:
                raise ImportError_(
                    f"{self.path}: invalid JSON at line {line_no} ({_reason(exc)})"
                ) from None
            yield from _expand(value, f"line {line_no}", by_line=True)

    def _document(self, first: bytes, stream: IO[bytes], first_line: int) -> Iterator[Record]:
        chunks, total = [first], len(first)
        for line in stream:
            total += len(line)
            if total > MAX_DOCUMENT_BYTES:
                raise ImportError_(
                    f"{self.path}: one JSON document larger than {MAX_DOCUMENT_BYTES // 2**20} MB "
                    "cannot be read whole; write the records as JSON Lines instead"
                )
            chunks.append(line)
        try:
            text = b"".join(chunks).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ImportError_(f"{self.path}: not UTF-8 text ({exc})") from None
        del chunks
        decoder = json.JSONDecoder()
        pos, count, length = _skip_space(text, 0), 0, len(text)
        while pos < length:
            try:
                value, end = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                at = first_line + exc.lineno - 1
                raise ImportError_(
                    f"{self.path}: invalid or cut-off JSON at line {at} column "
                    f"{exc.colno} ({exc.msg})"
                ) from None
            count += 1
            yield from _expand(value, f"record {count}", by_line=False)
            pos = _skip_space(text, end)


def _expand(value: Any, where: str, *, by_line: bool) -> Iterator[Record]:
    if isinstance(value, list):
        for i, item in enumerate(value, 1):
            yield Record(item, f"{where}, item {i}" if by_line else f"record {i}")
    else:
        yield Record(value, where)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at column {exc.colno}"
    return str(exc)


def head_records(sample: Sample, limit: int = SNIFF_RECORDS) -> list[Any]:
    """The first records of a file as far as its sample shows them, for sniffing. Records cut
    off by the end of the sample (or of a truncated file) come back partially decoded."""
    if sample.compression == "zip":
        return []
    text = sample.text.lstrip()
    if text[:1] not in ("{", "["):
        return []
    whole = len(sample.head) < SAMPLE_BYTES
    if whole:
        try:
            value = json.loads(text)
        except ValueError:
            pass
        else:
            return (value if isinstance(value, list) else [value])[:limit]
    lines = text.splitlines()
    found: list[Any] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            if found or (i == len(lines) - 1 and not whole and i > 0):
                return found
            break
        found.extend(value if isinstance(value, list) else [value])
        if len(found) >= limit:
            return found[:limit]
    if found:
        return found
    decoder = json.JSONDecoder()
    pos = 0
    while pos < len(text) and len(found) < limit:
        try:
            value, end = decoder.raw_decode(text, pos)
        except ValueError:
            value = partial_json(text[pos:])
            if isinstance(value, list):
                items = [v for v in value if v is not None]
                # the last element is the one the end of the sample cut; keep it only when alone
                found.extend(items[:-1] if len(items) > 1 else items)
            elif value is not None:
                found.append(value)
            break
        found.extend(value if isinstance(value, list) else [value])
        pos = _skip_space(text, end)
    return found[:limit]


_DECODER = json.JSONDecoder()


def partial_json(text: str) -> Any:
    """As much of a JSON value as the text holds: a value cut off by the end of the text comes
    back with the members read so far (strings cut short included)."""
    return _partial_value(text, _skip_space(text, 0))[0]


def _partial_value(text: str, pos: int) -> tuple[Any, int, bool]:
    if pos >= len(text):
        return None, pos, False
    try:
        value, end = _DECODER.raw_decode(text, pos)
        return value, end, True
    except ValueError:
        pass
    ch = text[pos]
    if ch == "{":
        return _partial_object(text, pos + 1)
    if ch == "[":
        return _partial_array(text, pos + 1)
    if ch == '"':
        return _partial_string(text, pos + 1), len(text), False
    return None, len(text), False


def _partial_object(text: str, pos: int) -> tuple[Any, int, bool]:
    obj: JsonDict = {}
    while True:
        pos = _skip_space(text, pos)
        if pos >= len(text):
            return obj, pos, False
        ch = text[pos]
        if ch == "}":
            return obj, pos + 1, True
        if ch == ",":
            pos += 1
            continue
        if ch != '"':
            return obj, len(text), False
        try:
            key, pos = _DECODER.raw_decode(text, pos)
        except ValueError:
            return obj, len(text), False
        pos = _skip_space(text, pos)
        if pos >= len(text) or text[pos] != ":":
            return obj, len(text), False
        value, pos, complete = _partial_value(text, _skip_space(text, pos + 1))
        obj[str(key)] = value
        if not complete:
            return obj, pos, False


def _partial_array(text: str, pos: int) -> tuple[Any, int, bool]:
    items: list[Any] = []
    while True:
        pos = _skip_space(text, pos)
        if pos >= len(text):
            return items, pos, False
        ch = text[pos]
        if ch == "]":
            return items, pos + 1, True
        if ch == ",":
            pos += 1
            continue
        value, pos, complete = _partial_value(text, pos)
        if value is not None or complete:
            items.append(value)
        if not complete:
            return items, pos, False


def _partial_string(text: str, pos: int) -> str | None:
    fragment = text[pos:]
    for cut in range(0, 7):
        candidate = fragment[: len(fragment) - cut] if cut else fragment
        try:
            value = json.loads('"' + candidate + '"')
        except ValueError:
            continue
        return str(value)
    return None


def describe_value(value: Any) -> str:
    if isinstance(value, dict):
        keys = ", ".join(list(value)[:6])
        return f"an object with keys {keys}" if keys else "an empty object"
    return f"a JSON {type(value).__name__}"


# -- shared helpers: values -----------------------------------------------------------------


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def as_dict(value: Any) -> JsonDict:
    """The value when it is an object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


_ISO = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d+))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_ns(value: Any) -> int | None:
    """Nanoseconds since the epoch (UTC) of a time as formats write it: ISO 8601 with or without
    an offset (naive means UTC), or epoch seconds / ms / µs / ns told apart by magnitude.
    Integers are converted exactly; anything else (placeholders such as ``<timestamp>``)
    is no time."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _epoch_ns(Decimal(value))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return _epoch_ns(Decimal(repr(value)))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _NUMBER.fullmatch(text):
        try:
            return _epoch_ns(Decimal(text))
        except InvalidOperation:
            return None
    match = _ISO.fullmatch(text)
    if not match:
        return None
    day, clock, fraction, offset = match.groups()
    try:
        base = datetime.fromisoformat(f"{day}T{clock}")
    except ValueError:
        return None
    if offset and offset.upper() != "Z":
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) >= 4 else 0)
        base_ns = _utc_ns(base) - sign * minutes * 60 * 1_000_000_000
    else:
        base_ns = _utc_ns(base)
    if fraction:
        base_ns += int(fraction[:9].ljust(9, "0"))
    return base_ns


def _utc_ns(naive: datetime) -> int:
    delta = naive.replace(tzinfo=UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def _epoch_ns(number: Decimal) -> int | None:
    magnitude = abs(number)
    if magnitude < Decimal(10) ** 11:
        scale = 1_000_000_000
    elif magnitude < Decimal(10) ** 14:
        scale = 1_000_000
    elif magnitude < Decimal(10) ** 17:
        scale = 1000
    else:
        scale = 1
    return int((number * scale).to_integral_value())


def span_batches(spans: Iterable[RawSpan], size: int = BATCH_SPANS) -> Iterator[pa.RecordBatch]:
    """Arrow batches of about ``size`` spans."""
    chunk: list[RawSpan] = []
    for span in spans:
        chunk.append(span)
        if len(chunk) >= size:
            yield to_batch(chunk)
            chunk = []
    if chunk:
        yield to_batch(chunk)


__all__ = [
    "Call",
    "JsonRecords",
    "as_dict",
    "ProviderLogs",
    "Record",
    "anthropic_message",
    "anthropic_parts",
    "anthropic_usage",
    "classify",
    "compact_json",
    "describe_value",
    "head_records",
    "partial_json",
    "span_batches",
    "to_ns",
]
