"""The Raw JSON tab: a span's attributes, resource, scope, events and links, highlighted.

Highlighting runs in a worker: Pygments' JSON lexer turns the text into tokens and each token is
inserted with a character format into a document that is then handed to the UI thread. Only the
first ``HIGHLIGHT_CAP`` characters are highlighted; the rest is a click away, as plain text.
"""

from __future__ import annotations

from pygments.lexers import JsonLexer
from pygments.token import Token, _TokenType, is_token_subtype
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextDocumentLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spanscope.ui import display
from spanscope.ui.workers import QueryRunner

HIGHLIGHT_CAP = 200_000

# Token colours for light and dark themes: keys, strings, numbers, true/false/null.
_LIGHT = {"key": "#0b5cad", "string": "#1a7f37", "number": "#b35900", "constant": "#8250df"}
_DARK = {"key": "#79b8ff", "string": "#85e89d", "number": "#ffab70", "constant": "#d2a8ff"}


def _role(token: _TokenType) -> str | None:
    if is_token_subtype(token, Token.Name.Tag):
        return "key"
    if is_token_subtype(token, Token.Literal.String):
        return "string"
    if is_token_subtype(token, Token.Literal.Number):
        return "number"
    if is_token_subtype(token, Token.Keyword.Constant):
        return "constant"
    return None


def plain_document(text: str, font: QFont) -> QTextDocument:
    doc = QTextDocument()
    doc.setDocumentLayout(QPlainTextDocumentLayout(doc))
    doc.setUndoRedoEnabled(False)
    doc.setDefaultFont(font)
    doc.setPlainText(text)
    return doc


def highlight_runs(text: str) -> list[tuple[str | None, str]]:
    """Worker side: the text as runs of one colour role each. Tokenising is the slow part and
    is plain Python; Qt documents are built on the UI thread only (a QTextDocument made in a
    worker must be moved to the UI thread, and that move can deadlock against it)."""
    runs: list[tuple[str | None, str]] = []
    pending: list[str] = []
    pending_role: str | None = None
    for token, value in JsonLexer(stripnl=False, ensurenl=False).get_tokens(text):
        role = _role(token)
        if role != pending_role and pending:
            runs.append((pending_role, "".join(pending)))
            pending = []
        pending_role = role
        pending.append(value)
    if pending:
        runs.append((pending_role, "".join(pending)))
    return runs


# Runs appended per event-loop turn: about 10 ms of work, so the window stays responsive while
# a large document fills in.
RUNS_PER_TURN = 2500


class RawJsonView(QWidget):
    """Highlighted JSON, capped; "Show all" shows the whole text unhighlighted."""

    filled = Signal()  # the highlighted document is complete

    def __init__(self, runner: QueryRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._text = ""
        self._colours = _LIGHT
        self._filling = 0  # which document is being filled in; older fills stop
        self.editor = QPlainTextEdit(self)
        self.editor.setReadOnly(True)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.editor.setFont(display.mono_font())
        self.notice = QLabel(self)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.show_all = QPushButton("Show all", self)
        self.show_all.clicked.connect(self._show_everything)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(self.notice, 1)
        bar.addWidget(self.show_all)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.editor)
        self.show_json("")

    def show_json(self, text: str) -> None:
        """Show ``text``; the first ``HIGHLIGHT_CAP`` characters are highlighted in a worker."""
        self._text = text
        capped = len(text) > HIGHLIGHT_CAP
        self.show_all.setVisible(capped)
        self.notice.setVisible(capped)
        if capped:
            self.notice.setText(
                f"Highlighted the first {display.size(HIGHLIGHT_CAP)} of {display.size(len(text))}."
            )
        self._set_document(plain_document("", self.editor.font()))
        if not text:
            self._runner.cancel("raw-json")
            return
        part = text[:HIGHLIGHT_CAP]
        self._colours = _DARK if display.is_dark(self.palette()) else _LIGHT
        self._runner.compute("raw-json", lambda: highlight_runs(part), self._fill_in, self._failed)

    def _fill_in(self, runs: list[tuple[str | None, str]]) -> None:
        """Build the highlighted document on the UI thread, a slice of runs per turn."""
        doc = plain_document("", self.editor.font())
        formats: dict[str | None, QTextCharFormat] = {None: QTextCharFormat()}
        for role, colour in self._colours.items():
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(colour))
            formats[role] = fmt
        self._set_document(doc)
        self._filling += 1
        self._append_runs(doc, runs, 0, formats, self._filling)

    def _append_runs(
        self,
        doc: QTextDocument,
        runs: list[tuple[str | None, str]],
        start: int,
        formats: dict[str | None, QTextCharFormat],
        filling: int,
    ) -> None:
        if filling != self._filling or self.editor.document() is not doc:
            return  # another span was opened meanwhile
        cursor = QTextCursor(doc)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.beginEditBlock()
        for role, value in runs[start : start + RUNS_PER_TURN]:
            cursor.insertText(value, formats.get(role, formats[None]))
        cursor.endEditBlock()
        if start == 0:
            self.editor.moveCursor(QTextCursor.MoveOperation.Start)
        if start + RUNS_PER_TURN < len(runs):
            QTimer.singleShot(
                0, lambda: self._append_runs(doc, runs, start + RUNS_PER_TURN, formats, filling)
            )
        else:
            self.filled.emit()

    def text(self) -> str:
        return self.editor.toPlainText()

    def _failed(self, message: str) -> None:
        self.notice.setText(f"Could not highlight: {message}")
        self.notice.setVisible(True)
        self._set_document(plain_document(self._text[:HIGHLIGHT_CAP], self.editor.font()))

    def _show_everything(self) -> None:
        self._runner.cancel("raw-json")
        self._set_document(plain_document(self._text, self.editor.font()))
        self.show_all.setVisible(False)
        self.notice.setText(f"Showing all {display.size(len(self._text))}, without highlighting.")

    def _set_document(self, doc: QTextDocument) -> None:
        doc.setParent(self.editor)  # the editor deletes a document it parents when replaced
        self.editor.setDocument(doc)
