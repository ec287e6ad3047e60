"""Importing files: find them, recognise each, and hand it to the writer, one result per file.

Used by the CLI and by the window's import worker alike. Cancel with ``cancel.set()``.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from spanscope.core.pricing import cost_rules
from spanscope.importers import registry
from spanscope.importers.base import Importer, ImportError_, Sample, Source, SqlSource
from spanscope.model import ImportResult, ImportStatus
from spanscope.store import Database
from spanscope.store.writer import NoSpans, Writer, is_file_error


@dataclass(frozen=True)
class Progress:
    """Where an import is: file ``index`` of ``count``, ``fraction`` of that file done."""

    index: int
    count: int
    path: Path
    fraction: float
    stage: str

    @property
    def overall(self) -> float:
        return (self.index + max(self.fraction, 0.0)) / max(self.count, 1)


ProgressCallback = Callable[[Progress], None]


def expand(paths: Iterable[Path | str]) -> list[Path]:
    """Files to import: the files named, and every non-hidden file below each folder named."""
    found: list[Path] = []
    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(Path(root) / f for f in sorted(files) if not f.startswith("."))
        else:
            found.append(path)
    return found


Detected = tuple[Importer, Sample]


def _detect(path: Path) -> Detected | None:
    """The file's importer and sample; None when it is not recognised or cannot be read (the
    import of that file then says why)."""
    try:
        return registry.detect(path)
    except (ImportError_, OSError):
        return None


def import_paths(
    db: Database,
    paths: Iterable[Path | str],
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    writer: Writer | None = None,
    index: bool = True,
) -> Iterator[ImportResult]:
    """Import every file under ``paths``; yields one result per file as it finishes, then
    (unless ``index`` is false) brings the search index up to date with them."""
    writer = writer or Writer(db)
    cancel = cancel or threading.Event()
    files = expand(paths)
    _use_prices(writer)
    writer.reprice(only_if_pending=True)  # a file from an older version: price what it holds
    # Files that only annotate spans (evaluation results) go after the files bringing spans,
    # so a folder holding both imports in one go, whatever the names sort as. Each file is
    # recognised once; the recognition travels with it.
    first: list[tuple[Path, Detected | None]] = []
    last: list[tuple[Path, Detected | None]] = []
    for path in files:
        detected = _detect(path)
        annotates = detected is not None and getattr(detected[0], "annotates_only", False)
        (last if annotates else first).append((path, detected))
    for position, (path, detected) in enumerate(first + last):
        if cancel.is_set():
            yield ImportResult(str(path), status=ImportStatus.CANCELLED, error="cancelled")
            continue
        yield import_file(writer, path, position, len(files), progress, cancel, detected)
    if index:
        index_for_search(writer, progress, cancel)


def index_for_search(
    writer: Writer, progress: ProgressCallback | None = None, cancel: threading.Event | None = None
) -> int:
    """Index the imported files the search index does not hold yet; returns how many. A
    cancel leaves the rest for later (searches scan them meanwhile)."""
    cancel = cancel or threading.Event()
    if cancel.is_set():
        return 0

    def report(fraction: float, stage: str) -> None:
        if progress is not None:
            progress(Progress(0, 1, Path("search index"), fraction, stage))

    report(0.0, "indexing for search")
    try:
        with _Watch(writer, cancel, report, stage="indexing for search"):
            return writer.index_pending()
    except duckdb.InterruptException:
        return 0
    finally:
        report(1.0, "done")


def import_file(
    writer: Writer,
    path: Path,
    index: int = 0,
    count: int = 1,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    detected: Detected | None = None,
) -> ImportResult:
    """Import one file; never raises for a problem with the file itself. ``detected`` is the
    file's importer and sample when the caller recognised it already."""
    cancel = cancel or threading.Event()
    started = time.perf_counter()
    result = ImportResult(str(path))
    _use_prices(writer)

    def report(fraction: float, stage: str) -> None:
        if progress is not None:
            progress(Progress(index, count, path, fraction, stage))

    try:
        result.size_bytes = path.stat().st_size
        report(0.0, "reading")
        sha256 = file_sha256(path, cancel)
        importer, sample = detected or registry.detect(path)
        result.format = importer.name
        known = writer.source_by_hash(sha256)
        if known is not None:
            result.status = ImportStatus.UNCHANGED
            result.spans, result.traces = known[1], known[2]
            return result
        with tempfile.TemporaryDirectory(prefix="spanscope-import-") as tmp:
            source = importer.source(sample, Path(tmp))
            outcome = _run(writer, path, sha256, result, source, cancel, report)
        result.status = ImportStatus.IMPORTED
        result.spans, result.traces, result.warnings = (
            outcome.spans,
            outcome.traces,
            outcome.warnings,
        )
        result.annotations = outcome.annotations
    except _Cancelled:
        result.status, result.error = ImportStatus.CANCELLED, "cancelled"
    except (ImportError_, NoSpans) as exc:
        result.error = str(exc)
    except duckdb.InterruptException:
        result.status, result.error = ImportStatus.CANCELLED, "cancelled"
    except duckdb.Error as exc:
        if not is_file_error(exc):
            raise
        result.error = file_error_message(path, exc)
    except OSError as exc:
        result.error = f"{path}: {exc.strerror or exc}"
    finally:
        result.seconds = time.perf_counter() - started
        report(1.0, "done")
    return result


