"""Arize Phoenix TraceDataset Parquet: ``px.TraceDataset.save()`` / ``get_spans_dataframe()``.

One row per span: ``context.span_id``, ``context.trace_id``, ``parent_id``, ``name``,
``span_kind``, ``start_time``/``end_time`` (timestamp[ns, UTC]), ``status_code``,
``status_message``, ``events``, and one column per attribute, ``attributes.<key>``. List
attributes are native ``list<struct>`` columns whose struct fields keep the dotted names
(``attributes.retrieval.documents`` = list<struct<document.content, document.id, ...>>).

The SELECT is written from the file's own schema (read from the footer) and run by DuckDB's
``read_parquet``: every attribute column becomes entries of the attribute map, and list<struct>
columns are expanded to the index-flattened keys OpenInference uses on the wire
(``retrieval.documents.0.document.content``), which the shared mapping already reads for
documents, messages, tool calls and reranker input/output. Embedding vectors are kept in the
JSON attributes but left out of the lookup text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from spanscope.importers.base import BuiltinFormat, Sample, SqlSource, sql_string
from spanscope.sqlfiles import load

PARQUET_MAGIC = b"PAR1"
_SPAN_IDS = ("context.span_id", "context.trace_id")
_OWN = {
    "context.span_id",
    "context.trace_id",
    "parent_id",
    "name",
    "span_kind",
    "start_time",
    "end_time",
    "status_code",
    "status_message",
    "events",
}
_INDEX = re.compile(r"__index_level_\d+__")
# OpenInference keys whose value is a JSON document of its own: kept whole, never flattened.
_WHOLE = re.compile(
    r"(^|\.)(metadata|invocation_parameters|variables|parameters|json_schema|value)$"
)


def parquet_schema(sample: Sample) -> pa.Schema | None:
    """The Arrow schema in a Parquet file's footer, or None when the file is not Parquet."""
    if sample.compression != "none" or not sample.head.startswith(PARQUET_MAGIC):
        return None
    try:
        return pq.read_schema(sample.path)
    except (pa.ArrowException, OSError, ValueError):
        return None


def index_columns(schema: pa.Schema) -> set[str]:
    """Columns that only hold a pandas index (pandas writes them when saving a DataFrame)."""
    names = {n for n in schema.names if _INDEX.fullmatch(n)}
    try:
        pandas = json.loads((schema.metadata or {}).get(b"pandas", b"{}"))
        names |= {n for n in pandas.get("index_columns", []) if isinstance(n, str)}
    except (ValueError, AttributeError):
        pass
    return names


class PhoenixParquet:
    """Phoenix span DataFrames saved as Parquet."""

    name = "phoenix-parquet"

    def sniff(self, sample: Sample) -> bool:
        schema = parquet_schema(sample)
        return schema is not None and all(n in schema.names for n in _SPAN_IDS)

    def source(self, sample: Sample, workdir: Path) -> SqlSource:
        schema = parquet_schema(sample)
        assert schema is not None, "sniff accepted a file without a Parquet schema"
        return SqlSource(
            select=span_select(schema, sample.path),
            setup=[load("spanscope.importers", "phoenix_macros.sql")],
        )


def span_select(schema: pa.Schema, path: Path) -> str:
    """The SELECT producing the raw span relation from a Phoenix Parquet file."""
    skip = index_columns(schema) - set(_SPAN_IDS)
    lambdas = _Names()
    entries: list[str] = []
    for f in schema:
        if f.name in _OWN or f.name in skip or pa.types.is_null(f.type):
            continue
        if f.name.startswith("attributes."):
            key = f.name[len("attributes.") :]
        elif f.name == "attributes" and pa.types.is_struct(f.type):
            key = ""
        else:
            key = "phoenix." + f.name
        entries.append(_entries(_ident(f.name), f.type, key, sql_string(key), lambdas))
    columns = ", ".join(
        [
            "file_row_number + 1 AS record",
            f"{_text_column(schema, 'context.trace_id')} AS trace_id",
            f"{_text_column(schema, 'context.span_id')} AS span_id",
            f"{_text_column(schema, 'parent_id')} AS parent_id",
            f"{_text_column(schema, 'name')} AS name",
            f"{_text_column(schema, 'span_kind')} AS span_kind",
            f"{_text_column(schema, 'status_code')} AS status_code",
            f"{_text_column(schema, 'status_message')} AS status_message",
            f"{_time_column(schema, 'start_time')} AS start_ns",
            f"{_time_column(schema, 'end_time')} AS end_ns",
        ]
    )
    source = f"read_parquet({sql_string(str(path))}, file_row_number = true)"
    return (
        load("spanscope.importers", "phoenix_parquet.sql")
        .replace("{source}", source)
        .replace("{columns}", columns)
        .replace("{entries}", f"flatten([{', '.join(entries)}])" if entries else _NO_ENTRIES)
        .replace("{events}", _events(schema, lambdas))
    )


_ENTRY = "STRUCT(key VARCHAR, value JSON, text VARCHAR)"
_NO_ENTRIES = f"[]::{_ENTRY}[]"
_NO_EVENTS = "[]::STRUCT(name VARCHAR, time_ns BIGINT, attributes MAP(VARCHAR, VARCHAR))[]"


@dataclass
class _Names:
    """Unique lambda parameter names for the generated SQL."""

    used: list[int] = field(default_factory=lambda: [0])

    def next(self) -> tuple[str, str]:
        self.used[0] += 1
        return f"x_pqg{self.used[0]}", f"i_pqg{self.used[0]}"


