"""A folder of many small files: imported in batches (one mapping statement and one commit for
many files), each file still with its own result, warnings and all-or-nothing rule."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

import hostile_files as hf
from otlp_builder import write_json, write_jsonl
from spanscope.ingest import import_file, import_paths
from spanscope.model import ImportResult, ImportStatus
from spanscope.store import Database
from spanscope.store.writer import Writer
from store_checks import counts, rows


class _CountingConnection:
    """The writer's connection, counting how often the spans of files are mapped."""

    def __init__(self, con: Any) -> None:
        self._con = con
        self.mappings = 0

    def execute(self, sql: str, *args: Any) -> Any:
        if "INSERT INTO spans BY NAME" in sql:
            self.mappings += 1
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def counting_writer(db: Database) -> tuple[Writer, _CountingConnection]:
    writer = Writer(db)
    counting = _CountingConnection(writer._con)
    writer._con = counting  # type: ignore[assignment]
    return writer, counting


def one_span_files(folder: Path, count: int) -> list[Path]:
    folder.mkdir(exist_ok=True)
    paths = []
    for i in range(1, count + 1):
        doc = hf.one_span_doc(i, **{"gen_ai.request.model": "gpt-4o"})
        path = folder / f"span-{i:03d}.json"
        if i % 3 == 0:  # JSON Lines, a pretty-printed document, gzip: read alike
            write_jsonl(path, [doc])
        elif i % 3 == 1:
            write_json(path, doc, indent=2)
        else:
            path = path.with_suffix(".json.gz")
            path.write_bytes(gzip.compress(json.dumps(doc).encode()))
        paths.append(path)
    return paths


def summary(results: list[ImportResult]) -> list[tuple[str, str, int, int, list[str]]]:
    return [(Path(r.path).name, str(r.status), r.spans, r.traces, r.warnings) for r in results]


def test_many_small_files_are_mapped_together_with_a_result_each(
    db: Database, tmp_path: Path
) -> None:
    """Before, each file was mapped and committed alone: 120 files, 120 mapping statements
    (0.25 s each, however small the file)."""
    paths = one_span_files(tmp_path / "small", 120)
    writer, counting = counting_writer(db)
    results = list(import_paths(db, [tmp_path / "small"], writer=writer))
    assert counting.mappings <= 3  # 120 files in batches of up to 200, by layout
    assert [Path(r.path).name for r in results] == [p.name for p in paths]
    assert all(r.status is ImportStatus.IMPORTED and r.spans == 1 for r in results), results
    assert counts(db) == (120, 120, 120)
    assert rows(db, "SELECT count(*) FROM sources WHERE span_count = 1 AND trace_count = 1") == [
        (120,)
    ]
    # the same results, warnings included, as importing each file alone
    alone = Database.open(tmp_path / "alone.duckdb")
    try:
        one_by_one = [import_file(Writer(alone), p) for p in paths]
        assert summary(results) == summary(one_by_one)
        query = "SELECT trace_id, span_id, name, model, input_tokens FROM spans ORDER BY 1, 2"
        assert rows(db, query) == rows(alone, query)
    finally:
        alone.close()
    # every file's spans are in the search index
    assert rows(db, "SELECT count(*) FROM search_pending") == [(0,)]
    assert rows(db, "SELECT count(*) FROM search_docs") == [(120,)]


@pytest.mark.parametrize(
    "bad",
    [
        '{"resourceSpans": [',  # cut short
        '{"resourceSpans": []}',  # no spans
        '{"resourceSpans": [{"scopeSpans": []}]} {"resourceSpans": []',  # a second, broken document
    ],
)
def test_a_bad_file_in_a_batch_costs_only_itself(db: Database, tmp_path: Path, bad: str) -> None:
    paths = one_span_files(tmp_path / "small", 20)
    broken = tmp_path / "small" / "span-010-bad.json"
    broken.write_text(bad, encoding="utf-8")
    writer, _ = counting_writer(db)
    results = {Path(r.path).name: r for r in import_paths(db, [tmp_path / "small"], writer=writer)}
    assert len(results) == 21
    failed = results.pop(broken.name)
    assert failed.status is ImportStatus.FAILED and broken.name in (failed.error or "")
    assert all(r.status is ImportStatus.IMPORTED for r in results.values())
    assert counts(db) == (20, 20, 20)
    assert {Path(p).name for (p,) in rows(db, "SELECT path FROM sources")} == {
        p.name for p in paths
    }


def test_repeated_and_known_files_in_a_folder_say_so(db: Database, tmp_path: Path) -> None:
    """A copy of a file in the same folder is "unchanged"; a later file repeating an earlier
    file's span replaces it with a warning, as when imported one by one."""
    folder = tmp_path / "small"
    one_span_files(folder, 6)
    (folder / "span-002z.json.gz").write_bytes((folder / "span-002.json.gz").read_bytes())
    again = hf.one_span_doc(4, **{"gen_ai.request.model": "gpt-4o-mini"})
    write_json(folder / "span-005-again.json", again)
    results = {Path(r.path).name: r for r in import_paths(db, [folder])}
    assert results["span-002z.json.gz"].status is ImportStatus.UNCHANGED
    assert any("replaced" in w for w in results["span-005-again.json"].warnings)
    assert rows(db, "SELECT model FROM spans WHERE span_id = ?", [f"{4:016x}"]) == [
        ("gpt-4o-mini",)
    ]
    assert counts(db) == (6, 6, 7)
    # a second import of the folder changes nothing
    assert {r.status for r in import_paths(db, [folder])} == {ImportStatus.UNCHANGED}
