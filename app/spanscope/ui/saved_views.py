"""Saved views: a name for a filter, the list it applies to, its columns and its sort.

Kept in the settings file (not the database, whose schema belongs to the data) per database
path, so each database has its own views; the view in use when the window closed is restored
when the same database opens again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spanscope.ui import display
from spanscope.ui.settings import app_settings


@dataclass
class View:
    """What a saved view restores."""

    name: str
    filter: str = ""
    shows: str = "traces"  # the list it shows: "traces" or "spans"
    columns: list[str] = field(default_factory=list)  # visible column titles; [] for default
    sort: str = "start"
    descending: bool = True

    @classmethod
    def from_json(cls, text: str) -> View | None:
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            return None
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        view = cls(**known)
        if view.shows not in ("traces", "spans"):
            view.shows = "traces"
        return view

    def to_json(self) -> str:
        return json.dumps(asdict(self))


class ViewStore:
    """The views of one database, in the settings file under a key made from its path."""

    def __init__(self, database: Path) -> None:
        digest = hashlib.sha1(str(Path(database).resolve()).encode()).hexdigest()[:16]
        self.group = f"views-{digest}"

    def views(self) -> list[View]:
        settings = app_settings()
        raw = settings.value(f"{self.group}/saved")
        try:
            items = json.loads(str(raw)) if raw else []
        except ValueError:
            items = []
        views = [View.from_json(json.dumps(i)) for i in items if isinstance(i, dict)]
        return [v for v in views if v is not None]

    def _write(self, views: list[View]) -> None:
        settings = app_settings()
        settings.setValue(f"{self.group}/saved", json.dumps([asdict(v) for v in views]))
        settings.sync()

    def save(self, view: View) -> None:
        """Add ``view``, replacing one of the same name."""
        views = [v for v in self.views() if v.name != view.name]
        self._write([*views, view])

    def rename(self, old: str, new: str) -> None:
        views = [v for v in self.views() if v.name != new or new == old]
        for v in views:
            if v.name == old:
                v.name = new
        self._write(views)

    def delete(self, name: str) -> None:
        self._write([v for v in self.views() if v.name != name])

    def last(self) -> View | None:
        """The view in use when the window last closed."""
        raw = app_settings().value(f"{self.group}/last")
        return View.from_json(str(raw)) if raw else None

    def set_last(self, view: View) -> None:
        settings = app_settings()
        settings.setValue(f"{self.group}/last", view.to_json())
        settings.sync()


class ViewsPanel(QWidget):
    """The sidebar's "Views": click to apply; right-click to rename or delete."""

    apply_requested = Signal(object)  # View
    save_requested = Signal()

    def __init__(self, store: ViewStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        title = QLabel("Views", self)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        self.list = QListWidget(self)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        self.empty = QLabel("No saved views yet.", self)
        muted = self.empty.palette()
        muted.setColor(muted.ColorRole.WindowText, display.muted_colour(self.palette()))
        self.empty.setPalette(muted)
        self.save_button = QPushButton("Save current view…", self)
        self.save_button.clicked.connect(self.save_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(2)
        layout.addWidget(title)
        layout.addWidget(self.list)
        layout.addWidget(self.empty)
        layout.addWidget(self.save_button)
        self.reload()

    def reload(self) -> None:
        self.list.clear()
        for view in self.store.views():
            item = QListWidgetItem(view.name)  # plain text in a list item
            item.setToolTip(f"{view.shows}: {view.filter or '(no filter)'}")
            item.setData(Qt.ItemDataRole.UserRole, view.to_json())
            self.list.addItem(item)
        self.list.setVisible(self.list.count() > 0)
        self.empty.setVisible(self.list.count() == 0)
        rows = max(self.list.count(), 1)
        self.list.setFixedHeight(min(rows, 6) * (self.fontMetrics().height() + 6) + 6)

    def names(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def apply(self, name: str) -> bool:
        """Apply the saved view called ``name``."""
        for view in self.store.views():
            if view.name == name:
                self.apply_requested.emit(view)
                return True
        return False

    def save(self, view: View) -> None:
        self.store.save(view)
        self.reload()

    def rename(self, old: str, new: str) -> None:
        if new.strip():
            self.store.rename(old, new.strip())
            self.reload()

    def delete(self, name: str) -> None:
        self.store.delete(name)
        self.reload()

    def _activated(self, item: QListWidgetItem) -> None:
        view = View.from_json(item.data(Qt.ItemDataRole.UserRole))
        if view is not None:
            self.apply_requested.emit(view)

    def _menu(self, point: QPoint) -> None:
        item = self.list.itemAt(point)
        if item is None:
            return
        name = item.text()
        menu = QMenu(self)
        menu.addAction("Apply", lambda: self.apply(name))
        menu.addAction("Rename…", lambda: self._ask_rename(name))
        menu.addAction("Delete", lambda: self.delete(name))
        menu.popup(self.list.viewport().mapToGlobal(point))

    def _ask_rename(self, name: str) -> None:
        new, ok = QInputDialog.getText(self, "Rename view", "Name:", text=name)
        if ok:
            self.rename(name, new)
