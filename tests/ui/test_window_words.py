"""What the windows say: traces named by root span and time, not hex ids; tokens and cost so
far from step 1; counts in good grammar; the SQL console's own tables hidden, its run time
shown and its numbers formatted."""

from __future__ import annotations

from PySide6.QtCore import Qt

from spanscope.store import Database
from spanscope.ui.sql_console import INTERNAL_TABLES, SqlConsole, number_text
from spanscope.ui.trace_titles import trace_title


def test_step_through_title_and_first_step_totals(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    trace = (
        window.db.reader()
        .execute("SELECT trace_id FROM traces WHERE span_count > 3 AND llm_count > 0 LIMIT 1")
        .fetchone()[0]
    )  # an agent run: step 1 is its root, before any model call
    steps = window.features["replay"].step_through(trace)
    qtbot.addWidget(steps)
    qtbot.waitUntil(lambda: steps.steps is not None and steps.model.rowCount() > 0, timeout=10000)
    title = steps.windowTitle()
    assert title.startswith("Step through — ") and trace not in title
    root = (
        window.db.reader()
        .execute("SELECT root_name FROM traces WHERE trace_id = ?", [trace])
        .fetchone()[0]
    )
    assert root in title
    assert "tokens so far 0 / 0 · cost so far $0" in steps.header.text()
    assert steps.model.index(0, 6).data() == "0 / 0" and steps.model.index(0, 7).data() == "$0"
    steps.close()
    window.runner.wait()


def test_trace_title_falls_back_to_the_id() -> None:
    assert trace_title([], "abc123") == "abc123"
    spans = [
        {"name": "chat", "parent_span_id": "r", "start_ns": 5},
        {
            "name": "invoke_agent shop",
            "parent_span_id": None,
            "start_ns": 1_764_338_400_000_000_000,
        },
    ]
    assert trace_title(spans).startswith("invoke_agent shop · ")


def test_one_trace_matches(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    trace = window.trace_list.model.trace_id(0)
    window.query_bar.set_text(f"trace:{trace}")
    qtbot.waitUntil(
        lambda: window.count_label.text() == "1 trace matches the filter", timeout=10000
    )


def test_console_hides_internal_tables_times_and_formats(qtbot, demo_db: Database) -> None:
    console = SqlConsole(demo_db)
    qtbot.addWidget(console)
    console.show()
    try:
        listed = {
            console.schema.topLevelItem(i).text(0)
            for i in range(console.schema.topLevelItemCount())
        }
        assert {"spans", "traces", "sources"} <= listed and not listed & INTERNAL_TABLES
        console.editor.setPlainText("SELECT 1234567 AS n, 0.5 AS half, 'x' AS s")
        with qtbot.waitSignal(console.finished, timeout=20000):
            console.run()
        assert console.model.index(0, 0).data() == "1,234,567"
        assert console.model.index(0, 1).data() == "0.5"
        assert console.model.index(0, 0).data(Qt.ItemDataRole.TextAlignmentRole) is not None
        assert console.model.index(0, 2).data(Qt.ItemDataRole.TextAlignmentRole) is None
        assert "1 row · first rows in " in console.status.text()
    finally:
        console.shutdown()


def test_number_text() -> None:
    assert number_text(12) == "12" and number_text(1234.5) == "1,234.5"
    assert number_text(0.000001234) == "1.234e-06" and number_text(2.0) == "2"


def test_step_through_shows_what_is_new_since_the_previous_call(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    trace = (
        window.db.reader()
        .execute("SELECT trace_id FROM traces WHERE llm_count >= 3 ORDER BY trace_id LIMIT 1")
        .fetchone()[0]
    )
    steps = window.features["replay"].step_through(trace)
    qtbot.addWidget(steps)
    qtbot.waitUntil(lambda: steps.steps is not None, timeout=10000)
    llm = [s.index for s in steps.steps.steps if s.span.get("kind") == "llm"]
    with qtbot.waitSignal(steps.detail.loaded, timeout=10000):
        steps.go_to(llm[0])
    assert steps.news.bar.isHidden()  # the first call: everything is new
    steps.go_to(llm[1])
    qtbot.waitUntil(lambda: steps.news.bar.isVisible(), timeout=10000)
    facts = steps.detail.facts
    hidden = steps.news.repeated[facts.span_id]
    assert 0 < hidden <= len(facts.inputs)
    shown = steps.detail.conversation.message_count()
    assert shown == len(facts.inputs) - hidden + len(facts.outputs)
    assert "as in the previous call" in steps.news.note.text()
    steps.news.whole.setChecked(True)
    assert steps.detail.conversation.message_count() == len(facts.inputs) + len(facts.outputs)
    steps.close()
    window.runner.wait()


def test_repeated_prefix() -> None:
    from spanscope.core.prompt_growth import repeated_prefix

    sys_, user = {"role": "system", "content": "s"}, {"role": "user", "content": "q"}
    answer = {"role": "assistant", "content": "a"}
    tool = {"role": "tool", "content": "r", "tool_call_id": "1"}
    assert repeated_prefix([sys_, user, answer], [sys_, user, answer, tool]) == 3
    assert repeated_prefix([sys_, user], [sys_, {"role": "user", "content": "other"}]) == 1
    assert repeated_prefix([], [sys_]) == 0
