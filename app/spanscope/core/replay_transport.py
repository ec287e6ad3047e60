"""Sending a request to an endpoint through the providers' official SDKs.

The SDKs are an optional extra, imported only when a request is really sent: importing
Spanscope, opening a window or a dialog never loads them and never touches the network.
Every failure comes back as an :class:`Outcome` whose ``error`` says, for a person, what went
wrong (no network, 401, 429, timeout, malformed answer) instead of an exception.
"""

from __future__ import annotations

import importlib
import inspect
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

from spanscope.core.replay_payloads import anthropic_payload, openai_payload
from spanscope.core.replay_request import CallOutput, ReplayRequest

INSTALL_HINT = "pip install 'spanscope[replay]'"
PROTOCOLS = ("openai", "anthropic")


class ReplayUnavailable(Exception):
    """The SDK a protocol needs is not installed; the message says how to install it."""


@dataclass(frozen=True)
class Endpoint:
    """Where a request goes. Comes from settings only, never from trace content."""

    name: str
    protocol: str  # openai | anthropic
    base_url: str
    model: str = ""  # model to ask for; empty: the recorded one
    api_key_env: str = ""  # environment variable holding the key
    keyring: bool = False  # the key is in the system keyring under this endpoint's name
    timeout_s: float = 60.0
    stream: bool = False


@dataclass
class Outcome:
    """One sent request: the answer, or the error shown to the user."""

    output: CallOutput | None
    latency_ms: float
    error: str | None = None
    error_kind: str | None = (
        None  # auth, rate_limit, timeout, network, server, malformed, cancelled, setup
    )

    @property
    def ok(self) -> bool:
        return self.error is None


class _Malformed(Exception):
    """The endpoint answered 200 with something that is not a chat answer."""


class _Cancelled(Exception):
    pass


def load_sdk(protocol: str) -> ModuleType:
    """The SDK module of ``protocol``; :class:`ReplayUnavailable` with install advice when
    it is missing."""
    if protocol not in PROTOCOLS:
        raise ReplayUnavailable(f"unknown protocol {protocol!r}; choose openai or anthropic")
    try:
        return importlib.import_module(protocol)
    except ImportError as exc:
        raise ReplayUnavailable(
            f"Re-running model calls needs the {protocol} Python SDK, which is not installed. "
            f"Install the replay extra: {INSTALL_HINT}"
        ) from exc


def send(
    endpoint: Endpoint,
    request: ReplayRequest,
    api_key: str,
    *,
    cancelled: Callable[[], bool] = lambda: False,
    max_retries: int = 0,
) -> Outcome:
    """Send ``request`` once. Raises only :class:`ReplayUnavailable`; every other failure is
    an :class:`Outcome` with an error. Retries are the user's choice (a button), so the SDK's
    own retries are off by default."""
    sdk = load_sdk(endpoint.protocol)
    started = time.perf_counter()
    try:
        if endpoint.protocol == "openai":
            output = _send_openai(sdk, endpoint, request, api_key, cancelled, max_retries)
        else:
            output = _send_anthropic(sdk, endpoint, request, api_key, cancelled, max_retries)
        outcome = Outcome(output, _since(started))
    except Exception as exc:  # every SDK failure becomes a message on the replay
        message, kind = describe_error(sdk, exc, endpoint)
        outcome = Outcome(None, _since(started), message, kind)
    # An endpoint may echo the key back ("Invalid API key provided: sk-…" in a 401, or in an
    # answer): nothing that leaves here, to be stored or shown, carries its value.
    return without_key(outcome, api_key)


KEY_MASK = "[REDACTED:replay key]"
_SHORTEST_KEY = 8  # a shorter "key" (a placeholder like "none") would mask ordinary words


