"""OpenTelemetry SDK span dumps pasted from a terminal: not OTLP, but the SDKs' own span shapes.

Two shapes are read, in any mix, as pretty-printed objects one after another, JSON Lines, or a
JSON list (plain, gzip or zstd):

* Python ``ConsoleSpanExporter`` / ``ReadableSpan.to_json()``: ``{name, context{trace_id:"0x…",
  span_id, trace_state}, kind:"SpanKind.CLIENT", parent_id, start_time/end_time ISO-8601,
  status{status_code, description}, attributes, events[{name, timestamp, attributes}],
  links[{context, attributes}], resource{attributes, schema_url}}``. A span may be printed twice,
  a start snapshot (``end_time: null``) and then the finished span: both records are passed on
  and the store merges records that share a span id.
* JavaScript ``ReadableSpan`` objects: ``{name, spanContext{traceId, spanId}, parentSpanId`` or
  ``parentSpanContext{spanId}, kind (0 internal … 4 consumer), startTime/endTime [sec, nanos],
  attributes, status{code, message}, events[{name, time, attributes}], links, resource,
  instrumentationScope`` or ``instrumentationLibrary}``.

Attribute values are already plain JSON, so the shared mapping reads the conventions on them
(OTel GenAI, Vercel AI SDK ``ai.*``, OpenInference, …) as it does for OTLP.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import zstandard

from spanscope.importers.base import SAMPLE_BYTES, ArrowSource, BuiltinFormat, ImportError_, Sample
from spanscope.importers.batches import BATCH_SPANS, with_links
from spanscope.importers.compressed import FileProgress, damaged_compression, decompressed
from spanscope.importers.json_head import first_record, is_truncated
from spanscope.importers.otlp_normalise import iter_json_values
from spanscope.importers.times import sdk_iso_ns as iso_ns
from spanscope.importers.times import sdk_time_ns
from spanscope.importers.values import optional_text
from spanscope.model.raw import RawEvent, RawSpan, to_batch

NAMESPACE = "otel.console."

_PY_KINDS = {
    "INTERNAL": "internal",
    "SERVER": "server",
    "CLIENT": "client",
    "PRODUCER": "producer",
    "CONSUMER": "consumer",
}
# The JavaScript API numbers span kinds from 0 (unlike OTLP, where 0 is "unspecified").
_JS_KINDS = {0: "internal", 1: "server", 2: "client", 3: "producer", 4: "consumer"}
_STATUS_NAMES = {"UNSET": "unset", "OK": "ok", "ERROR": "error"}
_STATUS_CODES = {0: "unset", 1: "ok", 2: "error"}

# When the first record does not fit in the sample, its leading keys still do: the Python SDK
# always prints name, context, kind, parent_id, start/end and status before the attributes.
_PY_HEAD = re.compile(
    r'"context"\s*:\s*\{\s*"trace_id"\s*:\s*"(?:0x)?[0-9a-fA-F]+"\s*,\s*"span_id"\s*:\s*"'
    r'(?:0x)?[0-9a-fA-F]+"[^{}]*\}\s*,\s*"kind"\s*:\s*"SpanKind\.[A-Z]+"'
)
_JS_HEAD = (
    re.compile(r'"_?spanContext"\s*:\s*\{[^{}]*"traceId"\s*:\s*"[0-9a-fA-F]+"'),
    re.compile(r'"startTime"\s*:\s*\[\s*\d+\s*,\s*\d+\s*\]'),
)

# Top-level keys of each shape that are mapped to span fields (the rest is kept as-is).
_PY_MAPPED = {
    "name",
    "context",
    "kind",
    "parent_id",
    "start_time",
    "end_time",
    "status",
    "attributes",
    "events",
    "links",
    "resource",
}
_JS_MAPPED = {
    "name",
    "spanContext",
    "_spanContext",
    "parentSpanId",
    "parentSpanContext",
    "kind",
    "startTime",
    "endTime",
    "status",
    "attributes",
    "events",
    "links",
    "resource",
    "instrumentationScope",
    "instrumentationLibrary",
}


class OtelConsoleDump:
    """Python and JavaScript OpenTelemetry SDK span dumps."""

    name = "otel-console"

    def sniff(self, sample: Sample) -> bool:
        if sample.compression == "zip" or sample.first_char() not in ("{", "["):
            return False
        first = first_record(sample)
        if first is not None and not is_truncated(first):
            return is_python_span(first) or is_js_span(first)
        if len(sample.head) < SAMPLE_BYTES:
            return False  # the whole file was seen and its first value is not one JSON value
        # The first record is larger than the sample: recognise it by its leading keys.
        head = sample.text.lstrip()[:SAMPLE_BYTES]
        return bool(_PY_HEAD.search(head)) or all(p.search(head) for p in _JS_HEAD)

    def source(self, sample: Sample, workdir: Path) -> ArrowSource:
        reader = _Reader(sample.path, sample.compression)
        return ArrowSource(batches=reader.batches(), progress=reader.progress)


# -- recognising ------------------------------------------------------------------------------


def is_python_span(value: Any) -> bool:
    """A Python SDK ``ReadableSpan.to_json()`` object."""
    if not isinstance(value, dict):
        return False
    context, kind, status = value.get("context"), value.get("kind"), value.get("status")
    return (
        isinstance(context, dict)
        and isinstance(context.get("trace_id"), str)
        and isinstance(context.get("span_id"), str)
        and isinstance(kind, str)
        and kind.startswith("SpanKind.")
        and "start_time" in value
        and isinstance(status, dict)
        and "status_code" in status
    )


def is_js_span(value: Any) -> bool:
    """A JavaScript SDK ``ReadableSpan`` serialised with ``JSON.stringify``."""
    if not isinstance(value, dict):
        return False
    context = value.get("spanContext", value.get("_spanContext"))
    return (
        isinstance(context, dict)
        and isinstance(context.get("traceId"), str)
        and isinstance(context.get("spanId"), str)
        and isinstance(value.get("name"), str)
        and _is_hrtime(value.get("startTime"))
    )


def _is_hrtime(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    )


# -- reading ----------------------------------------------------------------------------------


class _Reader:
    """Streams the records of one file into raw span batches."""

    def __init__(self, path: Path, compression: str) -> None:
        self.path = path
        self.compression = compression
        self.progress = FileProgress(path)

    def batches(self) -> Iterator[pa.RecordBatch]:
        spans: list[RawSpan] = []
        links: list[list[dict[str, Any]]] = []
        name = str(self.path)
        with open(self.path, "rb") as raw, contextlib.ExitStack() as stack:
            self.progress.raw = raw
            stream = stack.enter_context(decompressed(raw, self.compression))
            text = stack.enter_context(io.TextIOWrapper(stream, encoding="utf-8-sig"))
            try:
                for number, value in enumerate(self._records(text), start=1):
                    span, span_links = convert(value, name, number)
                    spans.append(span)
                    links.append(span_links)
                    if len(spans) >= BATCH_SPANS:
                        yield with_links(to_batch(spans), links)
                        spans, links = [], []
            except UnicodeDecodeError:
                # strict decoding: bytes that are not UTF-8 could not be stored as text anyway
                raise ImportError_(
                    f"{name}: the text is not UTF-8 (before byte {raw.tell()} of the file)"
                ) from None
            except (OSError, EOFError, zstandard.ZstdError) as exc:
                if self.compression == "none":
                    raise
                raise damaged_compression(name, self.compression, raw, exc) from exc
        if spans:
            yield with_links(to_batch(spans), links)

    def _records(self, text: IO[str]) -> Iterator[Any]:
        for value in iter_json_values(text, str(self.path)):
            if isinstance(value, list):
                yield from value
            else:
                yield value


def convert(value: Any, name: str, number: int) -> tuple[RawSpan, list[dict[str, Any]]]:
    """One record as a raw span and its links; ``number`` counts records from 1."""
    try:
        if is_python_span(value):
            return _python_span(value)
        if is_js_span(value):
            return _js_span(value)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise ImportError_(f"{name}: record {number} is not a valid span: {exc}") from exc
    what = (
        f"an object with keys {', '.join(list(value)[:6])}"
        if isinstance(value, dict)
        else (f"a JSON {type(value).__name__}")
    )
    raise ImportError_(f"{name}: record {number} is not an OpenTelemetry span dump ({what})")


def _python_span(d: dict[str, Any]) -> tuple[RawSpan, list[dict[str, Any]]]:
    context = d["context"]
    status = _mapping(d.get("status"))
    attributes = _mapping(d.get("attributes"))
    extra = {k: v for k, v in d.items() if k not in _PY_MAPPED}
    trace_state = context.get("trace_state")
    if trace_state not in (None, "", "[]", "{}"):
        attributes[NAMESPACE + "trace_state"] = trace_state
    resource = _mapping(d.get("resource"))
    if resource.get("schema_url"):
        attributes[NAMESPACE + "resource.schema_url"] = resource["schema_url"]
    if extra:
        attributes[NAMESPACE + "extra"] = extra
    code = str(status.get("status_code") or "UNSET").upper().rsplit(".", 1)[-1]
    kind = str(d.get("kind") or "").rsplit(".", 1)[-1].upper()
    span = RawSpan(
        trace_id=optional_text(context.get("trace_id")),
        span_id=optional_text(context.get("span_id")),
        parent_span_id=optional_text(d.get("parent_id")),
        name=optional_text(d.get("name")),
        start_ns=sdk_time_ns(d.get("start_time")),
        end_ns=sdk_time_ns(d.get("end_time")),
        status=_STATUS_NAMES.get(code, "unset"),
        status_message=optional_text(status.get("description")) or None,
        span_kind=_PY_KINDS.get(kind, "unspecified"),
        attributes=attributes,
        resource=_mapping(resource.get("attributes")),
        events=_events(d, "timestamp"),
    )
    return span, _links(d, "trace_id", "span_id")


def _js_span(d: dict[str, Any]) -> tuple[RawSpan, list[dict[str, Any]]]:
    context = _mapping(d.get("spanContext", d.get("_spanContext")))
    parent = d.get("parentSpanId") or _mapping(d.get("parentSpanContext")).get("spanId")
    status = _mapping(d.get("status"))
    attributes = _mapping(d.get("attributes"))
    trace_state = context.get("traceState")  # a W3C string, or the SDK object's own fields
    if (isinstance(trace_state, str) and trace_state) or (
        isinstance(trace_state, dict) and any(trace_state.values())
    ):
        attributes[NAMESPACE + "trace_state"] = trace_state
    extra = {k: v for k, v in d.items() if k not in _JS_MAPPED}
    if extra:
        attributes[NAMESPACE + "extra"] = extra
    scope = d.get("instrumentationScope", d.get("instrumentationLibrary"))
    code = status.get("code", 0)
    kind = d.get("kind")
    span = RawSpan(
        trace_id=optional_text(context.get("traceId")),
        span_id=optional_text(context.get("spanId")),
        parent_span_id=optional_text(parent),
        name=optional_text(d.get("name")),
        start_ns=sdk_time_ns(d.get("startTime")),
        end_ns=sdk_time_ns(d.get("endTime")),
        status=(
            _STATUS_CODES.get(code, "unset")
            if isinstance(code, int)
            else _STATUS_NAMES.get(str(code).upper().replace("STATUS_CODE_", ""), "unset")
        ),
        status_message=optional_text(status.get("message")) or None,
        span_kind=(
            _JS_KINDS.get(kind, "unspecified")
            if isinstance(kind, int)
            else _PY_KINDS.get(str(kind or "").upper().replace("SPAN_KIND_", ""), "unspecified")
        ),
        attributes=attributes,
        resource=_js_resource(d.get("resource")),
        scope=scope if isinstance(scope, dict) else None,
        events=_events(d, "time"),
    )
    return span, _links(d, "traceId", "spanId")


def _events(d: dict[str, Any], time_key: str) -> list[RawEvent]:
    return [
        RawEvent(
            optional_text(e.get("name")) or "",
            sdk_time_ns(e.get(time_key)),
            _mapping(e.get("attributes")),
        )
        for e in _list(d.get("events"))
    ]


def _links(d: dict[str, Any], trace_key: str, span_key: str) -> list[dict[str, Any]]:
    links = []
    for link in _list(d.get("links")):
        ctx = _mapping(link.get("context"))
        links.append(
            {
                "trace_id": optional_text(ctx.get(trace_key)),
                "span_id": optional_text(ctx.get(span_key)),
                "attributes": _mapping(link.get("attributes")),
            }
        )
    return links


def _js_resource(resource: Any) -> dict[str, Any]:
    """Resource attributes from the forms ``JSON.stringify`` gives a JS ``Resource``: a plain
    ``{attributes}``, or the SDK object's own fields (1.x ``_attributes`` / ``_syncAttributes``,
    2.x ``_rawAttributes`` as ``[key, value]`` pairs)."""
    if not isinstance(resource, dict):
        return {}
    for key in ("attributes", "_attributes", "_memoizedAttributes", "_syncAttributes"):
        if isinstance(resource.get(key), dict):
            return dict(resource[key])
    pairs = resource.get("_rawAttributes")
    if isinstance(pairs, list):
        return {
            str(p[0]): p[1]
            for p in pairs
            if isinstance(p, list) and len(p) == 2 and not isinstance(p[1], dict)
        }
    return {}


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _list(value: Any) -> list[dict[str, Any]]:
    """The objects of a list (events, links); anything else in it is ignored."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# Found by the format registry, which asks the formats by rising asked_at (importers/registry.py).
FORMAT = BuiltinFormat(OtelConsoleDump, asked_at=140)


__all__ = ["OtelConsoleDump", "convert", "is_js_span", "is_python_span", "iso_ns"]
