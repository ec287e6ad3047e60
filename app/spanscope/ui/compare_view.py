"""The Compare tab: two cohorts of traces — two filters, or the current filter split at a
moment — side by side, every metric tested, what changed first; then the failure groups new or
grown in B (double-click one to list its spans)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from spanscope.core.cohort_compare import Comparison
from spanscope.ui import display
from spanscope.ui.cost_table import Column, RowsModel


def _value(value: Any) -> str:
    if value is None:
        return display.NONE
    if isinstance(value, float) and 0 < abs(value) < 0.01:
        return f"{value:.2e}"
    return f"{value:,.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


METRICS = (
    Column("", "marker", str, numeric=False),
    Column("Metric", "metric", str, numeric=False),
    Column("A", "a", _value),
    Column("B", "b", _value),
    Column("Change", "change", str),
    Column("p (adjusted)", "p_value", lambda v: f"{v:.2g}"),
    Column("Test", "test", str, numeric=False),
)
GROUPS = (
    Column("", "what", str, numeric=False),
    Column("Kind", "kind", str, numeric=False),
    Column("Signature", "signature", lambda v: display.one_line(v) or display.NONE, numeric=False),
    Column("Traces in A", "traces_a", lambda v: display.number(v or 0)),
    Column("Traces in B", "traces_b", lambda v: display.number(v or 0)),
)


def metric_rows(result: Comparison) -> list[dict[str, Any]]:
    """The comparison as table rows: significant differences marked, ranked as computed."""
    rows = []
    for diff in result.metrics:
        ratio = diff.ratio
        change = f"×{ratio:.2f}" if ratio is not None else ("new" if diff.a is None else "")
        rows.append(
            {
                "marker": "●" if diff.significant else "",
                "metric": diff.metric,
                "a": diff.a,
                "b": diff.b,
                "change": change,
                "p_value": diff.p_value,
                "test": diff.test,
            }
        )
    return rows


class CompareView(QWidget):
    """Inputs for the two cohorts and the ranked result. ``run(a, b)`` is called with the two
    filter texts; the window answers through :meth:`show_result`."""

    def __init__(
        self,
        run: Callable[[str, str], None],
        open_group: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.run, self.open_group = run, open_group
        self.base = ""
        self.a_edit = QLineEdit(self)
        self.a_edit.setPlaceholderText("e.g. model:gpt-4o   (added to the current filter)")
        self.b_edit = QLineEdit(self)
        self.b_edit.setPlaceholderText("e.g. model:gpt-4o-mini")
        self.split_edit = QLineEdit(self)
        self.split_edit.setPlaceholderText("or split at a moment: 2026-11-28T14:00, 2h …")
        self.compare_button = QPushButton("Compare", self)
        self.summary = QLabel("Choose two cohorts: two filters, or a moment to split at.", self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Cohort A", self.a_edit)
        form.addRow("Cohort B", self.b_edit)
        split = QHBoxLayout()
        split.addWidget(self.split_edit, 1)
        split.addWidget(self.compare_button)
        form.addRow("Split", split)
        self.metrics = RowsModel(METRICS, self)
        self.groups = RowsModel(GROUPS, self)
        body = QSplitter(Qt.Orientation.Vertical, self)
        self.metrics_view = self._table(self.metrics, body)
        self.groups_view = self._table(self.groups, body)
        body.setSizes([440, 200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(body, 1)
        self.compare_button.clicked.connect(self.compare)
        for edit in (self.a_edit, self.b_edit, self.split_edit):
            edit.returnPressed.connect(self.compare)
        self.groups_view.doubleClicked.connect(self._open_group)

    def _table(self, model: RowsModel, parent: QWidget) -> QTableView:
        view = QTableView(parent)
        view.setModel(model)
        view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        view.verticalHeader().hide()
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        view.horizontalHeader().setStretchLastSection(True)
        return view

    def cohorts(self) -> tuple[str, str]:
        """The filter texts of A and B: the current filter with each side's terms, or split."""
        a = " ".join(t for t in (self.base, self.a_edit.text().strip()) if t)
        b = " ".join(t for t in (self.base, self.b_edit.text().strip()) if t)
        moment = self.split_edit.text().strip()
        if moment:
            a, b = f"{a} before:{moment}".strip(), f"{b} after:{moment}".strip()
        return a, b

    def compare(self) -> None:
        a, b = self.cohorts()
        if a == b:
            self.summary.setText(
                "The two cohorts are the same: give A and B, or a moment to split at."
            )
            return
        self.summary.setText("Comparing…")
        self.run(a, b)

    def show_result(self, result: Comparison, a: str, b: str) -> None:
        changed = sum(1 for d in result.metrics if d.significant)
        self.summary.setText(
            f"A: {a or 'all traces'} ({display.number(result.traces_a)} traces)   "
            f"B: {b or 'all traces'} ({display.number(result.traces_b)} traces)   — "
            + (
                f"{changed} significant difference{'s' if changed != 1 else ''} (●), ranked first"
                if changed
                else "no significant difference"
            )
        )
        self.metrics.set_rows(metric_rows(result))
        self.groups.set_rows(
            [
                {
                    "what": "new in B" if c.new else "grew in B",
                    "kind": c.group.kind,
                    "signature": c.group.signature,
                    "traces_a": c.traces_a,
                    "traces_b": c.traces_b,
                    "group_id": c.group.group_id,
                }
                for c in result.groups
            ]
        )

    def show_error(self, message: str) -> None:
        self.summary.setText(f"Could not compare: {message}")

    def _open_group(self, index: Any) -> None:
        self.open_group(str(self.groups.rows[index.row()]["group_id"]))
