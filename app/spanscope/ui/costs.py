"""The costs screen: where the money goes under the current filter.

Totals, a chart over time stacked by a chosen dimension with the breakdown table beside it,
runaway traces with the reason each is listed, and cache efficiency by model. It follows the
query bar of the main window; every query runs in the window's runner.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from spanscope.core.cost_analysis import runaways, scope
from spanscope.core.filter_value import Filter
from spanscope.core.pricing import cost_rules
from spanscope.store import costs as store_costs
from spanscope.store.cost_reports import DIMENSIONS, breakdown, cache_efficiency, totals
from spanscope.ui import display
from spanscope.ui.cost_chart import CostChart
from spanscope.ui.cost_table import BREAKDOWN, CACHE, RUNAWAYS, Column, RowsModel
from spanscope.ui.keyboard import close_on_escape
from spanscope.ui.window_surface import WindowSurface

GROUPINGS = ("model", "provider", "service", "user", "session", "tag", "operation")


def _report(cur: Any, applied: Filter, dim: str, bucket: str) -> dict[str, Any]:
    """Everything the screen shows, as plain data (runs in a worker)."""
    where = scope(applied)
    return {
        "totals": totals(cur, where.spans),
        "table": breakdown(cur, [dim], where.spans).to_pylist(),
        "chart": breakdown(cur, [bucket, dim], where.spans).to_pylist(),
        "runaways": [asdict(r) for r in runaways(cur, applied)],
        "cache": cache_efficiency(cur, where.spans).to_pylist(),
        "pending": store_costs.pending(cur),
    }


class CostsWindow(QWidget):
    """A window of its own beside the main window, one per main window."""

    def __init__(self, window: WindowSurface) -> None:
        super().__init__(window.widget, Qt.WindowType.Window)
        close_on_escape(self)
        self.main = window
        self.setWindowTitle(f"Costs — {window.db.path.name}")
        self.resize(1280, 820)
        self.filter_label = QLabel(self)
        self.filter_label.setTextFormat(Qt.TextFormat.PlainText)
        self.dimension = QComboBox(self)
        for name in GROUPINGS:
            self.dimension.addItem(DIMENSIONS[name].title, name)
        self.bucket = QComboBox(self)
        self.bucket.addItem("Day", "day")
        self.bucket.addItem("Hour", "hour")
        self.bucket.addItem("Month", "month")
        self.png_button = QPushButton("Export chart PNG…", self)
        self.csv_button = QPushButton("Export table CSV…", self)
        self.prices_button = QPushButton("Prices…", self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Stack by", self))
        bar.addWidget(self.dimension)
        bar.addWidget(QLabel("per", self))
        bar.addWidget(self.bucket)
        bar.addWidget(self.filter_label, 1)
        for button in (self.png_button, self.csv_button, self.prices_button):
            bar.addWidget(button)
        self.totals_label = QLabel("Loading…", self)
        self.totals_label.setTextFormat(Qt.TextFormat.PlainText)
        self.totals_label.setWordWrap(True)
        self.chart = CostChart(self)
        self.table_model = RowsModel(BREAKDOWN, self)
        self.table = self._view(self.table_model)
        # Cost and Share beside the group: the columns read first stay in view (the CSV keeps
        # its column order).
        header = self.table.horizontalHeader()
        for visual, key in ((1, "cost_usd"), (2, "share")):
            logical = 1 + [c.key for c in BREAKDOWN].index(key)
            header.moveSection(header.visualIndex(logical), visual)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.chart)
        split.addWidget(self.table)
        split.setSizes([620, 660])
        self.runaway_model = RowsModel(RUNAWAYS, self)
        self.runaway_view = self._view(self.runaway_model)
        self.runaway_view.doubleClicked.connect(self._open_runaway)
        self.cache_model = RowsModel(CACHE, self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.runaway_view, "Runaway traces")
        self.tabs.addTab(self._view(self.cache_model), "Cache efficiency")
        body = QSplitter(Qt.Orientation.Vertical, self)
        body.addWidget(split)
        body.addWidget(self.tabs)
        body.setSizes([520, 260])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.totals_label)
        layout.addWidget(body, 1)
        self.report: dict[str, Any] | None = None
        self.dimension.currentIndexChanged.connect(lambda _i: self.refresh())
        self.bucket.currentIndexChanged.connect(lambda _i: self.refresh())
        self.png_button.clicked.connect(self.ask_export_png)
        self.csv_button.clicked.connect(self.ask_export_csv)
        self.prices_button.clicked.connect(self.open_prices)
        # the filter as applied, never the text still being typed in the query bar
        self.filter: Filter = window.filter
        window.filter_applied.connect(self.follow_filter)

    def follow_filter(self, applied: Filter) -> None:
        """The filter applied in the query bar changed: show its costs."""
        self.filter = applied
        if self.isVisible():
            self.refresh()

    def _view(self, model: RowsModel) -> QTableView:
        view = QTableView(self)
        view.setModel(model)
        view.setSortingEnabled(True)
        view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.DescendingOrder)  # as queried
        view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        view.verticalHeader().hide()
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        view.horizontalHeader().setStretchLastSection(True)
        # a long group name is elided (its tool tip has it) so the numbers stay in view
        view.horizontalHeader().setMaximumSectionSize(
            self.fontMetrics().horizontalAdvance("x" * 36)
        )
        return view

    def refresh(self) -> None:
        """Run the reports again for the current filter and choices."""
        applied = self.filter
        self.filter_label.setText(
            f"Filter: {applied.text} ({applied.span_meaning})"
            if not applied.empty
            else "All calls (no filter)"
        )
        dim, bucket = self.dimension.currentData(), self.bucket.currentData()
        self.totals_label.setText("Loading…")
        self.main.runner.submit(
            "costs",
            lambda cur: _report(cur, applied, dim, bucket),
            lambda report: self._show(report, dim, bucket),
            self._failed,
        )

    def _failed(self, message: str) -> None:
        self.totals_label.setText(f"Costs could not be computed: {message}")

    def _show(self, report: dict[str, Any], dim: str, bucket: str) -> None:
        self.report = report
        t = report["totals"]
        parts = [
            f"{display.cost(t['cost_usd']) or display.NONE} over {display.number(t['calls'])} "
            f"model calls in {display.number(t['traces'])} traces",
        ]
        if t["unpriced_calls"]:
            parts.append(f"{display.number(t['unpriced_calls'])} unpriced calls (not in the total)")
        if t["mismatched_calls"]:
            parts.append(
                f"{display.number(t['mismatched_calls'])} calls whose recorded cost disagrees "
                "with the price (recorded cost used)"
            )
        if t["override_calls"]:
            parts.append(f"{display.number(t['override_calls'])} priced by your overrides")
        if t["cache_saving_usd"]:
            parts.append(f"the prompt cache saved {display.cost(t['cache_saving_usd'])}")
        if report["pending"]:
            parts.append("calls stored by an older version are being priced")
        self.totals_label.setText(" · ".join(parts))
        lead = Column(
            DIMENSIONS[dim].title, dim, lambda v: display.one_line(v) or "(none)", numeric=False
        )
        self.table_model.set_rows(report["table"], lead)
        self.chart.show_rows(report["chart"], bucket, dim)
        self.runaway_model.set_rows(report["runaways"])
        self.cache_model.set_rows(report["cache"])
        self.tabs.setTabText(0, f"Runaway traces ({len(report['runaways'])})")

    def _open_runaway(self, index: QModelIndex) -> None:
        trace_id = self.runaway_model.rows[index.row()]["trace_id"]
        self.main.show_trace(trace_id)
        self.main.widget.raise_()
        self.main.widget.activateWindow()

    def ask_export_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export chart", "costs.png", "PNG (*.png)")
        if path:
            self.chart.save_png(path)

    def ask_export_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export table", "costs.csv", "CSV (*.csv)")
        if path:
            self.table_model.write_csv(path)

    def open_prices(self) -> None:
        from spanscope.ui.price_settings import PriceSettings

        PriceSettings(self.main, on_changed=self._prices_changed, parent=self).open()

    def _prices_changed(self) -> None:
        self.refresh()
        self.main.reload()


class CostsFeature:
    """The Costs menu: the costs window (one per main window) and the pricing of calls an
    older version stored."""

    def __init__(self, window: WindowSurface) -> None:
        self.surface = window
        self.window: CostsWindow | None = None
        menu = window.menu("C&osts")
        action = menu.addAction("&Costs and runaway traces…")
        action.setShortcut(QKeySequence("Ctrl+Shift+K"))
        action.triggered.connect(lambda _c=False: self.open())
        prices = menu.addAction("&Prices…")
        prices.triggered.connect(lambda _c=False: self.open().open_prices())
        self.price_pending()

    def open(self) -> CostsWindow:
        """Show the costs window."""
        if self.window is None:
            self.window = CostsWindow(self.surface)
        self.window.show()
        self.window.raise_()
        self.window.refresh()
        return self.window

    def price_pending(self) -> None:
        """Price the calls of a file upgraded from an older version, once, in the background."""
        window = self.surface
        if window.db.read_only:
            return
        rules = cost_rules()

        def work(cur: Any) -> int:
            return store_costs.reprice(cur, rules) if store_costs.pending(cur) else -1

        def done(priced: int) -> None:
            if priced >= 0:
                window.show_message(f"Priced {priced:,} model calls stored by an older version")
                window.reload()

        window.writes.write(work, done, window.show_message)

    def shutdown(self) -> None:
        if self.window is not None:
            self.window.close()


def install(window: WindowSurface) -> CostsFeature:
    return CostsFeature(window)
