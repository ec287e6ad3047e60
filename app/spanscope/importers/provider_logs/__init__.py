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
(g) streamed responses logged one event per line, without HTTP framing (Anthropic
    ``message_start`` … ``message_stop``, OpenAI Responses ``response.created`` …
    ``response.completed``, ``error``): see :mod:`.event_lines`. Each call's events become one
    span; a call ending in ``error`` is an error span with the provider's message.
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

The package: :mod:`.calls` recognises a record, :mod:`.streams` decodes bodies and
reassembles streams, :mod:`.spans` maps a call to its span.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from spanscope.importers.base import ArrowSource, BuiltinFormat, ImportError_, Sample
from spanscope.importers.batches import span_batches
from spanscope.importers.chat import anthropic_message, anthropic_parts, anthropic_usage
from spanscope.importers.json_head import head_records, partial_json
from spanscope.importers.provider_logs.calls import Call, classify
from spanscope.importers.provider_logs.event_lines import (
    StreamedCall,
    gather,
    is_stream_event,
    opens_call,
    streamed_call,
)
from spanscope.importers.provider_logs.spans import call_span
from spanscope.importers.records import JsonRecords, Record, describe_value, records_source
from spanscope.importers.times import to_ns
from spanscope.importers.values import as_dict, compact_json
from spanscope.model.raw import RawSpan


class ProviderLogs:
    """Raw OpenAI / Anthropic request and response logs: one record, one llm span."""

    name = "provider-log"

    def sniff(self, sample: Sample) -> bool:
        records = head_records(sample)
        if not records:
            return False
        # The first record must be a call and some record of the head a call with a response;
        # a later record of another kind is then reported by position when the file is read.
        if is_stream_event(records[0]):
            # Event lines: the head must hold the event that opens a call.
            return all(is_stream_event(r) for r in records[:-1]) and any(
                opens_call(r) for r in records
            )
        calls = [classify(r, partial=True) for r in records]
        return calls[0] is not None and any(
            c is not None and c.api is not None and c.response is not None for c in calls
        )

    def source(self, sample: Sample, workdir: Path) -> ArrowSource:
        return records_source(sample, self._spans)

    def _spans(self, records: JsonRecords, warnings: list[str]) -> Iterator[RawSpan]:
        provider: str | None = None  # of the last call: a failure alone is from the same API
        unfinished = 0
        for item in gather(iter(records)):
            record = item.first if isinstance(item, StreamedCall) else item
            try:
                if isinstance(item, StreamedCall):
                    call = streamed_call(item, provider)
                    unfinished += not item.finished
                else:
                    found = classify(item.value, partial=False)
                    if found is None:
                        raise ValueError(
                            f"not a provider request/response record ({describe_value(item.value)})"
                        )
                    call = found
                provider = call.provider or provider
                yield call_span(call, record)
            except ValueError as exc:
                raise ImportError_(f"{records.path}: {exc} at {record.where}") from None
        if unfinished:
            warnings.append(
                f"{unfinished} streamed calls stop before their last event; shown as errors"
            )


# Found by the format registry, which asks the formats by rising asked_at (importers/registry.py).
FORMAT = BuiltinFormat(ProviderLogs, asked_at=170)


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
