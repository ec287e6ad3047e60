"""Starting the desktop app: the QApplication, the database, the main window.

python -m spanscope.ui.app [DATABASE] [--demo] [--read-only]
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from spanscope import paths
from spanscope.store import Database
from spanscope.store.database import StoreError
from spanscope.store.recovery import still_usable
from spanscope.ui.main_window import MainWindow
from spanscope.ui.opening import open_database, problem_box
from spanscope.ui.recovery_dialog import files_to_reimport, note_for
from spanscope.ui.single_instance import InstanceServer, bring_to_front
from spanscope.ui.theme import apply_theme

# The checkout's resources/ folder; in a PyInstaller bundle, the copy in its _internal/ folder.
RESOURCES = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[3])) / "resources"


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
    apply_theme()  # the saved choice: system, light or dark
    return app


class Session(QObject):
    """The open database and its window; "Open database…" swaps both."""

    window: MainWindow

    def __init__(self, db: Database, demo: bool) -> None:
        super().__init__()
        self.db = db
        # One window per database: a later Spanscope opening the same file asks this one to
        # come to the front instead (read-only copies do not answer for the file).
        self.instance = InstanceServer(self)
        self.instance.show_requested.connect(lambda: bring_to_front(self.window))
        self._reopening = False
        self.window = self._window(db, demo)

    def _window(self, db: Database, demo: bool = False) -> MainWindow:
        window = MainWindow(db, demo=demo)
        window.open_database_requested.connect(self.switch)
        window.runner.database_lost.connect(self.reopen)
        window.importer.finished.connect(lambda _results: self._check_database())
        window.show()
        if db.read_only:
            self.instance.close()
        else:
            self.instance.listen(db.path)
        note = note_for(db)
        if note:
            window.show_message(note)
        files = files_to_reimport(db)  # a database rebuilt from its source files
        if files:
            window.import_paths(list(files))
        return window

    def _check_database(self) -> None:
        if not still_usable(self.db):
            self.reopen("the database stopped working during the import")

    def reopen(self, reason: str) -> None:
        """DuckDB invalidated the database after an internal error: open it again, in a
        new window, and say so. Everything committed before the error is in the file."""
        if self._reopening:
            return
        self._reopening = True
        try:
            old_window, old_db = self.window, self.db
            old_window.save_settings()
            old_window.shutdown()
            old_db.close()
            try:
                db = Database.open(old_db.path, read_only=old_db.read_only)
            except (StoreError, OSError) as exc:
                problem_box("Cannot reopen the database", f"{reason}\n\n{exc}", old_window).exec()
                old_window.close()
                return
            self.db, self.window = db, self._window(db)
            old_window.close()
            old_window.deleteLater()
            self.window.show_message(
                "DuckDB stopped on an internal error and closed the database; Spanscope "
                f"reopened it. Repeat the last action if it did not finish. ({reason})"
            )
        finally:
            self._reopening = False

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
        self.instance.close()
        self.window.shutdown()
        self.db.close()


def run(
    db_path: Path,
    *,
    demo: bool = False,
    read_only: bool = False,
    quit_after: float | None = None,
) -> int:
    """Show the main window over ``db_path`` until the user quits; returns the exit code.
    With ``quit_after`` the window closes itself that many seconds after it opened (after the
    demo import, with ``demo``): how an installation is checked without a person."""
    app = application()
    paths.remove_stale_snapshots()
    db = open_database(Path(db_path), read_only=read_only)
    if db is None:
        return 1
    session = Session(db, demo)
    if quit_after is not None:
        close_later(session, quit_after, after_import=demo)
    try:
        return app.exec()
    finally:
        session.close()


def close_later(session: Session, seconds: float, *, after_import: bool) -> None:
    """Close the window ``seconds`` from now, or from the end of the running import; closing
    goes through the window's own close (settings saved, threads stopped), then the app quits."""

    def start_timer() -> None:
        QTimer.singleShot(round(seconds * 1000), session.window.close)

    if after_import:
        session.window.importer.finished.connect(lambda _results: start_timer())
    else:
        start_timer()
