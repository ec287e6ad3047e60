"""Arize Phoenix evaluations saved as Parquet (``SpanEvaluations`` / ``DocumentEvaluations`` /
``TraceEvaluations``.save(), or ``log_evaluations`` input written with ``to_parquet``).

Each row is one evaluation result: ``label``, ``score``, ``explanation``, keyed by
``context.span_id`` (or ``span_id``), plus ``document_position`` (or ``position``) for a
retrieved document, or by ``context.trace_id`` (or ``trace_id``) for a whole trace. The
evaluation's name is in the schema metadata ``arize`` (``eval_name``).

The file holds no spans: the rows become annotations on spans already in the database
(label, score, the explanation as the note, the evaluation name as the rubric, author
``phoenix-evals``). A document evaluation's rubric names its position:
``Retrieval Relevance [document 3]``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

from spanscope.importers.base import AnnotationSource, BuiltinFormat, Sample, sql_string
from spanscope.importers.phoenix_parquet import index_columns, parquet_schema

AUTHOR = "phoenix-evals"
_SPAN_KEYS = ("context.span_id", "span_id")
_TRACE_KEYS = ("context.trace_id", "trace_id")
_POSITION_KEYS = ("document_position", "position")
_RESULTS = ("label", "score", "explanation")


class PhoenixEvaluations:
    """Phoenix span, document and trace evaluations (Parquet)."""

    name = "phoenix-evals"
    # Annotates spans other files bring: a folder import takes such files last.
    annotates_only = True

    def sniff(self, sample: Sample) -> bool:
        schema = parquet_schema(sample)
        if schema is None:
            return False
        names = set(schema.names) - index_columns(schema)
        keys = set(_SPAN_KEYS + _TRACE_KEYS + _POSITION_KEYS)
        has_key = any(k in schema.names for k in _SPAN_KEYS + _TRACE_KEYS)
        # Only the index and the result columns: a span table also has a span id column, but
        # many more columns besides.
        return has_key and bool(names & set(_RESULTS)) and names <= keys | set(_RESULTS)

    def source(self, sample: Sample, workdir: Path) -> AnnotationSource:
        schema = parquet_schema(sample)
        assert schema is not None, "sniff accepted a file without a Parquet schema"
        return AnnotationSource(select=annotation_select(schema, sample.path))


def annotation_select(schema: pa.Schema, path: Path) -> str:
    """The SELECT yielding the raw annotation relation of an evaluations file."""
    span = _first(schema, _SPAN_KEYS)
    trace = _first(schema, _TRACE_KEYS)
    position = _first(schema, _POSITION_KEYS)
    rubric = sql_string(eval_name(schema) or path.stem)
    if position is not None:
        rubric = f"{rubric} || ' [document ' || {_ident(position)} || ']'"
    columns = [
        f"{_ident(trace)}::VARCHAR AS raw_trace_id" if trace else "NULL::VARCHAR AS raw_trace_id",
        f"{_ident(span)}::VARCHAR AS raw_span_id" if span else "NULL::VARCHAR AS raw_span_id",
        "label::VARCHAR AS label" if "label" in schema.names else "NULL::VARCHAR AS label",
        "try_cast(score AS DOUBLE) AS score"
        if "score" in schema.names
        else "NULL::DOUBLE AS score",
        "explanation::VARCHAR AS note"
        if "explanation" in schema.names
        else "NULL::VARCHAR AS note",
        f"{rubric} AS rubric",
        f"{sql_string(AUTHOR)} AS author",
    ]
    return f"SELECT {', '.join(columns)} FROM read_parquet({sql_string(str(path))})"


def eval_name(schema: pa.Schema) -> str | None:
    """The evaluation's name as Phoenix saves it in the schema metadata, when present."""
    try:
        meta = json.loads((schema.metadata or {}).get(b"arize", b"{}"))
    except ValueError:
        return None
    name = meta.get("eval_name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) and name else None


def _first(schema: pa.Schema, candidates: tuple[str, ...]) -> str | None:
    return next((c for c in candidates if c in schema.names), None)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# Found by the format registry, which asks the formats by rising asked_at (importers/registry.py).
FORMAT = BuiltinFormat(PhoenixEvaluations, asked_at=130)
