"""LangSmith bulk data export: the Parquet files a bulk export (one-off or scheduled) writes to
an S3-compatible bucket, partitioned as
``<prefix>/export_id=<id>/tenant_id=<id>/session_id=<project id>/runs/year=<YYYY>/month=<MM>/day=<DD>/<part>.parquet``.

LangSmith documents the columns as "the fields of the Run data format" (``export_fields`` may
narrow them): ``id, name, run_type, start_time, end_time, status, error, inputs, outputs,
extra, events, tags, trace_id, dotted_order, parent_run_id, session_id, tenant_id,
reference_example_id, is_root, prompt_tokens, completion_tokens, total_tokens, prompt_cost,
completion_cost, total_cost, first_token_time, feedback_stats`` … Objects (``inputs``,
``outputs``, ``extra``, ``events``, ``feedback_stats``) are JSON text in the files; they are
decoded here, and each row is then mapped as any LangSmith run (:func:`.runs.run_span`).

The file is read one record batch at a time, so a large partition file never sits in memory
whole. A row that cannot be read fails the file, naming the row.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from spanscope.importers.base import ArrowSource, BuiltinFormat, ImportError_, Sample
from spanscope.importers.batches import span_batches
from spanscope.importers.langsmith.runs import run_span
from spanscope.importers.parquet_rows import ParquetRows
from spanscope.importers.phoenix_parquet import parquet_schema
from spanscope.importers.values import decode_json_text
from spanscope.model.raw import RawSpan

_JSON_COLUMNS = ("inputs", "outputs", "extra", "events", "feedback_stats", "serialized", "tags")


def is_runs_schema(schema: pa.Schema) -> bool:
    """A Parquet table of LangSmith runs."""
    names = set(schema.names)
    return {"id", "run_type"} <= names and bool(names & {"trace_id", "dotted_order"})


class LangSmithBulkExport:
    """LangSmith bulk-export Parquet files (runs)."""

    name = "langsmith-bulk"

    def sniff(self, sample: Sample) -> bool:
        schema = parquet_schema(sample)
        return schema is not None and is_runs_schema(schema)

    def source(self, sample: Sample, workdir: Path) -> ArrowSource:
        rows = ParquetRows(sample.path)
        return ArrowSource(batches=span_batches(_spans(rows)), progress=rows.progress)


def _spans(rows: ParquetRows) -> Iterator[RawSpan]:
    for position, values in rows:
        try:
            yield run_span(_run(values))
        except (ValueError, TypeError) as exc:
            raise ImportError_(f"{rows.path}: {exc} at {position}") from exc


def _run(values: dict[str, Any]) -> dict[str, Any]:
    """A Parquet row as the run object the mapping reads."""
    run: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        if key in _JSON_COLUMNS and isinstance(value, str):
            value = decode_json_text(value)
        run[key] = value
    return run


# Found by the format registry, which asks the formats by rising asked_at (importers/registry.py).
FORMAT = BuiltinFormat(LangSmithBulkExport, asked_at=90)


__all__ = ["LangSmithBulkExport", "is_runs_schema"]
