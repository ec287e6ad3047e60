"""Opening a database file from the window, with a clear answer for every way it can fail.

A file another program holds offers a read-only copy or Quit; a file written by a newer
Spanscope, or that is not a Spanscope database, gets a message. Never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from spanscope import paths
from spanscope.store import Database, DatabaseLocked, SchemaTooNew, StoreError
from spanscope.store.database import DatabaseDamaged
from spanscope.ui import recovery_dialog
from spanscope.ui.single_instance import ask_to_show, running_instance

SNAPSHOT_TEXT = "Open read-only copy"
QUIT_TEXT = "Quit"

# Shows a message box and returns the button the user pressed; tests pass their own.
Ask = Callable[[QMessageBox], QAbstractButton | None]


def ask_modally(box: QMessageBox) -> QAbstractButton | None:
    box.exec()
    return box.clickedButton()


def choose(ask: Ask, box: QMessageBox) -> str | None:
    """The text of the button the user pressed on ``box``, None when they closed it.

    The text is read while ``box`` is still referenced here: a box built inline in the call
    (``ask(instance_box(...))``) is deleted with its buttons as soon as ``ask`` returns, and
    reading the pressed button after that raises "Internal C++ object already deleted".
    """
    pressed = ask(box)
    return pressed.text() if pressed is not None else None


def holder_name(error: DatabaseLocked) -> str:
    """The program holding the file, with its process id as DuckDB reported it."""
    return error.holder


def lock_box(error: DatabaseLocked, parent: QWidget | None = None) -> QMessageBox:
    """The choice offered when another program holds the database."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Database in use")
    box.setTextFormat(Qt.TextFormat.PlainText)  # paths and names shown literally
    box.setText(f"{error.path.name} is open in another program:\n{holder_name(error)}")
    box.setInformativeText(
        f"{error.path}\n\nClose it there and start Spanscope again, or open a read-only copy of "
        "the file as it is now (imports and labels are disabled in the copy)."
    )
    box.addButton(SNAPSHOT_TEXT, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QUIT_TEXT, QMessageBox.ButtonRole.RejectRole)
    return box


def problem_box(title: str, text: str, parent: QWidget | None = None) -> QMessageBox:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)  # paths and names shown literally
    box.setText(text)
    box.addButton(QMessageBox.StandardButton.Close)
    return box


def open_database(
    path: Path,
    *,
    read_only: bool = False,
    parent: QWidget | None = None,
    ask: Ask = ask_modally,
    pick: recovery_dialog.PickFiles = recovery_dialog.pick_files,
) -> Database | None:
    """Open ``path`` for the window; None when it cannot be opened or the user chose Quit
    (or to bring the Spanscope window that has it open to the front)."""
    other = None if read_only else running_instance(path)
    if other is not None:
        box = recovery_dialog.instance_box(Path(path), parent, SNAPSHOT_TEXT)
        choice = choose(ask, box) or QUIT_TEXT
        if choice == recovery_dialog.SHOW_TEXT:
            ask_to_show(other)
            return None
        other.abort()
        if choice != SNAPSHOT_TEXT:
            return None
        try:
            return Database.open_snapshot(Path(path).resolve(), paths.snapshot_dir())
        except (StoreError, OSError) as exc:
            ask(problem_box("Cannot open a copy", f"{exc}", parent))
            return None
    try:
        return Database.open(path, read_only=read_only)
    except DatabaseLocked as locked:
        if choose(ask, lock_box(locked, parent)) != SNAPSHOT_TEXT:
            return None
        try:
            return Database.open_snapshot(locked.path, paths.snapshot_dir())
        except (StoreError, OSError) as exc:
            ask(
                problem_box(
                    "Cannot open a copy",
                    f"The read-only copy could not be opened.\n\n{exc}",
                    parent,
                )
            )
            return None
    except DatabaseDamaged as damaged:
        return recovery_dialog.recover(damaged, parent, ask, pick)
    except SchemaTooNew as exc:
        ask(problem_box("Newer database", f"{exc}\n\nUpdate Spanscope to open it.", parent))
        return None
    except StoreError as exc:
        ask(problem_box("Cannot open the database", str(exc), parent))
        return None
    except OSError as exc:
        ask(problem_box("Cannot open the database", f"{path}: {exc.strerror or exc}", parent))
        return None
