"""The Qt model of one side of a trace diff: the merged tree, showing the spans of trace A
(``side="a"``) or trace B (``side="b"``), with a blank row where that side has no span.

Both sides have the same shape, so the two views expand, scroll and select in step. "Hide
identical" keeps only rows that differ and the rows above them.
"""

from __future__ import annotations

from typing import Any, Literal

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QGuiApplication

from spanscope.core.trace_diff import TraceDiff
from spanscope.ui import display
from spanscope.ui.diff_style import background

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Span", "Kind", "Model / tool", "Duration", "Tokens in / out", "Differs in")
CHANGES_COLUMN = 5
MARKERS = {"same": "  ", "changed": "~ ", "added": "+ ", "removed": "− "}


class VisibleTree:
    """The rows of a diff that are shown, as parent / children lists of row numbers."""

    def __init__(self, diff: TraceDiff | None = None, hide_identical: bool = False) -> None:
        self.roots: list[int] = []
        self.children: dict[int, list[int]] = {}
        self.parent: dict[int, int] = {}
        self.position: dict[int, int] = {}
        if diff is None:
            return
        rows = diff.alignment.rows
        keep = [True] * len(rows)
        if hide_identical:
            keep = [False] * len(rows)
            first = diff.first_divergence.row if diff.first_divergence else -1
            for row in range(len(rows) - 1, -1, -1):  # children come after parents
                if diff.statuses[row].differs or row == first:
                    keep[row] = True
                if keep[row] and rows[row].parent >= 0:
                    keep[rows[row].parent] = True
        for row, entry in enumerate(rows):
            if not keep[row]:
                continue
            siblings = self.children[entry.parent] if entry.parent >= 0 else self.roots
            self.position[row] = len(siblings)
            siblings.append(row)
            self.children[row] = []
            self.parent[row] = entry.parent

    def __contains__(self, row: int) -> bool:
        return row in self.position

    def __len__(self) -> int:
        return len(self.position)


class DiffTreeModel(QAbstractItemModel):
    """One side of the merged tree; an index's internal id is its row in the alignment."""

    def __init__(self, side: Literal["a", "b"], parent: Any = None) -> None:
        super().__init__(parent)
        self.side = side
        self.diff: TraceDiff | None = None
        self.tree = VisibleTree()
        self._bold = QFont()
        self._bold.setBold(True)

    def set_diff(self, diff: TraceDiff | None, hide_identical: bool = False) -> None:
        self.beginResetModel()
        self.diff = diff
        self.tree = VisibleTree(diff, hide_identical)
        self.endResetModel()

    def row_of(self, index: Index) -> int | None:
        return int(index.internalId()) if index.isValid() else None

    def index_of(self, row: int, column: int = 0) -> QModelIndex:
        if row not in self.tree:
            return QModelIndex()
        return self.createIndex(self.tree.position[row], column, row)

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        siblings = (
            self.tree.children[int(parent.internalId())] if parent.isValid() else self.tree.roots
        )
        return self.createIndex(row, column, siblings[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        up = self.tree.parent.get(int(index.internalId()), -1)
        return QModelIndex() if up < 0 else self.createIndex(self.tree.position[up], 0, up)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self.tree.roots)
        if parent.column() != 0:
            return 0
        return len(self.tree.children.get(int(parent.internalId()), []))

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    def span_on_row(self, row: int) -> dict[str, Any] | None:
        """This side's span on a row, or None where the side has none."""
        assert self.diff is not None
        entry = self.diff.alignment.rows[row]
        at = entry.a if self.side == "a" else entry.b
        spans = self.diff.spans_a if self.side == "a" else self.diff.spans_b
        return None if at is None else spans[at]

    def status(self, row: int) -> str:
        """How the row reads on this side: same, changed, added, removed or absent."""
        assert self.diff is not None
        status = self.diff.statuses[row].status
        if self.span_on_row(row) is None:
            return "absent"
        return status

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.diff is None:
            return None
        row, column = int(index.internalId()), index.column()
        span = self.span_on_row(row)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column, span)
        if role == Qt.ItemDataRole.BackgroundRole:
            return background(self.status(row), QGuiApplication.palette())
        if span is None:
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if span.get("status") == "error" and column != CHANGES_COLUMN:
                return display.error_colour(QGuiApplication.palette())
            if column == 1:
                return display.kind_colour(span.get("kind"))
            return None
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return display.kind_icon(span.get("kind"))
        if role == Qt.ItemDataRole.FontRole and self._is_first(row):
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (3, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return f"span {span.get('span_id')}"
        return None

    def _is_first(self, row: int) -> bool:
        first = self.diff.first_divergence if self.diff else None
        return first is not None and first.row == row

    def _text(self, row: int, column: int, span: dict[str, Any] | None) -> str:
        assert self.diff is not None
        status = self.diff.statuses[row]
        if column == CHANGES_COLUMN:
            parts = [c.replace("_", " ") for c in status.changes]
            if status.status in ("added", "removed"):
                parts.insert(0, f"only in {'B' if status.status == 'added' else 'A'}")
            if status.moved:
                parts.append("moved")
            if self._is_first(row):
                parts.insert(0, "◆ first divergence")
            return ", ".join(parts)
        if span is None:
            return ""
        if column == 0:
            marker = "↕ " if status.moved and status.status == "same" else MARKERS[status.status]
            name = display.one_line(span.get("name"), 120) or "(unnamed span)"
            return marker + ("⚠ " if span.get("status") == "error" else "") + name
        if column == 1:
            return str(span.get("kind") or "")
        if column == 2:
            # trace text: one capped line
            return display.one_line(str(span.get("model") or span.get("tool_name") or ""), 120)
        if column == 3:
            return display.duration(span.get("duration_ns"))
        if column == 4:
            return display.tokens(span.get("input_tokens"), span.get("output_tokens"))
        return ""
