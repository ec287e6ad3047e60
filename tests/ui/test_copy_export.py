"""The span tree's context menu actions: copy a span as JSON or Markdown, export the trace."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtGui import QGuiApplication

from otlp_builder import LLM, TRACE, agent_trace, document, write_json
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
