"""The database's own exceptions, named here so the layers above catch them without importing
DuckDB (DuckDB is used only inside the store; ``lint-imports`` checks it)."""

from __future__ import annotations

import duckdb

# A query or import stopped by ``interrupt()`` (a user's cancel).
Interrupted = duckdb.InterruptException
# Anything DuckDB refused: a bad file it was reading, a full disk, a broken query.
DatabaseError = duckdb.Error
# An open cursor or connection of the database file (the type readers are handed).
Cursor = duckdb.DuckDBPyConnection

__all__ = ["Cursor", "DatabaseError", "Interrupted"]
