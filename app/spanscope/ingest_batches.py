"""Small files imported together: many one-span files cost little each.

Each file imported alone pays a fixed cost (planning the mapping statement, deriving its
traces, committing): about 0.25 s, so a folder of 10,000 one-span files took 40 minutes. Small
files of a format that can read several files in one call (an importer with ``batch_key`` and
``batch_source``) are mapped in one statement and committed together, each still getting its
own source row, warnings and result. DuckDB has no savepoints: when any file of a batch fails,
the whole batch is rolled back and the caller imports its files one by one, so a bad file still
costs only itself.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from spanscope.importers.base import Importer, Sample
from spanscope.importers.inflation import check_inflation
from spanscope.model import ImportResult, ImportStatus
from spanscope.store.writer import BatchFile, Writer

BATCH_FILES = 200  # files a transaction at most
SMALL_FILE_BYTES = 1024 * 1024  # inflated: larger files are imported alone


@dataclass(frozen=True)
class BatchItem:
    """A small file ready to go into a batch."""

    file: BatchFile
    key: str  # how its importer reads it among others (its batch_key)
    importer: Importer
    reading: Path  # the file to read
    compression: str


def batch_key(path: Path, importer: Importer, sample: Sample) -> str | None:
    """How the importer reads ``path`` among others, or None when it is imported
    alone (a large file, a name DuckDB cannot take, a variant that needs rewriting)."""
    key_of = getattr(importer, "batch_key", None)
    if key_of is None:
        return None
    try:
        os.fsencode(path).decode("utf-8")
        if check_inflation(path, sample.compression) > SMALL_FILE_BYTES:
            return None
    except Exception:  # a name that is not UTF-8, a bomb, a read error: alone it says so
        return None
    key: str | None = key_of(sample)
    return key


def import_batch(
    writer: Writer,
    items: Sequence[BatchItem],
    workdir: Path,
    cancelled: Callable[[], bool] = lambda: False,
) -> list[ImportResult]:
    """Import ``items`` (of one importer) in one transaction; one result per file, in
    order. Raises when any of them fails: then nothing of them is kept. ``workdir`` is a
    private temporary folder."""
    started = time.perf_counter()
    importer = items[0].importer
    source = importer.batch_source(  # type: ignore[attr-defined]
        [(item.reading, item.compression, item.key) for item in items], workdir
    )
    outcomes = writer.import_batch([item.file for item in items], source, cancelled)
    share = (time.perf_counter() - started) / len(items)
    results = []
    for item, outcome in zip(items, outcomes, strict=True):
        result = ImportResult(str(item.file.path), status=ImportStatus.IMPORTED)
        result.format = item.file.format
        result.size_bytes = item.file.size
        result.spans, result.traces = outcome.spans, outcome.traces
        result.warnings = outcome.warnings
        result.seconds = share
        results.append(result)
    return results


def gather(
    writer: Writer,
    files: Sequence[tuple[Path, tuple[Importer, Sample] | None]],
    start: int,
    sha256_of: Callable[[Path], str],
) -> list[BatchItem]:
    """The batch starting at ``files[start]``: the small files after it of the same importer,
    up to :data:`BATCH_FILES`; it ends before a file imported already or a copy of one in it (the
    file alone then says "unchanged"). Fewer than two files: no batch."""
    items: list[BatchItem] = []
    seen: set[str] = set()
    for path, detected in files[start : start + BATCH_FILES]:
        if detected is None:
            break
        importer, sample = detected
        key = batch_key(path, importer, sample)
        if key is None or (items and type(importer) is not type(items[0].importer)):
            break
        try:
            size = path.stat().st_size
            sha256 = sha256_of(path)
        except OSError:
            break
        if sha256 in seen or writer.source_by_hash(sha256) is not None:
            break
        seen.add(sha256)
        # the line of the batch's file that holds this file (OtlpJson.batch_source)
        line = str(len(items))
        file = BatchFile(path, line, sha256, size, importer.name)
        items.append(BatchItem(file, key, importer, path, sample.compression))
    return items if len(items) > 1 else []
