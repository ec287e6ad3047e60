"""Replay in the main window: the Replay menu, its shortcuts and context-menu entries.

Step through a trace (Ctrl+Shift+P) opens a window walking its spans in time order; Replay
call (Ctrl+Shift+Y) opens the dialog that re-runs the selected llm span against a
configured endpoint. Neither sends anything until the dialog's Send button is pressed.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from spanscope.ui.replay_dialog import ReplayDialog
from spanscope.ui.replay_steps import StepThroughWindow
from spanscope.ui.window_surface import WindowSurface


class ReplayFeature(QObject):
    """Opens step-through windows and replay dialogs for one main window, and stops their
    threads when it closes."""

    def __init__(self, window: WindowSurface) -> None:
        super().__init__(window)
        self.window = window
        self.opened: list[StepThroughWindow | ReplayDialog] = []

    def step_through(
        self, trace_id: str | None, span_id: str | None = None
    ) -> StepThroughWindow | None:
        """Open the step-through of a trace, at ``span_id`` when given."""
        if not trace_id:
            self.window.show_message("Select a trace to step through.")
            return None
        steps = StepThroughWindow(self.window.db, trace_id, self.window.widget, at_span=span_id)
        steps.replay_requested.connect(self.replay_call)
        self._keep(steps)
        steps.show()
        return steps

    def replay_call(self, trace_id: str | None, span_id: str | None) -> ReplayDialog | None:
        """Open the Replay call dialog of an llm span (nothing is sent until Send)."""
        if not trace_id or not span_id:
            self.window.show_message("Select an llm span to replay.")
            return None
        dialog = ReplayDialog(
            self.window.db,
            self.window.runner,
            self.window.writes,
            trace_id,
            span_id,
            self.window.widget,
        )
        self._keep(dialog)
        dialog.show()
        return dialog

    def edit_endpoints(self) -> None:
        from spanscope.ui.replay_endpoints import EndpointsDialog

        EndpointsDialog(self.window.widget).exec()

    def _keep(self, widget: StepThroughWindow | ReplayDialog) -> None:
        self.opened = [w for w in self.opened if _alive(w)]
        self.opened.append(widget)

    def shutdown(self) -> None:
        for widget in self.opened:
            if _alive(widget):
                widget.shutdown()

    # -- context menus -----------------------------------------------------------------------

    def tree_menu(self, menu: QMenu, trace_id: str, span_id: str | None) -> None:
        menu.addSeparator()
        kind = self.window.span_kind(span_id)
        action = menu.addAction("Replay call…", lambda: self.replay_call(trace_id, span_id))
        action.setEnabled(kind == "llm")
        menu.addAction("Step through from here", lambda: self.step_through(trace_id, span_id))

    def span_list_menu(self, menu: QMenu, _ids: list[str]) -> None:
        spans = self.window.selected_spans()
        one = spans[0] if len(spans) == 1 else None
        menu.addSeparator()
        menu.addAction("Replay call…", lambda: self.replay_call(*one) if one else None).setEnabled(
            one is not None
        )
        menu.addAction(
            "Step through trace", lambda: self.step_through(*one) if one else None
        ).setEnabled(one is not None)

    def trace_list_menu(self, menu: QMenu, trace_ids: list[str]) -> None:
        one = trace_ids[0] if len(trace_ids) == 1 else None
        menu.addSeparator()
        menu.addAction("Step through trace", lambda: self.step_through(one)).setEnabled(
            one is not None
        )


def _alive(widget: QWidget) -> bool:
    try:
        widget.objectName()
    except RuntimeError:  # deleted by Qt
        return False
    return True


def install(window: WindowSurface) -> ReplayFeature:
    """Add the Replay menu and the context-menu entries to ``window``."""
    feature = ReplayFeature(window)
    menu = window.menu("&Replay")
    step = menu.addAction(
        "&Step through trace", lambda: feature.step_through(window.trace_id(), window.span_id())
    )
    step.setShortcut(QKeySequence("Ctrl+Shift+P"))
    call = menu.addAction(
        "Replay &call…", lambda: feature.replay_call(window.trace_id(), window.span_id())
    )
    call.setShortcut(QKeySequence("Ctrl+Shift+Y"))  # Ctrl+Shift+R reviews the filter
    menu.addSeparator()
    menu.addAction("&Endpoints…", feature.edit_endpoints)
    window.extend_tree_menu(feature.tree_menu)
    window.extend_span_menu(feature.span_list_menu)
    window.extend_trace_menu(feature.trace_list_menu)
    return feature
