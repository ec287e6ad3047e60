"""A trace's spans as an OTLP JSON document (the collector's file-exporter format).

Input is span rows as the store keeps them (``spans`` columns as a dict each); the raw
``attributes``, ``resource``, ``scope``, ``events`` and ``links`` JSON columns hold what the
source file recorded, so the document is rebuilt from them: spans are grouped by resource and
then by scope, ids are written as stored, and times as decimal strings of nanoseconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from spanscope.model import conventions

# OpenTelemetry SpanKind numbers by the names the store keeps.
SPAN_KINDS = {
    "unspecified": 0,
    "internal": 1,
    "server": 2,
    "client": 3,
    "producer": 4,
    "consumer": 5,
}
STATUS_CODES = {"unset": 0, "ok": 1, "error": 2}
# The attribute the importer reads first for the span kind: written when the recorded
# attributes do not say it, so the kind survives a round trip whatever the source format was.
KIND_ATTRIBUTE = conventions.SPANSCOPE_KIND


def export_trace(spans: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """An OTLP JSON document (``{"resourceSpans": [...]}``) holding ``spans``."""
    # Grouped by content (key order aside); each group keeps its attributes in recorded order.
    resources: dict[str, dict[str, Any]] = {}
    for row in spans:
        resource = _loads(row.get("resource")) or {}
        group = resources.setdefault(
            _canonical(resource), {"resource": {"attributes": attributes(resource)}, "scopes": {}}
        )
        scope = _loads(row.get("scope")) or {}
        entry = group["scopes"].setdefault(_canonical(scope), {"scope": _scope(scope), "spans": []})
        entry["spans"].append(otlp_span(row))
    return {
        "resourceSpans": [
            {"resource": group["resource"], "scopeSpans": list(group["scopes"].values())}
            for group in resources.values()
        ]
    }


def otlp_span(row: Mapping[str, Any]) -> dict[str, Any]:
    """One span row as an OTLP JSON span."""
    attrs = _loads(row.get("attributes"))
    attrs = dict(attrs) if isinstance(attrs, dict) else {}
    kind = row.get("kind")
    if kind and not _kind_recorded(attrs):
        attrs[KIND_ATTRIBUTE] = kind
    out: dict[str, Any] = {"traceId": row["trace_id"], "spanId": row["span_id"]}
    if row.get("parent_span_id"):
        out["parentSpanId"] = row["parent_span_id"]
    out["name"] = row.get("name") or ""
    out["kind"] = SPAN_KINDS.get(str(row.get("span_kind") or "unspecified").lower(), 0)
    if row.get("start_ns") is not None:
        out["startTimeUnixNano"] = str(int(row["start_ns"]))
    if row.get("end_ns") is not None:
        out["endTimeUnixNano"] = str(int(row["end_ns"]))
    out["attributes"] = attributes(attrs)
    events = _loads(row.get("events")) or []
    if events:
        out["events"] = [_event(e) for e in events if isinstance(e, dict)]
    links = _loads(row.get("links")) or []
    if links:
        out["links"] = [_link(link) for link in links if isinstance(link, dict)]
    status: dict[str, Any] = {"code": STATUS_CODES.get(str(row.get("status") or "unset"), 0)}
    if row.get("status_message"):
        status["message"] = row["status_message"]
    out["status"] = status
    return out


def any_value(value: Any) -> dict[str, Any]:
    """A plain JSON value as an OTLP AnyValue (ints as decimal strings, as protobuf JSON)."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, list):
        return {"arrayValue": {"values": [any_value(v) for v in value]}}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": attributes(value)}}
    if value is None:
        return {}
    return {"stringValue": str(value)}


def attributes(mapping: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """A dict of plain values as an OTLP KeyValue list."""
    return [{"key": k, "value": any_value(v)} for k, v in (mapping or {}).items()]


def _kind_recorded(attrs: Mapping[str, Any]) -> bool:
    return any(
        key in attrs
        for key in (
            KIND_ATTRIBUTE,
            conventions.OPENINFERENCE_SPAN_KIND,
            conventions.GEN_AI_OPERATION_NAME,
        )
    )


def _scope(scope: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if scope.get("name") is not None:
        out["name"] = scope["name"]
    if scope.get("version") is not None:
        out["version"] = scope["version"]
    if scope.get("attributes"):
        out["attributes"] = attributes(scope["attributes"])
    return out


def _event(event: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": event.get("name") or ""}
    if event.get("time_ns") is not None:
        out["timeUnixNano"] = str(int(event["time_ns"]))
    out["attributes"] = attributes(_loads(event.get("attributes")) or {})
    return out


def _link(link: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "traceId": link.get("trace_id") or "",
        "spanId": link.get("span_id") or "",
        "attributes": attributes(_loads(link.get("attributes")) or {}),
    }


def _loads(value: Any) -> Any:
    """A JSON column's value: DuckDB hands JSON over as text."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
