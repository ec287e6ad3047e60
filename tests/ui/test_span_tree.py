"""The span tree: structure, orphans and cycles, keyboard navigation, next error / LLM call."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from PySide6.QtCore import Qt

from otlp_builder import LLM, RETRIEVER, ROOT, TOOL, agent_trace, document, span, write_json
from spanscope.ingest import import_paths
from spanscope.store import Database
from spanscope.ui.span_forest import build_forest
from spanscope.ui.span_tree_model import SPAN_ID_ROLE, WATERFALL_ROLE, SpanTreeModel

TRACE = "0af7651916cd43dd8448eb211c80319c"


def import_file(db: Database, path: Path) -> None:
    [result] = list(import_paths(db, [path]))
    assert result.status == "imported", result.error


def names(tree, parent=None) -> list[str]:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QModelIndex

    parent = parent or QModelIndex()
    model = tree.model
    return [model.data(model.index(r, 0, parent)) for r in range(model.rowCount(parent))]


def current_span(tree) -> str:  # type: ignore[no-untyped-def]
    return tree.view.currentIndex().data(SPAN_ID_ROLE)


def test_tree_keyboard_and_jumps(
    qtbot, empty_db: Database, open_window, tmp_path: Path, qtmodeltester
) -> None:
    import_file(empty_db, write_json(tmp_path / "agent.json", document(agent_trace())))
    window = open_window(empty_db)
    tree = window.span_tree
    qtbot.waitUntil(lambda: len(tree.model.forest) == 4, timeout=10000)
    qtmodeltester.check(tree.model)
    assert names(tree) == ["invoke_agent support"]
    root = tree.model.index(0, 0)
    assert names(tree, root) == ["retrieval kb", "chat gpt-4o"]
    chat = tree.model.index(1, 0, root)
    assert names(tree, chat) == ["⚠ execute_tool search_kb"]
    assert tree.model.index(0, 0, chat).data(Qt.ItemDataRole.ForegroundRole) is not None  # red
    offset, width, kind, error = tree.model.index(0, 5, chat).data(WATERFALL_ROLE)
    assert 0 < offset < 1 and 0 < width < 1 and (kind, error) == ("tool", True)

    qtbot.waitUntil(lambda: current_span(tree) == ROOT)  # the root is selected on load
    view = tree.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert current_span(tree) == RETRIEVER
    qtbot.waitUntil(
        lambda: (
            window.span_detail.facts is not None and window.span_detail.facts.span_id == RETRIEVER
        ),
        timeout=10000,
    )
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert current_span(tree) == LLM
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert not view.isExpanded(view.currentIndex())
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.isExpanded(view.currentIndex())
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert current_span(tree) == RETRIEVER

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(view, Qt.Key.Key_F8)  # next error
    assert current_span(tree) == TOOL
    qtbot.waitUntil(
        lambda: window.span_detail.facts is not None and window.span_detail.facts.span_id == TOOL,
        timeout=10000,
    )
    assert "timeout" in window.span_detail.error.text()
    qtbot.keyClick(view, Qt.Key.Key_F9)  # next LLM call, wrapping around to the only one
    assert current_span(tree) == LLM
    qtbot.keyClick(view, Qt.Key.Key_F8, Qt.KeyboardModifier.ShiftModifier)  # previous error
    assert current_span(tree) == TOOL
    tree.next_llm_action.trigger()
    assert current_span(tree) == LLM
    with qtbot.waitSignal(tree.span_opened):
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert tree.next_error_action.shortcut().toString() == "F8"
    assert tree.next_llm_action.shortcut().toString() == "F9"
    window.runner.wait()


def test_orphans_become_roots_and_cycles_are_cut_at_the_earliest_span(qtmodeltester) -> None:
    spans = [  # span_id, parent, start (in start order, as trace_spans returns them)
        ("a", None, 0),
        ("b", "c", 10),
        ("c", "d", 20),
        ("d", "b", 30),
        ("e", "zz", 40),
        ("f", "a", 50),
        ("g", "g", 60),
    ]
    table = pa.table(
        {
            "span_id": [s[0] for s in spans],
            "parent_span_id": [s[1] for s in spans],
            "name": [s[0] for s in spans],
            "kind": ["agent"] * len(spans),
            "start_ns": [s[2] for s in spans],
            "end_ns": [s[2] + 5 for s in spans],
            "duration_ns": [5] * len(spans),
            "status": ["ok"] * len(spans),
        }
    )
    forest = build_forest(table)
    roots = [forest.value(n, "span_id") for n in forest.roots]
    assert roots == ["a", "b", "e", "g"]  # b is the earliest of the cycle b → c → d → b
    assert len(forest) == len(spans)
    b = forest.roots[1]
    assert forest.cut[b] and forest.orphan[forest.roots[2]]
    assert [forest.value(n, "span_id") for n in forest.children[b]] == ["d"]
    model = SpanTreeModel()
    model.set_forest(forest)
    qtmodeltester.check(model)


def test_a_large_trace_opens_without_hanging(
    qtbot, empty_db: Database, open_window, tmp_path: Path
) -> None:
    root = "1" * 16
    spans = [span(TRACE, root, "root", duration_ms=10_000)]
    spans += [
        span(
            TRACE,
            f"{i:016x}",
            f"step {i}",
            parent=root if i % 2 else f"{i + 1:016x}",
            start=i,
            duration_ms=5,
        )
        for i in range(2, 3002)
    ]
    import_file(empty_db, write_json(tmp_path / "big.json", document(spans)))
    window = open_window(empty_db)
    qtbot.waitUntil(lambda: len(window.span_tree.model.forest) == 3001, timeout=20000)
    assert window.span_tree.model.rowCount() >= 1
    window.runner.wait()
