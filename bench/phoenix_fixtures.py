"""Phoenix span exports for the import benchmark, converted from the demo generator's traces.

    python bench/phoenix_fixtures.py [--spans 100000] [--seed 7] [--workdir bench/work]

writes the same generated spans (``spanscope.demo.generator.iter_traces``) as Phoenix span
JSON Lines and as a Phoenix TraceDataset Parquet file, imports each into a fresh database and
prints the time and spans/s of each import.

The conversion follows what Phoenix writes: the JSON Lines file has the REST API's span shape
(``openinference.span.kind`` moved out of the attributes into ``span_kind``, ISO times with
nanoseconds and an offset, ``status_code``, events with ISO timestamps); the Parquet file has
one column per attribute, list attributes as native ``list<struct>`` columns (the index is not
in the key), timestamp[ns, UTC] times and a pandas index column. Resource attributes have no
place in either format and are dropped.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "app"))  # run from a checkout without installing

from spanscope.demo.generator import iter_traces  # noqa: E402

JSON = dict[str, Any]
ROW_GROUP = 10_000

_OPERATION_KIND = {
    "chat": "LLM",
    "text_completion": "LLM",
    "generate_content": "LLM",
    "embeddings": "EMBEDDING",
    "execute_tool": "TOOL",
    "invoke_agent": "AGENT",
    "retrieval": "RETRIEVER",
}
_STATUS = {1: "OK", 2: "ERROR"}


# -- one span ---------------------------------------------------------------------------------
def any_value(value: JSON) -> Any:
    """An OTLP AnyValue as a plain value."""
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        return int(value["intValue"])
    if "doubleValue" in value:
        return float(value["doubleValue"])
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "arrayValue" in value:
        return [any_value(v) for v in value["arrayValue"].get("values", [])]
    if "kvlistValue" in value:
        return {kv["key"]: any_value(kv["value"]) for kv in value["kvlistValue"].get("values", [])}
    return None


def iso_ns(ns: int) -> str:
    """ISO 8601 with all nine fractional digits and an explicit UTC offset."""
    seconds, fraction = divmod(ns, 10**9)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{fraction:09d}+00:00"


def phoenix_span(otlp: JSON) -> JSON:
    """One generated OTLP span as a Phoenix REST API span record."""
    attributes = {kv["key"]: any_value(kv["value"]) for kv in otlp.get("attributes", [])}
    kind = attributes.pop("openinference.span.kind", None) or _OPERATION_KIND.get(
        str(attributes.get("gen_ai.operation.name")), "UNKNOWN"
    )
    status = otlp.get("status") or {}
    return {
        "name": otlp["name"],
        "context": {"trace_id": otlp["traceId"], "span_id": otlp["spanId"]},
        "span_kind": kind,
        "parent_id": otlp.get("parentSpanId"),
        "start_time": iso_ns(int(otlp["startTimeUnixNano"])),
        "end_time": iso_ns(int(otlp["endTimeUnixNano"])),
        "status_code": _STATUS.get(status.get("code", 0), "UNSET"),
        "status_message": status.get("message", ""),
        "attributes": attributes,
        "events": [
            {
                "name": e["name"],
                "timestamp": iso_ns(int(e["timeUnixNano"])),
                "attributes": {kv["key"]: any_value(kv["value"]) for kv in e.get("attributes", [])},
            }
            for e in otlp.get("events", [])
        ],
    }


def phoenix_spans(spans: int, seed: int) -> Iterator[JSON]:
    for trace in iter_traces(spans, seed=seed):
        for otlp in trace:
            yield phoenix_span(otlp)


# -- JSON Lines -------------------------------------------------------------------------------
def write_phoenix_jsonl(path: Path, spans: int, *, seed: int = 7) -> int:
    """Write ``spans`` generated spans as Phoenix span JSON Lines; returns the span count."""
    written = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for span in phoenix_spans(spans, seed):
            out.write(json.dumps(span, separators=(",", ":"), ensure_ascii=False))
            out.write("\n")
            written += 1
    return written


# -- Parquet ----------------------------------------------------------------------------------
def nest(flat: JSON) -> JSON:
    """Flattened OpenInference keys as Phoenix's DataFrame holds them: the part of a key up to
    its first list index names a column of list<struct>, the rest names struct fields (still
    dotted), recursively (``llm.input_messages.0.message.tool_calls.1.tool_call.id``)."""
    out: JSON = {}
    lists: dict[str, dict[int, JSON]] = {}
    for key, value in flat.items():
        parts = key.split(".")
        at = next((i for i, p in enumerate(parts) if p.isdigit() and i > 0), None)
        if at is None:
            out[key] = value
            continue
        head, index, rest = ".".join(parts[:at]), int(parts[at]), ".".join(parts[at + 1 :])
        lists.setdefault(head, {}).setdefault(index, {})[rest] = value
    for head, items in lists.items():
        if head in out:  # a scalar and a list under one key: keep the scalar, as Phoenix does
            continue
        out[head] = [nest(items.get(i, {})) for i in range(max(items) + 1)]
    return out


def arrow_type(value: Any) -> pa.DataType:
    if isinstance(value, bool):
        return pa.bool_()
    if isinstance(value, int):
        return pa.int64()
    if isinstance(value, float):
        return pa.float64()
    if isinstance(value, str):
        return pa.string()
    if isinstance(value, list):
        item: pa.DataType = pa.null()
        for v in value:
            item = merge(item, arrow_type(v))
        return pa.list_(item)
    if isinstance(value, dict):
        return pa.struct([pa.field(k, arrow_type(v)) for k, v in value.items()])
    return pa.null()


def merge(a: pa.DataType, b: pa.DataType) -> pa.DataType:
    """One type that holds values of both types."""
    if a == b or pa.types.is_null(b):
        return a
    if pa.types.is_null(a):
        return b
    if {a, b} == {pa.int64(), pa.float64()}:
        return pa.float64()
    if pa.types.is_list(a) and pa.types.is_list(b):
        return pa.list_(merge(a.value_type, b.value_type))
    if pa.types.is_struct(a) and pa.types.is_struct(b):
        fields = {f.name: f.type for f in a}
        for f in b:
            fields[f.name] = merge(fields.get(f.name, pa.null()), f.type)
        return pa.struct([pa.field(k, t) for k, t in fields.items()])
    return pa.string()


def coerce(value: Any, typ: pa.DataType) -> Any:
    """A value ready for ``pa.array(..., type=typ)``; mismatched values become JSON text."""
    if value is None:
        return None
    if pa.types.is_string(typ):
        return value if isinstance(value, str) else json.dumps(value)
    if pa.types.is_float64(typ) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if pa.types.is_list(typ):
        return [coerce(v, typ.value_type) for v in value]
    if pa.types.is_struct(typ):
        return {f.name: coerce(value.get(f.name), f.type) for f in typ}
    return value


def parquet_row(span: JSON) -> JSON:
    attributes = nest(span["attributes"])
    if span["span_kind"] != "UNKNOWN":
        attributes["openinference.span.kind"] = span["span_kind"]
    row: JSON = {
        "name": span["name"],
        "span_kind": span["span_kind"],
        "parent_id": span["parent_id"],
        "status_code": span["status_code"],
        "status_message": span["status_message"],
        "events": span["events"] or None,
        "context.span_id": span["context"]["span_id"],
        "context.trace_id": span["context"]["trace_id"],
        **{f"attributes.{k}": v for k, v in attributes.items()},
        "__index_level_0__": span["context"]["span_id"],
    }
    return row


def write_phoenix_parquet(path: Path, spans: int, *, seed: int = 7) -> int:
    """Write ``spans`` generated spans as a Phoenix TraceDataset Parquet file; returns the count.
    Two passes over the (deterministic) generator: the first settles each column's type."""
    types: dict[str, pa.DataType] = {}
    for span in phoenix_spans(spans, seed):
        for key, value in parquet_row(span).items():
            types[key] = merge(types.get(key, pa.null()), arrow_type(value))
    times = ("start_time", "end_time")
    fields = [pa.field(t, pa.timestamp("ns", tz="UTC")) for t in times]
    fields += [pa.field(k, t if not pa.types.is_null(t) else pa.string()) for k, t in types.items()]
    schema = pa.schema(
        fields,
        metadata={
            "pandas": json.dumps({"index_columns": ["__index_level_0__"], "columns": []}),
        },
    )
    written = 0
    with pq.ParquetWriter(path, schema) as writer:
        batch: list[JSON] = []
        for span in phoenix_spans(spans, seed):
            row = parquet_row(span)
            row["start_time"] = _ns(span["start_time"])
            row["end_time"] = _ns(span["end_time"])
            batch.append(row)
            if len(batch) == ROW_GROUP:
                writer.write_table(_table(batch, schema))
                written += len(batch)
                batch = []
        if batch:
            writer.write_table(_table(batch, schema))
            written += len(batch)
    return written


