"""Importing files: find them, recognise each, and hand it to the writer, one result per file.

Used by the CLI and by the window's import worker alike. Cancel with ``cancel.set()``.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from spanscope import ingest_batches as batches
from spanscope.core import free_space
from spanscope.core.pricing import cost_rules
from spanscope.import_copies import COPY_PREFIX, clean_stale_copies
from spanscope.importers import registry
from spanscope.importers.base import Importer, ImportError_, Sample, Source, SqlSource
from spanscope.importers.screen import screen, skip_hint
from spanscope.model import ImportResult, ImportStatus
from spanscope.store import Database
from spanscope.store.database import is_disk_full, is_invalidated
from spanscope.store.errors import DatabaseError, Interrupted
from spanscope.store.writer import (
    FileOutcome,
    NoSpans,
    Writer,
    is_file_error,
    not_priced_warning,
)


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


def shown_path(path: Path) -> Path:
    """``path`` as it can be stored and printed: a name that is not UTF-8 (bytes the file
    system allows) with those bytes written as ``\\xff``; other paths unchanged."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return Path(os.fsencode(path).decode("utf-8", "backslashreplace"))
    return path


def not_a_file(path: Path) -> str | None:
    """Why ``path`` is refused before a byte of it is read, when it is not a regular file: a
    FIFO or a device (``/dev/zero``) would never end, holding the database meanwhile."""
    try:
        mode = os.stat(path).st_mode  # a stat never blocks, even on a FIFO
    except OSError:
        return None  # the import of the file says what is wrong with it
    if stat.S_ISREG(mode):
        return None
    kind = (
        "a named pipe (FIFO)"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a folder"
        if stat.S_ISDIR(mode)
        else "not a regular file"
    )
    return f"{path}: not imported: it is {kind}, not a regular file"


def _detect(path: Path) -> Detected | None:
    """The file's importer and sample; None when it is not recognised or cannot be read (the
    import of that file then says why)."""
    if not_a_file(path) is not None:
        return None
    try:
        return registry.detect(path)
    except (ImportError_, OSError):
        return None


# How many imported spans wait before the search index takes them, when many files come at once.
INDEX_EVERY_SPANS = 200_000


def import_paths(
    db: Database,
    paths: Iterable[Path | str],
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    writer: Writer | None = None,
    index: bool = True,
    skip_bad_records: bool = False,
) -> Iterator[ImportResult]:
    """Import every file under ``paths``; yields one result per file as it finishes. Each
    imported file is priced and (unless ``index`` is false) indexed for search right after it
    commits; a failure of either is a warning on that file, which stays imported. With
    ``skip_bad_records`` the lines of JSON Lines files that are not JSON are skipped (and
    listed in the file's warnings) instead of failing the file."""
    writer = writer or Writer(db)
    cancel = cancel or threading.Event()
    clean_stale_copies()
    files = expand(paths)
    _use_prices(writer)
    earlier = _price_pending(writer)  # said on the first file's result
    # Files that only annotate spans (evaluation results) go after the files bringing spans,
    # so a folder holding both imports in one go, whatever the names sort as. Each file is
    # recognised once; the recognition travels with it.
    first: list[tuple[Path, Detected | None]] = []
    last: list[tuple[Path, Detected | None]] = []
    for path in files:
        detected = _detect(path)
        annotates = detected is not None and getattr(detected[0], "annotates_only", False)
        (last if annotates else first).append((path, detected))
    ordered = first + last
    unindexed = 0  # spans imported since the index last took them
    position, alone_until = 0, 0
    while position < len(ordered):
        path, detected = ordered[position]
        batch = []
        if position >= alone_until and not cancel.is_set() and not skip_bad_records:
            batch = batches.gather(writer, ordered, position, file_sha256)
        results = _import_batch(writer, batch, position, len(files), progress, cancel)
        if batch and results is None:  # a file of it failed: each is imported alone
            alone_until = position + len(batch)
        if not results:
            if cancel.is_set():
                result = ImportResult(str(path), status=ImportStatus.CANCELLED, error="cancelled")
            else:
                result = import_file(
                    writer, path, position, len(files), progress, cancel, detected, skip_bad_records
                )
            results = [result]
        unindexed += sum(r.spans for r in results if r.status is ImportStatus.IMPORTED)
        position += len(results)
        # Many small files are indexed together (one commit of the index each time, not one a
        # file); searches read the files waiting meanwhile.
        ready = position == len(ordered) or unindexed >= INDEX_EVERY_SPANS
        if unindexed and ready and index:
            unindexed = 0
            not_indexed = _index_after_commit(
                writer, path, position - 1, len(files), progress, cancel
            )
            results[-1].warnings += [not_indexed] if not_indexed else []
        for result in results:
            if earlier:
                result.warnings.append(earlier)
                earlier = None
            yield result


