"""Importing files from the window: a worker thread, a progress dialog, a result per file.

One import runs at a time, through the database's single :class:`Writer`. Cancel sets the
event ``import_paths`` watches; the file being imported is rolled back whole.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spanscope import ingest, paths
from spanscope.importers.screen import SKIP_HINT
from spanscope.model import ImportResult, ImportStatus
from spanscope.store import Database
from spanscope.ui import display
from spanscope.ui.record_table import RecordTable
from spanscope.ui.writes import Writes

DEMO_SPANS = 3000
# Every kind of file an importer recognises (formats are told by content, not by name; the
# names here only decide what the file chooser lists): JSON and JSON Lines (OTLP, Phoenix,
# Langfuse, LangSmith, MLflow, Inspect, Braintrust, ATIF, provider logs), Inspect's .eval
# archives, OTLP protobuf, Parquet, and each of them compressed.
TRACE_PATTERNS = (
    "*.json *.jsonl *.ndjson *.eval *.parquet *.pb *.binpb *.proto *.protobuf *.bin "
    "*.gz *.zst *.zstd *.zip *.log *.txt"
)
TRACE_FILES = f"Trace files ({TRACE_PATTERNS});;All files (*)"
RESULT_HEADERS = ("File", "Format", "Status", "Spans", "Traces", "Warnings / error")


def write_demo_dataset() -> list[Path]:
    """Generate the demo incident dataset into the temp directory (runs in the import thread)."""
    from spanscope.demo import write_otlp_jsonl

    folder = paths.temp_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "spanscope-demo.jsonl"
    write_otlp_jsonl(target, DEMO_SPANS, seed=7)
    return [target]


class ImportJob(QThread):
    """Runs ``ingest.import_paths`` off the UI thread; results and progress come as signals."""

    progressed = Signal(float, str)  # overall 0..1, what is happening
    file_done = Signal(object)  # ImportResult
    failed = Signal(str)

    def __init__(
        self,
        db: Database,
        writer: Any,  # the write queue's import writer (store.writer.Writer)
        files: Sequence[Path] | None,
        prepare: Callable[[], list[Path]] | None = None,
        parent: QObject | None = None,
        skip_bad_records: bool = False,
        preparing: str = "Generating the demo dataset…",
    ) -> None:
        super().__init__(parent)
        self._db, self._writer = db, writer
        self._skip_bad_records, self._preparing = skip_bad_records, preparing
        self._files, self._prepare = list(files or []), prepare
        self._cancel = threading.Event()
        self._last = (-1.0, "", 0.0)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        try:
            files = self._files
            if self._prepare is not None:
                self.progressed.emit(0.0, self._preparing)
                files = self._prepare()
            for result in ingest.import_paths(
                self._db,
                files,
                progress=self._progress,
                cancel=self._cancel,
                writer=self._writer,
                skip_bad_records=self._skip_bad_records,
            ):
                self.file_done.emit(result)
        except Exception as exc:  # a broken database, not a broken file: say so, do not crash
            self.failed.emit(f"The import stopped: {exc}")

    def _progress(self, p: ingest.Progress) -> None:
        """Called from import threads; throttled so the UI thread is not flooded."""
        text = f"{p.stage.capitalize()} {p.path.name} (file {p.index + 1} of {p.count})"
        overall, now = p.overall, time.monotonic()
        last_value, last_text, last_time = self._last
        if text != last_text or overall - last_value >= 0.01 or now - last_time > 0.25:
            self._last = (overall, text, now)
            self.progressed.emit(overall, text)


class IndexJob(QThread):
    """Indexes for search the files the index does not hold yet (a database opened after an
    upgrade, a copy without its index folder, an import whose indexing was cut off): searches
    read those files directly meanwhile, slowly on big ones."""

    progressed = Signal(float)
    failed = Signal(str)

    def __init__(self, writer: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._writer = writer
        self._cancel = threading.Event()
        self._last = 0.0

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        try:
            ingest.index_for_search(self._writer, cancel=self._cancel, report=self._progress)
        except Exception as exc:  # searches keep reading the files directly
            self.failed.emit(f"Indexing for search stopped: {exc}")

    def _progress(self, fraction: float, stage: str) -> None:
        if fraction >= 1.0 or fraction - self._last >= 0.02:
            self._last = fraction
            self.progressed.emit(fraction)


def result_row(result: ImportResult) -> tuple[str, ...]:
    notes = result.error or "; ".join(result.warnings)
    return (
        Path(result.path).name,
        result.format or "",
        str(result.status),
        display.number(result.spans),
        display.number(result.traces),
        display.one_line(notes, 400),
    )


def result_detail(result: ImportResult) -> str:
    """Everything about one file's import, for the pane under the result table."""
    lines = [
        result.path,
        f"{result.status} · {result.format or 'format not recognised'} · "
        f"{result.spans:,} spans · {result.traces:,} traces · {result.seconds:.1f} s",
    ]
    if result.error:
        lines += ["", "Error:", result.error]
    if result.warnings:
        lines += ["", "Warnings:"] + [f"• {w}" for w in result.warnings]
    return "\n".join(lines)


