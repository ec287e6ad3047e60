"""The span tree's waterfall as a timeline, as Jaeger and Perfetto users expect it: a time
ruler in the column header, bars placed on the visible time window, idle gaps shaded, the
critical path outlined, a minimap of the whole trace, zoom to a span (double-click) or to a
dragged range, and back (Esc or the button).

Painting touches only the rows on screen (the tree view asks the delegate for those), and
everything computed per trace (self time, gaps, critical path) was computed in the worker that
arranged the tree (:mod:`spanscope.core.timeline`); the minimap's density is one pass over the
spans when its width changes.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPalette, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QHeaderView,
    QRubberBand,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from spanscope.core.timeline import Gap, ticks
from spanscope.ui import display

if TYPE_CHECKING:
    from spanscope.ui.span_forest import SpanForest

Index = QModelIndex | QPersistentModelIndex
TIMING_ROLE = Qt.ItemDataRole.UserRole + 2  # (start, end) ns from the trace start, critical
MIN_WINDOW_NS = 1_000  # zooming stops at a microsecond across the column
DRAG_PIXELS = 6  # a drag shorter than this is a click


class TimeWindow(QObject):
    """The stretch of the trace the waterfall shows (ns from the trace start), with the
    zoom history so Esc steps back out."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.extent = 1
        self.lo, self.hi = 0, 1
        self.history: list[tuple[int, int]] = []
        self.gaps: list[Gap] = []
        self._gap_starts: list[int] = []

    def reset(self, extent: int, gaps: list[Gap] | None = None) -> None:
        """A new trace: show all of it."""
        self.extent = max(extent, 1)
        self.lo, self.hi = 0, self.extent
        self.history = []
        self.gaps = gaps or []
        self._gap_starts = [g.start for g in self.gaps]
        self.changed.emit()

    @property
    def zoomed(self) -> bool:
        return (self.lo, self.hi) != (0, self.extent)

    def zoom_to(self, lo: int, hi: int) -> None:
        lo, hi = max(0, min(lo, hi)), min(self.extent, max(lo, hi))
        if hi - lo < MIN_WINDOW_NS:
            middle = (lo + hi) // 2
            lo, hi = (
                max(0, middle - MIN_WINDOW_NS // 2),
                min(self.extent, middle + MIN_WINDOW_NS // 2),
            )
        if (lo, hi) == (self.lo, self.hi):
            return
        self.history.append((self.lo, self.hi))
        self.lo, self.hi = lo, hi
        self.changed.emit()

    def pan_to(self, middle: int) -> None:
        """Keep the zoom, centre on ``middle`` (the minimap's click)."""
        width = self.hi - self.lo
        lo = max(0, min(self.extent - width, middle - width // 2))
        self.lo, self.hi = lo, lo + width
        self.changed.emit()

    def back(self) -> bool:
        """One zoom step back out; False when already showing the whole trace."""
        if not self.history:
            if not self.zoomed:
                return False
            self.lo, self.hi = 0, self.extent
        else:
            self.lo, self.hi = self.history.pop()
        self.changed.emit()
        return True

    def whole(self) -> None:
        if self.zoomed:
            self.history.append((self.lo, self.hi))
            self.lo, self.hi = 0, self.extent
            self.changed.emit()

    def x_of(self, t: float, left: float, width: float) -> float:
        return left + (t - self.lo) / max(self.hi - self.lo, 1) * width

    def t_of(self, x: float, left: float, width: float) -> int:
        return int(self.lo + (x - left) / max(width, 1) * (self.hi - self.lo))

    def visible_gaps(self) -> list[Gap]:
        first = max(0, bisect_left(self._gap_starts, self.lo) - 1)
        out = []
        for gap in self.gaps[first:]:
            if gap.start >= self.hi:
                break
            if gap.end > self.lo:
                out.append(gap)
        return out


def _track_colour(palette: QPalette, alpha: int) -> QColor:
    colour = palette.color(QPalette.ColorRole.Mid)
    colour.setAlpha(alpha)
    return colour


def critical_colour(palette: QPalette) -> QColor:
    """The critical path's outline: the text colour, so it reads on light and dark."""
    return palette.color(QPalette.ColorRole.Text)


class TimelineDelegate(QStyledItemDelegate):
    """Paints one span's bar on the visible time window, with the gaps and tick lines."""

    def __init__(self, window: TimeWindow, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.time_window = window
        self.tick_times: list[int] = []

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        widget = option.widget
        style = widget.style() if widget else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)
        timing = index.data(TIMING_ROLE)
        rect: QRect = option.rect.adjusted(3, 3, -3, -3)
        palette: QPalette = option.palette
        w = self.time_window
        painter.save()
        painter.setClipRect(option.rect)
        full = option.rect
        for gap in w.visible_gaps():  # idle stretches run down every row: a band
            x0 = w.x_of(gap.start, rect.left(), rect.width())
            x1 = w.x_of(gap.end, rect.left(), rect.width())
            painter.fillRect(
                QRectF(x0, full.top(), max(x1 - x0, 1.0), full.height()), _gap_brush(palette)
            )
        grid = QPen(_track_colour(palette, 90))
        painter.setPen(grid)
        for t in self.tick_times:
            x = int(w.x_of(t, rect.left(), rect.width()))
            painter.drawLine(x, full.top(), x, full.bottom())
        if timing:
            (start, end), critical, kind, error = timing
            x0 = w.x_of(start, rect.left(), rect.width())
            x1 = w.x_of(end, rect.left(), rect.width())
            if x1 >= rect.left() - 1 and x0 <= rect.right() + 1:
                x0, x1 = max(x0, rect.left() - 2.0), min(x1, rect.right() + 2.0)
                bar = QRectF(x0, rect.top(), max(x1 - x0, 2.0), rect.height())
                colour = display.error_colour(palette) if error else display.kind_colour(kind)
                if not critical:
                    colour = QColor(colour)
                    colour.setAlpha(150)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setBrush(colour)
                wide = bar.width() >= 8  # an outline on a sliver would hide its colour
                if critical and wide:
                    painter.setPen(QPen(critical_colour(palette), 1.6))
                else:
                    painter.setPen(Qt.PenStyle.NoPen)
                painter.drawRoundedRect(bar, 2, 2)
                if critical and not wide:  # a tick under the sliver marks the path
                    painter.fillRect(
                        QRectF(bar.left() - 1, full.bottom() - 2, bar.width() + 2, 2),
                        critical_colour(palette),
                    )
        painter.restore()


def _gap_brush(palette: QPalette) -> QColor:
    colour = palette.color(QPalette.ColorRole.Highlight)
    colour.setAlpha(28)
    return colour


class RulerHeader(QHeaderView):
    """The tree's column header; over the waterfall column it is the time ruler."""

    def __init__(self, window: TimeWindow, column: int, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.time_window = window
        self.column = column
        self.delegate: TimelineDelegate | None = None
        self.labels: list[tuple[int, str]] = []
        self._ticked_for: tuple[int, int, int] | None = None
        window.changed.connect(self._retick)
        self.sectionResized.connect(lambda *_: self._retick())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._retick()

    def sizeHint(self) -> QSize:
        size = super().sizeHint()
        return QSize(size.width(), max(size.height(), self.fontMetrics().height() + 10))

    def _retick(self) -> None:
        self._ticked_for = None  # recomputed at the next paint, for the width then
        self.viewport().update()

    def _ticks_for(self, width: int) -> list[tuple[int, str]]:
        """The ticks for the section's width now (a stretched section is resized by the
        view's layout without always telling), shared with the delegate's grid lines."""
        key = (self.time_window.lo, self.time_window.hi, width)
        if self._ticked_for != key:
            label_room = self.fontMetrics().horizontalAdvance("00.0 min") + 16
            self.labels = ticks(
                self.time_window.lo, self.time_window.hi, max(2, width // label_room)
            )
            self._ticked_for = key
            if self.delegate is not None:
                self.delegate.tick_times = [t for t, _ in self.labels]
            parent = self.parentWidget()
            if isinstance(parent, QTreeView):
                parent.viewport().update()
        return self.labels

    def paintSection(self, painter: QPainter, rect: QRect, logicalIndex: int) -> None:
        if logicalIndex != self.column:
            super().paintSection(painter, rect, logicalIndex)
            return
        painter.save()
        palette = self.palette()
        painter.fillRect(rect, palette.color(QPalette.ColorRole.Button))
        inner = rect.adjusted(3, 0, -3, 0)
        painter.setPen(palette.color(QPalette.ColorRole.ButtonText))
        fm = self.fontMetrics()
        for t, label in self._ticks_for(inner.width()):
            x = int(self.time_window.x_of(t, inner.left(), inner.width()))
            painter.drawLine(x, rect.bottom() - 5, x, rect.bottom())
            text_x = min(x + 3, inner.right() - fm.horizontalAdvance(label))
            if text_x >= x - fm.horizontalAdvance(label):
                painter.drawText(QPoint(text_x, rect.top() + fm.ascent() + 3), label)
        painter.setPen(_track_colour(palette, 200))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        painter.restore()


class Minimap(QWidget):
    """The whole trace in one strip: how many spans run at each moment, the idle gaps, and
    the window the waterfall shows. Click or drag to move the window there."""

    def __init__(self, window: TimeWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.time_window = window
        self.forest: SpanForest | None = None
        self._density: list[int] = []
        self._density_width = -1
        self.setFixedHeight(30)
        self.setMouseTracking(False)
        self.setToolTip("The whole trace: spans running at each moment. Click to move the view.")
        window.changed.connect(self.update)

    def set_forest(self, forest: SpanForest) -> None:
        self.forest = forest
        self._density_width = -1
        self.update()

    def _counts(self, width: int) -> list[int]:
        """Spans running in each pixel column: a difference array, one pass over the spans."""
        if self._density_width == width:
            return self._density
        diff = [0] * (width + 1)
        forest, extent = self.forest, self.time_window.extent
        if forest is not None:
            origin = forest.start_ns
            for span in forest.spans:
                start = span.get("start_ns")
                if start is None:
                    continue
                end = span.get("end_ns") or start
                a = int((start - origin) / extent * (width - 1))
                b = int((end - origin) / extent * (width - 1))
                diff[max(0, min(a, width - 1))] += 1
                diff[max(0, min(b, width - 1)) + 1] -= 1
        running, counts = 0, []
        for x in range(width):
            running += diff[x]
            counts.append(running)
        self._density, self._density_width = counts, width
        return counts

    def paintEvent(self, _event: object) -> None:
        painter = QPainter(self)
        palette = self.palette()
        rect = self.rect().adjusted(1, 1, -1, -1)
        painter.fillRect(rect, _track_colour(palette, 50))
        counts = self._counts(rect.width())
        peak = max(counts, default=0) or 1
        bar = palette.color(QPalette.ColorRole.Highlight)
        bar.setAlpha(170)
        painter.setPen(bar)
        for x, n in enumerate(counts):
            if n:
                h = max(1, int(n / peak * (rect.height() - 2)))
                painter.drawLine(rect.left() + x, rect.bottom(), rect.left() + x, rect.bottom() - h)
        w = self.time_window
        for gap in w.gaps:
            x0 = rect.left() + gap.start / w.extent * rect.width()
            x1 = rect.left() + gap.end / w.extent * rect.width()
            painter.fillRect(
                QRectF(x0, rect.top(), max(x1 - x0, 1.0), rect.height()), _gap_brush(palette)
            )
        x0 = rect.left() + w.lo / w.extent * rect.width()
        x1 = rect.left() + w.hi / w.extent * rect.width()
        shown = QRectF(x0, rect.top(), max(x1 - x0, 3.0), rect.height())
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Text), 1.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(shown)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._move(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._move(event)

    def _move(self, event: QMouseEvent) -> None:
        rect = self.rect().adjusted(1, 1, -1, -1)
        middle = int(
            (event.position().x() - rect.left()) / max(rect.width(), 1) * self.time_window.extent
        )
        if self.time_window.zoomed:
            self.time_window.pan_to(middle)


class ZoomGestures(QObject):
    """Double-click a bar to zoom to its span; drag across the waterfall to zoom to a range."""

    def __init__(self, view: QTreeView, column: int, window: TimeWindow) -> None:
        super().__init__(view)
        self.view, self.column, self.time_window = view, column, window
        self._press: QPoint | None = None
        self._band = QRubberBand(QRubberBand.Shape.Rectangle, view.viewport())
        view.viewport().installEventFilter(self)

    def _column_span(self) -> tuple[int, int]:
        header = self.view.header()
        left = header.sectionViewportPosition(self.column) + 3
        return left, header.sectionSize(self.column) - 6

    def _in_column(self, x: int) -> bool:
        left, width = self._column_span()
        return left - 3 <= x <= left + width + 3

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(event, QMouseEvent) or event.button() not in (
            Qt.MouseButton.LeftButton,
            Qt.MouseButton.NoButton,
        ):
            return False
        pos = event.position().toPoint()
        kind = event.type()
        if kind == QEvent.Type.MouseButtonDblClick and self._in_column(pos.x()):
            index = self.view.indexAt(pos)
            timing = (
                index.siblingAtColumn(self.column).data(TIMING_ROLE) if index.isValid() else None
            )
            if timing:
                (start, end), *_ = timing
                pad = max((end - start) // 20, 1)
                self.time_window.zoom_to(start - pad, end + pad)
            return True  # zoom, not expand or collapse
        if kind == QEvent.Type.MouseButtonPress and self._in_column(pos.x()):
            self._press = pos
            return False  # still selects the row
        if kind == QEvent.Type.MouseMove and self._press is not None:
            if abs(pos.x() - self._press.x()) >= DRAG_PIXELS:
                top, height = 0, self.view.viewport().height()
                self._band.setGeometry(
                    QRect(
                        min(pos.x(), self._press.x()), top, abs(pos.x() - self._press.x()), height
                    )
                )
                self._band.show()
                return True
            return False
        if kind == QEvent.Type.MouseButtonRelease and self._press is not None:
            start, self._press = self._press, None
            self._band.hide()
            if abs(pos.x() - start.x()) >= DRAG_PIXELS:
                left, width = self._column_span()
                a = self.time_window.t_of(min(pos.x(), start.x()), left, width)
                b = self.time_window.t_of(max(pos.x(), start.x()), left, width)
                self.time_window.zoom_to(a, b)
                return True
        return False
