"""The SQL console: a user's SQL over the documented tables, on a connection that cannot write.

DuckDB 2.0 lets one process hold a file through one database instance only: a second
``connect(path, read_only=True)`` or ``ATTACH ... (READ_ONLY)`` of a file the app holds
read-write is refused. So the console reads a *snapshot*: a copy of the file (cheap where the
file system clones, e.g. 0.1 s for 250 MB here) opened as its own instance with

- ``read_only``: DELETE, UPDATE, INSERT, DROP, CREATE, nextval() are refused by DuckDB;
- ``enable_external_access = false``: no file is read or written (read_csv, COPY ... TO,
  ATTACH, INSTALL, LOAD, EXPORT DATABASE);
- ``lock_configuration = true``: no SET or PRAGMA can undo the above or change limits.

Even a statement DuckDB let through would change only the copy. DuckDB still lets such a
connection write into its temporary folder and read the database file itself (``COPY ... TO
'<db>.tmp/x.sh'``, ``read_blob('<db>')``), so the console also

- runs SELECT statements only, and refuses file functions (``read_blob``, ``read_text``,
  ``glob``, ``read_csv``, ``query`` ...) and file names used as tables, checked on DuckDB's
  own parse of the statement (:func:`refusal`);
- spills into a temporary folder of its own (``spanscope-console-<pid>-*``), capped at
  :data:`TEMP_LIMIT`, deleted on close (and, when a process was killed, by the next import).

Results stay Arrow and are read page by page; a query is cancelled by ``interrupt()`` and
stopped at a time limit.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from spanscope.sqlfiles import load
from spanscope.store.database import SCHEMA_FILES, Database, StoreError

DEFAULT_TIME_LIMIT = 60.0  # seconds
TEMP_PREFIX = "spanscope-console-"
TEMP_LIMIT = os.environ.get("SPANSCOPE_CONSOLE_TEMP_LIMIT", "4GB")  # spilled by one console
# Table functions that read files or run SQL given as text (which could name them again).
_FILE_FUNCTIONS = re.compile(
    r"^(read_\w*|parquet_\w*|sniff_csv|glob|query|query_table|iceberg_\w*|delta_scan|"
    r"st_read\w*|json_execute_serialized_sql|sqlite_\w*|postgres_\w*|mysql_\w*)$",
    re.IGNORECASE,
)
_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "memory_limit": "1GB",
    "max_temp_directory_size": TEMP_LIMIT,
    "lock_configuration": True,  # last: locks everything above
}
_LOCKS = ("enable_external_access", "lock_configuration")  # set after opening, in this order


def refusal(con: duckdb.DuckDBPyConnection, sql: str) -> str | None:
    """Why the console will not run ``sql``, or None: a statement that is not a SELECT, a file
    function, or a file name read as a table. Read from DuckDB's own parse of the text, so
    quoting or comments cannot hide a name."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error:
        return None  # DuckDB will say what is wrong with it
    for statement in statements:
        if statement.type != duckdb.StatementType.SELECT:
            return f"the console is read-only: only SELECT statements run here, not {statement.type.name}"
        try:
            row = con.execute("SELECT json_serialize_sql(?)", [statement.query]).fetchall()
            tree = json.loads(row[0][0])
        except (duckdb.Error, ValueError, IndexError):
            return "the statement could not be checked"
        found = _file_access(tree)
        if found is not None:
            return found
    return None


def _file_access(node: Any) -> str | None:
    if isinstance(node, dict):
        name = node.get("function_name")
        if isinstance(name, str) and _FILE_FUNCTIONS.match(name):
            return f"{name}() reads files or runs SQL text; the console reads the tables only"
        if node.get("type") == "BASE_TABLE":
            table = str(node.get("table_name", ""))
            if any(c in table for c in "./\\:"):
                return f"'{table}' is read as a file; the console reads the tables only"
        children: Any = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _file_access(child)
        if found is not None:
            return found
    return None


class ConsoleError(StoreError):
    """The query failed; the message is DuckDB's, for the user."""


@dataclass(frozen=True)
class ColumnDoc:
    """One documented column of the store's schema."""

    table: str
    column: str
    type: str
    meaning: str


