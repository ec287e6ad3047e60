"""Copying and exporting whole traces, shared by the trace list and the span tree.

Every read runs in a worker: a trace can hold thousands of spans with large payloads. Results
come back as signals so each panel can report them in the status bar.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from spanscope.core.otlp_export import export_trace
from spanscope.core.transcript import trace_json, trace_markdown
from spanscope.store import queries
from spanscope.ui.secret_masking import current_redactor
from spanscope.ui.workers import QueryRunner

# Called with the menu being built and the trace ids it is about; adds entries of its own.
TraceMenuExtender = Callable[[QMenu, list[str]], None]


class TraceActions(QObject):
    """Copy one trace (JSON or Markdown) to the clipboard; export traces as an OTLP file."""

    copied = Signal(str)  # the text put on the clipboard
    exported = Signal(str)  # path of the file written
    failed = Signal(str)

    def __init__(self, runner: QueryRunner, parent: QWidget) -> None:
        super().__init__(parent)
        self._runner = runner
        self._parent = parent

    def add_to(self, menu: QMenu, trace_ids: Sequence[str]) -> None:
        """The copy and export entries, for ``trace_ids`` (copy needs exactly one)."""
        ids = list(trace_ids)
        one = len(ids) == 1
        menu.addAction("Copy trace as JSON", lambda: self.copy_trace(ids[0], "json")).setEnabled(
            one
        )
        menu.addAction(
            "Copy trace as Markdown", lambda: self.copy_trace(ids[0], "markdown")
        ).setEnabled(one)
        what = "trace" if one else f"{len(ids)} traces"
        menu.addAction(f"Export {what} as OTLP JSON…", lambda: self.choose_export(ids)).setEnabled(
            bool(ids)
        )

    def copy_trace(self, trace_id: str, form: str) -> None:
        """Put every span of the trace on the clipboard as ``json`` or ``markdown``."""
        render = trace_json if form == "json" else trace_markdown
        redactor = current_redactor()  # keys and tokens masked unless the user opted out

        def work(cur: Any) -> str:
            rows = queries.trace_export_rows(cur, trace_id)
            return render([redactor.record(r) for r in rows] if redactor else rows)

        self._runner.submit("trace-copy", work, self._copied, self.failed.emit)

    def _copied(self, text: str) -> None:
        if text:
            QGuiApplication.clipboard().setText(text)
            self.copied.emit(text)

    def choose_export(self, trace_ids: Sequence[str]) -> None:
        if not trace_ids:
            return
        suggested = f"trace-{trace_ids[0]}.json" if len(trace_ids) == 1 else "traces.json"
        name, _ = QFileDialog.getSaveFileName(
            self._parent,
            "Export as OTLP JSON",
            suggested,
            "OTLP JSON (*.json);;All files (*)",
        )
        if name:
            self.export_to(list(trace_ids), Path(name))

    def export_to(self, trace_ids: Sequence[str], path: Path) -> None:
        """Write the traces as one OTLP JSON document, which Spanscope and collectors read."""
        ids = list(trace_ids)
        redactor = current_redactor()  # keys and tokens masked unless the user opted out

        def work(cur: Any) -> str:
            rows = [row for trace_id in ids for row in queries.trace_export_rows(cur, trace_id)]
            if redactor is not None:
                rows = [redactor.record(r) for r in rows]
            path.write_text(json.dumps(export_trace(rows), ensure_ascii=False), encoding="utf-8")
            return str(path)

        self._runner.submit("trace-export", work, self.exported.emit, self._export_failed)

    def _export_failed(self, message: str) -> None:
        self.failed.emit(f"Could not export: {message}")
