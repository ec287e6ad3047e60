"""The span detail panel: everything about the selected span, in tabs.

Conversation, Tool calls, Retrieved chunks, Parameters & usage, Raw JSON. The span is read and
prepared in a worker; a newer selection supersedes an older one still loading.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from spanscope.store import queries
from spanscope.ui import display
from spanscope.ui.conversation import ConversationView
from spanscope.ui.highlight import mark_matches
from spanscope.ui.raw_json import RawJsonView
from spanscope.ui.record_table import RecordTable
from spanscope.ui.span_facts import SpanFacts, span_facts
from spanscope.ui.workers import QueryRunner

CONVERSATION, TOOLS, CHUNKS, USAGE, RAW = range(5)
TAB_TITLES = ("Conversation", "Tool calls", "Retrieved chunks", "Parameters && usage", "Raw JSON")
# The tab that answers "what happened here" first, by span kind.
NATURAL_TAB = {"tool": TOOLS, "retriever": CHUNKS, "reranker": CHUNKS}


def load_facts(cur: object, trace_id: str, span_id: str) -> SpanFacts | None:
    detail = queries.span_detail(cur, trace_id, span_id)  # type: ignore[arg-type]
    return span_facts(detail) if detail is not None else None


class SpanDetail(QWidget):
    """Shows one span; :meth:`show_span` loads it in a worker."""

    loaded = Signal(str)  # span_id
    failed = Signal(str)

    def __init__(self, runner: QueryRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.facts: SpanFacts | None = None
        self._chosen_tab: int | None = (
            None  # the tab the user picked last, kept when it has content
        )
        self.title = QLabel("Select a span to see its messages, tool calls and chunks.", self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.error = QLabel(self)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.conversation = ConversationView(self)
        self.tools = RecordTable(
            ("#", "Tool", "Call id", "Arguments", "Result"),
            "No tool calls on this span.",
            self,
            numeric=(0,),
            widths=(32, 140, 200, 260),
        )
        self.chunks = RecordTable(
            ("Rank", "Score", "Id", "Stage", "Content", "Metadata"),
            "No retrieved chunks on this span.",
            self,
            numeric=(0, 1),
            widths=(44, 64, 150, 70, 300),
        )
        self.usage = RecordTable(
            ("Group", "Field", "Value"), "Nothing recorded.", self, widths=(90, 150)
        )
        self.usage.full.hide()  # every value fits its row
        self.raw = RawJsonView(runner, self)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        for widget, title in zip(
            (self.conversation, self.tools, self.chunks, self.usage, self.raw),
            TAB_TITLES,
            strict=True,
        ):
            self.tabs.addTab(widget, title)
        self.tabs.tabBarClicked.connect(self._tab_clicked)
        self._phrases: list[str] = []
        for table in (self.tools, self.chunks):
            pane = table.full
            pane.textChanged.connect(lambda pane=pane: mark_matches(pane, self._phrases))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.error)
        layout.addWidget(self.tabs, 1)
        self._paint_error()

    def _paint_error(self) -> None:
        palette = self.error.palette()
        palette.setColor(QPalette.ColorRole.WindowText, display.error_colour(self.palette()))
        self.error.setPalette(palette)

    def set_highlight(self, phrases: list[str]) -> None:
        """Mark these texts (the filter's quoted text) in the conversation, tool calls and
        chunks, case-insensitively; an empty list clears the marks."""
        self._phrases = list(phrases)
        self.conversation.set_highlight(self._phrases)
        for table in (self.tools, self.chunks):
            mark_matches(table.full, self._phrases)

    def show_span(self, trace_id: str, span_id: str) -> None:
        """Load and show a span; an older request still running is interrupted."""
        self._runner.submit(
            "span-detail", lambda cur: load_facts(cur, trace_id, span_id), self._show, self._failed
        )

    def clear(self) -> None:
        self._runner.cancel("span-detail")
        self._runner.cancel("raw-json")
        self.facts = None
        self.title.setText("Select a span to see its messages, tool calls and chunks.")
        self.error.hide()
        self.conversation.show_messages([], [])
        self.tools.set_records([], [])
        self.chunks.set_records([], [])
        self.usage.set_records([], [])
        self.raw.show_json("")
        self._set_counts(None)

    def focus_content(self) -> None:
        """Move the keyboard focus into the current tab (Enter on a span)."""
        widget = self.tabs.currentWidget()
        target = {
            self.conversation: self.conversation.text,
            self.tools: self.tools.table,
            self.chunks: self.chunks.table,
            self.usage: self.usage.table,
            self.raw: self.raw.editor,
        }.get(widget, widget)
        target.setFocus()

    def _show(self, facts: SpanFacts | None) -> None:
        if facts is None:
            self.clear()
            self.title.setText("This span is no longer in the database.")
            return
        self.facts = facts
        self.title.setText(facts.title)
        self.error.setText(facts.error)
        self.error.setVisible(bool(facts.error))
        self.conversation.show_messages(facts.inputs, facts.outputs)
        error = display.error_colour(self.palette())
        self.tools.set_records(facts.tool_rows, facts.tool_details)
        self.chunks.set_records(facts.chunk_rows, facts.chunk_details)
        self.usage.set_records(
            facts.usage_rows,
            [],
            [error if r[0] == "Status" and r[2] == "error" else None for r in facts.usage_rows],
        )
        self.raw.show_json(facts.raw_json)
        self._set_counts(facts)
        self.tabs.setCurrentIndex(self._tab_for(facts))
        self.loaded.emit(facts.span_id)

    def _failed(self, message: str) -> None:
        self.title.setText(f"Could not load the span: {message}")
        self.failed.emit(message)

    def _set_counts(self, facts: SpanFacts | None) -> None:
        counts = {
            CONVERSATION: len(facts.inputs) + len(facts.outputs) if facts else 0,
            TOOLS: len(facts.tool_rows) if facts else 0,
            CHUNKS: len(facts.chunk_rows) if facts else 0,
        }
        for tab, count in counts.items():
            title = TAB_TITLES[tab]
            self.tabs.setTabText(tab, f"{title} ({count})" if count else title)

    def _has_content(self, tab: int, facts: SpanFacts) -> bool:
        return {
            CONVERSATION: bool(facts.inputs or facts.outputs),
            TOOLS: bool(facts.tool_rows),
            CHUNKS: bool(facts.chunk_rows),
        }.get(tab, True)

    def _tab_for(self, facts: SpanFacts) -> int:
        if self._chosen_tab is not None and self._has_content(self._chosen_tab, facts):
            return self._chosen_tab
        natural = NATURAL_TAB.get(facts.kind, CONVERSATION)
        for tab in (natural, CONVERSATION, TOOLS, CHUNKS):
            if self._has_content(tab, facts):
                return tab
        return USAGE

    def _tab_clicked(self, tab: int) -> None:
        if tab >= 0:
            self._chosen_tab = tab