def _ns(iso: str) -> int:
    """Back from :func:`iso_ns` without losing the nanoseconds."""
    whole, fraction = iso[:19], iso[20:29]
    seconds = int(datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp())
    return seconds * 10**9 + int(fraction)


def _table(rows: list[JSON], schema: pa.Schema) -> pa.Table:
    return pa.table(
        [pa.array([coerce(r.get(f.name), f.type) for r in rows], type=f.type) for f in schema],
        schema=schema,
    )


# -- measurement ------------------------------------------------------------------------------
def import_once(file: Path, db_path: Path) -> dict[str, Any]:
    """Import ``file`` into a fresh database; the time includes opening and closing it."""
    from spanscope.ingest import import_paths
    from spanscope.store import Database

    for stale in (db_path, db_path.with_name(db_path.name + ".wal")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    database = Database.open(db_path)
    try:
        (result,) = list(import_paths(database, [file]))
    finally:
        database.close()
    seconds = time.perf_counter() - started
    return {
        "status": str(result.status),
        "spans": result.spans,
        "traces": result.traces,
        "seconds": seconds,
        "error": result.error,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Phoenix JSONL and Parquet import speed.")
    parser.add_argument("--spans", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=REPO / "bench" / "work")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    for kind, write in (("jsonl", write_phoenix_jsonl), ("parquet", write_phoenix_parquet)):
        file = args.workdir / f"phoenix-{args.spans}-seed{args.seed}.{kind}"
        if not file.exists():
            partial = file.with_suffix(".partial")
            write(partial, args.spans, seed=args.seed)
            partial.rename(file)
        report = import_once(file, args.workdir / f"phoenix-{kind}.duckdb")
        rate = report["spans"] / report["seconds"] if report["seconds"] else 0.0
        print(
            f"phoenix {kind}: {file.stat().st_size / 2**20:.0f} MB, {report['status']}, "
            f"{report['spans']} spans, {report['traces']} traces, {report['seconds']:.1f} s, "
            f"{rate:,.0f} spans/s" + (f" ({report['error']})" if report["error"] else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
