"""The Review menu and the Annotations tab: how annotating, review queues, reviewers' merge and
agreement, and eval-set export plug into the main window (``install``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QCheckBox, QInputDialog, QMenu, QVBoxLayout, QWidget

from spanscope.cli.annotate import default_author
from spanscope.model.annotation import ReviewQueue
from spanscope.store import annotations as stored
from spanscope.store import review_queues
from spanscope.store.queries import Where
from spanscope.ui.annotation_panel import AnnotationPanel
from spanscope.ui.badges import badge_text
from spanscope.ui.eval_export_dialog import ExportDialog, Scope
from spanscope.ui.review_queue import ReviewWindow
from spanscope.ui.reviewers import ReviewersWindow
from spanscope.ui.settings import app_settings
from spanscope.ui.window_surface import WindowSurface

AUTHOR_KEY = "review/author"


def reviewer_name() -> str:
    """The reviewer's name from the settings, else the login name."""
    return str(app_settings().value(AUTHOR_KEY, "") or default_author())


class AnnotationTab(QWidget):
    """The span detail's Annotations tab: the label panel for the selected span, or for its
    whole trace."""

    def __init__(self, panel: AnnotationPanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.panel = panel
        self.whole_trace = QCheckBox("Annotate the whole trace", self)
        self.whole_trace.toggled.connect(lambda _on: self._reload())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.whole_trace)
        layout.addWidget(panel, 1)
        self.trace_id: str | None = None
        self.span_id = ""

    def show_span(self, trace_id: str, span_id: str) -> None:
        self.trace_id, self.span_id = trace_id, span_id
        self._reload()

    def clear(self) -> None:
        """No span is selected any more: save what was typed, then annotate nothing."""
        if self.panel.dirty:
            self.panel.save()
        self.trace_id, self.span_id = None, ""
        self.panel.clear()

    def _reload(self) -> None:
        if self.trace_id is None:
            return
        if self.panel.dirty:
            self.panel.save()
        self.panel.show_item(self.trace_id, "" if self.whole_trace.isChecked() else self.span_id)


