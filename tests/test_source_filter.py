"""`source:NAME` keeps what was imported from one file (by name or path, globs allowed)."""

from __future__ import annotations

from pathlib import Path

from otlp_builder import agent_trace, document, write_json
from spanscope.core.filters import compile_filter
from spanscope.store import Database
from store_checks import run


def _count(db: Database, text: str, table: str) -> int:
    where = compile_filter(text, table)
    row = db.reader().execute(f"SELECT count(*) FROM {table} WHERE {where.sql}", where.params)
    return int(row.fetchone()[0])


def test_source_filter_by_name_path_and_glob(db: Database, tmp_path: Path) -> None:
    run(db, write_json(tmp_path / "first.json", document(agent_trace("1" * 32))))
    run(db, write_json(tmp_path / "second.json", document(agent_trace("2" * 32))))
    assert _count(db, "source:first.json", "traces") == 1
    assert _count(db, "source:FIRST.JSON", "traces") == 1  # as other text fields: any case
    assert _count(db, "source:first.json", "spans") == 4
    assert _count(db, f"source:{tmp_path / 'second.json'}", "traces") == 1
    assert _count(db, "source:*.json", "traces") == 2
    assert _count(db, "-source:first.json", "traces") == 1
    assert _count(db, "source:nothing.json", "spans") == 0
