"""Opening the database file: version checks, migrations, locks, readers.

One ``Database`` owns the read-write connection. Readers call :meth:`reader` in their own
thread and get their own cursor, which runs queries only (``store.read_cursor``), so a long
query in one never blocks another and each can be interrupted on its own. Writes go through
the write queue (``store.write_queue``), the only user of :attr:`writer`.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any, cast

import duckdb

from spanscope.sqlfiles import load, statements
from spanscope.store import migrations, search, search_index
from spanscope.store.leftover_log import keep_leftover_log
from spanscope.store.read_cursor import ReadCursor

SCHEMA_VERSION = 9
# What a new database is made of, in order (sql/ files; the migrations reuse the last four).
SCHEMA_FILES = (
    "schema.sql",
    "review_schema.sql",
    "search_schema.sql",
    "case_schema.sql",
    "prompt_schema.sql",
)


class StoreError(Exception):
    """The database cannot be used as asked; the message says why, for a person."""


class DatabaseLocked(StoreError):
    """Another process holds the database file open for writing."""

    def __init__(self, path: Path, holder: str) -> None:
        self.path = path
        self.holder = holder
        super().__init__(
            f"{path} is open in another program ({holder}). Close it there, or open a "
            "read-only copy."
        )


class SchemaTooNew(StoreError):
    """The file was written by a newer Spanscope; it is left untouched."""


class StorageTooNew(SchemaTooNew):
    """The file was written by a newer DuckDB (a storage format this one cannot read); untouched."""


class DatabaseDamaged(StoreError):
    """The database file or its write-ahead log (``<file>.wal``) is damaged: DuckDB refused to
    read it. ``part`` is "log" or "file"; nothing was changed or deleted."""

    def __init__(self, path: Path, part: str, detail: str) -> None:
        self.path, self.part, self.detail = path, part, detail
        what = "its write-ahead log (" + path.name + ".wal)" if part == "log" else "the file"
        super().__init__(f"{path} is damaged: DuckDB cannot read {what}. {detail}")


# DuckDB's words for a file it refuses because it is damaged, not because it is foreign.
_DAMAGE = ("Corrupt database file", "Could not read enough bytes", "checksum", "Corrupt WAL")
_NEWER_STORAGE = re.compile(
    r"storage version number (\d+), but we can only read storage versions between (\d+) and (\d+)"
)


def _refusal(path: Path, message: str) -> StoreError | None:
    """The specific reason DuckDB refused to open ``path``, when it is one we can act on."""
    newer = _NEWER_STORAGE.search(message)
    if newer:
        return StorageTooNew(
            f"{path} was written by a newer version of DuckDB (storage version {newer[1]}; this "
            f"Spanscope reads {newer[2]} to {newer[3]}). It was not changed."
        )
    if "replaying WAL" in message or "Corrupt WAL" in message:
        return DatabaseDamaged(path, "log", message.splitlines()[0])
    if any(word in message for word in _DAMAGE):
        return DatabaseDamaged(path, "file", message.splitlines()[0])
    return None


def damage_of(path: Path, exc: BaseException) -> DatabaseDamaged | None:
    """The damage a query on ``path`` ran into (a block that cannot be read whole or whose
    checksum is wrong), as the error to report; None for any other failure."""
    refusal = _refusal(path, str(exc))
    return refusal if isinstance(refusal, DatabaseDamaged) else None


def is_invalidated(exc: BaseException) -> bool:
    """True when DuckDB hit a fatal error and closed the database for this process (every
    later query fails until it is opened again)."""
    return isinstance(exc, duckdb.FatalException) or "database has been invalidated" in str(exc)


def is_disk_full(exc: BaseException) -> bool:
    """True when a write failed because the disk (or the process's file size limit) is full."""
    text = str(exc)
    return "No space left on device" in text or "File too large" in text


def describe_failure(path: Path, exc: BaseException) -> str:
    """A failure of a query on the database ``path``, in one line for a person: a damaged
    file, a full disk, a database DuckDB closed after a fatal error, or DuckDB's own words."""
    damage = damage_of(path, exc)
    if damage is not None:
        return f"{damage} Run 'spanscope check' to copy it aside and see what can be read."
    if is_disk_full(exc):
        return (
            f"the disk is full (database in {path.parent}): this command's change was not "
            "saved; everything saved before it is intact. Free some space and run it again."
        )
    if is_invalidated(exc):
        return (
            f"{path} was closed after an error it could not recover from (often a full disk); "
            "everything saved before it is intact. Free some space and run the command again."
        )
    lines = str(exc).strip().splitlines()
    return f"{path}: {lines[0] if lines else type(exc).__name__}"


_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.+?)(?: by user \S+)?\.(?:\s|$)")