def _entries(expr: str, typ: pa.DataType, key: str, key_sql: str, names: _Names) -> str:
    """SQL for the list of attribute entries one value of type ``typ`` contributes.
    ``key`` is the key with list positions written as '*' (for decisions), ``key_sql`` the SQL
    expression of the actual key."""
    if pa.types.is_dictionary(typ):
        typ = typ.value_type
    if pa.types.is_struct(typ) and not _WHOLE.search(key):
        parts = []
        for child in typ:
            child_key = f"{key}.{child.name}" if key else child.name
            child_sql = (
                f"{key_sql} || {sql_string('.' + child.name)}" if key else sql_string(child.name)
            )
            parts.append(
                _entries(f"{expr}.{_ident(child.name)}", child.type, child_key, child_sql, names)
            )
        return (
            f"list_concat({', '.join(parts)})"
            if len(parts) > 1
            else (parts[0] if parts else _NO_ENTRIES)
        )
    if _is_list(typ) and pa.types.is_struct(typ.value_type):
        item, position = names.next()
        inner = _entries(
            item, typ.value_type, f"{key}.*", f"{key_sql} || '.' || ({position} - 1)", names
        )
        return f"flatten(list_transform(coalesce({expr}, []), lambda {item}, {position}: {inner}))"
    return f"[struct_pack(key := {key_sql}, value := {_json(expr, typ)}, text := {_text(expr, typ, key)})]"


def _is_list(typ: pa.DataType) -> bool:
    return bool(
        pa.types.is_list(typ) or pa.types.is_large_list(typ) or pa.types.is_fixed_size_list(typ)
    )


def _json(expr: str, typ: pa.DataType) -> str:
    if pa.types.is_floating(typ):
        return f"CASE WHEN isfinite({expr}) THEN to_json({expr}) END"
    return f"to_json({expr})"


def _text(expr: str, typ: pa.DataType, key: str) -> str:
    if key.endswith("embedding.vector"):
        return "NULL::VARCHAR"
    if pa.types.is_string(typ) or pa.types.is_large_string(typ) or pa.types.is_string_view(typ):
        return f"{expr}::VARCHAR"
    if pa.types.is_floating(typ):
        return f"CASE WHEN isfinite({expr}) THEN {expr}::VARCHAR END"
    if (
        pa.types.is_boolean(typ)
        or pa.types.is_integer(typ)
        or pa.types.is_decimal(typ)
        or pa.types.is_temporal(typ)
    ):
        return f"{expr}::VARCHAR"
    return f"to_json({expr})::VARCHAR"


def _text_column(schema: pa.Schema, name: str) -> str:
    if name not in schema.names:
        return "NULL::VARCHAR"
    return f"{_ident(name)}::VARCHAR"


def _time_column(schema: pa.Schema, name: str) -> str:
    if name not in schema.names:
        return "NULL::BIGINT"
    return _time(_ident(name), schema.field(name).type)


def _time(expr: str, typ: pa.DataType) -> str:
    if pa.types.is_timestamp(typ):
        return f"try(epoch_ns({expr}))"  # NULL (warned: no start time) past int64 ns: year 1, 9999
    if pa.types.is_integer(typ) or pa.types.is_floating(typ):
        return f"phoenix_time_ns({expr}::VARCHAR)"
    return f"phoenix_time_ns({expr}::VARCHAR)"


def _events(schema: pa.Schema, names: _Names) -> str:
    """Events as Phoenix saves them: a list of {name, timestamp, attributes}; a column of
    JSON text is read like the span JSON export's events."""
    if "events" not in schema.names:
        return _NO_EVENTS
    typ = schema.field("events").type
    column = _ident("events")
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return (
            "list_transform(coalesce(json_transform(" + column + ", "
            '\'[{"name": "VARCHAR", "timestamp": "VARCHAR", "attributes": "JSON"}]\'), []), '
            "lambda ev_pq: struct_pack(name := ev_pq.name, time_ns := phoenix_time_ns(ev_pq.timestamp), "
            "attributes := phoenix_object_text(ev_pq.attributes)))"
        )
    if not (_is_list(typ) and pa.types.is_struct(typ.value_type)):
        return _NO_EVENTS
    item, _ = names.next()
    fields = {f.name: f.type for f in typ.value_type}
    name = f"{item}.name::VARCHAR" if "name" in fields else "NULL::VARCHAR"
    time = (
        _time(f"{item}.timestamp", fields["timestamp"]) if "timestamp" in fields else "NULL::BIGINT"
    )
    attributes = "map_from_entries([]::STRUCT(key VARCHAR, value VARCHAR)[])"
    if "attributes" in fields:
        kind = fields["attributes"]
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            attributes = f"phoenix_object_text(try_cast({item}.attributes AS JSON))"
        elif pa.types.is_map(kind):
            attributes = f"phoenix_object_text(to_json({item}.attributes))"
        else:
            given = _entries(f"{item}.attributes", kind, "", "''", names)
            attributes = (
                "map_from_entries(list_transform(list_filter(" + given + ", lambda e_pqe: "
                "e_pqe.text IS NOT NULL), lambda e_pqf: struct_pack(key := e_pqf.key, value := e_pqf.text)))"
            )
    return (
        f"list_transform(coalesce({column}, []), lambda {item}: struct_pack("
        f"name := {name}, time_ns := {time}, attributes := {attributes}))"
    )


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# Found by the format registry, which asks the formats by rising asked_at (importers/registry.py).
FORMAT = BuiltinFormat(PhoenixParquet, asked_at=120)
