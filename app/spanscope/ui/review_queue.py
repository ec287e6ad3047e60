"""The review queue screen: one item at a time, the conversation on the left, the label panel
on the right, everything on the keyboard.

    j / k    next / previous item (what was typed is saved first)
    1 … 9, 0 toggle the label with that number (saved at once)
    e / n    write the expected output / a note (Esc returns to the queue and saves)
    s        skip the item

The position is saved with every move, so the queue resumes where the reviewer stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from spanscope.model.annotation import ReviewItem, ReviewQueue
from spanscope.store import eval_items, queries, review_queues
from spanscope.ui.annotation_panel import AnnotationPanel
from spanscope.ui.conversation import ConversationView
from spanscope.ui.span_facts import SpanFacts, span_facts
from spanscope.ui.workers import QueryRunner
from spanscope.ui.writes import Writes

HELP = "j/k next/previous · 1-9 labels · e expected · n note · s skip · Esc back to the queue"


@dataclass
class QueueState:
    queue: ReviewQueue
    items: list[ReviewItem]


def load_queue(cur: Any, queue_id: int) -> QueueState | None:
    found = review_queues.queue(cur, queue_id)
    return QueueState(found, review_queues.items(cur, queue_id)) if found else None


def load_item(cur: Any, trace_id: str, span_id: str) -> SpanFacts | None:
    """What the reviewer reads: the span, or for a whole trace its last model call."""
    shown = span_id or eval_items.last_model_call(cur, trace_id)
    if shown is None:
        return None
    detail = queries.span_detail(cur, trace_id, shown)
    return span_facts(detail) if detail is not None else None


class ReviewWindow(QWidget):
    """Walks one review queue."""

    moved = Signal(int)  # the position now shown
    finished = Signal()  # moved past the last item

    def __init__(
        self,
        runner: QueryRunner,
        writer: Writes,
        author: str,
        queue_id: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._runner, self._writer, self.queue_id = runner, writer, queue_id
        self.state: QueueState | None = None
        self.position = 0
        self.setWindowTitle("Review")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.progress = QLabel("Loading the queue…", self)
        self.progress.setTextFormat(Qt.TextFormat.PlainText)
        font = self.progress.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.progress.setFont(font)
        self.item_title = QLabel("", self)
        self.item_title.setTextFormat(Qt.TextFormat.PlainText)
        self.item_title.setWordWrap(True)
        self.help = QLabel(HELP, self)
        self.help.setTextFormat(Qt.TextFormat.PlainText)
        self.conversation = ConversationView(self)
        self.panel = AnnotationPanel(runner, writer, author, self, group=f"review-panel-{queue_id}")
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.conversation)
        split.addWidget(self.panel)
        split.setSizes([820, 480])
        top = QHBoxLayout()
        top.addWidget(self.progress)
        top.addWidget(self.item_title, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.help)
        self._keys()
        self.resize(1300, 820)
        self._runner.submit(
            f"review-queue-{queue_id}", lambda cur: load_queue(cur, queue_id), self._loaded
        )

    def _keys(self) -> None:
        bindings: list[tuple[str, Any]] = [
            ("J", self.next_item),
            ("K", self.previous_item),
            ("S", self.skip),
            ("E", lambda: self._write_in(self.panel.expected)),
            ("N", lambda: self._write_in(self.panel.note)),
            ("Escape", self.back_to_queue),
        ]
        bindings += [(str(n), lambda n=n: self.panel.toggle_shortcut(n)) for n in range(10)]
        self.shortcuts = []
        for key, slot in bindings:
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)

    # -- moving ------------------------------------------------------------------------------

    def _loaded(self, state: QueueState | None) -> None:
        if state is None:
            self.progress.setText("This queue no longer exists.")
            return
        self.state = state
        self.setWindowTitle(f"Review — {state.queue.name}")
        self._go(min(state.queue.position, max(len(state.items) - 1, 0)))

    def current(self) -> ReviewItem | None:
        if self.state is None or not 0 <= self.position < len(self.state.items):
            return None
        return self.state.items[self.position]

    def progress_text(self) -> str:
        total = len(self.state.items) if self.state else 0
        if self.state is not None and self.position >= total:
            return f"{total} / {total} — finished"
        return f"{min(self.position + 1, total)} / {total}"

    def next_item(self) -> None:
        self._leave("done")
        self._go(self.position + 1)

    def previous_item(self) -> None:
        self._leave("done")
        self._go(max(self.position - 1, 0))

    def skip(self) -> None:
        self._leave("skipped")
        self._go(self.position + 1)

    def _leave(self, state: str) -> None:
        """Save what was typed, and mark the item (done only when it was annotated)."""
        item = self.current()
        if item is None or self.state is None:
            return
        if self.panel.dirty:
            self.panel.save()
        annotated = bool(
            self.panel.chosen
            or self.panel.note.toPlainText().strip()
            or self.panel.expected.toPlainText().strip()
        )
        new_state = state if state == "skipped" or annotated else item.state
        self.state.items[self.position] = ReviewItem(
            item.queue_id, item.position, item.trace_id, item.span_id, new_state
        )
        if new_state != item.state:
            queue_id, position = self.queue_id, item.position
            self._writer.write(
                lambda cur: review_queues.mark(cur, queue_id, position, new_state), lambda _r: None
            )

    def _go(self, position: int) -> None:
        if self.state is None:
            return
        self.position = min(position, len(self.state.items))
        queue_id, where = self.queue_id, self.position
        self._writer.write(lambda cur: review_queues.move_to(cur, queue_id, where), lambda _r: None)
        self.progress.setText(self.progress_text())
        item = self.current()
        if item is None:
            self.item_title.setText("Every item is reviewed. Close the window or go back with k.")
            self.conversation.show_messages([], [])
            self.panel.setEnabled(False)
            self.finished.emit()
            self.moved.emit(self.position)
            return
        what = f"span {item.span_id}" if item.span_id else "whole trace"
        self.item_title.setText(f"{what} of trace {item.trace_id} ({item.state})")
        self.panel.show_item(item.trace_id, item.span_id)
        trace_id, span_id = item.trace_id, item.span_id
        self._runner.submit(
            f"review-item-{self.queue_id}",
            lambda cur: load_item(cur, trace_id, span_id),
            self._show_item,
        )
        self.setFocus()
        self.moved.emit(self.position)

    def _show_item(self, facts: SpanFacts | None) -> None:
        if facts is None:
            self.conversation.show_messages([], [])
            self.conversation.info.setText("No model call to show for this item.")
            return
        self.conversation.show_messages(facts.inputs, facts.outputs)
        self.conversation.info.setText(facts.title)

    def _write_in(self, edit: QWidget) -> None:
        edit.setFocus()

    def back_to_queue(self) -> None:
        """Esc: leave the text field (saving it) so the keys drive the queue again."""
        if self.panel.dirty:
            self.panel.save()
        self.setFocus()

    def closeEvent(self, event: Any) -> None:
        if self.panel.dirty:
            self.panel.save()
        # results still on their way belong to a window about to be deleted: drop them
        self.panel.cancel()
        for group in ("review-item", "review-queue"):
            self._runner.cancel(f"{group}-{self.queue_id}")
        super().closeEvent(event)
