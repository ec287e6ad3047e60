"""The SQL console window: type a query, run it, page the rows; writes are refused; cancel."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PySide6.QtCore import Qt

from spanscope.store import Database
from spanscope.ui.sql_console import PAGE, SqlConsole

ENDLESS = "SELECT sum(hash(i)) FROM range(10000000000000) t(i)"


@pytest.fixture
def console(qtbot, demo_db: Database):  # type: ignore[no-untyped-def]
    widget = SqlConsole(demo_db)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.shutdown()


def type_query(qtbot, console: SqlConsole, sql: str) -> None:  # type: ignore[no-untyped-def]
    console.editor.clear()
    qtbot.keyClicks(console.editor, sql)


def span_count(db: Database) -> int:
    return int(db.reader().execute("SELECT count(*) FROM spans").fetchall()[0][0])


def test_type_run_and_see_rows(qtbot, console: SqlConsole) -> None:  # type: ignore[no-untyped-def]
    type_query(qtbot, console, "SELECT kind, count(*) AS n FROM spans GROUP BY kind ORDER BY kind")
    with qtbot.waitSignal(console.finished, timeout=20000) as done:
        qtbot.keyClick(console.editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert done.args[0] >= 3
    assert console.model.headerData(0, Qt.Orientation.Horizontal) == "kind"
    kinds = {console.model.index(r, 0).data() for r in range(console.model.rowCount())}
    assert "llm" in kinds


def test_rows_arrive_page_by_page(qtbot, console: SqlConsole) -> None:  # type: ignore[no-untyped-def]
    type_query(qtbot, console, "SELECT span_id, name FROM spans ORDER BY span_id")
    with qtbot.waitSignal(console.finished, timeout=20000):
        qtbot.mouseClick(console.run_button, Qt.MouseButton.LeftButton)
    assert console.model.rowCount() == PAGE and console.model.more
    console.model.fetchMore()
    qtbot.waitUntil(lambda: console.model.rowCount() == 2 * PAGE, timeout=20000)
    console._runner.wait()


def test_delete_is_refused_and_the_database_unchanged(  # type: ignore[no-untyped-def]
    qtbot, console: SqlConsole, demo_db: Database
) -> None:
    before = span_count(demo_db)
    type_query(qtbot, console, "DELETE FROM spans")
    with qtbot.waitSignal(console.failed, timeout=20000) as failed:
        qtbot.mouseClick(console.run_button, Qt.MouseButton.LeftButton)
    assert "read-only" in failed.args[0]
    assert span_count(demo_db) == before
    assert console.model.rowCount() == 0


def test_cancel_a_long_query(qtbot, console: SqlConsole) -> None:  # type: ignore[no-untyped-def]
    type_query(qtbot, console, ENDLESS)
    qtbot.mouseClick(console.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: console._cursor is not None, timeout=20000)
    with qtbot.waitSignal(console.failed, timeout=20000) as failed:
        qtbot.mouseClick(console.cancel_button, Qt.MouseButton.LeftButton)
    assert "cancelled" in failed.args[0]
    console._runner.wait()


def test_export_csv_and_parquet(qtbot, console: SqlConsole, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    type_query(qtbot, console, "SELECT span_id FROM spans")
    with qtbot.waitSignal(console.finished, timeout=20000):
        qtbot.mouseClick(console.run_button, Qt.MouseButton.LeftButton)
    console.export(tmp_path / "rows.parquet", "parquet")
    qtbot.waitUntil(lambda: "written" in console.status.text(), timeout=20000)
    assert pq.read_table(tmp_path / "rows.parquet").num_rows > PAGE
    console.export(tmp_path / "rows.csv", "csv")
    qtbot.waitUntil(
        lambda: "rows.csv" in console.status.text() and "written" in console.status.text(),
        timeout=20000,
    )
    assert (tmp_path / "rows.csv").read_text().splitlines()[0] == '"span_id"'


def test_schema_beside_the_editor(console: SqlConsole) -> None:
    spans = console.schema.findItems("spans", Qt.MatchFlag.MatchExactly)[0]
    columns = {spans.child(i).text(0): spans.child(i).text(2) for i in range(spans.childCount())}
    assert "nanoseconds" in columns["start_ns"]
