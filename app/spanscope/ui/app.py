"""Starting the desktop app: the QApplication, the database, the main window.

python -m spanscope.ui.app [DATABASE] [--demo] [--read-only]
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from spanscope import paths
from spanscope.store import Database
from spanscope.ui.main_window import MainWindow
from spanscope.ui.opening import open_database

RESOURCES = Path(__file__).resolve().parents[3] / "resources"


def application() -> QApplication:
    """The QApplication, created once with the app's name, organisation and icon."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("Spanscope")
    app.setOrganizationName("Spanscope")
    app.setApplicationDisplayName("Spanscope")
    icon = RESOURCES / "icons" / "spanscope.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


class Session(QObject):
    """The open database and its window; "Open database…" swaps both."""

    def __init__(self, db: Database, demo: bool) -> None:
        super().__init__()
        self.db = db
        self.window = self._window(db, demo)

    def _window(self, db: Database, demo: bool = False) -> MainWindow:
        window = MainWindow(db, demo=demo)
        window.open_database_requested.connect(self.switch)
        window.show()
        return window

    def switch(self, path: Path) -> None:
        if path.resolve() == self.db.path:
            return
        new_db = open_database(path, parent=self.window)
        if new_db is None:
            return
        old_window, old_db = self.window, self.db
        old_window.save_settings()
        old_window.shutdown()
        self.db, self.window = new_db, self._window(new_db)
        old_window.close()
        old_window.deleteLater()
        old_db.close()

    def close(self) -> None:
        self.window.shutdown()
        self.db.close()


def run(db_path: Path, *, demo: bool = False, read_only: bool = False) -> int:
    """Show the main window over ``db_path`` until the user quits; returns the exit code."""
    app = application()
    paths.remove_stale_snapshots()
    db = open_database(Path(db_path), read_only=read_only)
    if db is None:
        return 1
    session = Session(db, demo)
    try:
        return app.exec()
    finally:
        session.close()