class ResultPages:
    """The rows of one query, read on demand: :meth:`next_page` returns up to ``n`` more.

    Each step (running the query, reading a page) is stopped after ``time_limit`` seconds."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection, sql: str, time_limit: float) -> None:
        self._cursor = cursor
        self.time_limit = time_limit
        self._pending: list[pa.RecordBatch] = []
        self.exhausted = False
        self.schema: pa.Schema
        with self._limited():
            relation = cursor.sql(sql)
            if relation is None:
                raise ConsoleError("the statement returned no rows")
            self._reader = relation.to_arrow_reader(1024)
        self.schema = self._reader.schema

    def next_page(self, n: int) -> pa.Table:
        """Up to ``n`` rows; fewer at the end. ``exhausted`` then says whether more follow."""
        rows, batches = 0, []
        with self._limited():
            while rows < n:
                batch = self._pending.pop(0) if self._pending else self._read()
                if batch is None:
                    break
                if rows + batch.num_rows > n:
                    self._pending.insert(0, batch.slice(n - rows))
                    batch = batch.slice(0, n - rows)
                batches.append(batch)
                rows += batch.num_rows
            if not self._pending and not self.exhausted:
                # One batch ahead, so "500 of more than 500" is known (limit + 1).
                ahead = self._read()
                if ahead is not None:
                    self._pending.append(ahead)
        return pa.Table.from_batches(batches, schema=self.schema)

    def _read(self) -> pa.RecordBatch | None:
        while not self.exhausted:
            try:
                batch = self._reader.read_next_batch()
            except StopIteration:
                self.exhausted = True
                return None
            if batch.num_rows:
                return batch
        return None

    @contextlib.contextmanager
    def _limited(self) -> Iterator[None]:
        timer = threading.Timer(self.time_limit, self._cursor.interrupt)
        timer.start()
        try:
            yield
        except duckdb.InterruptException as exc:
            if not timer.is_alive():
                raise ConsoleError(
                    f"stopped after the time limit of {self.time_limit:g} s"
                ) from exc
            raise ConsoleError("cancelled") from exc
        except duckdb.Error as exc:
            raise ConsoleError(_first_line(exc)) from exc
        finally:
            timer.cancel()

    def interrupt(self) -> None:
        """Cancel the running step (safe from any thread)."""
        self._cursor.interrupt()

    def close(self) -> None:
        self._cursor.close()


class Console:
    """A read-only DuckDB instance over a database file (or a snapshot of one)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        temp: Path | None,
        path: Path,
        snapshot: Path | None,
    ) -> None:
        self._con = con
        self.path = path
        self._snapshot = snapshot
        self._temp = temp  # the folder it spills to; deleted on close

    @classmethod
    def open(cls, path: Path | str, copy_into: Path | None = None) -> Console:
        """Open a database file read-only (the CLI); with ``copy_into``, a copy of it made
        there, for a file another program holds for writing."""
        path = Path(path).expanduser().resolve()
        if not path.is_file():
            raise StoreError(f"{path} does not exist")
        if copy_into is None:
            return cls(*_connect(path), path=path, snapshot=None)
        return cls(*_connect(_copy(path, copy_into)), path=path, snapshot=copy_into)

    @classmethod
    def snapshot(cls, db: Database, into: Path) -> Console:
        """Copy the database the app holds into ``into`` and open the copy (the window)."""
        cursor = db.writer.cursor()  # a checkpoint changes no data, but readers refuse it
        try:
            cursor.execute("CHECKPOINT")  # so the copy needs no WAL
        except duckdb.Error:
            pass  # an import is running: the WAL is copied as well
        finally:
            cursor.close()
        return cls(*_connect(_copy(db.path, into)), path=db.path, snapshot=into)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one query; ``interrupt()`` on it cancels that query from any thread."""
        return self._con.cursor()

    def start(
        self,
        sql: str,
        time_limit: float = DEFAULT_TIME_LIMIT,
        cursor: duckdb.DuckDBPyConnection | None = None,
    ) -> ResultPages:
        """Run ``sql`` (several statements: the last one's rows are the result) on ``cursor``
        or a new one; the pages own the cursor from then on."""
        refused = refusal(self._con, sql)
        if refused is not None:
            raise ConsoleError(refused)
        cursor = cursor or self._con.cursor()
        try:
            return ResultPages(cursor, sql, time_limit)
        except BaseException:
            cursor.close()
            raise

    def query(
        self, sql: str, limit: int = 500, time_limit: float = DEFAULT_TIME_LIMIT
    ) -> tuple[pa.Table, bool]:
        """The first ``limit`` rows and whether more follow."""
        pages = self.start(sql, time_limit)
        try:
            return pages.next_page(limit), not pages.exhausted
        finally:
            pages.close()

    def export(
        self,
        sql: str,
        path: Path,
        fmt: str,
        mask: Callable[[pa.Table], pa.Table] | None = None,
    ) -> int:
        """Write every row of ``sql`` to ``path`` as 'csv' or 'parquet'; returns how many.
        ``mask`` rewrites each page before it is written (secrets masked).

        The app writes the file the user chose (pyarrow, streaming); the console connection
        itself cannot write any file."""
        if fmt not in ("csv", "parquet"):
            raise ValueError(fmt)
        pages = self.start(sql)
        rows = 0
        try:
            writer: pa_csv.CSVWriter | pq.ParquetWriter
            if fmt == "csv":
                writer = pa_csv.CSVWriter(str(path), pages.schema)
            else:
                writer = pq.ParquetWriter(str(path), pages.schema)
            with writer:
                for table in _all_pages(pages):
                    writer.write_table(mask(table) if mask is not None else table)
                    rows += table.num_rows
        finally:
            pages.close()
        return rows

    def close(self) -> None:
        self._con.close()
        if self._snapshot is not None:
            shutil.rmtree(self._snapshot, ignore_errors=True)
        if self._temp is not None:
            shutil.rmtree(self._temp, ignore_errors=True)

    def __enter__(self) -> Console:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _all_pages(pages: ResultPages, size: int = 65_536) -> Iterator[pa.Table]:
    while not pages.exhausted:
        table = pages.next_page(size)
        if table.num_rows:
            yield table


def _copy(path: Path, into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    copy = into / path.name
    shutil.copy2(path, copy)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        shutil.copy2(wal, copy.with_name(copy.name + ".wal"))
    return copy


def _connect(path: Path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    """The console's connection to ``path`` and the temporary folder of its own."""
    temp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-"))
    # DuckDB takes no temporary folder once external access is off: that, and the lock on
    # the configuration, are set right after the folder, before any user statement runs.
    first = {k: v for k, v in _CONFIG.items() if k not in _LOCKS}
    try:
        con = duckdb.connect(
            str(path), read_only=True, config={"temp_directory": str(temp), **first}
        )
        try:
            for name in _LOCKS:
                con.execute(f"SET {name} = {str(_CONFIG[name]).lower()}")
        except duckdb.Error:
            con.close()
            raise
        return con, temp
    except duckdb.Error as exc:
        shutil.rmtree(temp, ignore_errors=True)
        raise StoreError(f"{path} cannot be opened for the SQL console: {exc}") from exc


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


# -- the schema, as documented where it is declared ---------------------------------------------

_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+) \(")
_CONSTRAINTS = re.compile(
    r"\s+(NOT NULL|PRIMARY KEY|DEFAULT|UNIQUE|REFERENCES|USING COMPRESSION)\b.*$", re.I
)


def schema_docs(files: tuple[str, ...] = SCHEMA_FILES) -> list[ColumnDoc]:
    """(table, column, type, meaning) of every column declared in the schema files, from the
    ``-- comment`` after each column."""
    docs: list[ColumnDoc] = []
    for name in files:
        table: str | None = None
        for line in load("spanscope.store", name).splitlines():
            start = _TABLE.search(line)
            if start:
                table = start.group(1)
                continue
            if table is None:
                continue
            if line.strip().startswith(");"):
                table = None
                continue
            definition, _, meaning = line.partition("--")
            definition = definition.strip().rstrip(",").strip()
            if not definition or definition.startswith("--"):
                continue
            column, _, rest = definition.partition(" ")
            docs.append(
                ColumnDoc(table, column, _CONSTRAINTS.sub("", rest.strip()), meaning.strip())
            )
    return docs
