"""Langfuse blob-storage export files: observation tables as spans, linked to their traces.

Each table may be JSON, JSON Lines, CSV or Parquet (the default for new integrations since
July 2026). An ``observations_v2`` row carries its trace's session, user, tags and name itself. A legacy
``observations`` row does not: Langfuse writes those to the ``traces`` table beside it
(``<prefix>/traces/`` next to ``<prefix>/observations/``). Importing a legacy observations file
therefore reads the traces files of the same export for the traces its rows name (the rows
first, for their trace ids; then the traces tables, the same time window first and earlier
ones next, keeping only those traces and stopping once all are found; then the rows again, as
spans), so every span gets its trace's session, user and tags and each root its
trace's name, input and output. Traces not found there are counted in a warning.

A ``traces`` file holds no spans: importing it alone is refused with a message saying its
fields arrive with the observations files of the same export.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from spanscope.importers.base import ArrowSource, BuiltinFormat, ImportError_, Sample, read_sample
from spanscope.importers.batches import span_batches
from spanscope.importers.json_head import first_record
from spanscope.importers.langfuse.blob_rows import (
    TRACE_CONTEXT_KEYS,
    CsvRows,
    is_csv_table,
    is_observation_row,
    is_trace_row,
    observation_record,
    trace_context,
    trace_record,
)
from spanscope.importers.langfuse.observations import export_spans
from spanscope.importers.parquet_rows import ParquetRows
from spanscope.importers.phoenix_parquet import parquet_schema
from spanscope.importers.records import PositionedJsonRecords
from spanscope.importers.values import JsonDict
from spanscope.model.raw import RawSpan

Rows = PositionedJsonRecords | CsvRows | ParquetRows


def _rows(sample: Sample) -> Rows:
    if parquet_schema(sample) is not None:
        return ParquetRows(sample.path)
    text = sample.text.lstrip("\ufeff").lstrip()
    return PositionedJsonRecords(sample) if text[:1] in ("[", "{") else CsvRows(sample)


def table_of(sample: Sample) -> str | None:
    """Which export table the file holds: observations, traces, or None."""
    schema = parquet_schema(sample)
    if schema is not None:
        columns = dict.fromkeys(schema.names)
        if is_observation_row(columns):
            return "observations"
        return "traces" if is_trace_row(columns) else None
    record = first_record(sample)
    if isinstance(record, dict):
        if is_observation_row(record):
            return "observations"
        return "traces" if is_trace_row(record) else None
    if is_csv_table(sample, is_observation_row):
        return "observations"
    return "traces" if is_csv_table(sample, is_trace_row) else None


class LangfuseBlobExport:
    """Langfuse blob-storage export: observations (legacy and enriched) and traces tables."""

    name = "langfuse-blob"

    def sniff(self, sample: Sample) -> bool:
        return sample.compression != "zip" and table_of(sample) is not None

    def source(self, sample: Sample, workdir: Path) -> ArrowSource:
        if table_of(sample) == "traces":
            raise ImportError_(
                f"{sample.path}: a Langfuse export traces table holds no spans; its session, "
                "user, tags and names are read with the observations files of the same export "
                "(import the export's folder, or its observations files)"
            )
        warnings: list[str] = []
        rows = _rows(sample)
        return ArrowSource(
            batches=span_batches(self._spans(sample.path, rows, warnings)),
            progress=rows.progress,
            warnings=warnings,
        )

    def _spans(self, path: Path, rows: Rows, warnings: list[str]) -> Iterator[RawSpan]:
        traces: dict[str, JsonDict] = {}
        wanted = {
            str(row["trace_id"])
            for _, row in _checked(path, rows)
            if not any(k in row for k in TRACE_CONTEXT_KEYS) and row.get("trace_id")
        }
        if wanted:
            traces = traces_beside(path, wanted)
            missing = len(wanted - set(traces))
            if missing:
                warnings.append(
                    f"{missing} of the {len(wanted)} traces these observations belong to are "
                    "not in a traces table of this export: their spans have no session, user "
                    "or trace name"
                )
        for position, row in _checked(path, rows):
            record = observation_record(row)
            trace = traces.get(str(row.get("trace_id")))
            if trace is not None:
                record = {"trace": trace_context(trace, row), "observations": [record]}
            try:
                yield from export_spans(record)
            except (ValueError, TypeError) as exc:
                raise ImportError_(f"{path}: {exc} at {position}") from exc


def _checked(path: Path, rows: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, JsonDict]]:
    for position, row in rows:
        if not is_observation_row(row):
            raise ImportError_(f"{path}: not a Langfuse export observation row at {position}")
        yield position, row


def _nearest_first(path: Path, tables: Path) -> list[Path]:
    """The traces tables, the one of the same window first, then earlier windows newest first
    (a trace starts before its observations), then later ones: files are named by window."""
    files = [p for p in tables.rglob("*") if p.is_file() and not p.name.startswith(".")]
    stem = path.name.split(".", 1)[0]
    same = [p for p in files if p.name.split(".", 1)[0] == stem]
    rest = [p for p in files if p.name.split(".", 1)[0] != stem]
    earlier = sorted((p for p in rest if p.name < path.name), reverse=True)
    return same + earlier + sorted(p for p in rest if p.name >= path.name)


def traces_beside(path: Path, wanted: set[str]) -> dict[str, JsonDict]:
    """The trace objects of ``wanted`` found in the traces tables of the export ``path`` is
    part of: ``traces/`` beside the ``observations/`` folder that holds it (at any depth)."""
    folder = next((p for p in path.parents if p.name == "observations"), None)
    if folder is None:
        return {}
    found: dict[str, JsonDict] = {}
    tables = folder.parent / "traces"
    if not tables.is_dir():
        return found
    for candidate in _nearest_first(path, tables):
        if len(found) == len(wanted):
            break  # every trace found: the rest of the export need not be read
        try:
            sample = read_sample(candidate)
            if table_of(sample) != "traces":
                continue
            for _, row in _rows(sample):
                key = str(row.get("id")) if isinstance(row, dict) else None
                if key in wanted and is_trace_row(row):
                    found[key] = trace_record(row)
        except (ImportError_, OSError):
            continue  # a damaged traces file fails on its own import; the links say what is missing
    return found


# Found by the format registry, which asks the formats by rising asked_at (importers/registry.py).
FORMAT = BuiltinFormat(LangfuseBlobExport, asked_at=60)


__all__ = ["LangfuseBlobExport", "table_of", "traces_beside"]
