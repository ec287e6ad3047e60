"""Step-through in the window: keys, scrubber, jump to the first failure, the step's detail."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from otlp_builder import LLM, RETRIEVER, ROOT, TOOL, TRACE, agent_trace, document, write_json
from spanscope.ingest import import_paths
from spanscope.store import Database


def _import(db: Database, tmp_path: Path) -> None:
    [result] = list(import_paths(db, [write_json(tmp_path / "a.json", document(agent_trace()))]))
    assert result.status == "imported"


def test_step_through_with_keys_scrubber_and_failure_jump(
    qtbot, qtmodeltester, empty_db: Database, open_window, tmp_path: Path
) -> None:
    _import(empty_db, tmp_path)
    window = open_window(empty_db)
    qtbot.waitUntil(lambda: window.span_tree.trace_id == TRACE, timeout=10000)
    steps = window.features["replay"].step_through(TRACE)
    qtbot.addWidget(steps)
    qtbot.waitUntil(lambda: steps.model.rowCount() == 4, timeout=10000)
    qtmodeltester.check(steps.model)
    assert steps.current == 0 and "Step 1 of 4" in steps.header.text()
    assert steps.model.index(3, 5).data() == "tool failed: timeout after 30ms"

    with qtbot.waitSignal(steps.detail.loaded, timeout=10000):
        qtbot.keyClick(steps.table, Qt.Key.Key_Right)
    assert steps.current == 1 and steps.detail.facts.span_id == RETRIEVER
    with qtbot.waitSignal(steps.detail.loaded, timeout=10000) as loaded:
        qtbot.keyClick(steps.table, Qt.Key.Key_N)
    assert loaded.args == [LLM]
    # The conversation as it was sent in that call, and the tokens spent by then.
    assert "What is your refund policy?" in steps.detail.conversation.text.toPlainText()
    assert "tokens so far 1,200 / 80" in steps.header.text()
    assert steps.replay_button.isEnabled()
    assert not steps.failure.isVisible()

    qtbot.keyClick(steps.table, Qt.Key.Key_F)
    assert steps.current == 3 and steps.failure.text() == "tool failed: timeout after 30ms"
    assert steps.failure.isVisible() and not steps.replay_button.isEnabled()
    qtbot.keyClick(steps.table, Qt.Key.Key_Left)
    assert steps.current == 2
    qtbot.keyClick(steps.table, Qt.Key.Key_Home)
    assert steps.current == 0 and steps.table.currentIndex().row() == 0
    steps.scrubber.setValue(3)
    assert steps.current == 3 and steps.detail is not None
    assert not steps.next()  # already at the last step
    steps.close()
    steps.runner.wait()


def test_step_through_opens_at_the_span_from_the_tree_menu(
    qtbot, empty_db: Database, open_window, tmp_path: Path
) -> None:
    _import(empty_db, tmp_path)
    window = open_window(empty_db)
    tree = window.span_tree
    qtbot.waitUntil(lambda: len(tree.model.forest) == 4, timeout=10000)
    menu = QMenu()
    window.features["replay"].tree_menu(menu, TRACE, LLM)
    entries = {a.text(): a for a in menu.actions() if a.text()}
    assert entries["Replay call…"].isEnabled()
    menu_on_tool = QMenu()
    window.features["replay"].tree_menu(menu_on_tool, TRACE, TOOL)
    assert not {a.text(): a for a in menu_on_tool.actions()}["Replay call…"].isEnabled()

    entries["Step through from here"].trigger()
    steps = window.features["replay"].opened[-1]
    qtbot.addWidget(steps)
    qtbot.waitUntil(lambda: steps.current == 2, timeout=10000)
    assert steps.steps.steps[0].span_id == ROOT
    steps.close()
    steps.runner.wait()
