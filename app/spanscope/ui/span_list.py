"""The span list: one row per span across traces (e.g. every llm call of the last hour),
paged lazily by keyset from ``spans`` and sorted by the database.

Selecting a row shows its trace with that span selected; Enter or a double-click also moves
the focus there. Columns are chosen from the header's context menu.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from spanscope.store import queries
from spanscope.ui import display
from spanscope.ui.column_chooser import ColumnChooser
from spanscope.ui.span_page import COLUMNS, HIDDEN_BY_DEFAULT, STATUS_COLUMN, SpanRows, load_page
from spanscope.ui.workers import QueryRunner

Index = QModelIndex | QPersistentModelIndex
KIND_COLUMN = 2


class SpanListModel(QAbstractTableModel):
    """Spans, fetched page by page as the view scrolls (``canFetchMore``/``fetchMore``)."""

    count_changed = Signal(int)
    page_loaded = Signal(int)  # rows now loaded
    failed = Signal(str)

    def __init__(self, runner: QueryRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.sort_key, self.descending = "start", True
        self._where: queries.Where | None = None
        self._rows = SpanRows()
        self._more = False
        self._pending = False

    def reload(self, sort: str | None = None, descending: bool | None = None) -> None:
        """Start again from the first page (after an import, a new sort or a new filter)."""
        self.sort_key = sort or self.sort_key
        self.descending = self.descending if descending is None else descending
        self.beginResetModel()
        self._rows = SpanRows()
        self._more, self._pending = True, False
        self.endResetModel()
        self._request_page()
        where_now = self._where
        self._runner.submit(
            "span-count",
            lambda cur: queries.count(cur, "spans", where_now),
            self.count_changed.emit,
            self.failed.emit,
        )

    def cancel(self) -> None:
        """Stop loading (the list is hidden)."""
        self._runner.cancel("span-page")
        self._runner.cancel("span-count")
        self._pending = False

    @property
    def filtered(self) -> bool:
        return self._where is not None and self._where.sql.strip() != "TRUE"

    def set_filter(self, where: queries.Where | None, reload: bool = True) -> None:
        """Show only the spans ``where`` matches (None for all)."""
        self._where = where
        if reload:
            self.reload()

    def _request_page(self) -> None:
        self._pending = True
        args = (self.sort_key, self.descending, self._rows.after, self._where)
        self._runner.submit(
            "span-page", lambda cur: load_page(cur, *args), self._append, self._page_failed
        )

    def _append(self, page: SpanRows) -> None:
        count = len(page.span_ids)
        if count:
            start = len(self._rows.span_ids)
            self.beginInsertRows(QModelIndex(), start, start + count - 1)
            for mine, theirs in zip(self._rows.text, page.text, strict=True):
                mine.extend(theirs)
            for name in ("trace_ids", "span_ids", "errors", "kinds"):
                getattr(self._rows, name).extend(getattr(page, name))
            self._rows.after = page.after
            self.endInsertRows()
        # Only now: a view or tester reacting to the insertion must not fetch the same page.
        self._pending, self._more = False, page.more
        self.page_loaded.emit(len(self._rows.span_ids))

    def _page_failed(self, message: str) -> None:
        self._pending, self._more = False, False
        self.failed.emit(f"Could not load spans: {message}")

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

    def span_at(self, row: int) -> tuple[str, str] | None:
        """(trace_id, span_id) of a row."""
        if 0 <= row < len(self._rows.span_ids):
            return self._rows.trace_ids[row], self._rows.span_ids[row]
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows.span_ids)

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
        if role == Qt.ItemDataRole.ForegroundRole:
            if self._rows.errors[row] and column in (1, STATUS_COLUMN):
                return display.error_colour(QGuiApplication.palette())
            if column == KIND_COLUMN:
                return display.kind_colour(self._rows.kinds[row])
            return None
        if role == Qt.ItemDataRole.DecorationRole and column == 1:
            return display.kind_icon(self._rows.kinds[row])
        if role == Qt.ItemDataRole.UserRole:
            return self._rows.span_ids[row]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = "Right-click to choose columns"
            if COLUMNS[section].sort:
                tip = "Click to sort (the database sorts every span). " + tip
            return tip
        return None


class SpanList(QWidget):
    """The span list panel: a table over :class:`SpanListModel`; header clicks sort."""

    span_selected = Signal(str, str)  # trace_id, span_id
    span_opened = Signal(str, str)

    def __init__(self, runner: QueryRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = SpanListModel(runner, self)
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
        self.columns = ColumnChooser(
            self.view, [c.title for c in COLUMNS], "columns/spans", HIDDEN_BY_DEFAULT
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.view.activated.connect(self._activated)

    def _set_widths(self) -> None:
        fm = self.fontMetrics()
        samples = (
            "2026-11-28 14:02:13.512",
            "execute_tool lookup_order",
            "retriever",
            "gpt-4o-mini-2024-07-18",
            "error",
            "12.34 s",
            "12,345 / 1,234",
            "$0.0012",
            "checkout-assistant",
            "u_1234",
            "s_10a25b195f49",
            "0af7651916cd43dd",
        )
        for column, sample in enumerate(samples):
            self.view.setColumnWidth(column, fm.horizontalAdvance(sample) + 24)

    def sort_by(self, key: str, descending: bool) -> None:
        """Sort by a server-side key (``start``, ``duration``, ``tokens``, ``cost``, ``errors``)
        and show it on the header."""
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
        span = self.model.span_at(current.row()) if current.isValid() else None
        if span:
            self.span_selected.emit(*span)

    def _activated(self, index: QModelIndex) -> None:
        span = self.model.span_at(index.row())
        if span:
            self.span_opened.emit(*span)

    def reload(self) -> None:
        self.model.reload()

    def select_row(self, row: int) -> None:
        self.view.selectRow(row)
        self.view.setCurrentIndex(self.model.index(row, 0))
