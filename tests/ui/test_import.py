"""Importing from the window: result table and refresh, drops, the demo dataset, cancelling."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from otlp_builder import agent_trace, document, write_json
from spanscope.core import pricing
from spanscope.demo import write_otlp_jsonl
from spanscope.store import Database

BIG_SPANS = 12_000  # large enough that an import is still running when Cancel is clicked


def counts(db: Database) -> tuple[int, int, int]:
    cur = db.reader()
    try:
        row = cur.execute(
            "SELECT (SELECT count(*) FROM spans), (SELECT count(*) FROM traces), "
            "(SELECT count(*) FROM sources)"
        ).fetchone()
    finally:
        cur.close()
    return int(row[0]), int(row[1]), int(row[2])


def drop(window, paths: list[Path]) -> None:  # type: ignore[no-untyped-def]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)


def test_import_shows_results_and_refreshes_the_list(
    qtbot, window, demo_db: Database, tmp_path: Path, qtmodeltester
) -> None:
    spans, traces, _ = counts(demo_db)
    qtbot.waitUntil(lambda: window.count_label.text() == f"{traces:,} traces")
    path = write_json(tmp_path / "agent.json", document(agent_trace()))
    with qtbot.waitSignal(window.importer.finished, timeout=20000):
        assert window.import_paths([path])  # what File → Import files… calls
    results = window.importer.dialog.results
    qtmodeltester.check(results)
    assert results.rowCount() == 1
    assert results.row(0)[:5] == ("agent.json", "otlp-json", "imported", "4", "1")
    assert window.importer.dialog.close_button.isEnabled()
    assert "imported" in window.importer.dialog.status.text()
    qtbot.waitUntil(lambda: window.count_label.text() == f"{traces + 1:,} traces", timeout=10000)
    qtbot.waitUntil(lambda: window.trace_list.model.rowCount() > 0)
    assert counts(demo_db)[:2] == (spans + 4, traces + 1)

    window.importer.dialog.close_button.click()
    with qtbot.waitSignal(window.importer.finished, timeout=20000) as again:
        drop(window, [path])  # the same file dropped on the window changes nothing
    assert [str(r.status) for r in again.args[0]] == ["unchanged"]
    window.runner.wait()


def test_a_file_whose_pricing_failed_shows_imported_with_the_warning(
    qtbot, window, demo_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spans, traces, _ = counts(demo_db)
    path = write_json(tmp_path / "agent.json", document(agent_trace()))

    def missing() -> object:  # what a bundle without genai-prices' metadata did
        raise PackageNotFoundError("genai_prices")

    pricing._find_model.cache_clear()
    monkeypatch.setattr(pricing, "_snapshot", missing)
    with qtbot.waitSignal(window.importer.finished, timeout=20000) as done:
        assert window.import_paths([path])
    [result] = done.args[0]
    assert str(result.status) == "imported" and result.error is None
    dialog = window.importer.dialog
    row = dialog.results.row(0)
    assert row[:5] == ("agent.json", "otlp-json", "imported", "4", "1")
    assert row[5].startswith("calls not priced yet (PackageNotFoundError")
    assert "Warnings:" in dialog.table.full.toPlainText()
    assert "1 imported" in dialog.status.text() and "failed" not in dialog.status.text()
    qtbot.waitUntil(lambda: window.count_label.text() == f"{traces + 1:,} traces", timeout=10000)
    assert counts(demo_db)[:2] == (spans + 4, traces + 1)
    window.runner.wait()


def test_empty_database_offers_the_demo_dataset(qtbot, empty_db: Database, open_window) -> None:
    window = open_window(empty_db)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.empty, timeout=10000)
    with qtbot.waitSignal(window.importer.finished, timeout=60000) as done:
        qtbot.mouseClick(window.empty.demo_button, Qt.MouseButton.LeftButton)
    [result] = done.args[0]
    assert str(result.status) == "imported" and result.spans == 3000
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.side_split, timeout=10000)
    qtbot.waitUntil(lambda: len(window.span_tree.model.forest) > 0, timeout=10000)
    window.runner.wait()


@pytest.fixture(scope="session")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.jsonl"
    write_otlp_jsonl(path, BIG_SPANS, seed=11)
    return path


def test_cancel_leaves_the_database_unchanged(
    qtbot, window, demo_db: Database, big_file: Path, tmp_path: Path
) -> None:
    before = counts(demo_db)
    second = write_json(tmp_path / "agent.json", document(agent_trace()))
    assert window.import_paths([big_file, second])
    job, dialog = window.importer.job, window.importer.dialog
    with qtbot.waitSignal(
        job.progressed,
        timeout=20000,
        check_params_cb=lambda _value, text: text.startswith("Reading and mapping"),
    ):
        pass
    with qtbot.waitSignal(window.importer.finished, timeout=30000) as done:
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert [str(r.status) for r in done.args[0]] == ["cancelled", "cancelled"]
    assert counts(demo_db) == before
    assert dialog.results.row(0)[2] == "cancelled"
    assert window.importer.job is None
    window.runner.wait()


def test_demo_option_loads_the_dataset_without_asking(qtbot, empty_db: Database, open_window):
    window = open_window(empty_db, demo=True)
    with qtbot.waitSignal(window.importer.finished, timeout=60000) as done:
        pass
    assert [str(r.status) for r in done.args[0]] == ["imported"]
    qtbot.waitUntil(lambda: window.count_label.text().endswith("traces"), timeout=10000)
    assert window.pages.currentWidget() is window.side_split
    window.runner.wait()
