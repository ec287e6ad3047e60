"""The cost-over-time chart: stacked bars placed by time on a real time axis (a quiet week
leaves a gap, it does not vanish), a colour per group, y ticks at round amounts, a compact
legend above the plot, and a message instead of an empty plot.

Painted directly (Qt Charts places bars as categories, one slot each whatever the time between
them). Built on the UI thread from plain rows a worker computed; follows the palette, so it
reads in dark and in light mode. Hovering a bar tells its bucket's total and groups.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QToolTip, QWidget

from spanscope.ui import display
from spanscope.ui.tooltips import literal_tip

TOP_GROUPS = 8  # groups drawn on their own; the rest are stacked as "other"
OTHER = "other"
NONE_LABEL = "(none)"
LEGEND_CHARS = 28  # a legend entry longer than this is elided (the hover has it whole)

# Distinguishable in both modes (Tableau 10).
COLOURS = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
FORMATS = {"hour": "%Y-%m-%d %H:00", "day": "%Y-%m-%d", "month": "%Y-%m"}


def stacks(
    rows: list[dict[str, Any]], bucket: str, dim: str, top: int = TOP_GROUPS
) -> tuple[list[str], list[tuple[str, list[float]]]]:
    """Buckets in time order, and per group its cost in each bucket: the ``top`` most
    expensive groups, then the rest summed as "other"."""
    buckets = sorted({str(r[bucket]) for r in rows if r[bucket] is not None})
    totals: dict[str, float] = defaultdict(float)
    for r in rows:
        totals[_label(r[dim])] += r["cost_usd"] or 0.0
    ranked = sorted(totals, key=lambda g: (-totals[g], g))
    kept = set(ranked[:top]) if len(ranked) > top + 1 else set(ranked)
    index = {b: i for i, b in enumerate(buckets)}
    values: dict[str, list[float]] = {}
    for r in rows:
        if r[bucket] is None:
            continue
        group = _label(r[dim]) if _label(r[dim]) in kept else OTHER
        series = values.setdefault(group, [0.0] * len(buckets))
        series[index[str(r[bucket])]] += r["cost_usd"] or 0.0
    order = [g for g in ranked if g in kept] + ([OTHER] if OTHER in values else [])
    return buckets, [(g, values[g]) for g in order if g in values]


def _label(value: Any) -> str:
    return NONE_LABEL if value is None else str(value)


def money_ticks(peak: float, max_ticks: int = 6) -> tuple[float, list[float]]:
    """Round y ticks from $0 past ``peak``: steps of 1, 2 or 5 times a power of ten
    ($0.10, $0.20 … not $0.11, $0.23); returns (step, ticks)."""
    if peak <= 0:
        return 1.0, [0.0, 1.0]
    raw = peak / max(max_ticks - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    count = math.ceil(peak / step - 1e-9)
    return step, [round(i * step, 12) for i in range(count + 1)]


def money_label(value: float, step: float) -> str:
    """A y tick label with the decimals its step needs (at least cents)."""
    decimals = max(2, -math.floor(math.log10(step)) if step < 1 else 0)
    return f"${value:,.{decimals}f}"


def bucket_start(label: str, bucket: str) -> datetime:
    return datetime.strptime(label, FORMATS[bucket]).replace(tzinfo=UTC)


def bucket_end(start: datetime, bucket: str) -> datetime:
    if bucket == "hour":
        return start + timedelta(hours=1)
    if bucket == "day":
        return start + timedelta(days=1)
    month = start.month % 12 + 1
    return start.replace(year=start.year + (start.month == 12), month=month)


def _add_months(t: datetime, months: int) -> datetime:
    index = t.year * 12 + t.month - 1 + months
    return t.replace(year=index // 12, month=index % 12 + 1, day=1)


def time_ticks(lo: datetime, hi: datetime, max_ticks: int) -> list[tuple[datetime, str]]:
    """Calendar ticks between ``lo`` and ``hi``: whole hours, days, weeks or months, the
    fewest that give at most ``max_ticks``, labelled for that scale."""
    span_h = (hi - lo).total_seconds() / 3600
    max_ticks = max(max_ticks, 2)
    for hours in (1, 2, 3, 6, 12):
        if span_h / hours <= max_ticks:
            t = lo.replace(minute=0, second=0, microsecond=0)
            t += timedelta(hours=(-t.hour) % hours)
            out: list[tuple[datetime, str]] = []
            while t <= hi:
                # the date where the day turns (and on the first tick), else the hour
                label = (
                    t.strftime("%d %b %H:%M") if not out or t.hour < hours else t.strftime("%H:%M")
                )
                out.append((t, label))
                t += timedelta(hours=hours)
            return out
    for days in (1, 2, 7, 14):
        if span_h / 24 / days <= max_ticks:
            t = lo.replace(hour=0, minute=0, second=0, microsecond=0)
            if t < lo:
                t += timedelta(days=1)
            if days == 7:  # weeks start on Monday
                t += timedelta(days=(-t.weekday()) % 7)
            out = []
            while t <= hi:
                out.append(
                    (
                        t,
                        t.strftime("%d %b")
                        if out and t.year == out[0][0].year
                        else t.strftime("%d %b %Y"),
                    )
                )
                t += timedelta(days=days)
            return out
    for months in (1, 2, 3, 6, 12, 24, 60):
        if span_h / (24 * 30.4) / months <= max_ticks:
            t = lo.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            if t < lo:
                t = _add_months(t, 1)
            while (t.month - 1) % months:
                t = _add_months(t, 1)
            out = []
            while t <= hi:
                out.append(
                    (t, t.strftime("%b %Y") if t.month == 1 or not out else t.strftime("%b"))
                )
                t = _add_months(t, months)
            return out
    return [(lo, lo.strftime("%Y")), (hi, hi.strftime("%Y"))]


class CostChart(QWidget):
    """Stacked cost per time bucket, placed by time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(420, 300)
        self.setMouseTracking(True)
        self.groups: list[str] = []  # what is drawn, for tests and the legend
        self.buckets: list[str] = []
        self.stacked: list[tuple[str, list[float]]] = []
        self.bucket, self.dim = "day", "model"
        self.title = ""
        self.empty_text = "No priced calls under this filter"
        self.y_labels: list[str] = []  # as drawn, for tests
        self.x_labels: list[str] = []
        self._bars: list[tuple[QRectF, int]] = []  # hover targets: (rect, bucket index)
        self.show_rows([], "day", "model")

    def show_rows(self, rows: list[dict[str, Any]], bucket: str, dim: str) -> None:
        """Draw ``rows`` of a breakdown by (``bucket``, ``dim``)."""
        self.bucket, self.dim = bucket, dim
        self.buckets, self.stacked = stacks(rows, bucket, dim)
        self.groups = [g for g, _ in self.stacked]
        self.title = f"Cost per {bucket} by {dim}"
        self.update()

    def is_empty(self) -> bool:
        return not any(any(v) for _, v in self.stacked)

    def save_png(self, path: str) -> bool:
        """Write the chart as it is on screen to a PNG file."""
        return self.grab().save(path, "PNG")

    # -- painting ----------------------------------------------------------------------------

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        fm = QFontMetrics(self.font())
        painter.setPen(text)
        if self.is_empty():
            self.y_labels, self.x_labels, self._bars = [], [], []
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        top = 8.0
        title_font = self.font()
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.drawText(QPointF(12, top + fm.ascent()), self.title)
        painter.setFont(self.font())
        top += fm.height() + 6
        top = self._legend(painter, top, fm) + 8
        totals = [sum(v[i] for _, v in self.stacked) for i in range(len(self.buckets))]
        step, y_ticks = money_ticks(max(totals, default=0.0))
        self.y_labels = [money_label(v, step) for v in y_ticks]
        left = 16 + max(fm.horizontalAdvance(label) for label in self.y_labels)
        plot = QRectF(left, top, self.width() - left - 16, self.height() - top - fm.height() - 16)
        if plot.width() < 20 or plot.height() < 20:
            painter.end()
            return
        y_max = y_ticks[-1] or 1.0
        grid = QColor(text)
        grid.setAlpha(40)
        for value, label in zip(y_ticks, self.y_labels, strict=True):
            y = plot.bottom() - value / y_max * plot.height()
            painter.setPen(grid)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text)
            painter.drawText(
                QRectF(0, y - fm.height() / 2, left - 6, fm.height()),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                label,
            )
        starts = [bucket_start(b, self.bucket) for b in self.buckets]
        lo, hi = starts[0], bucket_end(starts[-1], self.bucket)
        seconds = max((hi - lo).total_seconds(), 1.0)

        def x_of(t: datetime) -> float:
            return plot.left() + (t - lo).total_seconds() / seconds * plot.width()

        self._bars = []
        for i, start in enumerate(starts):
            x0, x1 = x_of(start), x_of(bucket_end(start, self.bucket))
            gap = min(2.0, (x1 - x0) * 0.15)
            width = max(x1 - x0 - gap, 1.0)
            y = plot.bottom()
            for n, (_group, values) in enumerate(self.stacked):
                if values[i] <= 0:
                    continue
                h = values[i] / y_max * plot.height()
                painter.fillRect(
                    QRectF(x0 + gap / 2, y - h, width, h), QColor(COLOURS[n % len(COLOURS)])
                )
                y -= h
            self._bars.append((QRectF(x0, plot.top(), max(x1 - x0, 3.0), plot.height()), i))
        painter.setPen(text)
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        room = fm.horizontalAdvance("28 Nov 2026") + 12
        labels = time_ticks(lo, hi, int(plot.width() // room))
        self.x_labels = [label for _, label in labels]
        for t, label in labels:
            x = x_of(t)
            painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 4))
            w = fm.horizontalAdvance(label)
            tx = min(max(x - w / 2, plot.left() - left + 4), self.width() - w - 4)
            painter.drawText(QPointF(tx, plot.bottom() + 6 + fm.ascent()), label)
        painter.end()

    def legend_labels(self) -> list[str]:
        """The legend's entries as drawn: plain text (painted, never read as HTML), one
        short line each."""
        return [display.one_line(group, LEGEND_CHARS) for group in self.groups]

    def _legend(self, painter: QPainter, top: float, fm: QFontMetrics) -> float:
        """Swatches and names in rows above the plot; returns the y below them."""
        x, y, line = 12.0, top, fm.height() + 4
        for n, name in enumerate(self.legend_labels()):
            width = 14 + fm.horizontalAdvance(name) + 16
            if x + width > self.width() - 8 and x > 12:
                x, y = 12.0, y + line
            painter.fillRect(QRectF(x, y + 3, 10, 10), QColor(COLOURS[n % len(COLOURS)]))
            painter.setPen(self.palette().color(QPalette.ColorRole.Text))
            painter.drawText(QPointF(x + 14, y + fm.ascent()), name)
            x += width
        return y + line

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        for rect, i in self._bars:
            if rect.contains(pos):
                QToolTip.showText(event.globalPosition().toPoint(), self.bucket_tip(i), self)
                return
        QToolTip.hideText()

    def bucket_tip(self, i: int) -> str:
        """The bucket's total and each group's part (group names are trace text: literal)."""
        total = sum(v[i] for _, v in self.stacked)
        lines = [f"{self.buckets[i]}: {display.cost(total)}"]
        lines += [
            f"  {display.one_line(g, 60)}: {display.cost(v[i])}"
            for g, v in self.stacked
            if v[i] > 0
        ]
        return literal_tip("\n".join(lines))
