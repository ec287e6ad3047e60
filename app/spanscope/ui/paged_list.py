"""A list paged lazily by keyset from one table and sorted by the database.

:class:`PagedListModel` and :class:`PagedList` hold what the trace list and the span list share;
each of those names its table, columns, page loader and what selecting a row means.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from spanscope.store import queries
from spanscope.ui import display
from spanscope.ui.column_chooser import ColumnChooser
from spanscope.ui.page_rows import Column, PageRequest, PageRows
from spanscope.ui.workers import QueryRunner

Index = QModelIndex | QPersistentModelIndex
PageLoader = Callable[[Any, PageRequest], PageRows]  # (cursor, request) -> the page, formatted


class PagedListModel(QAbstractTableModel):
    """Rows fetched page by page as the view scrolls (``canFetchMore``/``fetchMore``).

    Sorting and filtering re-query the database; nothing is sorted in memory.
    """

    count_changed = Signal(int)
    page_loaded = Signal(int)  # rows now loaded
    searching = Signal(bool)  # the filter searches for text (or no longer does)
    failed = Signal(str)

    table: str  # counted for ``count_changed``, and named when a page fails
    group: str  # the runner groups are "<group>-page" and "<group>-count"
    columns: tuple[Column, ...]
    rows_type: type[PageRows]
    load_page: PageLoader  # a staticmethod; runs in a worker

    def __init__(self, runner: QueryRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.sort_key, self.descending = "start", True
        self._where: queries.Where | None = None
        self._rows = self._no_rows()
        self._more = False
        self._pending = False

    # -- loading -----------------------------------------------------------------------------

    def reload(self, sort: str | None = None, descending: bool | None = None) -> None:
        """Start again from the first page (after an import, a new sort or a new filter)."""
        self.sort_key = sort or self.sort_key
        self.descending = self.descending if descending is None else descending
        self.beginResetModel()
        self._rows = self._no_rows()
        self._more, self._pending = True, False
        self.endResetModel()
        self._request_page()
        table, where_now = self.table, self._where
        self._runner.submit(
            f"{self.group}-count",
            lambda cur: queries.count(cur, table, where_now),
            self.count_changed.emit,
            self.failed.emit,
        )

    @property
    def filtered(self) -> bool:
        return self._where is not None and self._where.sql.strip() != "TRUE"

    def set_filter(self, where: queries.Where | None, reload: bool = True) -> None:
        """Show only the rows ``where`` matches (None for all)."""
        self._where = where
        self.searching.emit(bool(where is not None and where.search_text))
        if reload:
            self.reload()

    def cancel(self) -> None:
        """Stop loading (the list is hidden)."""
        self._runner.cancel(f"{self.group}-page")
        self._runner.cancel(f"{self.group}-count")
        self._pending = False

    def _no_rows(self) -> PageRows:
        return self.rows_type(text=[[] for _ in self.columns])

    def _request_page(self) -> None:
        self._pending = True
        load = self.load_page
        request = PageRequest(self.sort_key, self.descending, self._rows.after, self._where)
        self._runner.submit(
            f"{self.group}-page", lambda cur: load(cur, request), self._append, self._page_failed
        )

    def _append(self, page: PageRows) -> None:
        if len(page):
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()
        # Only now: a view or tester reacting to the insertion must not fetch the same page.
        self._pending, self._more = False, page.more
        self.page_loaded.emit(len(self._rows))

    def _page_failed(self, message: str) -> None:
        self._pending, self._more = False, False
        self.failed.emit(f"Could not load {self.table}: {message}")

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self._pending

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._request_page()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.columns[column].sort if 0 <= column < len(self.columns) else None
        if key is not None:
            self.reload(key, order == Qt.SortOrder.DescendingOrder)

    # -- reading -----------------------------------------------------------------------------

    def row_id(self, row: int) -> str:
        """What ``Qt.UserRole`` gives for a row (its id)."""
        raise NotImplementedError

    def cell_style(self, row: int, column: int, role: int) -> Any:
        """Roles a list paints beyond text, alignment and the error colour (colours, icons)."""
        return None

    def header_tip(self, sortable: bool) -> str | None:
        """The tool tip of a column header."""
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows.text[column][row]
        if role == Qt.ItemDataRole.TextAlignmentRole and self.columns[column].numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and self.columns[column].marks_errors
            and self._rows.errors[row]
        ):
            return display.error_colour(QGuiApplication.palette())
        if role == Qt.ItemDataRole.UserRole:
            return self.row_id(row)
        return self.cell_style(row, column, role)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.header_tip(self.columns[section].sort is not None)
        return None


class PagedList(QWidget):
    """A table over a :class:`PagedListModel`; header clicks sort on the server."""

    model_type: type[PagedListModel]
    settings_key: str  # where the columns chosen are remembered

    def __init__(self, runner: QueryRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = self.model_type(runner, self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows can be selected (Ctrl/Shift-click), e.g. two traces to diff.
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
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
        titles = [c.title for c in self.model.columns]
        hidden = [c.title for c in self.model.columns if c.hidden]
        automatic = [c for c in self.model.columns if c.while_searching_at is not None]
        self.columns = ColumnChooser(
            self.view, titles, self.settings_key, hidden, automatic=[c.title for c in automatic]
        )
        for column in automatic:
            place = self.model.columns.index(column)
            header.moveSection(header.visualIndex(place), column.while_searching_at or 0)
        self.model.searching.connect(self._show_while_searching)
        self._show_while_searching(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        # Features add context menu entries: called with (menu, ids of the selected rows).
        self.menu_extenders: list[Callable[[QMenu, list[str]], None]] = []

    def _show_while_searching(self, searching: bool) -> None:
        """Columns for text searches (the "Match") are there while the filter searches for
        text, and only then."""
        for i, column in enumerate(self.model.columns):
            if column.while_searching_at is not None:
                self.view.setColumnHidden(i, not searching)

    def selected_ids(self) -> list[str]:
        """Ids of the selected rows (``row_id``), top to bottom."""
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [self.model.row_id(r) for r in rows if r < self.model.rowCount()]

    def _menu(self, point: QPoint) -> None:
        index = self.view.indexAt(point)
        if index.isValid() and not self.view.selectionModel().isRowSelected(index.row()):
            self.select_row(index.row())
        ids = self.selected_ids()
        menu = QMenu(self)
        self.add_own_actions(menu, ids)
        for extend in self.menu_extenders:
            if not menu.isEmpty():
                menu.addSeparator()
            extend(menu, ids)
        if not menu.isEmpty():
            menu.popup(self.view.viewport().mapToGlobal(point))

    def add_own_actions(self, menu: QMenu, ids: list[str]) -> None:
        """The list's own context menu entries for the selected rows ``ids``."""

    def _set_widths(self) -> None:
        fm = self.fontMetrics()
        for number, column in enumerate(self.model.columns):
            if column.width:
                self.view.setColumnWidth(number, fm.horizontalAdvance(column.width) + 24)

    def sort_by(self, key: str, descending: bool) -> None:
        """Sort by a server-side key (a column's ``sort``; an unknown key means time) on the
        next load, and show it on the header."""
        columns = self.model.columns
        column = next((i for i, c in enumerate(columns) if c.sort == key), 0)
        self._show_sort(column, descending)
        self._sorted_column = column
        self.model.sort_key, self.model.descending = columns[column].sort or "start", descending

    def _show_sort(self, column: int, descending: bool) -> None:
        """Move the header's sort indicator without asking for a sort."""
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        header = self.view.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(column, order)
        header.blockSignals(False)

    def _sort_requested(self, column: int, order: Qt.SortOrder) -> None:
        if self.model.columns[column].sort is None:
            # Columns the database cannot sort by keep the current sort and its indicator.
            self._show_sort(self._sorted_column, self.model.descending)
            return
        if column != self._sorted_column:
            order = Qt.SortOrder.DescendingOrder  # biggest / latest first on a new column
            self._show_sort(column, True)
        self._sorted_column = column
        self.model.sort(column, order)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._row_selected(current.row())

    def _row_selected(self, row: int) -> None:
        """Announce the row that became current, in the list's own terms."""
        raise NotImplementedError

    def reload(self) -> None:
        self.model.reload()

    def select_row(self, row: int) -> None:
        self.view.selectRow(row)
        self.view.setCurrentIndex(self.model.index(row, 0))
