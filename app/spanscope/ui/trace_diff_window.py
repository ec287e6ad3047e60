"""The diff window of two traces: their merged span trees side by side, kept in step, and the
differences of the selected pair below.

F7 / Shift+F7 go to the next / previous difference, F6 back to the first divergence (selected
on open), Alt+H hides identical spans. The diff is computed in a worker with progress shown;
the selected pair's texts are read and diffed word by word in a worker too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSplitter,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from spanscope.core.metric_deltas import MetricDelta
from spanscope.core.span_diff import SpanPairDiff, diff_spans
from spanscope.core.trace_diff import TraceDiff, diff_traces
from spanscope.store import diff_reads
from spanscope.ui import display
from spanscope.ui.diff_style import foreground
from spanscope.ui.diff_tree_model import DiffTreeModel
from spanscope.ui.keyboard import close_on_escape
from spanscope.ui.pair_diff_view import PairDiffView
from spanscope.ui.trace_titles import trace_title
from spanscope.ui.workers import QueryRunner

EXPAND_ALL_UP_TO = 2000  # larger diffs open two levels deep (and at each difference visited)


class DiffProgress:
    """Progress written by the worker and read by a timer on the UI thread (plain values:
    no Qt object crosses threads)."""

    def __init__(self) -> None:
        self.text = "Reading the spans…"
        self.fraction = 0.0

    def __call__(self, text: str, fraction: float) -> None:
        self.text, self.fraction = text, fraction


def compute_trace_diff(cur: Any, trace_a: str, trace_b: str, progress: DiffProgress) -> TraceDiff:
    """Read both traces and diff them (the worker's body)."""
    for trace in (trace_a, trace_b):
        if not diff_reads.trace_exists(cur, trace):
            raise LookupError(f"no trace {trace} in this database")
    progress("Reading trace A…", 0.0)
    spans_a = diff_reads.diff_rows(cur, trace_a)
    progress("Reading trace B…", 0.1)
    spans_b = diff_reads.diff_rows(cur, trace_b)

    def scaled(text: str, fraction: float) -> None:
        progress(text, 0.2 + 0.8 * fraction)

    return diff_traces(trace_a, trace_b, spans_a, spans_b, scaled)


def compute_pair_diff(
    cur: Any, trace_a: str, span_a: str | None, trace_b: str, span_b: str | None
) -> SpanPairDiff:
    a, b = diff_reads.pair_detail(cur, trace_a, span_a, trace_b, span_b)
    return diff_spans(a or {}, b or {})


class TraceDiffWindow(QWidget):
    """Two traces compared; a top-level window owned by the main window."""

    loaded = Signal(int)  # rows in the merged tree
    pair_shown = Signal(int)  # row whose differences are shown below

    def __init__(
        self, runner: QueryRunner, trace_a: str, trace_b: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        close_on_escape(self)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._runner = runner
        self.trace_a, self.trace_b = trace_a, trace_b
        self.diff: TraceDiff | None = None
        self._group = f"trace-diff-{id(self)}"
        self._pair_group = f"pair-diff-{id(self)}"
        self._syncing = False
        self.setWindowTitle(f"Diff — {trace_a} ↔ {trace_b}")
        self.resize(1380, 860)

        self.heading = QLabel(self)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)  # span names are untrusted
        self.heading.setWordWrap(True)
        self.totals = QLabel(self)
        self.totals.setTextFormat(Qt.TextFormat.PlainText)
        self.totals.setWordWrap(True)
        self.divergence = QLabel(self)
        self.divergence.setTextFormat(Qt.TextFormat.PlainText)
        self.divergence.setWordWrap(True)
        font = self.divergence.font()
        font.setBold(True)
        self.divergence.setFont(font)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress_label = QLabel("Reading the spans…", self)
        self.progress_label.setTextFormat(Qt.TextFormat.PlainText)
        self._poll = QTimer(self)
        self._poll.setInterval(100)
        self._progress = DiffProgress()
        self._poll.timeout.connect(self._show_progress)

        self.next_action = self._action("Next difference", "F7", self.next_difference)
        self.previous_action = self._action(
            "Previous difference", "Shift+F7", lambda: self.next_difference(forward=False)
        )
        self.first_action = self._action("First divergence", "F6", self.go_to_first_divergence)
        self.hide_identical = QCheckBox("&Hide identical", self)
        self.hide_identical.setToolTip("Show only spans that differ and the spans above them")
        self.hide_identical.toggled.connect(self._refilter)

        self.models = (DiffTreeModel("a", self), DiffTreeModel("b", self))
        self.views = (QTreeView(self), QTreeView(self))
        self.labels = (QLabel(self), QLabel(self))
        sides = QSplitter(Qt.Orientation.Horizontal, self)
        for view, model, label in zip(self.views, self.models, self.labels, strict=True):
            self._setup_view(view, model)
            label.setTextFormat(Qt.TextFormat.PlainText)
            box = QWidget(sides)
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(label)
            column.addWidget(view)
            sides.addWidget(box)
        self._connect_views()

        self.pair_title = QLabel("", self)
        self.pair_title.setTextFormat(Qt.TextFormat.PlainText)
        self.pair_title.setWordWrap(True)
        self.pair = PairDiffView(self)
        below = QWidget(self)
        below_layout = QVBoxLayout(below)
        below_layout.setContentsMargins(0, 0, 0, 0)
        below_layout.addWidget(self.pair_title)
        below_layout.addWidget(self.pair, 1)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(sides)
        split.addWidget(below)
        split.setSizes([480, 380])
        split.setChildrenCollapsible(False)

        bar = QHBoxLayout()
        bar.addWidget(self.progress_label)
        bar.addWidget(self.progress, 1)
        bar.addStretch(0)
        for action in (self.first_action, self.previous_action, self.next_action):
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            bar.addWidget(button)
        bar.addWidget(self.hide_identical)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addWidget(self.heading)
        layout.addWidget(self.totals)
        layout.addWidget(self.divergence)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        self.heading.setText(f"A  {trace_a}\nB  {trace_b}")
        self._paint_divergence()
        self.start()

    # -- building ----------------------------------------------------------------------------

    def _action(self, text: str, key: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{text} ({key})")
        action.triggered.connect(lambda _checked=False: slot())
        action.setEnabled(False)
        self.addAction(action)
        return action

    def _setup_view(self, view: QTreeView, model: DiffTreeModel) -> None:
        view.setModel(model)
        view.setUniformRowHeights(True)
        view.setAllColumnsShowFocus(True)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        fm = self.fontMetrics()
        for column, sample in enumerate(
            (
                "~ ⚠ execute_tool get_shipping_status",
                "retriever",
                "gpt-4o-mini-x",
                "12.34 s",
                "12,345 / 1,234",
            )
        ):
            view.setColumnWidth(column, fm.horizontalAdvance(sample) + 16)
        # The kind is the coloured mark before each name: its width goes to "Differs in",
        # which is sized to what it says (the two trees scroll sideways together).
        view.setColumnHidden(1, True)
        view.setColumnWidth(5, fm.horizontalAdvance("messages, tool args, tool results") + 24)

    def _connect_views(self) -> None:
        left, right = self.views
        for one, other in ((left, right), (right, left)):
            one.expanded.connect(lambda index, other=other: self._mirror(other, index, True))
            one.collapsed.connect(lambda index, other=other: self._mirror(other, index, False))
            one.verticalScrollBar().valueChanged.connect(other.verticalScrollBar().setValue)
            one.selectionModel().currentRowChanged.connect(
                lambda current, _previous, other=other: self._current_changed(current, other)
            )

    def _mirror(self, other: QTreeView, index: QModelIndex, expand: bool) -> None:
        model = other.model()
        assert isinstance(model, DiffTreeModel)
        twin = model.index_of(int(index.internalId()))
        if twin.isValid() and other.isExpanded(twin) != expand:
            other.setExpanded(twin, expand)

    # -- loading -----------------------------------------------------------------------------

    def start(self) -> None:
        """Compute the diff in a worker; progress shows meanwhile."""
        self._progress = DiffProgress()
        progress = self._progress
        trace_a, trace_b = self.trace_a, self.trace_b
        self.progress.show()
        self.progress_label.show()
        self.progress.setValue(0)
        self._poll.start()
        self._runner.submit(
            self._group,
            lambda cur: compute_trace_diff(cur, trace_a, trace_b, progress),
            self._loaded,
            self._failed,
        )

    def _show_progress(self) -> None:
        self.progress_label.setText(self._progress.text)
        self.progress.setValue(int(self._progress.fraction * 100))

    def _failed(self, message: str) -> None:
        self._poll.stop()
        self.progress.hide()
        self.progress_label.setText(f"Could not compare the traces: {message}")

    def _loaded(self, diff: TraceDiff) -> None:
        self._poll.stop()
        self.progress.hide()
        self.progress_label.hide()
        self.diff = diff
        self._describe(diff)
        for action in (self.next_action, self.previous_action, self.first_action):
            action.setEnabled(True)
        self._refilter()
        self.loaded.emit(len(diff.statuses))

    def _describe(self, diff: TraceDiff) -> None:
        def root_name(spans: list[dict[str, Any]]) -> str:
            roots = [s for s in spans if not s.get("parent_span_id")] or spans
            return display.one_line(roots[0].get("name"), 80) if roots else "(no spans)"

        self.heading.setText(
            f"A  {root_name(diff.spans_a)}   ·   {diff.trace_a}\n"
            f"B  {root_name(diff.spans_b)}   ·   {diff.trace_b}"
        )
        self.setWindowTitle(
            f"Diff — {trace_title(diff.spans_a, diff.trace_a)} ↔ "
            f"{trace_title(diff.spans_b, diff.trace_b)}"
        )
        counts = diff.counts()
        totals = "   ".join(_total(metric) for metric in diff.totals)
        self.totals.setText(
            f"{counts['changed']} changed, {counts['added']} only in B, {counts['removed']} only "
            f"in A, {counts['same']} identical.      {totals}"
        )
        self.labels[0].setText(f"A — {len(diff.spans_a):,} spans")
        self.labels[1].setText(f"B — {len(diff.spans_b):,} spans")
        first = diff.first_divergence
        if first is None:
            self.divergence.setText(
                "No divergence: the same steps gave the same outputs."
                if not diff.differences()
                else "No step diverged; only enclosing spans differ."
            )
        else:
            self.divergence.setText("First divergence — " + display.one_line(first.reason, 300))

    def _paint_divergence(self) -> None:
        palette = self.divergence.palette()
        colour = foreground("changed", self.palette())
        if colour is not None:
            palette.setColor(palette.ColorRole.WindowText, colour)
        self.divergence.setPalette(palette)

    def _refilter(self) -> None:
        if self.diff is None:
            return
        keep = self.current_row()
        hide = self.hide_identical.isChecked()
        for model in self.models:
            model.set_diff(self.diff, hide)
        for view in self.views:
            if hide or len(self.diff.statuses) <= EXPAND_ALL_UP_TO:
                view.expandAll()
            else:
                view.expandToDepth(1)
        first = self.diff.first_divergence
        target = keep if keep is not None else (first.row if first else None)
        if target is None or target not in self.models[1].tree:
            differences = [r for r in self.diff.differences() if r in self.models[1].tree]
            roots = self.models[1].tree.roots
            target = differences[0] if differences else (roots[0] if roots else None)
        if target is not None:
            self.select_row(target)

    # -- selection ---------------------------------------------------------------------------

    def current_row(self) -> int | None:
        return self.models[1].row_of(self.views[1].currentIndex())

    def select_row(self, row: int) -> None:
        """Select a row of the merged tree in both views (expanding what hides it)."""
        for view, model in zip(self.views, self.models, strict=True):
            up = model.tree.parent.get(row, -1)
            chain = []
            while up >= 0:
                chain.append(up)
                up = model.tree.parent.get(up, -1)
            for ancestor in reversed(chain):
                view.expand(model.index_of(ancestor))
        index = self.models[1].index_of(row)
        self.views[1].setCurrentIndex(index)
        self.views[1].scrollTo(index)

    def _current_changed(self, current: QModelIndex, other: QTreeView) -> None:
        if self._syncing or not current.isValid():
            return
        row = int(current.internalId())
        model = other.model()
        assert isinstance(model, DiffTreeModel)
        self._syncing = True
        try:
            twin = model.index_of(row)
            other.setCurrentIndex(twin)
            other.scrollTo(twin)
        finally:
            self._syncing = False
        self._show_pair(row)

    def _show_pair(self, row: int) -> None:
        if self.diff is None:
            return
        a, b = self.diff.span_ids(row)
        status = self.diff.statuses[row]
        name = display.one_line(self.diff.span(row).get("name"), 100) or "(unnamed span)"
        what = {
            "same": "identical",
            "changed": "changed",
            "added": "only in B",
            "removed": "only in A",
        }[status.status]
        moved = ", moved" if status.moved else ""
        self.pair_title.setText(f"{name}  —  {what}{moved}    A {a or '—'}   B {b or '—'}")
        self.pair.show_note("Comparing the two spans…")
        trace_a, trace_b = self.trace_a, self.trace_b
        self._runner.submit(
            self._pair_group,
            lambda cur: compute_pair_diff(cur, trace_a, a, trace_b, b),
            partial(self._pair_loaded, row),
            lambda message: self.pair.show_note(f"Could not compare the spans: {message}"),
        )

    def _pair_loaded(self, row: int, diff: SpanPairDiff) -> None:
        self.pair.show_diff(diff)
        self.pair_shown.emit(row)

    # -- moving between differences ----------------------------------------------------------

    def next_difference(self, forward: bool = True) -> bool:
        """Select the next (or previous) row that differs, wrapping around."""
        if self.diff is None:
            return False
        shown = [r for r in self.diff.differences() if r in self.models[1].tree]
        if not shown:
            return False
        current = self.current_row()
        if current is None:
            target = shown[0] if forward else shown[-1]
        elif forward:
            target = next((r for r in shown if r > current), shown[0])
        else:
            target = next((r for r in reversed(shown) if r < current), shown[-1])
        self.select_row(target)
        self.views[1].setFocus()
        return True

    def go_to_first_divergence(self) -> bool:
        first = self.diff.first_divergence if self.diff else None
        if first is None or first.row not in self.models[1].tree:
            return False
        self.select_row(first.row)
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        self._poll.stop()
        self._runner.cancel(self._group)
        self._runner.cancel(self._pair_group)
        super().closeEvent(event)


def _total(metric: MetricDelta) -> str:
    def show(value: float | None) -> str:
        if value is None:
            return "—"
        if metric.name == "duration_ns":
            return display.duration(int(value))
        if metric.name == "cost":
            return display.cost(value)
        return display.number(value)

    text = f"{metric.label} {show(metric.a)} → {show(metric.b)}"
    if metric.ratio is not None and metric.delta:
        text += f" (×{metric.ratio:.2f})"
    return text
