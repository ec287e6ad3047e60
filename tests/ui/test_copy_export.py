"""The span tree's context menu actions: copy a span as JSON or Markdown, export the trace."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu

from otlp_builder import LLM, ROOT, TRACE, agent_trace, document, write_json
from spanscope.ingest import import_paths
from spanscope.store import Database


def test_copy_a_span_and_export_its_trace(
    qtbot, empty_db: Database, open_window, tmp_path: Path
) -> None:
    [result] = list(
        import_paths(empty_db, [write_json(tmp_path / "a.json", document(agent_trace()))])
    )
    assert result.status == "imported"
    window = open_window(empty_db)
    tree = window.span_tree
    qtbot.waitUntil(lambda: len(tree.model.forest) == 4, timeout=10000)
    assert tree.select_span(LLM)
    with qtbot.waitSignal(tree.copied, timeout=10000) as copied:
        tree.copy_span("json")
    as_json = json.loads(copied.args[0])
    assert as_json["span_id"] == LLM and as_json["attributes"]["gen_ai.request.model"] == "gpt-4o"
    assert QGuiApplication.clipboard().text() == copied.args[0]
    with qtbot.waitSignal(tree.copied, timeout=10000) as copied:
        tree.copy_span("markdown")
    markdown = copied.args[0]
    assert "### user" in markdown and "What is your refund policy?" in markdown
    assert "Tool call `search\\_kb`" in markdown
    with qtbot.waitSignal(tree.exported, timeout=10000) as exported:
        tree.export_trace_to(tmp_path / "out.json")
    doc = json.loads(Path(exported.args[0]).read_text(encoding="utf-8"))
    spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
    assert {s["traceId"] for s in spans} == {TRACE} and len(spans) == 4
    window.runner.wait()


def test_the_trace_list_copies_and_exports_whole_traces(
    qtbot, empty_db: Database, open_window, tmp_path: Path
) -> None:
    other = "f" * 32
    [result] = list(
        import_paths(
            empty_db,
            [
                write_json(
                    tmp_path / "a.json",
                    document(agent_trace() + agent_trace(other)),
                )
            ],
        )
    )
    assert result.status == "imported"
    window = open_window(empty_db)
    traces = window.trace_list
    qtbot.waitUntil(lambda: traces.model.rowCount() == 2, timeout=10000)
    traces.view.selectAll()
    assert set(traces.selected_ids()) == {TRACE, other}

    menu = QMenu()
    traces.add_own_actions(menu, traces.selected_ids())
    entries = {a.text(): a.isEnabled() for a in menu.actions()}
    # Copy is about one trace; export takes every selected trace.
    assert entries == {
        "Copy trace as JSON": False,
        "Copy trace as Markdown": False,
        "Export 2 traces as OTLP JSON…": True,
    }

    actions = traces.trace_actions
    with qtbot.waitSignal(actions.copied, timeout=10000) as copied:
        actions.copy_trace(TRACE, "markdown")
    markdown = copied.args[0]
    assert markdown.startswith(f"# Trace {TRACE}") and "4 spans" in markdown
    assert "What is your refund policy?" in markdown and f"**parent**: {ROOT}" in markdown
    with qtbot.waitSignal(actions.copied, timeout=10000) as copied:
        actions.copy_trace(TRACE, "json")
    as_json = json.loads(copied.args[0])
    assert as_json["trace_id"] == TRACE and {s["span_id"] for s in as_json["spans"]} >= {LLM}

    with qtbot.waitSignal(actions.exported, timeout=10000) as exported:
        actions.export_to(traces.selected_ids(), tmp_path / "both.json")
    doc = json.loads(Path(exported.args[0]).read_text(encoding="utf-8"))
    ids = {
        s["traceId"] for r in doc["resourceSpans"] for sc in r["scopeSpans"] for s in sc["spans"]
    }
    assert ids == {TRACE, other}
    # The exported file imports again as the same traces.
    [again] = list(import_paths(empty_db, [Path(exported.args[0])]))
    assert again.status == "imported" and again.spans == 8
    window.runner.wait()
