"""Columns chosen by the user: a checkable menu on a table's header, remembered in settings."""

from __future__ import annotations

import json
from collections.abc import Sequence

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtWidgets import QMenu, QTableView

from spanscope.ui.settings import app_settings


class ColumnChooser(QObject):
    """Right-click on ``view``'s header lists its columns with a check box each. The hidden
    columns are saved under ``settings_key`` (by title, so a new column does not shift them).
    Columns named in ``automatic`` come and go by themselves (the list's "Match", while a
    filter searches for text): never listed, hidden or saved here."""

    changed = Signal()

    def __init__(
        self,
        view: QTableView,
        titles: Sequence[str],
        settings_key: str,
        hidden_by_default: Sequence[str] = (),
        automatic: Sequence[str] = (),
    ) -> None:
        super().__init__(view)
        self.view, self.titles, self.key = view, tuple(titles), settings_key
        self.automatic = frozenset(automatic)
        header = view.horizontalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._menu)
        saved = app_settings().value(settings_key)
        hidden = hidden_by_default if saved is None else _as_list(saved)
        self.set_hidden(hidden, save=False)

    def _chosen(self) -> list[tuple[int, str]]:
        return [(i, t) for i, t in enumerate(self.titles) if t not in self.automatic]

    def hidden(self) -> list[str]:
        """Titles of the hidden columns."""
        return [t for i, t in self._chosen() if self.view.isColumnHidden(i)]

    def visible(self) -> list[str]:
        return [t for i, t in self._chosen() if not self.view.isColumnHidden(i)]

    def set_visible(self, titles: Sequence[str], save: bool = True) -> None:
        """Show exactly ``titles`` (a saved view's columns); unknown titles are ignored."""
        wanted = set(titles)
        self.set_hidden([t for t in self.titles if t not in wanted], save)

    def set_hidden(self, titles: Sequence[str], save: bool = True) -> None:
        hidden = set(titles)
        if len(hidden & set(self.titles)) >= len(self.titles):
            hidden.discard(self.titles[0])  # never hide every column
        for i, title in self._chosen():
            self.view.setColumnHidden(i, title in hidden)
        if save:
            settings = app_settings()
            settings.setValue(self.key, json.dumps(self.hidden()))
            settings.sync()
        self.changed.emit()

    def menu(self) -> QMenu:
        """The checkable column menu (built fresh each time)."""
        menu = QMenu(self.view)
        shown = self.visible()
        for i, title in self._chosen():
            action = menu.addAction(title)
            action.setCheckable(True)
            action.setChecked(not self.view.isColumnHidden(i))
            action.setEnabled(not (len(shown) == 1 and title in shown))  # keep one column
            action.toggled.connect(lambda on, t=title: self._toggle(t, on))
        return menu

    def _toggle(self, title: str, on: bool) -> None:
        hidden = set(self.hidden())
        if on:
            hidden.discard(title)
        else:
            hidden.add(title)
        self.set_hidden(sorted(hidden))

    def _menu(self, point: QPoint) -> None:
        header = self.view.horizontalHeader()
        self.menu().popup(header.mapToGlobal(point))


def _as_list(value: object) -> list[str]:
    """Saved as JSON text: an INI file cannot tell an empty list from a missing one."""
    try:
        loaded = json.loads(str(value))
    except ValueError:
        return []
    return [str(v) for v in loaded] if isinstance(loaded, list) else []