class ReviewFeature:
    """What the Review menu opens; the window holds it as ``features["review"]``."""

    def __init__(self, window: WindowSurface) -> None:
        self.window = window
        self.author = reviewer_name()
        self.writer = window.writes  # the window's one write queue
        self.panel = AnnotationPanel(window.runner, self.writer, self.author)
        self.tab = AnnotationTab(self.panel)
        self.tab_index = window.add_detail_tab(self.tab, "Annotations")
        window.span_changed.connect(self.tab.show_span)
        window.trace_loaded.connect(lambda _n: self.refresh_tree_badges())
        window.trace_cleared.connect(self.tab.clear)  # no span shown: nothing to annotate
        self.panel.saved.connect(lambda *_ids: self.refresh_tree_badges())
        self.panel.failed.connect(window.show_message)
        self.queues: list[ReviewWindow] = []
        self.reviewers: ReviewersWindow | None = None
        self.export_dialog: ExportDialog | None = None

    def refresh_tree_badges(self) -> None:
        """Read the shown trace's annotation badges for the span tree (a small query)."""
        trace_id = self.window.trace_id()
        if trace_id is None:
            return
        self.window.runner.submit(
            "span-tree-badges",
            lambda cur: {
                span_id: badge_text(badge)
                for (_t, span_id), badge in stored.labels_of_trace_spans(cur, trace_id).items()
            },
            lambda badges: self.window.set_tree_badges(trace_id, badges),
        )

    def annotate(self) -> None:
        self.window.show_detail_tab(self.tab_index)
        self.panel.note.setFocus()

    def review_filter(self) -> None:
        """Make a queue of what the list shows (the filter as applied) and open it."""
        applied = self.window.filter
        level = "spans" if self.window.shows == "spans" else "traces"
        name = applied.text or f"all {level}"
        self.create_queue(name, applied.text, level, applied.where(level))

    def review_traces(self, trace_ids: list[str]) -> None:
        if trace_ids:
            where = Where("trace_id IN (SELECT unnest(?))", (list(trace_ids),))
            self.create_queue(f"{len(trace_ids)} chosen traces", "", "traces", where)

    def create_queue(self, name: str, text: str, level: str, where: Where) -> None:
        self.writer.write(
            lambda cur: review_queues.create_queue(cur, name, text, level, where),
            self._queue_made,
            lambda m: self.window.show_message(f"Could not make the queue: {m}"),
        )

    def _queue_made(self, queue: ReviewQueue) -> None:
        if queue.total == 0:
            self.window.show_message("Nothing to review: the filter matches nothing.")
            return
        self.open_queue(queue.queue_id)

    def open_queue(self, queue_id: int) -> ReviewWindow:
        review = ReviewWindow(
            self.window.runner, self.writer, self.author, queue_id, self.window.widget
        )
        review.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        review.panel.failed.connect(self.window.show_message)
        self.queues.append(review)
        review.destroyed.connect(lambda _o=None, r=review: self._forget(r))
        review.show()
        return review

    def _forget(self, review: ReviewWindow) -> None:
        if review in self.queues:
            self.queues.remove(review)

    def choose_queue(self) -> None:
        self.window.runner.submit("review-queues", review_queues.queues, self._choose_from)

    def _choose_from(self, queues: list[ReviewQueue]) -> None:
        if not queues:
            self.window.show_message("No review queues yet: filter, then Review ▸ Review these.")
            return
        names = [
            f"{q.name} — {q.position + 1 if q.position < q.total else q.total} / {q.total} "
            f"({q.done} done, {q.skipped} skipped)"
            for q in queues
        ]
        chosen, ok = QInputDialog.getItem(
            self.window.widget, "Resume a review", "Queue", names, 0, False
        )
        if ok and chosen in names:
            self.open_queue(queues[names.index(chosen)].queue_id)

    def open_reviewers(self) -> ReviewersWindow:
        if self.reviewers is None:
            self.reviewers = ReviewersWindow(
                self.window.runner, self.writer, self.author, self.window.widget
            )
        self.reviewers.show()
        self.reviewers.raise_()
        self.reviewers.reload()
        return self.reviewers

    def open_export(self, scope: Scope | None = None) -> ExportDialog:
        text = self.window.filter.text
        scope = scope or Scope(f"filter “{text}”" if text else "every annotation", text)
        self.export_dialog = ExportDialog(self.window.runner, scope, self.window.widget)
        self.export_dialog.exported.connect(
            lambda outcome: self.window.show_message(
                f"Exported {outcome.records:,} record{'s' if outcome.records != 1 else ''} "
                f"to {outcome.path}"
            )
        )
        self.export_dialog.show()
        return self.export_dialog

    def set_author(self) -> None:
        name, ok = QInputDialog.getText(
            self.window.widget,
            "Reviewer",
            "Your name, saved on every annotation:",
            text=self.author,
        )
        if ok and name.strip():
            self.author = name.strip()
            app_settings().setValue(AUTHOR_KEY, self.author)
            self.panel.author = self.author
            self.tab._reload()

    def shutdown(self) -> None:
        for review in list(self.queues):
            review.close()


def install(window: WindowSurface) -> ReviewFeature:
    """Add the Review menu, the Annotations tab and the list entries to ``window``."""
    feature = ReviewFeature(window)
    menu = window.menu("&Review")
    entries: list[tuple[str, Any, str | None]] = [
        ("&Annotate the selected span", feature.annotate, "Ctrl+Shift+A"),
        ("&Review these (a queue from the filter)", feature.review_filter, "Ctrl+Shift+R"),
        ("Resume a review &queue…", feature.choose_queue, None),
        ("Reviewers, &agreement and conflicts…", feature.open_reviewers, None),
        ("&Export eval set…", feature.open_export, "Ctrl+Shift+X"),
        ("Set reviewer &name…", feature.set_author, None),
    ]
    for text, slot, key in entries:
        action = menu.addAction(text)
        action.triggered.connect(lambda _checked=False, slot=slot: slot())
        if key:
            action.setShortcut(QKeySequence(key))
        if window.db.read_only and slot in (
            feature.annotate,
            feature.review_filter,
            feature.set_author,
        ):
            action.setEnabled(False)

    def trace_entries(menu: QMenu, trace_ids: list[str]) -> None:
        if trace_ids and not window.db.read_only:
            noun = "trace" if len(trace_ids) == 1 else f"{len(trace_ids)} traces"
            menu.addAction(f"Review {noun}…").triggered.connect(
                lambda _c=False: feature.review_traces(trace_ids)
            )

    window.extend_trace_menu(trace_entries)

    def tree_entries(menu: QMenu, trace_id: str, span_id: str | None) -> None:
        if span_id and not window.db.read_only:
            menu.addAction("Annotate this span").triggered.connect(
                lambda _c=False: feature.annotate()
            )

    window.extend_tree_menu(tree_entries)
    return feature
