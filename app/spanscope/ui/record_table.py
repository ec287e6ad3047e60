"""A small table of records with a plain-text pane showing the selected record in full.

Used by the span detail for tool calls, retrieved chunks and parameters. Cells hold one line;
the pane below holds everything, as plain text (never interpreted as HTML).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from spanscope.ui import display

Index = QModelIndex | QPersistentModelIndex


class RowsModel(QAbstractTableModel):
    """Read-only rows of display text, with an optional colour per row."""

    def __init__(
        self, headers: Sequence[str], parent: Any = None, numeric: Sequence[int] = ()
    ) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._numeric = set(numeric)
        self._rows: list[tuple[str, ...]] = []
        self._colours: list[QColor | None] = []

    def set_rows(
        self, rows: Sequence[Sequence[str]], colours: Sequence[QColor | None] | None = None
    ) -> None:
        self.beginResetModel()
        self._rows = [tuple(r) for r in rows]
        self._colours = list(colours) if colours is not None else [None] * len(self._rows)
        self.endResetModel()

    def append(self, row: Sequence[str], colour: QColor | None = None) -> None:
        at = len(self._rows)
        self.beginInsertRows(QModelIndex(), at, at)
        self._rows.append(tuple(row))
        self._colours.append(colour)
        self.endInsertRows()

    def row(self, row: int) -> tuple[str, ...]:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colours[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self._numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._headers)
        ):
            return self._headers[section]
        return None


def make_table(model: QAbstractTableModel, parent: QWidget | None = None) -> QTableView:
    """A compact, row-selecting, non-wrapping table view."""
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setWordWrap(False)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setHighlightSections(False)
    return view


class RecordTable(QWidget):
    """Records in a table; the selected one shown in full underneath."""

    def __init__(
        self,
        headers: Sequence[str],
        empty_text: str,
        parent: QWidget | None = None,
        numeric: Sequence[int] = (),
        widths: Sequence[int] = (),
    ) -> None:
        super().__init__(parent)
        self.model = RowsModel(headers, self, numeric)
        self.table = make_table(self.model, self)
        for column, width in enumerate(widths):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.full = QPlainTextEdit(self)
        self.full.setReadOnly(True)
        self.full.setFont(display.mono_font())
        self.full.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.empty = QLabel(empty_text, self)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setEnabled(False)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.full)
        self.splitter.setSizes([200, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(self.splitter)
        self._details: list[str] = []
        self.table.selectionModel().currentRowChanged.connect(self._show_row)
        self.set_records([], [])

    def set_records(
        self,
        rows: Sequence[Sequence[str]],
        details: Sequence[str],
        colours: Sequence[QColor | None] | None = None,
    ) -> None:
        """Replace the records; ``details[i]`` is the full text of row ``i``."""
        self._details = list(details)
        self.model.set_rows(rows, colours)
        has_rows = bool(rows)
        self.empty.setVisible(not has_rows)
        self.splitter.setVisible(has_rows)
        self.full.setPlainText("")
        if has_rows:
            self.table.setCurrentIndex(self.model.index(0, 0))

    def append(self, row: Sequence[str], detail: str, colour: QColor | None = None) -> None:
        """Add one record at the end (rows that arrive one by one, like import results)."""
        self._details.append(detail)
        self.model.append(row, colour)
        self.empty.setVisible(False)
        self.splitter.setVisible(True)

    def select(self, row: int) -> None:
        self.table.setCurrentIndex(self.model.index(row, 0))

    def _show_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = current.row()
        self.full.setPlainText(self._details[row] if 0 <= row < len(self._details) else "")
