"""The Help menu: the command palette (Ctrl+K) and the keyboard cheat sheet (F1), both read
from the window's own actions when opened."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QWidget

from spanscope.ui.command_palette import CommandPalette
from spanscope.ui.keyboard import CheatSheet

if TYPE_CHECKING:
    from spanscope.ui.main_window import MainWindow

PALETTE_KEY = "Ctrl+K"
CHEAT_SHEET_KEY = "F1"


class HelpFeature:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
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


def _show(dialog: QDialog, focus: QWidget) -> None:
    dialog.show()
    focus.setFocus()


def install(window: MainWindow) -> None:
    """Add the Help menu (installed last, so it is the rightmost menu)."""
    feature = HelpFeature(window)
    window.help = feature  # type: ignore[attr-defined]
    menu = window.menuBar().addMenu("&Help")
    palette = menu.addAction("&Command palette…")
    palette.setShortcut(QKeySequence(PALETTE_KEY))
    palette.triggered.connect(lambda _c=False: feature.open_palette())
    sheet = menu.addAction("&Keyboard shortcuts")
    sheet.setShortcut(QKeySequence(CHEAT_SHEET_KEY))
    sheet.triggered.connect(lambda _c=False: feature.open_cheat_sheet())
