"""Each list's columns come from one table (``trace_page.COLUMNS``, ``span_page.COLUMNS``):
every page column a column reads is in the page query's SELECT, and the headers, sorts,
widths and error colours the window shows are the table's."""

from __future__ import annotations

import pytest

from spanscope.store import queries
from spanscope.ui import span_page, trace_page
from spanscope.ui.page_rows import Column

COMPUTED = {"labels", "match"}  # filled in by the page loader (annotations, snippets)


def selected(select: str) -> set[str]:
    """The column names a SELECT list yields (``a, b AS c`` -> {a, c})."""
    names = set()
    for part in select.split(","):
        words = part.split()
        names.add(words[-1])
    return names


@pytest.mark.parametrize(
    "columns, select, sorts",
    [
        (trace_page.COLUMNS, queries.TRACE_COLUMNS, queries.TRACE_SORTS),
        (span_page.COLUMNS, queries.SPAN_LIST_COLUMNS, queries.SPAN_SORTS),
    ],
)
def test_every_column_reads_what_the_page_query_selects(
    columns: tuple[Column, ...], select: str, sorts: dict[str, str]
) -> None:
    available = selected(select) | COMPUTED
    for column in columns:
        assert column.reads, column.title
        missing = set(column.reads) - available
        assert not missing, f"{column.title} reads {missing}: add them to the page query"
        assert column.sort is None or column.sort in sorts, column.title
    assert len({c.title for c in columns}) == len(columns)  # titles name saved column choices


def test_the_window_shows_the_tables_columns(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    for shown, table in (
        (window.trace_list, trace_page.COLUMNS),
        (window.span_list, span_page.COLUMNS),
    ):
        model = shown.model
        assert [model.headerData(i, _horizontal()) for i in range(model.columnCount())] == [
            c.title for c in table
        ]
        for number, column in enumerate(table):
            if column.width and not shown.view.isColumnHidden(number):
                assert shown.view.columnWidth(number) > shown.fontMetrics().horizontalAdvance(
                    column.width
                )
        hidden = [c.title for c in table if c.hidden]
        assert shown.columns.hidden() == hidden
        # "Match" is there only while the filter searches for text, beside the name
        match = [c.title for c in table].index("Match")
        assert shown.view.isColumnHidden(match)
        assert shown.view.horizontalHeader().visualIndex(match) == 2
    window.query_bar.set_text('"refund policy"')
    match = [c.title for c in trace_page.COLUMNS].index("Match")
    qtbot.waitUntil(lambda: not window.trace_list.view.isColumnHidden(match), timeout=10000)
    qtbot.waitUntil(
        lambda: "refund policy" in str(window.trace_list.model.index(0, match).data()).lower(),
        timeout=20000,
    )
    window.query_bar.set_text("")
    qtbot.waitUntil(lambda: window.trace_list.view.isColumnHidden(match), timeout=10000)
    model = window.trace_list.model
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=10000)
    row = next(r for r in range(model.rowCount()) if model._rows.errors[r])
    errors = [c.title for c in trace_page.COLUMNS].index("Errors")
    assert model.index(row, errors).data(_foreground()) is not None
    assert model.index(row, 0).data(_foreground()) is None
    window.runner.wait()


def _horizontal():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.Orientation.Horizontal


def _foreground():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.ItemDataRole.ForegroundRole
