"""The "Replay call" dialog: the recorded request of an llm span, editable, sent N times to an
endpoint from settings, with a check, progress, cancel, errors and retry; the re-runs stored
for the span; and "Diff with original".

Opening it sends nothing: a request leaves the machine only when Send or Retry is pressed.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from spanscope.core import replay_endpoints as settings
from spanscope.core.replay_request import (
    CallOutput,
    ReplayRequest,
    recorded_output,
    request_from_span,
)
from spanscope.core.replay_runs import Run
from spanscope.core.replay_sameness import CHECK_KINDS, Check, summarise
from spanscope.core.replay_transport import Endpoint
from spanscope.store import Database, queries
from spanscope.store.replays import list_replays
from spanscope.ui import display
from spanscope.ui.replay_batch import ReplayBatch
from spanscope.ui.replay_diff import open_replay_diff
from spanscope.ui.replay_rows import answer_text, result_cells, sdk_missing, stored_cells
from spanscope.ui.workers import QueryRunner
from spanscope.ui.writes import Writes

RESULT_COLUMNS = (
    "#",
    "Status",
    "Same as recorded",
    "Check",
    "Tokens",
    "Latency",
    "Answer or error",
)
STORED_COLUMNS = ("Replay", "When", "Endpoint", "Model", "Status", "Same", "Answer or error")
MAX_REPEATS = 100


class ReplayDialog(QDialog):
    """Re-run one llm span."""

    def __init__(
        self,
        db: Database,
        runner: QueryRunner,
        writes: Writes,
        trace_id: str,
        span_id: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Replay call {span_id}")
        self.setModal(False)
        self.db, self.runner, self.writes = db, runner, writes
        self.trace_id, self.span_id = trace_id, span_id
        self._group = f"replay-dialog-{id(self)}"
        self.detail: dict[str, Any] | None = None
        self.recorded = CallOutput()
        self.results: list[Run | None] = []
        self._targets: list[int] = []  # result rows the running batch fills, in order
        self._check: Check | None = None
        self._cancelled = False
        self.batch = ReplayBatch(writes, self)
        self.batch.run_done.connect(self._run_done)
        self.batch.finished.connect(self._batch_finished)

        self.banner = QLabel(self)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        self.endpoint = QComboBox(self)
        self.endpoint.currentIndexChanged.connect(lambda _i: self._endpoint_changed())
        self.edit_endpoints = QPushButton("Endpoints…", self)
        self.edit_endpoints.clicked.connect(self._edit_endpoints)
        self.model = QLineEdit(self)
        self.repeats = QSpinBox(self)
        self.repeats.setRange(1, MAX_REPEATS)
        self.repeats.setToolTip("How many times to send it, to see how often the answer repeats")
        self.check_kind = QComboBox(self)
        self.check_kind.addItem("no check", "")
        for kind in CHECK_KINDS:
            self.check_kind.addItem(kind.replace("-", " "), kind)
        self.check_value = QLineEdit(self)
        self.check_value.setPlaceholderText("text or tool name")
        self.messages = self._editor()
        self.tools = self._editor()
        self.params = self._editor()
        self.editors = QTabWidget(self)
        for editor, title in (
            (self.messages, "Messages"),
            (self.tools, "Tools"),
            (self.params, "Parameters"),
        ):
            self.editors.addTab(editor, title)
        self.reset = QPushButton("Reset to recorded", self)
        self.reset.clicked.connect(self._fill_request)
        self.send_button = QPushButton("Send", self)
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.send)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.retry_button = QPushButton("Retry failed", self)
        self.retry_button.setEnabled(False)
        self.retry_button.clicked.connect(self.retry_failed)
        self.progress = QProgressBar(self)
        self.progress.setFormat("%v of %m")
        self.progress.setValue(0)
        self.summary = QLabel("Nothing sent yet.", self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.result_table = self._table(RESULT_COLUMNS)
        self.result_table.itemSelectionChanged.connect(self._result_selected)
        wide = self.fontMetrics().horizontalAdvance("failed: rate_limit") + 18
        self.result_table.setColumnWidth(1, wide)
        self.stored_table = self._table(STORED_COLUMNS)
        self.stored_table.itemSelectionChanged.connect(self._stored_selected)
        when = self.fontMetrics().horizontalAdvance("2026-01-01 00:00:00") + 18
        self.stored_table.setColumnWidth(1, when)
        self.stored_table.setColumnWidth(4, wide)
        self.answer = QPlainTextEdit(self)
        self.answer.setReadOnly(True)
        self.answer.setPlaceholderText("Select a run to read its whole answer.")
        self.diff_button = QPushButton("Diff with original", self)
        self.diff_button.setEnabled(False)
        self.diff_button.clicked.connect(self.diff_selected)
        self.annotate_button = QPushButton("Annotate…", self)
        self.annotate_button.setToolTip("Label the selected re-run (kept as span replay-<id>)")
        self.annotate_button.setEnabled(False)
        self.annotate_button.clicked.connect(self._ask_annotation)
        self.selected_replay: int | None = None
        self.diff_windows: list[QWidget] = []
        self._layout()
        self._load_endpoints()
        self.send_button.setEnabled(False)
        self.runner.submit(
            f"{self._group}-span",
            lambda cur: queries.span_detail(cur, trace_id, span_id),
            self._detail_loaded,
            lambda message: self._show_banner(f"Could not load the span: {message}"),
        )
        self.load_stored()

    # -- layout ------------------------------------------------------------------------------

    def _editor(self) -> QPlainTextEdit:
        editor = QPlainTextEdit(self)
        editor.setFont(display.mono_font())
        editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        return editor

    def _table(self, columns: tuple[str, ...]) -> QTableWidget:
        table = QTableWidget(0, len(columns), self)
        table.setHorizontalHeaderLabels(list(columns))
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        table.setWordWrap(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(len(columns) - 1, QHeaderView.ResizeMode.Stretch)
        fm = self.fontMetrics()
        for column, title in enumerate(
            columns[:-1]
        ):  # room for the title; the answer takes the rest
            table.setColumnWidth(column, max(fm.horizontalAdvance(title), 36) + 18)
        return table

    def _layout(self) -> None:
        form = QFormLayout()
        where = QHBoxLayout()
        where.addWidget(self.endpoint, 1)
        where.addWidget(self.edit_endpoints)
        form.addRow("Endpoint", where)
        form.addRow("Model", self.model)
        runs = QHBoxLayout()
        runs.addWidget(self.repeats)
        runs.addWidget(QLabel("times; check", self))
        runs.addWidget(self.check_kind)
        runs.addWidget(self.check_value, 1)
        form.addRow("Send", runs)
        request = QWidget(self)
        request_layout = QVBoxLayout(request)
        request_layout.setContentsMargins(0, 0, 0, 0)
        request_layout.addLayout(form)
        request_layout.addWidget(self.editors, 1)
        actions = QHBoxLayout()
        for button in (self.send_button, self.cancel_button, self.retry_button):
            actions.addWidget(button)
        actions.addWidget(self.progress, 1)
        actions.addWidget(self.reset)
        request_layout.addLayout(actions)
        results = QWidget(self)
        results_layout = QVBoxLayout(results)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addWidget(self.summary)
        results_layout.addWidget(self.result_table, 2)
        stored_bar = QHBoxLayout()
        stored_bar.addWidget(QLabel("Stored re-runs of this span", self), 1)
        stored_bar.addWidget(self.annotate_button)
        stored_bar.addWidget(self.diff_button)
        results_layout.addLayout(stored_bar)
        results_layout.addWidget(self.stored_table, 2)
        results_layout.addWidget(self.answer, 2)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(request)
        split.addWidget(results)
        split.setSizes([560, 640])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(split, 1)
        self.resize(1240, 780)

    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    # -- endpoints and the recorded request --------------------------------------------------

    def _load_endpoints(self) -> None:
        current = self.endpoint.currentText()
        self.endpoint.blockSignals(True)
        self.endpoint.clear()
        try:
            endpoints = settings.load_endpoints()
        except settings.EndpointError as exc:
            endpoints = []
            self._show_banner(f"The endpoints file cannot be read: {exc}")
        for endpoint in endpoints:
            self.endpoint.addItem(
                f"{endpoint.name} ({endpoint.protocol}, {endpoint.base_url})", endpoint
            )
        found = self.endpoint.findText(current)
        self.endpoint.setCurrentIndex(max(found, 0))
        self.endpoint.blockSignals(False)
        self._endpoint_changed()

    def current_endpoint(self) -> Endpoint | None:
        data = self.endpoint.currentData()
        return data if isinstance(data, Endpoint) else None

    def _endpoint_changed(self) -> None:
        endpoint = self.current_endpoint()
        problem = ""
        if endpoint is None:
            problem = "No endpoint yet: add one with “Endpoints…” (an OpenAI-compatible server or the Anthropic API)."
        else:
            problem = sdk_missing(endpoint.protocol) or ""
            if endpoint.model:
                self.model.setText(endpoint.model)
            elif self.detail is not None:
                self.model.setText(request_from_span(self.detail).model)
        if self.db.read_only and not problem:
            problem = "This is a read-only copy: re-runs are shown but not stored."
        self._show_banner(problem)
        self._update_buttons()

    def _edit_endpoints(self) -> None:
        from spanscope.ui.replay_endpoints import EndpointsDialog

        dialog = EndpointsDialog(self)
        dialog.exec()
        self._load_endpoints()

    def _detail_loaded(self, detail: dict[str, Any] | None) -> None:
        if detail is None:
            self._show_banner("This span is no longer in the database.")
            return
        self.detail = detail
        self.recorded = recorded_output(detail)
        if detail.get("kind") != "llm":
            self._show_banner(f"This is a {detail.get('kind')} span; only llm calls can be re-run.")
        self._fill_request()
        endpoint = self.current_endpoint()
        if not self.model.text() or (endpoint is not None and not endpoint.model):
            self.model.setText(request_from_span(detail).model)
        self._update_buttons()

    def _fill_request(self) -> None:
        if self.detail is None:
            return
        request = request_from_span(self.detail)
        self.messages.setPlainText(json.dumps(request.messages, indent=2, ensure_ascii=False))
        self.tools.setPlainText(json.dumps(request.tools, indent=2, ensure_ascii=False))
        self.params.setPlainText(json.dumps(request.params, indent=2, ensure_ascii=False))

    def edited_request(self) -> ReplayRequest:
        """The request as edited; ValueError naming the editor with a mistake."""
        parts: dict[str, Any] = {"model": self.model.text().strip()}
        for key, editor in (
            ("messages", self.messages),
            ("tools", self.tools),
            ("params", self.params),
        ):
            text = editor.toPlainText().strip()
            try:
                parts[key] = json.loads(text) if text else None
            except ValueError as exc:
                raise ValueError(f"{key.capitalize()} is not valid JSON: {exc}") from exc
        return ReplayRequest.from_dict(parts)

    def _update_buttons(self) -> None:
        endpoint = self.current_endpoint()
        ready = (
            endpoint is not None
            and self.detail is not None
            and self.detail.get("kind") == "llm"
            and sdk_missing(endpoint.protocol) is None
        )
        running = self.batch.running()
        self.send_button.setEnabled(ready and not running)
        self.cancel_button.setEnabled(running)
        failed = any(r is not None and r.outcome.error for r in self.results) or (
            None in self.results and not running
        )
        self.retry_button.setEnabled(ready and not running and failed)

    # -- sending -----------------------------------------------------------------------------

    def send(self) -> bool:
        """Send the edited request N times (the only way a request leaves from here)."""
        rows = self.repeats.value()
        self.results = [None] * rows
        return self._start(list(range(rows)))

    def retry_failed(self) -> bool:
        """Send again for every run that failed or was not sent; answers fill their rows."""
        rows = [i for i, r in enumerate(self.results) if r is None or r.outcome.error]
        return bool(rows) and self._start(rows)

    def cancel(self) -> None:
        self._cancelled = True
        self.batch.cancel()
        self.summary.setText("Cancelling after the request in flight…")

    def _start(self, rows: list[int]) -> bool:
        endpoint = self.current_endpoint()
        if endpoint is None or self.detail is None or self.batch.running():
            return False
        try:
            request = self.edited_request()
            kind = self.check_kind.currentData()
            self._check = Check.parse(f"{kind}:{self.check_value.text()}") if kind else None
        except ValueError as exc:
            self.summary.setText(str(exc))
            return False
        endpoint = dataclasses.replace(endpoint, model=request.model or endpoint.model)
        self._targets = list(rows)
        self._cancelled = False
        self.progress.setRange(0, len(rows))
        self.progress.setValue(0)
        self._fill_results()
        started = self.batch.start(
            endpoint,
            request,
            self.recorded,
            len(rows),
            trace_id=self.trace_id,
            span_id=self.span_id,
            check=self._check,
        )
        self.summary.setText(f"Sending to {endpoint.name}…")
        self._update_buttons()
        return started

    def _run_done(self, run: Run) -> None:
        if not self._targets:
            return
        row = self._targets.pop(0)
        self.results[row] = run
        self.progress.setValue(self.progress.value() + 1)
        self._fill_results()
        self._summarise()

    def _batch_finished(self, message: str) -> None:
        self._targets = []
        self._fill_results()  # rows never reached now say "not sent"
        self._summarise()
        if message:
            self._show_banner(message)
            self.summary.setText(message)
        elif self._cancelled:
            self.summary.setText("Cancelled. " + self.summary.text())
        self._update_buttons()
        self.load_stored()

    def _summarise(self) -> None:
        done = [r for r in self.results if r is not None]
        if not done:
            self.summary.setText("Nothing answered." if not self.batch.running() else "Sending…")
            return
        summary = summarise([r.outcome.output for r in done], self.recorded, self._check)
        text = summary.text()
        if len(done) < len(self.results):
            text = f"{len(done)} of {len(self.results)} done; " + text
        self.summary.setText(text)

    def _fill_results(self) -> None:
        table = self.result_table
        table.setRowCount(len(self.results))
        error = display.error_colour(self.palette())
        for row, run in enumerate(self.results):
            cells = result_cells(row, run, waiting=row in self._targets)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if run is not None and run.outcome.error:
                    item.setForeground(error)
                table.setItem(row, column, item)

    # -- stored re-runs and the diff ---------------------------------------------------------

    def load_stored(self) -> None:
        self.runner.submit(
            f"{self._group}-stored",
            lambda cur: list_replays(cur, self.trace_id, self.span_id),
            self._stored_loaded,
            lambda message: self.summary.setText(f"Could not list stored re-runs: {message}"),
        )

    def _stored_loaded(self, rows: list[dict[str, Any]]) -> None:
        table = self.stored_table
        table.setRowCount(len(rows))
        for row, stored in enumerate(rows):
            for column, text in enumerate(stored_cells(stored)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, stored)
                table.setItem(row, column, item)

    def _result_selected(self) -> None:
        rows = self.result_table.selectionModel().selectedRows()
        run = self.results[rows[0].row()] if rows and rows[0].row() < len(self.results) else None
        if run is None:
            return
        output = run.outcome.output
        self.answer.setPlainText(run.outcome.error or answer_text(output))
        self._select_replay(run.replay_id)

    def _stored_selected(self) -> None:
        rows = self.stored_table.selectionModel().selectedRows()
        if not rows:
            return
        item = self.stored_table.item(rows[0].row(), 0)
        stored = item.data(Qt.ItemDataRole.UserRole) if item else None
        if stored:
            self.answer.setPlainText(stored.get("error") or stored.get("output_text") or "")
            self._select_replay(stored.get("replay_id"))

    def _select_replay(self, replay_id: int | None) -> None:
        self.selected_replay = replay_id
        self.diff_button.setEnabled(replay_id is not None)
        self.annotate_button.setEnabled(replay_id is not None and not self.db.read_only)

    def diff_selected(self) -> None:
        if self.selected_replay is not None:
            open_replay_diff(
                self,
                self.runner,
                self.trace_id,
                self.span_id,
                self.selected_replay,
                self.diff_windows.append,
            )

    def _ask_annotation(self) -> None:
        if self.selected_replay is None:
            return
        label, ok = QInputDialog.getText(
            self, "Annotate re-run", "Label (e.g. reproduced, hallucination):"
        )
        if ok:
            note, _ok = QInputDialog.getMultiLineText(self, "Annotate re-run", "Note (optional):")
            self.annotate(self.selected_replay, label.strip(), note.strip())

    def annotate(self, replay_id: int, label: str, note: str = "") -> None:
        """Save an annotation on a stored re-run: span ``replay-<id>`` of the original trace."""
        from spanscope.model.annotation import Annotation
        from spanscope.store.annotations import save_annotation

        annotation = Annotation(
            trace_id=self.trace_id,
            span_id=f"replay-{replay_id}",
            labels=(label,) if label else (),
            note=note or None,
            origin="app",
        )
        self.writes.write(
            lambda cur: save_annotation(cur, annotation),
            lambda _saved: self.summary.setText(f"Annotated replay {replay_id}."),
            lambda message: self.summary.setText(f"Could not annotate: {message}"),
        )

    def shutdown(self) -> None:
        self.batch.shutdown()
        self.runner.cancel(f"{self._group}-span")
        self.runner.cancel(f"{self._group}-stored")

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def done(self, result: int) -> None:  # Escape and the window's close button
        self.shutdown()
        super().done(result)
