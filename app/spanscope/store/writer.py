"""The single writer: imports go through here, each file in one explicit transaction (or a
batch of small files in one, imported again file by file when any of them fails).

A file is imported whole or not at all. Another thread may call :meth:`Writer.interrupt`
to cancel the running statement and :meth:`Writer.progress` to read how far it is.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from spanscope.importers.base import AnnotationSource, ArrowSource, SqlSource
from spanscope.model.raw import RAW_SPAN_SCHEMA
from spanscope.sqlfiles import load, statements
from spanscope.store import costs, prompt_calls, search
from spanscope.store.annotation_import import import_annotations
from spanscope.store.database import Database, first_row
from spanscope.store.import_warnings import (
    count_calls_once,
    describe,
    describe_call_gaps,
    merge_and_replace,
    read_in_part,
)

# DuckDB error texts that mean the file itself is at fault (bad JSON, wrong shapes, limits).
_FILE_ERRORS = (
    duckdb.InvalidInputException,
    duckdb.ConversionException,
    duckdb.IOException,
    duckdb.OutOfRangeException,
    duckdb.OutOfMemoryException,
    # a value the file holds breaks a rule of the tables (a NULL where none may be)
    duckdb.ConstraintException,
)


class _Failure:
    """Remembers an exception raised by an importer while DuckDB pulls its batches."""

    def __init__(self) -> None:
        self.error: BaseException | None = None

    def watch(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        try:
            yield from batches
        except Exception as exc:
            self.error = exc
            raise


class NoSpans(Exception):
    """The file parsed but held no spans."""


@dataclass(frozen=True)
class BatchFile:
    """One small file of a batch: ``path`` as stored and said, ``reading`` as DuckDB reads it."""

    path: Path
    reading: str
    sha256: str
    size: int
    format: str


@dataclass
class FileOutcome:
    """What one committed file contributed."""

    source_id: int
    spans: int
    traces: int
    warnings: list[str] = field(default_factory=list)
    annotations: int = 0


class Writer:
    """Owns the read-write connection for imports (and, later, annotations and replays)."""

    def __init__(self, db: Database, temp_dir: Path | None = None) -> None:
        self._db = db
        self._con = db.writer
        self._lock = threading.Lock()
        # What the import is doing now, for progress lines ("reading and mapping", "pricing" …);
        # ``on_stage`` hears each change as it happens.
        self._stage = "reading"
        self.on_stage: Callable[[str], None] | None = None
        # One filling of the search index at a time (the index has one writer); other writes
        # go on meanwhile.
        self._indexing = threading.Lock()
        # How calls are priced at import (set by the layer that knows prices); None leaves
        # computed costs empty. ``pricing_seconds`` adds up the time pricing took.
        self.cost_rules: costs.CostRules | None = None
        self.pricing_seconds = 0.0
        self._con.execute("SET preserve_insertion_order = false")
        # query_progress() stays at -1 unless progress tracking is on; never print it.
        self._con.execute("SET enable_progress_bar = true")
        self._con.execute("SET enable_progress_bar_print = false")
        if temp_dir is not None:
            temp_dir.mkdir(parents=True, exist_ok=True)
            self._con.execute(f"SET temp_directory = '{_escape(str(temp_dir))}'")
        for stmt in statements(load("spanscope.store", "mapping_macros.sql")):
            self._con.execute(stmt)

    @property
    def stage(self) -> str:
        """What the running import is doing."""
        return self._stage

    @stage.setter
    def stage(self, stage: str) -> None:
        self._stage = stage
        if self.on_stage is not None:
            self.on_stage(stage)

    @property
    def database_path(self) -> Path:
        """The database file this writer writes to."""
        return self._db.path

    def interrupt(self) -> None:
        """Stop the statement running on the writer connection (safe from any thread)."""
        self._con.interrupt()

    def progress(self) -> float:
        """Fraction done of the running statement, -1 when DuckDB cannot tell."""
        try:
            value = self._con.query_progress()
        except duckdb.Error:
            return -1.0
        return float(value) / 100.0 if value is not None and value >= 0 else -1.0

    def index_pending(
        self,
        cancel: threading.Event | None = None,
        report: Callable[[float], None] | None = None,
    ) -> int:
        """Add every imported file not yet in the search index to it, in one go; returns how
        many files were indexed. Raises InterruptedError when ``cancel`` is set, leaving them
        pending (searches read them directly meanwhile).

        Three steps, each safe to cut off (store/search_index.py): the spans get their numbers
        in a transaction that commits; the index takes their text and commits; the files
        leave ``search_pending``. Other writes wait only for the first and the last."""
        with self._indexing:
            return self._index_pending(cancel, report)

    def _index_pending(
        self, cancel: threading.Event | None, report: Callable[[float], None] | None
    ) -> int:
        index = self._db.search.index
        if index is None:
            return 0
        with self._lock:
            rows = self._con.execute("SELECT source_id FROM search_pending ORDER BY 1").fetchall()
            sources = [int(r[0]) for r in rows]
            if not sources:
                return 0
            self._con.execute("BEGIN TRANSACTION")
            try:
                numbers = search.number_spans(self._con, sources)
                self._con.execute("COMMIT")
            except BaseException:
                _rollback(self._con)
                raise
        reader = self._db.reader()
        try:
            search.feed(reader, index, sources, numbers, cancel, report)
        finally:
            reader.close()
        with self._lock:
            self._con.execute(
                "DELETE FROM search_pending WHERE list_contains(?, source_id)", [sources]
            )
        return len(sources)

    def _price_imported(self, source_id: int) -> None:
        """Price the calls of a file just committed, in a transaction of their own.

        Not inside the import's transaction: updating rows that the same transaction wrote to
        disk ahead of its commit makes DuckDB log all of them to the WAL again (1M spans: a
        6 GB log and a third more import time). A crash in between leaves the file marked
        pending, and it is priced on the next start or import."""
        if self.cost_rules is None:
            return
        self.pricing_seconds += costs.price_imported_source(self._con, source_id, self.cost_rules)

    def reprice(self, only_if_pending: bool = False) -> int:
        """Price every stored call again with :attr:`cost_rules` (after the overrides
        changed, or once on a file from an older version); returns the calls priced."""
        if self.cost_rules is None:
            return 0
        with self._lock:
            if only_if_pending and not costs.pending(self._con):
                return 0
            return costs.reprice(self._con, self.cost_rules)

    def source_by_hash(self, sha256: str) -> tuple[int, int, int] | None:
        """(source_id, spans, traces) of a file with this content already imported."""
        with self._lock:
            row = first_row(
                self._con.execute(
                    "SELECT source_id, span_count, trace_count FROM sources WHERE sha256 = ?",
                    [sha256],
                )
            )
        return (int(row[0]), int(row[1] or 0), int(row[2] or 0)) if row else None

    def import_file(
        self,
        path: Path,
        sha256: str,
        size: int,
        fmt: str,
        source: SqlSource | ArrowSource | AnnotationSource,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> FileOutcome:
        """Map the importer's raw spans into the canonical tables, all in one transaction.

        ``cancelled`` is asked once more before the commit: an interrupt that reached the
        connection between two statements of the import is lost, and the cancel must still
        win (raised as ``Interrupted``, the transaction rolled back)."""
        if isinstance(source, AnnotationSource):
            return self._import_annotations(path, sha256, size, fmt, source)
        self.stage = "reading"
        with self._lock:
            con = self._con
            failure = _Failure()
            if isinstance(source, SqlSource):
                self._set_up(source.setup)
                select = source.select
            else:
                reader = pa.RecordBatchReader.from_batches(
                    RAW_SPAN_SCHEMA, failure.watch(source.batches)
                )
                con.register("raw_arrow", reader)
                select = load("spanscope.store", "raw_from_arrow.sql")
            con.execute("BEGIN TRANSACTION")
            try:
                outcome = self._import_in_transaction(path, sha256, size, fmt, select)
                if cancelled():
                    raise duckdb.InterruptException("cancelled before the commit")
                self.stage = "writing to disk"
                con.execute("COMMIT")
            except BaseException as exc:
                _rollback(con)
                # An importer's own error inside the Arrow stream reaches us wrapped by DuckDB.
                if failure.error is not None and not isinstance(exc, duckdb.InterruptException):
                    raise failure.error from None
                raise
            finally:
                con.execute("DROP VIEW IF EXISTS raw_spans")
                if not isinstance(source, SqlSource):
                    con.unregister("raw_arrow")
            outcome.warnings.extend(source.warnings)
            self.stage = "pricing calls"
            try:
                self._price_imported(outcome.source_id)
            except Exception as exc:  # any failure: the file is in and must be reported so
                # Pricing rolled back alone; the file stays marked, priced on the next start or
                # import. Whatever the cause (the database, the price data), the commit stands.
                outcome.warnings.append(not_priced_warning(exc))
            return outcome

    def import_batch(
        self,
        files: Sequence[BatchFile],
        source: SqlSource,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> list[FileOutcome]:
        """Import several small files in one transaction: their spans are mapped in one
        statement, then each file is finished in turn, in the order given. ``source`` yields
        the raw spans of all of them with the column ``file_name`` holding each
        :attr:`BatchFile.reading`. Raises when any file fails; nothing of any of them is then
        kept, and the caller imports them one by one (DuckDB has no savepoints). ``cancelled``
        is asked before the commit, as in :meth:`import_file`."""
        with self._lock:
            con = self._con
            self._set_up(source.setup)
            con.execute("BEGIN TRANSACTION")
            try:
                ids = [self._add_source(f.path, f.sha256, f.size, f.format) for f in files]
                con.execute(
                    "CREATE OR REPLACE TEMP TABLE batch_files (file_name VARCHAR, source_id BIGINT)"
                )
                con.executemany(
                    "INSERT INTO batch_files VALUES (?, ?)",
                    [[f.reading, i] for f, i in zip(files, ids, strict=True)],
                )
                self._map(
                    "SELECT b.source_id AS raw_source_id, r.* "
                    f"FROM ({source.select}) r JOIN batch_files b ON r.file_name = b.file_name"
                )
                outcomes = [
                    self._finish_file(f.path, i, derive=False)
                    for f, i in zip(files, ids, strict=True)
                ]
                self._derive_traces(ids)
                if cancelled():
                    raise duckdb.InterruptException("cancelled before the commit")
                self.stage = "writing to disk"
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)
                raise
            finally:
                con.execute("DROP VIEW IF EXISTS raw_spans")
            if self.cost_rules is not None:
                try:
                    self.pricing_seconds += costs.price_imported_sources(
                        con, [o.source_id for o in outcomes], self.cost_rules
                    )
                except Exception as exc:  # as for one file: the commit stands
                    for outcome in outcomes:
                        outcome.warnings.append(not_priced_warning(exc))
            return outcomes

    def _import_annotations(
        self, path: Path, sha256: str, size: int, fmt: str, source: AnnotationSource
    ) -> FileOutcome:
        """Attach a file's annotations to stored spans, in one transaction like spans."""
        with self._lock:
            con = self._con
            self._set_up(source.setup)
            con.execute("BEGIN TRANSACTION")
            try:
                source_id = self._add_source(path, sha256, size, fmt)
                found = import_annotations(con, path, source.select)
                con.execute(
                    "UPDATE sources SET span_count = 0, trace_count = ?, warnings = ? "
                    "WHERE source_id = ?",
                    [found.traces, found.warnings, source_id],
                )
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)
                raise
            return FileOutcome(source_id, 0, found.traces, found.warnings, found.annotations)

    def _set_up(self, scripts: list[str]) -> None:
        """Run a source's setup scripts (its temporary macros)."""
        for script in scripts:
            for stmt in statements(script):
                self._con.execute(stmt)

    def _add_source(self, path: Path, sha256: str, size: int, fmt: str) -> int:
        row = first_row(
            self._con.execute(
                "INSERT INTO sources (source_id, path, sha256, format, size_bytes, imported_at) "
                "VALUES (nextval('source_ids'), ?, ?, ?, ?, now()) RETURNING source_id",
                [str(path), sha256, fmt, size],
            )
        )
        assert row is not None
        return int(row[0])

    def _import_in_transaction(
        self, path: Path, sha256: str, size: int, fmt: str, select: str
    ) -> FileOutcome:
        source_id = self._add_source(path, sha256, size, fmt)
        self._map(f"SELECT {int(source_id)}::BIGINT AS raw_source_id, r.* FROM ({select}) r")
        return self._finish_file(path, source_id)

    def _map(self, raw_select: str) -> None:
        """Map the raw spans (each row naming its file's source in ``raw_source_id``)."""
        self.stage = "reading and mapping spans"
        self._con.execute(f"CREATE OR REPLACE TEMP VIEW raw_spans AS {raw_select}")
        self._con.execute(load("spanscope.store", "map_spans.sql"))

    def _finish_file(self, path: Path, source_id: int, derive: bool = True) -> FileOutcome:
        """What follows the mapping of one file's spans, inside its transaction: partial
        records merged, earlier files' versions replaced, warnings, and (unless ``derive`` is
        false, when the caller derives them for several files at once) traces derived."""
        con = self._con
        params = {"source_id": source_id}
        self.stage = "checking spans and deriving traces"
        found = first_row(
            con.execute("SELECT count(*) FROM spans WHERE source_id = $source_id", params)
        )
        if not found or not found[0]:
            raise NoSpans(f"{path}: 0 spans recognised")
        warnings = merge_and_replace(con, source_id)
        facts = first_row(con.execute(load("spanscope.store", "file_warnings.sql"), params))
        assert facts is not None
        orphans, end_before_start, no_start, no_convention, zero_ids = facts[:5]
        *gaps, spans, traces = facts[5:]
        cycles = first_row(con.execute(load("spanscope.store", "find_cycles.sql"), params))
        warnings += describe(orphans, end_before_start, no_start, no_convention, zero_ids, spans)
        warnings += describe_call_gaps(*gaps)
        far = first_row(con.execute(load("spanscope.store", "far_apart_times.sql"), params))
        if far and far[0]:
            warnings.append(
                f"{far[0]} spans start and end too far apart to measure (first: {far[1]!r}, "
                f"span {far[2]}); kept without a duration"
            )
        warnings += read_in_part(con, source_id)
        if cycles and cycles[0]:
            warnings.append(
                f"{cycles[0]} spans in {cycles[1]} traces sit on a parent cycle; the tree shows "
                "the earliest span of each cycle as a root"
            )
        warnings += count_calls_once(con, source_id)
        if self.cost_rules is not None:
            costs.mark_pending(con, source_id)  # priced once this commits (_price_imported)
        if derive:
            self._derive_traces([source_id])
        con.execute(
            "UPDATE sources SET span_count = ?, trace_count = ?, warnings = ? WHERE source_id = ?",
            [spans, traces, warnings, source_id],
        )
        # Indexed right after the import commits, in its own transaction (index_pending), so a
        # file's traces are on screen without waiting for the index; until then searches scan it.
        con.execute("INSERT INTO search_pending VALUES (?)", [source_id])
        return FileOutcome(source_id, int(spans), int(traces), warnings)

    def _derive_traces(self, source_ids: list[int]) -> None:
        """Rebuild the ``traces`` rows of every trace these files touched, and keep their
        calls' prompts."""
        params = {"source_ids": source_ids}
        for stmt in statements(load("spanscope.store", "derive_traces.sql")):
            self._con.execute(stmt, params if "$source_ids" in stmt else None)
        prompt_calls.keep_sources(self._con, source_ids)


def not_priced_warning(exc: BaseException, whose: str = "calls") -> str:
    """The warning of a committed file whose calls could not be priced yet."""
    return (
        f"{whose} not priced yet ({type(exc).__name__}: {exc}); they are priced on the next "
        "start or import"
    )


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    # The failed statement may already have ended the transaction.
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


def _escape(text: str) -> str:
    return text.replace("'", "''")


def is_file_error(exc: BaseException) -> bool:
    """True when DuckDB rejected the file's content (as opposed to a broken database)."""
    # DuckDB raises its bare Error class for what it does not classify, such as a damaged
    # Parquet page (Thrift or decompression errors); during an import that is the file's fault.
    return isinstance(exc, _FILE_ERRORS) or type(exc) is duckdb.Error
