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
    QLabel,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from spanscope.core.filter_value import EVERYTHING, Filter, make_filter
from spanscope.core.filters import FilterError
from spanscope.store import queries
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


class Finder(QObject):
    """Keeps the query bar, the lists, the facets and the saved views in step."""

    list_changed = Signal(str)  # "traces" or "spans"
    # The filter as applied (core.filter_value.Filter): every screen that follows the query
    # bar (lists, facets, Costs, Review, export) reads this value, never the edit box.
    filter_applied = Signal(object)

    def __init__(self, runner: QueryRunner, database: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.shows = "traces"
        self.filter: Filter = EVERYTHING
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
        # What the list shows, in words ("traces with a span matching kind:tool …"): the
        # filter's meaning is not left to guess.
        self.meaning = QLabel(parent)
        self.meaning.setTextFormat(Qt.TextFormat.PlainText)
        self.meaning.setObjectName("filterMeaning")
        self.meaning.setContentsMargins(6, 0, 6, 2)
        font = self.meaning.font()
        font.setItalic(True)  # a caption of the query bar, not part of the results
        self.meaning.setFont(font)
        self.meaning.hide()
        column = QVBoxLayout(self.lists)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addLayout(top)
        column.addWidget(self.meaning)
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
        return self.filter.text

    def set_filter(self, text: str) -> None:
        """Make the filter value of ``text`` (once) and hand it to both lists, the facets and
        every screen that follows it; only the list shown loads now."""
        try:
            applied = make_filter(text)
        except FilterError as exc:
            self.query_bar.show_error(exc, select=False)
            return
        self.filter = applied
        self.trace_list.model.set_filter(applied.traces, reload=False)
        self.span_list.model.set_filter(applied.spans, reload=False)
        self._stale = {name: True for name in LISTS}
        self.reload_list()
        self.facets.refresh(applied)
        self._show_meaning()
        self.filter_applied.emit(applied)

    def _show_meaning(self) -> None:
        applied = self.filter
        self.meaning.setText(applied.meaning if self.shows == "traces" else applied.span_meaning)
        self.meaning.setVisible(not applied.empty)

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
        self._show_meaning()
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
        self.facets.refresh(self.filter)
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
