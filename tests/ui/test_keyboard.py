"""Keys: no two commands share a key in any window, the cheat sheet and the command palette
are read from the window's own actions, and Esc closes the secondary windows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from spanscope.ui.command_palette import fuzzy_score
from spanscope.ui.diff_window import open_span_diff
from spanscope.ui.keyboard import ESCAPE_CLOSES, bindings, shared_keys


def _two_traces(window) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    rows = window.db.reader().execute("SELECT trace_id FROM traces ORDER BY trace_id LIMIT 2")
    a, b = (r[0] for r in rows.fetchall())
    return a, b


def _llm_span(window) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    row = window.db.reader().execute(
        "SELECT trace_id, span_id FROM spans WHERE kind = 'llm' ORDER BY trace_id LIMIT 1"
    )
    return row.fetchone()


SPAN = {"span_id": "a", "kind": "llm", "name": "chat", "input_messages": [], "output_messages": []}


def _secondary_windows(qtbot, window, only: str | None = None) -> dict[str, QWidget]:  # type: ignore[no-untyped-def]
    """Every kind of window the main window opens (or ``only`` one), opened as a user would."""
    a, b = _two_traces(window)
    trace, span = _llm_span(window)
    openers = {
        "step-through": lambda: window.features["replay"].step_through(trace),
        "replay": lambda: window.features["replay"].replay_call(trace, span),
        "trace diff": lambda: window.features["diff"].diff_traces(a, b),
        "span diff": lambda: open_span_diff(
            window, window.runner, dict(SPAN), dict(SPAN), "a vs b"
        ),
        "SQL console": window.open_sql_console,
        "costs": lambda: window.features["costs"].open(),
        "incident": lambda: window.features["incident"].open("groups"),
        "evaluate": lambda: window.features["evaluate"].open(),
        "cases": lambda: (window.features["cases"].show(), window.features["cases"].view)[1],
    }
    shown: dict[str, QWidget] = {
        name: open_() for name, open_ in openers.items() if only in (None, name)
    }
    if only in (None, "review"):
        window.features["review"].review_traces([a, b])
        qtbot.waitUntil(lambda: len(window.features["review"].queues) == 1, timeout=10000)
        shown["review"] = window.features["review"].queues[0]
    return shown


def _close_all(window, shown: dict[str, QWidget]) -> None:  # type: ignore[no-untyped-def]
    for widget in shown.values():
        widget.close()
    window.runner.wait()


def test_no_two_commands_share_a_key_in_any_window(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    assert shared_keys(window) == {}
    keys = {b.name: b.keys for b in bindings(window)}
    assert keys["Review these (a queue from the filter)"] == "Ctrl+Shift+R"
    assert keys["Replay call"] not in ("", "Ctrl+Shift+R")
    shown = _secondary_windows(qtbot, window)
    try:
        for name, widget in shown.items():
            assert shared_keys(widget) == {}, name
            assert bindings(widget) or name in ("span diff", "replay"), name
    finally:
        _close_all(window, shown)


def test_a_key_bound_twice_is_caught(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """The check itself: the clash the window once had (Review these / Replay call)."""
    replay_call = next(b.owner for b in bindings(window) if b.name == "Replay call")
    replay_call.setShortcut("Ctrl+Shift+R")
    clash = shared_keys(window)
    assert list(clash) == ["Ctrl+Shift+R"] and len(clash["Ctrl+Shift+R"]) == 2


@pytest.mark.parametrize(
    "name",
    [
        "step-through",
        "trace diff",
        "span diff",
        "SQL console",
        "costs",
        "incident",
        "evaluate",
        "cases",
    ],
)
def test_escape_closes_the_secondary_windows(qtbot, window, name: str) -> None:  # type: ignore[no-untyped-def]
    shown = _secondary_windows(qtbot, window, only=name)
    try:
        widget = shown[name]
        widget.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is widget, timeout=5000)
        assert ESCAPE_CLOSES in [b.name for b in bindings(widget)]
        focus = widget.focusWidget() or widget
        qtbot.keyClick(focus, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not widget.isVisible(), timeout=5000)
    finally:
        _close_all(window, shown)


def test_cheat_sheet_is_the_windows_own_keys(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.features["help"].open_cheat_sheet()
    sheet = window.features["help"].cheat_sheet
    rows = sheet.shown_rows()
    assert ("Ctrl+Shift+R", "Review these (a queue from the filter)", "Review") in rows
    assert ("Ctrl+K", "Command palette", "Help") in rows
    assert len(rows) == len(bindings(window))
    sheet.filter.setText("sql")
    assert [r[1] for r in sheet.shown_rows()] == ["SQL console"]
    qtbot.keyClick(sheet.filter, Qt.Key.Key_Escape)
    assert not sheet.isVisible()


def test_palette_finds_a_command_by_name_and_enter_runs_it(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: getattr(window.features["help"], "palette", None) is not None, timeout=5000
    )
    palette = window.features["help"].palette
    assert "View › SQL console" in palette.shown() and len(palette.shown()) > 20
    qtbot.keyClicks(palette.search, "sqlcon")
    assert palette.shown()[0] == "View › SQL console"
    qtbot.keyClick(palette.search, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: window.sql_console is not None and window.sql_console.isVisible(), timeout=5000
    )
    assert not palette.isVisible()
    window.sql_console.close()


def test_palette_arrow_keys_choose(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    palette = window.features["help"].open_palette()
    qtbot.keyClicks(palette.search, "show")
    first = palette.list.currentRow()
    qtbot.keyClick(palette.search, Qt.Key.Key_Down)
    assert palette.list.currentRow() == first + 1
    qtbot.keyClick(palette.search, Qt.Key.Key_Escape)
    assert not palette.isVisible()


def test_fuzzy_score_prefers_word_starts_and_runs() -> None:
    assert fuzzy_score("zzz", "SQL console") is None
    sql = fuzzy_score("sql", "View › SQL console")
    span = fuzzy_score("sql", "View › Show the span list")
    assert sql is not None and (span is None or sql > span)
    assert fuzzy_score("rvt", "Review › Review these") is not None
