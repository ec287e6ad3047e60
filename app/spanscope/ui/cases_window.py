"""Cases in the window: the Cases window (cases, what each collected, its timeline of notes),
"Add to case" on the trace list and span tree, and File ▸ Open case… (a case file opened in a
read-only window of its own, or imported into this database).

Reads run in the window's runner; writes one at a time off the UI thread (the annotation
writer's serial queue); opening a case file runs in a worker too.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from spanscope import paths
from spanscope.core import case_report
from spanscope.core.case_export import export_case, open_case, open_case_alone
from spanscope.core.case_file import SUFFIX
from spanscope.store import Database
from spanscope.store import cases as stored
from spanscope.store.cases import CaseItem, CaseNote
from spanscope.ui import keyboard
from spanscope.ui.review_menu import reviewer_name
from spanscope.ui.secret_masking import current_redactor
from spanscope.ui.window_surface import WindowSurface

CASE_FILES = f"Case files (*{SUFFIX});;All files (*)"


class CasesWindow(QWidget):
    """The cases of the database: pick one to see what it collected and its timeline."""

    def __init__(self, feature: CaseFeature) -> None:
        super().__init__(feature.surface.widget, Qt.WindowType.Window)
        self.feature = feature
        self.setWindowTitle("Cases")
        self.resize(900, 560)
        self.case_list = QListWidget(self)
        self.items = QListWidget(self)
        self.notes = QListWidget(self)
        self.note_edit = QLineEdit(self)
        self.note_edit.setPlaceholderText("A finding for the timeline, then Enter")
        self.note_edit.returnPressed.connect(self.add_note)
        self.status = QLabel(self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QHBoxLayout()
        for text, slot in (
            ("New case…", feature.new_case),
            ("Export case file…", self.export),
            ("Write report…", self.report),
        ):
            button = QPushButton(text, self)
            button.clicked.connect(lambda _c=False, slot=slot: slot())
            buttons.addWidget(button)
        buttons.addStretch(1)
        right = QWidget(self)
        column = QVBoxLayout(right)
        column.addWidget(QLabel("Collected traces and spans", right))
        column.addWidget(self.items, 1)
        column.addWidget(QLabel("Timeline", right))
        column.addWidget(self.notes, 2)
        column.addWidget(self.note_edit)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.case_list)
        split.addWidget(right)
        split.setSizes([300, 600])
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)
        self.note_edit.setEnabled(not feature.surface.db.read_only)
        self.case_list.currentItemChanged.connect(lambda *_: self.show_case())
        self.items.itemActivated.connect(self._go_to)
        keyboard.close_on_escape(self)

    def chosen(self) -> str | None:
        item = self.case_list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def show_cases(self, found: list[stored.CaseSummary]) -> None:
        keep = self.chosen()
        self.case_list.clear()
        for c in found:
            item = QListWidgetItem(
                f"{c.name}\n{c.traces} traces · {c.spans} spans · {c.notes} notes · "
                f"{c.annotations} annotations"
            )
            item.setData(Qt.ItemDataRole.UserRole, c.name)
            self.case_list.addItem(item)
            if c.name == keep or (keep is None and self.case_list.count() == 1):
                self.case_list.setCurrentItem(item)
        if not found:
            self.status.setText("No cases yet: New case…, or Add to case on a trace or span.")

    def show_case(self) -> None:
        name = self.chosen()
        if name is None:
            return

        def read(cur: Any) -> tuple[list[CaseItem], list[CaseNote]]:
            case_id = stored.require_case(cur, name)
            return stored.case_items(cur, case_id), stored.case_notes(cur, case_id)

        self.feature.surface.runner.submit("case-detail", read, self._fill, self.status.setText)

    def _fill(self, found: tuple[list[CaseItem], list[CaseNote]]) -> None:
        items, notes = found
        self.items.clear()
        for i in items:
            what = f"span {i.span_id} of trace {i.trace_id}" if i.span_id else f"trace {i.trace_id}"
            entry = QListWidgetItem(f"{what}  (from {i.added_from or '?'})")
            entry.setData(Qt.ItemDataRole.UserRole, (i.trace_id, i.span_id))
            self.items.addItem(entry)
        self.notes.clear()
        for n in notes:
            spans = f"  → {', '.join(n.span_ids)}" if n.span_ids else ""
            self.notes.addItem(f"{n.noted_at:%Y-%m-%d %H:%M}  {n.author}: {n.text}{spans}")

    def _go_to(self, item: QListWidgetItem) -> None:
        trace_id, span_id = item.data(Qt.ItemDataRole.UserRole)
        self.feature.surface.show_trace(trace_id, span_id or None)

    def add_note(self) -> None:
        name, text = self.chosen(), self.note_edit.text().strip()
        if name is None or not text:
            return
        span = self.feature.surface.span_id()
        self.feature.add_note(name, text, (span,) if span else ())
        self.note_edit.clear()

    def export(self) -> None:
        name = self.chosen()
        if name is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export case", f"{name}{SUFFIX}", CASE_FILES)
        if path:
            self.feature.export(name, Path(path))

    def report(self) -> None:
        name = self.chosen()
        if name is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Write report", f"{name}.html", "HTML (*.html);;Markdown (*.md)"
        )
        if path:
            self.feature.report(name, Path(path))


class CaseFeature:
    """What the Cases menu opens, kept as ``window.features["cases"]``."""

    def __init__(self, surface: WindowSurface) -> None:
        self.surface = surface
        self.names: list[str] = []
        self.view: CasesWindow | None = None
        # each case file opened read-only: its window, as its features see it, and its database
        self.read_only_windows: list[tuple[WindowSurface, Database]] = []
        self.refresh()

    # -- reading -------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.surface.runner.submit(
            "cases", stored.list_cases, self._listed, self.surface.show_message
        )

    def _listed(self, found: list[stored.CaseSummary]) -> None:
        self.names = [c.name for c in found]
        if self.view is not None:
            self.view.show_cases(found)
            self.view.show_case()

    def show(self) -> None:
        if self.view is None:
            self.view = CasesWindow(self)
        self.view.show()
        self.view.raise_()
        self.refresh()

    # -- writing -------------------------------------------------------------------------------

    def _write(self, work: Any, done_text: str) -> None:
        def finished(_result: Any) -> None:
            self.surface.show_message(done_text)
            self.refresh()

        self.surface.writes.write(work, finished, self.surface.show_message)

    def new_case(self, items: list[CaseItem] | None = None) -> None:
        name, ok = QInputDialog.getText(self.surface.widget, "New case", "Name of the case:")
        if not ok or not name.strip():
            return
        author, chosen = reviewer_name(), list(items or [])
        applied = self.surface.filter.text  # the filter as applied, not the text being typed

        def work(cur: Any) -> None:
            def create() -> None:
                case_id = stored.create_case(cur, name, author=author, origin="app")
                stored.add_items(cur, case_id, chosen)
                text = applied
                if text:
                    stored.add_ref(cur, case_id, "filter", text)

            stored.in_transaction(cur, create)

        self._write(work, f"Case {name.strip()!r} created")

    def add_to_case(self, name: str, items: list[CaseItem]) -> None:
        def work(cur: Any) -> int:
            case_id = stored.require_case(cur, name)
            return stored.in_transaction(cur, lambda: stored.add_items(cur, case_id, items))

        self._write(work, f"Added to case {name!r}")

    def add_note(self, name: str, text: str, span_ids: tuple[str, ...]) -> None:
        note = CaseNote(datetime.now(UTC), text, span_ids, reviewer_name())

        def work(cur: Any) -> bool:
            case_id = stored.require_case(cur, name)
            return stored.in_transaction(cur, lambda: stored.add_note(cur, case_id, note))

        self._write(work, f"Noted on case {name!r}")

    def export(self, name: str, path: Path) -> None:
        def work(cur: Any) -> str:
            # File ▸ "Mask keys and tokens in copies and exports" decides, as for every export.
            redactor = current_redactor()
            outcome = export_case(cur, name, path, created_by=reviewer_name(), redactor=redactor)
            masked = ", ".join(f"{k} {v}" for k, v in sorted(outcome.masked.items()))
            shown = (
                "nothing masked (masking is off)"
                if redactor is None
                else (f"masked: {masked or 'nothing found'}")
            )
            return f"Wrote {path.name}: {outcome.traces} traces, {outcome.spans} spans; {shown}"

        self.surface.runner.submit("case-export", work, self.surface.show_message,
                                  self.surface.show_message)  # fmt: skip

    def report(self, name: str, path: Path) -> None:
        def work(cur: Any) -> str:
            report = case_report.build(cur, name, current_redactor())
            markdown = path.suffix.lower() == ".md"
            text = case_report.markdown(report) if markdown else case_report.html_page(report)
            case_report.write(text, path)
            return f"Wrote the report {path.name}"

        self.surface.runner.submit("case-report", work, self.surface.show_message,
                                  self.surface.show_message)  # fmt: skip

    # -- opening case files --------------------------------------------------------------------

    def choose_case_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.surface.widget, "Open case", "", CASE_FILES)
        if path:
            self.open_read_only(Path(path))

    def choose_case_to_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.surface.widget, "Import case into this database", "", CASE_FILES
        )
        if path:
            self.import_case(Path(path))

    def import_case(self, path: Path) -> None:
        def done(outcome: Any) -> None:
            self.surface.show_message(
                f"Opened case {outcome.case!r}: {outcome.spans_added} spans, "
                f"{outcome.notes_added} notes, {outcome.annotations_added} annotations added"
            )
            self.refresh()
            self.surface.reload()

        self.surface.writes.write(lambda cur: open_case(cur, path), done, self.surface.show_message)

    def open_read_only(self, path: Path) -> None:
        """Import the case file into a database of its own, then show that read-only in a
        window of its own: nothing of the case touches this database."""
        digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
        target = paths.temp_dir() / "cases" / f"{path.stem}-{digest}.duckdb"

        def work() -> Path:
            return open_case_alone(path, target, paths.temp_dir())

        self.surface.runner.compute("case-open", work, self._show_read_only,
                                   self.surface.show_message)  # fmt: skip

    def _show_read_only(self, target: Path) -> None:
        db = Database.open(target, read_only=True)
        other = self.surface.open_window(db)
        cases = other.feature("cases")
        if isinstance(cases, CaseFeature):
            cases.show()
        other.widget.show()
        self.read_only_windows.append((other, db))

    def shutdown(self) -> None:
        for other, db in self.read_only_windows:
            other.close()
            db.close()
            # the database a case file was opened into is a throwaway copy of the file
            db.path.unlink(missing_ok=True)
            db.path.with_name(db.path.name + ".wal").unlink(missing_ok=True)
        self.read_only_windows.clear()
        if self.view is not None:
            self.view.close()

    # -- context menus -------------------------------------------------------------------------

    def extend_menu(self, menu: QMenu, items: list[CaseItem]) -> None:
        if not items or self.surface.db.read_only:
            return
        sub = menu.addMenu("Add to case")
        for name in self.names:
            sub.addAction(name).triggered.connect(
                lambda _c=False, name=name: self.add_to_case(name, items)
            )
        if self.names:
            sub.addSeparator()
        sub.addAction("New case…").triggered.connect(lambda _c=False: self.new_case(items))


def install(surface: WindowSurface) -> CaseFeature:
    """Add the Cases menu, File ▸ Open case…, and "Add to case" on the trace list, span list
    and span tree."""
    feature = CaseFeature(surface)
    read_only = surface.db.read_only
    file_menu = surface.menu("&File")
    menu = surface.menu("C&ases")
    show = menu.addAction("&Cases…")
    show.setShortcut(QKeySequence("Ctrl+Shift+C"))
    show.triggered.connect(lambda _c=False: feature.show())
    new = menu.addAction("&New case…")
    new.triggered.connect(lambda _c=False: feature.new_case())
    new.setEnabled(not read_only)
    for target in (menu, file_menu):
        opener = target.addAction("Open &case… (read-only)")
        opener.triggered.connect(lambda _c=False: feature.choose_case_file())
    into = menu.addAction("&Import a case into this database…")
    into.triggered.connect(lambda _c=False: feature.choose_case_to_import())
    into.setEnabled(not read_only)

    surface.extend_trace_menu(
        lambda m, ids: feature.extend_menu(m, [CaseItem(t, "", "trace list") for t in ids])
    )
    surface.extend_span_menu(
        lambda m, _ids: feature.extend_menu(
            m, [CaseItem(t, s, "span list") for t, s in surface.selected_spans()]
        )
    )
    surface.extend_tree_menu(
        lambda m, trace_id, span_id: feature.extend_menu(
            m, [CaseItem(trace_id, span_id or "", "span tree")]
        )
    )
    return feature
