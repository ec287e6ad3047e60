"""The label panel: labels (number keys), rubric scores, a note and the expected output for
one trace or span, by the current reviewer; the other reviewers' annotations below.

It says "Saved" only when the write has committed (on disk); until then "Saving…". Label and
score changes save at once; the note and the expected output save with Save (Ctrl+S) or when
the review queue moves on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spanscope.model.annotation import Annotation, LabelDef, RubricItem
from spanscope.store import annotations as stored
from spanscope.store import taxonomy
from spanscope.ui.workers import QueryRunner
from spanscope.ui.writes import Writes


@dataclass
class PanelData:
    """What the panel shows, read in a worker."""

    labels: list[LabelDef]
    rubric: list[RubricItem]
    annotations: list[Annotation] = field(default_factory=list)


def load_panel(cur: Any, trace_id: str, span_id: str) -> PanelData:
    return PanelData(
        taxonomy.labels(cur), taxonomy.rubric(cur), stored.annotations_of(cur, trace_id, span_id)
    )


def score_choices(item: RubricItem) -> list[tuple[str, float | None]]:
    """The values a rubric item's box offers: none, then pass/fail or each whole number."""
    if item.kind == "pass_fail":
        return [("—", None), ("pass", 1.0), ("fail", 0.0)]
    low, high = int(item.min_score or 0), int(item.max_score if item.max_score is not None else 5)
    return [("—", None)] + [(str(n), float(n)) for n in range(low, high + 1)]


