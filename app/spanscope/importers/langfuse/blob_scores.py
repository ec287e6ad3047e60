"""The ``scores`` table of Langfuse's blob-storage export (JSON, JSON Lines, CSV or Parquet).

Columns (Langfuse's field reference): ``id, timestamp, project_id, environment, trace_id,
observation_id, session_id, name, value, source, comment, data_type, string_value`` (plus the
opt-in ``metadata`` and provenance groups). A score names a trace and, optionally, one of its
observations; it becomes an annotation on that span or trace: the score's ``name`` is the
rubric, ``value`` the score, ``string_value`` (categorical and boolean scores) the label,
``comment`` the note, and the author ``langfuse`` with the score's ``source`` (``API``,
``EVAL``, ``ANNOTATION``). A session-only score (no trace) names no span and is counted as
not attached.
"""

from __future__ import annotations

from pathlib import Path

from spanscope.importers.base import AnnotationSource, BuiltinFormat, Sample, sql_string
from spanscope.importers.json_head import first_record
from spanscope.importers.langfuse.blob_rows import is_csv_table, is_score_row
from spanscope.importers.phoenix_parquet import parquet_schema

_COLUMNS = {
    "trace_id": "VARCHAR",
    "observation_id": "VARCHAR",
    "name": "VARCHAR",
    "value": "VARCHAR",
    "string_value": "VARCHAR",
    "comment": "VARCHAR",
    "source": "VARCHAR",
    "data_type": "VARCHAR",
}
_COMPRESSION = {"gzip": "gzip", "zstd": "zstd", "none": "none"}


class LangfuseBlobScores:
    """Scores from a Langfuse blob-storage export, as annotations."""

    name = "langfuse-blob-scores"
    annotates_only = True  # a folder import takes it after the observations it annotates

    def sniff(self, sample: Sample) -> bool:
        if sample.compression == "zip":
            return False
        schema = parquet_schema(sample)
        if schema is not None:
            return is_score_row(dict.fromkeys(schema.names))
        record = first_record(sample)
        if isinstance(record, dict):
            return is_score_row(record)
        return is_csv_table(sample, is_score_row)

    def source(self, sample: Sample, workdir: Path) -> AnnotationSource:
        path = sql_string(str(sample.path))
        compression = sql_string(_COMPRESSION.get(sample.compression, "auto"))
        columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in _COLUMNS.items()) + "}"
        schema = parquet_schema(sample)
        if schema is not None:
            # only the columns the file has; the others are NULL
            present = ", ".join(
                f'"{k}"::VARCHAR AS {k}' if k in schema.names else f"NULL::VARCHAR AS {k}"
                for k in _COLUMNS
            )
            reader = f"(SELECT {present} FROM read_parquet({path}))"
        elif isinstance(first_record(sample), dict):
            text = sample.text.lstrip("\ufeff").lstrip()
            layout = "'array'" if text[:1] == "[" else "'newline_delimited'"
            reader = f"read_json({path}, format = {layout}, columns = {columns}, compression = {compression})"
        else:
            reader = (
                f"read_csv({path}, header = true, all_varchar = true, compression = {compression}, "
                f"union_by_name = true)"
            )
        select = f"""
            SELECT nullif(trace_id, '') AS raw_trace_id,
                   nullif(observation_id, '') AS raw_span_id,
                   nullif(string_value, '') AS label,
                   CASE WHEN upper(data_type) = 'NUMERIC' OR nullif(string_value, '') IS NULL
                        THEN try_cast(value AS DOUBLE) END AS score,
                   nullif(comment, '') AS note,
                   name AS rubric,
                   'langfuse' || coalesce(' ' || lower(nullif(source, '')), '') AS author
            FROM {reader}
        """
        return AnnotationSource(select=select)


# Found by the format registry, which asks the formats by rising asked_at (importers/registry.py).
FORMAT = BuiltinFormat(LangfuseBlobScores, asked_at=70)


__all__ = ["LangfuseBlobScores"]
