"""Several reviewers: merge their annotation files, see how far they agree per label, look at
the items they disagree on side by side, and adjudicate them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from spanscope.core.agreement import AgreementReport, agreement_report
from spanscope.core.annotation_file import read_annotations, write_annotations
from spanscope.core.conflicts import Conflict, decision, find_conflicts
from spanscope.store import annotations as stored
from spanscope.store.annotation_merge import merge_annotations
from spanscope.ui.workers import QueryRunner
from spanscope.ui.writes import Writes


@dataclass
class ReviewersData:
    report: AgreementReport
    conflicts: list[Conflict]


def load_reviewers(cur: Any) -> ReviewersData:
    found = stored.list_annotations(cur)
    return ReviewersData(agreement_report(found), find_conflicts(found))


def _stat(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


class ReviewersWindow(QWidget):
    """Agreement report, conflicts side by side, adjudication."""

    changed = Signal()  # annotations were merged or adjudicated

    def __init__(
        self,
        runner: QueryRunner,
        writer: Writes,
        author: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._runner, self._writer, self.author = runner, writer, author
        self.data: ReviewersData | None = None
        self.setWindowTitle("Reviewers: agreement and conflicts")
        self.summary = QLabel("Loading…", self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.agreement = QTableWidget(0, 6, self)
        self.agreement.setHorizontalHeaderLabels(
            ["Label", "Items", "Agreed", "Cohen's κ", "Fleiss' κ", "Krippendorff's α"]
        )
        self.agreement.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.conflicts = QListWidget(self)
        self.conflicts.currentRowChanged.connect(self._show_conflict)
        self.side_by_side = QTableWidget(0, 0, self)
        self.side_by_side.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.side_by_side.setWordWrap(True)
        self.decision_boxes: dict[str, QCheckBox] = {}
        self.decision_row = QHBoxLayout()
        self.decision_note = QLineEdit(self)
        self.decision_note.setPlaceholderText("Why (saved with the decision)")
        self.decide_button = QPushButton("Save decision", self)
        self.decide_button.clicked.connect(self.adjudicate)
        self.decide_button.setEnabled(False)
        merge = QPushButton("Merge reviewers' files…", self)
        merge.clicked.connect(self._choose_files)
        write = QPushButton("Write my annotations to a file…", self)
        write.clicked.connect(self._write_mine)
        self.status = QLabel("", self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(QLabel("Side by side", right))
        right_layout.addWidget(self.side_by_side, 1)
        right_layout.addWidget(QLabel("Decision: the labels that hold", right))
        right_layout.addLayout(self.decision_row)
        right_layout.addWidget(self.decision_note)
        right_layout.addWidget(self.decide_button)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.conflicts)
        split.addWidget(right)
        split.setSizes([360, 700])
        buttons = QHBoxLayout()
        buttons.addWidget(merge)
        buttons.addWidget(write)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.agreement, 1)
        layout.addWidget(QLabel("Items the reviewers disagree on", self))
        layout.addWidget(split, 2)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.resize(1100, 820)
        self.reload()

    def reload(self) -> None:
        self._runner.submit("reviewers", load_reviewers, self._show, self.status.setText)

    def _show(self, data: ReviewersData) -> None:
        self.data = data
        report = data.report
        open_ones = sum(c.settled is None for c in data.conflicts)
        self.summary.setText(
            f"Reviewers: {', '.join(report.reviewers) or 'none yet'} · {report.items} items "
            f"reviewed by two or more · {len(data.conflicts)} in conflict, {open_ones} open"
        )
        self.agreement.setRowCount(len(report.labels))
        for row, label in enumerate(report.labels):
            cells = [
                label.label,
                str(label.items),
                str(label.agreed),
                _stat(label.cohen),
                _stat(label.fleiss),
                _stat(label.alpha),
            ]
            for column, text in enumerate(cells):
                self.agreement.setItem(row, column, QTableWidgetItem(text))
        self.agreement.resizeColumnsToContents()
        self.conflicts.clear()
        for c in data.conflicts:
            where = f"{c.item[0]} / {c.item[1]}" if c.item[1] else f"{c.item[0]} (trace)"
            mark = "✓ " if c.settled is not None else "● "
            self.conflicts.addItem(f"{mark}{where} — {', '.join(c.labels_in_dispute) or 'scores'}")
        if data.conflicts:
            self.conflicts.setCurrentRow(0)
        else:
            self._show_conflict(-1)

    def current_conflict(self) -> Conflict | None:
        row = self.conflicts.currentRow()
        if self.data is None or not 0 <= row < len(self.data.conflicts):
            return None
        return self.data.conflicts[row]

    def _show_conflict(self, _row: int) -> None:
        conflict = self.current_conflict()
        while self.decision_row.count():
            item = self.decision_row.takeAt(0)
            if item is not None and (widget := item.widget()) is not None:
                widget.deleteLater()
        self.decision_boxes = {}
        self.decide_button.setEnabled(conflict is not None and not self._writer.read_only)
        if conflict is None:
            self.side_by_side.setRowCount(0)
            self.side_by_side.setColumnCount(0)
            return
        authors = sorted(conflict.reviews)
        rubric = sorted(conflict.scores)
        fields = ["Labels", "Note", "Expected", *rubric]
        self.side_by_side.setColumnCount(len(authors))
        self.side_by_side.setHorizontalHeaderLabels(authors)
        self.side_by_side.setRowCount(len(fields))
        self.side_by_side.setVerticalHeaderLabels(fields)
        for column, author in enumerate(authors):
            a = conflict.reviews.get(author)
            values = [
                ", ".join(a.labels) if a else "",
                (a.note or "") if a else "",
                (a.expected or "") if a else "",
                *[_stat(conflict.scores[r].get(author)) for r in rubric],
            ]
            for row, text in enumerate(values):
                self.side_by_side.setItem(row, column, QTableWidgetItem(text))
        self.side_by_side.resizeRowsToContents()
        chosen = set(conflict.settled.labels) if conflict.settled else set(conflict.agreed_labels)
        every = sorted({label for a in conflict.reviews.values() for label in a.labels})
        for label in every:
            box = QCheckBox(label, self)
            box.setChecked(label in chosen)
            self.decision_boxes[label] = box
            self.decision_row.addWidget(box)
        self.decision_note.setText(conflict.settled.note or "" if conflict.settled else "")

    def adjudicate(self) -> None:
        """Save the decision for the conflict shown (an adjudicated annotation)."""
        conflict = self.current_conflict()
        if conflict is None:
            return
        labels = [name for name, box in self.decision_boxes.items() if box.isChecked()]
        settled = decision(conflict, labels, self.author, self.decision_note.text().strip() or None)
        self.status.setText("Saving the decision…")
        self._writer.write(
            lambda cur: stored.save_annotation(cur, settled), self._decided, self.status.setText
        )

    def _decided(self, _saved: object) -> None:
        self.status.setText("Decision saved (on disk).")
        self.changed.emit()
        self.reload()

    def merge_files(self, paths: list[Path]) -> None:
        """Merge reviewers' annotation files (JSONL) into this database."""

        def work(cur: Any) -> str:
            lines = []
            for path in paths:
                outcome = merge_annotations(cur, read_annotations(path), origin=path.name)
                lines.append(
                    f"{path.name}: {outcome.added} added, {outcome.updated} updated, "
                    f"{outcome.unchanged} unchanged"
                )
            return "; ".join(lines)

        self.status.setText("Merging…")
        self._writer.write(work, self._merged, lambda m: self.status.setText(f"Merge failed: {m}"))

    def _merged(self, text: str) -> None:
        self.status.setText(text)
        self.changed.emit()
        self.reload()

    def _choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self, "Merge annotation files", "", "Annotation files (*.jsonl);;All files (*)"
        )
        if names:
            self.merge_files([Path(n) for n in names])

    def _write_mine(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Write annotations to", f"annotations-{self.author}.jsonl", "JSONL (*.jsonl)"
        )
        if not name:
            return
        self._runner.submit(
            "reviewers-write",
            lambda cur: write_annotations(name, stored.list_annotations(cur)),
            lambda n: self.status.setText(f"Wrote {n} annotations to {name}"),
            self.status.setText,
        )
