"""The eval-set export dialog: which items (the current filter or a review queue), the format,
the file, optional masking of secrets with a preview of what will be masked, and a progress bar.

Records are read and written in workers; the file appears only when complete (atomic).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spanscope.core import eval_export
from spanscope.core.eval_export import FORMATS, EvalRecord, ExportOutcome
from spanscope.core.eval_export.formats import generic
from spanscope.core.filters import compile_filter
from spanscope.core.redaction import SecretRedactor, all_rules, preview
from spanscope.store import annotations as stored
from spanscope.store import review_queues
from spanscope.ui.workers import QueryRunner


@dataclass(frozen=True)
class Scope:
    """Which items to export: a filter's (``filter_text``) or a queue's (``queue_id``)."""

    title: str
    filter_text: str = ""
    queue_id: int | None = None


def collect(cur: Any, scope: Scope) -> list[EvalRecord]:
    if scope.queue_id is not None:
        items = [(i.trace_id, i.span_id) for i in review_queues.items(cur, scope.queue_id)]
        return eval_export.collect_items(cur, items)
    if scope.filter_text.strip():
        return eval_export.collect(cur, compile_filter(scope.filter_text, "spans"), "spans")
    return eval_export.records_for(cur, stored.list_annotations(cur))


def redaction_preview(records: list[EvalRecord]) -> str:
    """What masking would change, per rule, with partly hidden examples."""
    found = preview([generic(r) for r in records])
    if not found.counts:
        return "Nothing to mask: no keys, tokens or email addresses found."
    lines = []
    for rule in all_rules():
        count = found.counts.get(rule.name, 0)
        if count:
            examples = ", ".join(found.examples.get(rule.name, []))
            lines.append(f"{rule.name}: {count} ({examples})")
    return "Will be masked:\n" + "\n".join(lines)


class _Progress(QObject):
    """Carries the writer's progress from its worker thread to the bar (queued signal)."""

    changed = Signal(int, int)


class ExportDialog(QDialog):
    """Export the annotated items of ``scope``."""

    exported = Signal(object)  # ExportOutcome

    def __init__(self, runner: QueryRunner, scope: Scope, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner, self.scope = runner, scope
        self.records: list[EvalRecord] | None = None
        self.outcome: ExportOutcome | None = None
        self.setWindowTitle("Export eval set")
        self.scope_label = QLabel(f"{scope.title}: counting…", self)
        self.scope_label.setTextFormat(Qt.TextFormat.PlainText)
        self.format = QComboBox(self)
        for fmt in FORMATS.values():
            self.format.addItem(fmt.title, fmt.name)
        self.path = QLineEdit(str(Path.home() / "evals.jsonl"), self)
        choose = QPushButton("Choose…", self)
        choose.clicked.connect(self._choose)
        self.format.currentIndexChanged.connect(lambda _i: self._suffix())
        self.redact = QCheckBox("Mask API keys, tokens and email addresses", self)
        self.redact.setChecked(True)  # on unless the user opts out: exports leave the machine
        self.redact.toggled.connect(lambda _on: self._preview())
        self.preview = QPlainTextEdit(self)
        self.preview.setReadOnly(True)
        self.preview.setMaximumHeight(110)
        self.preview.hide()
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.status = QLabel("", self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.export_button = QPushButton("Export", self)
        self.export_button.setDefault(True)
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.start)
        close = QPushButton("Close", self)
        close.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow("Items", self.scope_label)
        form.addRow("Format", self.format)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(choose)
        form.addRow("File", where)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.redact)
        layout.addWidget(self.preview)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self._progress = _Progress(self)
        self._progress.changed.connect(self._show_progress, Qt.ConnectionType.QueuedConnection)
        self.resize(620, 300)
        self._runner.submit(
            "eval-export-collect", lambda cur: collect(cur, scope), self._collected, self._failed
        )

    def set_format(self, name: str) -> None:
        self.format.setCurrentIndex(self.format.findData(name))

    def _suffix(self) -> None:
        path = Path(self.path.text())
        self.path.setText(str(path.with_suffix(FORMATS[self.format.currentData()].suffix)))

    def _choose(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export eval set to", self.path.text())
        if name:
            self.path.setText(name)

    def _collected(self, records: list[EvalRecord]) -> None:
        self.records = records
        noun = "record" if len(records) == 1 else "records"
        self.scope_label.setText(f"{self.scope.title}: {len(records):,} annotated {noun}")
        self.export_button.setEnabled(bool(records))
        if not records:
            self.status.setText("Nothing annotated here yet: label some items first.")
        self._preview()

    def _preview(self) -> None:
        self.preview.setVisible(self.redact.isChecked())
        if not self.redact.isChecked() or self.records is None:
            return
        records = self.records
        self.preview.setPlainText("Looking for secrets…")
        self._runner.compute(
            "eval-export-preview", lambda: redaction_preview(records), self.preview.setPlainText
        )

    def start(self) -> None:
        """Write the file in a worker; the bar follows it."""
        if not self.records:
            return
        records, fmt, path = self.records, self.format.currentData(), Path(self.path.text())
        redactor = SecretRedactor(all_rules()) if self.redact.isChecked() else None
        progress = self._progress
        self.export_button.setEnabled(False)
        self.bar.setRange(0, len(records))
        self.status.setText(f"Writing {path.name}…")
        self._runner.compute(
            "eval-export-write",
            lambda: eval_export.export(
                records, fmt, path, redactor=redactor, progress=progress.changed.emit
            ),
            self._done,
            self._failed,
        )

    def _show_progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)

    def _done(self, outcome: ExportOutcome) -> None:
        self.outcome = outcome
        self.bar.setValue(self.bar.maximum())
        masked = ", ".join(f"{k} {v}" for k, v in sorted(outcome.masked.items()))
        tail = f"; masked {masked}" if masked else ""
        self.status.setText(f"Wrote {outcome.records:,} records to {outcome.path}{tail}")
        self.export_button.setEnabled(True)
        self.exported.emit(outcome)

    def _failed(self, message: str) -> None:
        self.status.setText(f"Export failed: {message}")
        self.export_button.setEnabled(bool(self.records))
