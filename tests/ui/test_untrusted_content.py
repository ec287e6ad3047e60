"""Hostile trace text in every view: shown as the text it is, nothing fetched or opened, huge
lines capped for display.

The corpus (``hostile_payloads``) puts HTML with scripts and remote images, ``javascript:`` and
``file:`` links, markdown, ANSI escapes, bidi overrides, zero-width characters and a 10 MB
single line into names, attributes, messages, tool calls, chunks, service, user, model and
tags. Each test opens a view on it and asks ``literal_checks.problems`` for every place that
would interpret the text, plus exact checks of what chosen widgets show.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from literal_checks import CELL_LIMIT, TIP_LIMIT, problems
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from hostile_payloads import (
    ANSI,
    CHUNKS,
    HOSTILE_TRACE,
    HTML,
    LINKS,
    LLM,
    LONG_CHARS,
    LONG_TRACE,
    ROOT,
    TAG_FIRST,
    TOOL,
    long_line,
    write_hostile_otlp,
)
from spanscope.ingest import import_paths
from spanscope.model import ImportStatus
from spanscope.store import Database
from spanscope.ui import display
from spanscope.ui.cost_chart import CostChart

SCHEMES = ("http", "https", "file", "javascript", "ftp", "data", "mailto")


class OpenedUrls(QObject):
    """Receives every QDesktopServices.openUrl of the schemes above instead of the desktop."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open_url(self, url: QUrl) -> None:
        self.urls.append(url.toString())


@pytest.fixture(scope="module")
def hostile_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    source = write_hostile_otlp(folder / "hostile.jsonl")
    path = folder / "hostile.duckdb"
    db = Database.open(path)
    try:
        [result] = list(import_paths(db, [source]))
        assert result.status == ImportStatus.IMPORTED, result.error
    finally:
        db.close()
    return path


@pytest.fixture
def hostile_db(tmp_path: Path, hostile_template: Path) -> Iterator[Database]:
    path = tmp_path / "hostile.duckdb"
    shutil.copy(hostile_template, path)
    db = Database.open(path)
    yield db
    db.close()


