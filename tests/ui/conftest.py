"""Fixtures for window tests: real DuckDB files with demo data imported by the real importer.

Every test here fails on a Qt warning, and on a query thread or import thread left running.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

import spanscope.ui  # noqa: E402,F401  (applies the PySide6 reference-count protection first)
from spanscope.demo import write_otlp_jsonl  # noqa: E402
from spanscope.ingest import import_paths  # noqa: E402
from spanscope.model import ImportStatus  # noqa: E402
from spanscope.store import Database  # noqa: E402
from spanscope.ui import workers  # noqa: E402

HERE = Path(__file__).parent
DEMO_SPANS = 5000  # about 620 traces: more than three pages of the trace list


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            # The offscreen platform cannot size, raise or grab the keyboard for native
            # windows (popups such as the query bar's completer); harmless and not ours.
            item.add_marker(
                pytest.mark.qt_log_ignore(
                    "propagateSizeHints",
                    "This plugin does not support raise",
                    "This plugin does not support grabbing the keyboard",
                )
            )


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.jsonl"
    write_otlp_jsonl(path, DEMO_SPANS, seed=7)
    return path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, demo_file: Path) -> Path:
    """A database with the demo file imported once; tests get a copy."""
    path = tmp_path_factory.mktemp("template") / "demo.duckdb"
    db = Database.open(path)
    try:
        [result] = list(import_paths(db, [demo_file]))
        assert result.status == ImportStatus.IMPORTED, result.error
    finally:
        db.close()
    return path


@pytest.fixture
def demo_db_path(tmp_path: Path, demo_template: Path) -> Path:
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_template, path)
    return path


@pytest.fixture
def demo_db(demo_db_path: Path) -> Iterator[Database]:
    db = Database.open(demo_db_path)
    yield db
    db.close()


@pytest.fixture
def empty_db(tmp_path: Path) -> Iterator[Database]:
    db = Database.open(tmp_path / "empty.duckdb")
    yield db
    db.close()


@pytest.fixture(autouse=True)
def no_threads_left() -> Iterator[None]:
    """Fail a test that leaves a query runner busy or a Python thread running."""
    before = set(threading.enumerate())
    yield
    assert workers.busy_runners() == 0, "a query thread is still running"
    left = [
        t
        for t in threading.enumerate()
        if t not in before and t.is_alive() and not isinstance(t, threading._DummyThread)
    ]
    assert not left, f"threads left running: {left}"


@pytest.fixture
def open_window(qtbot):  # type: ignore[no-untyped-def]
    """Opens shown main windows; each is shut down (threads stopped) when the test ends."""
    from spanscope.ui.main_window import MainWindow

    opened: list[MainWindow] = []

    def open_(db: Database, **options: object) -> MainWindow:
        window = MainWindow(db, **options)
        qtbot.addWidget(window)
        window.resize(1440, 900)
        window.show()
        opened.append(window)
        return window

    yield open_
    for window in opened:
        window.shutdown()


@pytest.fixture
def window(qtbot, demo_db: Database, open_window):  # type: ignore[no-untyped-def]
    window = open_window(demo_db)
    qtbot.waitUntil(lambda: window.trace_list.model.rowCount() > 0, timeout=10000)
    return window
