"""Starting the app: names and icon, a database that cannot be opened, settings kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from spanscope import paths
from spanscope.store import Database
from spanscope.ui import app as app_module
from spanscope.ui.main_window import app_settings

APP = Path(__file__).resolve().parents[2] / "app"


def test_run_returns_an_error_code_when_no_database_opens(
    qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    asked: list[Path] = []

    def refuse(path: Path, **_options: object) -> None:
        asked.append(path)
        return None

    monkeypatch.setattr(app_module, "open_database", refuse)
    assert app_module.run(tmp_path / "x.duckdb") == 1
    assert asked == [tmp_path / "x.duckdb"]
    application = app_module.application()
    assert application.applicationName() == "Spanscope"
    assert application.organizationName() == "Spanscope"
    assert not application.windowIcon().isNull()


def test_window_layout_is_kept_in_the_settings_file(
    qtbot, demo_db: Database, open_window, app_home: Path
) -> None:
    window = open_window(demo_db)
    window.main_split.setSizes([200, 650])
    window.close()
    assert paths.settings_file().is_file() and paths.settings_file().is_relative_to(app_home)
    assert app_settings().value("layout/main") is not None
    again = open_window(demo_db)
    assert abs(again.main_split.sizes()[0] - window.main_split.sizes()[0]) <= 2


def test_open_database_replaces_the_window_and_closes_the_old_file(
    qtbot, demo_db_path: Path, tmp_path: Path
) -> None:
    first = Database.open(tmp_path / "first.duckdb")
    session = app_module.Session(first, demo=False)
    try:
        old_window = session.window
        session.switch(demo_db_path)
        assert session.window is not old_window
        assert session.window.windowTitle() == "Spanscope — demo.duckdb"
        assert session.db.path == demo_db_path.resolve()
        qtbot.waitUntil(lambda: session.window.trace_list.model.rowCount() > 0, timeout=10000)
        with pytest.raises(Exception):  # noqa: B017  the old connection is closed
            first.reader()
    finally:
        session.window.close()
        session.close()


@pytest.mark.slow
def test_quit_after_closes_the_window_once_the_demo_is_in(tmp_path: Path) -> None:
    """How an installation is checked without a person: the window opens, imports the demo,
    closes itself through its own close (settings written), and the process exits 0."""
    db = tmp_path / "window.duckdb"
    env = {**os.environ, "PYTHONPATH": str(APP), "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "spanscope", "--db", str(db), "--demo", "--quit-after", "0"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    with Database.open(db, read_only=True) as opened:
        spans = opened.reader().execute("SELECT count(*) FROM spans").fetchone()
    assert spans == (3000,)
    assert paths.settings_file().is_file()  # closed as the user closes it: layout saved
