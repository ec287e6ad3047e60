"""Prompt versions kept at import (``sql/prompt_schema.sql``): each imported file's model calls
with their prompt, every distinct prompt masked once, and the versions worked out again over
the whole database, all inside the import's transaction. Listing versions
(:mod:`spanscope.store.prompt_versions`) and the ``prompt:`` filter term read these tables.
"""

from __future__ import annotations

import duckdb

from spanscope.sqlfiles import load, statements
from spanscope.store.masking import with_masking

# Masked prompts are compared whole (a failure message is cut to 200 characters; two prompts
# that differ only after their first page are two versions).
TEMPLATE_LIMIT = 1_000_000


def keep_source(con: duckdb.DuckDBPyConnection, source_id: int) -> None:
    """Keep the prompts of one imported file's calls and renumber the versions (inside the
    caller's transaction)."""
    _keep(con, "source_id = $source_id", {"source_id": source_id})


def keep_sources(con: duckdb.DuckDBPyConnection, source_ids: list[int]) -> None:
    """As :func:`keep_source`, for several files imported together (a batch of small files):
    the versions are renumbered once."""
    _keep(con, "list_contains($source_ids, source_id)", {"source_ids": source_ids})


def keep_all(con: duckdb.DuckDBPyConnection) -> None:
    """Keep the prompts of every stored call (a database from before they were kept)."""
    _keep(con, "TRUE", None)


def _keep(con: duckdb.DuckDBPyConnection, scope: str, params: dict[str, object] | None) -> None:
    script = with_masking(load("spanscope.store", "prompt_keep.sql"), limit=TEMPLATE_LIMIT)
    for stmt in statements(script.replace("{scope}", scope)):
        con.execute(stmt, params if "$source_id" in stmt else None)
    for stmt in statements(load("spanscope.store", "prompt_refresh.sql")):
        con.execute(stmt)
