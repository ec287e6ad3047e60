"""What the lists say when there is nothing current to show: a message over an empty list,
results greyed out while the filter in the bar has an error (they are the previous filter's),
the annotation panel emptied when no span is selected any more, and "Copy id" on the trace
list, the span list and the span tree.

A feature like the others (``install(window)``): it only listens to the window's signals and
adds menu entries through the lists' ``menu_extenders``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QLabel, QMenu

if TYPE_CHECKING:
    from spanscope.ui.main_window import MainWindow

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
    """Kept on the window as ``window.list_states``."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.trace_note = EmptyNote(window.trace_list.view)
        self.span_note = EmptyNote(window.span_list.view)
        self.stale = False
        window.trace_list.model.count_changed.connect(
            lambda n: self.trace_note.say(empty_text("traces", self._filter()) if n == 0 else "")
        )
        window.span_list.model.count_changed.connect(
            lambda n: self.span_note.say(empty_text("spans", self._filter()) if n == 0 else "")
        )
        window.query_bar.invalid.connect(lambda _message: self.set_stale(True))
        window.query_bar.query_changed.connect(lambda _text: self.set_stale(False))

    def _filter(self) -> str:
        return self.window.query_bar.applied

    def views(self) -> list[QAbstractItemView]:
        w = self.window
        return [w.trace_list.view, w.span_list.view, w.span_tree.view]

    def set_stale(self, stale: bool) -> None:
        """Grey the lists (and say why) while the filter in the bar is not the one applied."""
        self.stale = stale
        for view in self.views():
            view.setEnabled(not stale)
            view.setToolTip(STALE_TIP if stale else "")
        if stale:
            self.window.count_label.setText("Filter has an error: showing the previous results")
        else:
            self.window.count_label.setToolTip("")

    # -- copy id -----------------------------------------------------------------------------

    def trace_menu(self, menu: QMenu, trace_ids: list[str]) -> None:
        if trace_ids:
            noun = "trace id" if len(trace_ids) == 1 else f"{len(trace_ids)} trace ids"
            menu.addAction(f"Copy {noun}", lambda: self._copy("\n".join(trace_ids)))

    def span_menu(self, menu: QMenu, span_ids: list[str]) -> None:
        spans = self.window.span_list.model.spans_at(
            sorted({i.row() for i in self.window.span_list.view.selectionModel().selectedRows()})
        )
        if spans:
            menu.addAction("Copy span id", lambda: self._copy("\n".join(s for _t, s in spans)))
            menu.addAction("Copy trace id", lambda: self._copy("\n".join(t for t, _s in spans)))

    def tree_menu(self, menu: QMenu, trace_id: str, span_id: str | None) -> None:
        menu.addAction("Copy trace id", lambda: self._copy(trace_id))
        if span_id:
            menu.addAction("Copy span id", lambda: self._copy(span_id))

    def _copy(self, text: str) -> None:
        copy_text(text)
        self.window.show_message(f"Copied {text.splitlines()[0]}" + (" …" if "\n" in text else ""))


def install(window: MainWindow) -> None:
    states = ListStates(window)
    window.list_states = states  # type: ignore[attr-defined]
    window.trace_list.menu_extenders.append(states.trace_menu)
    window.span_list.menu_extenders.append(states.span_menu)
    window.span_tree.menu_extenders.append(states.tree_menu)
