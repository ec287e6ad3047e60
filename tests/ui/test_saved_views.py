"""Saved views: save what is shown, change it, apply the view again; the last one on start."""

from __future__ import annotations

from PySide6.QtCore import Qt

from spanscope.store import Database
from spanscope.ui.saved_views import View, ViewStore


def test_save_change_and_reapply_a_view(qtbot, window, demo_db: Database) -> None:
    finder = window.finder
    with qtbot.waitSignal(window.span_list.model.page_loaded, timeout=10000):
        finder.show_list("spans")
    with qtbot.waitSignal(window.span_list.model.page_loaded, timeout=10000):
        window.query_bar.set_text("kind:llm duration>1s")
    with qtbot.waitSignal(window.span_list.model.page_loaded, timeout=10000):
        window.span_list.model.sort(5, Qt.SortOrder.DescendingOrder)  # duration
    window.span_list.columns.set_hidden(["Preview", "Session", "Trace"])
    saved = finder.save_view("slow llm calls")
    assert saved == View(
        "slow llm calls",
        "kind:llm duration>1s",
        "spans",
        [c for c in saved.columns],
        "duration",
        True,
    )
    assert "Preview" not in saved.columns and "Model / tool" in saved.columns
    assert window.finder.views.names() == ["slow llm calls"]

    with qtbot.waitSignal(window.trace_list.model.page_loaded, timeout=10000):
        finder.show_list("traces")
    window.query_bar.set_text("status:error")
    window.span_list.columns.set_hidden([])

    with qtbot.waitSignal(window.span_list.model.page_loaded, timeout=10000):
        item = finder.views.list.item(0)
        rect = finder.views.list.visualItemRect(item)
        qtbot.mouseClick(finder.views.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert finder.shows == "spans" and finder.toggle_buttons["spans"].isChecked()
    assert window.query_bar.edit.text() == "kind:llm duration>1s"
    model = window.span_list.model
    assert (model.sort_key, model.descending) == ("duration", True)
    assert window.span_list.view.horizontalHeader().sortIndicatorSection() == 5
    assert "Preview" not in window.span_list.columns.visible()
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=10000)
    durations = [model.data(model.index(r, 2)) for r in range(model.rowCount())]
    assert set(durations) == {"llm"}
    window.runner.wait()


def test_rename_and_delete(qtbot, window) -> None:
    finder = window.finder
    finder.save_view("a")
    finder.save_view("b")
    finder.views.rename("a", "errors today")
    assert finder.views.names() == ["errors today", "b"]
    finder.views.delete("b")
    assert finder.views.names() == ["errors today"]
    window.runner.wait()


def test_the_last_view_is_restored_on_start(qtbot, demo_db: Database, open_window) -> None:
    window = open_window(demo_db)
    qtbot.waitUntil(lambda: window.trace_list.model.rowCount() > 0, timeout=10000)
    with qtbot.waitSignal(window.span_list.model.page_loaded, timeout=10000):
        window.finder.show_list("spans")
    with qtbot.waitSignal(window.span_list.model.page_loaded, timeout=10000):
        window.query_bar.set_text("kind:tool")
    with qtbot.waitSignal(window.span_list.model.page_loaded, timeout=10000):
        window.span_list.model.sort(7, Qt.SortOrder.AscendingOrder)  # cost
    window.close()  # saves the settings, the last view among them
    again = open_window(demo_db)
    model = again.span_list.model
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=10000)
    assert again.finder.shows == "spans"
    assert again.query_bar.edit.text() == "kind:tool"
    assert (model.sort_key, model.descending) == ("cost", False)
    assert {model.data(model.index(r, 2)) for r in range(model.rowCount())} == {"tool"}
    assert again.pages.currentWidget() is again.side_split
    again.runner.wait()


def test_views_belong_to_their_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    one, two = ViewStore(tmp_path / "one.duckdb"), ViewStore(tmp_path / "two.duckdb")
    one.save(View("mine", "kind:llm"))
    assert [v.name for v in one.views()] == ["mine"] and two.views() == []
    assert View.from_json("not json") is None
    assert View.from_json('{"name": "x", "shows": "bogus"}') == View("x")
