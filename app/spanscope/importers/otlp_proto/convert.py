"""Parsed OTLP protobuf spans as raw spans, mapped as the OTLP JSON reader maps them."""

from __future__ import annotations

import base64
import math
from typing import Any

from spanscope.model.raw import RawEvent, RawSpan

_KINDS = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}
_STATUS = {1: "ok", 2: "error"}


def protobuf_messages() -> Any:
    """The generated OTLP message classes (imported on first use: the package is large)."""
    from opentelemetry.proto.common.v1 import common_pb2
    from opentelemetry.proto.resource.v1 import resource_pb2
    from opentelemetry.proto.trace.v1 import trace_pb2

    class Messages:
        Resource = resource_pb2.Resource
        ScopeSpans = trace_pb2.ScopeSpans
        InstrumentationScope = common_pb2.InstrumentationScope
        Span = trace_pb2.Span

    return Messages


# -- converting -------------------------------------------------------------------------------


def convert_span(
    span: Any, resource: dict[str, Any], scope: dict[str, Any] | None
) -> tuple[RawSpan, list[dict[str, Any]]]:
    """A protobuf Span as a raw span, mapped as the OTLP JSON reader maps it, and its links."""
    status = span.status
    raw = RawSpan(
        trace_id=span.trace_id.hex(),
        span_id=span.span_id.hex(),
        parent_span_id=span.parent_span_id.hex() or None,
        name=span.name,
        start_ns=_time(span.start_time_unix_nano),
        end_ns=_time(span.end_time_unix_nano),
        status=_STATUS.get(status.code, "unset"),
        status_message=status.message or None,
        span_kind=_KINDS.get(span.kind, "unspecified"),
        attributes=attributes(span.attributes),
        resource=resource,
        scope=scope,
        events=[
            RawEvent(e.name, _time(e.time_unix_nano), attributes(e.attributes)) for e in span.events
        ],
    )
    links = [
        {
            "trace_id": link.trace_id.hex(),
            "span_id": link.span_id.hex(),
            "attributes": attributes(link.attributes),
        }
        for link in span.links
    ]
    return raw, links


def _time(ns: int) -> int | None:
    """fixed64 ns; 0 (unset) and values past the int64 range (as the JSON reader does) are no time."""
    return ns if 0 < ns < 1 << 63 else None


def scope_of(scope: Any) -> dict[str, Any]:
    """An InstrumentationScope as the raw span's scope."""
    return {
        "name": scope.name or None,
        "version": scope.version or None,
        "attributes": attributes(scope.attributes) or None,
    }


def attributes(pairs: Any) -> dict[str, Any]:
    """KeyValue list as a plain dict; a repeated key keeps its last value (as for OTLP JSON)."""
    return {kv.key: value(kv.value) for kv in pairs}


def value(v: Any) -> Any:
    """An AnyValue as a plain value: int64 stays an exact int, bytes become base64 text (as in
    OTLP JSON), arrays and key-value lists become lists and dicts at any depth."""
    which = v.WhichOneof("value")
    if which == "string_value":
        return v.string_value
    if which == "int_value":
        return v.int_value
    if which == "double_value":
        d = v.double_value
        return d if math.isfinite(d) else str(d)
    if which == "bool_value":
        return v.bool_value
    if which == "array_value":
        return [value(x) for x in v.array_value.values]
    if which == "kvlist_value":
        return {kv.key: value(kv.value) for kv in v.kvlist_value.values}
    if which == "bytes_value":
        return base64.b64encode(v.bytes_value).decode("ascii")
    return None