def _lock_holder(message: str) -> str | None:
    if "Could not set lock" not in message and "Conflicting lock" not in message:
        return None
    match = _LOCK_HOLDER.search(message)
    return match.group(1).strip() if match else "another process"


class Database:
    """An open Spanscope database file."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
        self._con = con
        self.path = path
        self.read_only = read_only
        # A copy of the log a previous process left unreplayed, when there was one.
        self.kept_log: Path | None = None
        # The full-text index beside the file (store/search_index.py), for SQL's search_hits().
        self.search = search.IndexHolder()
        self.search_folder = search_index.folder_of(path)

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        read_only: bool = False,
        memory_limit: str | None = None,
        search_folder: Path | None = None,
        search_index: bool = True,
    ) -> Database:
        """Open (creating when absent and writable) the database at ``path``.

        ``search_index=False`` leaves the search index closed (``check`` and ``rebuild``, which
        must not write to a file before they know it is whole, and never search).

        Raises :class:`DatabaseLocked` when another process holds it, :class:`SchemaTooNew`
        when a newer Spanscope wrote it, :class:`StoreError` when it is not a database.
        """
        path = Path(path).expanduser().resolve()
        if read_only and not path.exists():
            raise StoreError(f"{path} does not exist")
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        # A desktop app shares the machine: cap DuckDB's memory (it spills to the temporary
        # folder beyond that) instead of its default of most of the RAM.
        config: dict[str, str | bool | int | float | list[str]] = {
            "memory_limit": memory_limit or os.environ.get("SPANSCOPE_MEMORY_LIMIT", "2GB"),
        }
        try:
            kept = None if read_only else keep_leftover_log(path)
            con = duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.Error as exc:
            holder = _lock_holder(str(exc))
            if holder is not None:
                if kept is not None:  # the live log of the process holding it, not a leftover
                    kept.unlink(missing_ok=True)
                raise DatabaseLocked(path, holder) from exc
            refusal = _refusal(path, str(exc))
            if refusal is not None:
                raise refusal from exc
            raise StoreError(f"{path} cannot be opened as a Spanscope database: {exc}") from exc
        try:
            db = cls(con, path, read_only)
            db.kept_log = kept
            if search_folder is not None:
                db.search_folder = search_folder
            db._prepare()
            if search_index:
                db._open_search()
            else:
                db.search.missing = "the database was opened without its search index"
        except duckdb.Error as exc:
            con.close()
            # A file cut short opens (its headers are whole) and fails on the first read.
            refusal = _refusal(path, str(exc))
            if refusal is not None:
                raise refusal from exc
            raise
        except BaseException:
            con.close()
            raise
        return db

    @classmethod
    def open_snapshot(cls, path: Path | str, into: Path) -> Database:
        """Open a read-only copy of a database another process holds (file and WAL copied)."""
        source = Path(path)
        into.mkdir(parents=True, exist_ok=True)
        copy = into / source.name
        shutil.copy2(source, copy)
        wal = source.with_name(source.name + ".wal")
        if wal.exists():
            shutil.copy2(wal, copy.with_name(copy.name + ".wal"))
        # The holder's index answers for the copy: numbers it holds that the copy does not know
        # match no span, and files the copy has not seen indexed it reads directly.
        return cls.open(copy, read_only=True, search_folder=search_index.folder_of(source))

    def _prepare(self) -> None:
        version = self.schema_version()
        if version is None:
            if self.read_only:
                raise StoreError(f"{self.path} is not a Spanscope database (no schema)")
            self._create()
        elif version > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"{self.path} was written by a newer Spanscope (schema {version}; this version "
                f"reads up to {SCHEMA_VERSION}). It was not changed."
            )
        elif version < SCHEMA_VERSION:
            if self.read_only:
                raise StoreError(
                    f"{self.path} has an older schema ({version}) and needs upgrading; "
                    "open it writable once."
                )
            self._migrate(version)

    def _open_search(self) -> None:
        """Open the search index beside the file, or start it over when it is missing or out
        of step with the database (see store/search_index.py); a read-only database without a
        usable index cannot answer text searches (they say why)."""
        search.register_functions(self._con, self.search)
        row = first_row(
            self._con.execute(
                "SELECT max(CASE WHEN key = 'search_index_id' THEN value END), "
                "max(CASE WHEN key = 'search_next_doc_id' THEN value END) FROM meta"
            )
        )
        index_id, next_doc_id = (row[0], int(row[1] or 1)) if row else (None, 1)
        folder = self.search_folder
        if index_id is not None and search_index.in_step(folder, index_id, next_doc_id):
            try:
                self.search.index = search_index.SearchIndex(folder, index_id, not self.read_only)
                return
            except ValueError as exc:  # tantivy could not read it: start over below
                self.search.missing = f"the search index at {folder} cannot be read ({exc})"
        if self.read_only:
            self.search.missing = (
                f"the search index of {self.path.name} is missing or out of step; open the "
                "database writable once to rebuild it"
            )
            return
        self.search.index = self.reset_search()

    def reset_search(self) -> search_index.SearchIndex:
        """A new, empty search index: every file waits to be indexed again (searches read
        them directly meanwhile). Writer.index_pending fills it."""
        index_id = search_index.new_index_id()
        self._con.execute("BEGIN TRANSACTION")
        try:
            for stmt in statements(load("spanscope.store", "search_reset.sql")):
                self._con.execute(stmt)
            self._con.execute("INSERT INTO meta VALUES ('search_index_id', ?)", [index_id])
            # The new index exists before the commit: a crash in between leaves a database
            # naming an index whose marker it matches, with every file pending.
            index = search_index.SearchIndex.create(self.search_folder, index_id)
            self._con.execute("COMMIT")
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self.search.index = index
        return index

    def schema_version(self) -> int | None:
        """The schema version stored in the file, or None for a file without one."""
        has_meta = first_row(
            self._con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'meta' AND schema_name = 'main'"
            )
        )
        if not has_meta or not has_meta[0]:
            tables = first_row(self._con.execute("SELECT count(*) FROM duckdb_tables()"))
            if tables and tables[0]:
                raise StoreError(f"{self.path} is a DuckDB file of another application")
            return None
        row = first_row(self._con.execute("SELECT value FROM meta WHERE key = 'schema_version'"))
        return int(row[0]) if row else None

    def _create(self) -> None:
        self._con.execute("BEGIN TRANSACTION")
        try:
            schema = [load("spanscope.store", n) for n in SCHEMA_FILES]
            for stmt in statements("\n".join(schema)):
                self._con.execute(stmt)
            self._con.execute(
                "INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
            )
            self._con.execute("COMMIT")
        except BaseException:
            self._con.execute("ROLLBACK")
            raise

    def _migrate(self, version: int) -> None:
        backup = self.path.with_name(f"{self.path.name}.schema{version}.bak")
        self._con.execute("CHECKPOINT")
        shutil.copy2(self.path, backup)
        try:
            migrations.upgrade(self._con, version, SCHEMA_VERSION)
        except (duckdb.Error, RuntimeError) as exc:
            raise StoreError(
                f"{self.path} could not be upgraded from schema {version} (unchanged; a copy is "
                f"at {backup.name}): {exc}"
            ) from exc

    @property
    def writer(self) -> duckdb.DuckDBPyConnection:
        """The read-write connection: only the write queue (``store.write_queue``) and the
        import writer it owns use it; tests may, to set up a database."""
        return self._con

    def reader(self) -> duckdb.DuckDBPyConnection:
        """A cursor of its own for the calling thread (never share it between threads) that
        refuses anything but queries. Typed as a DuckDB cursor so every read function takes
        it; at run time it is a :class:`ReadCursor`."""
        return cast(duckdb.DuckDBPyConnection, ReadCursor(self._con.cursor()))

    def close(self) -> None:
        """Checkpoint (when writable) and close."""
        try:
            if not self.read_only:
                self._con.execute("CHECKPOINT")
        except duckdb.Error:
            pass  # closing must not fail; DuckDB replays the WAL next time
        self._con.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def first_row(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    """The first row of a result, with the result read to its end: DuckDB refuses other work
    on a cursor whose last result was left half-read (``fetchone`` on a one-row result is)."""
    rows = result.fetchall()
    return rows[0] if rows else None
