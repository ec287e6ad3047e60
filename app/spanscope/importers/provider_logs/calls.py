"""Recognising a record: which of the accepted shapes it is, and the call it describes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spanscope.importers.provider_logs.streams import (
    decode_body,
    parse_json_text,
    response_error,
)
from spanscope.importers.values import JsonDict

_PAIR_KEYS = (("request", "response"), ("req", "res"))
_STATUS_KEYS = ("status", "status_code", "statusCode")


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
            api=api, provider=_provider_of(api), response=record, error=response_error(record)
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
    err = stream_error or error_object(body) or (response_error(body) if api else None)
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
        call.error = call.error or error_object(body) or response_error(body)
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
            error=err or (response_error(resp_value) if api else None),
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
            body = parse_json_text(body, partial) if body.strip()[:1] in ("{", "[") else None
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
