"""The colour theme: follow the system (the default), or always light, or always dark.

Light and dark are Qt's Fusion style with a palette of our own, so they look the same on every
desktop; "system" keeps the style and palette the platform gave the application. Widgets that
pick colours (diff marks, errors, the waterfall, charts) read them from the palette, so they
follow. The choice is kept in the settings and applied before the first window opens.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from spanscope.ui.settings import app_settings
from spanscope.ui.window_surface import WindowSurface

THEMES = ("system", "light", "dark")
KEY = "appearance/theme"
_SYSTEM: dict[str, object] = {}  # the platform's own style name and palette, kept at first use

_DARK = {
    QPalette.ColorRole.Window: "#2b2d30",
    QPalette.ColorRole.WindowText: "#dfe1e5",
    QPalette.ColorRole.Base: "#1e1f22",
    QPalette.ColorRole.AlternateBase: "#26282b",
    QPalette.ColorRole.ToolTipBase: "#3c3f41",
    QPalette.ColorRole.ToolTipText: "#dfe1e5",
    QPalette.ColorRole.PlaceholderText: "#8c8f94",
    QPalette.ColorRole.Text: "#dfe1e5",
    QPalette.ColorRole.Button: "#3c3f41",
    QPalette.ColorRole.ButtonText: "#dfe1e5",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Highlight: "#2f65ca",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#6ea8fe",
    QPalette.ColorRole.Mid: "#5a5d61",
    QPalette.ColorRole.Dark: "#151617",
    QPalette.ColorRole.Light: "#45484c",
}
_LIGHT = {
    QPalette.ColorRole.Window: "#f3f3f3",
    QPalette.ColorRole.WindowText: "#1f1f1f",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f6f7f9",
    QPalette.ColorRole.ToolTipBase: "#ffffdc",
    QPalette.ColorRole.ToolTipText: "#1f1f1f",
    QPalette.ColorRole.PlaceholderText: "#7a7a7a",
    QPalette.ColorRole.Text: "#1f1f1f",
    QPalette.ColorRole.Button: "#e8e8e8",
    QPalette.ColorRole.ButtonText: "#1f1f1f",
    QPalette.ColorRole.BrightText: "#c62828",
    QPalette.ColorRole.Highlight: "#3874d8",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#1a5fb4",
    QPalette.ColorRole.Mid: "#b8b8b8",
    QPalette.ColorRole.Dark: "#a0a0a0",
    QPalette.ColorRole.Light: "#ffffff",
}


def palette_for(theme: str) -> QPalette:
    """The palette of ``theme`` ("light" or "dark"); disabled text is dimmed."""
    palette = QPalette()
    for role, colour in (_DARK if theme == "dark" else _LIGHT).items():
        palette.setColor(role, QColor(colour))
    dim = QColor(palette.color(QPalette.ColorRole.Text))
    dim.setAlpha(110)
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, dim)
    return palette


def saved_theme() -> str:
    value = str(app_settings().value(KEY, "system") or "system")
    return value if value in THEMES else "system"


def apply_theme(theme: str | None = None) -> str:
    """Apply ``theme`` (the saved one by default) to the whole application; returns it."""
    app = QApplication.instance()
    theme = theme if theme in THEMES else saved_theme()
    if not isinstance(app, QApplication):
        return theme
    if not _SYSTEM:
        _SYSTEM["style"] = app.style().name()
        _SYSTEM["palette"] = QPalette(app.palette())
    if theme == "system":
        app.setStyle(QStyleFactory.create(str(_SYSTEM["style"])))
        palette = _SYSTEM["palette"]
        assert isinstance(palette, QPalette)
        app.setPalette(palette)
    else:
        app.setStyle(QStyleFactory.create("Fusion"))
        app.setPalette(palette_for(theme))
    return theme


def choose_theme(theme: str) -> None:
    """Keep ``theme`` in the settings and apply it now."""
    settings = app_settings()
    settings.setValue(KEY, theme)
    settings.sync()
    apply_theme(theme)


class ThemeMenu:
    """View → Theme, kept as ``window.features["theme"]``; ``actions`` by theme name."""

    def __init__(self, surface: WindowSurface) -> None:
        menu = surface.menu("&View").addMenu("T&heme")
        group = QActionGroup(menu)
        current = saved_theme()
        self.actions: dict[str, QAction] = {}
        for theme in THEMES:
            text = theme.capitalize() if theme != "system" else "Follow the system"
            action = menu.addAction(text)
            action.setCheckable(True)
            action.setChecked(theme == current)
            group.addAction(action)
            action.triggered.connect(lambda _c=False, t=theme: choose_theme(t))
            self.actions[theme] = action

    def shutdown(self) -> None:
        """The theme stays applied to the application; nothing runs."""


def install(surface: WindowSurface) -> ThemeMenu:
    """View → Theme: System, Light, Dark."""
    return ThemeMenu(surface)
