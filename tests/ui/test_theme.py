"""View → Theme: light, dark, or the system's; kept in the settings, applied at once."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from spanscope.ui import display
from spanscope.ui.settings import app_settings
from spanscope.ui.theme import KEY, apply_theme, saved_theme


def test_theme_menu_switches_and_remembers(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    system = QPalette(app.palette())
    try:
        window.features["theme"].actions["dark"].trigger()
        assert display.is_dark(app.palette()) and app.style().name().lower() == "fusion"
        assert saved_theme() == "dark" and app_settings().value(KEY) == "dark"
        assert window.features["theme"].actions["dark"].isChecked()
        window.features["theme"].actions["light"].trigger()
        assert not display.is_dark(app.palette())
        window.features["theme"].actions["system"].trigger()
        assert app.palette().color(QPalette.ColorRole.Window) == system.color(
            QPalette.ColorRole.Window
        )
        assert saved_theme() == "system"
    finally:
        apply_theme("system")
        app_settings().remove(KEY)
