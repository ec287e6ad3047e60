"""Opening a damaged database from the window: say what happened, keep copies, and offer to
open what could be read (read-only) or to start again from the source files.

Annotations that could be read from the damaged file go into the new database before any
file is imported again, so they are safe even if the re-import is cancelled.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QFileDialog, QMessageBox, QWidget

from spanscope.store import Database, StoreError
from spanscope.store.database import DatabaseDamaged
from spanscope.store.recovery import SetAside, set_aside, start_fresh

READABLE_TEXT = "Open what could be read (read-only)"
REBUILD_TEXT = "Rebuild from the source files"
FRESH_TEXT = "Start a new database…"
QUIT_TEXT = "Quit"
SHOW_TEXT = "Show that window"

Ask = Callable[[QMessageBox], QAbstractButton | None]
# Asks the user which trace files to import into a new database; tests pass their own.
PickFiles = Callable[[QWidget | None], list[Path]]

# Files to import into a database once its window is up, and a line to show there.
_REIMPORT: weakref.WeakKeyDictionary[Database, list[Path]] = weakref.WeakKeyDictionary()
_NOTES: weakref.WeakKeyDictionary[Database, str] = weakref.WeakKeyDictionary()


def pick_files(parent: QWidget | None) -> list[Path]:
    files, _ = QFileDialog.getOpenFileNames(parent, "Trace files to import into the new database")
    return [Path(f) for f in files]


def files_to_reimport(db: Database) -> list[Path]:
    """The files a rebuilt ``db`` still has to import (once)."""
    return _REIMPORT.pop(db, [])


def note_for(db: Database) -> str:
    """What the window should say about how ``db`` was opened ('' when nothing happened)."""
    note = _NOTES.pop(db, "")
    if db.kept_log is not None:
        note = (
            (note + " " if note else "")
            + f"Spanscope was not closed properly last time; the database replayed its log (a copy is kept in {db.kept_log.parent})."
        )
    return note


def damage_box(damaged: DatabaseDamaged, aside: SetAside, parent: QWidget | None) -> QMessageBox:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("Damaged database")
    box.setTextFormat(Qt.TextFormat.PlainText)  # paths and DuckDB's words shown literally
    part = "its log (the changes since it was last saved)" if damaged.part == "log" else "the file"
    box.setText(f"{damaged.path.name} is damaged: DuckDB cannot read {part}.")
    choices = []
    if aside.readable is not None:
        choices.append("open what could be read, read-only")
    if aside.sources:
        choices.append(
            f"rebuild it from the {len(aside.sources):,} files it was imported from"
            + (f", keeping {len(aside.annotations):,} annotations" if aside.annotations else "")
        )
    else:
        choices.append("start a new database and import the files you choose")
    box.setInformativeText(
        f"{aside.summary()}\n\nNothing was deleted. You can " + "; or ".join(choices) + "."
    )
    box.setDetailedText(damaged.detail)  # DuckDB's own words, for a bug report
    if aside.readable is not None:
        box.addButton(READABLE_TEXT, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(
        REBUILD_TEXT if aside.sources else FRESH_TEXT, QMessageBox.ButtonRole.DestructiveRole
    )
    box.addButton(QUIT_TEXT, QMessageBox.ButtonRole.RejectRole)
    return box


def recover(
    damaged: DatabaseDamaged,
    parent: QWidget | None,
    ask: Ask,
    pick: PickFiles = pick_files,
) -> Database | None:
    """Copy the damaged database aside and do what the user chooses; None for Quit."""
    aside = set_aside(damaged.path, damaged.detail)
    box = damage_box(damaged, aside, parent)
    pressed = ask(box)  # read while ``box`` is alive: its buttons die with it
    choice = pressed.text() if pressed is not None else QUIT_TEXT
    if choice == READABLE_TEXT and aside.readable is not None:
        db = Database.open(aside.readable, read_only=True)
        _NOTES[db] = f"Showing what could be read of the damaged {damaged.path.name} (a copy)."
        return db
    if choice not in (REBUILD_TEXT, FRESH_TEXT):
        return None
    files = [p for p in aside.sources if p.exists()] if aside.sources else pick(parent)
    missing = [p for p in aside.sources if not p.exists()]
    try:
        db = start_fresh(damaged.path, aside.annotations)
    except (StoreError, OSError) as exc:
        ask(_problem("Cannot start a new database", f"{exc}\n\n{aside.summary()}", parent))
        return None
    _REIMPORT[db] = files
    note = f"New database: {len(aside.annotations):,} annotations kept, importing {len(files):,} files again."
    if missing:
        note += f" {len(missing):,} files are no longer on disk, e.g. {missing[0]}."
    _NOTES[db] = note
    return db


def instance_box(path: Path, parent: QWidget | None, snapshot_text: str) -> QMessageBox:
    """The choice offered when another Spanscope window has ``path`` open."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle("Already open")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(f"{path.name} is already open in another Spanscope window.")
    box.setInformativeText(
        f"{path}\n\nOne window per database: bring that window to the front, or open a "
        "read-only copy of the file as it is now."
    )
    box.addButton(SHOW_TEXT, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(snapshot_text, QMessageBox.ButtonRole.ActionRole)
    box.addButton(QUIT_TEXT, QMessageBox.ButtonRole.RejectRole)
    return box


def _problem(title: str, text: str, parent: QWidget | None) -> QMessageBox:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    box.addButton(QMessageBox.StandardButton.Close)
    return box
