"""The facets sidebar: for kind, model, provider, service, status, user and tag, the most
frequent values under the current filter, with counts.

Each facet is its own query in its own runner group, so a new filter cancels the old ones,
and has its own time budget: a facet that takes longer has its query interrupted and says
"timed out" instead of holding anything up. A click adds ``field:value`` to the filter;
Ctrl- or Alt-click adds the negation ``-field:value``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from spanscope.core.filter_value import EVERYTHING, Filter
from spanscope.core.filters import FIELDS
from spanscope.store import facets as store_facets
from spanscope.store.facets import FACETS, Facet, FacetCounts
from spanscope.store.queries import Where
from spanscope.ui import display
from spanscope.ui.filter_completion import term
from spanscope.ui.tooltips import literal_tip
from spanscope.ui.workers import QueryRunner

Index = QModelIndex | QPersistentModelIndex
BUDGET_MS = 300
TOP_K = 8


class FacetModel(QAbstractTableModel):
    """Values and counts of one facet: column 0 the value, column 1 its count."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.values: tuple[tuple[str, int], ...] = ()

    def set_values(self, values: tuple[tuple[str, int], ...]) -> None:
        self.beginResetModel()
        self.values = values
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.values)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 2

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value, n = self.values[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return display.one_line(value, 60) if index.column() == 0 else f"{n:,}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return literal_tip(f"{value}: {n:,}\nClick to filter; Ctrl- or Alt-click to exclude")
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return value
        return None


class FacetValues(QTableView):
    """The value rows of one facet; reports a click with whether to negate."""

    picked = Signal(str, bool)  # value, negate

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        super().mouseReleaseEvent(event)
        if index.isValid() and event.button() == Qt.MouseButton.LeftButton:
            negate = bool(
                event.modifiers()
                & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
            )
            self.picked.emit(index.data(Qt.ItemDataRole.UserRole), negate)

    def keyPressEvent(self, event: Any) -> None:
        index = self.currentIndex()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and index.isValid():
            negate = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
            self.picked.emit(index.data(Qt.ItemDataRole.UserRole), negate)
            return
        super().keyPressEvent(event)


class FacetBox(QWidget):
    """One facet: a header saying what it counts, then its values."""

    def __init__(self, facet: Facet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.facet = facet
        self.model = FacetModel(self)
        self.header = QLabel(self)
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        font = self.header.font()
        font.setBold(True)
        self.header.setFont(font)
        self.state = QLabel(self)
        self.state.setTextFormat(Qt.TextFormat.PlainText)
        muted = self.state.palette()
        muted.setColor(muted.ColorRole.WindowText, display.muted_colour(self.palette()))
        self.state.setPalette(muted)
        self.view = FacetValues(self)
        self.view.setModel(self.model)
        self.view.setShowGrid(False)
        self.view.horizontalHeader().hide()
        self.view.verticalHeader().hide()
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setCursor(Qt.CursorShape.PointingHandCursor)
        rows = self.view.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 4)
        columns = self.view.horizontalHeader()
        columns.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        columns.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 2)
        layout.setSpacing(1)
        layout.addWidget(self.header)
        layout.addWidget(self.state)
        layout.addWidget(self.view)
        self.counts: FacetCounts | None = None
        self.timed_out = False
        self._title()
        self._fit()

    def _title(self, suffix: str = "") -> None:
        self.header.setText(f"{self.facet.title}  ·  {self.facet.table}{suffix}")

    def _fit(self) -> None:
        rows = self.model.rowCount()
        self.view.setVisible(rows > 0)
        self.view.setFixedHeight(rows * self.view.verticalHeader().defaultSectionSize() + 2)

    def set_loading(self) -> None:
        self.state.setText("counting…" if self.counts is None else "")
        self.state.setVisible(self.counts is None)

    def set_counts(self, counts: FacetCounts) -> None:
        self.counts, self.timed_out = counts, False
        self.model.set_values(counts.values)
        shown = len(counts.values)
        self._title(f"  ·  {shown} or more" if counts.more else "")
        self.state.setText("none under this filter" if not shown else "")
        self.state.setVisible(not shown)
        self._fit()

    def set_timed_out(self, budget_ms: int) -> None:
        self.counts, self.timed_out = None, True
        self.model.set_values(())
        self._title()
        self.state.setText(f"timed out (over {budget_ms} ms)")
        self.state.show()
        self._fit()

    def set_failed(self, message: str) -> None:
        self.counts = None
        self.model.set_values(())
        self.state.setText(f"could not count: {message}")
        self.state.show()
        self._fit()


