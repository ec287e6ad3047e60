"""The raw span relation: what every importer produces and the store maps to canonical spans.

Formats that DuckDB reads itself produce it in SQL; formats parsed in Python build
:class:`RawSpan` records and turn them into Arrow batches with :func:`to_batch`. Either way
the same mapping (store/sql/map_spans.sql) derives kind, models, messages, usage and the rest
from the attributes, so a format is mapped by expressing it in the conventions the mapping
knows (OTel GenAI first), with its own fields kept as further attributes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

_TEXT_MAP = pa.map_(pa.string(), pa.string())

RAW_SPAN_SCHEMA = pa.schema(
    [
        ("raw_trace_id", pa.string()),
        ("raw_span_id", pa.string()),
        ("raw_parent_span_id", pa.string()),
        ("name", pa.string()),
        ("span_kind", pa.string()),
        ("start_ns", pa.int64()),
        ("end_ns", pa.int64()),
        ("status", pa.string()),
        ("status_message", pa.string()),
        ("attributes", _TEXT_MAP),  # key -> the value as JSON text
        ("attr_text", _TEXT_MAP),  # key -> strings unquoted, others as JSON text
        ("resource", _TEXT_MAP),
        ("resource_text", _TEXT_MAP),
        ("scope", pa.string()),  # JSON
        (
            "events",
            pa.list_(
                pa.struct(
                    [("name", pa.string()), ("time_ns", pa.int64()), ("attributes", _TEXT_MAP)]
                )
            ),
        ),
        (
            "links",
            pa.list_(
                pa.struct(
                    [("trace_id", pa.string()), ("span_id", pa.string()), ("attributes", _TEXT_MAP)]
                )
            ),
        ),
    ]
)


@dataclass
class RawEvent:
    name: str
    time_ns: int | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class RawLink:
    trace_id: str | None
    span_id: str | None
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class RawSpan:
    """One span as a format recorded it, before mapping. Attribute values are plain Python
    values (str, int, float, bool, None, lists, dicts)."""

    trace_id: str | None
    span_id: str | None
    parent_span_id: str | None = None
    name: str | None = None
    start_ns: int | None = None
    end_ns: int | None = None
    status: str = "unset"  # ok, error, unset
    status_message: str | None = None
    span_kind: str = "unspecified"
    attributes: Mapping[str, Any] = field(default_factory=dict)
    resource: Mapping[str, Any] = field(default_factory=dict)
    scope: Mapping[str, Any] | None = None
    events: list[RawEvent] = field(default_factory=list)
    links: list[RawLink] = field(default_factory=list)


# One encoder for all values: json.dumps with options builds a new encoder on every call.
_ENCODE = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str
).encode


def json_text(value: Any) -> str:
    """A value as JSON text; integers stay exact, NaN and infinities become strings."""
    try:
        return _ENCODE(value)
    except ValueError:  # NaN or infinity somewhere inside: the slow, careful way
        return json.dumps(_finite(value), ensure_ascii=False, separators=(",", ":"), default=str)


def plain_text(value: Any) -> str | None:
    """The lookup form: strings as they are, everything else as JSON text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json_text(value)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _maps(values: Mapping[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, str | None]]]:
    as_json: list[tuple[str, str]] = []
    as_text: list[tuple[str, str | None]] = []
    for key, value in values.items():
        if value is None:
            continue
        key = str(key)
        if isinstance(value, str):
            as_json.append((key, json_text(value)))
            as_text.append((key, value))
        else:
            encoded = json_text(value)  # serialised once, used for both maps
            as_json.append((key, encoded))
            as_text.append((key, plain_text(value) if isinstance(value, bool) else encoded))
    return as_json, as_text


def to_batch(spans: Iterable[RawSpan]) -> pa.RecordBatch:
    """Arrow rows of the raw span relation."""
    columns: dict[str, list[Any]] = {name: [] for name in RAW_SPAN_SCHEMA.names}
    for span in spans:
        attributes, attr_text = _maps(span.attributes)
        resource, resource_text = _maps(span.resource)
        columns["raw_trace_id"].append(span.trace_id)
        columns["raw_span_id"].append(span.span_id)
        columns["raw_parent_span_id"].append(span.parent_span_id)
        columns["name"].append(span.name)
        columns["span_kind"].append(span.span_kind)
        columns["start_ns"].append(span.start_ns)
        columns["end_ns"].append(span.end_ns)
        columns["status"].append(span.status)
        columns["status_message"].append(span.status_message)
        columns["attributes"].append(attributes)
        columns["attr_text"].append(attr_text)
        columns["resource"].append(resource)
        columns["resource_text"].append(resource_text)
        columns["scope"].append(json_text(span.scope) if span.scope is not None else None)
        columns["events"].append(
            [
                {"name": e.name, "time_ns": e.time_ns, "attributes": _maps(e.attributes)[1]}
                for e in span.events
            ]
        )
        columns["links"].append(
            [
                {"trace_id": x.trace_id, "span_id": x.span_id, "attributes": _maps(x.attributes)[0]}
                for x in span.links
            ]
        )
    return pa.RecordBatch.from_pydict(columns, schema=RAW_SPAN_SCHEMA)
