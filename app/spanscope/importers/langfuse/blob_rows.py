"""Langfuse's scheduled blob-storage export (S3, GCS, Azure): one file per table and time
window, as JSON, JSON Lines, CSV or Parquet, under ``<prefix>/<table>/``.

Tables (Langfuse's field reference, "Blob storage export fields"; columns snake_case, times
``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC):

- ``observations/`` (legacy): ``id, trace_id, project_id, environment, type,
  parent_observation_id, start_time, end_time, name, metadata, level, status_message, version,
  input, output, provided_model_name, model_parameters, usage_details, cost_details,
  completion_start_time, prompt_name, prompt_version`` (and ``latency``,
  ``time_to_first_token``, ``model_id`` in newer exports). No trace fields: those are in
  ``traces/``, joined on ``trace_id``.
- ``observations_v2/`` (enriched, the default since Langfuse v4): the same observation columns
  plus the trace's ``user_id``, ``session_id``, ``trace_name``, ``tags``, ``release`` (field
  groups decide which columns appear; ``core`` always does).
- ``traces/`` (legacy): ``id, timestamp, name, environment, project_id, metadata, user_id,
  session_id, release, version, public, bookmarked, tags, input, output``.
- ``scores/``: ``id, timestamp, project_id, environment, trace_id, observation_id, session_id,
  name, value, source, comment, data_type, string_value`` (read by :mod:`.blob_scores`).

A row of ``observations`` or ``observations_v2`` is a Langfuse observation with its keys in
snake_case; it is renamed to the API's camelCase and mapped like any observation. In CSV,
objects (metadata, usage, cost, parameters, tags) are JSON text and decoded here.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from spanscope.importers.base import ImportError_, Sample
from spanscope.importers.compressed import FileProgress, decompressed
from spanscope.importers.values import JsonDict, decode_json_text

_OBSERVATION_KEYS = {
    "id": "id",
    "trace_id": "traceId",
    "project_id": "projectId",
    "environment": "environment",
    "type": "type",
    "parent_observation_id": "parentObservationId",
    "start_time": "startTime",
    "end_time": "endTime",
    "name": "name",
    "metadata": "metadata",
    "level": "level",
    "status_message": "statusMessage",
    "version": "version",
    "input": "input",
    "output": "output",
    "provided_model_name": "model",
    "model_parameters": "modelParameters",
    "usage_details": "usageDetails",
    "cost_details": "costDetails",
    "completion_start_time": "completionStartTime",
    "prompt_name": "promptName",
    "prompt_version": "promptVersion",
}
# The trace's fields an enriched (observations_v2) row carries, as the trace object names them.
TRACE_CONTEXT_KEYS = {
    "user_id": "userId",
    "session_id": "sessionId",
    "trace_name": "name",
    "tags": "tags",
    "release": "release",
}
# The columns of a legacy traces row, as the trace object names them.
_TRACE_KEYS = {
    "id": "id",
    "timestamp": "timestamp",
    "name": "name",
    "environment": "environment",
    "metadata": "metadata",
    "user_id": "userId",
    "session_id": "sessionId",
    "release": "release",
    "version": "version",
    "public": "public",
    "bookmarked": "bookmarked",
    "tags": "tags",
    "input": "input",
    "output": "output",
}
_OBJECT_COLUMNS = ("metadata", "usage_details", "cost_details", "model_parameters", "tags")


def is_observation_row(value: Any) -> bool:
    """A row of the ``observations`` or ``observations_v2`` table."""
    return (
        isinstance(value, dict)
        and "trace_id" in value
        and "start_time" in value
        and "type" in value
        and ("parent_observation_id" in value or "id" in value)
        and "traceId" not in value
    )


def is_trace_row(value: Any) -> bool:
    """A row of the legacy ``traces`` table."""
    return (
        isinstance(value, dict)
        and "id" in value
        and "timestamp" in value
        and "trace_id" not in value
        and "type" not in value
        and ("bookmarked" in value or "public" in value)
        and ("session_id" in value or "user_id" in value)
    )


def is_score_row(value: Any) -> bool:
    """A row of the ``scores`` table."""
    return (
        isinstance(value, dict)
        and "trace_id" in value
        and "name" in value
        and "data_type" in value
        and ("value" in value or "string_value" in value)
    )


def observation_record(row: JsonDict) -> JsonDict:
    """A blob row as the export record the observation mapping reads: a bare observation, or
    (an enriched row) the observation inside the trace context it carries."""
    row = decoded(row)
    observation = {_OBSERVATION_KEYS.get(k, f"blob.{k}"): v for k, v in row.items()}
    observation = {k: v for k, v in observation.items() if k not in _context_names(row)}
    context = {TRACE_CONTEXT_KEYS[k]: row[k] for k in TRACE_CONTEXT_KEYS if row.get(k) is not None}
    if not context:
        return observation
    return {
        "trace": trace_context({"id": row.get("trace_id"), **context}, row),
        "observations": [observation],
    }


def trace_context(trace: JsonDict, row: JsonDict) -> JsonDict:
    """What of its trace an observation row takes: the whole trace for a root observation
    (its name, input and output go on the root), only session, user and tags otherwise."""
    if row.get("parent_observation_id"):
        return {k: trace[k] for k in ("id", "sessionId", "userId", "tags") if k in trace}
    return trace


def trace_record(row: JsonDict) -> JsonDict:
    """A legacy traces row as the Langfuse API's trace object."""
    row = decoded(row)
    return {_TRACE_KEYS.get(k, k): v for k, v in row.items()}


