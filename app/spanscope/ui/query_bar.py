"""The query bar: one line of the filter language over the trace list.

The text is compiled by ``spanscope.core.filters`` into SQL with bound parameters; a query that
cannot be understood is not run, and the bad term is selected with the reason beside it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QCompleter, QHBoxLayout, QLabel, QLineEdit, QWidget

from spanscope.core.filters import FilterError, compile_filter, field_names
from spanscope.store.queries import Where
from spanscope.ui import display

PLACEHOLDER = 'Filter traces: status:error  model:gpt-4o*  duration>2s  user:u_42  "refund policy"'


class QueryBar(QWidget):
    """Emits :attr:`filter_changed` with the compiled filter when Enter is pressed."""

    filter_changed = Signal(object)  # queries.Where

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(PLACEHOLDER)
        self.edit.setClearButtonEnabled(True)
        self.edit.setFont(display.mono_font())
        completer = QCompleter([f"{name}:" for name in field_names()], self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.InlineCompletion)
        self.edit.setCompleter(completer)
        self.edit.returnPressed.connect(self.apply)
        self.edit.textChanged.connect(self._edited)
        self.problem = QLabel(self)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        palette = self.problem.palette()
        palette.setColor(QPalette.ColorRole.WindowText, display.error_colour(self.palette()))
        self.problem.setPalette(palette)
        self.problem.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.edit, 3)
        layout.addWidget(self.problem, 2)
        self.applied = ""

    def apply(self) -> bool:
        """Compile the text; emit the filter, or show what is wrong and emit nothing."""
        text = self.edit.text().strip()
        try:
            where = compile_filter(text, "traces") if text else Where()
        except FilterError as exc:
            self.problem.setText(str(exc))
            self.problem.show()
            self.edit.setSelection(exc.position, max(exc.length, 1))
            return False
        self.problem.hide()
        self.applied = text
        self.filter_changed.emit(where)
        return True

    def _edited(self, text: str) -> None:
        self.problem.hide()
        if not text and self.applied:
            self.apply()  # the clear button shows every trace again
