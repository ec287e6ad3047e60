"""The diff window driven as a person would: two traces selected in the list, Diff, then the
differences stepped through with the keyboard; and a span diffed with a marked span."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt

from diff_runs import BAD, GOOD, two_runs
from otlp_builder import LLM, RETRIEVER
from spanscope.store import Database
from spanscope.ui.diff_window import SpanDiffWindow, open_span_diff
from spanscope.ui.trace_diff_window import TraceDiffWindow


def select_both(window) -> None:  # type: ignore[no-untyped-def]
    view = window.trace_list.view
    selection = view.selectionModel()
    for row in range(2):
        selection.select(
            window.trace_list.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    assert sorted(window.trace_list.selected_ids()) == [GOOD, BAD]


def open_diff(qtbot, window) -> TraceDiffWindow:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.trace_list.model.rowCount() == 2, timeout=10000)
    select_both(window)
    window.features["diff"].diff_traces_action.trigger()
    qtbot.waitUntil(
        lambda: any(isinstance(w, TraceDiffWindow) for w in window.features["diff"].open_windows),
        timeout=10000,
    )
    diff_window = window.features["diff"].open_windows[-1]
    qtbot.waitUntil(lambda: diff_window.diff is not None, timeout=10000)
    return diff_window


def test_diff_from_the_list_steps_through_differences_with_the_keyboard(
    qtbot, tmp_path: Path, open_window
) -> None:  # type: ignore[no-untyped-def]
    db = Database.open(two_runs(tmp_path))
    try:
        window = open_window(db)
        diff_window = open_diff(qtbot, window)
        diff = diff_window.diff
        # Older trace first; the first divergence (the re-ranked retrieval) is selected.
        assert (diff.trace_a, diff.trace_b) == (GOOD, BAD)
        assert diff.first_divergence is not None
        assert diff_window.current_row() == diff.first_divergence.row
        assert diff.span_ids(diff_window.current_row()) == (RETRIEVER, RETRIEVER)
        assert "First divergence" in diff_window.divergence.text()
        qtbot.waitUntil(lambda: diff_window.pair.diff is not None, timeout=10000)
        assert diff_window.pair.diff.changes == ["documents"]
        assert "re-ranked" not in diff_window.pair.toPlainText()  # the word shown is "reranked"
        assert "reranked" in diff_window.pair.toPlainText()

        # Both trees show the same row; F7 moves both to the next difference (the llm call).
        left, right = diff_window.views
        assert left.currentIndex().internalId() == right.currentIndex().internalId()
        right.setFocus()
        qtbot.keyClick(right, Qt.Key.Key_F7)
        assert diff.span_ids(diff_window.current_row()) == (LLM, LLM)
        assert left.currentIndex().internalId() == right.currentIndex().internalId()
        qtbot.waitUntil(
            lambda: (
                diff_window.pair.diff is not None and diff_window.pair.diff.changes == ["messages"]
            ),
            timeout=10000,
        )
        assert "shipping" in diff_window.pair.toPlainText()
        qtbot.keyClick(right, Qt.Key.Key_F7, Qt.KeyboardModifier.ShiftModifier)
        assert diff.span_ids(diff_window.current_row()) == (RETRIEVER, RETRIEVER)

        # Hide identical leaves the root (above the differences) and the two that differ.
        diff_window.hide_identical.setChecked(True)
        assert len(diff_window.models[1].tree) == 3
        assert diff.span_ids(diff_window.current_row()) == (RETRIEVER, RETRIEVER)
        diff_window.close()
        window.runner.wait()
    finally:
        db.close()


def test_a_span_diffed_with_a_marked_span(qtbot, tmp_path: Path, open_window) -> None:  # type: ignore[no-untyped-def]
    db = Database.open(two_runs(tmp_path))
    try:
        window = open_window(db)
        entry = window.features["diff"]
        # Let the window settle on the trace it selects by itself first.
        qtbot.waitUntil(lambda: window.span_tree.current_span_id() is not None, timeout=10000)
        window.span_tree.show_trace(GOOD, LLM)
        qtbot.waitUntil(lambda: window.span_tree.current_span_id() == LLM, timeout=10000)
        entry.mark_span()
        assert entry.marked == (GOOD, LLM)
        window.span_tree.show_trace(BAD, LLM)
        qtbot.waitUntil(
            lambda: window.span_tree.trace_id == BAD and window.span_tree.current_span_id() == LLM,
            timeout=10000,
        )
        entry.diff_spans(entry.marked, (BAD, LLM))
        qtbot.waitUntil(
            lambda: any(isinstance(w, SpanDiffWindow) for w in entry.open_windows), timeout=10000
        )
        span_window = entry.open_windows[-1]
        qtbot.waitUntil(lambda: span_window.view.diff is not None, timeout=10000)
        assert span_window.view.diff.changes == ["messages"]
        span_window.close()
        window.runner.wait()
    finally:
        db.close()


def test_open_span_diff_shows_untrusted_text_as_plain_text(
    qtbot, tmp_path: Path, open_window
) -> None:  # type: ignore[no-untyped-def]
    db = Database.open(tmp_path / "empty.duckdb")
    try:
        window = open_window(db)
        a = {
            "span_id": "a",
            "kind": "llm",
            "output_messages": [{"role": "assistant", "content": "<b>bold</b> old"}],
        }
        b = {
            "span_id": "b",
            "kind": "llm",
            "output_messages": [{"role": "assistant", "content": "<b>bold</b> <img src=x> new"}],
        }
        shown = open_span_diff(window, window.runner, a, b, "replay vs original")
        qtbot.waitUntil(lambda: shown.view.diff is not None, timeout=10000)
        text = shown.view.toPlainText()
        assert "<b>bold</b>" in text and "<img src=x>" in text  # shown, not interpreted
        shown.close()
        window.runner.wait()
    finally:
        db.close()