def _context_names(row: JsonDict) -> set[str]:
    return {f"blob.{k}" for k in TRACE_CONTEXT_KEYS if k in row}


def decoded(row: JsonDict) -> JsonDict:
    """Objects written as JSON text (CSV, and some JSON writers) decoded; empty CSV cells none."""
    out: JsonDict = {}
    for key, value in row.items():
        if value == "" and isinstance(value, str):
            value = None
        elif key in _OBJECT_COLUMNS and isinstance(value, str):
            value = decode_json_text(value)
        out[key] = value
    return out


def is_csv_table(sample: Sample, test: Any) -> bool:
    """True when the sample is CSV whose header row makes a row that ``test`` accepts."""
    text = sample.text.lstrip("\ufeff")
    if not text or text[0] in "[{":
        return False
    first = text.split("\n", 1)[0]
    try:
        header = next(csv.reader([first]))
    except (csv.Error, StopIteration):
        return False
    return len(header) > 3 and bool(test(dict.fromkeys(header, "")))


class CsvRows:
    """The rows of a CSV file as dicts, with their line for messages; gzip and zstd read
    through. ``progress()`` is the fraction of the file read."""

    def __init__(self, sample: Sample) -> None:
        self.path: Path = sample.path
        self.compression = sample.compression
        self.progress = FileProgress(sample.path)

    def __iter__(self) -> Iterator[tuple[str, JsonDict]]:
        csv.field_size_limit(sys.maxsize)  # inputs and outputs can be megabytes in one cell
        with open(self.path, "rb") as raw:
            self.progress.raw = raw
            text = io.TextIOWrapper(decompressed(raw, self.compression), encoding="utf-8-sig")
            reader = csv.DictReader(text)
            try:
                for row in reader:
                    if None in row:
                        raise ImportError_(
                            f"{self.path}: line {reader.line_num} has more cells than the header"
                        )
                    yield f"line {reader.line_num}", dict(row)
            except (csv.Error, UnicodeDecodeError, OSError, EOFError) as exc:
                raise ImportError_(
                    f"{self.path}: unreadable CSV at line {reader.line_num} ({exc})"
                ) from exc


__all__ = [
    "CsvRows",
    "TRACE_CONTEXT_KEYS",
    "decoded",
    "is_csv_table",
    "is_observation_row",
    "is_score_row",
    "is_trace_row",
    "observation_record",
    "trace_context",
    "trace_record",
]
