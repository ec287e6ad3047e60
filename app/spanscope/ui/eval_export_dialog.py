"""The eval-set export dialog: which items (the current filter or a review queue, narrowed to
the labels ticked), the format, the file (in the last folder used, else the exports folder),
what the format leaves out and why, optional masking of secrets with a preview, and a progress
bar.

Records are read and written in workers; the file appears only when complete (atomic).
"""

from __future__ import annotations

import time
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
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spanscope import paths
from spanscope.core import eval_export
from spanscope.core.eval_export import FORMATS, EvalRecord, ExportOutcome
from spanscope.core.eval_export.formats import generic
from spanscope.core.filter_value import make_filter
from spanscope.core.redaction import SecretRedactor, all_rules, preview
from spanscope.store import annotations as stored
from spanscope.store import review_queues
from spanscope.ui.settings import app_settings
from spanscope.ui.workers import QueryRunner

FOLDER_KEY = "export/folder"
UNLABELLED = "(no label)"


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
        return eval_export.collect(cur, make_filter(scope.filter_text).spans, "spans")
    return eval_export.records_for(cur, stored.list_annotations(cur))


def with_labels(records: list[EvalRecord], chosen: set[str]) -> list[EvalRecord]:
    """The records carrying one of the ``chosen`` labels (``UNLABELLED``: those with none)."""
    return [
        r for r in records if (set(r.labels) & chosen) or (not r.labels and UNLABELLED in chosen)
    ]


def skipped_preview(records: list[EvalRecord], fmt: str) -> str:
    """What ``fmt`` will hold and what it leaves out, per reason."""
    kept, skipped = eval_export.plan(records, fmt)
    text = f"{len(kept):,} of {len(records):,} records fit {FORMATS[fmt].title}."
    if skipped:
        text += " Left out: " + eval_export.skipped_text(skipped).split(": ", 1)[1] + "."
    return text


def default_path(fmt: str) -> Path:
    """``evals-YYYYmmdd-HHMM.<suffix>`` in the folder last exported to, else the exports
    folder."""
    saved = app_settings().value(FOLDER_KEY)
    folder = Path(str(saved)) if saved else paths.export_dir()
    return folder / f"evals-{time.strftime('%Y%m%d-%H%M')}{FORMATS[fmt].suffix}"


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
        self.labels = QListWidget(self)
        self.labels.setMaximumHeight(110)
        self.labels.itemChanged.connect(lambda _item: self._chosen_changed())
        self.fit = QLabel("", self)
        self.fit.setTextFormat(Qt.TextFormat.PlainText)
        self.fit.setWordWrap(True)
        self.path = QLineEdit(str(default_path(self.format.currentData())), self)
        choose = QPushButton("Choose…", self)
        choose.clicked.connect(self._choose)
        self.format.currentIndexChanged.connect(lambda _i: self._format_changed())
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
        form.addRow("Labels", self.labels)
        form.addRow("Format", self.format)
        form.addRow("", self.fit)
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
        self.resize(640, 420)
        self._runner.submit(
            "eval-export-collect", lambda cur: collect(cur, scope), self._collected, self._failed
        )

    def set_format(self, name: str) -> None:
        self.format.setCurrentIndex(self.format.findData(name))

    def _format_changed(self) -> None:
        path = Path(self.path.text())
        self.path.setText(str(path.with_suffix(FORMATS[self.format.currentData()].suffix)))
        self._show_fit()

    def chosen_records(self) -> list[EvalRecord]:
        """The collected records carrying a ticked label."""
        chosen = {
            self.labels.item(n).text()
            for n in range(self.labels.count())
            if self.labels.item(n).checkState() == Qt.CheckState.Checked
        }
        return with_labels(self.records or [], chosen)

    def set_labels(self, chosen: set[str]) -> None:
        for n in range(self.labels.count()):
            item = self.labels.item(n)
            ticked = item.text() in chosen
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)

    def _chosen_changed(self) -> None:
        if self.records is None:
            return
        count = len(self.chosen_records())
        self.export_button.setEnabled(count > 0)
        self._show_fit()
        self._preview()

    def _show_fit(self) -> None:
        if self.records is not None:
            self.fit.setText(skipped_preview(self.chosen_records(), self.format.currentData()))

    def _choose(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export eval set to", self.path.text())
        if name:
            self.path.setText(name)

    def _collected(self, records: list[EvalRecord]) -> None:
        names = sorted({label for r in records for label in r.labels})
        if any(not r.labels for r in records):
            names.append(UNLABELLED)
        self.labels.blockSignals(True)
        for name in names:
            item = QListWidgetItem(name, self.labels)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
        self.labels.blockSignals(False)
        self.records = records
        self._show_fit()
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
        records = self.chosen_records()
        self.preview.setPlainText("Looking for secrets…")
        self._runner.compute(
            "eval-export-preview", lambda: redaction_preview(records), self.preview.setPlainText
        )

    def start(self) -> None:
        """Write the file in a worker; the bar follows it."""
        if not self.records:
            return
        records, fmt, path = (
            self.chosen_records(),
            self.format.currentData(),
            Path(self.path.text()),
        )
        if not records:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        app_settings().setValue(FOLDER_KEY, str(path.parent))
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
        text = outcome.summary()
        self.status.setText(text[:1].upper() + text[1:])
        self.export_button.setEnabled(True)
        self.exported.emit(outcome)

    def _failed(self, message: str) -> None:
        self.status.setText(f"Export failed: {message}")
        self.export_button.setEnabled(bool(self.records))
