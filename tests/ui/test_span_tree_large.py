"""A 10,000-span trace (agent runs reach that) opens, navigates and paints without stalling."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt

from otlp_builder import document, span, write_json
from spanscope.ingest import import_paths
from spanscope.store import Database
from spanscope.ui.span_tree_model import SPAN_ID_ROLE

TRACE = "7d3c0a5e9b1f4c2aa8e6d0b3c5f7a9e1"
SPANS = 10_000


def agent_run(trace: str, count: int) -> list[dict]:
    """An agent looping: steps under the root, each an llm call and a few tool calls; every
    97th tool call fails."""
    root = "f" * 16
    spans = [span(trace, root, "invoke_agent looper", duration_ms=count * 2)]
    n, step = 1, 0
    while n < count:
        step_id = f"{n:016x}"
        spans.append(span(trace, step_id, f"step {step}", parent=root, start=n, duration_ms=6))
        n += 1
        for child in range(4):
            if n >= count:
                break
            is_llm = child == 0
            attrs = (
                {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"}
                if is_llm
                else {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search"}
            )
            failed = not is_llm and n % 97 == 0
            spans.append(
                span(
                    trace,
                    f"{n:016x}",
                    "chat gpt-4o" if is_llm else "execute_tool search",
                    parent=step_id,
                    start=n,
                    duration_ms=1,
                    attributes=attrs,
                    status=2 if failed else None,
                    message="boom" if failed else None,
                )
            )
            n += 1
        step += 1
    return spans


def test_a_ten_thousand_span_trace_is_fluid(
    qtbot, empty_db: Database, open_window, tmp_path: Path
) -> None:
    spans = agent_run(TRACE, SPANS)
    [result] = list(import_paths(empty_db, [write_json(tmp_path / "big.json", document(spans))]))
    assert result.status == "imported", result.error
    window = open_window(empty_db)
    tree = window.span_tree
    qtbot.waitUntil(lambda: len(tree.model.forest) == SPANS, timeout=30000)
    model, view = tree.model, tree.view
    # The model is an adapter over the forest's lists: indexes carry node numbers and nothing
    # is made per row beyond what the forest holds. Badges are kept for annotated spans only.
    held = [k for k, v in vars(model).items() if isinstance(v, (list, dict, tuple, set))]
    assert held == ["badges"] and model.badges == {}
    root = model.index(0, 0)
    assert model.rowCount(root) == 2000  # the steps

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    view.setFocus()
    started = time.perf_counter()
    qtbot.keyClick(view, Qt.Key.Key_F8)  # next error, deep in the tree
    first_error = view.currentIndex().data(SPAN_ID_ROLE)
    assert tree.model.forest.value(tree.model.node(view.currentIndex()), "status") == "error"
    qtbot.keyClick(view, Qt.Key.Key_F8)
    assert view.currentIndex().data(SPAN_ID_ROLE) != first_error
    qtbot.keyClick(view, Qt.Key.Key_End)
    qtbot.keyClick(view, Qt.Key.Key_Left)
    qtbot.keyClick(view, Qt.Key.Key_Home)
    qtbot.keyClick(view, Qt.Key.Key_Down)
    view.viewport().grab()  # paints the visible rows, the waterfall among them
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"navigating a 10,000-span tree took {elapsed:.2f} s"
    window.runner.wait()
