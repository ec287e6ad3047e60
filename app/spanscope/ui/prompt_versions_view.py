"""The Prompt versions tab: the versions of each service's prompt found in the calls, when each
was live and how many calls used it; select two to see their word diff. Prompts are trace text:
shown as plain text, differences coloured by character formats, never as HTML."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from spanscope.core.word_diff import word_diff
from spanscope.store.prompt_versions import PromptVersion
from spanscope.ui import display
from spanscope.ui.cost_table import Column, RowsModel

COLUMNS = (
    Column("Service", "service", lambda v: display.one_line(v) or "(no service)", numeric=False),
    Column("Version", "version", lambda v: f"v{v}"),
    Column("Calls", "calls", lambda v: display.number(v or 0)),
    Column("Traces", "traces", lambda v: display.number(v or 0)),
    Column("First seen", "first_seen_ns", display.local_time, numeric=False),
    Column("Last seen", "last_seen_ns", display.local_time, numeric=False),
    Column("From", "source", str, numeric=False),
    Column("Prompt", "template", lambda v: display.one_line(v, 160), numeric=False),
)
DIFF_LIMIT = (
    200_000  # characters of each prompt compared word by word (word_diff goes by line past it)
)


class PromptVersionsView(QWidget):
    """The versions table and the prompt (or diff of two) of the selection."""

    def __init__(
        self,
        submit: Callable[
            [Callable[[Any], Any], Callable[[Any], None], Callable[[str], None]], None
        ],
        fetch: Callable[[Any], list[PromptVersion]],
        open_prompt: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.submit, self.fetch, self.open_prompt = submit, fetch, open_prompt
        self.summary = QLabel("", self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.model = RowsModel(COLUMNS, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setFont(display.mono_font())
        self.text.setPlaceholderText("Select a version to read its prompt; two to compare them.")
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(self.text)
        split.setSizes([300, 340])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._show_selected())
        self.table.doubleClicked.connect(
            lambda index: self.open_prompt(str(self.model.rows[index.row()]["prompt_id"]))
        )

    def load(self) -> None:
        self.summary.setText("Finding prompt versions…")
        self.submit(self.fetch, self._show, self._failed)

    def _show(self, versions: list[PromptVersion]) -> None:
        self.model.set_rows([asdict(v) for v in versions])
        services = {v.service for v in versions}
        self.summary.setText(
            "No model call under this filter has a system message or a prompt template"
            if not versions
            else f"{len(versions)} version{'s' if len(versions) != 1 else ''} of the prompts of "
            f"{len(services)} service{'s' if len(services) != 1 else ''} — double-click to list "
            "a version's calls; select two to compare"
        )
        self.text.clear()

    def _failed(self, message: str) -> None:
        self.model.set_rows([])
        self.summary.setText(f"Prompt versions could not be found: {message}")

    def selected(self) -> list[dict[str, Any]]:
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self.model.rows[r] for r in rows]

    def _show_selected(self) -> None:
        chosen = self.selected()
        self.text.clear()
        if len(chosen) == 1:
            self.text.setPlainText(str(chosen[0]["example_text"]))
        elif len(chosen) == 2:
            self._show_diff(chosen[0], chosen[1])

    def _show_diff(self, a: dict[str, Any], b: dict[str, Any]) -> None:
        cursor = self.text.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.Start)
        plain = QTextCharFormat()
        removed, added = QTextCharFormat(), QTextCharFormat()
        removed.setForeground(display.error_colour(self.palette()))
        removed.setFontStrikeOut(True)
        added.setForeground(QColor("#2ca02c"))
        added.setFontUnderline(True)
        title = (
            f"{display.one_line(a['service']) or '(no service)'} v{a['version']} → "
            f"v{b['version']}: removed struck through, added underlined\n\n"
        )
        cursor.insertText(title, plain)
        pieces = word_diff(str(a["template"])[:DIFF_LIMIT], str(b["template"])[:DIFF_LIMIT])
        for piece in pieces:
            cursor.insertText(piece.text, {"=": plain, "-": removed, "+": added}[piece.op])
