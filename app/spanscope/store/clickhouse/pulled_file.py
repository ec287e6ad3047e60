"""Rows pulled from the exporter's table, written back as the OTLP JSON the collector received.

Pulling is an import like any other: the file goes through the normal import path (the OTLP
importer, one transaction, pricing, search), so every screen works on pulled traces. The
file is deterministic (rows in a fixed order, no clock in it): pulling the same traces twice
writes the same bytes, which the import recognises and skips. Where the traces came from is
kept on each span's resource (``spanscope.pulled_from``, ``spanscope.pull_filter``); when,
in the ``sources`` row the import writes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa

PULLED_FROM = "spanscope.pulled_from"
PULL_FILTER = "spanscope.pull_filter"

# The exporter writes SpanKind as the collector names it ("Server", "SPAN_KIND_SERVER" …)
_KINDS = {"internal": 1, "server": 2, "client": 3, "producer": 4, "consumer": 5}
_STATUS = {"ok": 1, "error": 2}


def write_pulled(rows: pa.Table, folder: Path, origin: str, filter_text: str) -> Path:
    """The OTLP JSON file of ``rows`` (from ``ClickHouseSource.pull_rows``) in ``folder``,
    named by its content."""
    resources: dict[str, dict[str, Any]] = {}
    for row in rows.to_pylist():
        resource = dict(_pairs(row["ResourceAttributes"]))
        resource.setdefault("service.name", row["ServiceName"])
        resource[PULLED_FROM], resource[PULL_FILTER] = origin, filter_text
        resource_key = json.dumps(sorted(resource.items()))
        group = resources.setdefault(
            resource_key, {"resource": {"attributes": _attributes(resource)}, "scopes": {}}
        )
        scope_key = f"{row['ScopeName']}\n{row['ScopeVersion']}"
        scope = group["scopes"].setdefault(
            scope_key,
            {"scope": {"name": row["ScopeName"], "version": row["ScopeVersion"]}, "spans": []},
        )
        scope["spans"].append(_span(row))
    document = {
        "resourceSpans": [
            {"resource": g["resource"], "scopeSpans": list(g["scopes"].values())}
            for g in resources.values()
        ]
    }
    data = json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"clickhouse-{hashlib.sha256(data).hexdigest()[:16]}.otlp.json"
    if not path.exists():
        temporary = path.with_suffix(".part")
        temporary.write_bytes(data)
        temporary.replace(path)
    return path


def _span(row: dict[str, Any]) -> dict[str, Any]:
    kind = str(row["SpanKind"]).lower().removeprefix("span_kind_")
    status = str(row["StatusCode"]).lower().removeprefix("status_code_")
    span: dict[str, Any] = {
        "traceId": row["TraceId"],
        "spanId": row["SpanId"],
        "name": row["SpanName"],
        "kind": _KINDS.get(kind, 0),
        "startTimeUnixNano": str(row["start_ns"]),
        "endTimeUnixNano": str(row["start_ns"] + row["duration_ns"]),
        "attributes": _attributes(dict(_pairs(row["SpanAttributes"]))),
        "status": {"code": _STATUS.get(status, 0), "message": row["StatusMessage"]},
        "events": [
            {"timeUnixNano": str(at), "name": name, "attributes": _attributes(dict(_pairs(attrs)))}
            for at, name, attrs in zip(
                row["event_ns"], row["event_names"], row["event_attributes"], strict=True
            )
        ],
    }
    if row["ParentSpanId"]:
        span["parentSpanId"] = row["ParentSpanId"]
    if row["TraceState"]:
        span["traceState"] = row["TraceState"]
    return span


def _pairs(value: Any) -> Iterable[tuple[str, str]]:
    """A ClickHouse Map as Arrow gives it to Python: a list of (key, value) pairs."""
    return [(str(k), str(v)) for k, v in (value or [])]


def _attributes(values: dict[str, str]) -> list[dict[str, Any]]:
    """Attributes as OTLP JSON. The exporter stored every value as text; they go back as
    text, which the mapping reads as it reads numbers sent as strings."""
    return [{"key": k, "value": {"stringValue": v}} for k, v in sorted(values.items())]
