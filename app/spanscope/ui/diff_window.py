"""Opening diffs: of two traces (two selected in the trace list, Ctrl+Shift+D), of two spans
(from the span tree: mark one, then "Diff with marked span", or "Diff span with…" to pick
the other), and of a replay against its original (``open_span_diff``).
"""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QInputDialog, QLabel, QMenu, QVBoxLayout, QWidget

from spanscope.core.span_diff import SpanPairDiff, diff_spans
from spanscope.store import diff_reads
from spanscope.ui import display
from spanscope.ui.keyboard import close_on_escape
from spanscope.ui.pair_diff_view import PairDiffView
from spanscope.ui.span_picker import SpanPicker
from spanscope.ui.trace_diff_window import TraceDiffWindow
from spanscope.ui.window_surface import WindowSurface
from spanscope.ui.workers import QueryRunner

DIFF_TRACES_KEY = "Ctrl+Shift+D"
DIFF_SPAN_KEY = "Ctrl+Shift+W"


class SpanDiffWindow(QWidget):
    """The differences of one pair of spans, in a window of its own."""

    shown = Signal()

    def __init__(
        self,
        runner: QueryRunner,
        a: dict[str, Any],
        b: dict[str, Any],
        title: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        close_on_escape(self)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"Diff — {display.one_line(title, 100)}")
        self.resize(980, 760)
        self._runner = runner
        self._group = f"span-diff-{id(self)}"
        self.heading = QLabel(self)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)
        self.heading.setText(f"A  {_describe(a)}\nB  {_describe(b)}")
        self.view = PairDiffView(self)
        self.view.show_note("Comparing…")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.heading)
        layout.addWidget(self.view, 1)
        # Word diffs of long conversations take a moment: never on the UI thread.
        self._runner.compute(
            self._group,
            lambda: diff_spans(a, b),
            self._computed,
            lambda message: self.view.show_note(f"Could not compare: {message}"),
        )

    def _computed(self, diff: SpanPairDiff) -> None:
        self.view.show_diff(diff)
        self.shown.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._runner.cancel(self._group)
        super().closeEvent(event)


def _describe(span: dict[str, Any]) -> str:
    parts = [
        display.one_line(span.get("name"), 80) or "(unnamed span)",
        str(span.get("kind") or ""),
        str(span.get("model") or span.get("request_model") or span.get("tool_name") or ""),
        f"trace {span.get('trace_id') or '—'}  span {span.get('span_id') or '—'}",
    ]
    return "  ·  ".join(p for p in parts if p)


def open_span_diff(
    parent: QWidget, runner: QueryRunner, a: dict[str, Any], b: dict[str, Any], title: str
) -> QWidget:
    """Show the differences of spans ``a`` and ``b`` (``span_detail``-shaped rows) in a new
    window: messages word by word, tool arguments key by key, parameters and metrics."""
    window = SpanDiffWindow(runner, a, b, title, parent)
    window.show()
    window.raise_()
    return window


def open_trace_diff(window: WindowSurface, trace_a: str, trace_b: str) -> QWidget:
    """Open the diff window of two traces, its trees aligned and the first divergence
    selected once computed."""
    diff = TraceDiffWindow(window.runner, trace_a, trace_b, window.widget)
    diff.show()
    diff.raise_()
    return diff


