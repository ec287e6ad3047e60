"""The conversation of an LLM span: each message with its role, text, tool calls and results.

Everything inside a trace is untrusted, so the document is built with ``QTextCursor.insertText``
only: no HTML, no Markdown, no links, no images. A message longer than ``MESSAGE_CAP`` characters
is cut with a visible note until the user asks to see everything.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QFont,
    QPalette,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFrameFormat,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from spanscope.ui import display
from spanscope.ui.highlight import mark_matches

MESSAGE_CAP = 20_000
PRETTY_LIMIT = 200_000  # tool results longer than this are shown as recorded
SYSTEM_ROLES = ("system", "developer")


class _Page:
    """Writes messages into a document with plain-text inserts and character formats."""

    def __init__(self, doc: QTextDocument, palette: QPalette, cap: int | None, show_system: bool):
        self.doc, self.palette, self.cap, self.show_system = doc, palette, cap, show_system
        self.cursor = QTextCursor(doc)
        self.truncated = 0
        self.output_at: int | None = None
        self.plain = QTextCharFormat()
        self.muted = QTextCharFormat()
        self.muted.setForeground(display.muted_colour(palette))
        self.note = QTextCharFormat(self.muted)
        self.note.setFontItalic(True)
        self.mono = QTextCharFormat()
        self.mono.setFont(display.mono_font())
        self.bold = QTextCharFormat()
        self.bold.setFontWeight(QFont.Weight.Bold)

    def text(self, text: str, fmt: QTextCharFormat | None = None) -> None:
        self.cursor.insertText(text, fmt or self.plain)

    def capped(self, text: str, fmt: QTextCharFormat | None = None) -> None:
        if self.cap is not None and len(text) > self.cap:
            self.text(text[: self.cap], fmt)
            self.truncated += 1
            hidden = display.size(len(text) - self.cap)
            self.text(
                f"\n… {hidden} more not shown. Use “Show all” above to see everything.", self.note
            )
        else:
            self.text(text, fmt)

    def divider(self, label: str) -> None:
        self.cursor.movePosition(QTextCursor.MoveOperation.End)
        self.cursor.insertBlock()
        self.output_at = self.cursor.position()
        self.text(f"──── {label} ────", self.muted)
        self.cursor.insertBlock()

    def message(self, message: dict[str, Any], label: str) -> None:
        role = (message.get("role") or "unknown").lower()
        frame = QTextFrameFormat()
        frame.setBorder(1)
        frame.setBorderBrush(self.palette.color(QPalette.ColorRole.Mid))
        frame.setPadding(6)
        frame.setBottomMargin(6)
        shade = QPalette.ColorRole.AlternateBase if role == "assistant" else QPalette.ColorRole.Base
        frame.setBackground(self.palette.color(shade))
        self.cursor.movePosition(QTextCursor.MoveOperation.End)
        self.cursor.insertFrame(frame)
        header = QTextCharFormat(self.bold)
        header.setForeground(display.role_colour(role, self.palette))
        self.text("tool result" if role == "tool" else role, header)
        extras = [label]
        if message.get("name"):
            extras.append(f"name {message['name']}")
        if message.get("tool_call_id"):
            extras.append(f"for call {message['tool_call_id']}")
        self.text("   " + " · ".join(extras), self.muted)
        self.cursor.insertBlock()
        self._body(message, role)
        self.cursor.movePosition(QTextCursor.MoveOperation.End)

    def _body(self, message: dict[str, Any], role: str) -> None:
        content = message.get("content") or ""
        calls = message.get("tool_calls") or []
        parts = _parts(message.get("parts"))
        if role in SYSTEM_ROLES and not self.show_system and content:
            self.text(display.one_line(content, 160), self.muted)
            self.text(
                f"\n(system prompt, {display.size(len(content))}; tick “Show system prompt” "
                "to read it)",
                self.note,
            )
        elif content:
            if role == "tool" and len(content) <= PRETTY_LIMIT:
                content = display.pretty_json(content)  # tool results are mostly JSON
            self.capped(content, self.mono if role == "tool" else self.plain)
        elif not calls and not parts:
            self.text("(no text content)", self.note)
        for part in parts:
            self.cursor.insertBlock()
            self._part(part)
        for call in calls:
            self.cursor.insertBlock()
            self.cursor.insertBlock()
            self.text("→ tool call ", self.muted)
            self.text(call.get("name") or "(unnamed)", self.bold)
            if call.get("call_id"):
                self.text(f"   {call['call_id']}", self.muted)
            arguments = display.pretty_json(call.get("arguments"))
            if arguments:
                self.cursor.insertBlock()
                self.capped(arguments, self.mono)

    def _part(self, part: dict[str, Any]) -> None:
        kind = str(part.get("type") or "part")
        content = part.get("content") or ""
        if kind in ("reasoning", "thinking"):
            self.text(f"[reasoning, {display.size(len(content))}]", self.note)
            if content:
                self.cursor.insertBlock()
                self.capped(content, self.muted)
            return
        what = part.get("mime_type") or part.get("modality") or kind
        where = part.get("uri") or ""
        self.text(f"[{kind} part: {what}{'  ' + where if where else ''} — not loaded]", self.note)


def _parts(raw: Any) -> list[dict[str, Any]]:
    if not raw:
        return []
    try:
        parsed = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return [{"type": "part", "content": str(raw)}]
    items = parsed if isinstance(parsed, list) else [parsed]
    return [p if isinstance(p, dict) else {"type": "part", "content": str(p)} for p in items]


def render_conversation(
    doc: QTextDocument,
    inputs: Sequence[dict[str, Any]],
    outputs: Sequence[dict[str, Any]],
    palette: QPalette,
    cap: int | None = MESSAGE_CAP,
    show_system: bool = False,
) -> _Page:
    """Fill ``doc`` with the messages; the result tells what was cut and where output starts."""
    doc.clear()
    page = _Page(doc, palette, cap, show_system)
    if not inputs and not outputs:
        page.text("This span has no messages.", page.note)
        return page
    for position, message in enumerate(inputs, 1):
        page.message(message, f"input {position} of {len(inputs)}")
    if outputs:
        page.divider("model output")
    for position, message in enumerate(outputs, 1):
        page.message(message, f"output {position} of {len(outputs)}")
    return page


class ConversationView(QWidget):
    """The Conversation tab."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setAcceptRichText(False)
        self.text.setUndoRedoEnabled(False)
        self.text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.show_system = QCheckBox("Show system prompt", self)
        self.show_system.toggled.connect(lambda _on: self._render())
        self.show_all = QPushButton("Show all", self)
        self.show_all.setToolTip("Show long messages in full")
        self.show_all.clicked.connect(self._show_everything)
        self.to_output = QPushButton("Jump to output", self)
        self.to_output.setToolTip("Scroll to what the model answered")
        self.to_output.clicked.connect(self.jump_to_output)
        self._output_at: int | None = None
        self.info = QLabel(self)
        self.info.setTextFormat(Qt.TextFormat.PlainText)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(self.info, 1)
        bar.addWidget(self.show_system)
        bar.addWidget(self.to_output)
        bar.addWidget(self.show_all)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.text)
        self._inputs: list[dict[str, Any]] = []
        self._outputs: list[dict[str, Any]] = []
        self._cap: int | None = MESSAGE_CAP
        self._phrases: list[str] = []
        self.show_messages([], [])

    def set_highlight(self, phrases: Sequence[str]) -> None:
        """Mark these texts (case-insensitively) wherever the conversation shows them."""
        self._phrases = list(phrases)
        mark_matches(self.text, self._phrases)

    def show_messages(
        self, inputs: Sequence[dict[str, Any]] | None, outputs: Sequence[dict[str, Any]] | None
    ) -> None:
        self._inputs, self._outputs = list(inputs or []), list(outputs or [])
        self._cap = MESSAGE_CAP
        self._render()

    def message_count(self) -> int:
        return len(self._inputs) + len(self._outputs)

    def jump_to_output(self) -> None:
        """Scroll so the model's output starts at the top of the view."""
        if self._output_at is None:
            return
        self.text.moveCursor(QTextCursor.MoveOperation.End)
        self.text.ensureCursorVisible()
        cursor = self.text.textCursor()
        cursor.setPosition(self._output_at)
        self.text.setTextCursor(cursor)
        self.text.ensureCursorVisible()

    def _show_everything(self) -> None:
        self._cap = None
        self._render()

    def _render(self) -> None:
        page = render_conversation(
            self.text.document(),
            self._inputs,
            self._outputs,
            self.palette(),
            self._cap,
            self.show_system.isChecked(),
        )
        self._output_at = page.output_at
        self.show_all.setVisible(page.truncated > 0)
        self.to_output.setVisible(page.output_at is not None and bool(self._inputs))
        count = self.message_count()
        self.info.setText(f"{len(self._inputs)} in, {len(self._outputs)} out" if count else "")
        self.show_system.setVisible(
            any((m.get("role") or "").lower() in SYSTEM_ROLES for m in self._inputs)
        )
        mark_matches(self.text, self._phrases)
        self.text.moveCursor(QTextCursor.MoveOperation.Start)
