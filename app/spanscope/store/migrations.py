"""Schema migrations: each step takes a file from one version to the next, in one transaction.

The caller backs the file up first. A step is one or more SQL files in ``sql/``, run in order:
usually the new tables' own schema file and whatever fills them from existing data.
"""

from __future__ import annotations

import duckdb

from spanscope.sqlfiles import load, statements

SEARCH_REBUILD = ("search_schema.sql", "search_rebuild.sql", "search_fill.sql")

# from-version -> SQL files bringing it to from-version + 1
STEPS: dict[int, str | tuple[str, ...]] = {
    1: SEARCH_REBUILD,  # 2: the full-text index
    2: SEARCH_REBUILD,  # 3: word pairs in the full-text index
    3: (
        "migrate_4_annotations.sql",
        "review_schema.sql",
    ),  # 4: review labels, queues and annotation fields
    4: "migrate_5_replays.sql",  # 5: replay runs
    5: "migrate_6_costs.sql",  # 6: prices and cost flags
    6: "case_schema.sql",  # 7: cases, their items, notes and references
}


def upgrade(con: duckdb.DuckDBPyConnection, current: int, target: int) -> None:
    """Apply every step from ``current`` to ``target``; all or nothing."""
    con.execute("BEGIN TRANSACTION")
    try:
        for version in range(current, target):
            step = STEPS.get(version)
            if step is None:
                raise RuntimeError(f"no migration from schema {version} to {version + 1}")
            for name in (step,) if isinstance(step, str) else step:
                for stmt in statements(load("spanscope.store", name)):
                    con.execute(stmt)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(target)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
