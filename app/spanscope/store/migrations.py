"""Schema migrations: each step takes a file from one version to the next, in one transaction.

The caller backs the file up first. A step is one or more SQL files in ``sql/``, run in order:
usually the new tables' own schema file and whatever fills them from existing data; a fill
that needs SQL composed in Python (the masking of prompts) is a function of the connection.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from spanscope.sqlfiles import load, statements
from spanscope.store import prompt_calls

# The search index is built again beside the file (every file waits for it; searches read
# them meanwhile).
SEARCH_REBUILD = ("search_schema.sql", "search_reset.sql")

Step = str | Callable[[duckdb.DuckDBPyConnection], None]

# from-version -> SQL files (and fills) bringing it to from-version + 1
STEPS: dict[int, Step | tuple[Step, ...]] = {
    1: SEARCH_REBUILD,  # 2: the full-text index
    2: SEARCH_REBUILD,  # 3: word pairs in the full-text index
    3: (
        "migrate_4_annotations.sql",
        "review_schema.sql",
    ),  # 4: review labels, queues and annotation fields
    4: "migrate_5_replays.sql",  # 5: replay runs
    5: "migrate_6_costs.sql",  # 6: prices and cost flags
    6: "case_schema.sql",  # 7: cases, their items, notes and references
    # 8: finish reasons and context windows on the spans, prompt versions kept
    7: ("migrate_8_kept.sql", "prompt_schema.sql", prompt_calls.keep_all),
    8: SEARCH_REBUILD,  # 9: the search index moves out of DuckDB tables into a folder beside the file
}


def upgrade(con: duckdb.DuckDBPyConnection, current: int, target: int) -> None:
    """Apply every step from ``current`` to ``target``; all or nothing."""
    con.execute("BEGIN TRANSACTION")
    try:
        for version in range(current, target):
            step = STEPS.get(version)
            if step is None:
                raise RuntimeError(f"no migration from schema {version} to {version + 1}")
            for part in step if isinstance(step, tuple) else (step,):
                if not isinstance(part, str):
                    part(con)
                    continue
                for stmt in statements(load("spanscope.store", part)):
                    con.execute(stmt)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(target)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
