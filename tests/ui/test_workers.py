"""The query runner: results on the UI thread, stale work dropped and interrupted, errors as text."""

from __future__ import annotations

import threading

from spanscope.store import Database
from spanscope.ui.workers import QueryRunner

SLOW = "SELECT count(*) FROM range(100000000000) t(i) WHERE i % 7 = 3"


def test_results_arrive_on_the_ui_thread(qtbot, demo_db: Database) -> None:
    runner = QueryRunner(demo_db)
    seen: list[tuple[object, bool]] = []
    main = threading.current_thread()

    def query(cur):  # type: ignore[no-untyped-def]
        assert threading.current_thread() is not main
        return cur.execute("SELECT count(*) FROM traces").fetchone()[0]

    runner.submit("count", query, lambda n: seen.append((n, threading.current_thread() is main)))
    qtbot.waitUntil(lambda: bool(seen), timeout=10000)
    assert seen[0][0] > 0 and seen[0][1]
    runner.shutdown()


def test_a_newer_submission_interrupts_and_drops_the_older(qtbot, demo_db: Database) -> None:
    runner = QueryRunner(demo_db)
    results: list[object] = []
    errors: list[str] = []
    started = threading.Event()

    def slow(cur):  # type: ignore[no-untyped-def]
        started.set()
        return cur.execute(SLOW).fetchone()[0]

    runner.submit("list", slow, results.append, errors.append)
    assert started.wait(10)
    runner.submit("list", lambda cur: "newer", results.append, errors.append)
    qtbot.waitUntil(lambda: results == ["newer"], timeout=10000)
    qtbot.waitUntil(lambda: not runner.busy(), timeout=10000)  # interrupted, not waited out
    assert errors == []  # the interrupted query's error is stale too
    runner.shutdown()


def test_errors_arrive_as_messages(qtbot, demo_db: Database) -> None:
    runner = QueryRunner(demo_db)
    with qtbot.waitSignal(runner.failed, timeout=10000) as failed:
        runner.submit(
            "bad",
            lambda cur: cur.execute("SELECT * FROM no_such_table").fetchall(),
            lambda _r: None,
        )
    assert "no_such_table" in failed.args[0]
    runner.shutdown()


def test_shutdown_interrupts_running_queries(qtbot, demo_db: Database) -> None:
    runner = QueryRunner(demo_db)
    started = threading.Event()
    delivered: list[object] = []

    def slow(cur):  # type: ignore[no-untyped-def]
        started.set()
        return cur.execute(SLOW).fetchone()

    runner.submit("a", slow, delivered.append, delivered.append)
    assert started.wait(10)
    runner.shutdown()
    assert not runner.busy() and delivered == []
    assert runner.submit("a", lambda cur: 1, delivered.append) == -1  # closed for new work
