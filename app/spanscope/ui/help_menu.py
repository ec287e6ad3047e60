"""The Help menu: the command palette (Ctrl+K) and the keyboard cheat sheet (F1), both read
from the window's own actions when opened."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QWidget

from spanscope.ui.command_palette import CommandPalette
from spanscope.ui.keyboard import CheatSheet
from spanscope.ui.window_surface import WindowSurface

PALETTE_KEY = "Ctrl+K"
CHEAT_SHEET_KEY = "F1"


class HelpFeature:
    """Kept as ``window.features["help"]``."""

    def __init__(self, surface: WindowSurface) -> None:
        self.window = surface.widget  # both read the window's own actions
        self.palette: CommandPalette | None = None
        self.cheat_sheet: CheatSheet | None = None

    def open_palette(self) -> CommandPalette:
        """A fresh palette each time: the menus may have changed (read-only, new entries)."""
        if self.palette is not None:
            self.palette.deleteLater()
        self.palette = CommandPalette(self.window)
        _show(self.palette, self.palette.search)
        return self.palette

    def open_cheat_sheet(self) -> CheatSheet:
        """A fresh sheet each time: it lists the keys the window has now."""
        if self.cheat_sheet is not None:
            self.cheat_sheet.deleteLater()
        self.cheat_sheet = CheatSheet(self.window)
        _show(self.cheat_sheet, self.cheat_sheet.filter)
        return self.cheat_sheet

    def shutdown(self) -> None:
        """Nothing runs; the palette and the sheet close with the window, their parent."""


def _show(dialog: QDialog, focus: QWidget) -> None:
    dialog.show()
    focus.setFocus()


def install(surface: WindowSurface) -> HelpFeature:
    """Add the Help menu."""
    feature = HelpFeature(surface)
    menu = surface.menu("&Help")
    palette = menu.addAction("&Command palette…")
    palette.setShortcut(QKeySequence(PALETTE_KEY))
    palette.triggered.connect(lambda _c=False: feature.open_palette())
    sheet = menu.addAction("&Keyboard shortcuts")
    sheet.setShortcut(QKeySequence(CHEAT_SHEET_KEY))
    sheet.triggered.connect(lambda _c=False: feature.open_cheat_sheet())
    return feature
