"""Arize Phoenix span JSON: what Phoenix's span encoder and its REST API write.

Each span is ``{name, context{trace_id, span_id}, span_kind, parent_id, start_time, end_time,
status_code, status_message, attributes, events[{name, timestamp, attributes}]}``, with
``conversation`` in 2023 files and ``id`` (Phoenix's own row id) from the REST API. Files hold a
JSON list of spans, JSON Lines of spans (``spans_to_jsonl``), or pages of the REST API's span
list (``GET /v1/projects/{project}/spans`` returns ``{"data": [span, ...], "next_cursor"}``).

DuckDB reads the file with a fixed schema; the attribute bag stays JSON and is turned into
the attribute map in SQL (importers/sql/phoenix_json.sql), so large exports never become
Python objects. The quirks handled there: attributes flat or nested (flattened to the dotted
keys of OpenInference), the span kind only in ``span_kind`` (the REST API moves it out of the
attributes), legacy ``llm.messages`` pairs, ISO times with or without an offset (naive = UTC),
and ids as written (hex, UUIDs, synthetic strings).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import zstandard

from spanscope.importers.base import BuiltinFormat, Sample, SqlSource, sql_string
from spanscope.sqlfiles import load

# DuckDB's JSON reader needs a bound on one record's size and reserves buffers of about that
# size, so the bound is never larger than the file can need (a memory cap would refuse more).
DEFAULT_OBJECT_BYTES = 16 * 1024 * 1024
MAX_OBJECT_BYTES = 1024 * 1024 * 1024

# The span's own fields and how DuckDB reads them. Every other top-level field of the first
# record is read as JSON too and kept as a phoenix.<field> attribute.
_FIELDS: dict[str, str] = {
    "name": "VARCHAR",
    "context": "STRUCT(trace_id VARCHAR, span_id VARCHAR)",
    "span_kind": "VARCHAR",
    "parent_id": "VARCHAR",
    "start_time": "VARCHAR",
    "end_time": "VARCHAR",
    "status_code": "VARCHAR",
    "status_message": "VARCHAR",
    "attributes": "JSON",
    "events": "JSON",
    "conversation": "JSON",
    "id": "VARCHAR",
}
_KEPT_AS = {"id": "phoenix.span.id", "conversation": "phoenix.conversation"}

# When the first record is larger than the sample: the keys only this format has together.
_SPAN_TEXT = (
    re.compile(rb'"context"\s*:\s*\{[^{}]*"span_id"'),
    re.compile(rb'"span_kind"\s*:'),
    re.compile(rb'"start_time"\s*:'),
)


class PhoenixSpans:
    """Phoenix span JSON and JSON Lines exports."""

    name = "phoenix"

    def sniff(self, sample: Sample) -> bool:
        if sample.compression == "zip" or sample.first_char() not in ("{", "["):
            return False
        found = _first_record(sample.text)
        if found is not None:
            record, _ = found
            return _is_span(record)
        return all(pattern.search(sample.head) for pattern in _SPAN_TEXT)

    def source(self, sample: Sample, workdir: Path) -> SqlSource:
        found = _first_record(sample.text)
        layout = found[1] if found is not None else _layout_guess(sample)
        extras = [k for k in (found[0] if found is not None else {}) if k not in _FIELDS]
        largest = _largest_record(sample.path, sample.compression)
        # A REST API page is one document: its bound is the whole file from the start.
        max_object = largest if layout == "wrapped" else min(DEFAULT_OBJECT_BYTES, largest)
        first = self.reader(sample.path, sample.compression, layout, extras, max_object)

        def retry(error: Exception) -> SqlSource | None:
            if "maximum_object_size" in str(error) and max_object < largest:
                return self.reader(sample.path, sample.compression, layout, extras, largest)
            return None

        first.fallback = retry
        return first

    def reader(
        self, path: Path, compression: str, layout: str, extras: list[str], max_object: int
    ) -> SqlSource:
        """The SELECT reading a Phoenix span file of this layout (array, newline_delimited,
        unstructured, or wrapped in {"data": [...]})."""
        fields = {**_FIELDS, **{k: "JSON" for k in extras}}
        span_type = "STRUCT(" + ", ".join(f"{_ident(k)} {t}" for k, t in fields.items()) + ")"
        if layout == "wrapped":
            columns = "{'data': " + sql_string(span_type + "[]") + "}"
            reader = _read_json(path, compression, "unstructured", columns, max_object)
            records = (
                f"SELECT record, {_record_fields('u.', extras)} FROM ("
                f"SELECT unnest(range(1, len(data) + 1)) AS record, unnest(data) AS u FROM {reader})"
            )
        else:
            columns = (
                "{"
                + ", ".join(f"{sql_string(k)}: {sql_string(t)}" for k, t in fields.items())
                + "}"
            )
            reader = _read_json(path, compression, layout, columns, max_object)
            records = f"SELECT ordinality AS record, {_record_fields('', extras)} FROM {reader} WITH ORDINALITY"
        select = load("spanscope.importers", "phoenix_json.sql").replace("{records}", records)
        return SqlSource(select=select, setup=[load("spanscope.importers", "phoenix_macros.sql")])


def _largest_record(path: Path, compression: str) -> int:
    """An upper bound on one record's size: the file's decompressed size, as far as the file
    tells it (gzip's trailer holds it modulo 4 GiB, zstd frames usually in their header)."""
    size = path.stat().st_size
    if compression == "gzip":
        with open(path, "rb") as raw:
            raw.seek(max(size - 4, 0))
            size = max(size * 4, int.from_bytes(raw.read(4), "little"))
    elif compression == "zstd":
        with open(path, "rb") as raw:
            try:
                known = zstandard.frame_content_size(raw.read(18))
            except zstandard.ZstdError:
                known = -1
        size = known if known > 0 else size * 32
    return max(1024 * 1024, min(size + 1, MAX_OBJECT_BYTES))


def _read_json(path: Path, compression: str, layout: str, columns: str, max_object: int) -> str:
    return (
        f"read_json({sql_string(str(path))}, format='{layout}', compression='{compression}', "
        f"records=true, maximum_object_size={max_object}, columns={columns})"
    )


def _record_fields(prefix: str, extras: list[str]) -> str:
    own = ", ".join(f"{prefix}{_ident(k)} AS {_ident(k)}" for k in _FIELDS if k not in _KEPT_AS)
    kept = [
        f"struct_pack(key := {sql_string(_KEPT_AS['id'])}, value := to_json(nullif({prefix}id, '')))",
        f"struct_pack(key := {sql_string(_KEPT_AS['conversation'])}, value := {prefix}conversation)",
        *(
            f"struct_pack(key := {sql_string('phoenix.' + k)}, value := {prefix}{_ident(k)})"
            for k in extras
        ),
    ]
    return f"{own}, [{', '.join(kept)}]::STRUCT(key VARCHAR, value JSON)[] AS extras"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _is_span(value: Any) -> bool:
    """A Phoenix span record: context with both ids, span_kind, a start time and a name."""
    if not isinstance(value, dict):
        return False
    context = value.get("context")
    return (
        isinstance(context, dict)
        and "trace_id" in context
        and "span_id" in context
        and "span_kind" in value
        and "start_time" in value
        and "name" in value
    )


def _first_record(text: str) -> tuple[Any, str] | None:
    """The first span-like record in the sample and the layout of the file, or None when the
    first record does not fit in the sample or the text is not JSON."""
    text = text.lstrip()
    decoder = json.JSONDecoder()
    if text.startswith("["):
        try:
            value, _ = decoder.raw_decode(text, len(text) - len(text[1:].lstrip()))
        except ValueError:
            return None
        return value, "array"
    first_line, newline, _ = text.partition("\n")
    if newline:
        try:
            value = json.loads(first_line)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return _unwrap(value, "newline_delimited")
    try:
        value, _ = decoder.raw_decode(text)
    except ValueError:
        # One large document: a "data" page whose first span fits in the sample.
        page = re.match(r'\{\s*"data"\s*:\s*\[\s*', text)
        if page is None:
            return None
        try:
            value, _ = decoder.raw_decode(text, page.end())
        except ValueError:
            return None
        return value, "wrapped"
    return _unwrap(value, "unstructured") if isinstance(value, dict) else None


def _unwrap(value: dict[str, Any], layout: str) -> tuple[Any, str]:
    data = value.get("data")
    if not _is_span(value) and isinstance(data, list) and data:
        return data[0], "wrapped"
    return value, layout


def _layout_guess(sample: Sample) -> str:
    text = sample.text.lstrip()
    if text.startswith("["):
        return "array"
    if re.match(r'\{\s*"data"\s*:', text):
        return "wrapped"
    return "unstructured"


# Found by the format registry, which asks the formats by rising asked_at (importers/registry.py).
FORMAT = BuiltinFormat(PhoenixSpans, asked_at=110)