def without_key(outcome: Outcome, api_key: str) -> Outcome:
    """``outcome`` with every occurrence of ``api_key`` in its error and its answer (text,
    tool calls, model, finish reason) replaced by :data:`KEY_MASK`."""
    key = api_key.strip()
    if len(key) < _SHORTEST_KEY:
        return outcome

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(key, KEY_MASK)
        if isinstance(value, dict):
            return {clean(k): clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(clean(v) for v in value)
        return value

    output = outcome.output
    if output is not None:
        output = replace(
            output,
            text=clean(output.text),
            tool_calls=clean(output.tool_calls),
            model=clean(output.model),
            finish_reason=clean(output.finish_reason),
        )
    return replace(outcome, output=output, error=clean(outcome.error))


def describe_error(sdk: ModuleType, exc: BaseException, endpoint: Endpoint) -> tuple[str, str]:
    """A failure as (message for a person, kind)."""
    where = f"{endpoint.name} ({endpoint.base_url})"
    if isinstance(exc, _Cancelled):
        return "cancelled while the answer was arriving", "cancelled"
    if isinstance(exc, _Malformed):
        return f"malformed response from {where}: {exc}", "malformed"
    if isinstance(exc, sdk.APITimeoutError):
        return f"no answer from {where} within {endpoint.timeout_s:g} s (timeout)", "timeout"
    if isinstance(exc, sdk.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        detail = f": {cause}" if cause else ""
        return f"cannot reach {where}: no connection{detail}", "network"
    if isinstance(exc, sdk.APIStatusError):
        status = exc.status_code
        text = _short(_body_message(exc) or str(exc))
        if status in (401, 403):
            source = _key_source(endpoint)
            return (
                f"{status} {'Unauthorized' if status == 401 else 'Forbidden'} from {where}: "
                f"the API key was refused ({source}). {text}",
                "auth",
            )
        if status == 429:
            after = exc.response.headers.get("retry-after")
            wait = f" Retry after {after} s." if after else " Retry later."
            return f"429 Too Many Requests from {where}: rate limited.{wait} {text}", "rate_limit"
        kind = "server" if status >= 500 else "request"
        return f"HTTP {status} from {where}: {text}", kind
    if isinstance(exc, (sdk.APIResponseValidationError, ValueError, KeyError)):
        return f"malformed response from {where}: {_short(str(exc))}", "malformed"
    return f"{type(exc).__name__} while calling {where}: {_short(str(exc))}", "error"


def _client(make: Any, endpoint: Endpoint, api_key: str, max_retries: int) -> Any:
    """An SDK client for ``endpoint`` (its URL from settings only, never from a trace)."""
    return make(
        api_key=api_key,
        base_url=endpoint.base_url,
        timeout=endpoint.timeout_s,
        max_retries=max_retries,
    )


def _send_openai(
    sdk: ModuleType,
    endpoint: Endpoint,
    request: ReplayRequest,
    api_key: str,
    cancelled: Callable[[], bool],
    max_retries: int,
) -> CallOutput:
    client = _client(sdk.OpenAI, endpoint, api_key, max_retries)
    kwargs = openai_payload(request).kwargs
    try:
        if endpoint.stream:
            kwargs.update(stream=True, stream_options={"include_usage": True})
            stream = client.chat.completions.create(**_fit(client.chat.completions.create, kwargs))
            try:
                return _openai_stream(stream, cancelled)
            finally:
                stream.close()
        return _openai_answer(
            client.chat.completions.create(**_fit(client.chat.completions.create, kwargs))
        )
    finally:
        client.close()


def _openai_answer(response: Any) -> CallOutput:
    choices = getattr(response, "choices", None)
    if not choices:
        raise _Malformed("the answer has no choices")
    message = choices[0].message
    if message is None:
        raise _Malformed("the first choice has no message")
    calls = [
        {"call_id": c.id, "name": c.function.name, "arguments": c.function.arguments or "{}"}
        for c in message.tool_calls or []
        if getattr(c, "function", None) is not None
    ]
    usage = getattr(response, "usage", None)
    return CallOutput(
        text=message.content or "",
        tool_calls=calls,
        input_tokens=getattr(usage, "prompt_tokens", None),
        output_tokens=getattr(usage, "completion_tokens", None),
        finish_reason=choices[0].finish_reason,
        model=getattr(response, "model", None),
    )


def _openai_stream(stream: Any, cancelled: Callable[[], bool]) -> CallOutput:
    text: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    out = CallOutput()
    chunks = 0
    for chunk in stream:
        if cancelled():
            raise _Cancelled()
        chunks += 1
        out.model = getattr(chunk, "model", None) or out.model
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            out.input_tokens = usage.prompt_tokens
            out.output_tokens = usage.completion_tokens
        for choice in chunk.choices or []:
            if choice.finish_reason:
                out.finish_reason = choice.finish_reason
            delta = choice.delta
            if delta is None:
                continue
            if delta.content:
                text.append(delta.content)
            for call in delta.tool_calls or []:
                slot = calls.setdefault(call.index, {"call_id": None, "name": "", "arguments": ""})
                if call.id:
                    slot["call_id"] = call.id
                if call.function is not None:
                    slot["name"] += call.function.name or ""
                    slot["arguments"] += call.function.arguments or ""
    if not chunks:
        raise _Malformed("the stream ended without any chunk")
    out.text = "".join(text)
    out.tool_calls = [calls[i] for i in sorted(calls)]
    for call in out.tool_calls:
        call["arguments"] = call["arguments"] or "{}"
    return out


def _send_anthropic(
    sdk: ModuleType,
    endpoint: Endpoint,
    request: ReplayRequest,
    api_key: str,
    cancelled: Callable[[], bool],
    max_retries: int,
) -> CallOutput:
    client = _client(sdk.Anthropic, endpoint, api_key, max_retries)
    kwargs = anthropic_payload(request).kwargs
    try:
        if endpoint.stream:
            with client.messages.stream(**_fit(client.messages.stream, kwargs)) as stream:
                for _event in stream:
                    if cancelled():
                        raise _Cancelled()
                return _anthropic_answer(stream.get_final_message())
        return _anthropic_answer(client.messages.create(**_fit(client.messages.create, kwargs)))
    finally:
        client.close()


def _anthropic_answer(message: Any) -> CallOutput:
    blocks = getattr(message, "content", None)
    if blocks is None:
        raise _Malformed("the answer has no content")
    text = [b.text for b in blocks if getattr(b, "type", None) == "text"]
    calls = [
        {"call_id": b.id, "name": b.name, "arguments": _json(b.input)}
        for b in blocks
        if getattr(b, "type", None) == "tool_use"
    ]
    usage = getattr(message, "usage", None)
    return CallOutput(
        text="".join(text),
        tool_calls=calls,
        input_tokens=getattr(usage, "input_tokens", None),
        output_tokens=getattr(usage, "output_tokens", None),
        finish_reason=getattr(message, "stop_reason", None),
        model=getattr(message, "model", None),
    )


def _fit(method: Callable[..., Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Parameters the installed SDK's method does not name go in ``extra_body``: they still
    reach the endpoint as recorded (SDK releases drop parameters that servers keep taking,
    e.g. ``temperature`` for newer Anthropic models, or that only compatible servers know)."""
    try:
        names = set(inspect.signature(method).parameters)
    except (TypeError, ValueError):
        return kwargs
    if any(
        p.kind is inspect.Parameter.VAR_KEYWORD
        for p in inspect.signature(method).parameters.values()
    ):
        return kwargs
    known = {k: v for k, v in kwargs.items() if k in names}
    extra = {k: v for k, v in kwargs.items() if k not in names}
    if extra:
        known["extra_body"] = extra
    return known


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _body_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
    return ""


def _key_source(endpoint: Endpoint) -> str:
    if endpoint.api_key_env:
        return f"key from ${endpoint.api_key_env}"
    if endpoint.keyring:
        return "key from the system keyring"
    return "no key configured for this endpoint"


def _short(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