class ImportDialog(QDialog):
    """Progress with a Cancel button while importing, then one result line per file."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import")
        self.resize(960, 480)
        self.status = QLabel("Starting…", self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        fm = self.fontMetrics()
        widths = [
            fm.horizontalAdvance(sample) + 24
            for sample in (
                "spanscope-demo-file.jsonl",
                "otlp-json",
                "cancelled",
                "1,000,000",
                "100,000",
            )
        ]
        self.table = RecordTable(
            RESULT_HEADERS, "Waiting for the first file…", self, numeric=(3, 4), widths=widths
        )
        self.results = self.table.model
        self._first_problem: int | None = None
        self.buttons = QDialogButtonBox(self)
        self.cancel_button = QPushButton("Cancel", self)
        self.close_button = QPushButton("Close", self)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button.setEnabled(False)
        self.close_button.clicked.connect(self.accept)
        # Imports are strict; a file failed by bad lines can be imported again without them.
        self.skip_button = QPushButton("Import again, skipping bad lines", self)
        self.skip_button.setToolTip(
            "Import the files that failed on lines that are not JSON again, leaving those "
            "lines out; the skipped line numbers are listed as warnings"
        )
        self.buttons.addButton(self.skip_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.skip_button.hide()
        # After the import: filter the window on the files just imported.
        self.show_button = QPushButton("Show what was imported", self)
        self.buttons.addButton(self.show_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.show_button.hide()
        self.show_filter = ""
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)

    def show_progress(self, overall: float, text: str) -> None:
        self.progress.setValue(int(max(0.0, min(overall, 1.0)) * 1000))
        self.status.setText(text)

    def add_result(self, result: ImportResult) -> None:
        colour: QColor | None = None
        palette = QGuiApplication.palette()
        if result.status == ImportStatus.FAILED:
            colour = display.error_colour(palette)
        elif result.status == ImportStatus.CANCELLED:
            colour = display.muted_colour(palette)
        self.table.append(result_row(result), result_detail(result), colour)
        row = self.results.rowCount() - 1
        if row == 0 or (self._first_problem is None and (result.error or result.warnings)):
            self.table.select(row)  # the first file that needs reading, else the first file
        if self._first_problem is None and (result.error or result.warnings):
            self._first_problem = row

    def finish(self, summary: str) -> None:
        self.status.setText(summary)
        self.progress.setValue(1000)
        self.cancel_button.setEnabled(False)
        self.close_button.setEnabled(True)
        self.close_button.setDefault(True)

    def offer_show(self, filter_text: str) -> None:
        """Offer to filter the window on ``filter_text`` (the files imported)."""
        self.show_filter = filter_text
        self.show_button.setToolTip(f"Filter the trace list: {filter_text}")
        self.show_button.setVisible(bool(filter_text))

    def reject(self) -> None:
        # Escape or the window's close button: cancel a running import, close a finished one.
        if self.cancel_button.isEnabled():
            self.cancel_button.click()
        else:
            super().reject()


class ImportController(QObject):
    """Runs the one import of a database at a time, on the write queue's import writer."""

    started = Signal()
    finished = Signal(list)  # list[ImportResult]
    message = Signal(str)
    show_requested = Signal(str)  # a filter on the files just imported

    def __init__(self, db: Database, writes: Writes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._writes = writes
        self.job: ImportJob | None = None
        self.dialog: ImportDialog | None = None
        self.results: list[ImportResult] = []
        self._parent_widget = parent
        self.indexing: IndexJob | None = None

    def catch_up_index(self) -> None:
        """Index in the background whatever the search index does not hold yet; progress and
        failures go to :attr:`message` (the status bar)."""
        if self._db.read_only or self.indexing is not None:
            return
        job = IndexJob(self._writes.import_writer(), self)
        job.progressed.connect(self._index_progress)
        job.failed.connect(self.message.emit)
        job.finished.connect(self._index_finished)
        self.indexing = job
        job.start()

    def _index_progress(self, fraction: float) -> None:
        if fraction < 1.0:
            self.message.emit(
                f"Indexing for search… {fraction:.0%} (searches read the files directly meanwhile)"
            )

    def _index_finished(self) -> None:
        job, self.indexing = self.indexing, None
        if job is not None:
            job.wait()
            job.deleteLater()

    @property
    def running(self) -> bool:
        return self.job is not None

    def start(
        self,
        files: Sequence[Path | str] | None,
        prepare: Callable[[], list[Path]] | None = None,
        skip_bad_records: bool = False,
        preparing: str = "Generating the demo dataset…",
    ) -> bool:
        """Import ``files`` (or what ``prepare`` returns, on the import thread, said as
        ``preparing``); False when one is already running. ``skip_bad_records`` leaves out
        the lines of JSON Lines files that are not JSON."""
        if self._db.read_only:
            self.message.emit("This database is open read-only; imports are disabled.")
            return False
        if self.job is not None:
            self.message.emit("An import is already running.")
            return False
        self.results = []
        self.dialog = ImportDialog(self._parent_widget)
        job = ImportJob(
            self._db,
            self._writes.import_writer(),
            [Path(f) for f in files or []],
            prepare,
            self,
            skip_bad_records=skip_bad_records,
            preparing=preparing,
        )
        job.progressed.connect(self.dialog.show_progress)
        job.file_done.connect(self._file_done)
        job.failed.connect(self.message.emit)
        job.failed.connect(self._show_failure)
        job.finished.connect(self._finished)
        self.dialog.cancel_button.clicked.connect(self.cancel)
        self.job = job
        self.dialog.show()
        job.start()
        self.started.emit()
        return True

    def _show_failure(self, text: str) -> None:
        if self.dialog is not None:
            self.dialog.status.setText(text)

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            if self.dialog is not None:
                self.dialog.status.setText("Cancelling…")
                self.dialog.cancel_button.setEnabled(False)

    def shutdown(self) -> None:
        """Cancel a running import and wait for its thread (window closing)."""
        if self.indexing is not None:
            self.indexing.cancel()
            self.indexing.wait()
            self._index_finished()
        if self.job is not None:
            self.job.cancel()
            self.job.wait()
            self._finished()

    def _file_done(self, result: ImportResult) -> None:
        self.results.append(result)
        if self.dialog is not None:
            self.dialog.add_result(result)

    def _finished(self) -> None:
        job, self.job = self.job, None
        if job is None:
            return
        job.wait()
        job.deleteLater()
        results = list(self.results)
        if self.dialog is not None:
            self.dialog.finish(summarise(results))
            dialog = self.dialog
            dialog.offer_show(imported_filter(results))

            def show_imported() -> None:
                dialog.accept()
                self.show_requested.emit(dialog.show_filter)

            dialog.show_button.clicked.connect(show_imported)
            retry = [Path(r.path) for r in results if r.error and SKIP_HINT in r.error]
            if retry:
                dialog.skip_button.show()

                def retry_skipping_bad_records() -> None:
                    dialog.accept()
                    self.start(retry, skip_bad_records=True)

                dialog.skip_button.clicked.connect(retry_skipping_bad_records)
        self.finished.emit(results)


def imported_filter(results: Sequence[ImportResult]) -> str:
    """The filter that shows what ``results`` brought in: ``source:NAME`` per file imported
    (or already there from before), joined by OR; '' when nothing came in."""
    names: list[str] = []
    for r in results:
        # a file that only annotates spans brings none to show
        if (r.status == ImportStatus.IMPORTED and r.spans) or r.status == ImportStatus.UNCHANGED:
            name = Path(r.path).name
            if name not in names:
                names.append(name)
    return " OR ".join(
        f'source:"{n}"' if any(c in n for c in ' "():') or n.startswith("-") else f"source:{n}"
        for n in names
    )


def summarise(results: Sequence[ImportResult]) -> str:
    """One line: what the import did, e.g. "2 files imported (3,000 spans), 1 failed"."""
    if not results:
        return "No files were imported."
    by_status: dict[str, int] = {}
    for r in results:
        by_status[str(r.status)] = by_status.get(str(r.status), 0) + 1
    spans = sum(r.spans for r in results if r.status == ImportStatus.IMPORTED)
    parts = [f"{n} {status}" for status, n in by_status.items()]
    return (
        f"{len(results)} file{'s' if len(results) != 1 else ''}: "
        + ", ".join(parts)
        + (f" — {spans:,} spans added" if spans else "")
    )
