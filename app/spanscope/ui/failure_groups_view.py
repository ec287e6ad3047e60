"""The Failure groups tab: the failures of the current filter grouped by cause, largest (or
newest) first, each with its spread, when it was first and last seen and a sparkline over time.
Double-click a group (or "List its spans") to filter the main window to its spans
(``group:ID``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from spanscope.store.failure_groups import FailureGroup
from spanscope.ui import display
from spanscope.ui.cost_table import Column, RowsModel

KIND_TITLES = {
    "error": "Error",
    "tool_error": "Failed tool call",
    "empty_retrieval": "Empty retrieval",
    "refusal": "Refusal",
    "truncation": "Truncated answer",
    "over_context": "Over context window",
    "label": "Labelled",
}


def _text(value: Any) -> str:
    return display.one_line(value) or display.NONE


def _names(value: Any) -> str:
    names = [display.one_line(v, 40) for v in value or ()]
    if len(names) > 2:
        return f"{names[0]}, {names[1]} +{len(names) - 2}"
    return ", ".join(names) or display.NONE


COLUMNS = (
    Column("Kind", "kind", lambda v: KIND_TITLES.get(v, str(v)), numeric=False),
    Column("Signature", "signature", _text, numeric=False),
    Column("Count", "count", lambda v: display.number(v or 0)),
    Column("Traces", "traces", lambda v: display.number(v or 0)),
    Column("Users", "users", lambda v: display.number(v or 0)),
    Column("Over time", "sparkline", lambda v: "", numeric=False),
    Column("First seen", "first_seen_ns", display.local_time, numeric=False),
    Column("Last seen", "last_seen_ns", display.local_time, numeric=False),
    Column("Models", "models", _names, numeric=False),
    Column("Services", "services", _names, numeric=False),
    Column("Cost of traces", "cost", lambda v: display.NONE if v is None else display.cost(v)),
)
SPARK_COLUMN = [c.key for c in COLUMNS].index("sparkline")


class SparklineDelegate(QStyledItemDelegate):
    """Draws a group's occurrences per time bucket as bars."""

    def __init__(self, model: RowsModel, parent: QWidget) -> None:
        super().__init__(parent)
        self.model = model

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        super().paint(painter, option, index)
        counts = self.model.rows[index.row()].get("sparkline") or ()
        peak = max(counts, default=0)
        if not peak:
            return
        rect: QRect = option.rect.adjusted(3, 3, -3, -3)
        width = rect.width() / len(counts)
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(display.error_colour(option.palette))
        for i, n in enumerate(counts):
            if n:
                height = max(1.0, rect.height() * n / peak)
                painter.drawRect(
                    int(rect.left() + i * width),
                    int(rect.bottom() - height + 1),
                    max(1, int(width) - 1),
                    int(height),
                )
        painter.restore()


class FailureGroupsView(QWidget):
    """The groups table; ``load`` runs ``fetch(order)`` through ``submit`` (a worker) and shows
    the result; ``open_group(group_id)`` is called when the user asks for a group's spans."""

    def __init__(
        self,
        submit: Callable[
            [Callable[[Any], Any], Callable[[Any], None], Callable[[str], None]], None
        ],
        fetch: Callable[[Any, str], list[FailureGroup]],
        open_group: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.submit, self.fetch, self.open_group = submit, fetch, open_group
        self.order = QComboBox(self)
        self.order.addItem("Most frequent first", "count")
        self.order.addItem("Most recent first", "newest")
        self.summary = QLabel("", self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.list_button = QPushButton("List its spans", self)
        self.list_button.setEnabled(False)
        self.model = RowsModel(COLUMNS, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setItemDelegateForColumn(SPARK_COLUMN, SparklineDelegate(self.model, self))
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # the signature
        header.setSectionResizeMode(SPARK_COLUMN, QHeaderView.ResizeMode.Fixed)
        header.setSortIndicator(-1, Qt.SortOrder.DescendingOrder)  # as grouped
        self.table.setColumnWidth(SPARK_COLUMN, 150)
        bar = QHBoxLayout()
        bar.addWidget(self.order)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.list_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self.order.currentIndexChanged.connect(lambda _i: self.load())
        self.table.doubleClicked.connect(lambda index: self._open(index.row()))
        self.table.selectionModel().selectionChanged.connect(
            lambda *_a: self.list_button.setEnabled(
                bool(self.table.selectionModel().selectedRows())
            )
        )
        self.list_button.clicked.connect(self._open_selected)

    def load(self) -> None:
        """Group the failures again (for the current filter and order)."""
        order = str(self.order.currentData())
        self.summary.setText("Grouping failures…")
        self.submit(lambda cur: self.fetch(cur, order), self._show, self._failed)

    def _show(self, groups: list[FailureGroup]) -> None:
        rows = [asdict(g) for g in groups]
        self.model.set_rows(rows)
        total = sum(g.count for g in groups)
        self.summary.setText(
            "No failures under this filter"
            if not groups
            else f"{display.number(total)} failures in {display.number(len(groups))} "
            f"group{'s' if len(groups) != 1 else ''}"
        )

    def _failed(self, message: str) -> None:
        self.model.set_rows([])
        self.summary.setText(f"Failures could not be grouped: {message}")

    def _open_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self._open(rows[0].row())

    def _open(self, row: int) -> None:
        if 0 <= row < len(self.model.rows):
            self.open_group(str(self.model.rows[row]["group_id"]))