def _import_batch(
    writer: Writer,
    batch: list[batches.BatchItem],
    position: int,
    count: int,
    progress: ProgressCallback | None,
    cancel: threading.Event,
) -> list[ImportResult] | None:
    """The results of a batch of small files, or None when one of them failed (nothing of
    them kept) or the batch was cancelled: the caller then imports each alone."""
    if not batch:
        return None
    first = batch[0].file.path

    def report(fraction: float, stage: str) -> None:
        if progress is not None:
            progress(Progress(position, count, first, fraction, stage))

    _use_prices(writer)
    report(0.0, f"importing {len(batch)} small files together")
    try:
        with (
            tempfile.TemporaryDirectory(prefix=f"{COPY_PREFIX}{os.getpid()}-") as tmp,
            _Watch(writer, cancel, report),
        ):
            results = batches.import_batch(writer, batch, Path(tmp), cancel.is_set)
    except Exception:  # any failure, whatever its cause: each file again alone
        return None
    for offset, result in enumerate(results):
        if progress is not None:
            progress(Progress(position + offset, count, Path(result.path), 1.0, "done"))
    return results


def _price_pending(writer: Writer) -> str | None:
    """Price the calls still awaiting it (a file from an older version, or one whose pricing
    failed after it committed); the warning when that fails again (they stay marked)."""
    try:
        writer.reprice(only_if_pending=True)
    except Exception as exc:  # an import goes ahead without prices, as after a commit
        return not_priced_warning(exc, "calls imported earlier still")
    return None


def _index_after_commit(
    writer: Writer,
    path: Path,
    position: int,
    count: int,
    progress: ProgressCallback | None,
    cancel: threading.Event,
) -> str | None:
    """Index a file that just committed; the warning when that fails. The file stays imported
    and is indexed on the next import (searches scan it meanwhile)."""

    def report(fraction: float, stage: str) -> None:
        if progress is not None:
            progress(Progress(position, count, path, fraction, stage))

    try:
        index_for_search(writer, cancel=cancel, report=report)
    except Exception as exc:  # the commit stands whatever failed after it
        return (
            f"not indexed for search yet ({type(exc).__name__}: {exc}); searches read the "
            "file directly until the next import indexes it"
        )
    return None


def index_for_search(
    writer: Writer,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    report: Callable[[float, str], None] | None = None,
) -> int:
    """Index the imported files the search index does not hold yet; returns how many. A
    cancel leaves the rest for later (searches scan them meanwhile). Progress goes to
    ``report`` when given, else to ``progress`` as a step of its own."""
    cancel = cancel or threading.Event()
    if cancel.is_set():
        return 0

    def as_step(fraction: float, stage: str) -> None:
        if progress is not None:
            progress(Progress(0, 1, Path("search index"), fraction, stage))

    report = report or as_step
    report(0.0, "indexing for search")
    try:
        return writer.index_pending(
            cancel, lambda fraction: report(fraction, "indexing for search")
        )
    except (Interrupted, InterruptedError):
        return 0
    except DatabaseError as exc:
        if not (is_disk_full(exc) or is_invalidated(exc)):
            raise
        # The disk filled up (each file's result said so already): the index is left for
        # later, searches scan the files it does not hold meanwhile.
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
    skip_bad_records: bool = False,
) -> ImportResult:
    """Import one file; never raises for a problem with the file itself. ``detected`` is the
    file's importer and sample when the caller recognised it already."""
    cancel = cancel or threading.Event()
    started = time.perf_counter()
    named = path
    path = shown_path(path)  # what is stored and said; ``named`` is what is read
    result = ImportResult(str(path))
    _use_prices(writer)

    def report(fraction: float, stage: str) -> None:
        if progress is not None:
            progress(Progress(index, count, path, fraction, stage))

    low_space: str | None = None
    link_folder: str | None = None
    try:
        refused = not_a_file(named)
        if refused is not None:
            raise ImportError_(refused)
        result.size_bytes = named.stat().st_size
        low_space = free_space.shortfall(writer.database_path.parent, [(named, result.size_bytes)])
        report(0.0, "reading")
        sha256 = file_sha256(named, cancel)
        if named != path:  # DuckDB takes UTF-8 names only: read through a link of our own
            link_folder = tempfile.mkdtemp(prefix=f"{COPY_PREFIX}{os.getpid()}-")
            reading = Path(link_folder) / ("file" + "".join(shown_path(Path(named.name)).suffixes))
            os.symlink(os.path.abspath(named), reading)
            detected = registry.detect(reading)
        importer, sample = detected = detected or registry.detect(named)
        result.format = importer.name
        known = writer.source_by_hash(sha256)
        if known is not None:
            result.status = ImportStatus.UNCHANGED
            result.spans, result.traces = known[1], known[2]
            return result
        with tempfile.TemporaryDirectory(prefix=f"{COPY_PREFIX}{os.getpid()}-") as tmp:
            screened = screen(
                sample, Path(tmp), skip_bad_records=skip_bad_records, cancelled=cancel.is_set
            )
            if cancel.is_set():
                raise _Cancelled()
            source = importer.source(screened.sample, Path(tmp))
            outcome = _run(writer, path, sha256, result, source, cancel, report)
            outcome.warnings[:0] = screened.warnings
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
    except Interrupted:
        result.status, result.error = ImportStatus.CANCELLED, "cancelled"
    except DatabaseError as exc:
        if is_disk_full(exc):
            result.error = disk_full_message(writer, path)
        elif not is_file_error(exc):
            raise
        else:
            result.error = file_error_message(path, exc)
    except OSError as exc:
        full = exc.errno in (errno.ENOSPC, errno.EFBIG)
        result.error = disk_full_message(writer, path) if full else f"{path}: {exc.strerror or exc}"
    except RecursionError:
        result.error = (
            f"{path}: JSON nested too deeply to read (over {sys.getrecursionlimit()} levels)"
        )
    except Exception as exc:  # a reader's bug on odd content must cost this file only
        result.error = f"{path}: the {result.format} reader failed on this file ({exc!r})"
    finally:
        if link_folder is not None:
            shutil.rmtree(link_folder, ignore_errors=True)
            if result.error:  # the file's own name, not the link's
                result.error = result.error.replace(str(Path(link_folder) / "file"), str(path))
        if result.error and result.status is ImportStatus.FAILED:
            result.error = tidy_error(result.error, detected, skip_bad_records)
        if low_space:
            result.warnings.insert(0, low_space)
        result.seconds = time.perf_counter() - started
        report(1.0, "done")
    return result


