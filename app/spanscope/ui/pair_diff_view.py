"""The differences of one pair of spans as a coloured, plain-text document.

Built with ``QTextCursor.insertText`` and character formats only: trace text is untrusted and
never interpreted as HTML. Identical messages and keys are shown on one muted line so what
changed stands out; long texts are cut at ``TEXT_CAP`` characters with a visible note.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPalette, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QTextEdit, QWidget

from spanscope.core.chunk_diff import ChunkDiff
from spanscope.core.json_diff import KeyChange
from spanscope.core.metric_deltas import MetricDelta
from spanscope.core.span_diff import MessageDiff, SpanPairDiff, ToolCallDiff
from spanscope.core.word_diff import Piece
from spanscope.ui import display
from spanscope.ui.diff_style import background, foreground

TEXT_CAP = 20_000  # characters of one message or result drawn; the rest is counted


class _Writer:
    def __init__(self, doc: QTextDocument, palette: QPalette) -> None:
        self.cursor = QTextCursor(doc)
        self.palette = palette
        self.plain = QTextCharFormat()
        self.muted = QTextCharFormat()
        self.muted.setForeground(display.muted_colour(palette))
        self.bold = QTextCharFormat()
        self.bold.setFontWeight(QFont.Weight.Bold)
        self.heading = QTextCharFormat(self.bold)
        self.heading.setFontPointSize(self.heading.font().pointSizeF() * 1.1 or 11)
        self.mono = QTextCharFormat()
        self.mono.setFont(display.mono_font())
        self.first_change: int | None = None

    def tinted(self, status: str, base: QTextCharFormat | None = None) -> QTextCharFormat:
        if status != "same" and self.first_change is None:
            self.first_change = self.cursor.position()
        fmt = QTextCharFormat(base or self.plain)
        colour = background(status, self.palette)
        if colour is not None:
            fmt.setBackground(colour)
        if status == "removed":
            fmt.setFontStrikeOut(True)
        return fmt

    def label(self, status: str) -> QTextCharFormat:
        fmt = QTextCharFormat(self.bold)
        colour = foreground(status, self.palette)
        if colour is not None:
            fmt.setForeground(colour)
        return fmt

    def text(self, text: str, fmt: QTextCharFormat | None = None) -> None:
        self.cursor.insertText(text, fmt or self.plain)

    def line(self, text: str = "", fmt: QTextCharFormat | None = None) -> None:
        if text:
            self.text(text, fmt)
        self.cursor.insertBlock()

    def pieces(self, pieces: Sequence[Piece], base: QTextCharFormat | None = None) -> None:
        drawn = 0
        for piece in pieces:
            room = TEXT_CAP - drawn
            if room <= 0:
                break
            status = {"=": "same", "-": "removed", "+": "added"}[piece.op]
            self.text(piece.text[:room], self.tinted(status, base))
            drawn += len(piece.text)
        if drawn > TEXT_CAP:
            self.text(f"\n… {display.size(drawn - TEXT_CAP)} more not shown", self.muted)


def render_pair(doc: QTextDocument, diff: SpanPairDiff, palette: QPalette) -> int | None:
    """Fill ``doc`` with the differences of one pair, section by section; returns where the
    first changed text starts (None when nothing changed)."""
    doc.clear()
    w = _Writer(doc, palette)
    summary = ", ".join(c.replace("_", " ") for c in diff.changes) or "nothing"
    w.line(f"Differs in: {summary}", w.bold)
    if diff.status_a != diff.status_b or diff.status_message_a != diff.status_message_b:
        _status(w, diff)
    # What changed in content first; the metrics (which always move a little) last.
    _messages(w, diff.messages)
    _tools(w, diff.tool_calls)
    _chunks(w, diff.chunks)
    _params(w, diff.params)
    _metrics(w, diff.metrics)
    return w.first_change


def _section(w: _Writer, title: str, note: str = "") -> None:
    w.line()
    w.text(title, w.heading)
    if note:
        w.text("   " + note, w.muted)
    w.line()


def _status(w: _Writer, diff: SpanPairDiff) -> None:
    _section(w, "Status")
    w.text(diff.status_a or "—", w.tinted("removed"))
    w.text("  →  ")
    w.line(diff.status_b or "—", w.tinted("added"))
    for side, message in (("A", diff.status_message_a), ("B", diff.status_message_b)):
        if message:
            w.line(f"{side}: {display.one_line(message, 400)}", w.muted)


def _metrics(w: _Writer, metrics: Sequence[MetricDelta]) -> None:
    if not metrics:
        return
    _section(w, "Metrics", "A → B (change, ratio)")
    for metric in metrics:
        w.text(f"{metric.label:<22}", w.mono)
        w.text(f"{_metric(metric.name, metric.a)} → {_metric(metric.name, metric.b)}")
        delta, ratio = metric.delta, metric.ratio
        if delta:
            sign = "+" if delta > 0 else "−"
            w.text(f"   {sign}{_metric(metric.name, abs(delta))}", w.muted)
        if ratio is not None and delta:
            w.text(f"  ×{ratio:.2f}", w.muted)
        w.line()


def _metric(name: str, value: float | None) -> str:
    if value is None:
        return "—"
    if name == "duration_ns":
        return display.duration(int(value))
    if name == "cost":
        return display.cost(value)
    return display.number(value)


def _messages(w: _Writer, messages: Sequence[MessageDiff]) -> None:
    if not messages:
        return
    same = sum(1 for m in messages if m.change == "same")
    _section(w, "Messages", f"{len(messages) - same} differ, {same} identical")
    direction = ""
    for position, message in enumerate(messages, 1):
        if message.direction != direction:
            direction = message.direction
            w.line(
                f"── {'sent to the model' if direction == 'input' else 'model output'} ──", w.muted
            )
        role = message.role_b or message.role_a or "message"
        if message.role_a and message.role_b and message.role_a != message.role_b:
            role = f"{message.role_a} → {message.role_b}"
        if message.change == "same":
            text = "".join(p.text for p in message.words)
            w.line(f"= {role}: {display.one_line(text, 140) or '(no text)'}", w.muted)
            continue
        w.text(
            {"changed": "~ ", "added": "+ ", "removed": "− "}[message.change],
            w.label(message.change),
        )
        w.text(role, w.label(message.change))
        w.line(f"   {message.change} (message {position})", w.muted)
        base = w.mono if role == "tool" else None
        if message.words:
            w.pieces(message.words, base)
            w.line()
        for call in message.tool_calls:
            if call.change != "same":
                _call(w, call, indent="    ")


def _tools(w: _Writer, calls: Sequence[ToolCallDiff]) -> None:
    if not calls:
        return
    same = sum(1 for c in calls if c.change == "same")
    _section(w, "Tool calls", f"{len(calls) - same} differ, {same} identical")
    for call in calls:
        _call(w, call)


def _call(w: _Writer, call: ToolCallDiff, indent: str = "") -> None:
    name = call.name_b or call.name_a or "(unnamed tool)"
    if call.name_a and call.name_b and call.name_a != call.name_b:
        name = f"{call.name_a} → {call.name_b}"
    w.text(indent + "→ ", w.muted)
    w.text(name, w.label(call.change) if call.change != "same" else w.bold)
    w.line(f"   {call.change}", w.muted)
    for key in call.arguments:
        _key(w, key, indent + "    ")
    if call.result:
        w.line(f"{indent}    result:", w.muted)
        w.pieces(call.result, w.mono)
        w.line()


def _key(w: _Writer, key: KeyChange, indent: str) -> None:
    if key.change == "same":
        w.line(f"{indent}{key.path}: {display.one_line(key.a, 200)}", w.muted)
        return
    w.text(f"{indent}{key.path}: ", w.label(key.change))
    if key.change in ("changed", "removed"):
        w.text(display.one_line(key.a, 400), w.tinted("removed", w.mono))
    if key.change == "changed":
        w.text("  →  ")
    if key.change in ("changed", "added"):
        w.text(display.one_line(key.b, 400), w.tinted("added", w.mono))
    w.line()


def _chunks(w: _Writer, chunks: Sequence[ChunkDiff]) -> None:
    if not chunks:
        return
    moved = sum(1 for c in chunks if c.change != "same")
    _section(w, "Retrieved chunks", f"{moved} differ of {len(chunks)}  (rank A → B, score)")
    for chunk in chunks:
        status = {"dropped": "removed", "reranked": "changed"}.get(chunk.change, chunk.change)
        fmt = w.label(status) if chunk.change != "same" else w.muted
        rank = f"#{chunk.rank_a or '–'} → #{chunk.rank_b or '–'}"
        w.text(f"{rank:<12}", fmt)
        w.text(f"{chunk.change:<9} ", fmt)
        w.text(display.one_line(chunk.key, 60), w.mono)
        w.text(f"   score {_score(chunk.score_a)} → {_score(chunk.score_b)}", w.muted)
        if chunk.score_delta:
            w.text(f" ({chunk.score_delta:+.4f})", w.muted)
        w.line()
        if chunk.change in ("added", "dropped", "changed"):
            text = chunk.content_b if chunk.change == "added" else chunk.content_a
            w.line("    " + display.one_line(text, 200), w.muted)


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def _params(w: _Writer, params: Sequence[KeyChange]) -> None:
    if not params:
        return
    same = sum(1 for p in params if p.change == "same")
    _section(w, "Parameters", f"{len(params) - same} differ, {same} identical")
    for key in params:
        _key(w, key, "")


class PairDiffView(QTextEdit):
    """A read-only view of one pair's differences."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setAcceptRichText(False)
        self.setUndoRedoEnabled(False)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.diff: SpanPairDiff | None = None
        self.show_note("Select a pair of spans to see what differs.")

    def show_diff(self, diff: SpanPairDiff) -> None:
        self.diff = diff
        first = render_pair(self.document(), diff, self.palette())
        self.moveCursor(QTextCursor.MoveOperation.Start)
        if first is not None:  # bring the first changed words into view
            self.moveCursor(QTextCursor.MoveOperation.End)
            cursor = self.textCursor()
            cursor.setPosition(first)
            cursor.movePosition(QTextCursor.MoveOperation.StartOfBlock)
            cursor.movePosition(QTextCursor.MoveOperation.PreviousBlock)  # its heading too
            self.setTextCursor(cursor)
            self.ensureCursorVisible()

    def show_note(self, text: str) -> None:
        self.diff = None
        self.setPlainText(text)
