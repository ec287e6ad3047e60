"""The Qt model over a :class:`SpanForest` (its waterfall column is painted by
:class:`spanscope.ui.timeline.TimelineDelegate`)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QGuiApplication

from spanscope.ui import display
from spanscope.ui.span_forest import SpanForest
from spanscope.ui.timeline import TIMING_ROLE
from spanscope.ui.tooltips import literal_tip

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Name", "Kind", "Model", "Duration", "Tokens in / out", "Waterfall")
WATERFALL = 5
WATERFALL_ROLE = Qt.ItemDataRole.UserRole + 1  # (offset, width) in 0..1, kind, is_error
SPAN_ID_ROLE = Qt.ItemDataRole.UserRole


class SpanTreeModel(QAbstractItemModel):
    """Read-only tree of spans; an index's internal id is its node number."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.forest = SpanForest()
        self.badges: dict[str, str] = {}  # span_id -> annotation badge text, for the name

    def set_forest(self, forest: SpanForest) -> None:
        self.beginResetModel()
        self.forest = forest
        self.badges = {}
        self.endResetModel()

    def set_badges(self, badges: dict[str, str]) -> None:
        """Show annotation badges after the span names (read apart from the tree's spans)."""
        # nodes sit under many parents: one layout change repaints every name
        self.layoutAboutToBeChanged.emit()
        self.badges = badges
        self.layoutChanged.emit()

    def node(self, index: Index) -> int | None:
        return int(index.internalId()) if index.isValid() else None

    def index_of(self, node: int, column: int = 0) -> QModelIndex:
        return self.createIndex(self.forest.position[node], column, node)

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        siblings = (
            self.forest.children[parent.internalId()] if parent.isValid() else self.forest.roots
        )
        return self.createIndex(row, column, siblings[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        up = self.forest.parent[int(index.internalId())]
        return QModelIndex() if up < 0 else self.createIndex(self.forest.position[up], 0, up)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self.forest.roots)
        if parent.column() != 0:
            return 0
        return len(self.forest.children[int(parent.internalId())])

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node, column = int(index.internalId()), index.column()
        f = self.forest
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(node, column)
        error = f.value(node, "status") == "error"
        if role == Qt.ItemDataRole.ForegroundRole:
            if error and column != WATERFALL:
                return display.error_colour(QGuiApplication.palette())
            if column == 1:
                return display.kind_colour(f.value(node, "kind"))
            return None
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return display.kind_icon(f.value(node, "kind"))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (3, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == SPAN_ID_ROLE:
            return f.value(node, "span_id")
        if role == WATERFALL_ROLE:
            return (*self._bar(node), f.value(node, "kind"), error)
        if role == TIMING_ROLE:
            return self._timing(node, error)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tip(node, column)
        return None

    def _timing(self, node: int, error: bool) -> Any:
        f = self.forest
        start = f.value(node, "start_ns")
        if start is None:
            return None
        end = f.value(node, "end_ns") or start
        critical = bool(f.timeline.critical[node]) if f.timeline.critical else False
        return (
            (start - f.start_ns, max(end, start) - f.start_ns),
            critical,
            f.value(node, "kind"),
            error,
        )

    def _tip(self, node: int, column: int) -> str | None:
        """The full name (a narrow column elides it), or when and how long the span ran."""
        f = self.forest
        if column == 0:
            return literal_tip(f.value(node, "name") or "(unnamed span)")
        if column != WATERFALL:
            return None
        start = f.value(node, "start_ns")
        if start is None:
            return "No start time recorded"
        own = f.timeline.self_ns[node] if f.timeline.self_ns else None
        lines = [
            display.one_line(f.value(node, "name"), 120),
            f"Starts at +{display.duration(start - f.start_ns)}",
            f"Duration {display.duration(f.value(node, 'duration_ns'))}"
            + (f" · self time {display.duration(own)}" if own is not None else ""),
        ]
        if f.timeline.critical and f.timeline.critical[node]:
            lines.append("On the critical path (it set how long the trace took)")
        return literal_tip("\n".join(lines))

    def _text(self, node: int, column: int) -> str:
        f = self.forest
        if column == 0:
            name = display.one_line(f.value(node, "name"), 120) or "(unnamed span)"
            if f.value(node, "status") == "error":
                name = "⚠ " + name  # in front, so a narrow column still shows it
            badge = self.badges.get(f.value(node, "span_id"))
            if badge:
                name += f"  [{badge}]"
            if f.orphan[node]:
                name += "  (parent not in trace)"
            elif f.cut[node]:
                name += "  (parent cycle cut here)"
            return name
        if column == 1:
            return f.value(node, "kind") or ""
        if column == 2:
            model = f.value(node, "model") or f.value(node, "tool_name")
            return display.one_line(model, 120)  # trace text: one capped line
        if column == 3:
            return display.duration(f.value(node, "duration_ns"))
        if column == 4:
            return display.tokens(f.value(node, "input_tokens"), f.value(node, "output_tokens"))
        return ""

    def _bar(self, node: int) -> tuple[float, float]:
        f = self.forest
        span = max(f.end_ns - f.start_ns, 1)
        start = f.value(node, "start_ns")
        if start is None:
            return 0.0, 0.0
        end = f.value(node, "end_ns") or start
        return (start - f.start_ns) / span, max(end - start, 0) / span

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None
