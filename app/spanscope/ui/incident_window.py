"""The incident window: what went wrong (failure groups), what changed (compare two cohorts)
and which prompt was live (prompt versions), for the current filter of the main window. A window
of its own beside the main window, one per main window; every query runs in the window's runner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from spanscope.core.cohort_compare import compare
from spanscope.core.filters import compile_filter
from spanscope.store.cohorts import read_cohorts
from spanscope.store.failure_groups import FailureGroup, failure_groups
from spanscope.store.prompt_versions import PromptVersion, prompt_versions
from spanscope.ui.compare_view import CompareView
from spanscope.ui.failure_groups_view import FailureGroupsView
from spanscope.ui.keyboard import close_on_escape
from spanscope.ui.prompt_versions_view import PromptVersionsView
from spanscope.ui.window_surface import WindowSurface

TABS = ("groups", "compare", "prompts")


class IncidentWindow(QWidget):
    """Three tabs that follow the main window's applied filter."""

    def __init__(self, window: WindowSurface) -> None:
        super().__init__(window.widget, Qt.WindowType.Window)
        self.main = window
        close_on_escape(self)
        self.setWindowTitle(f"What went wrong — {window.db.path.name}")
        self.resize(1280, 800)
        self.filter_text = window.filter.text  # as applied, never the text being typed
        self.filter_label = QLabel(self)
        self.filter_label.setTextFormat(Qt.TextFormat.PlainText)
        self.groups = FailureGroupsView(
            self._submit("groups"), self._groups, self._open_group, self
        )
        self.compare = CompareView(self._compare, self._open_group, self)
        self.prompts = PromptVersionsView(
            self._submit("prompts"), self._prompts, self._open_prompt, self
        )
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.groups, "Failure groups")
        self.tabs.addTab(self.compare, "Compare cohorts")
        self.tabs.addTab(self.prompts, "Prompt versions")
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter_label)
        layout.addWidget(self.tabs, 1)
        self.tabs.currentChanged.connect(lambda _i: self.refresh())
        window.filter_applied.connect(lambda applied: self.follow_filter(applied.text))
        self._show_filter()

    def _submit(
        self, group: str
    ) -> Callable[[Callable[[Any], Any], Callable[[Any], None], Callable[[str], None]], None]:
        def submit(
            query: Callable[[Any], Any], done: Callable[[Any], None], failed: Callable[[str], None]
        ) -> None:
            self.main.runner.submit(f"incident-{group}", query, done, failed)

        return submit

    def _groups(self, cur: Any, order: str) -> list[FailureGroup]:
        return failure_groups(cur, compile_filter(self.filter_text, "spans"), order)

    def _prompts(self, cur: Any) -> list[PromptVersion]:
        return prompt_versions(cur, compile_filter(self.filter_text, "spans"))

    def _compare(self, a: str, b: str) -> None:
        where_a, where_b = compile_filter(a, "traces"), compile_filter(b, "traces")
        self.main.runner.submit(
            "incident-compare",
            lambda cur: compare(*read_cohorts(cur, where_a, where_b)),
            lambda result: self.compare.show_result(result, a, b),
            self.compare.show_error,
        )

    def _open_group(self, group_id: str) -> None:
        self._show_in_main(f"group:{group_id}")

    def _open_prompt(self, prompt_id: str) -> None:
        self._show_in_main(f"prompt:{prompt_id}")

    def _show_in_main(self, term: str) -> None:
        self.main.add_filter_term(term)
        self.main.widget.raise_()
        self.main.widget.activateWindow()

    def follow_filter(self, text: str) -> None:
        """The filter applied in the query bar changed: follow it."""
        self.filter_text = text.strip()
        self._show_filter()
        if self.isVisible():
            self.refresh()

    def _show_filter(self) -> None:
        self.filter_label.setText(
            f"Filter: {self.filter_text}" if self.filter_text else "All spans (no filter)"
        )
        self.compare.base = self.filter_text

    def refresh(self) -> None:
        """Run the shown tab's query again (Compare runs when asked)."""
        current = self.tabs.currentWidget()
        if current is self.groups:
            self.groups.load()
        elif current is self.prompts:
            self.prompts.load()

    def show_tab(self, name: str) -> None:
        self.tabs.setCurrentIndex(TABS.index(name))
        self.show()
        self.raise_()
        self.refresh()


class IncidentFeature:
    """The Incident menu and its window (one per main window)."""

    def __init__(self, window: WindowSurface) -> None:
        self.surface = window
        self.window: IncidentWindow | None = None
        menu = window.menu("&Incident")
        for title, tab, key in (
            ("&Failure groups…", "groups", "Ctrl+Shift+G"),
            ("&Compare two cohorts…", "compare", "Ctrl+Shift+B"),
            ("&Prompt versions…", "prompts", None),
        ):
            action = menu.addAction(title)
            if key:
                action.setShortcut(QKeySequence(key))
            action.triggered.connect(lambda _c=False, t=tab: self.open(t))

    def open(self, tab: str = "groups") -> IncidentWindow:
        """Show the incident window on ``tab``."""
        if self.window is None:
            self.window = IncidentWindow(self.surface)
        self.window.show_tab(tab)
        return self.window

    def shutdown(self) -> None:
        pass  # its window is the main window's child: it closes with it


def install(window: WindowSurface) -> IncidentFeature:
    return IncidentFeature(window)
