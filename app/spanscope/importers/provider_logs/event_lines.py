"""Streamed responses logged one event per line (JSON Lines, no HTTP framing): what an SDK's
stream yields, written as it arrives. Consecutive events are gathered into calls and each call
reassembled as :mod:`.streams` does for server-sent events.

- Anthropic Messages: ``message_start`` opens a call, ``content_block_start/delta/stop`` and
  ``message_delta`` fill it, ``message_stop`` closes it; ``ping`` is ignored.
- OpenAI Responses: ``response.created`` opens a call, ``response.*`` events fill it,
  ``response.completed`` / ``response.failed`` / ``response.incomplete`` close it. A request
  frame logged before it (``response.create``, as on a WebSocket) is the call's request.
- OpenAI Chat Completions: ``chat.completion.chunk`` objects; consecutive chunks with one
  ``id`` are one call, finished when a choice has a ``finish_reason``.
- ``error`` (``{"type": "error", "error": {...}}`` or OpenAI's ``{"type": "error", "code",
  "message"}``) closes the open call as an error with the provider's message, or stands alone
  as a failed call when none is open. A file never fails for a call that failed.

A call still open when the file ends (or when the next one opens) is kept, as an error saying
the stream stopped before its last event, and counted in a warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from spanscope.importers.provider_logs.calls import Call
from spanscope.importers.provider_logs.streams import reassemble_stream
from spanscope.importers.records import Record
from spanscope.importers.values import JsonDict

_ANTHROPIC_EVENTS = frozenset(
    {
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
        "ping",
    }
)
_OPENS = frozenset({"message_start", "response.created"})
_CLOSES = frozenset(
    {"message_stop", "response.completed", "response.failed", "response.incomplete", "error"}
)
REQUEST_FRAME = "response.create"


def is_stream_event(value: Any) -> bool:
    """True for one event of a streamed Anthropic Messages or OpenAI Responses call, or one
    OpenAI Chat Completions chunk."""
    if not isinstance(value, dict):
        return False
    if value.get("object") == "chat.completion.chunk":
        return True
    kind = value.get("type")
    if not isinstance(kind, str):
        return False
    return kind in _ANTHROPIC_EVENTS or kind.startswith("response.") or kind == "error"


def opens_call(value: Any) -> bool:
    """True for the event that starts a streamed call (or a failure that stands alone)."""
    if isinstance(value, dict) and value.get("object") == "chat.completion.chunk":
        # the first chunk of a call names it and starts its choices
        return isinstance(value.get("id"), str) and bool(value.get("choices"))
    return isinstance(value, dict) and value.get("type") in (*_OPENS, "error", REQUEST_FRAME)


@dataclass
class StreamedCall:
    """The events of one call, as logged."""

    first: Record
    events: list[JsonDict] = field(default_factory=list)
    request: JsonDict | None = None
    finished: bool = False


def gather(records: Iterator[Record]) -> Iterator[StreamedCall | Record]:
    """Stream events gathered into calls; any other record is passed through as it is."""
    open_call: StreamedCall | None = None
    request: tuple[Record, JsonDict] | None = None
    for record in records:
        value = record.value
        if not is_stream_event(value):
            if open_call is not None:
                yield open_call
                open_call = None
            yield record
            continue
        if value.get("object") == "chat.completion.chunk":
            # Chat Completions chunks carry no start or stop event: the chunks of one call
            # share its id, and it finished when a choice says why it stopped.
            if open_call is not None and open_call.events[0].get("id") != value.get("id"):
                yield open_call
                open_call = None
            if open_call is None:
                open_call = StreamedCall(record)
            open_call.events.append(value)
            open_call.finished = open_call.finished or any(
                isinstance(c, dict) and c.get("finish_reason") for c in value.get("choices") or []
            )
            continue
        if open_call is not None and open_call.events[0].get("object") == "chat.completion.chunk":
            yield open_call
            open_call = None
        kind = value["type"]
        if kind == "ping":
            continue
        if kind == REQUEST_FRAME:
            if open_call is not None:
                yield open_call
                open_call = None
            body = {k: v for k, v in value.items() if k not in ("type", "stream_id", "event_id")}
            request = (record, body)
            continue
        if kind in _OPENS and open_call is not None:
            yield open_call
            open_call = None
        if open_call is None:
            first = request[0] if request else record
            open_call = StreamedCall(first, request=request[1] if request else None)
            request = None
        open_call.events.append(value)
        if kind in _CLOSES:
            open_call.finished = True
            yield open_call
            open_call = None
    if open_call is not None:
        yield open_call


def streamed_call(gathered: StreamedCall, provider_hint: str | None) -> Call:
    """The call the events describe: the reassembled response, and the error that ended it."""
    response, error, api = reassemble_stream(gathered.events)
    if gathered.request is not None and api is None:
        api = "responses"
    if error is None and not gathered.finished:
        last = gathered.events[-1].get("type") if gathered.events else None
        error = {
            "type": "stream_incomplete",
            "message": f"the stream stops after {last!r}, before the call finished",
        }
    provider = {"messages": "anthropic", "responses": "openai", "chat": "openai"}.get(
        api or "", provider_hint
    )
    if provider is None and error is not None:
        provider = _provider_of_error(gathered.events)
    return Call(
        api=api,
        provider=provider,
        request=gathered.request,
        response=response if api else None,
        error=error,
        stream_events=len(gathered.events),
    )


def _provider_of_error(events: list[JsonDict]) -> str | None:
    # OpenAI Responses puts code and message on the event itself; Anthropic nests them.
    for event in events:
        if event.get("type") == "error":
            return "openai" if "code" in event or "sequence_number" in event else "anthropic"
    return None
