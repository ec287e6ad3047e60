"""What a feature of the main window may touch: its declared surface.

Like napari's contribution points and datasette's hook specifications, a feature (Diff, Costs,
Review, Replay, secret masking …) is ``install(surface) -> feature``: it adds menus, entries
to the context menus of the trace list, span list and span tree, tabs of the span detail, and
listens to the window's signals; it reads through the runner and writes through the write
queue. It never reaches into another widget's attributes and never imports the main window
(which would close an import circle): everything it needs is here. The window keeps the
features by name (``MainWindow.features``); one feature finds another with :meth:`feature`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QAbstractItemView, QMainWindow, QMenu, QWidget

from spanscope.core.filter_value import Filter
from spanscope.store import Database
from spanscope.ui.workers import QueryRunner
from spanscope.ui.writes import Writes

if TYPE_CHECKING:
    from spanscope.ui.finder import Finder
    from spanscope.ui.import_panel import ImportController
    from spanscope.ui.span_detail import SpanDetail
    from spanscope.ui.span_tree import SpanTree

# A context-menu entry maker: (menu, trace ids) for the lists, (menu, trace id, span id or
# None) for the span tree. It adds its actions to the menu about to open.
ListMenuHook = Callable[[QMenu, list[str]], None]
TreeMenuHook = Callable[[QMenu, str, str | None], None]


class Feature(Protocol):
    """What the window asks of an installed feature."""

    def shutdown(self) -> None:
        """Stop threads and close windows of the feature (the main window is closing)."""


class WindowSurface(QObject):
    """The main window as features see it."""

    trace_selected = Signal(str)  # trace id: the trace chosen in the trace list
    span_changed = Signal(str, str)  # trace id, span id: the span shown in the span detail
    trace_loaded = Signal(int)  # the span tree loaded a trace of this many spans
    trace_cleared = Signal()  # no trace is shown any more (e.g. the list emptied)
    filter_applied = Signal(object)  # core.filter_value.Filter, as applied
    filter_refused = Signal(str)  # the text in the query bar has an error (the message)
    trace_count_changed = Signal(int)  # traces the trace list holds under the filter
    span_count_changed = Signal(int)  # spans the span list holds under the filter
    closing = Signal()  # the window is about to close: stop threads, close windows

    def __init__(
        self,
        window: QMainWindow,
        db: Database,
        runner: QueryRunner,
        writes: Writes,
        finder: Finder,
        span_tree: SpanTree,
        span_detail: SpanDetail,
        show_message: Callable[[str], None],
        show_count: Callable[[str], None],
        open_window: Callable[[Database], WindowSurface],
        stop: Callable[[], None],
        importer: ImportController,
    ) -> None:
        super().__init__(window)
        self.importer = importer
        self.widget = window  # the parent of a feature's dialogs and windows
        self.db, self.runner, self.writes = db, runner, writes
        self.show_message = show_message
        self.show_count = show_count  # the status bar's count of what the list shows
        self.features: dict[str, Feature] = {}
        self._finder, self._tree, self._detail = finder, span_tree, span_detail
        self._open_window, self._stop = open_window, stop
        finder.trace_list.trace_selected.connect(self.trace_selected)
        span_tree.span_selected.connect(self.span_changed)
        span_tree.loaded.connect(self.trace_loaded)
        span_tree.cleared.connect(self.trace_cleared)
        finder.filter_applied.connect(self.filter_applied)
        finder.query_bar.invalid.connect(self.filter_refused)
        finder.trace_list.model.count_changed.connect(self.trace_count_changed)
        finder.span_list.model.count_changed.connect(self.span_count_changed)

    # -- contributions -----------------------------------------------------------------------

    def menu(self, title: str) -> QMenu:
        """The menu bar's menu ``title`` ("&File", "&Review" …), made when absent."""
        bar = self.widget.menuBar()
        for action in bar.actions():
            if action.text() == title and action.menu() is not None:
                found = action.menu()
                assert isinstance(found, QMenu)
                return found
        return bar.addMenu(title)

    def extend_trace_menu(self, hook: ListMenuHook) -> None:
        """Add entries to the trace list's context menu (with the selected trace ids)."""
        self._finder.trace_list.menu_extenders.append(hook)

    def extend_span_menu(self, hook: ListMenuHook) -> None:
        """Add entries to the span list's context menu (with the selected spans' trace ids)."""
        self._finder.span_list.menu_extenders.append(hook)

    def extend_tree_menu(self, hook: TreeMenuHook) -> None:
        """Add entries to the span tree's context menu."""
        self._tree.menu_extenders.append(hook)

    def add_detail_tab(self, widget: QWidget, title: str) -> int:
        """Add a tab to the span detail; returns its index."""
        return self._detail.tabs.addTab(widget, title)

    def show_detail_tab(self, index: int) -> None:
        self._detail.tabs.setCurrentIndex(index)

    def list_view(self, name: str) -> QAbstractItemView:
        """The view of the trace list ("traces"), the span list ("spans") or the span tree
        ("tree"): to draw over its empty viewport or grey it out, never to change its model."""
        views: dict[str, QAbstractItemView] = {
            "traces": self._finder.trace_list.view,
            "spans": self._finder.span_list.view,
            "tree": self._tree.view,
        }
        return views[name]

    def set_tree_summary(self, text: str, tooltip: str) -> None:
        """The line above the span tree (it says what the tree shows until the next trace)."""
        self._tree.summary.setText(text)
        self._tree.summary.setToolTip(tooltip)

    # -- what is shown -----------------------------------------------------------------------

    @property
    def filter(self) -> Filter:
        """The filter as applied (never the text still being typed)."""
        return self._finder.filter

    @property
    def shows(self) -> str:
        """The list shown: "traces" or "spans"."""
        return self._finder.shows

    def trace_id(self) -> str | None:
        """The trace in the span tree."""
        return self._tree.trace_id

    def span_id(self) -> str | None:
        """The span selected in the span tree."""
        return self._tree.current_span_id()

    def span_kind(self, span_id: str | None) -> str | None:
        """The kind of a span of the trace in the span tree."""
        forest = self._tree.model.forest
        node = forest.node_of(span_id) if span_id and forest is not None else None
        return forest.value(node, "kind") if node is not None else None

    def selected_trace_ids(self) -> list[str]:
        return list(self._finder.trace_list.selected_ids())

    def selected_spans(self) -> list[tuple[str, str]]:
        return list(self._finder.span_list.selected_spans())

    def show_trace(self, trace_id: str, span_id: str | None = None) -> None:
        """Show a trace (at a span) in the span tree."""
        self._tree.show_trace(trace_id, span_id)

    def select_span(self, span_id: str) -> bool:
        """Select a span of the trace in the span tree; False when it is not there."""
        return self._tree.select_span(span_id)

    def set_tree_badges(self, trace_id: str, badges: dict[str, Any]) -> None:
        """Badges beside the spans of the tree, when it still shows ``trace_id``."""
        if self._tree.trace_id == trace_id:
            self._tree.model.set_badges(badges)

    def add_filter_term(self, term: str) -> None:
        """Add a term (``group:3``) to the query bar's filter and apply it."""
        self._finder.add_term(term)

    def reload(self) -> None:
        """Read the lists, facets and completion values again (after a write changed them)."""
        self._finder.reload()

    def import_prepared(self, prepare: Callable[[], list[Path]], preparing: str) -> bool:
        """Import the files ``prepare`` makes (it runs on the import thread, said as
        ``preparing``) with the window's import progress and results; False when an import
        is running already or the database is read-only."""
        return bool(self.importer.start(None, prepare=prepare, preparing=preparing))

    def feature(self, name: str) -> Feature | None:
        """Another installed feature, by name."""
        return self.features.get(name)

    # -- other windows -----------------------------------------------------------------------

    def open_window(self, db: Database) -> WindowSurface:
        """A main window of its own over ``db`` (not shown yet), as its features see it."""
        return self._open_window(db)

    def close(self) -> None:
        """Stop the window's import, features and threads, then close it."""
        self._stop()
        self.widget.close()
