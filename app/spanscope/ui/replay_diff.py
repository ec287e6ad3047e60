"""A stored re-run beside its original span: the diff window when it is there, else the two
answers side by side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from spanscope.store import queries
from spanscope.store.replays import replay_as_span
from spanscope.ui.workers import QueryRunner


def open_replay_diff(
    parent: QWidget,
    runner: QueryRunner,
    trace_id: str,
    span_id: str,
    replay_id: int,
    opened: Callable[[QWidget], None] | None = None,
) -> None:
    """Read both sides in a worker, then open the comparison (``opened`` gets its window)."""

    def work(cur: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        return queries.span_detail(cur, trace_id, span_id), replay_as_span(cur, replay_id)

    def show(pair: tuple[dict[str, Any] | None, dict[str, Any] | None]) -> None:
        original, replay = pair
        if original is None or replay is None:
            return
        title = f"Span {span_id} (recorded) vs replay {replay_id}"
        try:
            from spanscope.ui.diff_window import open_span_diff
        except ImportError:
            window: QWidget = SideBySide(original, replay, title, parent)
            window.show()
        else:
            window = open_span_diff(parent, runner, original, replay, title)
        if opened is not None:
            opened(window)

    runner.submit(f"replay-diff-{id(parent)}", work, show)


class SideBySide(QWidget):
    """The recorded answer and the re-run's answer, as plain text."""

    def __init__(
        self, original: dict[str, Any], replay: dict[str, Any], title: str, parent: QWidget | None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(title)
        row = QHBoxLayout()
        for label, span in (("Recorded", original), (f"Replay ({replay.get('model')})", replay)):
            column = QVBoxLayout()
            heading = QLabel(label, self)
            heading.setTextFormat(Qt.TextFormat.PlainText)
            text = QPlainTextEdit(self)
            text.setReadOnly(True)
            text.setPlainText(answer_of(span))
            column.addWidget(heading)
            column.addWidget(text, 1)
            row.addLayout(column)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        self.resize(1000, 600)


def answer_of(span: dict[str, Any]) -> str:
    parts = []
    if span.get("status") == "error":
        parts.append(f"ERROR: {span.get('status_message') or ''}")
    for message in span.get("output_messages") or []:
        if message.get("content"):
            parts.append(str(message["content"]))
        for call in message.get("tool_calls") or []:
            parts.append(f"→ tool call {call.get('name')}({call.get('arguments')})")
    return "\n\n".join(parts)