class FacetsPanel(QScrollArea):
    """Every facet, recounted for each filter; :attr:`term_picked` carries the term to add."""

    term_picked = Signal(str)
    settled = Signal()  # every facet has its counts, a time-out or an error
    _started = Signal(str, int)  # facet field, refresh number: its query began in a worker

    def __init__(
        self, runner: QueryRunner, parent: QWidget | None = None, budget_ms: int = BUDGET_MS
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self.budget_ms = budget_ms
        self._refresh = 0
        self._waiting: set[str] = set()
        shown = [*FACETS, store_facets.LABEL] if "label" in FIELDS else list(FACETS)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 0, 6, 6)
        layout.setSpacing(4)
        self.boxes: dict[str, FacetBox] = {}
        self._timers: dict[str, QTimer] = {}
        for facet in shown:
            box = FacetBox(facet, body)
            box.view.picked.connect(
                lambda value, negate, f=facet.field: self._pick(f, value, negate)
            )
            layout.addWidget(box)
            self.boxes[facet.field] = box
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(lambda f=facet.field: self._time_out(f))
            self._timers[facet.field] = timer
        layout.addStretch(1)
        self.setWidget(body)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._started.connect(self._query_started, Qt.ConnectionType.QueuedConnection)

    def refresh(self, applied: Filter = EVERYTHING) -> None:
        """Recount every facet under the applied filter (cancelling counts still running)."""
        self._refresh += 1
        number = self._refresh
        wheres = {"traces": applied.traces, "spans": applied.spans}
        self._waiting = set(self.boxes)
        for field, box in self.boxes.items():
            self._timers[field].stop()
            box.set_loading()
            where = wheres[box.facet.table]
            self._submit(field, where, number)

    def _submit(self, field: str, where: Where, number: int) -> None:
        self._runner.submit(
            f"facet-{field}",
            lambda cur: self._count(cur, field, where, number),
            lambda counts: self._counted(field, counts),
            lambda message: self._failed(field, message),
        )

    def cancel(self) -> None:
        for field in self.boxes:
            self._timers[field].stop()
            self._runner.cancel(f"facet-{field}")

    def _count(self, cur: Any, field: str, where: Where, number: int) -> FacetCounts:
        """Worker side: start the clock on the UI thread, then count."""
        self._started.emit(field, number)
        return store_facets.facet_counts(cur, field, where, TOP_K)

    def _query_started(self, field: str, number: int) -> None:
        if number == self._refresh and field in self._waiting:
            self._timers[field].start(self.budget_ms)

    def _counted(self, field: str, counts: FacetCounts) -> None:
        self._timers[field].stop()
        self.boxes[field].set_counts(counts)
        self._done(field)

    def _failed(self, field: str, message: str) -> None:
        self._timers[field].stop()
        self.boxes[field].set_failed(message)
        self._done(field)

    def _time_out(self, field: str) -> None:
        if field not in self._waiting:
            return
        self._runner.cancel(f"facet-{field}")  # interrupts the cursor; its result is dropped
        self.boxes[field].set_timed_out(self.budget_ms)
        self._done(field)

    def _done(self, field: str) -> None:
        self._waiting.discard(field)
        if not self._waiting:
            self.settled.emit()

    def _pick(self, field: str, value: str, negate: bool) -> None:
        self.term_picked.emit(term(field, value, negate))
