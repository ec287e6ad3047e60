"""The trace list: rows and count on open, lazy pages, server-side sorting, the query bar."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from spanscope.store import Database, queries


def trace_count(db: Database) -> int:
    cur = db.reader()
    try:
        return queries.count(cur, "traces")
    finally:
        cur.close()


def click_header(qtbot, header, section: int) -> None:
    x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
    qtbot.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
    )


def test_window_shows_traces_and_their_count(
    qtbot, window, demo_db: Database, qtmodeltester
) -> None:
    total = trace_count(demo_db)
    model = window.trace_list.model
    qtbot.waitUntil(lambda: window.count_label.text() == f"{total:,} traces")
    assert model.rowCount() == 200  # the first page only
    assert window.windowTitle() == "Spanscope — demo.duckdb"
    assert window.pages.currentWidget() is window.side_split
    first = [model.data(model.index(0, c)) for c in range(model.columnCount())]
    assert first[0].startswith("2026-11-2") and first[1]
    assert all(isinstance(v, str) for v in first)
    qtmodeltester.check(model)
    window.runner.wait()


def test_scrolling_fetches_every_page(qtbot, window, demo_db: Database) -> None:
    total = trace_count(demo_db)
    assert total > 600
    model, view = window.trace_list.model, window.trace_list.view
    while model.rowCount() < total:
        before = model.rowCount()
        with qtbot.waitSignal(model.page_loaded, timeout=10000):
            view.scrollToBottom()
            if model.canFetchMore():
                model.fetchMore()
        assert model.rowCount() > before
    assert not model.canFetchMore()
    ids = [model.trace_id(r) for r in range(model.rowCount())]
    assert len(set(ids)) == total  # keyset paging: no row twice, none skipped


def test_sorting_by_duration_puts_the_longest_trace_first(qtbot, window, demo_db: Database) -> None:
    cur = demo_db.reader()
    longest = cur.execute(
        "SELECT trace_id FROM traces ORDER BY duration_ns DESC, trace_id DESC LIMIT 1"
    ).fetchone()[0]
    cur.close()
    model = window.trace_list.model
    assert model.trace_id(0) != longest
    header = window.trace_list.view.horizontalHeader()
    with qtbot.waitSignal(model.page_loaded, timeout=10000):
        click_header(qtbot, header, 3)  # "Duration"
    assert (model.sort_key, model.descending) == ("duration", True)  # longest first on a new column
    assert model.trace_id(0) == longest
    assert model.rowCount() == 200
    # A column the database cannot sort by leaves the sort alone.
    click_header(qtbot, header, 1)
    assert model.sort_key == "duration" and header.sortIndicatorSection() == 3
    window.runner.wait()


def test_query_bar_filters_and_points_at_a_bad_term(qtbot, window, demo_db: Database) -> None:
    cur = demo_db.reader()
    failing = cur.execute("SELECT count(*) FROM traces WHERE error_count > 0").fetchone()[0]
    cur.close()
    bar = window.query_bar
    bar.edit.setText("status:error")
    with qtbot.waitSignal(window.trace_list.model.count_changed, timeout=10000) as signal:
        assert bar.apply()
    assert signal.args == [failing]
    qtbot.waitUntil(lambda: window.count_label.text() == f"{failing:,} traces match the filter")
    bar.edit.setText("status:error bogus:1")
    assert not bar.apply()
    assert not bar.problem.isHidden() and "bogus" in bar.edit.selectedText()
    window.runner.wait()
