"""Searching a phrase through the query bar marks it in the span detail."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette

from spanscope.core.filters import compile_filter
from spanscope.store import queries
from spanscope.ui.highlight import MATCH_CAP, filter_phrases, mark_matches

PHRASE = "refund policy"


def test_filter_phrases() -> None:
    assert filter_phrases('kind:llm "refund policy" -"secret" (a OR b)') == [
        "refund policy",
        "a",
        "b",
    ]
    assert filter_phrases('"unclosed') == []


def test_search_then_open_a_span_marks_the_phrase(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.query_bar.edit.setFocus()
    window.query_bar.edit.clear()
    with qtbot.waitSignal(window.query_bar.query_changed, timeout=10000):
        qtbot.keyClicks(window.query_bar.edit, f'"{PHRASE}" kind:retriever')
        qtbot.keyClick(window.query_bar.edit, Qt.Key.Key_Return)
    detail = window.span_detail
    model = window.trace_list.model
    # The filtered list selects its first trace, whose first span the detail then shows.
    qtbot.waitUntil(
        lambda: (
            model.rowCount() > 0
            and detail.facts is not None
            and detail.facts.trace_id == model.trace_id(0)
        ),
        timeout=10000,
    )
    trace_id = model.trace_id(0)
    where = compile_filter(f'"{PHRASE}" kind:retriever trace:{trace_id}', "spans")
    row = queries.span_page(window.db.reader(), where=where, limit=1).rows.to_pylist()[0]
    detail.show_span(trace_id, row["span_id"])
    qtbot.waitUntil(lambda: detail.facts.span_id == row["span_id"], timeout=10000)
    highlight = window.palette().color(QPalette.ColorRole.Highlight)
    marked = 0
    for chunk in range(detail.chunks.model.rowCount()):
        detail.chunks.select(chunk)
        for selection in detail.chunks.full.extraSelections():
            assert selection.cursor.selectedText().lower() == PHRASE
            assert selection.format.background().color() == highlight
            marked += 1
    assert marked, "no match was marked"


def test_marks_are_capped(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QPlainTextEdit

    editor = QPlainTextEdit()
    qtbot.addWidget(editor)
    editor.setPlainText("Refund Policy. " * (MATCH_CAP + 100))
    assert mark_matches(editor, [PHRASE]) == MATCH_CAP
