"""Step-through of a trace: a window that walks its spans in the order they started.

A scrubber and the keys (Right/N next, Left/P previous, Home/End, F first failure, F8 next
failure) move through the steps; the list shows every step with its time, branch and the
tokens and cost spent so far; the detail below shows what the model saw and did at that
step (the conversation as sent, the tool call and its result, the retrieved chunks).
The steps are computed in a worker (``core.replay_steps``); each span's detail loads on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSlider,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from spanscope.core.replay_steps import Step, StepThrough, build_steps
from spanscope.store import Database
from spanscope.store.replays import step_rows
from spanscope.ui import display
from spanscope.ui.keyboard import close_on_escape
from spanscope.ui.span_detail import SpanDetail
from spanscope.ui.step_news import NewSinceLastCall
from spanscope.ui.trace_titles import trace_title
from spanscope.ui.workers import QueryRunner

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("#", "Time", "Span", "Kind", "Branch", "What happened", "Tokens so far", "Cost so far")


class StepModel(QAbstractTableModel):
    """The steps of one trace as table rows (a thin adapter over :class:`StepThrough`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.steps: StepThrough | None = None
        self.error_colour = display.error_colour(parent.palette() if parent else QPalette())

    def set_steps(self, steps: StepThrough | None) -> None:
        self.beginResetModel()
        self.steps = steps
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.steps is None else len(self.steps.steps)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.steps is None:
            return None
        step = self.steps.steps[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell(step, index.column())
        if role == Qt.ItemDataRole.ForegroundRole and step.failure:
            return self.error_colour if index.column() == 5 else None
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 2:
            return display.kind_icon(step.span.get("kind"))
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (0, 1, 6, 7):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def cell(step: Step, column: int) -> str:
    span = step.span
    if column == 0:
        return str(step.index + 1)
    if column == 1:
        return "+" + display.duration(step.elapsed_ns)
    if column == 2:
        return "  " * step.depth + display.one_line(span.get("name") or "(unnamed)", 80)
    if column == 3:
        return str(span.get("kind") or "")
    if column == 4:
        return f"{step.branch.position} of {step.branch.size}" if step.branch else ""
    if column == 5:
        return happened(step)
    if column == 6:
        return so_far_tokens(step)
    return so_far_cost(step)


def so_far_tokens(step: Step) -> str:
    """Tokens spent up to this step: "0 / 0" before the first model call, never blank."""
    inp, out = step.input_tokens_so_far or 0, step.output_tokens_so_far or 0
    return f"{display.number(inp)} / {display.number(out)}"


def so_far_cost(step: Step) -> str:
    """Cost up to this step: "$0" before the first priced call, never blank."""
    return display.cost(step.cost_so_far or 0.0)


def happened(step: Step) -> str:
    """One line: what this step did, and how it failed when it did."""
    span = step.span
    kind = span.get("kind")
    if step.failure == "empty retrieval":
        return "retrieved nothing"
    if step.failure:
        what = "tool failed" if step.failure == "tool failure" else "error"
        return f"{what}: {display.one_line(span.get('status_message') or span.get('error_type') or '', 80)}"
    if kind == "llm":
        return f"model call {display.one_line(span.get('model'), 80)} · {display.tokens(span.get('input_tokens'), span.get('output_tokens'))}"
    if kind == "tool":
        return f"ran tool {display.one_line(span.get('tool_name') or span.get('name'), 80)}"
    if kind in ("retriever", "reranker"):
        return f"retrieved {span.get('document_count') or 0} chunks"
    return display.duration(span.get("duration_ns"))


class StepThroughWindow(QWidget):
    """A window stepping through one trace."""

    step_changed = Signal(int)  # index of the step shown
    loaded = Signal(int)  # number of steps
    replay_requested = Signal(str, str)  # trace_id, span_id of an llm step

    def __init__(
        self, db: Database, trace_id: str, parent: QWidget | None = None, at_span: str | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        close_on_escape(self)
        self._at_span = at_span
        self.setWindowTitle(f"Step through trace {trace_id}")
        self.trace_id = trace_id
        # Its own runner: the span detail here must not cancel the main window's.
        self.runner = QueryRunner(db, self)
        self.steps: StepThrough | None = None
        self.current = -1
        self.model = StepModel(self)
        self.header = QLabel("Loading the trace…", self)
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.header.setWordWrap(True)
        self.failure = QLabel(self)
        self.failure.setTextFormat(Qt.TextFormat.PlainText)
        self.failure.setWordWrap(True)
        palette = self.failure.palette()
        palette.setColor(self.failure.foregroundRole(), display.error_colour(self.palette()))
        self.failure.setPalette(palette)
        self.scrubber = QSlider(Qt.Orientation.Horizontal, self)
        self.scrubber.setRange(0, 0)
        self.scrubber.setPageStep(10)
        self.scrubber.valueChanged.connect(self.go_to)
        self.previous_button = self._button(
            "◀ Previous", "Previous step (Left or P)", self.previous
        )
        self.next_button = self._button("Next ▶", "Next step (Right or N)", self.next)
        self.failure_button = self._button(
            "First failure", "The step where things first went wrong (F)", self.first_failure
        )
        self.next_failure_button = self._button(
            "Next failure", "The next step that failed (F8)", self.next_failure
        )
        self.replay_button = self._button(
            "Replay this call…", "Re-run this model call against an endpoint", self._replay
        )
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 44), (1, 80), (3, 80), (4, 60), (5, 300), (6, 120), (7, 90)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.go_to(current.row())
        )
        self.detail = SpanDetail(self.runner, self)
        self.detail.failed.connect(self.header.setText)
        # a model call shows what is new since the last
        self.news = NewSinceLastCall(self, trace_id, self.detail, self.runner)
        self.step_changed.connect(
            lambda index: self.news.step_shown(self.steps, index) if self.steps else None
        )

        buttons = QHBoxLayout()
        for button in (self.previous_button, self.next_button):
            buttons.addWidget(button)
        buttons.addWidget(self.scrubber, 1)
        for button in (self.failure_button, self.next_failure_button, self.replay_button):
            buttons.addWidget(button)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setSizes([300, 520])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.header)
        layout.addWidget(self.failure)
        layout.addWidget(self.news.bar)
        layout.addWidget(split, 1)
        for keys, slot in (
            (("Right", "N"), self.next),
            (("Left", "P"), self.previous),
            (("Home",), lambda: self.go_to(0)),
            (("End",), lambda: self.go_to(len(self.steps.steps) - 1 if self.steps else -1)),
            (("F",), self.first_failure),
            (("F8",), self.next_failure),
        ):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.activated.connect(slot)
        self.resize(1200, 860)
        self._set_enabled(False)
        self.runner.submit(
            "replay-steps",
            lambda cur: build_steps(trace_id, step_rows(cur, trace_id)),
            self._loaded,
            lambda message: self.header.setText(f"Could not load the trace: {message}"),
        )

    def _button(self, text: str, tip: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text, self)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the steps
        button.clicked.connect(lambda _checked=False: slot())
        return button

    def _set_enabled(self, on: bool) -> None:
        for widget in (self.previous_button, self.next_button, self.scrubber):
            widget.setEnabled(on)
        has_failure = bool(self.steps and self.steps.failures)
        self.failure_button.setEnabled(on and has_failure)
        self.next_failure_button.setEnabled(on and has_failure)

    def _loaded(self, steps: StepThrough) -> None:
        self.steps = steps
        self.model.set_steps(steps)
        count = len(steps.steps)
        if not count:
            self.header.setText("This trace has no spans.")
            return
        title = trace_title([step.span for step in steps.steps], self.trace_id)
        self.setWindowTitle(f"Step through — {title}")
        self.scrubber.setRange(0, count - 1)
        self._set_enabled(True)
        first = steps.steps[steps.first_failure].span if steps.first_failure is not None else None
        if first is not None:
            self.failure_button.setToolTip(
                f"Step {steps.first_failure + 1}: {display.one_line(first.get('name'), 60)} (F)"  # type: ignore[operator]
            )
        self.loaded.emit(count)
        self.current = -1
        start = steps.index_of(self._at_span) if self._at_span else None
        self.go_to(start or 0)
        self.table.setFocus()

    # -- navigation --------------------------------------------------------------------------

    def go_to(self, index: int) -> bool:
        """Show step ``index`` (0-based); False when there is no such step."""
        if self.steps is None or not 0 <= index < len(self.steps.steps):
            return False
        if index == self.current:
            return True
        self.current = index
        step = self.steps.steps[index]
        self.scrubber.blockSignals(True)
        self.scrubber.setValue(index)
        self.scrubber.blockSignals(False)
        if self.table.currentIndex().row() != index:
            self.table.setCurrentIndex(self.model.index(index, 0))
        self.table.scrollTo(self.model.index(index, 0))
        self.header.setText(describe(step, len(self.steps.steps), self.steps))
        self.failure.setText(happened(step) if step.failure else "")
        self.failure.setVisible(bool(step.failure))
        self.replay_button.setEnabled(step.span.get("kind") == "llm")
        self.detail.show_span(self.trace_id, step.span_id)
        self.step_changed.emit(index)
        return True

    def next(self) -> bool:
        return self.go_to(self.current + 1)

    def previous(self) -> bool:
        return self.go_to(self.current - 1)

    def first_failure(self) -> bool:
        if self.steps is None or self.steps.first_failure is None:
            return False
        return self.go_to(self.steps.first_failure)

    def next_failure(self) -> bool:
        if self.steps is None:
            return False
        target = self.steps.next_failure(self.current)
        return target is not None and self.go_to(target)

    def _replay(self) -> None:
        if self.steps is not None and self.current >= 0:
            self.replay_requested.emit(self.trace_id, self.steps.steps[self.current].span_id)

    def shutdown(self) -> None:
        self.runner.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)


def describe(step: Step, count: int, steps: StepThrough) -> str:
    """The header line: where this step is and what had been spent by then."""
    parts = [
        f"Step {step.index + 1} of {count}",
        f"+{display.duration(step.elapsed_ns)} into the trace",
        f"{step.span.get('kind') or 'span'} “{display.one_line(step.span.get('name'), 80)}”",
        f"tokens so far {so_far_tokens(step)}",
        f"cost so far {so_far_cost(step)}",
    ]
    if step.branch is not None:
        names = [
            display.one_line(steps.steps[i].span.get("name"), 30)
            for i in (steps.index_of(s) for s in step.branch.siblings)
            if i is not None and steps.steps[i].span_id != step.span_id
        ]
        parts.append(
            f"parallel branch {step.branch.position} of {step.branch.size}"
            + (f" (alongside {', '.join(names[:4])})" if names else "")
        )
    return " · ".join(parts)
