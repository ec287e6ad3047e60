"""Choosing the other span of a span diff: a trace id (the marked span's trace, else the
trace shown before) and one of its spans, the likeliest partner preselected."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from spanscope.store import diff_reads
from spanscope.ui import display
from spanscope.ui.workers import QueryRunner

SPAN_ROLE = Qt.ItemDataRole.UserRole


def load_choices(
    cur: Any, trace_id: str, selected: tuple[str, str]
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    return diff_reads.spans_named(cur, trace_id), diff_reads.span_brief(cur, *selected)


def likeliest(spans: list[dict[str, Any]], like: dict[str, Any] | None, skip: str | None) -> int:
    """Index of the span most like ``like`` (same kind and name, then same kind)."""
    if like is None:
        return 0
    for same_name in (True, False):
        for k, span in enumerate(spans):
            if span["span_id"] == skip or span["kind"] != like["kind"]:
                continue
            if not same_name or span["name"] == like["name"]:
                return k
    return 0


class SpanPicker(QDialog):
    """Pick a span; ``chosen`` carries its (trace_id, span_id)."""

    chosen = Signal(str, str)
    loaded = Signal(int)

    def __init__(
        self,
        runner: QueryRunner,
        selected: tuple[str, str],
        trace_id: str,
        marked: tuple[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Diff span with…")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(640, 520)
        self._runner = runner
        self._selected = selected
        self._marked = marked
        self._group = f"span-picker-{id(self)}"
        self._spans: list[dict[str, Any]] = []
        intro = QLabel(f"Compare span {selected[1]} (trace {selected[0]}) with:", self)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        self.trace = QLineEdit(trace_id, self)
        self.trace.setPlaceholderText("trace id")
        self.trace.editingFinished.connect(self.load)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("type to filter by name, kind, model or id")
        self.filter.textChanged.connect(self._fill)
        self.list = QListWidget(self)
        self.list.itemActivated.connect(lambda _item: self.accept())
        self.status = QLabel(self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Diff")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Trace", self.trace)
        form.addRow("Filter", self.filter)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.load()

    def load(self) -> None:
        trace_id, selected = self.trace.text().strip(), self._selected
        if not trace_id:
            return
        self.status.setText("Loading spans…")
        self._runner.submit(
            self._group,
            lambda cur: load_choices(cur, trace_id, selected),
            self._loaded,
            lambda message: self.status.setText(f"Could not load the spans: {message}"),
        )

    def _loaded(self, result: tuple[list[dict[str, Any]], dict[str, Any] | None]) -> None:
        spans, like = result
        self._spans = spans
        trace_id = self.trace.text().strip()
        self.status.setText(f"{len(spans):,} spans" if spans else f"No trace {trace_id} here.")
        self._fill()
        if not spans:
            return
        if self._marked and self._marked[0] == trace_id:
            wanted = next((k for k, s in enumerate(spans) if s["span_id"] == self._marked[1]), 0)
        else:
            skip = self._selected[1] if trace_id == self._selected[0] else None
            wanted = likeliest(spans, like, skip)
        self.list.setCurrentRow(wanted)
        self.loaded.emit(len(spans))

    def _fill(self) -> None:
        needle = self.filter.text().strip().lower()
        current = self.current_span()
        self.list.clear()
        for span in self._spans:
            text = "  ·  ".join(
                str(p)
                for p in (
                    display.one_line(span.get("name"), 80) or "(unnamed span)",
                    span.get("kind") or "",
                    span.get("what") or "",
                    span["span_id"],
                )
                if p
            )
            if needle and needle not in text.lower():
                continue
            item = QListWidgetItem(text)  # plain text: list items never interpret markup
            item.setData(SPAN_ROLE, span["span_id"])
            self.list.addItem(item)
            if span["span_id"] == current:
                self.list.setCurrentItem(item)
        if self.list.currentRow() < 0 and self.list.count():
            self.list.setCurrentRow(0)

    def current_span(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(SPAN_ROLE))

    def accept(self) -> None:
        span = self.current_span()
        if span is None:
            return
        self.chosen.emit(self.trace.text().strip(), span)
        super().accept()

    def done(self, result: int) -> None:
        self._runner.cancel(self._group)
        super().done(result)
