"""The cost-over-time chart: one stacked bar per day or hour, a colour per group.

Built on the UI thread from plain rows a worker computed. Follows the palette, so it reads in
dark and in light mode.
"""

from __future__ import annotations

import html
from collections import defaultdict
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QWidget

from spanscope.ui import display

TOP_GROUPS = 8  # groups drawn on their own; the rest are stacked as "other"
OTHER = "other"
NONE_LABEL = "(none)"

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


class CostChart(QChartView):
    """Stacked cost per time bucket."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumSize(420, 300)
        self.groups: list[str] = []  # what is drawn, for tests and the legend
        self.buckets: list[str] = []
        self.show_rows([], "day", "model")

    def show_rows(self, rows: list[dict[str, Any]], bucket: str, dim: str) -> None:
        """Draw ``rows`` of a breakdown by (``bucket``, ``dim``)."""
        self.buckets, stacked = stacks(rows, bucket, dim)
        self.groups = [g for g, _ in stacked]
        chart = QChart()
        dark = display.is_dark(self.palette())
        chart.setTheme(
            QChart.ChartTheme.ChartThemeDark if dark else QChart.ChartTheme.ChartThemeLight
        )
        chart.setBackgroundBrush(self.palette().color(QPalette.ColorRole.Base))
        text = self.palette().color(QPalette.ColorRole.Text)
        chart.setTitleBrush(text)
        chart.setTitle(
            f"Cost per {bucket} by {dim}" if rows else "No priced calls under this filter"
        )
        series = QStackedBarSeries()
        for n, (group, values) in enumerate(stacked):
            # Legend labels are rendered as HTML by Qt Charts: the group (trace text) is
            # escaped to show as written, and capped to one short line.
            bar = QBarSet(html.escape(display.one_line(group, 60), quote=False))
            bar.append(values)
            bar.setColor(QColor(COLOURS[n % len(COLOURS)]))
            bar.setBorderColor(QColor(COLOURS[n % len(COLOURS)]))
            series.append(bar)
        chart.addSeries(series)
        x = QBarCategoryAxis()
        x.append(self.buckets or [""])
        x.setLabelsAngle(-60 if len(self.buckets) > 6 else 0)
        y = QValueAxis()
        y.setLabelFormat("$%.2f")
        peak = max((sum(v[i] for _, v in stacked) for i in range(len(self.buckets))), default=0.0)
        y.setRange(0, peak * 1.08 if peak > 0 else 1.0)
        if 0 < peak < 0.05:
            y.setLabelFormat("$%.4f")
        for axis, side in ((x, Qt.AlignmentFlag.AlignBottom), (y, Qt.AlignmentFlag.AlignLeft)):
            axis.setLabelsBrush(text)
            axis.setTitleBrush(text)
            chart.addAxis(axis, side)
            series.attachAxis(axis)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
        chart.legend().setLabelColor(text)
        old = self.chart()
        self.setChart(chart)
        if old is not None:
            old.deleteLater()

    def save_png(self, path: str) -> bool:
        """Write the chart as it is on screen to a PNG file."""
        return self.grab().save(path, "PNG")
