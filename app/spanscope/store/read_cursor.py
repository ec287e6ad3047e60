"""The reading side of the store: cursors that cannot write.

Every read in the app and the CLI runs on a cursor from :meth:`Database.reader`. DuckDB cannot
open the same file read-only and read-write in one process, so a reader is a cursor of the
read-write connection behind a guard: a statement that is not a query (``SELECT``, ``WITH``,
``FROM``, ``DESCRIBE``, ``SHOW``, ``SUMMARIZE``, ``EXPLAIN``) or a session ``SET`` is refused
before DuckDB sees it,
and so is every method that writes without SQL (``append``, ``begin``, ``checkpoint`` …).
Writes go through the write queue (``store.write_queue``), which hands out the only cursors
that can write.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import duckdb

# What a reader may run: DuckDB's own classification of each statement, not a text pattern.
# SET changes a setting of this cursor's session (progress tracking, time limits), no data.
_READS = frozenset(
    {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN, duckdb.StatementType.SET}
)

# Methods of a DuckDB cursor that only read or manage the cursor itself.
_PASSED_THROUGH = frozenset(
    {
        "fetchall",
        "fetchone",
        "fetchmany",
        "fetchnumpy",
        "fetchdf",
        "fetch_df",
        "df",
        "pl",
        "arrow",
        "fetch_arrow_table",
        "fetch_record_batch",
        "description",
        "rowcount",
        "interrupt",
        "query_progress",
        "close",
        "register",  # a Python value seen as a view of this cursor only; nothing is written
        "unregister",
    }
)


class ReadOnlyCursor(PermissionError):
    """A reader was asked to write; writes go through the write queue."""


@lru_cache(maxsize=512)
def _is_read(sql: str) -> bool:
    try:
        found = duckdb.extract_statements(sql)
    except duckdb.Error:
        return True  # not parsable: DuckDB itself refuses it with its own message
    if "GLOBAL" in sql.upper() and any(s.type == duckdb.StatementType.SET for s in found):
        return False  # a setting of the whole database, not of this session
    return all(statement.type in _READS for statement in found)


class ReadCursor:
    """A cursor of its own for one thread that runs queries only (see the module docstring)."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self._cursor = cursor

    def _check(self, sql: str) -> None:
        if not _is_read(sql):
            raise ReadOnlyCursor(
                "a reader cannot write: send writes through the write queue "
                f"({sql.strip().split(None, 1)[0] if sql.strip() else sql!r} refused)"
            )

    def execute(self, sql: str, parameters: object = None) -> ReadCursor:
        """Run one query; returns this reader so results are fetched from it."""
        self._check(sql)
        self._cursor.execute(sql, parameters)
        return self

    def sql(self, sql: str, params: object = None) -> duckdb.DuckDBPyRelation:
        """A relation over a query."""
        self._check(sql)
        return self._cursor.sql(sql, params=params)

    query = sql

    def cursor(self) -> ReadCursor:
        """Another reader for another thread."""
        return ReadCursor(self._cursor.cursor())

    def __getattr__(self, name: str) -> Any:
        if name in _PASSED_THROUGH:
            return getattr(self._cursor, name)
        raise ReadOnlyCursor(f"a reader cannot {name}(): send writes through the write queue")

    def __enter__(self) -> ReadCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self._cursor.close()
