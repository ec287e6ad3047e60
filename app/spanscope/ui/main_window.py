"""The main window: composes the finder (query bar, lists, facets, saved views), the span
tree, the span detail and the import panels.

Layout for a laptop or 1440x900 screen: the sidebar (saved views, facets) on the left; to its
right the trace or span list across the top (its columns need the width), below it the span
tree and waterfall on the left and the span detail on the right.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from spanscope import paths
from spanscope.model import ImportResult
from spanscope.store import Database
from spanscope.ui import (
    cases_window,
    clickhouse_pull,
    costs,
    diff_window,
    evaluate_window,
    help_menu,
    incident_window,
    list_states,
    masking_menu,
    replay,
    review_menu,
    search_hits,
    theme,
)
from spanscope.ui.empty_state import EmptyState
from spanscope.ui.finder import Finder
from spanscope.ui.highlight import filter_phrases
from spanscope.ui.import_panel import (
    TRACE_FILES,
    ImportController,
    summarise,
    write_demo_dataset,
)
from spanscope.ui.settings import app_settings
from spanscope.ui.span_detail import SpanDetail
from spanscope.ui.span_tree import SpanTree
from spanscope.ui.sql_console import SqlConsole
from spanscope.ui.window_surface import Feature, WindowSurface
from spanscope.ui.workers import QueryRunner
from spanscope.ui.writes import Writes

__all__ = ["MainWindow", "app_settings"]

# Features that add their own menus, shortcuts, context menu entries and detail tabs through
# the window's declared surface (ui/window_surface.py): each is ``install(surface) -> feature``,
# called once the window is composed, in this order (menus and context-menu entries appear in
# it); the window keeps them by name.
FEATURES: dict[str, Callable[[WindowSurface], Feature]] = {
    "diff": diff_window.install,
    "costs": costs.install,
    "incident": incident_window.install,
    "evaluate": evaluate_window.install,
    "review": review_menu.install,
    "replay": replay.install,
    "secret_masking": masking_menu.install,
    "list_states": list_states.install,
    "search_hits": search_hits.install,
    "theme": theme.install,
    "help": help_menu.install,
    "cases": cases_window.install,
    "clickhouse_pull": clickhouse_pull.install,
}


class MainWindow(QMainWindow):
    """One window over one open database."""

    open_database_requested = Signal(Path)

    def __init__(self, db: Database, *, demo: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        suffix = " (read-only copy)" if db.read_only else ""
        self.setWindowTitle(f"Spanscope — {db.path.name}{suffix}")
        self.runner = QueryRunner(db, self)
        # every write of this window goes through this one queue (see ui/writes.py)
        self.writes = Writes(db, self, temp_dir=paths.temp_dir())
        self.finder = Finder(self.runner, db.path, self)
        self.query_bar = self.finder.query_bar
        self.trace_list = self.finder.trace_list
        self.span_list = self.finder.span_list
        self.facets = self.finder.facets
        self.span_tree = SpanTree(self.runner, self)
        self.span_detail = SpanDetail(self.runner, self)
        self.sql_console: SqlConsole | None = None
        self.importer = ImportController(db, self.writes, self)
        self.empty = EmptyState(self)
        self.empty.set_read_only(db.read_only)

        self.bottom_split = QSplitter(Qt.Orientation.Horizontal, self)
        self.bottom_split.addWidget(self.span_tree)
        self.bottom_split.addWidget(self.span_detail)
        self.bottom_split.setSizes([880, 560])  # the waterfall needs the width
        self.main_split = QSplitter(Qt.Orientation.Vertical, self)
        self.main_split.addWidget(self.finder.lists)
        self.main_split.addWidget(self.bottom_split)
        self.main_split.setSizes([290, 560])
        self.side_split = QSplitter(Qt.Orientation.Horizontal, self)
        self.side_split.addWidget(self.finder.sidebar)
        self.side_split.addWidget(self.main_split)
        self.side_split.setStretchFactor(1, 1)
        self.side_split.setSizes([230, 1210])
        for split in (self.bottom_split, self.main_split, self.side_split):
            split.setChildrenCollapsible(False)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.side_split)
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
        self.surface = WindowSurface(
            self,
            db,
            self.runner,
            self.writes,
            self.finder,
            self.span_tree,
            self.span_detail,
            self.show_message,
            show_count=self.count_label.setText,
            open_window=lambda other: type(self)(other).surface,
            stop=self.shutdown,
            importer=self.importer,
        )
        self.features = self.surface.features  # by name: "review", "replay", "costs" …
        for name, install in FEATURES.items():
            self.features[name] = install(self.surface)
        self.setAcceptDrops(not db.read_only)
        self._restore_settings()
        self.finder.restore()
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
        self._add(view, "&Filter", self.query_bar.edit.setFocus, "Ctrl+L")
        self._add(
            view, "Show the trace &list", lambda: self.finder.show_list("traces"), "Ctrl+Shift+T"
        )
        self._add(
            view, "Show the span l&ist", lambda: self.finder.show_list("spans"), "Ctrl+Shift+S"
        )
        self._add(
            view, "Go to the &list", lambda: self.finder.current_list().view.setFocus(), "Ctrl+1"
        )
        self._add(view, "Go to s&pans", self.span_tree.view.setFocus, "Ctrl+2")
        self._add(view, "Go to span &detail", self.span_detail.focus_content, "Ctrl+3")
        view.addSeparator()
        self._add(view, "&Reload", self.finder.reload, QKeySequence.StandardKey.Refresh)
        view.addSeparator()
        self._add(view, "Save current &view…", self.finder.ask_save_view)
        view.addSeparator()
        self._add(view, "S&QL console", self.open_sql_console, "Ctrl+Shift+E")

    def _add(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence.StandardKey | str | None = None,
    ) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(lambda _checked=False: slot())
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        return action

    def _connect(self) -> None:
        self.trace_list.trace_selected.connect(self._trace_selected)
        self.trace_list.model.count_changed.connect(self._count_changed)
        self.trace_list.model.page_loaded.connect(self._page_loaded)
        self.trace_list.model.failed.connect(self.show_message)
        self.span_list.span_selected.connect(self._span_selected)
        self.span_list.span_opened.connect(self._span_opened)
        self.span_list.model.count_changed.connect(self._span_count_changed)
        self.span_list.model.page_loaded.connect(self._span_page_loaded)
        self.span_list.model.failed.connect(self.show_message)
        self.finder.list_changed.connect(self._list_changed)
        self.query_bar.query_changed.connect(
            lambda text: self.span_detail.set_highlight(filter_phrases(text))
        )
        self.span_tree.span_selected.connect(self.span_detail.show_span)
        self.span_tree.span_opened.connect(lambda *_: self.span_detail.focus_content())
        self.span_tree.failed.connect(self.show_message)
        # The span tree passes on its trace actions' signals as its own.
        for source in (self.trace_list.trace_actions, self.span_tree):
            source.copied.connect(self._copied)
            source.exported.connect(lambda path: self.show_message(f"Exported to {path}"))
        self.trace_list.trace_actions.failed.connect(self.show_message)
        self.span_detail.failed.connect(self.show_message)
        self.runner.failed.connect(self.show_message)
        self.writes.failed.connect(self.show_message)
        self.importer.finished.connect(self._import_finished)
        self.importer.message.connect(self.show_message)
        self.importer.catch_up_index()
        self.importer.show_requested.connect(self.query_bar.set_text)
        self.empty.load_demo.connect(self.load_demo)
        self.empty.import_files.connect(self.choose_files)
        self.empty.import_folder.connect(self.choose_folder)

    # -- actions -----------------------------------------------------------------------------

    def open_sql_console(self) -> SqlConsole:
        """Show the SQL console window (one per main window)."""
        if self.sql_console is None:
            self.sql_console = SqlConsole(self.db, self)
        self.sql_console.show()
        self.sql_console.raise_()
        return self.sql_console

    def import_paths(self, files: Sequence[Path | str]) -> bool:
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

    def _copied(self, text: str) -> None:
        self.show_message(f"Copied {len(text):,} characters to the clipboard")

    # -- reactions ---------------------------------------------------------------------------

    def _trace_selected(self, trace_id: str) -> None:
        self.span_detail.clear()
        self.span_tree.show_trace(trace_id)

    def _span_selected(self, trace_id: str, span_id: str) -> None:
        if trace_id != self.span_tree.trace_id:
            self.span_detail.clear()
        self.span_tree.show_trace(trace_id, span_id)

    def _span_opened(self, trace_id: str, span_id: str) -> None:
        self._span_selected(trace_id, span_id)
        self.span_tree.view.setFocus()

    def _span_count_changed(self, count: int) -> None:
        if self.finder.shows != "spans":
            return
        noun = "span" if count == 1 else "spans"
        matching = (" matches" if count == 1 else " match") + " the filter"
        matching = matching if self.span_list.model.filtered else ""
        self.count_label.setText(f"{count:,} {noun}{matching}")

    def _span_page_loaded(self, rows: int) -> None:
        if rows and not self.span_list.view.currentIndex().isValid():
            self.span_list.select_row(0)

    def _list_changed(self, name: str) -> None:
        shown = self.finder.current_list()
        current = shown.view.currentIndex()
        if current.isValid():  # show the trace of the row now in view again
            shown.view.selectionModel().currentRowChanged.emit(current, current)

    def _count_changed(self, count: int) -> None:
        if self.finder.shows != "traces":
            return
        noun = "trace" if count == 1 else "traces"
        matching = (" matches" if count == 1 else " match") + " the filter"
        matching = matching if self.trace_list.model.filtered else ""
        self.count_label.setText(f"{count:,} {noun}{matching}")
        if count == 0 and self.trace_list.model.filtered:
            self.span_tree.clear()
            self.span_detail.clear()
        empty = count == 0 and not self.importer.running and not self.trace_list.model.filtered
        self.pages.setCurrentWidget(self.empty if empty else self.side_split)

    def _page_loaded(self, rows: int) -> None:
        if rows and not self.trace_list.view.currentIndex().isValid():
            self.trace_list.select_row(0)

    def _import_finished(self, results: list[ImportResult]) -> None:
        self.show_message(summarise(results))
        self.span_tree.clear()
        self.span_detail.clear()
        self.finder.reload()

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
        for key, split in (
            ("layout/main", self.main_split),
            ("layout/bottom", self.bottom_split),
            ("layout/side", self.side_split),
        ):
            state = settings.value(key)
            if state is not None:
                split.restoreState(state)

    def save_settings(self) -> None:
        settings = app_settings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("layout/main", self.main_split.saveState())
        settings.setValue("layout/bottom", self.bottom_split.saveState())
        settings.setValue("layout/side", self.side_split.saveState())
        settings.sync()
        self.finder.remember()

    def shutdown(self) -> None:
        """Stop the import and every query thread; safe to call twice."""
        self.importer.shutdown()
        for feature in self.features.values():
            feature.shutdown()  # saves in flight finish before the threads stop
        self.writes.shutdown()  # queued writes finish first: none is ever dropped
        self.runner.shutdown()
        if self.sql_console is not None:
            self.sql_console.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self.shutdown()
        super().closeEvent(event)
