"""The Replay call dialog, round trip against a real loopback model server through the SDKs:
nothing sent on open; N runs with a check; errors shown with retry; cancel; stored re-runs;
diff with the original; the install advice when the SDK is missing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit

from otlp_builder import LLM, TRACE, agent_trace, document, write_json
from replay_server import LoopbackModel, Reply
from spanscope.core import replay_endpoints as settings
from spanscope.ingest import import_paths
from spanscope.store import Database
from spanscope.store.annotations import annotations_of
from spanscope.store.replays import list_replays

SAME = Reply(text="Let me look that up.", tool_calls=[("search_kb", {"query": "refund policy"})])


@pytest.fixture
def server() -> Iterator[LoopbackModel]:
    with LoopbackModel() as running:
        yield running


@pytest.fixture
def window(qtbot, empty_db: Database, open_window, tmp_path: Path):  # type: ignore[no-untyped-def]
    [result] = list(
        import_paths(empty_db, [write_json(tmp_path / "a.json", document(agent_trace()))])
    )
    assert result.status == "imported"
    opened = open_window(empty_db)
    qtbot.waitUntil(lambda: opened.span_tree.trace_id == TRACE, timeout=10000)
    return opened


def open_dialog(qtbot, window, server: LoopbackModel, **options: object):  # type: ignore[no-untyped-def]
    settings.save_endpoints([server.endpoint("openai", **options)])
    dialog = window.features["replay"].replay_call(TRACE, LLM)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.send_button.isEnabled(), timeout=10000)
    return dialog


def send_and_wait(qtbot, dialog, button) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(dialog.batch.finished, timeout=20000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_round_trip_with_check_error_retry_stored_and_diff(
    qtbot, window, server: LoopbackModel
) -> None:
    dialog = open_dialog(qtbot, window, server)
    assert server.requests == []  # opening the dialog sent nothing
    assert '"What is your refund policy?"' in dialog.messages.toPlainText()
    assert dialog.model.text() == "gpt-4o"
    assert '"temperature": 0.2' in dialog.params.toPlainText()

    server.script(SAME, Reply(text="Refunds within 30 days."), Reply(status=500))
    dialog.repeats.setValue(3)
    dialog.check_kind.setCurrentIndex(dialog.check_kind.findData("tool-called"))
    dialog.check_value.setText("search_kb")
    send_and_wait(qtbot, dialog, dialog.send_button)
    assert len(server.requests) == 3
    table = dialog.result_table
    assert [table.item(r, 1).text() for r in range(3)] == ["answered", "answered", "failed: server"]
    assert [table.item(r, 2).text() for r in range(3)] == ["same", "differs", "—"]
    assert [table.item(r, 3).text() for r in range(3)] == ["passed", "failed", "—"]
    assert "HTTP 500" in table.item(2, 6).text()
    assert "1 failed" in dialog.summary.text() and "passed 1 of 2" in dialog.summary.text()
    assert dialog.retry_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.stored_table.rowCount() == 3, timeout=10000)

    server.script(SAME)
    send_and_wait(qtbot, dialog, dialog.retry_button)
    assert len(server.requests) == 4
    assert table.item(2, 1).text() == "answered" and table.item(2, 2).text() == "same"
    assert "2 of 3 same as recorded" in dialog.summary.text()
    assert not dialog.retry_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.stored_table.rowCount() == 4, timeout=10000)
    assert len(list_replays(window.db.reader(), TRACE, LLM)) == 4

    # Edits are sent as edited.
    dialog.messages.setPlainText('[{"role": "user", "content": "edited question"}]')
    dialog.repeats.setValue(1)
    send_and_wait(qtbot, dialog, dialog.send_button)
    assert server.requests[-1].body["messages"] == [{"role": "user", "content": "edited question"}]

    table.selectRow(0)
    assert dialog.answer.toPlainText() == "scripted answer"
    assert dialog.selected_replay == dialog.results[0].replay_id
    assert dialog.diff_button.isEnabled() and dialog.annotate_button.isEnabled()
    replay_id = dialog.selected_replay
    dialog.annotate(replay_id, "reproduced", "same wrong policy")
    qtbot.waitUntil(lambda: "Annotated" in dialog.summary.text(), timeout=10000)
    [note] = annotations_of(window.db.reader(), TRACE, f"replay-{replay_id}")
    assert note.labels == ("reproduced",) and note.note == "same wrong policy"
    dialog.diff_button.click()
    qtbot.waitUntil(lambda: len(dialog.diff_windows) == 1, timeout=10000)
    diff = dialog.diff_windows[0]
    assert diff.isVisible() and "vs replay" in diff.windowTitle()
    window.runner.wait()
    diff.close()
    dialog.close()


def test_bad_json_and_auth_errors_are_shown(qtbot, window, server: LoopbackModel) -> None:
    dialog = open_dialog(qtbot, window, server)
    dialog.tools.setPlainText("[{oops")
    assert not dialog.send()
    assert dialog.summary.text().startswith("Tools is not valid JSON")
    assert server.requests == []
    dialog.tools.setPlainText("[]")
    server.script(Reply(status=401))
    send_and_wait(qtbot, dialog, dialog.send_button)
    assert dialog.result_table.item(0, 1).text() == "failed: auth"
    assert "401 Unauthorized" in dialog.result_table.item(0, 6).text()
    dialog.close()


def test_cancel_stops_a_running_batch(qtbot, window, server: LoopbackModel) -> None:
    dialog = open_dialog(qtbot, window, server, timeout_s=10.0)
    server.default = Reply(text="slow", delay_s=0.5)
    dialog.repeats.setValue(5)
    with qtbot.waitSignal(dialog.batch.finished, timeout=20000):
        dialog.send()
        assert dialog.cancel_button.isEnabled() and not dialog.send_button.isEnabled()
        qtbot.waitUntil(lambda: len(server.requests) == 1, timeout=10000)
        dialog.cancel_button.click()
    assert len(server.requests) < 5
    rows = [dialog.result_table.item(r, 1).text() for r in range(5)]
    assert rows.count("not sent") >= 1 and rows[0] == "answered"
    assert dialog.summary.text().startswith("Cancelled.")
    assert dialog.send_button.isEnabled() and not dialog.cancel_button.isEnabled()
    dialog.close()


def test_missing_sdk_and_missing_endpoint_are_explained(
    qtbot, window, server: LoopbackModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = window.features["replay"].replay_call(TRACE, LLM)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(dialog.messages.toPlainText()), timeout=10000)
    assert "No endpoint yet" in dialog.banner.text() and not dialog.send_button.isEnabled()
    dialog.close()

    monkeypatch.setitem(sys.modules, "openai", None)
    settings.save_endpoints([server.endpoint("openai")])
    dialog = window.features["replay"].replay_call(TRACE, LLM)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(dialog.messages.toPlainText()), timeout=10000)
    assert "pip install 'spanscope[replay]'" in dialog.banner.text()
    assert not dialog.send_button.isEnabled()
    assert server.requests == []
    dialog.close()
    window.runner.wait()


def test_side_by_side_when_the_diff_window_is_absent(
    qtbot, window, server: LoopbackModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = open_dialog(qtbot, window, server)
    server.script(Reply(text="A different policy."))
    send_and_wait(qtbot, dialog, dialog.send_button)
    dialog.result_table.selectRow(0)
    monkeypatch.setitem(sys.modules, "spanscope.ui.diff_window", None)
    dialog.diff_button.click()
    qtbot.waitUntil(lambda: len(dialog.diff_windows) == 1, timeout=10000)
    pane = dialog.diff_windows[0]
    qtbot.addWidget(pane)
    texts = [w.toPlainText() for w in pane.findChildren(QPlainTextEdit)]
    assert texts[0].startswith("Let me look that up.") and texts[1] == "A different policy."
    window.runner.wait()
    dialog.close()


def test_endpoints_dialog_saves_what_the_command_line_reads(qtbot, app_home: Path) -> None:
    from spanscope.ui.replay_endpoints import EndpointsDialog

    dialog = EndpointsDialog()
    qtbot.addWidget(dialog)
    dialog.name.setText("lab")
    dialog.base_url.setText("not a url")
    assert not dialog.save_current() and "base URL" in dialog.message.text()
    dialog.base_url.setText("http://localhost:8000/v1")
    dialog.protocol.setCurrentText("anthropic")
    dialog.key_source.setCurrentIndex(dialog.key_source.findData("env"))
    dialog.key_env.setText("LAB_KEY")
    assert dialog.save_current()
    [saved] = settings.load_endpoints()
    assert (saved.name, saved.protocol, saved.api_key_env) == ("lab", "anthropic", "LAB_KEY")
    assert dialog.list.count() == 1
