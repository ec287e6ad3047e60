"""The trace list: one row per trace, paged lazily from the ``traces`` table.

Pages come from a worker (keyset paging, 200 rows each) already formatted as text, so ``data``
only indexes lists. Sorting re-queries the database; nothing is sorted in memory.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from spanscope.store import queries
from spanscope.ui import display
from spanscope.ui.column_chooser import ColumnChooser
from spanscope.ui.trace_page import COLUMNS, ERRORS_COLUMN, TraceRows, load_page
from spanscope.ui.workers import QueryRunner

Index = QModelIndex | QPersistentModelIndex


class TraceListModel(QAbstractTableModel):
    """Traces, fetched page by page as the view scrolls (``canFetchMore``/``fetchMore``)."""

    count_changed = Signal(int)
    page_loaded = Signal(int)  # rows now loaded
    failed = Signal(str)

    def __init__(self, runner: QueryRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.sort_key, self.descending = "start", True
        self._where: queries.Where | None = None
        self._rows = TraceRows()
        self._more = False
        self._pending = False

    # -- loading -----------------------------------------------------------------------------

    def reload(self, sort: str | None = None, descending: bool | None = None) -> None:
        """Start again from the first page (after an import, a new sort or a new filter)."""
        self.sort_key = sort or self.sort_key
        self.descending = self.descending if descending is None else descending
        self.beginResetModel()
        self._rows = TraceRows()
        self._more, self._pending = True, False
        self.endResetModel()
        self._request_page()
        where_now = self._where
        self._runner.submit(
            "trace-count",
            lambda cur: queries.count(cur, "traces", where_now),
            self.count_changed.emit,
            self.failed.emit,
        )

    @property
    def filtered(self) -> bool:
        return self._where is not None and self._where.sql.strip() != "TRUE"

    def set_filter(self, where: queries.Where | None, reload: bool = True) -> None:
        """Show only the traces ``where`` matches (None for all)."""
        self._where = where
        if reload:
            self.reload()

    def cancel(self) -> None:
        """Stop loading (the list is hidden)."""
        self._runner.cancel("trace-page")
        self._runner.cancel("trace-count")
        self._pending = False

    def _request_page(self) -> None:
        self._pending = True
        args = (self.sort_key, self.descending, self._rows.after, self._where)
        self._runner.submit(
            "trace-page", lambda cur: load_page(cur, *args), self._append, self._page_failed
        )

    def _append(self, page: TraceRows) -> None:
        count = len(page.trace_ids)
        if count:
            start = len(self._rows.trace_ids)
            self.beginInsertRows(QModelIndex(), start, start + count - 1)
            for mine, theirs in zip(self._rows.text, page.text, strict=True):
                mine.extend(theirs)
            self._rows.trace_ids.extend(page.trace_ids)
            self._rows.errors.extend(page.errors)
            self._rows.after = page.after
            self.endInsertRows()
        # Only now: a view or tester reacting to the insertion must not fetch the same page.
        self._pending, self._more = False, page.more
        self.page_loaded.emit(len(self._rows.trace_ids))

    def _page_failed(self, message: str) -> None:
        self._pending, self._more = False, False
        self.failed.emit(f"Could not load traces: {message}")

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self._pending

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._request_page()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column].sort if 0 <= column < len(COLUMNS) else None
        if key is not None:
            self.reload(key, order == Qt.SortOrder.DescendingOrder)

    # -- reading -----------------------------------------------------------------------------

    def trace_id(self, row: int) -> str | None:
        return self._rows.trace_ids[row] if 0 <= row < len(self._rows.trace_ids) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows.trace_ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows.text[column][row]
        if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[column].numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and column == ERRORS_COLUMN
            and self._rows.errors[row]
        ):
            return display.error_colour(QGuiApplication.palette())
        if role == Qt.ItemDataRole.UserRole:
            return self._rows.trace_ids[row]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[section].sort:
            return "Click to sort (the database sorts every trace, not only those loaded)"
        return None


class TraceList(QWidget):
    """The trace list panel: a table over :class:`TraceListModel`; header clicks sort."""

    trace_selected = Signal(str)

    def __init__(self, runner: QueryRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = TraceListModel(runner, self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.view.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.sortIndicatorChanged.connect(self._sort_requested)
        self._sorted_column = 0
        self._set_widths()
        self.columns = ColumnChooser(self.view, [c.title for c in COLUMNS], "columns/traces")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)

    def _set_widths(self) -> None:
        fm = self.fontMetrics()
        samples = (
            "2026-11-28 14:02:13.512",
            "invoke_agent support-agent",
            "checkout-assistant",
            "12.34 s",
            "Spans",
            "LLM",
            "Tools",
            "Errors",
            "12,345 / 1,234",
            "$0.0012",
            "gpt-4o-mini-2024-07-18",
            "u_1234",
        )
        for column, sample in enumerate(samples):
            self.view.setColumnWidth(column, fm.horizontalAdvance(sample) + 24)

    def sort_by(self, key: str, descending: bool) -> None:
        """Sort by a server-side key on the next load, and show it on the header."""
        column = next((i for i, c in enumerate(COLUMNS) if c.sort == key), 0)
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        header = self.view.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(column, order)
        header.blockSignals(False)
        self._sorted_column = column
        self.model.sort_key, self.model.descending = COLUMNS[column].sort or "start", descending

    def _sort_requested(self, column: int, order: Qt.SortOrder) -> None:
        header = self.view.horizontalHeader()
        if COLUMNS[column].sort is None:
            # Columns the database cannot sort by keep the current sort and its indicator.
            current = (
                Qt.SortOrder.DescendingOrder
                if self.model.descending
                else Qt.SortOrder.AscendingOrder
            )
            header.blockSignals(True)
            header.setSortIndicator(self._sorted_column, current)
            header.blockSignals(False)
            return
        if column != self._sorted_column:
            order = Qt.SortOrder.DescendingOrder  # biggest / latest first on a new column
            header.blockSignals(True)
            header.setSortIndicator(column, order)
            header.blockSignals(False)
        self._sorted_column = column
        self.model.sort(column, order)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        trace_id = self.model.trace_id(current.row()) if current.isValid() else None
        if trace_id:
            self.trace_selected.emit(trace_id)

    def reload(self) -> None:
        self.model.reload()

    def select_row(self, row: int) -> None:
        self.view.selectRow(row)
        self.view.setCurrentIndex(self.model.index(row, 0))
