"""Starting the app: names and icon, a database that cannot be opened, settings kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from spanscope import paths
from spanscope.store import Database
from spanscope.ui import app as app_module
from spanscope.ui.main_window import app_settings


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