@pytest.fixture(autouse=True)
def nothing_leaves(qapp, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Fail a test in which anything was handed to the desktop to open or a socket connected."""
    opened = OpenedUrls()
    for scheme in SCHEMES:
        QDesktopServices.setUrlHandler(scheme, opened, "open_url")  # type: ignore[arg-type]
    connects: list[Any] = []
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        connects.append(address)
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    yield
    for scheme in SCHEMES:
        QDesktopServices.unsetUrlHandler(scheme)
    assert opened.urls == [], f"opened {opened.urls}"
    assert connects == [], f"connected to {connects}"


@pytest.fixture
def hostile_window(qtbot, hostile_db: Database, open_window):  # type: ignore[no-untyped-def]
    window = open_window(hostile_db)
    qtbot.waitUntil(lambda: window.trace_list.model.rowCount() == 2, timeout=20000)
    return window


def literally(shown: str, payload: str) -> bool:
    """``shown`` is ``payload`` itself, or the start of it squeezed onto one line and cut
    with an ellipsis: no character interpreted, dropped or replaced. (An error mark may lead.)"""
    shown = shown.removeprefix("⚠ ")
    if shown == payload:
        return True
    flat = " ".join(payload.split())
    return shown.endswith("…") and len(shown) > 1 and flat.startswith(shown[:-1].rstrip())


def assert_literal(widget) -> None:  # type: ignore[no-untyped-def]
    found = problems(widget)
    assert not found, "\n".join(found)


def trace_row(window, trace_id: str) -> int:  # type: ignore[no-untyped-def]
    model = window.trace_list.model
    return next(r for r in range(model.rowCount()) if model.row_id(r) == trace_id)


def open_trace(qtbot, window, trace_id: str) -> None:  # type: ignore[no-untyped-def]
    tree = window.span_tree
    qtbot.waitUntil(lambda: tree.model.rowCount() > 0, timeout=20000)  # the first trace shown
    if tree.trace_id == trace_id:
        return
    with qtbot.waitSignal(tree.loaded, timeout=20000):
        index = window.trace_list.model.index(trace_row(window, trace_id), 0)
        window.trace_list.view.setCurrentIndex(index)
    assert tree.trace_id == trace_id


def open_span(qtbot, window, span_id: str) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignals(
        [window.span_detail.loaded, window.span_detail.raw.filled], timeout=20000
    ):
        assert window.span_tree.select_span(span_id)


def tree_texts(model, parent=None) -> list[str]:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QModelIndex

    parent = QModelIndex() if parent is None else parent
    out: list[str] = []
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        out.append(index.data())
        out.extend(tree_texts(model, index))
    return out


def test_lists_tree_and_detail_show_hostile_text_literally(qtbot, hostile_window) -> None:  # type: ignore[no-untyped-def]
    window = hostile_window
    model = window.trace_list.model
    row = trace_row(window, HOSTILE_TRACE)
    texts = [model.index(row, c).data() for c in range(model.columnCount())]
    assert any(literally(t, HTML) for t in texts), texts  # the root's name
    open_trace(qtbot, window, HOSTILE_TRACE)
    names = tree_texts(window.span_tree.model)
    for payload in (HTML, LINKS, ANSI, TAG_FIRST):
        assert any(literally(n, payload) for n in names), (payload, names)
    for span_id in (ROOT, LLM, TOOL, CHUNKS):
        open_span(qtbot, window, span_id)
        for tab in range(window.span_detail.tabs.count()):
            window.span_detail.tabs.setCurrentIndex(tab)
            assert_literal(window)
    detail = window.span_detail
    assert detail.title.textFormat() == Qt.TextFormat.PlainText
    assert detail.title.text().startswith(TAG_FIRST)  # the retriever's name, markup and all
    open_span(qtbot, window, LLM)
    assert HTML in detail.conversation.text.toPlainText()
    assert LINKS in detail.conversation.text.toPlainText()
    assert ANSI in detail.conversation.text.toPlainText()
    assert_literal(window)


def test_a_ten_megabyte_line_is_capped_in_every_cell_and_tip(qtbot, hostile_window) -> None:  # type: ignore[no-untyped-def]
    window = hostile_window
    open_trace(qtbot, window, LONG_TRACE)
    for span_id in (ROOT, LLM, TOOL, CHUNKS):
        open_span(qtbot, window, span_id)
        for tab in range(window.span_detail.tabs.count()):
            window.span_detail.tabs.setCurrentIndex(tab)
            assert_literal(window)
    assert len(window.windowTitle()) < 400
    # The raw JSON is highlighted up to its cap only, the rest kept as plain text.
    raw = window.span_detail.raw
    assert not raw.notice.isHidden() and len(raw.text()) < LONG_CHARS


def test_span_list_and_facets_show_hostile_text_literally(qtbot, hostile_window) -> None:  # type: ignore[no-untyped-def]
    window = hostile_window
    window.finder.show_list("spans")
    qtbot.waitUntil(lambda: window.span_list.model.rowCount() == 8, timeout=20000)
    model = window.span_list.model
    cells = [model.index(r, c).data() for r in range(8) for c in range(model.columnCount())]
    assert any(literally(c, LINKS) for c in cells)
    assert all(len(c) <= CELL_LIMIT for c in cells if isinstance(c, str))
    boxes = [window.facets.boxes[f] for f in ("service", "model", "user", "tag")]
    qtbot.waitUntil(lambda: all(b.model.rowCount() for b in boxes), timeout=20000)
    assert_literal(window)


def test_diff_windows_show_hostile_text_literally(qtbot, hostile_window) -> None:  # type: ignore[no-untyped-def]
    window = hostile_window
    diff = window.features["diff"].diff_traces(HOSTILE_TRACE, LONG_TRACE)
    qtbot.waitUntil(lambda: diff.diff is not None, timeout=30000)
    qtbot.waitUntil(lambda: diff.pair.diff is not None, timeout=30000)
    for row in range(len(diff.diff.statuses)):
        diff.select_row(row)
        qtbot.waitUntil(lambda: diff.pair.diff is not None, timeout=30000)
        assert_literal(diff)
    assert len(diff.windowTitle()) < 400


def test_review_queue_shows_hostile_text_literally(qtbot, hostile_window) -> None:  # type: ignore[no-untyped-def]
    window = hostile_window
    feature = window.features["review"]
    feature.review_traces([HOSTILE_TRACE, LONG_TRACE])
    qtbot.waitUntil(lambda: len(feature.queues) == 1, timeout=20000)
    review = feature.queues[0]
    qtbot.waitUntil(lambda: review.progress.text() == "1 / 2", timeout=20000)
    qtbot.waitUntil(lambda: review.panel.data is not None, timeout=20000)
    assert_literal(review)
    review.next_item()
    qtbot.waitUntil(lambda: review.progress.text() == "2 / 2", timeout=20000)
    assert_literal(review)


def test_replay_and_step_through_show_hostile_text_literally(qtbot, hostile_window) -> None:  # type: ignore[no-untyped-def]
    window = hostile_window
    for trace in (HOSTILE_TRACE, LONG_TRACE):
        steps = window.features["replay"].step_through(trace)
        qtbot.addWidget(steps)
        qtbot.waitUntil(lambda s=steps: s.model.rowCount() == 4, timeout=20000)
        for step in range(4):
            steps.scrubber.setValue(step)
            qtbot.waitUntil(lambda s=steps: s.detail.facts is not None, timeout=20000)
            assert_literal(steps)
        assert len(steps.windowTitle()) < 400
        steps.close()
        steps.runner.wait()
        dialog = window.features["replay"].replay_call(trace, LLM)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda d=dialog: d.messages.toPlainText() != "", timeout=20000)
        assert_literal(dialog)


def test_costs_screen_shows_hostile_text_literally(qtbot, hostile_window) -> None:  # type: ignore[no-untyped-def]
    costs = hostile_window.features["costs"].open()
    qtbot.waitUntil(
        lambda: costs.report is not None and costs.totals_label.text() != "Loading…",
        timeout=20000,
    )
    assert_literal(costs)
    shown = [costs.table_model.index(r, 0).data() for r in range(costs.table_model.rowCount())]
    assert any(literally(s, HTML) for s in shown), shown


def test_cost_chart_legend_shows_group_names_as_written(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = CostChart()
    qtbot.addWidget(chart)
    rows = [
        {"day": "2025-11-28", "model": name, "cost_usd": 1.0 + n}
        for n, name in enumerate((HTML, TAG_FIRST, LINKS, long_line(100_000)))
    ]
    chart.show_rows(rows, "day", "model")
    chart.grab()  # painted: the names are drawn as text, never read as HTML
    labels = chart.legend_labels()
    assert len(labels) == 4
    assert all(len(label) < 400 for label in labels)
    assert HTML in labels or any(label.startswith(HTML[:20]) for label in labels)
    assert_literal(chart)


def test_tips_and_cells_are_capped() -> None:
    assert TIP_LIMIT >= 1000 and CELL_LIMIT >= 1000
    assert len(display.one_line("x" * LONG_CHARS)) <= 240
