"""What the lists say when there is nothing current to show: a message over an empty list,
results greyed out while the filter in the bar has an error (they are the previous filter's),
the annotation panel emptied when no span is selected any more, and "Copy id" on the trace
list, the span list and the span tree.

A feature like the others (``install(surface)``, kept as ``window.features["list_states"]``):
it only listens to the window's signals and adds entries to the lists' context menus.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QLabel, QMenu

from spanscope.ui.window_surface import WindowSurface

STALE_TIP = "Not updated: the filter above has an error. These are the previous filter's results."


class EmptyNote(QLabel):
    """A centred message over an item view's empty viewport."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view.viewport())
        self.view = view
        self.setTextFormat(Qt.TextFormat.PlainText)  # the filter text is quoted in it
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setEnabled(False)  # drawn in the palette's muted text colour
        self.hide()
        view.viewport().installEventFilter(self)

    def say(self, text: str) -> None:
        self.setText(text)
        self._fit()
        self.setVisible(bool(text))

    def _fit(self) -> None:
        self.setGeometry(self.view.viewport().rect().adjusted(24, 24, -24, -24))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._fit()
        return False


def empty_text(noun: str, filter_text: str) -> str:
    if filter_text:
        return (
            f"No {noun} match the filter “{filter_text}”.\nChange or clear the filter to see more."
        )
    return f"No {noun} yet."


def copy_text(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


class ListStates:
    """The lists' empty and stale states and their "Copy id" entries."""

    def __init__(self, surface: WindowSurface) -> None:
        self.surface = surface
        self.trace_note = EmptyNote(surface.list_view("traces"))
        self.span_note = EmptyNote(surface.list_view("spans"))
        self.stale = False
        surface.trace_count_changed.connect(
            lambda n: self.trace_note.say(empty_text("traces", self._filter()) if n == 0 else "")
        )
        surface.span_count_changed.connect(
            lambda n: self.span_note.say(empty_text("spans", self._filter()) if n == 0 else "")
        )
        surface.filter_refused.connect(lambda _message: self.set_stale(True))
        surface.filter_applied.connect(lambda _filter: self.set_stale(False))

    def _filter(self) -> str:
        return self.surface.filter.text

    def views(self) -> list[QAbstractItemView]:
        return [self.surface.list_view(name) for name in ("traces", "spans", "tree")]

    def set_stale(self, stale: bool) -> None:
        """Grey the lists (and say why) while the filter in the bar is not the one applied."""
        self.stale = stale
        for view in self.views():
            view.setEnabled(not stale)
            view.setToolTip(STALE_TIP if stale else "")
        if stale:
            self.surface.show_count("Filter has an error: showing the previous results")

    # -- copy id -----------------------------------------------------------------------------

    def trace_menu(self, menu: QMenu, trace_ids: list[str]) -> None:
        if trace_ids:
            noun = "trace id" if len(trace_ids) == 1 else f"{len(trace_ids)} trace ids"
            menu.addAction(f"Copy {noun}", lambda: self._copy("\n".join(trace_ids)))

    def span_menu(self, menu: QMenu, span_ids: list[str]) -> None:
        spans = self.surface.selected_spans()
        if spans:
            menu.addAction("Copy span id", lambda: self._copy("\n".join(s for _t, s in spans)))
            menu.addAction("Copy trace id", lambda: self._copy("\n".join(t for t, _s in spans)))

    def tree_menu(self, menu: QMenu, trace_id: str, span_id: str | None) -> None:
        menu.addAction("Copy trace id", lambda: self._copy(trace_id))
        if span_id:
            menu.addAction("Copy span id", lambda: self._copy(span_id))

    def _copy(self, text: str) -> None:
        copy_text(text)
        self.surface.show_message(f"Copied {text.splitlines()[0]}" + (" …" if "\n" in text else ""))

    def shutdown(self) -> None:
        """Nothing runs and nothing is open: the notes go with the lists."""


def install(surface: WindowSurface) -> ListStates:
    states = ListStates(surface)
    surface.extend_trace_menu(states.trace_menu)
    surface.extend_span_menu(states.span_menu)
    surface.extend_tree_menu(states.tree_menu)
    return states
