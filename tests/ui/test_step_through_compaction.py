"""Step-through of an agent trajectory whose context was compacted: the model call after the
compaction shows the context it really had, and the subagent's call is a step of its own."""

from __future__ import annotations

import os
from pathlib import Path

from spanscope.ingest import import_paths
from spanscope.store import Database

TRAJECTORY = Path(__file__).parents[1] / "fixtures" / "atif"
TRACE = "run-v17-001"


def test_the_call_after_a_compaction_shows_the_compacted_context(
    qtbot, empty_db: Database, open_window
) -> None:
    [result] = list(
        import_paths(empty_db, [TRAJECTORY / "phoenix-atif-fixture_v17_embedded_subagents.json"])
    )
    assert result.status == "imported", result.error
    window = open_window(empty_db)
    qtbot.waitUntil(lambda: window.span_tree.trace_id == TRACE, timeout=10000)
    steps = window.features["replay"].step_through(TRACE)
    qtbot.addWidget(steps)
    steps.resize(1400, 900)
    steps.show()
    # the agent, the dispatch, its tool call, the subagent and its model call, the compaction,
    # the last call
    qtbot.waitUntil(lambda: steps.model.rowCount() == 7, timeout=10000)
    names = [steps.model.index(r, 2).data().strip() for r in range(steps.model.rowCount())]
    last = max(r for r, n in enumerate(names) if n == "chat gpt-4.1")
    with qtbot.waitSignal(steps.detail.loaded, timeout=10000):
        steps.go_to(last)
    seen = steps.detail.conversation.text.toPlainText()
    assert "Compacted context: the user asked for ATIF v1.7 support" in seen
    assert "Research current ATIF v1.7 support." not in seen  # compacted away
    assert "chat gpt-4.1-mini" in names  # the subagent's call is a step too
    shots = os.environ.get("SPANSCOPE_SHOTS")
    if shots:
        steps.grab().save(str(Path(shots) / "step-through-after-compaction.png"))
    steps.close()
    steps.runner.wait()
