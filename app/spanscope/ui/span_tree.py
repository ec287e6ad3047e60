"""The span tree panel: one trace's spans as a tree with a waterfall, keyboard-first.

Up/down move, left/right collapse and expand, Enter opens the span's detail; F8 / Shift+F8 jump
to the next / previous error, F9 / Shift+F9 to the next / previous LLM call. The context menu
copies a span or the trace as JSON or Markdown and exports the trace as an OTLP JSON file;
features add their own entries through ``menu_extenders``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from spanscope.core.transcript import span_json, span_markdown
from spanscope.store import queries
from spanscope.ui import display
from spanscope.ui.secret_masking import current_redactor
from spanscope.ui.span_forest import SpanForest, build_forest
from spanscope.ui.span_tree_model import WATERFALL, SpanTreeModel
from spanscope.ui.timeline import Minimap, RulerHeader, TimelineDelegate, TimeWindow, ZoomGestures
from spanscope.ui.trace_actions import TraceActions
from spanscope.ui.workers import QueryRunner

EXPAND_ALL_UP_TO = 2000  # larger traces open two levels deep so the view stays quick
MINIMAP_FROM = 50  # spans: smaller traces fit on screen whole


class SpanTree(QWidget):
    """Shows the spans of the trace chosen in the trace list."""

    span_selected = Signal(str, str)  # trace_id, span_id
    span_opened = Signal(str, str)
    loaded = Signal(int)  # number of spans shown
    cleared = Signal()  # no trace shown any more
    failed = Signal(str)
    copied = Signal(str)  # the text put on the clipboard
    exported = Signal(str)  # path of an exported file

    def __init__(self, runner: QueryRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.trace_id: str | None = None
        self.model = SpanTreeModel(self)
        self.summary = QLabel("Select a trace to see its spans.", self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)  # span names are untrusted text
        self.view = QTreeView(self)
        self.view.setModel(self.model)
        # The waterfall is a timeline: its header is the time ruler, its window zooms.
        self.time_window = TimeWindow(self)
        self.ruler = RulerHeader(self.time_window, WATERFALL, self.view)
        self.view.setHeader(self.ruler)
        self.timeline_delegate = TimelineDelegate(self.time_window, self.view)
        self.ruler.delegate = self.timeline_delegate
        self.minimap = Minimap(self.time_window, self)
        self.minimap.hide()
        self.zoom = ZoomGestures(self.view, WATERFALL, self.time_window)
        self.view.setUniformRowHeights(True)
        self.view.setAllColumnsShowFocus(True)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setItemDelegateForColumn(WATERFALL, self.timeline_delegate)
        self.view.setExpandsOnDoubleClick(True)
        header = self.view.header()
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(40)
        fm = self.fontMetrics()
        # Name starts with room for two levels of indentation and grows to its longest name
        # on load (see _fit_names); the waterfall takes what is left.
        for column, sample in enumerate(
            (
                "invoke_agent support-agent · x",
                "embedding",
                "gpt-4o-mini-2024",
                "12.34 s",
                "12,345 / 1,234",
            )
        ):
            self.view.setColumnWidth(column, fm.horizontalAdvance(sample) + 16)
        header.setSectionResizeMode(WATERFALL, QHeaderView.ResizeMode.Stretch)
        # The kind is the icon before each name (and in the span detail): its column's width
        # goes to the waterfall.
        self.view.setColumnHidden(1, True)
        self.view.activated.connect(self._opened)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self._select_after_load: str | None = None
        self.trace_actions = TraceActions(runner, self)
        self.trace_actions.copied.connect(self.copied)
        self.trace_actions.exported.connect(self.exported)
        self.trace_actions.failed.connect(self.failed)
        # Features add context menu entries here: called with (menu, trace_id, span_id or None).
        self.menu_extenders: list[Callable[[QMenu, str, str | None], None]] = []
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)

        self.next_error_action = self._action("Next error", "F8", self.next_error)
        self.previous_error_action = self._action(
            "Previous error", "Shift+F8", lambda: self.next_error(forward=False)
        )
        self.next_llm_action = self._action("Next LLM call", "F9", self.next_llm_call)
        self.previous_llm_action = self._action(
            "Previous LLM call", "Shift+F9", lambda: self.next_llm_call(forward=False)
        )
        # Esc steps back out of a zoom, only while the tree has the focus (elsewhere Esc
        # closes or leaves things).
        self.zoom_out_action = self._action("Zoom back out", "Esc", self.time_window.back)
        self.zoom_out_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.zoom_out_action.setEnabled(False)
        self.whole_trace_action = QAction("Whole trace", self)
        self.whole_trace_action.setToolTip(
            "Show the whole trace again (Esc steps back one zoom). Double-click a bar to zoom "
            "to its span, or drag across the waterfall to zoom to a range."
        )
        self.whole_trace_action.setEnabled(False)
        self.whole_trace_action.triggered.connect(lambda _c=False: self.time_window.whole())
        self.time_window.changed.connect(self._window_changed)
        top = QHBoxLayout()
        top.setContentsMargins(6, 4, 6, 0)
        top.addWidget(self.summary, 1)
        for action in (self.whole_trace_action, self.next_error_action, self.next_llm_action):
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            top.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.minimap)
        layout.addWidget(self.view)

    def _action(self, text: str, key: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(key))
        action.setToolTip(f"{text} ({key})")
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    # -- loading -----------------------------------------------------------------------------

    def show_trace(self, trace_id: str, span_id: str | None = None) -> None:
        """Load a trace's spans in a worker (a newer request supersedes this one) and select
        ``span_id``, else the first span."""
        if trace_id == self.trace_id and span_id and self.select_span(span_id):
            self._runner.cancel("span-tree")
            return
        self.trace_id = trace_id
        self._select_after_load = span_id
        self.summary.setText("Loading spans…")
        self._runner.submit(
            "span-tree",
            lambda cur: build_forest(queries.trace_spans(cur, trace_id)),
            self._loaded,
            self._failed,
        )

    def clear(self) -> None:
        self.trace_id = None
        self._runner.cancel("span-tree")
        self.model.set_forest(SpanForest())
        self.time_window.reset(1)
        self.minimap.hide()
        self.summary.setText("Select a trace to see its spans.")
        self.cleared.emit()

    def _loaded(self, forest: SpanForest) -> None:
        self.model.set_forest(forest)
        self.time_window.reset(forest.end_ns - forest.start_ns, forest.timeline.gaps)
        self.minimap.set_forest(forest)
        self.minimap.setVisible(len(forest) >= MINIMAP_FROM)
        if len(forest) <= EXPAND_ALL_UP_TO:
            self.view.expandAll()
        else:
            self.view.expandToDepth(1)
        self.summary.setText(self._describe(forest))
        self._fit_names()
        wanted, self._select_after_load = self._select_after_load, None
        if len(forest) and not (wanted and self.select_span(wanted)):
            self.view.setCurrentIndex(self.model.index_of(0))
        self.loaded.emit(len(forest))

    def _fit_names(self) -> None:
        """Widen the name column to its longest name in view, up to 45% of the tree: beyond
        that names are elided (the tool tip has the whole name) and the waterfall keeps room."""
        wanted = self.view.sizeHintForColumn(0)
        cap = int(self.view.viewport().width() * 0.45)
        if wanted > self.view.columnWidth(0):
            self.view.setColumnWidth(0, min(wanted, max(cap, self.view.columnWidth(0))))

    def _window_changed(self) -> None:
        zoomed = self.time_window.zoomed
        self.zoom_out_action.setEnabled(zoomed)
        self.whole_trace_action.setEnabled(zoomed)
        self.view.viewport().update()

    def _failed(self, message: str) -> None:
        self.summary.setText(f"Could not load the spans: {message}")
        self.failed.emit(message)

    @staticmethod
    def _describe(forest: SpanForest) -> str:
        if not len(forest):
            return "This trace has no spans."
        errors = forest.errors()
        root = display.one_line(forest.value(forest.roots[0], "name"), 60)
        parts = [root, f"{len(forest):,} spans", display.duration(forest.end_ns - forest.start_ns)]
        if errors:
            parts.append(f"{errors} error{'s' if errors != 1 else ''}")
        return "  ·  ".join(parts)

    # -- selection and jumps -----------------------------------------------------------------

    def current_span_id(self) -> str | None:
        node = self.model.node(self.view.currentIndex())
        return None if node is None else self.model.forest.value(node, "span_id")

    def select_span(self, span_id: str) -> bool:
        """Select the span with this id in the trace shown; False when it is not there."""
        node = self.model.forest.node_of(span_id)
        if node is None:
            return False
        self.select_node(node)
        return True

    def select_node(self, node: int) -> None:
        for up in reversed(self.model.forest.ancestors(node)):
            self.view.expand(self.model.index_of(up))
        index = self.model.index_of(node)
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)

    def next_error(self, forward: bool = True) -> bool:
        """Select the next (or previous) span with status error, wrapping around."""
        return self._jump(lambda node: self.model.forest.value(node, "status") == "error", forward)

    def next_llm_call(self, forward: bool = True) -> bool:
        """Select the next (or previous) LLM call, wrapping around."""
        return self._jump(lambda node: self.model.forest.value(node, "kind") == "llm", forward)

    def _jump(self, matches: Callable[[int], bool], forward: bool) -> bool:
        count = len(self.model.forest)
        if not count:
            return False
        current = self.model.node(self.view.currentIndex())
        start = -1 if current is None and forward else (0 if current is None else current)
        step = 1 if forward else -1
        for offset in range(1, count + 1):
            node = (start + step * offset) % count
            if matches(node):
                self.select_node(node)
                self.view.setFocus()
                return True
        return False

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        node = self.model.node(current)
        if node is not None and self.trace_id:
            self.span_selected.emit(self.trace_id, self.model.forest.value(node, "span_id"))

    def _opened(self, index: QModelIndex) -> None:
        node = self.model.node(index)
        if node is not None and self.trace_id:
            self.span_opened.emit(self.trace_id, self.model.forest.value(node, "span_id"))

    # -- copy and export ---------------------------------------------------------------------

    def _menu(self, point: QPoint) -> None:
        index = self.view.indexAt(point)
        if index.isValid():
            self.view.setCurrentIndex(index)
        menu = QMenu(self)
        span_id = self.current_span_id()
        for text, slot in (
            ("Copy span as JSON", lambda: self.copy_span("json")),
            ("Copy span as Markdown", lambda: self.copy_span("markdown")),
        ):
            menu.addAction(text, slot).setEnabled(span_id is not None)
        menu.addSeparator()
        if self.trace_id is not None:
            self.trace_actions.add_to(menu, [self.trace_id])
            for extend in self.menu_extenders:
                menu.addSeparator()
                extend(menu, self.trace_id, span_id)
        menu.popup(self.view.viewport().mapToGlobal(point))

    def copy_span(self, form: str) -> None:
        """Put the selected span on the clipboard as ``json`` or ``markdown`` (read in a
        worker: the span's payloads may be large)."""
        trace_id, span_id = self.trace_id, self.current_span_id()
        if trace_id is None or span_id is None:
            return
        render = span_json if form == "json" else span_markdown
        redactor = current_redactor()  # keys and tokens masked unless the user opted out

        def work(cur: Any) -> str:
            detail = queries.span_detail(cur, trace_id, span_id)
            if detail is not None and redactor is not None:
                detail = redactor.record(detail)
            return render(detail) if detail is not None else ""

        self._runner.submit("span-copy", work, self._copied, self.failed.emit)

    def _copied(self, text: str) -> None:
        if text:
            QGuiApplication.clipboard().setText(text)
            self.copied.emit(text)

    def export_trace_to(self, path: Path) -> None:
        """Write the trace shown as an OTLP JSON document, in a worker."""
        if self.trace_id is not None:
            self.trace_actions.export_to([self.trace_id], path)
