"""In the step-through, a model call shows what is new since the previous call: the messages
of its prompt that the previous call had not already sent or answered. "Whole prompt" shows
everything. The previous call's messages are read in a worker, one span at a time."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QWidget

from spanscope.core.prompt_growth import repeated_prefix
from spanscope.core.replay_steps import StepThrough
from spanscope.store import queries
from spanscope.ui.span_detail import SpanDetail
from spanscope.ui.workers import QueryRunner


class NewSinceLastCall(QObject):
    """Kept on the step-through window as ``news``; ``bar`` goes in its layout. It is given
    the parts it works with (the window's span detail and runner), not the window, which
    calls :meth:`step_shown` on each step."""

    def __init__(
        self, parent: QWidget, trace_id: str, detail: SpanDetail, runner: QueryRunner
    ) -> None:
        super().__init__(parent)
        self.trace_id, self.detail, self.runner = trace_id, detail, runner
        self.repeated: dict[str, int] = {}  # span id -> leading messages as in the last call
        self.bar = QWidget(parent)
        self.note = QLabel(self.bar)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.whole = QCheckBox("Whole prompt", self.bar)
        self.whole.setToolTip("Show every message sent in this call, not only the new ones")
        row = QHBoxLayout(self.bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.note, 1)
        row.addWidget(self.whole)
        self.bar.hide()
        self.whole.toggled.connect(lambda _on: self.apply())
        detail.loaded.connect(lambda _span_id: self.apply())

    def step_shown(self, steps: StepThrough, index: int) -> None:
        step = steps.steps[index]
        earlier = [s for s in steps.steps[:index] if s.span.get("kind") == "llm"]
        if step.span.get("kind") != "llm" or not earlier:
            self.repeated.setdefault(step.span_id, 0)
            self.apply()
            return
        if step.span_id in self.repeated:
            self.apply()
            return
        trace_id, previous, current = self.trace_id, earlier[-1].span_id, step.span_id

        def work(cur: Any) -> tuple[str, int]:
            before = queries.span_detail(cur, trace_id, previous) or {}
            now = queries.span_detail(cur, trace_id, current) or {}
            sent = list(before.get("input_messages") or []) + list(
                before.get("output_messages") or []
            )
            return current, repeated_prefix(sent, list(now.get("input_messages") or []))

        self.runner.submit("step-news", work, self._counted, lambda _m: None)

    def _counted(self, result: tuple[str, int]) -> None:
        span_id, count = result
        self.repeated[span_id] = count
        self.apply()

    def apply(self) -> None:
        """Show the detail's conversation whole or from its first new message."""
        facts = self.detail.facts
        count = self.repeated.get(facts.span_id, 0) if facts is not None else 0
        if facts is None or facts.kind != "llm" or count == 0:
            self.bar.hide()
            return
        self.bar.show()
        whole = self.whole.isChecked()
        noun = "message" if count == 1 else "messages"
        self.note.setText(
            f"{count} {noun} as in the previous call "
            + ("shown above the new ones" if whole else "hidden: showing what is new")
        )
        shown = facts.inputs if whole else facts.inputs[count:]
        self.detail.conversation.show_messages(shown, facts.outputs)