class _Cancelled(Exception):
    pass


def _use_prices(writer: Writer) -> None:
    """Calls are priced as they are imported, unless the caller chose other rules."""
    if writer.cost_rules is None:
        writer.cost_rules = cost_rules()


def _run(
    writer: Writer,
    path: Path,
    sha256: str,
    result: ImportResult,
    source: Source,
    cancel: threading.Event,
    report: Callable[[float, str], None],
) -> object:
    """Run the source through the writer, falling back to the tolerant reader when DuckDB
    cannot read the file's variant directly."""
    with _Watch(writer, cancel, report):
        current: Source | None = source
        while True:
            assert current is not None
            try:
                return writer.import_file(
                    path, sha256, result.size_bytes, result.format or "", current
                )
            except duckdb.InterruptException:
                raise _Cancelled() from None
            except duckdb.Error as exc:
                fallback = current.fallback if isinstance(current, SqlSource) else None
                if fallback is None or not is_file_error(exc) or cancel.is_set():
                    raise
                following = fallback(exc)
                if following is None:
                    raise
                report(-1.0, "reading again")
                current = following


class _Watch:
    """Polls the writer's progress and turns a cancel request into an interrupt."""

    def __init__(
        self,
        writer: Writer,
        cancel: threading.Event,
        report: Callable[[float, str], None],
        stage: str = "importing",
    ) -> None:
        self._writer, self._cancel, self._report = writer, cancel, report
        self._stage = stage
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="import-watch", daemon=True)

    def __enter__(self) -> _Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._done.wait(0.1):
            if self._cancel.is_set():
                self._writer.interrupt()
                return
            fraction = self._writer.progress()
            if fraction >= 0:
                self._report(fraction, self._stage)


def file_sha256(path: Path, cancel: threading.Event | None = None) -> str:
    """Content hash, read in 4 MB blocks so memory stays flat."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(4 * 1024 * 1024):
            if cancel is not None and cancel.is_set():
                raise _Cancelled()
            digest.update(block)
    return digest.hexdigest()


_NOISE = re.compile(r"^(Invalid Input|Conversion|IO|Binder|Out of Range) Error: ")


def file_error_message(path: Path, exc: BaseException) -> str:
    """DuckDB's message about a bad file, led by the file name and without internals."""
    text = _NOISE.sub("", str(exc).strip()).split("\n\nLINE")[0]
    text = text.replace(str(path), path.name)
    if "Out of Memory" in text or "failed to allocate" in text:
        text = (
            "reading this file needs more memory than Spanscope may use (set "
            "SPANSCOPE_MEMORY_LIMIT higher, e.g. 4GB): " + text
        )
    if "maximum_object_size" in text:
        text = "a JSON object is larger than the 1 GB limit per object: " + text
    return f"{path}: {text}"


__all__ = ["Progress", "expand", "file_sha256", "import_file", "import_paths"]