class AnnotationPanel(QWidget):
    """Annotate one trace or span; :meth:`show_item` loads it."""

    saved = Signal(str, str)  # trace_id, span_id: committed to disk
    failed = Signal(str)

    def __init__(
        self,
        runner: QueryRunner,
        writer: Writes,
        author: str,
        parent: QWidget | None = None,
        *,
        group: str = "annotation-panel",
    ) -> None:
        super().__init__(parent)
        self._runner, self._writer, self.author, self._group = runner, writer, author, group
        self.trace_id: str | None = None
        self.span_id = ""
        self.data: PanelData | None = None
        self.chosen: list[str] = []
        self.dirty = False
        self.title = QLabel("Select a span to annotate it.", self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        self.label_grid = QGridLayout()
        self.label_grid.setSpacing(4)
        self.buttons: dict[str, QPushButton] = {}
        self.scores: dict[str, QComboBox] = {}
        self.score_form = QFormLayout()
        self.note = QPlainTextEdit(self)
        self.note.setPlaceholderText("Note (n)")
        self.note.setTabChangesFocus(True)
        self.expected = QPlainTextEdit(self)
        self.expected.setPlaceholderText(
            "Expected output: the correct answer, for the eval set (e)"
        )
        self.expected.setTabChangesFocus(True)
        for edit in (self.note, self.expected):
            edit.textChanged.connect(self._edited)
        self.save_button = QPushButton("Save", self)
        self.save_button.setToolTip("Save the note and expected output (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.status = QLabel("", self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.others = QLabel("", self)
        self.others.setTextFormat(Qt.TextFormat.PlainText)
        self.others.setWordWrap(True)
        self.others.setAlignment(Qt.AlignmentFlag.AlignTop)
        shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.save)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.title)
        layout.addLayout(self.label_grid)
        layout.addLayout(self.score_form)
        layout.addWidget(QLabel("Note", self))
        layout.addWidget(self.note, 1)
        layout.addWidget(QLabel("Expected output", self))
        layout.addWidget(self.expected, 1)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addWidget(self.status, 1)
        layout.addLayout(row)
        layout.addWidget(self.others)
        self.setEnabled(False)

    # -- loading -----------------------------------------------------------------------------

    def show_item(self, trace_id: str, span_id: str, title: str | None = None) -> None:
        """Load the annotations of a span (``span_id`` '' for the whole trace)."""
        self.trace_id, self.span_id = trace_id, span_id
        what = f"span {span_id}" if span_id else "the whole trace"
        self.title.setText(title or f"Annotating {what} of trace {trace_id}")
        self._runner.submit(
            self._group, lambda cur: load_panel(cur, trace_id, span_id), self._show, self._failed
        )

    def clear(self) -> None:
        """Show nothing and accept no edits until the next :meth:`show_item`."""
        self._runner.cancel(self._group)
        self.title.setText("Select a span to annotate it.")
        for edit in (self.note, self.expected):
            edit.blockSignals(True)
            edit.clear()
            edit.blockSignals(False)
        self.others.setText("")
        self.status.setText("")
        self.dirty = False
        self.setEnabled(False)

    def cancel(self) -> None:
        """Drop a load still running (the panel is going away)."""
        self._runner.cancel(self._group)

    def _show(self, data: PanelData) -> None:
        self.data = data
        mine = self._mine(data, "")
        self.chosen = list(mine.labels) if mine else []
        self._build_labels(data.labels)
        self._build_scores(data)
        for edit, text in (
            (self.note, mine.note if mine else ""),
            (self.expected, mine.expected if mine else ""),
        ):
            edit.blockSignals(True)
            edit.setPlainText(text or "")
            edit.blockSignals(False)
        self.others.setText(self._others_text(data))
        self.dirty = False
        self.status.setText(_saved_text(mine) if mine else "Not annotated yet")
        self.setEnabled(not self._writer.read_only)

    def _mine(self, data: PanelData, rubric: str) -> Annotation | None:
        return next(
            (
                a
                for a in data.annotations
                if a.author == self.author and a.rubric == rubric and not a.adjudicated
            ),
            None,
        )

    def _build_labels(self, labels: list[LabelDef]) -> None:
        while self.label_grid.count():
            item = self.label_grid.takeAt(0)
            if item is not None and (widget := item.widget()) is not None:
                widget.deleteLater()
        self.buttons = {}
        names = [label.name for label in labels]
        extra = [LabelDef(name) for name in self.chosen if name not in names]
        for n, label in enumerate([*labels, *extra]):
            key = f"{label.shortcut} " if label.shortcut is not None else ""
            button = QPushButton(f"{key}{label.name}", self)
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # number keys choose labels
            button.setChecked(label.name in self.chosen)
            button.setToolTip(label.description or label.name)
            button.setStyleSheet(_badge_style(label.colour))
            button.toggled.connect(lambda on, name=label.name: self._label_toggled(name, on))
            self.buttons[label.name] = button
            self.label_grid.addWidget(button, n // 3, n % 3)

    def _build_scores(self, data: PanelData) -> None:
        while self.score_form.rowCount():
            self.score_form.removeRow(0)
        self.scores = {}
        for item in data.rubric:
            box = QComboBox(self)
            choices = score_choices(item)
            for text, value in choices:
                box.addItem(text, value)
            mine = self._mine(data, item.name)
            values = [v for _, v in choices]
            box.setCurrentIndex(values.index(mine.score) if mine and mine.score in values else 0)
            box.setToolTip(item.description or item.name)
            box.currentIndexChanged.connect(lambda _i: self.save())
            self.scores[item.name] = box
            self.score_form.addRow(item.name, box)

    def _others_text(self, data: PanelData) -> str:
        lines = []
        for a in data.annotations:
            if a.author == self.author and not a.adjudicated:
                continue
            who = (a.author or "anonymous") + (" (adjudicated)" if a.adjudicated else "")
            what = ", ".join(a.labels)
            if a.rubric:
                what = f"{a.rubric} = {a.score:g}" if a.score is not None else a.rubric
            note = f" — {a.note}" if a.note else ""
            lines.append(f"{who}: {what or 'no labels'}{note}")
        return ("Other reviewers:\n" + "\n".join(lines)) if lines else ""

    def _failed(self, message: str) -> None:
        self.status.setText(f"Could not load: {message}")
        self.failed.emit(message)

    # -- editing -----------------------------------------------------------------------------

    def label_names(self) -> list[str]:
        return list(self.buttons)

    def toggle_shortcut(self, key: int) -> bool:
        """Toggle the label whose number key is ``key`` (0-9); False when none has it."""
        if self.data is None:
            return False
        for label in self.data.labels:
            if label.shortcut == key and label.name in self.buttons:
                self.buttons[label.name].toggle()
                return True
        return False

    def _label_toggled(self, name: str, on: bool) -> None:
        if on and name not in self.chosen:
            self.chosen.append(name)
        elif not on and name in self.chosen:
            self.chosen.remove(name)
        self.save()

    def _edited(self) -> None:
        self.dirty = True
        self.status.setText("Unsaved changes (Ctrl+S)")

    def annotations_to_save(self) -> list[Annotation]:
        """The reviewer's annotations as the panel shows them (empty ones remove theirs)."""
        assert self.trace_id is not None
        out = [
            Annotation(
                self.trace_id,
                self.span_id,
                tuple(self.chosen),
                note=self.note.toPlainText().strip() or None,
                expected=self.expected.toPlainText().strip() or None,
                author=self.author,
                origin="app",
            )
        ]
        for name, box in self.scores.items():
            out.append(
                Annotation(
                    self.trace_id,
                    self.span_id,
                    rubric=name,
                    score=box.currentData(),
                    author=self.author,
                    origin="app",
                )
            )
        return out

    def save(self) -> None:
        """Write what the panel shows; "Saved" appears once it is committed."""
        if self.trace_id is None or self.data is None or self._writer.read_only:
            return
        batch = self.annotations_to_save()
        trace_id, span_id = self.trace_id, self.span_id
        self.dirty = False
        self.status.setText("Saving…")
        self._writer.write(
            lambda cur: stored.save_many(cur, batch),
            lambda _n: self._saved(trace_id, span_id),
            self._save_failed,
        )

    def _saved(self, trace_id: str, span_id: str) -> None:
        if not shiboken6.isValid(self):  # the window closed while the write committed
            return
        if (trace_id, span_id) == (self.trace_id, self.span_id) and not self.dirty:
            self.status.setText(f"Saved {time.strftime('%H:%M:%S')} (on disk)")
        self.saved.emit(trace_id, span_id)

    def _save_failed(self, message: str) -> None:
        if not shiboken6.isValid(self):
            return
        self.dirty = True
        self.status.setText(f"NOT saved: {message}")
        self.failed.emit(f"Annotation not saved: {message}")


def _saved_text(a: Annotation) -> str:
    when = a.updated_at.astimezone().strftime("%Y-%m-%d %H:%M") if a.updated_at else ""
    return f"Saved {when}".strip()


def _badge_style(colour: str) -> str:
    """A checkable label button: a coloured edge, filled with the colour when chosen."""
    text = "#ffffff" if QColor(colour).lightness() < 150 else "#000000"
    return (
        f"QPushButton {{ border: 2px solid {colour}; border-radius: 4px; padding: 3px 6px; }}"
        f"QPushButton:checked {{ background: {colour}; color: {text}; }}"
    )
