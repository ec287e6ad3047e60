"""The span tree's timeline driven with the mouse and keys: ruler, hover, zoom to a span and to
a dragged range and back, gaps, the critical path, full names, the minimap."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtWidgets import QApplication

from otlp_builder import document, span, write_json
from spanscope.ingest import import_paths
from spanscope.store import Database
from spanscope.ui.span_tree_model import WATERFALL
from spanscope.ui.timeline import TIMING_ROLE

TRACE = "5a1b2c3d4e5f60718293a4b5c6d7e8f9"
MS = 1_000_000
LONG = "retrieve_documents_from_the_refund_policy_knowledge_base_with_reranking"


def _trace(tmp_path: Path, extra: int = 0) -> Path:
    spans = [
        span(TRACE, "0" * 15 + "1", "invoke_agent support", duration_ms=1000),
        span(TRACE, "0" * 15 + "2", "chat gpt-4o", parent="0" * 15 + "1", duration_ms=400),
        span(TRACE, "0" * 15 + "3", LONG, parent="0" * 15 + "2", start=100, duration_ms=200),
        span(
            TRACE,
            "0" * 15 + "4",
            "execute_tool lookup",
            parent="0" * 15 + "1",
            start=700,
            duration_ms=300,
        ),
        span(TRACE, "0" * 15 + "5", "guardrail", parent="0" * 15 + "1", start=50, duration_ms=100),
    ]
    spans += [
        span(
            TRACE,
            f"{100 + i:016x}",
            f"step {i}",
            parent="0" * 15 + "4",
            start=700 + i,
            duration_ms=1,
        )
        for i in range(extra)
    ]
    return write_json(tmp_path / "t.json", document(spans))


def _open(qtbot, db: Database, open_window, path: Path, count: int):  # type: ignore[no-untyped-def]
    [result] = list(import_paths(db, [path]))
    assert result.status == "imported", result.error
    window = open_window(db)
    tree = window.span_tree
    qtbot.waitUntil(lambda: len(tree.model.forest) == count, timeout=10000)
    return window, tree


def _row(tree, name: str) -> QModelIndex:  # type: ignore[no-untyped-def]
    f = tree.model.forest
    node = next(n for n in range(len(f)) if f.value(n, "name") == name)
    return tree.model.index_of(node, WATERFALL)


def test_hover_ruler_gaps_and_critical_path(
    qtbot, empty_db: Database, open_window, tmp_path: Path
) -> None:
    window, tree = _open(qtbot, empty_db, open_window, _trace(tmp_path), 5)
    root = _row(tree, "invoke_agent support")
    tip = root.data(Qt.ItemDataRole.ToolTipRole)
    assert "Duration 1.00 s" in tip and "self time 300 ms" in tip and "critical path" in tip
    (start, end), critical, _kind, _error = _row(tree, LONG).data(TIMING_ROLE)
    assert (start, end, critical) == (100 * MS, 300 * MS, True)  # the chat waited on it
    assert _row(tree, "guardrail").data(TIMING_ROLE)[1] is False  # ran alongside the chat
    assert _row(tree, "execute_tool lookup").data(TIMING_ROLE)[1] is True
    assert [(g.start, g.end) for g in tree.time_window.gaps] == [(400 * MS, 700 * MS)]
    tree.ruler.viewport().grab()  # paint: the ruler ticks for the width it has
    labels = [label for _, label in tree.ruler.labels]
    assert labels[0] == "0" and len(labels) >= 3
    assert all(label.endswith(" s") for label in labels[1:])
    assert tree.timeline_delegate.tick_times == [t for t, _ in tree.ruler.labels]
    name_tip = tree.model.index_of(tree.model.node(_row(tree, LONG)), 0).data(
        Qt.ItemDataRole.ToolTipRole
    )
    assert LONG in name_tip
    # the name column made room for the long name (under the cap)
    assert tree.view.columnWidth(0) >= min(
        tree.view.sizeHintForColumn(0), int(tree.view.viewport().width() * 0.45)
    )
    assert tree.minimap.isHidden()  # five spans fit on screen whole


def test_zoom_to_a_span_to_a_range_and_back(
    qtbot, empty_db: Database, open_window, tmp_path: Path
) -> None:
    window, tree = _open(qtbot, empty_db, open_window, _trace(tmp_path), 5)
    view, tw = tree.view, tree.time_window
    assert not tw.zoomed and not tree.whole_trace_action.isEnabled()
    rect = view.visualRect(_row(tree, "execute_tool lookup"))
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert tw.zoomed and tree.whole_trace_action.isEnabled()
    assert tw.lo <= 700 * MS < 1000 * MS <= tw.hi and tw.hi - tw.lo < 400 * MS
    view.setFocus()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert (tw.lo, tw.hi) == (0, 1000 * MS)

    # drag across the first quarter of the waterfall
    left = view.header().sectionViewportPosition(WATERFALL) + 3
    width = view.header().sectionSize(WATERFALL) - 6
    y = rect.center().y()
    a, b = QPoint(left + 2, y), QPoint(left + width // 4, y)
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(view.viewport(), pos=QPoint(a.x() + 20, y))
    qtbot.mouseMove(view.viewport(), pos=b)
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=b)
    assert tw.zoomed and tw.lo < 50 * MS and 200 * MS < tw.hi < 300 * MS  # a quarter of 1 s
    tree.whole_trace_action.trigger()
    assert not tw.zoomed


def test_long_traces_get_a_minimap_that_moves_the_view(
    qtbot, empty_db: Database, open_window, tmp_path: Path
) -> None:
    window, tree = _open(qtbot, empty_db, open_window, _trace(tmp_path, extra=60), 65)
    assert not tree.minimap.isHidden()
    tw = tree.time_window
    tw.zoom_to(0, 100 * MS)
    mini = tree.minimap
    qtbot.mouseClick(mini, Qt.MouseButton.LeftButton, pos=QPoint(mini.width() * 3 // 4, 10))
    assert tw.hi - tw.lo == 100 * MS and tw.lo > 500 * MS  # moved, same zoom
    mini.grab()  # paints density, gaps and the window without error
