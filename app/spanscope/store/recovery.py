"""A damaged database: copies set aside, what can still be read, and a fresh start.

Nothing here deletes a damaged file or log before a copy of it is on disk. :func:`set_aside`
copies the file and its write-ahead log into a timestamped folder beside it, then builds a
*readable copy*: the file with as much of the log as DuckDB can read (a log damaged half way
is cut just before the damaged entry; DuckDB replays the entries before it). From that copy
come the paths of the imported files (the ``sources`` table) and the annotations, which a
rebuilt database gets back.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from spanscope.model.annotation import Annotation
from spanscope.store.annotations import list_annotations, save_many
from spanscope.store.database import Database, StoreError, is_invalidated
from spanscope.store.leftover_log import log_of

_DAMAGED_AT = re.compile(r"entry at byte position (\d+)")
READABLE = "readable"


@dataclass
class SetAside:
    """Copies of a damaged database and what could be read from them."""

    folder: Path  # the timestamped folder holding the copies
    database: Path  # the copy of the file as it was
    log: Path | None  # the copy of its write-ahead log, when there was one
    readable: Path | None = None  # a copy that opens read-only; None when nothing could be read
    log_cut_at: int | None = None  # bytes of the log kept in the readable copy (None: all)
    sources: list[Path] = field(default_factory=list)  # files the database had imported
    annotations: list[Annotation] = field(default_factory=list)
    # annotations that could not be read back, each said for a person (never dropped silently)
    unreadable: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """What was kept and what could be read, in a few lines for a person."""
        lines = [
            f"Copies of the damaged file{' and its log' if self.log else ''} are in {self.folder}."
        ]
        if self.readable is None and not (self.sources or self.annotations):
            lines.append("Nothing could be read from them.")
            return "\n".join(lines)
        if self.readable is None:
            lines.append("The file cannot be read whole; part of it could be read.")
        if self.log is not None and self.log_cut_at == 0:
            lines.append("The log could not be read; the readable copy is the file as last saved.")
        elif self.log is not None and self.log_cut_at is not None:
            lines.append(
                f"The log could be read up to byte {self.log_cut_at:,}; changes after that point "
                "are only in the copy of the log."
            )
        lines.append(
            f"Readable: {len(self.sources):,} imported files, {len(self.annotations):,} annotations."
        )
        if self.unreadable:
            lines.append(
                f"Could not be read (they stay only in the copies in {self.folder}): "
                + "; ".join(self.unreadable)
            )
        return "\n".join(lines)


def set_aside(path: Path, detail: str = "") -> SetAside:
    """Copy ``path`` and its log into ``<name>.damaged-<time>/`` beside it and read what can be
    read. ``detail`` is DuckDB's complaint (it may say where the log is damaged)."""
    folder = _fresh_folder(path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}"))
    database = folder / path.name
    shutil.copy2(path, database)
    log: Path | None = None
    if log_of(path).is_file():
        log = log_of(database)
        shutil.copy2(log_of(path), log)
    aside = SetAside(folder, database, log)
    damaged_at = _DAMAGED_AT.search(detail)
    attempts: list[int | None] = [None]
    if log is not None:
        # the whole log, else the log cut before its damaged entry, else the file alone
        attempts = [None] + ([int(damaged_at[1])] if damaged_at else []) + [0]
    for cut in attempts:
        readable = _readable_copy(aside, cut)
        if readable is not None:
            aside.readable, aside.log_cut_at = readable, cut
            break
    return aside


def _fresh_folder(wanted: Path) -> Path:
    folder, n = wanted, 1
    while folder.exists():
        n += 1
        folder = wanted.with_name(f"{wanted.name}-{n}")
    folder.mkdir(parents=True)
    return folder


def _readable_copy(aside: SetAside, cut: int | None) -> Path | None:
    """A read-only openable copy with the log cut at ``cut`` bytes (0: no log, None: all)."""
    folder = aside.folder / READABLE
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    copy = folder / aside.database.name
    shutil.copy2(aside.database, copy)
    if aside.log is not None and cut != 0:
        with open(aside.log, "rb") as source, open(log_of(copy), "wb") as target:
            if cut is None:
                shutil.copyfileobj(source, target)
            else:
                target.write(source.read(cut))
    try:
        db = Database.open(copy, read_only=True, search_index=False)
    except (StoreError, OSError):
        return None
    try:
        cur = db.reader()
        with contextlib.suppress(duckdb.Error):
            rows = cur.execute("SELECT path FROM sources ORDER BY source_id").fetchall()
            aside.sources = [Path(row[0]) for row in rows if row[0]]
        aside.annotations, aside.unreadable = _read_annotations(cur)
        whole = damaged_table(db) is None
    finally:
        db.close()
    # a copy that opens but fails part way (a file cut short) is not offered as readable;
    # what could be read of it (files, annotations) is kept all the same
    return copy if whole else None