class DiffEntryPoints:
    """The menu entries, shortcuts and span marks that open diffs from the main window."""

    def __init__(self, window: WindowSurface) -> None:
        self.window = window
        self.marked: tuple[str, str] | None = None  # (trace_id, span_id) marked for a diff
        self.previous_trace: str | None = None  # the trace shown before the current one
        self._current_trace: str | None = None
        self.open_windows: list[QWidget] = []
        menu = window.menu("&Diff")
        self.diff_traces_action = self._add(
            menu, "Diff the two selected &traces", self.diff_selected_traces, DIFF_TRACES_KEY
        )
        self.diff_span_action = self._add(
            menu, "Diff the selected &span with…", self.diff_span_with, DIFF_SPAN_KEY
        )
        self.mark_action = self._add(menu, "&Mark the selected span for a diff", self.mark_span)
        window.extend_trace_menu(self._trace_menu)
        window.extend_tree_menu(self._span_menu)
        window.trace_selected.connect(self._trace_shown)

    def _add(self, menu: QMenu, text: str, slot: Any, key: str | None = None) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(lambda _checked=False: slot())
        if key:
            action.setShortcut(QKeySequence(key))
        return action

    def _trace_shown(self, trace_id: str) -> None:
        if trace_id != self._current_trace:
            self.previous_trace, self._current_trace = self._current_trace, trace_id

    def _keep(self, widget: QWidget) -> QWidget:
        """Remember an open diff window (they delete themselves when closed)."""
        self.open_windows = [w for w in self.open_windows if shiboken6.isValid(w)] + [widget]
        return widget

    # -- traces ------------------------------------------------------------------------------

    def _trace_menu(self, menu: QMenu, trace_ids: list[str]) -> None:
        if len(trace_ids) == 2:
            action = menu.addAction(
                "Diff these two traces", lambda: self.diff_in_time_order(list(trace_ids))
            )
        else:
            action = menu.addAction("Diff with another trace…", self.diff_selected_traces)
            action.setEnabled(len(trace_ids) == 1)
        action.setShortcut(QKeySequence(DIFF_TRACES_KEY))

    def diff_traces(self, trace_a: str, trace_b: str) -> QWidget:
        return self._keep(open_trace_diff(self.window, trace_a, trace_b))

    def diff_in_time_order(self, ids: list[str]) -> None:
        """Diff two traces, the one that started first as A (the run that worked, usually)."""

        def work(cur: Any) -> list[str]:
            starts = diff_reads.trace_starts(cur, ids)
            return sorted(ids, key=lambda t: (starts.get(t) is None, starts.get(t) or 0))

        def open_in_order(found: list[str]) -> None:
            self.diff_traces(*found)

        self.window.runner.submit("diff-order", work, open_in_order)

    def diff_selected_traces(self) -> QWidget | None:
        """Two selected traces: diff them (the older one as A). One: ask for the other,
        offering the trace shown before it."""
        ids = self.window.selected_trace_ids()
        if len(ids) == 2:
            self.diff_in_time_order(ids)
            return None
        if len(ids) != 1:
            self.window.show_message("Select two traces to diff (Ctrl+click the second).")
            return None
        other, ok = QInputDialog.getText(
            self.window.widget,
            "Diff with another trace",
            f"Compare trace {ids[0]} with trace id:",
            text=(self.previous_trace or "") if self.previous_trace != ids[0] else "",
        )
        if not ok or not other.strip():
            return None
        return self.diff_traces(other.strip(), ids[0])

    # -- spans -------------------------------------------------------------------------------

    def _span_menu(self, menu: QMenu, trace_id: str, span_id: str | None) -> None:
        mark = menu.addAction("Mark span for diff", self.mark_span)
        mark.setEnabled(span_id is not None)
        if self.marked is not None and span_id is not None and self.marked != (trace_id, span_id):
            menu.addAction(
                "Diff with marked span", lambda: self.diff_spans(self.marked, (trace_id, span_id))
            )
        pick = menu.addAction("Diff span with…", self.diff_span_with)
        pick.setShortcut(QKeySequence(DIFF_SPAN_KEY))
        pick.setEnabled(span_id is not None)

    def _selected_span(self) -> tuple[str, str] | None:
        trace_id, span_id = self.window.trace_id(), self.window.span_id()
        if trace_id is None or span_id is None:
            self.window.show_message("Select a span in the span tree first.")
            return None
        return trace_id, span_id

    def mark_span(self) -> None:
        """Remember the selected span as side A of the next span diff."""
        selected = self._selected_span()
        if selected is not None:
            self.marked = selected
            self.window.show_message(
                f"Marked span {selected[1]} for a diff: select another span and choose "
                "“Diff with marked span” or press " + DIFF_SPAN_KEY
            )

    def diff_span_with(self) -> SpanPicker | None:
        """Pick the other span: by trace id and span, starting at the marked span's trace
        (else the trace shown before) and at the span most like the selected one."""
        selected = self._selected_span()
        if selected is None:
            return None
        suggested = self.marked[0] if self.marked else (self.previous_trace or selected[0])
        picker = SpanPicker(
            self.window.runner, selected, suggested, self.marked, parent=self.window.widget
        )
        picker.chosen.connect(lambda trace, span: self.diff_spans((trace, span), selected))
        picker.show()
        self._keep(picker)
        return picker

    def diff_spans(self, a: tuple[str, str] | None, b: tuple[str, str]) -> None:
        """Read both spans in a worker, then open their diff."""
        if a is None:
            return

        def work(cur: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
            return diff_reads.pair_detail(cur, a[0], a[1], b[0], b[1])

        self.window.runner.submit("span-diff-read", work, self._spans_read)

    def _spans_read(self, pair: tuple[dict[str, Any] | None, dict[str, Any] | None]) -> None:
        a, b = pair
        if a is None or b is None:
            self.window.show_message("One of the two spans is no longer in the database.")
            return
        title = f"{a.get('name') or a.get('span_id')} ↔ {b.get('name') or b.get('span_id')}"
        self._keep(open_span_diff(self.window.widget, self.window.runner, a, b, title))

    def shutdown(self) -> None:
        pass  # the diff windows are the main window's children: they close with it


def install(window: WindowSurface) -> DiffEntryPoints:
    """Add the Diff menu, its shortcuts and the trace list and span tree entries."""
    return DiffEntryPoints(window)
