"""Qt models of the costs screen: the breakdown table, runaway traces and cache efficiency.

Thin adapters over plain rows (dicts) computed by a worker.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from spanscope.ui import display

Index = QModelIndex | QPersistentModelIndex


def _usd(value: Any) -> str:
    return display.NONE if value is None else display.cost(value)


def _share(value: Any) -> str:
    return display.NONE if value is None else f"{100 * value:.1f}%"


def _count(value: Any) -> str:
    return display.number(value or 0)


@dataclass(frozen=True)
class Column:
    title: str
    key: str
    shown: Callable[[Any], str]
    numeric: bool = True


BREAKDOWN = (
    Column("Calls", "calls", _count),
    Column("Input", "input_tokens", _count),
    Column("Output", "output_tokens", _count),
    Column("Cached", "cache_read_tokens", _count),
    Column("Reasoning", "reasoning_tokens", _count),
    Column("Cost", "cost_usd", _usd),
    Column("Share", "share", _share),
    Column("Avg / call", "avg_call_usd", _usd),
    Column("p95 / call", "p95_call_usd", _usd),
    Column("Avg / trace", "avg_trace_usd", _usd),
    Column("p95 / trace", "p95_trace_usd", _usd),
    Column("Unpriced", "unpriced_calls", _count),
)
CACHE = (
    Column("Model", "model", lambda v: display.one_line(v) or display.NONE, numeric=False),
    Column("Calls", "calls", _count),
    Column("Input", "input_tokens", _count),
    Column("From cache", "cache_read_tokens", _count),
    Column("Cached share", "cached_share", _share),
    Column("Cache writes", "cache_write_tokens", _count),
    Column("Saved", "saved_usd", _usd),
    Column("Cost", "cost_usd", _usd),
)
RUNAWAYS = (
    Column("Trace", "trace_id", lambda v: str(v)[:16], numeric=False),
    Column("Root", "root_name", lambda v: display.one_line(v) or display.NONE, numeric=False),
    Column("Service", "service", lambda v: display.one_line(v) or display.NONE, numeric=False),
    Column("Cost", "cost", _usd),
    Column("Model calls", "llm_count", _count),
    Column("Why", "reasons", lambda v: "; ".join(v), numeric=False),
)


class RowsModel(QAbstractTableModel):
    """Rows (dicts) shown through a fixed list of columns; sortable by the raw values."""

    def __init__(self, columns: tuple[Column, ...], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[dict[str, Any]] = []

    def set_rows(self, rows: list[dict[str, Any]], lead: Column | None = None) -> None:
        """Replace the rows; ``lead`` puts a first column (the chosen dimension) in front."""
        self.beginResetModel()
        if lead is not None:
            self.columns = [lead, *[c for c in self.columns if c.numeric or c.key != lead.key]]
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column, row = self.columns[index.column()], self.rows[index.row()]
        value = row.get(column.key)
        if role == Qt.ItemDataRole.DisplayRole:
            return column.shown(value)
        if role == Qt.ItemDataRole.ToolTipRole and column.key == "reasons":
            return "\n".join(value or ())
        if role == Qt.ItemDataRole.ToolTipRole and column.key == "cost_usd" and value is None:
            return "no call in this group could be priced"
        if role == Qt.ItemDataRole.TextAlignmentRole and column.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section].title
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = self.columns[column].key
        self.layoutAboutToBeChanged.emit()
        present = [r for r in self.rows if r.get(key) is not None]
        missing = [r for r in self.rows if r.get(key) is None]
        present.sort(
            key=lambda r: r[key] if not isinstance(r[key], (list, tuple)) else len(r[key]),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        self.rows = present + missing
        self.layoutChanged.emit()

    def write_csv(self, path: str) -> None:
        """Every row, raw values (not the rounded text on screen), with a header."""
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow([c.key for c in self.columns])
            for row in self.rows:
                writer.writerow(
                    ["" if row.get(c.key) is None else row.get(c.key) for c in self.columns]
                )
