"""The main window: composes the trace list, span tree, span detail and import panels.

Layout for a laptop or 1440x900 screen: the trace list across the top (its columns need the
width), below it the span tree and waterfall on the left and the span detail on the right.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from spanscope import paths
from spanscope.model import ImportResult
from spanscope.store import Database
from spanscope.ui.empty_state import EmptyState
from spanscope.ui.import_panel import ImportController, summarise, write_demo_dataset
from spanscope.ui.query_bar import QueryBar
from spanscope.ui.span_detail import SpanDetail
from spanscope.ui.span_tree import SpanTree
from spanscope.ui.trace_list import TraceList
from spanscope.ui.workers import QueryRunner

TRACE_FILES = "Trace files (*.json *.jsonl *.ndjson *.gz *.zst *.zip *.parquet);;All files (*)"


def app_settings() -> QSettings:
    """The settings file (INI) in the app's data directory."""
    return QSettings(str(paths.settings_file()), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    """One window over one open database."""

    open_database_requested = Signal(Path)

    def __init__(self, db: Database, *, demo: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        suffix = " (read-only copy)" if db.read_only else ""
        self.setWindowTitle(f"Spanscope — {db.path.name}{suffix}")
        self.runner = QueryRunner(db, self)
        self.query_bar = QueryBar(self)
        self.trace_list = TraceList(self.runner, self)
        self.span_tree = SpanTree(self.runner, self)
        self.span_detail = SpanDetail(self.runner, self)
        self.importer = ImportController(db, self)
        self.empty = EmptyState(self)
        self.empty.set_read_only(db.read_only)

        self.bottom_split = QSplitter(Qt.Orientation.Horizontal, self)
        self.bottom_split.addWidget(self.span_tree)
        self.bottom_split.addWidget(self.span_detail)
        self.bottom_split.setSizes([760, 680])
        self.main_split = QSplitter(Qt.Orientation.Vertical, self)
        traces = QWidget(self)
        column = QVBoxLayout(traces)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.query_bar)
        column.addWidget(self.trace_list)
        self.main_split.addWidget(traces)
        self.main_split.addWidget(self.bottom_split)
        self.main_split.setSizes([290, 560])
        for split in (self.bottom_split, self.main_split):
            split.setChildrenCollapsible(False)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.main_split)
        self.pages.addWidget(self.empty)
        self.setCentralWidget(self.pages)

        self.count_label = QLabel(self)
        self.path_label = QLabel(str(db.path), self)
        self.path_label.setTextFormat(Qt.TextFormat.PlainText)
        self.read_only_label = QLabel("READ-ONLY COPY", self)
        self.read_only_label.setVisible(db.read_only)
        for label in (self.read_only_label, self.count_label, self.path_label):
            self.statusBar().addPermanentWidget(label)

        self._build_menus()
        self._connect()
        self.setAcceptDrops(not db.read_only)
        self._restore_settings()
        self.trace_list.reload()
        if demo:
            QTimer.singleShot(0, self.load_demo)

    # -- composition -------------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.import_files_action = self._add(
            file_menu, "&Import files…", self.choose_files, QKeySequence.StandardKey.Open
        )
        self.import_folder_action = self._add(
            file_menu, "Import &folder…", self.choose_folder, "Ctrl+Shift+I"
        )
        self.demo_action = self._add(file_menu, "Load &demo dataset", self.load_demo)
        file_menu.addSeparator()
        self._add(file_menu, "Open &database…", self.choose_database, "Ctrl+Shift+O")
        file_menu.addSeparator()
        self._add(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        for action in (self.import_files_action, self.import_folder_action, self.demo_action):
            action.setEnabled(not self.db.read_only)

        view = self.menuBar().addMenu("&View")
        for action in (
            self.span_tree.next_error_action,
            self.span_tree.previous_error_action,
            self.span_tree.next_llm_action,
            self.span_tree.previous_llm_action,
        ):
            view.addAction(action)
        view.addSeparator()
        self.system_prompt_action = view.addAction("Show &system prompt")
        self.system_prompt_action.setCheckable(True)
        self.system_prompt_action.toggled.connect(
            self.span_detail.conversation.show_system.setChecked
        )
        self.span_detail.conversation.show_system.toggled.connect(
            self.system_prompt_action.setChecked
        )
        view.addSeparator()
        self._add(view, "&Filter traces", self.query_bar.edit.setFocus, "Ctrl+L")
        self._add(view, "Go to &traces", self.trace_list.view.setFocus, "Ctrl+1")
        self._add(view, "Go to s&pans", self.span_tree.view.setFocus, "Ctrl+2")
        self._add(view, "Go to span &detail", self.span_detail.focus_content, "Ctrl+3")
        view.addSeparator()
        self._add(view, "&Reload", self.trace_list.reload, QKeySequence.StandardKey.Refresh)

    def _add(self, menu, text: str, slot, shortcut=None) -> QAction:  # type: ignore[no-untyped-def]
        action = menu.addAction(text)
        action.triggered.connect(lambda _checked=False: slot())
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        return action

    def _connect(self) -> None:
        self.query_bar.filter_changed.connect(self.trace_list.model.set_filter)
        self.trace_list.trace_selected.connect(self._trace_selected)
        self.trace_list.model.count_changed.connect(self._count_changed)
        self.trace_list.model.page_loaded.connect(self._page_loaded)
        self.trace_list.model.failed.connect(self.show_message)
        self.span_tree.span_selected.connect(self.span_detail.show_span)
        self.span_tree.span_opened.connect(lambda *_: self.span_detail.focus_content())
        self.span_tree.failed.connect(self.show_message)
        self.span_detail.failed.connect(self.show_message)
        self.runner.failed.connect(self.show_message)
        self.importer.finished.connect(self._import_finished)
        self.importer.message.connect(self.show_message)
        self.empty.load_demo.connect(self.load_demo)
        self.empty.import_files.connect(self.choose_files)
        self.empty.import_folder.connect(self.choose_folder)

    # -- actions -----------------------------------------------------------------------------

    def import_paths(self, files: list[Path | str]) -> bool:
        """Import files and folders (the menu, the empty state and drops all come here)."""
        return self.importer.start(files)

    def load_demo(self) -> bool:
        """Generate the demo incident dataset and import it like any other file."""
        return self.importer.start(None, prepare=write_demo_dataset)

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Import trace files", "", TRACE_FILES)
        if files:
            self.import_paths(list(files))

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import every trace file in a folder")
        if folder:
            self.import_paths([folder])

    def choose_database(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            "Open a Spanscope database",
            str(self.db.path.parent),
            "Spanscope databases (*.duckdb *.db);;All files (*)",
        )
        if name:
            self.open_database_requested.emit(Path(name))

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 15000)

    # -- reactions ---------------------------------------------------------------------------

    def _trace_selected(self, trace_id: str) -> None:
        self.span_detail.clear()
        self.span_tree.show_trace(trace_id)

    def _count_changed(self, count: int) -> None:
        noun = "trace" if count == 1 else "traces"
        matching = " match the filter" if self.trace_list.model.filtered else ""
        self.count_label.setText(f"{count:,} {noun}{matching}")
        if count == 0 and self.trace_list.model.filtered:
            self.span_tree.clear()
            self.span_detail.clear()
        empty = count == 0 and not self.importer.running and not self.trace_list.model.filtered
        self.pages.setCurrentWidget(self.empty if empty else self.main_split)

    def _page_loaded(self, rows: int) -> None:
        if rows and not self.trace_list.view.currentIndex().isValid():
            self.trace_list.select_row(0)

    def _import_finished(self, results: list[ImportResult]) -> None:
        self.show_message(summarise(results))
        self.span_tree.clear()
        self.span_detail.clear()
        self.trace_list.reload()

    # -- drag and drop -----------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if urls and all(url.isLocalFile() for url in urls):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        files = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.import_paths(files)

    # -- settings and closing ----------------------------------------------------------------

    def _restore_settings(self) -> None:
        settings = app_settings()
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1440, 860)
        for key, split in (("layout/main", self.main_split), ("layout/bottom", self.bottom_split)):
            state = settings.value(key)
            if state is not None:
                split.restoreState(state)

    def save_settings(self) -> None:
        settings = app_settings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("layout/main", self.main_split.saveState())
        settings.setValue("layout/bottom", self.bottom_split.saveState())
        settings.sync()

    def shutdown(self) -> None:
        """Stop the import and every query thread; safe to call twice."""
        self.importer.shutdown()
        self.runner.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self.shutdown()
        super().closeEvent(event)
