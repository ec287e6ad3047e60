"""Copies and exports from the window mask keys and tokens by default; the File menu entry
turns that off (and the choice is remembered); the SQL console's export follows it too."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtGui import QGuiApplication

from hostile_payloads import OPENAI_KEY, SECRET_SPAN, SECRET_TRACE, leaked, secret_document
from otlp_builder import write_json
from spanscope.ingest import import_paths
from spanscope.store import Database
from spanscope.ui.secret_masking import masking_on


def test_copy_and_export_mask_secrets_unless_turned_off(
    qtbot, empty_db: Database, open_window, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    [result] = list(import_paths(empty_db, [write_json(tmp_path / "s.json", secret_document())]))
    assert result.status == "imported"
    window = open_window(empty_db)
    qtbot.waitUntil(lambda: window.span_tree.trace_id == SECRET_TRACE, timeout=10000)
    actions = window.span_tree.trace_actions
    toggle = window.features["secret_masking"].action
    assert toggle.isChecked() and masking_on()

    with qtbot.waitSignal(actions.copied, timeout=10000) as copied:
        actions.copy_trace(SECRET_TRACE, "json")
    assert json.loads(copied.args[0])["spans"][0]["span_id"] == SECRET_SPAN
    assert leaked(copied.args[0]) == [] and leaked(QGuiApplication.clipboard().text()) == []
    with qtbot.waitSignal(window.span_tree.copied, timeout=10000) as copied:
        assert window.span_tree.select_span(SECRET_SPAN)
        window.span_tree.copy_span("markdown")
    assert "chat gpt-4o" in copied.args[0] and leaked(copied.args[0]) == []
    exported = tmp_path / "trace.json"
    with qtbot.waitSignal(actions.exported, timeout=10000):
        actions.export_to([SECRET_TRACE], exported)
    assert leaked(exported.read_bytes()) == []

    console = window.open_sql_console()
    qtbot.addWidget(console)
    console.editor.setPlainText("SELECT attributes FROM spans")
    console.run()
    qtbot.waitUntil(lambda: console.model.rowCount() == 1, timeout=10000)
    sheet = tmp_path / "console.csv"
    console.export(sheet, "csv")
    qtbot.waitUntil(lambda: "rows written" in console.status.text(), timeout=10000)
    assert leaked(sheet.read_bytes()) == []

    toggle.setChecked(False)  # the user opts out: the copy is the data as recorded
    assert not masking_on()
    with qtbot.waitSignal(actions.copied, timeout=10000) as copied:
        actions.copy_trace(SECRET_TRACE, "json")
    assert OPENAI_KEY in copied.args[0]
    console.export(sheet, "csv")
    qtbot.waitUntil(lambda: OPENAI_KEY.encode() in sheet.read_bytes(), timeout=10000)
    console.close()
