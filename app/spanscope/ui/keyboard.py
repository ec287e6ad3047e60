"""The keys of a window, read from the window itself: the cheat sheet (Help → Keyboard
shortcuts) lists them, and the tests use the same reading to prove no two commands share a key.

Nothing here keeps its own list of keys: a shortcut added anywhere in a window appears in its
cheat sheet the next time the sheet opens, so the sheet cannot go stale.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

ESCAPE_CLOSES = "Close this window"


@dataclass(frozen=True)
class Binding:
    """One key bound to one command of a window."""

    keys: str  # as the user reads it, e.g. "Ctrl+Shift+R"
    name: str  # what the command does, e.g. "Review these (a queue from the filter)"
    where: str  # the menu it is in, or the part of the window that owns it
    scope: int  # id of the widget the key works in (the window for window-wide keys)
    owner: QObject


def plain(text: str) -> str:
    """A menu text without its mnemonic ampersand and trailing ellipsis."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def _menu_of(action: QAction) -> str:
    for obj in action.associatedObjects():
        if isinstance(obj, QMenu) and obj.title():
            return plain(obj.title())
    parent = action.parent()
    return type(parent).__name__ if parent is not None else ""


def _scope(window: QWidget, context: Qt.ShortcutContext, parent: QObject | None) -> int:
    if context in (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut):
        return id(window)
    return id(parent)  # only while that widget (or one inside it) has the focus


def bindings(window: QWidget) -> list[Binding]:
    """Every key bound in ``window``: its actions (menus, tool buttons) and its shortcuts,
    each action once however many menus and buttons show it. Child windows (step-through,
    diff …) have their own keys and are read on their own."""
    found: list[Binding] = []
    seen: set[int] = set()
    actions = list(window.actions()) + window.findChildren(QAction)
    for action in actions:
        if id(action) in seen or action.isSeparator():
            continue
        seen.add(id(action))
        if _window_of(action) is not window:
            continue
        for key in action.shortcuts():
            if key.isEmpty():
                continue
            found.append(
                Binding(
                    key.toString(QKeySequence.SequenceFormat.NativeText),
                    plain(action.text()),
                    _menu_of(action),
                    _scope(window, action.shortcutContext(), action.parent()),
                    action,
                )
            )
    for shortcut in window.findChildren(QShortcut):
        if _window_of(shortcut) is not window or shortcut.key().isEmpty():
            continue
        parent = shortcut.parent()
        found.append(
            Binding(
                shortcut.key().toString(QKeySequence.SequenceFormat.NativeText),
                shortcut.whatsThis() or shortcut.objectName() or "(unnamed)",
                type(parent).__name__ if parent is not None else "",
                _scope(window, shortcut.context(), parent),
                shortcut,
            )
        )
    return found


def _window_of(obj: QObject) -> QWidget | None:
    """The top-level window ``obj`` works in (an action in a child window belongs to it)."""
    node: QObject | None = obj
    while node is not None:
        # a menu is a window of its own (a popup); its actions work in the window it is in
        if isinstance(node, QWidget) and node.isWindow() and not isinstance(node, QMenu):
            return node
        node = node.parent()
    return None


def shared_keys(window: QWidget) -> dict[str, list[str]]:
    """Keys bound to more than one command where both would be live at once: Qt then runs
    neither and warns "Ambiguous shortcut overload". Empty when every key is unique."""
    by_key: dict[tuple[str, int], list[str]] = defaultdict(list)
    window_wide = id(window)
    for b in bindings(window):
        by_key[(b.keys, b.scope)].append(f"{b.where} › {b.name}")
    # a window-wide key also clashes with the same key bound inside any widget of it
    for (keys, scope), names in list(by_key.items()):
        if scope != window_wide and (keys, window_wide) in by_key:
            by_key[(keys, window_wide)] += names
    return {keys: names for (keys, scope), names in by_key.items() if len(names) > 1}


def close_on_escape(window: QWidget) -> QShortcut:
    """Esc closes ``window`` (a step-through, diff or console window), like a dialog."""
    shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), window)
    shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
    shortcut.setWhatsThis(ESCAPE_CLOSES)
    shortcut.activated.connect(window.close)
    return shortcut


class CheatSheet(QDialog):
    """Every key of a window, by menu, with a filter: built from the window when opened."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter by name or key")
        self.filter.setClearButtonEnabled(True)
        rows = sorted(bindings(window), key=lambda b: (b.where, b.name, b.keys))
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels(["Keys", "Command", "Menu"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, b in enumerate(rows):
            for col, text in enumerate((b.keys, b.name, b.where)):
                self.table.setItem(row, col, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        note = QLabel("Ctrl+K finds any command by name. Esc closes this sheet.", self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        self.filter.textChanged.connect(self._filter)
        self.resize(640, 620)

    def _filter(self, text: str) -> None:
        wanted = text.strip().lower()
        for row in range(self.table.rowCount()):
            cells = " ".join(self._cell(row, c).lower() for c in range(3))
            self.table.setRowHidden(row, bool(wanted) and wanted not in cells)

    def _cell(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return item.text() if item is not None else ""

    def shown_rows(self) -> list[tuple[str, str, str]]:
        return [
            (self._cell(r, 0), self._cell(r, 1), self._cell(r, 2))
            for r in range(self.table.rowCount())
            if not self.table.isRowHidden(r)
        ]
