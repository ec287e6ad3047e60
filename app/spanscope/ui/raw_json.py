"""The Raw JSON tab: a span's attributes, resource, scope, events and links, highlighted.

Highlighting runs in a worker: Pygments' JSON lexer turns the text into tokens and each token is
inserted with a character format into a document that is then handed to the UI thread. Only the
first ``HIGHLIGHT_CAP`` characters are highlighted; the rest is a click away, as plain text.
"""

from __future__ import annotations

from pygments.lexers import JsonLexer
from pygments.token import Token
from PySide6.QtCore import QCoreApplication, Qt
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


def _role(token: object) -> str | None:
    if token in Token.Name.Tag:
        return "key"
    if token in Token.Literal.String:
        return "string"
    if token in Token.Literal.Number:
        return "number"
    if token in Token.Keyword.Constant:
        return "constant"
    return None


def plain_document(text: str, font: QFont) -> QTextDocument:
    doc = QTextDocument()
    doc.setDocumentLayout(QPlainTextDocumentLayout(doc))
    doc.setUndoRedoEnabled(False)
    doc.setDefaultFont(font)
    doc.setPlainText(text)
    return doc


def highlighted_document(text: str, colours: dict[str, str], font: QFont) -> QTextDocument:
    """Build the highlighted document (safe in a worker thread) and give it to the UI thread."""
    doc = QTextDocument()
    doc.setDocumentLayout(QPlainTextDocumentLayout(doc))
    doc.setUndoRedoEnabled(False)
    doc.setDefaultFont(font)
    formats = {None: QTextCharFormat()}
    for role, colour in colours.items():
        fmt = QTextCharFormat()
        fmt.setForeground(QColor(colour))
        formats[role] = fmt
    cursor = QTextCursor(doc)
    run: list[str] = []
    run_role: str | None = None
    for token, value in JsonLexer(stripnl=False, ensurenl=False).get_tokens(text):
        role = _role(token)
        if role != run_role and run:
            cursor.insertText("".join(run), formats[run_role])
            run = []
        run_role = role
        run.append(value)
    if run:
        cursor.insertText("".join(run), formats[run_role])
    app = QCoreApplication.instance()
    if app is not None:
        doc.moveToThread(app.thread())
    return doc


class RawJsonView(QWidget):
    """Highlighted JSON, capped; "Show all" shows the whole text unhighlighted."""

    def __init__(self, runner: QueryRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._text = ""
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
        colours = _DARK if display.is_dark(self.palette()) else _LIGHT
        font = QFont(self.editor.font())
        self._runner.compute(
            "raw-json",
            lambda: highlighted_document(part, colours, font),
            self._set_document,
            self._failed,
        )

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
