"""The File menu entry that turns the masking of secrets in copies and exports on and off."""

from __future__ import annotations

from PySide6.QtGui import QAction

from spanscope.ui.secret_masking import TITLE, masking_on, set_masking
from spanscope.ui.window_surface import WindowSurface


class MaskingMenu:
    """The checkable entry (``action``) above Quit in the File menu."""

    def __init__(self, window: WindowSurface) -> None:
        file_menu = window.menu("&File")
        self.action = QAction(TITLE, window.widget)
        self.action.setCheckable(True)
        self.action.setChecked(masking_on())
        self.action.setToolTip(
            "API keys, bearer tokens and values of fields such as api_key or password"
        )
        self.action.toggled.connect(set_masking)
        actions = file_menu.actions()
        if actions:
            file_menu.insertAction(actions[-1], self.action)  # above Quit
        else:
            file_menu.addAction(self.action)

    def shutdown(self) -> None:
        pass


def install(window: WindowSurface) -> MaskingMenu:
    return MaskingMenu(window)
