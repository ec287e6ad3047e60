"""Finding: the query bar, the trace/span list toggle, both lists, facets and saved views.

The main window places :attr:`sidebar` (views and facets) on the left and :attr:`lists` (query
bar, toggle, the list shown) above the trace view; this class keeps them in step: a filter
goes to the list shown and to the facets, a facet click adds a term, a saved view sets the
filter, list, columns and sort at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QInputDialog,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from spanscope.core.filters import FilterError, compile_filter
from spanscope.store import facets as store_facets
from spanscope.store import queries
from spanscope.store.queries import Where
from spanscope.ui.facets import FacetsPanel
from spanscope.ui.query_bar import QueryBar
from spanscope.ui.saved_views import View, ViewsPanel, ViewStore
from spanscope.ui.span_list import SpanList
from spanscope.ui.trace_list import TraceList
from spanscope.ui.workers import QueryRunner

LISTS = ("traces", "spans")
COMPLETION_SOURCES = ("model", "provider", "service", "user_id", "tool_name")


def load_completion_values(cur: Any) -> dict[str, list[str]]:
    """Worker side: values seen in the data, for the query bar's completer."""
    values = {column: list(queries.distinct_values(cur, column)) for column in COMPLETION_SOURCES}
    values["tags"] = list(queries.distinct_tags(cur))
    values["labels"] = list(queries.distinct_labels(cur))
    return values


def compiled(text: str, table: str) -> Where:
    """``text`` for ``table``; over spans, a filter that only applies to traces keeps the
    spans of the matching traces."""
    if not text:
        return Where()
    try:
        return compile_filter(text, table)
    except FilterError:
        if table != "spans":
            raise
        return store_facets.spans_of_traces(compile_filter(text, "traces"))


class Finder(QObject):
    """Keeps the query bar, the lists, the facets and the saved views in step."""

    list_changed = Signal(str)  # "traces" or "spans"

    def __init__(self, runner: QueryRunner, database: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.shows = "traces"
        self._stale = {name: False for name in LISTS}
        self.query_bar = QueryBar(parent)
        self.trace_list = TraceList(runner, parent)
        self.span_list = SpanList(runner, parent)
        self.facets = FacetsPanel(runner, parent)
        self.views = ViewsPanel(ViewStore(database), parent)

        self.toggle = QButtonGroup(self)
        toggles = QHBoxLayout()
        toggles.setSpacing(0)
        self.toggle_buttons: dict[str, QToolButton] = {}
        for name, text, tip in (
            ("traces", "Traces", "One row per trace"),
            ("spans", "Spans", "One row per span, across traces (e.g. every llm call)"),
        ):
            button = QToolButton(parent)
            button.setText(text)
            button.setToolTip(tip)
            button.setCheckable(True)
            button.setAutoRaise(False)
            self.toggle.addButton(button)
            toggles.addWidget(button)
            self.toggle_buttons[name] = button
            button.clicked.connect(lambda _on=False, n=name: self.show_list(n))
        self.toggle_buttons["traces"].setChecked(True)
        self.stack = QStackedWidget(parent)
        self.stack.addWidget(self.trace_list)
        self.stack.addWidget(self.span_list)

        self.lists = QWidget(parent)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 4, 0)
        top.addWidget(self.query_bar, 1)
        top.addLayout(toggles)
        top.setAlignment(toggles, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout(self.lists)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addLayout(top)
        column.addWidget(self.stack)

        self.sidebar = QWidget(parent)
        side = QVBoxLayout(self.sidebar)
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(0)
        side.addWidget(self.views)
        side.addWidget(self.facets, 1)

        self.query_bar.query_changed.connect(self.set_filter)
        self.facets.term_picked.connect(self.add_term)
        self.views.apply_requested.connect(self.apply_view)
        self.views.save_requested.connect(self.ask_save_view)

    # -- filtering and lists -------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self.query_bar.applied

    def set_filter(self, text: str) -> None:
        """Apply filter text (already checked by the query bar) to both lists and the facets;
        only the list shown loads now."""
        try:
            trace_where, span_where = compiled(text, "traces"), compiled(text, "spans")
        except FilterError as exc:
            self.query_bar.show_error(exc, select=False)
            return
        self.trace_list.model.set_filter(trace_where, reload=False)
        self.span_list.model.set_filter(span_where, reload=False)
        self._stale = {name: True for name in LISTS}
        self.reload_list()
        self.facets.refresh(text)

    def add_term(self, term: str) -> None:
        """A facet was clicked: add its term to the filter."""
        self.query_bar.add_term(term)

    def show_list(self, name: str) -> None:
        """Show the trace list or the span list."""
        if name not in LISTS:
            return
        self.toggle_buttons[name].setChecked(True)
        if name == self.shows:
            return
        self.current_model().cancel()
        self.shows = name
        self.stack.setCurrentWidget(self.current_list())
        if self._stale[name]:
            self.reload_list()
        self.list_changed.emit(name)

    def current_list(self) -> TraceList | SpanList:
        return self.trace_list if self.shows == "traces" else self.span_list

    def current_model(self) -> Any:
        return self.current_list().model

    def reload_list(self) -> None:
        """Reload the list shown; the other reloads when it is shown."""
        self._stale[self.shows] = False
        self.current_list().reload()

    def reload(self) -> None:
        """After an import: both lists, the facets and the completion values."""
        self._stale = {name: True for name in LISTS}
        self.reload_list()
        self.facets.refresh(self.text)
        self.load_completion_values()

    def load_completion_values(self) -> None:
        self._runner.submit("completion-values", load_completion_values, self.query_bar.set_values)

    # -- views -------------------------------------------------------------------------------

    def current_view(self, name: str = "") -> View:
        """What is shown now, as a view."""
        shown = self.current_list()
        return View(
            name=name,
            filter=self.text,
            shows=self.shows,
            columns=shown.columns.visible(),
            sort=shown.model.sort_key,
            descending=shown.model.descending,
        )

    def apply_view(self, view: View) -> None:
        """Show ``view``'s list with its columns and sort, then apply its filter."""
        self.show_list(view.shows)
        shown = self.current_list()
        if view.columns:
            shown.columns.set_visible(view.columns)
        shown.sort_by(view.sort, view.descending)  # an unknown key falls back to time
        self.query_bar.set_text(view.filter, apply=False)
        if not self.query_bar.apply(select=False):
            self.set_filter("")  # a view whose filter no longer compiles shows everything

    def save_view(self, name: str) -> View:
        view = self.current_view(name)
        self.views.save(view)
        return view

    def ask_save_view(self) -> None:
        name, ok = QInputDialog.getText(self.views, "Save view", "Name of this view:")
        if ok and name.strip():
            self.save_view(name.strip())

    def restore(self) -> None:
        """Show the view in use when the window last closed (or all traces)."""
        last = self.views.store.last()
        self.load_completion_values()
        if last is not None:
            self.apply_view(last)
        else:
            self.set_filter("")

    def remember(self) -> None:
        self.views.store.set_last(self.current_view("last"))
