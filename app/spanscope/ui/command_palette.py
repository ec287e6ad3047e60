"""The command palette (Ctrl+K): every command of the window's menus by name, narrowed as you
type (letters in order, not necessarily together: "rvt" finds "Review these"), Enter runs it.

The commands are read from the menu bar each time the palette opens, so a feature that adds a
menu entry is in the palette without being told about it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QVBoxLayout,
)

from spanscope.ui.keyboard import plain


@dataclass(frozen=True)
class Command:
    name: str  # "Review › Review these (a queue from the filter)"
    keys: str
    action: QAction


def commands(window: QMainWindow) -> list[Command]:
    """Every enabled command in the window's menus (and their submenus), in menu order."""
    found: list[Command] = []

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            if action.isSeparator() or not action.isVisible():
                continue
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, f"{path} › {plain(sub.title())}")
            elif action.isEnabled() and action.text():
                keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                found.append(Command(f"{path} › {plain(action.text())}", keys, action))

    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            walk(menu, plain(menu.title()))
    return found


def fuzzy_score(query: str, text: str) -> int | None:
    """How well ``query`` matches ``text`` (higher is better), None when its letters do not
    all appear in order. Letters at word starts and letters that follow each other score more,
    so "sql" ranks "SQL console" above "Show the span list"."""
    q = query.lower().replace(" ", "")
    if not q:
        return 0
    t = text.lower()
    score, at, previous = 0, 0, -2
    for ch in q:
        found = t.find(ch, at)
        if found < 0:
            return None
        score += 1
        if found == previous + 1:
            score += 3
        if found == 0 or not t[found - 1].isalnum():
            score += 5
        previous, at = found, found + 1
    return score * 100 - len(t)  # shorter names first among equals


class CommandPalette(QDialog):
    """A search field over the window's commands; Enter runs the highlighted one."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setWindowTitle("Command palette")
        self.all = commands(window)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Type a command, e.g. “sql”, “diff”, “review”")
        self.list = QListWidget(self)
        self.list.setUniformItemSizes(True)
        hint = QLabel("↑↓ choose · Enter run · Esc close", self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(hint)
        self.search.textChanged.connect(self.narrow)
        self.search.returnPressed.connect(self.run_current)
        self.list.itemActivated.connect(lambda _item: self.run_current())
        self.search.installEventFilter(self)
        self.narrow("")
        self.resize(560, 420)

    def narrow(self, text: str) -> None:
        scored = [(fuzzy_score(text, c.name), i, c) for i, c in enumerate(self.all)]
        kept = sorted(
            ((s, i, c) for s, i, c in scored if s is not None), key=lambda x: (-x[0], x[1])
        )
        if not text.strip():
            kept = [(0, i, c) for i, c in enumerate(self.all)]  # menu order when nothing typed
        self.list.clear()
        for _score, _i, command in kept:
            label = f"{command.name}    {command.keys}" if command.keys else command.name
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, command.name)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def shown(self) -> list[str]:
        return [self.list.item(r).data(Qt.ItemDataRole.UserRole) for r in range(self.list.count())]

    def run_current(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        name = item.data(Qt.ItemDataRole.UserRole)
        command = next(c for c in self.all if c.name == name)
        self.accept()
        command.action.trigger()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Up and Down in the search field move through the list, as in an editor's palette.
        if watched is self.search and isinstance(event, QKeyEvent):
            key = event.key()
            if (
                event.type() == QEvent.Type.KeyPress
                and key in (Qt.Key.Key_Down, Qt.Key.Key_Up)
                and self.list.count()
            ):
                step = 1 if key == Qt.Key.Key_Down else -1
                row = max(0, min(self.list.count() - 1, self.list.currentRow() + step))
                self.list.setCurrentRow(row)
                return True
        return super().eventFilter(watched, event)