def _read_annotations(cur: duckdb.DuckDBPyConnection) -> tuple[list[Annotation], list[str]]:
    """Every annotation that can be read; when reading them all at once fails, one by one,
    each one that cannot be read named instead."""
    try:
        return list_annotations(cur), []
    except duckdb.Error:
        pass
    try:
        ids = [int(r[0]) for r in cur.execute("SELECT annotation_id FROM annotations").fetchall()]
    except duckdb.Error as exc:
        return [], [f"the annotations as a whole ({_first_line(exc)})"]
    found: list[Annotation] = []
    unreadable: list[str] = []
    for annotation_id in ids:
        try:
            found.extend(list_annotations(cur, "annotation_id = ?", [annotation_id]))
        except duckdb.Error as exc:
            unreadable.append(f"annotation {annotation_id} ({_first_line(exc)})")
    return found, unreadable


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def damaged_table(db: Database) -> str | None:
    """Read every stored table through to its end (DuckDB checks each block's checksum as it
    reads it); the first table that cannot be read and why, or None when all can. Opening
    alone proves little: a file cut short opens and fails at its first missing block."""
    cur = db.reader()
    try:
        short = _cut_short(db, cur)
        if short is not None:
            return short
        tables = [
            str(r[0])
            for r in cur.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                "AND NOT temporary ORDER BY table_name"
            ).fetchall()
        ]
        for table in tables:
            try:
                reader = cur.sql(f'SELECT * FROM "{table}"').to_arrow_reader(65_536)
                for _batch in reader:
                    pass
            except duckdb.Error as exc:
                return f"table {table}: {_first_line(exc)}"
    except duckdb.Error as exc:
        return f"the list of tables: {_first_line(exc)}"
    finally:
        cur.close()
    return None


# A DuckDB file is three 4 KiB headers and then its blocks (``pragma_database_size``).
_HEADERS = 3 * 4096


def _cut_short(db: Database, cur: duckdb.DuckDBPyConnection) -> str | None:
    """The file is shorter than the blocks it records: cut short, even where the blocks lost
    held nothing a table reads yet (free space at its end). Only said of a file without a log
    to replay, whose every block is on disk."""
    if not db.path.exists() or db.path.with_name(db.path.name + ".wal").exists():
        return None
    row = cur.execute("SELECT total_blocks, block_size FROM pragma_database_size()").fetchall()
    if not row:
        return None
    blocks, block_size = int(row[0][0]), int(row[0][1])
    size = db.path.stat().st_size
    recorded = _HEADERS + blocks * block_size
    if size < recorded:
        return (
            f"the file: {size:,} bytes, {recorded - size:,} short of the {blocks:,} blocks "
            "it records (cut short)"
        )
    return None


REBUILDING = ".rebuilding"


def build_beside(path: Path, annotations: list[Annotation]) -> Database:
    """A new database beside ``path`` (``<name>.rebuilding``) holding ``annotations``; the old
    file stays where it is, untouched, until :func:`put_in_place` replaces it. A leftover of
    a rebuild that was killed is started again."""
    new = path.with_name(path.name + REBUILDING)
    for leftover in (new, log_of(new)):
        leftover.unlink(missing_ok=True)
    db = Database.open(new, search_index=False)  # indexed once in place, under its own name
    if annotations:
        # without their old row ids, so the new database numbers them afresh
        save_many(db.writer.cursor(), [replace(a, annotation_id=None) for a in annotations])
    return db


def put_in_place(db: Database, path: Path) -> None:
    """Close the new database ``db`` built by :func:`build_beside` (checkpointed: no log
    left) and rename it over ``path`` in one step. Until that rename ``path`` is the old file;
    after it, the new one: a kill at any moment leaves one whole database there."""
    new = db.path
    db.close()
    if log_of(new).exists():
        raise StoreError(f"{new} could not be saved completely; {path} was left as it was")
    with open(new, "rb") as handle:
        os.fsync(handle.fileno())
    # The old file's log (copied aside already) would be replayed over the new file.
    log_of(path).unlink(missing_ok=True)
    os.replace(new, path)
    with contextlib.suppress(OSError):  # the rename itself made durable, where it can be
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def start_fresh(path: Path, annotations: list[Annotation]) -> Database:
    """Replace the damaged ``path`` (already copied aside) with a new, empty database holding
    ``annotations``; the caller then imports the files again. The new file is built beside the
    old one and renamed into place once it holds the annotations."""
    put_in_place(build_beside(path, annotations), path)
    return Database.open(path)


@dataclass(frozen=True)
class FileCount:
    """One imported file: the spans its import recorded and the spans stored for it now."""

    source_id: int
    path: str
    recorded: int
    stored: int


def file_counts(cur: duckdb.DuckDBPyConnection) -> list[FileCount]:
    """Every imported file (spans files only) with its recorded and stored span counts."""
    rows = cur.execute(
        "SELECT s.source_id, s.path, coalesce(s.span_count, 0), count(p.span_id) "
        "FROM sources s LEFT JOIN spans p USING (source_id) "
        "WHERE coalesce(s.span_count, 0) > 0 OR p.span_id IS NOT NULL "
        "GROUP BY ALL ORDER BY s.source_id"
    ).fetchall()
    return [FileCount(int(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in rows]


def spans_without_file(cur: duckdb.DuckDBPyConnection) -> int:
    """Spans whose file has no ``sources`` row: what a half-finished import would leave."""
    row = cur.execute(
        "SELECT count(*) FROM spans WHERE source_id IS NOT NULL "
        "AND source_id NOT IN (SELECT source_id FROM sources)"
    ).fetchall()
    return int(row[0][0]) if row else 0


def still_usable(db: Database) -> bool:
    """False when DuckDB invalidated ``db`` after a fatal error (it must be opened again)."""
    try:
        cur = db.reader()
        try:
            cur.execute("SELECT 1").fetchall()
        finally:
            cur.close()
    except duckdb.Error as exc:
        return not is_invalidated(exc)
    return True
