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

    def summary(self) -> str:
        """What was kept and what could be read, in a few lines for a person."""
        lines = [
            f"Copies of the damaged file{' and its log' if self.log else ''} are in {self.folder}."
        ]
        if self.readable is None:
            lines.append("Nothing could be read from them.")
            return "\n".join(lines)
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
        db = Database.open(copy, read_only=True)
    except (StoreError, OSError):
        return None
    try:
        cur = db.reader()
        with contextlib.suppress(duckdb.Error):
            rows = cur.execute("SELECT path FROM sources ORDER BY source_id").fetchall()
            aside.sources = [Path(row[0]) for row in rows if row[0]]
        with contextlib.suppress(duckdb.Error):
            aside.annotations = list_annotations(cur)
    finally:
        db.close()
    return copy


def start_fresh(path: Path, annotations: list[Annotation]) -> Database:
    """Replace the damaged ``path`` (already copied aside) with a new, empty database holding
    ``annotations``; the caller then imports the files again."""
    for old in (path, log_of(path)):
        old.unlink(missing_ok=True)
    db = Database.open(path)
    if annotations:
        # without their old row ids, so the new database numbers them afresh
        save_many(db.writer.cursor(), [replace(a, annotation_id=None) for a in annotations])
    return db


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
