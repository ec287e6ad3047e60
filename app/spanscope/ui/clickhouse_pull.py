"""File ▸ "Pull traces from ClickHouse…": copy the traces of a team's ClickHouse store that
match a filter into this database, through the window's import (progress, results, refresh).

Sources are the ones added with ``spanscope source add``; the dialog starts from the filter
the lists show. The network is used only when Pull is clicked, on the import thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from spanscope.core.filter_clickhouse import CLICKHOUSE
from spanscope.core.filter_value import make_filter
from spanscope.core.filters import FilterError
from spanscope.core.remote_sources import RemoteSource, fetch_pulled, load_sources
from spanscope.store.clickhouse.executor import RemoteError
from spanscope.ui.window_surface import WindowSurface

TITLE = "Pull Traces from &ClickHouse…"


class PullDialog(QDialog):
    """Which source, which traces (a filter), how many."""

    def __init__(self, parent: QWidget, sources: list[RemoteSource], filter_text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("Pull traces from ClickHouse")
        self.sources = sources
        self.source_box = QComboBox()
        for source in sources:
            self.source_box.addItem(f"{source.name}  ({source.url})", source.name)
        self.filter_edit = QLineEdit(filter_text)
        self.filter_edit.setPlaceholderText("every trace, newest first")
        self.limit_box = QSpinBox()
        self.limit_box.setRange(1, 100_000)
        self.limit_box.setValue(100)
        self.limit_box.setSuffix(" newest traces")
        self.problem = QLabel()
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Source", self.source_box)
        form.addRow("Filter", self.filter_edit)
        form.addRow("At most", self.limit_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.pull_button = buttons.addButton("Pull", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        if not sources:
            self.pull_button.setEnabled(False)
            self.problem.setText(
                "No ClickHouse source yet. Add one from a terminal:\n"
                "spanscope source add NAME 'clickhouse://USER@HOST:8123/DATABASE?table=otel_traces'"
            )

    def chosen(self) -> RemoteSource:
        name = self.source_box.currentData()
        return next(s for s in self.sources if s.name == name)

    def accept(self) -> None:
        """Pull only a filter the store can run: its error is shown here, before any network."""
        try:
            make_filter(self.filter_edit.text()).compiled_for(CLICKHOUSE)
        except FilterError as exc:
            self.problem.setText(f"This filter cannot run on ClickHouse: {exc}")
            return
        super().accept()


class ClickHousePull:
    """The File menu entry and its dialog."""

    def __init__(self, surface: WindowSurface) -> None:
        self.surface = surface
        self.dialog: PullDialog | None = None
        self.action = QAction(TITLE, surface.widget)
        self.action.triggered.connect(self.open)
        self.action.setEnabled(not surface.db.read_only)
        file_menu = surface.menu("&File")
        separators = [a for a in file_menu.actions() if a.isSeparator()]
        if separators:
            file_menu.insertAction(separators[0], self.action)  # after the imports
        else:
            file_menu.addAction(self.action)

    def open(self) -> PullDialog:
        if self.dialog is not None:
            self.dialog.close()
        try:
            sources = load_sources()
        except RemoteError as exc:
            self.surface.show_message(str(exc))
            sources = []
        self.dialog = PullDialog(self.surface.widget, sources, self.surface.filter.text)
        self.dialog.accepted.connect(self._pull)
        self.dialog.show()
        return self.dialog

    def _pull(self) -> None:
        assert self.dialog is not None
        source = self.dialog.chosen()
        text, limit = self.dialog.filter_edit.text().strip(), self.dialog.limit_box.value()
        self.surface.import_prepared(
            _pulling(source, text, limit), f"Pulling traces from {source.name}…"
        )

    def shutdown(self) -> None:
        if self.dialog is not None:
            self.dialog.close()


def _pulling(source: RemoteSource, text: str, limit: int) -> Callable[[], list[Path]]:
    def prepare() -> list[Path]:  # on the import thread
        files = fetch_pulled(source, text, limit)
        if not files:
            raise RemoteError(f"no trace of {source.name} matches {text or 'the filter'}")
        return files

    return prepare


def install(surface: WindowSurface) -> ClickHousePull:
    return ClickHousePull(surface)
