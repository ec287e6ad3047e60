"""File ▸ Pull traces from ClickHouse: a person picks an added source, keeps or types a
filter, clicks Pull; the traces arrive through the window's import and the list shows them."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("chdb")

from clickhouse_data import fill, generate  # noqa: E402
from spanscope.core.remote_sources import RemoteSource, save_sources  # noqa: E402
from spanscope.store import Database  # noqa: E402


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    folder = fill(tmp_path / "clickhouse", generate(traces=30))
    save_sources([RemoteSource("lab", f"chdb://{folder}?table=otel_traces")])
    return folder


def _traces(db: Database) -> int:
    cur = db.reader()
    try:
        return int(cur.execute("SELECT count(*) FROM traces").fetchone()[0])
    finally:
        cur.close()


def test_pulling_from_the_file_menu_imports_the_matching_traces(
    qtbot, db: Database, open_window, lab: Path
) -> None:  # type: ignore[no-untyped-def]
    window = open_window(db)
    titles = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "Pull Traces from &ClickHouse…" in titles
    dialog = window.features["clickhouse_pull"].open()
    assert dialog.source_box.currentData() == "lab"
    dialog.filter_edit.setText("label:wrong")
    dialog.pull_button.click()  # a filter ClickHouse cannot run: said here, nothing pulled
    assert "'label' is known only in the local database" in dialog.problem.text()
    assert dialog.isVisible()
    dialog.filter_edit.setText("has:tool")
    dialog.limit_box.setValue(4)
    with qtbot.waitSignal(window.importer.finished, timeout=60000) as done:
        dialog.pull_button.click()
    [result] = done.args[0]
    assert (str(result.status), result.traces) == ("imported", 4)
    assert _traces(db) == 4
    qtbot.waitUntil(lambda: window.trace_list.model.rowCount() == 4, timeout=10000)


def test_without_a_source_the_dialog_says_how_to_add_one(db: Database, open_window) -> None:  # type: ignore[no-untyped-def]
    window = open_window(db)
    dialog = window.features["clickhouse_pull"].open()
    assert not dialog.pull_button.isEnabled()
    assert "spanscope source add" in dialog.problem.text()
