"""Rows of a Parquet table as plain values, one record batch at a time, for importers that map
rows in Python (LangSmith's bulk export, Langfuse's blob export).

Timestamps come out as integer nanoseconds since the epoch (UTC), never as Python datetimes,
so no time is rounded to microseconds; map columns come out as objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from spanscope.importers.base import ImportError_

ROWS_PER_BATCH = 2048


class ParquetRows:
    """``(position, row)`` for every row of a Parquet file; ``progress()`` is the fraction of
    rows read. A file that cannot be read fails with the row reading had reached."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._done = 0
        self._total = 1

    def progress(self) -> float:
        return min(self._done / self._total, 1.0)

    def __iter__(self) -> Iterator[tuple[str, dict[str, Any]]]:
        try:
            parquet = pq.ParquetFile(self.path)
            self._total = max(parquet.metadata.num_rows, 1)
            row = 0
            for batch in parquet.iter_batches(batch_size=ROWS_PER_BATCH):
                maps = _maps(batch)
                for values in plain_values(batch).to_pylist():
                    row += 1
                    yield (
                        f"row {row}",
                        {
                            k: dict(v) if k in maps and isinstance(v, list) else v
                            for k, v in values.items()
                        },
                    )
                self._done = row
        except (pa.ArrowException, OSError) as exc:
            raise ImportError_(
                f"{self.path}: the Parquet data cannot be read after row {self._done} ({exc})"
            ) from exc


def _maps(batch: pa.RecordBatch) -> set[str]:
    return {f.name for f in batch.schema if pa.types.is_map(f.type)}


def plain_values(batch: pa.RecordBatch) -> pa.RecordBatch:
    """The batch with timestamp columns as integer nanoseconds since the epoch (UTC)."""
    columns = []
    for column in batch.columns:
        if pa.types.is_timestamp(column.type):
            column = column.cast(pa.timestamp("ns", tz=column.type.tz)).cast(pa.int64())
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


__all__ = ["ParquetRows", "plain_values"]