class _Cancelled(Exception):
    pass


_COPY_FOLDER = re.compile(r"[^\s'\"]*spanscope-import-[^/\\]+[/\\][^/\\]+[/\\]")
_COPY_PATH = re.compile(r"[^\s'\"]*spanscope-import-[^\s'\"]*")


def tidy_error(error: str, detected: Detected | None, skip_bad_records: bool) -> str:
    """A failed file's message without the private copies it was read through, and with the
    hint to skip bad records when that would let the rest of a JSON Lines file in."""
    error = _COPY_FOLDER.sub("", error)
    # a copy directly in the import's folder: only its file name is said
    error = _COPY_PATH.sub(lambda m: re.split(r"[/\\]", m.group(0))[-1], error)
    return error if skip_bad_records else skip_hint(detected[1] if detected else None, error)


def disk_full_message(writer: Writer, path: Path) -> str:
    """The disk (of the database, or of the temporary folder) filled up during an import."""
    return (
        f"{path}: the disk is full (database in {writer.database_path.parent}): this file was "
        "rolled back and nothing imported before it was lost. Free some space and import it again."
    )


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
) -> FileOutcome:
    """Run the source through the writer, falling back to the tolerant reader when DuckDB
    cannot read the file's variant directly."""
    with _Watch(writer, cancel, report):
        current: Source | None = source
        while True:
            assert current is not None
            try:
                return writer.import_file(
                    path, sha256, result.size_bytes, result.format or "", current, cancel.is_set
                )
            except Interrupted:
                raise _Cancelled() from None
            except DatabaseError as exc:
                fallback = current.fallback if isinstance(current, SqlSource) else None
                full = is_disk_full(exc)  # reading the file again would not help
                if fallback is None or not is_file_error(exc) or cancel.is_set() or full:
                    raise
                following = fallback(exc)
                if following is None:
                    raise
                report(-1.0, "reading again")
                current = following


class _Watch:
    """Polls the writer's progress and turns a cancel request into an interrupt; each of the
    import's stages (the writer's) is said as it starts, however short."""

    def __init__(
        self,
        writer: Writer,
        cancel: threading.Event,
        report: Callable[[float, str], None],
    ) -> None:
        self._writer, self._cancel, self._report = writer, cancel, report
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="import-watch", daemon=True)

    def __enter__(self) -> _Watch:
        self._writer.on_stage = lambda stage: self._report(-1.0, stage)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._writer.on_stage = None
        self._done.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._done.wait(0.1):
            if self._cancel.is_set():
                self._writer.interrupt()
                return
            fraction = self._writer.progress()
            if fraction >= 0:
                self._report(fraction, self._writer.stage)


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
            "SPANSCOPE_MEMORY_LIMIT higher, e.g. 4GB): " + text.split("\n")[0]
        )
    if "maximum_object_size" in text:
        text = "a JSON object is larger than the 1 GB limit per object: " + text
    return f"{path}: {text}"


__all__ = ["Progress", "expand", "file_sha256", "import_file", "import_paths"]
