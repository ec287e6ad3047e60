"""Schema migrations: each step takes a file from one version to the next, in one transaction.

The caller backs the file up first. A step is SQL in ``sql/migrate_<from>_to_<to>.sql``.
"""

from __future__ import annotations

import duckdb

from spanscope.sqlfiles import load, statements

# from-version -> SQL file bringing it to from-version + 1
STEPS: dict[int, str] = {}


def upgrade(con: duckdb.DuckDBPyConnection, current: int, target: int) -> None:
    """Apply every step from ``current`` to ``target``; all or nothing."""
    con.execute("BEGIN TRANSACTION")
    try:
        for version in range(current, target):
            name = STEPS.get(version)
            if name is None:
                raise RuntimeError(f"no migration from schema {version} to {version + 1}")
            for stmt in statements(load("spanscope.store", name)):
                con.execute(stmt)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(target)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
