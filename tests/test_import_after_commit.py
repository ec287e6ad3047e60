"""A file that committed is imported, whatever fails after the commit: pricing and the search
index run in transactions of their own, and their failure is a warning on the file, its work
left for the next import."""

from __future__ import annotations

import io
import json
from importlib.metadata import PackageNotFoundError
from pathlib import Path
from typing import Any

import pytest

from otlp_builder import document, span, write_json
from spanscope.cli import main
from spanscope.core import pricing
from spanscope.ingest import import_paths
from spanscope.model import ImportStatus
from spanscope.store import Database, search
from spanscope.store import costs as store_costs
from store_checks import rows

TRACE = "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1"
OTHER = "e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2"


def calls_file(path: Path, trace: str, words: str) -> Path:
    """One agent trace with one priced call (gpt-4o: 1,000 in, 500 out = $0.0075)."""
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.provider.name": "openai",
        "gen_ai.usage.input_tokens": 1000,
        "gen_ai.usage.output_tokens": 500,
    }
    spans = [
        span(
            trace,
            "r000000000000000",
            f"agent {words}",
            duration_ms=5000,
            attributes={"gen_ai.operation.name": "invoke_agent"},
        ),
        span(trace, "c000000000000001", "chat gpt-4o", parent="r000000000000000", attributes=attrs),
    ]
    return write_json(path, document(spans))


def break_the_price_book(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a bundle without genai-prices' package metadata did: every price look-up raises."""

    def missing() -> Any:
        raise PackageNotFoundError("genai_prices")

    pricing._find_model.cache_clear()  # earlier look-ups must not answer from the cache
    monkeypatch.setattr(pricing, "_snapshot", missing)


def after_commit(warnings: list[str]) -> list[str]:
    """The warnings of the steps after the commit (a file's content has warnings of its own)."""
    return [w for w in warnings if "not priced yet" in w or "not indexed for search yet" in w]


def computed_costs(db: Database) -> dict[str, float | None]:
    found = rows(db, "SELECT trace_id, computed_cost FROM spans WHERE kind = 'llm'")
    return {str(trace): cost for trace, cost in found}


def test_a_pricing_failure_leaves_the_file_imported_and_priced_by_the_next_import(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = calls_file(tmp_path / "first.json", TRACE, "refund")
    break_the_price_book(monkeypatch)
    [result] = import_paths(db, [first])
    assert result.status is ImportStatus.IMPORTED
    assert (result.spans, result.traces, result.error) == (2, 1, None)
    [warning] = after_commit(result.warnings)
    assert "calls not priced yet" in warning and "PackageNotFoundError" in warning
    assert computed_costs(db) == {TRACE: None}  # not priced, and not priced at $0
    assert store_costs.pending(db.reader())  # left for the next import
    [again] = import_paths(db, [first])  # the file is there: importing it again says so
    assert again.status is ImportStatus.UNCHANGED

    monkeypatch.undo()  # the price book works again
    second = calls_file(tmp_path / "second.json", OTHER, "invoice")
    [later] = import_paths(db, [second])
    assert later.status is ImportStatus.IMPORTED and after_commit(later.warnings) == []
    assert computed_costs(db) == {
        TRACE: pytest.approx(0.0075),  # priced by the later import
        OTHER: pytest.approx(0.0075),
    }
    assert not store_costs.pending(db.reader())
    [(trace_cost,)] = rows(db, "SELECT cost FROM traces WHERE trace_id = ?", [TRACE])
    assert trace_cost == pytest.approx(0.0075)


def test_pricing_that_still_fails_before_an_import_is_a_warning_not_a_stop(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    break_the_price_book(monkeypatch)
    list(import_paths(db, [calls_file(tmp_path / "first.json", TRACE, "refund")]))
    [result] = import_paths(db, [calls_file(tmp_path / "second.json", OTHER, "invoice")])
    assert result.status is ImportStatus.IMPORTED
    this_file, earlier = after_commit(result.warnings)
    assert this_file.startswith("calls not priced yet (")
    assert earlier.startswith("calls imported earlier still not priced yet (")
    assert rows(db, "SELECT count(*) FROM spans") == [(4,)]


def test_the_command_line_reports_the_file_imported_with_the_pricing_warning(
    db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = calls_file(tmp_path / "calls.json", TRACE, "refund")
    break_the_price_book(monkeypatch)
    out = io.StringIO()
    assert main(["--db", str(db_file), "import", "--json", str(path)], out) == 0
    record = json.loads(out.getvalue())
    assert (record["status"], record["spans"], record["error"]) == ("imported", 2, None)
    [warning] = after_commit(record["warnings"])
    assert warning.startswith("calls not priced yet (PackageNotFoundError")

    table = io.StringIO()
    other = calls_file(tmp_path / "other.json", OTHER, "invoice")
    assert main(["--db", str(db_file), "import", str(other)], table) == 0
    text = table.getvalue()
    assert "warning: other.json: calls not priced yet" in text
    assert "1 files, 2 spans imported, 0 failed" in text


def test_a_search_index_failure_leaves_the_file_imported_searchable_and_indexed_later(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("could not write the search index")

    monkeypatch.setattr(search, "feed", broken)
    [result] = import_paths(db, [calls_file(tmp_path / "first.json", TRACE, "refund")])
    assert result.status is ImportStatus.IMPORTED and result.spans == 2
    [warning] = after_commit(result.warnings)
    assert "not indexed for search yet" in warning and "could not write" in warning
    assert rows(db, "SELECT count(*) FROM search_pending") == [(1,)]
    assert found_by_search(db, "refund") == [TRACE]  # scanned until it is indexed

    monkeypatch.undo()
    [later] = import_paths(db, [calls_file(tmp_path / "second.json", OTHER, "invoice")])
    assert after_commit(later.warnings) == []
    assert rows(db, "SELECT count(*) FROM search_pending") == [(0,)]
    assert found_by_search(db, "refund") == [TRACE]
    assert found_by_search(db, "invoice") == [OTHER]


def found_by_search(db: Database, words: str) -> list[str]:
    from spanscope.core.filters import compile_filter
    from spanscope.store import queries

    page = queries.trace_page(db.reader(), where=compile_filter(f'"{words}"', "traces"))
    return [row["trace_id"] for row in page.rows.to_pylist()]


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "cli.duckdb"
