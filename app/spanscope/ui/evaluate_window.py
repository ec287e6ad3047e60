"""The Evaluate window: run a code check or an LLM judge over the calls of the current filter
(an estimate first, then progress and Cancel), and see how far to trust it against the
reviewers (a confusion table and kappa per reviewer; double-click a disagreement to open it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from spanscope.core.evaluators import CheckError, Evaluator, describe, evaluator
from spanscope.core.evaluators.trust import judge_agreement
from spanscope.core.filters import compile_filter
from spanscope.core.replay_endpoints import EndpointError, api_key, find_endpoint, load_endpoints
from spanscope.core.replay_transport import Endpoint
from spanscope.model.annotation import Annotation
from spanscope.store import evaluations as stored
from spanscope.ui import display
from spanscope.ui.cost_table import Column, RowsModel
from spanscope.ui.evaluation_run import EvaluationRun
from spanscope.ui.keyboard import close_on_escape
from spanscope.ui.window_surface import WindowSurface

EXAMPLES = (
    "grounded:0.6",
    "no-refusal",
    "not-truncated",
    "json",
    "tool-args-valid",
    "contains:refund",
    "latency<2s",
    "faithfulness",
    "answer-relevance",
    "retrieval-relevance",
    "tool-correctness",
    "refusal",
    "toxicity",
    "rubric:answers with a source",
)


def _kappa(value: Any) -> str:
    return display.NONE if value is None else f"{value:.3f}"


AGREEMENT = (
    Column("Reviewer", "reviewer", str, numeric=False),
    Column("Items", "items", lambda v: display.number(v or 0)),
    Column("Agreed", "agreed", lambda v: display.number(v or 0)),
    Column("Both failed", "both_failed", lambda v: display.number(v or 0)),
    Column("Only the judge", "only_judge_failed", lambda v: display.number(v or 0)),
    Column("Only the reviewer", "only_reviewer_failed", lambda v: display.number(v or 0)),
    Column("Both passed", "both_passed", lambda v: display.number(v or 0)),
    Column("Cohen's κ", "cohen", _kappa),
)


class EvaluateWindow(QWidget):
    """One per main window."""

    def __init__(self, window: WindowSurface) -> None:
        super().__init__(window.widget, Qt.WindowType.Window)
        self.main = window
        close_on_escape(self)
        self.setWindowTitle(f"Evaluate — {window.db.path.name}")
        self.resize(1100, 720)
        self.filter_text = window.filter.text  # as applied, never the text being typed
        self.rows: list[dict[str, Any]] = []
        self.current: Evaluator | None = None
        self.run = EvaluationRun(self._save, self)
        self.run.progressed.connect(self._progressed)
        self.run.finished.connect(self._finished)

        self._endpoint: Endpoint | None = None
        self.name = QComboBox(self)
        self.name.setEditable(True)  # any check spec or rubric:TEXT may be typed
        self.name.addItems(EXAMPLES)
        self.name.setToolTip("\n".join(f"{spec}: {what}" for spec, what in describe()))
        self.endpoint = QComboBox(self)
        self.endpoint.addItem("(no endpoint: code checks only)", "")
        for ep in load_endpoints():
            self.endpoint.addItem(f"{ep.name} — {ep.model or 'recorded model'}", ep.name)
        self.limit = QSpinBox(self)
        self.limit.setRange(0, 10_000_000)
        self.limit.setSpecialValueText("all")
        self.filter_label = QLabel(self)
        self.filter_label.setTextFormat(Qt.TextFormat.PlainText)
        self.estimate_button = QPushButton("Estimate", self)
        self.run_button = QPushButton("Run", self)
        self.run_button.setEnabled(False)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setEnabled(False)
        self.status = QLabel("Choose an evaluator and press Estimate.", self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.hide()
        form = QFormLayout()
        form.addRow("Evaluator", self.name)
        form.addRow("Endpoint", self.endpoint)
        form.addRow("At most", self.limit)
        form.addRow("Calls", self.filter_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.estimate_button, self.run_button, self.cancel_button):
            buttons.addWidget(button)
        run_tab = QWidget(self)
        run_layout = QVBoxLayout(run_tab)
        run_layout.addLayout(form)
        run_layout.addLayout(buttons)
        run_layout.addWidget(self.progress)
        run_layout.addWidget(self.status)
        run_layout.addStretch(1)

        self.agreement = RowsModel(AGREEMENT, self)
        self.agreement_view = QTableView(self)
        self.agreement_view.setModel(self.agreement)
        self.agreement_view.verticalHeader().hide()
        self.agreement_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.agreement_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.disagreements = QListWidget(self)
        self.agreement_status = QLabel("", self)
        self.agreement_status.setTextFormat(Qt.TextFormat.PlainText)
        self.agreement_status.setWordWrap(True)
        trust_tab = QWidget(self)
        trust_layout = QVBoxLayout(trust_tab)
        trust_layout.addWidget(self.agreement_status)
        split = QSplitter(Qt.Orientation.Vertical, trust_tab)
        split.addWidget(self.agreement_view)
        split.addWidget(self.disagreements)
        trust_layout.addWidget(split, 1)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(run_tab, "Run")
        self.tabs.addTab(trust_tab, "Trust the judge")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)

        self.estimate_button.clicked.connect(self.estimate)
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.run.cancel)
        self.name.currentTextChanged.connect(lambda _t: self.run_button.setEnabled(False))
        self.endpoint.currentIndexChanged.connect(lambda _i: self.run_button.setEnabled(False))
        self.tabs.currentChanged.connect(lambda i: self.load_agreement() if i == 1 else None)
        self.agreement_view.selectionModel().currentRowChanged.connect(
            lambda *_a: self._show_disagreements()
        )
        self.disagreements.itemDoubleClicked.connect(self._open_disagreement)
        window.filter_applied.connect(lambda applied: self.follow_filter(applied.text))
        self._show_filter()

    # -- choosing ---------------------------------------------------------------------------

    def follow_filter(self, text: str) -> None:
        self.filter_text = text.strip()
        self._show_filter()
        self.run_button.setEnabled(False)

    def _show_filter(self) -> None:
        self.filter_label.setText(
            f"the model calls matching {self.filter_text}"
            if self.filter_text
            else "every model call (no filter)"
        )

    def chosen(self) -> tuple[Evaluator, Any]:
        """The evaluator and endpoint chosen; CheckError / EndpointError saying what is wrong."""
        name = self.name.currentText().strip()
        endpoint_name = str(self.endpoint.currentData() or "")
        endpoint = find_endpoint(endpoint_name) if endpoint_name else None
        ev = evaluator(name, endpoint.model if endpoint else "")
        if ev.needs_endpoint and endpoint is None:
            raise CheckError(f"{name} is an LLM judge: choose an endpoint (Replay ▸ Endpoints…)")
        return ev, endpoint

    def estimate(self) -> None:
        """Read the calls to judge (in a worker) and say what a run would do."""
        try:
            ev, endpoint = self.chosen()
        except (CheckError, EndpointError) as exc:
            self.status.setText(str(exc))
            return
        text, limit = self.filter_text, self.limit.value() or None
        self.status.setText("Reading the calls…")

        def work(cur: Any) -> tuple[list[dict[str, Any]], int]:
            rows = stored.calls_to_judge(cur, compile_filter(text, "spans"), limit, ev.needs)
            before = stored.judged(cur, ev.author)
            fresh = [
                r for r in rows if before.get((r["trace_id"], r["span_id"])) != r["content_hash"]
            ]
            return fresh, len(rows)

        def done(result: tuple[list[dict[str, Any]], int]) -> None:
            fresh, total = result
            self.rows, self.current = fresh, ev
            where = f"{len(fresh)} requests to {endpoint.name}" if endpoint else "no network"
            self.status.setText(
                f"{display.number(total)} calls selected; {display.number(total - len(fresh))} "
                f"already judged by {ev.author} on the same content; "
                f"{display.number(len(fresh))} to judge ({where})."
            )
            self.run_button.setEnabled(bool(fresh))
            self._endpoint = endpoint

        self.main.runner.submit("evaluate-estimate", work, done, self.status.setText)

    # -- running ----------------------------------------------------------------------------

    def start(self) -> None:
        if self.current is None or not self.rows:
            return
        key = ""
        if self._endpoint is not None:
            lookup = api_key(self._endpoint)
            if lookup.key is None:
                self.status.setText(lookup.problem or "no key")
                return
            key = lookup.key
        self.progress.setRange(0, len(self.rows))
        self.progress.setValue(0)
        self.progress.show()
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(f"Judging with {self.current.author}…")
        self.run.start(self.current, self.rows, self._endpoint, key)

    def _save(self, batch: Sequence[Annotation]) -> None:
        self.main.writes.run(stored.save_verdicts, batch)  # the one write queue; waits for it

    def _progressed(self, done: int, total: int, errors: int) -> None:
        self.progress.setValue(done)
        self.status.setText(f"{done:,} of {total:,} judged, {errors:,} evaluator errors")

    def _finished(self, counts: dict[str, Any]) -> None:
        self.cancel_button.setEnabled(False)
        self.progress.hide()
        self.rows = []
        said = (
            f"{counts['passed']:,} passed, {counts['failed']:,} failed, "
            f"{counts['errors']:,} evaluator errors"
        )
        if counts.get("cancelled"):
            said = f"Cancelled: {said} (kept)"
        if counts.get("problem"):
            said += f". Stopped: {counts['problem']}"
        self.status.setText(
            said + ". Filter with author:" + (self.current.author if self.current else "")
        )
        self.main.reload()

    # -- trusting ---------------------------------------------------------------------------

    def load_agreement(self) -> None:
        try:
            ev, _endpoint = self.chosen()
        except (CheckError, EndpointError) as exc:
            self.agreement_status.setText(str(exc))
            return
        self.agreement_status.setText("Comparing with the reviewers…")

        def work(cur: Any) -> list[dict[str, Any]]:
            found = stored.verdicts_and_reviews(cur, ev.author)
            return [
                asdict(r) | {"agreed": r.agreed}
                for r in judge_agreement(found, ev.author, ev.failure_labels)
            ]

        def done(rows: list[dict[str, Any]]) -> None:
            self.agreement.set_rows(rows)
            self.disagreements.clear()
            if rows:  # the first reviewer's disagreements are shown at once
                # selected by the selection model itself: selectRow would read the keyboard's
                # modifiers and could toggle instead of select
                self.agreement_view.selectionModel().setCurrentIndex(
                    self.agreement.index(0, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                self._show_disagreements(0)
            self.agreement_status.setText(
                f"{ev.author} against each reviewer on the spans both judged (failed: any "
                "label for a reviewer). Select a row to list the disagreements."
                if rows
                else f"No reviewer labelled the calls {ev.author} judged."
            )

        self.main.runner.submit("evaluate-agreement", work, done, self.agreement_status.setText)

    def _show_disagreements(self, row: int | None = None) -> None:
        """List the disagreements of ``row`` of the table (default: the current row)."""
        self.disagreements.clear()
        if row is None:
            current = self.agreement_view.selectionModel().currentIndex()
            row = current.row() if current.isValid() else -1
        if 0 <= row < len(self.agreement.rows):
            for trace_id, span_id in self.agreement.rows[row]["disagreements"]:
                self.disagreements.addItem(f"{trace_id}/{span_id}")

    def _open_disagreement(self, item: Any) -> None:
        trace_id, _, span_id = item.text().partition("/")
        self.main.show_trace(trace_id, span_id)
        self.main.widget.raise_()
        self.main.widget.activateWindow()

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self.run.wait()
        super().closeEvent(event)


class EvaluateFeature:
    """The Evaluate menu and its window (one per main window)."""

    def __init__(self, window: WindowSurface) -> None:
        self.surface = window
        self.window: EvaluateWindow | None = None
        menu = window.menu("E&valuate")
        action = menu.addAction("&Evaluate these calls…")
        action.setShortcut(QKeySequence("Ctrl+Shift+J"))
        action.triggered.connect(lambda _c=False: self.open())

    def open(self) -> EvaluateWindow:
        """Show the evaluate window."""
        if self.window is None:
            self.window = EvaluateWindow(self.surface)
        self.window.show()
        self.window.raise_()
        return self.window

    def shutdown(self) -> None:
        if self.window is not None:
            self.window.run.wait()  # verdicts in flight are saved before the queue stops


def install(window: WindowSurface) -> EvaluateFeature:
    return EvaluateFeature(window)
