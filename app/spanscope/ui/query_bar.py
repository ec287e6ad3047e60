"""The query bar: one line of the filter language over the trace or span list.

The text is compiled by ``spanscope.core.filters`` into SQL with bound parameters; a query that
cannot be understood is not run: the bad term is underlined and the reason (with a suggestion)
shown under the bar. Typing re-queries after a short pause; the list's own query group
cancels the previous query. The completer completes the term under the cursor: field names,
then values seen in the data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QCoreApplication, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QInputMethodEvent, QKeyEvent, QPalette, QTextCharFormat
from PySide6.QtWidgets import QCompleter, QLabel, QLineEdit, QVBoxLayout, QWidget

from spanscope.core.filter_value import make_filter
from spanscope.core.filters import FilterError, field_names
from spanscope.ui import display
from spanscope.ui.filter_completion import candidates, current_token

PLACEHOLDER = 'Filter: status:error  model:gpt-4o*  duration>2s  user:u_42  "refund policy"'
DEBOUNCE_MS = 150
_COMPLETION_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Escape)


class FilterEdit(QLineEdit):
    """A line edit that leaves Enter/Tab/Escape to its completer's popup while it is open."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.token_completer: QCompleter | None = None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        popup = self.token_completer.popup() if self.token_completer else None
        if popup is not None and popup.isVisible() and event.key() in _COMPLETION_KEYS:
            event.ignore()  # the completer acts on it
            return
        super().keyPressEvent(event)


class QueryBar(QWidget):
    """Emits :attr:`query_changed` with filter text that compiles for :attr:`table`."""

    query_changed = Signal(str)
    invalid = Signal(str)  # the text could not be applied: the error, as shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = "traces"  # the list the filter is for: "traces" or "spans"
        self.applied = ""
        self.error_range: tuple[int, int] | None = None
        self._values: dict[str, Sequence[str]] = {}
        self.edit = FilterEdit(self)
        self.edit.setPlaceholderText(PLACEHOLDER)
        self.edit.setClearButtonEnabled(True)
        self.edit.setFont(display.mono_font())
        self.completer = QCompleter(self)
        self.completer.setModel(QStringListModel(self.completer))
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.setMaxVisibleItems(12)
        self.completer.setWidget(self.edit)
        self.completer.activated.connect(self.insert_completion)
        self.edit.token_completer = self.completer
        self.edit.returnPressed.connect(self.apply)
        self.edit.textEdited.connect(self._edited)
        self.edit.textChanged.connect(self._changed)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(lambda: self.apply(select=False))
        self.problem = QLabel(self)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)  # the message quotes user text
        self.problem.setWordWrap(True)
        palette = self.problem.palette()
        palette.setColor(QPalette.ColorRole.WindowText, display.error_colour(self.palette()))
        self.problem.setPalette(palette)
        self.problem.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 2)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.problem)

    # -- filtering ---------------------------------------------------------------------------

    def set_table(self, table: str) -> None:
        """Check filters against ``table`` from now on (the list shown changed)."""
        self.table = table

    def set_text(self, text: str, apply: bool = True) -> None:
        """Replace the filter text (a saved view, a facet click) and apply it."""
        self.edit.setText(text)
        if apply:
            self.apply(select=False)

    def add_term(self, term: str) -> None:
        """Append a term (``model:gpt-4o``) to the filter and apply it at once."""
        text = self.edit.text().rstrip()
        if term not in text.split():
            text = f"{text} {term}".strip()
        self.set_text(text)

    def apply(self, select: bool = True) -> bool:
        """Compile the text; emit it, or mark what is wrong and emit nothing. ``select``
        selects the bad term too (on Enter; not while the user is still typing)."""
        self._debounce.stop()
        text = self.edit.text().strip()
        try:
            make_filter(text)
        except FilterError as exc:
            self.show_error(exc, select)
            return False
        self.clear_error()
        self.applied = text
        self.query_changed.emit(text)
        return True

    def show_error(self, exc: FilterError, select: bool) -> None:
        text = self.edit.text()
        offset = len(text) - len(text.lstrip())  # positions count in the stripped text
        start = min(exc.position + offset, len(text))
        length = max(min(exc.length, len(text) - start), 1)
        self.error_range = (start, length)
        self.problem.setText(str(exc))
        self.problem.show()
        self.invalid.emit(str(exc))
        self._underline(start, length)
        if select:
            self.edit.setSelection(start, length)

    def clear_error(self) -> None:
        if self.error_range is not None:
            self.error_range = None
            self._underline(0, 0)
        self.problem.hide()

    def _underline(self, start: int, length: int) -> None:
        """Underline part of the text: a line edit draws formats only through an input
        method event, given relative to the cursor."""
        attributes = []
        if length:
            fmt = QTextCharFormat()
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(display.error_colour(self.palette()))
            attributes.append(
                QInputMethodEvent.Attribute(
                    QInputMethodEvent.AttributeType.TextFormat,
                    start - self.edit.cursorPosition(),
                    length,
                    fmt,
                )
            )
        QCoreApplication.sendEvent(self.edit, QInputMethodEvent("", attributes))

    def _edited(self, _text: str) -> None:
        """The user typed: re-query after a pause, and offer completions."""
        self.clear_error()
        self._debounce.start()
        self.update_completion()

    def _changed(self, text: str) -> None:
        if not text and self.applied:
            self.apply(select=False)  # the clear button shows everything again

    # -- completion --------------------------------------------------------------------------

    def set_values(self, values: Mapping[str, Sequence[str]]) -> None:
        """Values seen in the data for completion, by source (``model``, ``tags``, ...)."""
        self._values = dict(values)

    def update_completion(self) -> None:
        """Offer completions for the term under the cursor."""
        _start, token = current_token(self.edit.text(), self.edit.cursorPosition())
        options = candidates(token.lstrip("("), field_names(), self._values) if token else []
        model = self.completer.model()
        assert isinstance(model, QStringListModel)
        model.setStringList(options)
        self.completer.setCompletionPrefix(token.lstrip("("))
        if options and self.completer.completionCount() and not self._exact(token):
            self.completer.complete()
        elif (popup := self.completer.popup()) is not None:
            popup.hide()

    def _exact(self, token: str) -> bool:
        return self.completer.completionCount() == 1 and (
            self.completer.currentCompletion().lower() == token.lower()
        )

    def insert_completion(self, completion: str) -> None:
        """Replace the term under the cursor with ``completion``."""
        text, cursor = self.edit.text(), self.edit.cursorPosition()
        start, token = current_token(text, cursor)
        start += len(token) - len(token.lstrip("("))
        done = not completion.endswith(":")
        insert = completion + (" " if done and not text[cursor:].startswith(" ") else "")
        self.edit.setText(text[:start] + insert + text[cursor:])
        self.edit.setCursorPosition(start + len(insert))
        self.clear_error()
        if done:
            self.apply(select=False)
        else:
            self.update_completion()  # go on to the field's values
