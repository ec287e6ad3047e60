"""The span list: switch to it, filter, sort and page on the server, open a span's trace,
choose columns."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from spanscope.store import Database
from spanscope.ui.settings import app_settings
from spanscope.ui.span_tree_model import SPAN_ID_ROLE


def rows(db: Database, sql: str, params: list | None = None) -> list[tuple]:
    cur = db.reader()
    try:
        return cur.execute(sql, params or []).fetchall()
    finally:
        cur.close()


def click_header(qtbot, header, section: int) -> None:  # type: ignore[no-untyped-def]
    x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
    qtbot.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
    )


def show_spans(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    model = window.span_list.model
    with qtbot.waitSignal(model.page_loaded, timeout=10000):
        qtbot.mouseClick(window.finder.toggle_buttons["spans"], Qt.MouseButton.LeftButton)
    assert window.finder.stack.currentWidget() is window.span_list


def test_span_list_filters_sorts_and_pages(qtbot, window, demo_db: Database, qtmodeltester) -> None:
    show_spans(qtbot, window)
    model = window.span_list.model
    [(total,)] = rows(demo_db, "SELECT count(*) FROM spans")
    qtbot.waitUntil(lambda: window.count_label.text() == f"{total:,} spans", timeout=10000)
    assert model.rowCount() == 200
    qtmodeltester.check(model)

    [(llm,)] = rows(demo_db, "SELECT count(*) FROM spans WHERE kind = 'llm'")
    with qtbot.waitSignal(model.count_changed, timeout=10000) as counted:
        window.query_bar.set_text("kind:llm")
    assert counted.args == [llm]
    qtbot.waitUntil(lambda: model.rowCount() >= 200, timeout=10000)
    assert {model.data(model.index(r, 2)) for r in range(model.rowCount())} == {"llm"}

    header = window.span_list.view.horizontalHeader()
    with qtbot.waitSignal(model.page_loaded, timeout=10000):
        click_header(qtbot, header, 6)  # tokens, most first
    assert (model.sort_key, model.descending) == ("tokens", True)
    expected = rows(
        demo_db,
        "SELECT trace_id, span_id FROM spans WHERE kind = 'llm' ORDER BY "
        "coalesce(input_tokens, 0) + coalesce(output_tokens, 0) DESC, "
        "trace_id || '/' || span_id DESC",
    )
    while model.rowCount() < len(expected):
        with qtbot.waitSignal(model.page_loaded, timeout=10000):
            model.fetchMore()  # the view may have asked already; then this waits for it
    assert not model.canFetchMore()
    assert [model.span_at(r) for r in range(model.rowCount())] == expected  # keyset: all, in order
    window.runner.wait()


def test_a_span_row_opens_its_trace_with_that_span_selected(
    qtbot, window, demo_db: Database
) -> None:
    show_spans(qtbot, window)
    window.query_bar.set_text("status:error")
    model, view = window.span_list.model, window.span_list.view
    qtbot.waitUntil(lambda: model.rowCount() > 3, timeout=10000)
    trace_id, span_id = model.span_at(3)
    view.setFocus()
    view.setCurrentIndex(model.index(3, 0))
    qtbot.keyClick(view, Qt.Key.Key_Return)
    tree = window.span_tree
    qtbot.waitUntil(
        lambda: (
            tree.trace_id == trace_id and tree.view.currentIndex().data(SPAN_ID_ROLE) == span_id
        ),
        timeout=10000,
    )
    qtbot.waitUntil(tree.view.hasFocus)
    window.runner.wait()


def test_columns_are_chosen_from_the_header_and_remembered(qtbot, window) -> None:
    show_spans(qtbot, window)
    chooser = window.span_list.columns
    assert "Trace" not in chooser.visible() and "Model / tool" in chooser.visible()
    menu = chooser.menu()
    by_title = {a.text(): a for a in menu.actions()}
    by_title["Model / tool"].setChecked(False)
    by_title["Trace"].setChecked(True)
    view = window.span_list.view
    assert view.isColumnHidden(3) and not view.isColumnHidden(11)
    assert "Model / tool" in app_settings().value("columns/spans")
    menu.deleteLater()
    window.runner.wait()
