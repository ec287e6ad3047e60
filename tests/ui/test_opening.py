"""Opening a database: held by another process, written by a newer version, not a database."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from message_boxes import Answer, Clicker

from spanscope.store import Database
from spanscope.ui.opening import QUIT_TEXT, SNAPSHOT_TEXT, open_database

HOLD = (
    "import duckdb, sys\n"
    "con = duckdb.connect(sys.argv[1])\n"
    "print('holding', flush=True)\n"
    "sys.stdin.readline()\n"
)


@pytest.fixture
def held_database(demo_db_path: Path) -> Iterator[Path]:
    """The demo database, held open for writing by another process."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(demo_db_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        HOLDERS[demo_db_path] = holder.pid
        yield demo_db_path
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()


def holder_pid(path: Path) -> int:
    return HOLDERS[path]


HOLDERS: dict[Path, int] = {}


def test_locked_database_offers_a_read_only_copy(
    qtbot, held_database: Path, open_window, app_home: Path
) -> None:
    answer = Answer(SNAPSHOT_TEXT)
    db = open_database(held_database, ask=answer)
    assert db is not None
    try:
        [box] = answer.boxes
        assert sorted(b.text() for b in box.buttons()) == sorted([SNAPSHOT_TEXT, QUIT_TEXT])
        assert "open in another program" in box.text()
        assert Path(sys.executable).resolve().name in box.text()
        assert f"PID {holder_pid(held_database)}" in box.text()
        assert db.read_only and db.path.is_relative_to(app_home)
        window = open_window(db)
        assert window.windowTitle() == "Spanscope — demo.duckdb (read-only copy)"
        assert not window.read_only_label.isHidden()
        assert not window.import_files_action.isEnabled()
        qtbot.waitUntil(lambda: window.trace_list.model.rowCount() > 0, timeout=10000)
        assert not window.import_paths([held_database])  # imports are refused, not attempted
        window.shutdown()
    finally:
        db.close()


def test_locked_database_quit_opens_nothing(held_database: Path) -> None:
    answer = Answer(QUIT_TEXT)
    assert open_database(held_database, ask=answer) is None
    assert len(answer.boxes) == 1


def test_newer_schema_is_refused_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "future.duckdb"
    Database.open(path).close()
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    answer = Answer()
    assert open_database(path, ask=answer) is None
    [box] = answer.boxes
    assert "newer Spanscope" in box.text()


def test_a_file_that_is_not_a_database_gets_a_message(tmp_path: Path) -> None:
    path = tmp_path / "notes.duckdb"
    path.write_text("not a database")
    answer = Answer()
    assert open_database(path, ask=answer) is None
    [box] = answer.boxes
    assert "cannot be opened" in box.text()


@pytest.mark.parametrize("button", [SNAPSHOT_TEXT, QUIT_TEXT])
def test_database_in_use_buttons_on_the_real_box(qtbot, held_database: Path, button: str) -> None:
    """Each button pressed on the real modal box (the app's own ``ask_modally``)."""
    c = Clicker(button)
    try:
        db = open_database(held_database)
    finally:
        c.stop()
    assert [t for t, _ in c.seen] == ["Database in use"]
    if button == QUIT_TEXT:
        assert db is None
        return
    assert db is not None
    try:
        assert db.read_only
    finally:
        db.close()
