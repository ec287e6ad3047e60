"""Cases in the window: a trace added to a new case from the trace list's menu, a note on its
timeline, the case exported and opened read-only in a window of its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMenu

from spanscope.ui import cases_window


def _action(menu: QMenu, *texts: str):  # type: ignore[no-untyped-def]
    for action in menu.actions():
        if action.text() == texts[0]:
            if len(texts) == 1:
                return action
            sub = action.menu()
            assert isinstance(sub, QMenu)
            return _action(sub, *texts[1:])
    raise AssertionError(f"no menu entry {texts[0]!r} in {[a.text() for a in menu.actions()]}")


def test_collect_note_export_and_open_read_only(  # type: ignore[no-untyped-def]
    qtbot, window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        cases_window.QInputDialog, "getText", staticmethod(lambda *a, **k: ("incident-1", True))
    )
    feature = window.features["cases"]
    trace_id = window.trace_list.model.row_id(0)
    menu = QMenu(window)
    for extend in window.trace_list.menu_extenders:
        extend(menu, [trace_id])
    _action(menu, "Add to case", "New case…").trigger()
    qtbot.waitUntil(lambda: feature.names == ["incident-1"], timeout=10000)

    feature.show()
    view = feature.view
    qtbot.waitUntil(lambda: view.case_list.count() == 1 and view.items.count() == 1, timeout=10000)
    assert trace_id in view.items.item(0).text()
    assert "1 traces" in view.case_list.item(0).text()

    view.note_edit.setText("the tool <b>timed out</b> first")
    view.add_note()
    qtbot.waitUntil(lambda: view.notes.count() == 1, timeout=10000)
    assert "the tool <b>timed out</b> first" in view.notes.item(0).text()

    case_file = tmp_path / "incident-1.spanscope-case"
    feature.export("incident-1", case_file)
    qtbot.waitUntil(case_file.exists, timeout=20000)
    qtbot.waitUntil(
        lambda: "Wrote incident-1" in window.statusBar().currentMessage(), timeout=10000
    )

    # opened into this database, the case changes nothing: its spans and notes are here
    feature.import_case(case_file)
    qtbot.waitUntil(
        lambda: "Opened case 'incident-1': 0 spans, 0 notes" in window.statusBar().currentMessage(),
        timeout=20000,
    )

    feature.open_read_only(case_file)
    qtbot.waitUntil(lambda: len(feature.read_only_windows) == 1, timeout=20000)
    other, db = feature.read_only_windows[0]
    assert db.read_only
    qtbot.waitUntil(lambda: other.widget.trace_list.model.rowCount() == 1, timeout=10000)
    assert other.widget.trace_list.model.row_id(0) == trace_id
    opened = other.feature("cases").view
    qtbot.waitUntil(lambda: opened.notes.count() == 1, timeout=10000)
    # nothing of a read-only case can be changed
    assert not opened.note_edit.isEnabled()
    shots = Path("/work/shots/cases")
    if shots.is_dir():
        view.grab().save(str(shots / "cases-window.png"))
        other.widget.grab().save(str(shots / "read-only-case.png"))
    copy = db.path
    feature.shutdown()
    assert not copy.exists()  # the throwaway database of the case file is gone
