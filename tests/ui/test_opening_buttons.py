"""Every button of every dialog that decides how a database opens, pressed on the real modal
box (the app's own ``ask_modally``), as a person would: none may crash, each does what it says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from message_boxes import Clicker

from damaged_files import crashed_database, damage_log
from otlp_builder import agent_trace, document, write_json
from spanscope.ui.opening import QUIT_TEXT, SNAPSHOT_TEXT, open_database
from spanscope.ui.recovery_dialog import READABLE_TEXT, REBUILD_TEXT, SHOW_TEXT
from spanscope.ui.single_instance import InstanceServer


@pytest.fixture
def clicker() -> Iterator[type[Clicker]]:
    made: list[Clicker] = []

    def make(*texts: str) -> Clicker:
        c = Clicker(*texts)
        made.append(c)
        return c

    yield make  # type: ignore[misc]
    for c in made:
        c.stop()


@pytest.fixture
def served(demo_db_path: Path) -> Iterator[Path]:
    """The demo database as another Spanscope window would have it: answered for on the socket."""
    server = InstanceServer()
    assert server.listen(demo_db_path)
    try:
        yield demo_db_path
    finally:
        server.close()


def test_already_open_show_that_window_opens_nothing_and_does_not_crash(
    qtbot, served: Path, clicker
) -> None:
    c = clicker(SHOW_TEXT)
    assert open_database(served) is None
    [(title, buttons)] = c.seen
    assert title == "Already open" and SHOW_TEXT in buttons


def test_already_open_read_only_copy_opens_a_copy(qtbot, served: Path, clicker) -> None:
    c = clicker(SNAPSHOT_TEXT)
    db = open_database(served)
    assert db is not None
    try:
        assert db.read_only and db.path != served.resolve()
        assert db.reader().execute("SELECT count(*) FROM traces").fetchone()[0] > 0
    finally:
        db.close()
    assert [t for t, _ in c.seen] == ["Already open"]


def test_already_open_quit_opens_nothing(qtbot, served: Path, clicker) -> None:
    c = clicker(QUIT_TEXT)
    assert open_database(served) is None
    assert len(c.seen) == 1


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    files = [write_json(tmp_path / "a.json", document(agent_trace("1" * 32)))]
    path = crashed_database(tmp_path / "work.duckdb", annotations=3, before=tuple(files))
    damage_log(path)
    return path


@pytest.mark.parametrize("button", [READABLE_TEXT, REBUILD_TEXT, QUIT_TEXT])
def test_damaged_database_buttons(qtbot, damaged: Path, clicker, button: str) -> None:
    c = clicker(button)
    db = open_database(damaged)
    assert [t for t, _ in c.seen] == ["Damaged database"]
    if button == QUIT_TEXT:
        assert db is None
        return
    assert db is not None
    try:
        assert db.read_only == (button == READABLE_TEXT)
    finally:
        db.close()


def test_problem_boxes_close(qtbot, tmp_path: Path, clicker) -> None:
    path = tmp_path / "notes.duckdb"
    path.write_text("not a database")
    c = clicker("Close")
    assert open_database(path) is None
    [(title, buttons)] = c.seen
    assert title == "Cannot open the database" and buttons == ["Close"]
