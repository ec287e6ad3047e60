"""The window and the database file: a damaged file (open what could be read, or rebuild),
a second instance on the same file, and DuckDB invalidating the connection."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from message_boxes import Answer

from damaged_files import crashed_database, damage_log
from otlp_builder import agent_trace, document, write_json
from spanscope.model import ImportStatus
from spanscope.store import Database
from spanscope.store import annotations as stored
from spanscope.ui import app as app_module
from spanscope.ui.opening import SNAPSHOT_TEXT, open_database
from spanscope.ui.recovery_dialog import (
    READABLE_TEXT,
    REBUILD_TEXT,
    SHOW_TEXT,
    note_for,
)
from spanscope.ui.single_instance import InstanceServer


@pytest.fixture
def damaged(tmp_path: Path) -> tuple[Path, list[Path]]:
    files = [
        write_json(tmp_path / "a.json", document(agent_trace("1" * 32))),
        write_json(tmp_path / "b.json", document(agent_trace("2" * 32))),
    ]
    path = crashed_database(tmp_path / "work.duckdb", annotations=30, before=tuple(files))
    damage_log(path)
    return path, files


def test_a_damaged_log_offers_what_could_be_read(qtbot, damaged: tuple[Path, list[Path]]) -> None:
    path, _files = damaged
    answer = Answer(READABLE_TEXT)
    db = open_database(path, ask=answer)
    assert db is not None
    try:
        [box] = answer.boxes
        assert box.windowTitle() == "Damaged database"
        assert "is damaged" in box.text() and "Nothing was deleted" in box.informativeText()
        assert {b.text() for b in box.buttons()} >= {READABLE_TEXT, REBUILD_TEXT}
        assert db.read_only and db.path != path.resolve() and path.exists()
        assert "what could be read" in note_for(db)
    finally:
        db.close()


def test_a_damaged_log_rebuilds_from_the_source_files_keeping_annotations(
    qtbot, damaged: tuple[Path, list[Path]]
) -> None:
    path, files = damaged
    db = open_database(path, ask=Answer(REBUILD_TEXT))
    assert db is not None and not db.read_only
    kept = len(stored.list_annotations(db.reader()))
    assert kept > 0  # those the damaged log still held, saved before any import
    session = app_module.Session(db, demo=False)
    try:
        window = session.window
        qtbot.waitUntil(lambda: not window.importer.running, timeout=30000)
        assert [r.status for r in window.importer.results] == [ImportStatus.IMPORTED] * 2
        assert {Path(r.path) for r in window.importer.results} == {f.resolve() for f in files}
        assert len(stored.list_annotations(db.reader())) == kept
    finally:
        session.close()
        session.window.close()
        if window.importer.dialog is not None:
            window.importer.dialog.close()


SECOND = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from PySide6.QtCore import QCoreApplication
    from spanscope.ui.single_instance import ask_to_show, running_instance
    app = QCoreApplication([])
    other = running_instance(Path(sys.argv[1]))
    print("none" if other is None else ask_to_show(other), flush=True)
    """
)


def test_a_second_instance_brings_the_first_to_the_front(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "shared.duckdb"
    server = InstanceServer()
    assert server.listen(path)
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", SECOND, str(path)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        with qtbot.waitSignal(server.show_requested, timeout=20000):
            pass
        out, _ = child.communicate(timeout=30)
        assert out.strip() == str(os.getpid())  # it was told who has the file
    finally:
        server.close()
    # nobody listening any more: a later instance opens the file itself
    lone = subprocess.run(
        [sys.executable, "-c", SECOND, str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        timeout=60,
        check=True,
    )
    assert lone.stdout.strip() == "none"


def test_a_second_instance_may_open_a_read_only_copy_after_asking(
    qtbot, demo_db_path: Path
) -> None:
    first = Database.open(demo_db_path)
    session = app_module.Session(first, demo=False)
    try:
        answer = Answer(SNAPSHOT_TEXT)
        copy = open_database(demo_db_path, ask=answer)
        assert copy is not None
        try:
            [box] = answer.boxes
            assert "already open in another Spanscope window" in box.text()
            assert {b.text() for b in box.buttons()} >= {SHOW_TEXT, SNAPSHOT_TEXT}
            assert copy.read_only and copy.path != demo_db_path.resolve()
        finally:
            copy.close()
    finally:
        session.close()
        session.window.close()


def test_an_invalidated_database_is_reopened_and_said_so(
    qtbot, demo_db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB's FatalException (the real type; test_database_file.py provokes the real thing
    with a full disk) raised by a reader: the session opens the file again in a new window."""
    session = app_module.Session(Database.open(demo_db_path), demo=False)
    try:
        old_window, old_db = session.window, session.db

        def fatal(_cursor: object) -> None:
            raise duckdb.FatalException(
                "FATAL Error: Failed: database has been invalidated because of a previous fatal error."
            )

        old_window.runner.submit("probe", fatal, lambda _r: None, lambda _e: None)
        qtbot.waitUntil(lambda: session.window is not old_window, timeout=20000)
        assert session.db is not old_db and session.db.path == old_db.path
        assert "reopened" in session.window.statusBar().currentMessage()
        qtbot.waitUntil(lambda: session.window.trace_list.model.rowCount() > 0, timeout=10000)
    finally:
        session.close()
        session.window.close()
