"""The longest UI event-loop stall while a user works the main window on a database.

    QT_QPA_PLATFORM=offscreen python bench/ui_stall.py DATABASE

Opens ``MainWindow`` on DATABASE (read-only, with settings in a fresh temporary directory), runs
a 5 ms QTimer that records the largest gap between its ticks, and drives the window through the
steps in ``STEPS`` with its real slots and widgets, waiting on its signals. The gap the timer
sees beyond its own interval is time the event loop could not run: the window was frozen.

Prints one JSON line: the longest stall in ms, the step it happened in, and each step's longest
stall and duration. ``bench.py`` runs it in a child process.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TICK_MS = 5
KEY_GAP_MS = 60  # a fast typist: about 16 characters a second
STEP_TIMEOUT_MS = 60_000
FILTER = "kind:llm status:error"
PHRASE = '"kb-refund-policy-v5"'


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="spanscope-stall-") as home:
        os.environ["SPANSCOPE_HOME"] = home  # no saved view or layout of the user's
        report = run(Path(argv[0]))
    print(json.dumps(report))
    return 0


def run(path: Path) -> dict[str, Any]:
    from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from spanscope.store import Database
    from spanscope.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])

    class StallMeter:
        """Largest gap between ticks of a 5 ms timer, per step."""

        def __init__(self) -> None:
            self.clock = QElapsedTimer()
            self.clock.start()
            self.last = self.clock.elapsed()
            self.step = "start"
            self.worst: dict[str, float] = {}
            self.timer = QTimer()
            self.timer.setInterval(TICK_MS)
            self.timer.timeout.connect(self.tick)
            self.timer.start()

        def tick(self) -> None:
            now = self.clock.elapsed()
            stall = now - self.last - TICK_MS
            self.last = now
            if stall > self.worst.get(self.step, 0.0):
                self.worst[self.step] = float(stall)

        def enter(self, step: str) -> None:
            self.tick()  # a stall before this point belongs to the step before
            self.step = step
            self.worst.setdefault(step, 0.0)

    def spin(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def wait_until(done: Callable[[], bool], what: str) -> None:
        started = time.perf_counter()
        while not done():
            if (time.perf_counter() - started) * 1000 > STEP_TIMEOUT_MS:
                raise TimeoutError(f"timed out waiting for {what}")
            spin(10)

    def settle(window: MainWindow) -> None:
        """Until no query thread works and nothing is queued: the step is over for the user."""
        wait_until(lambda: not window.runner.busy(), "the queries to finish")
        spin(200)
        wait_until(lambda: not window.runner.busy(), "the queries to finish")

    def type_text(window: MainWindow, text: str) -> None:
        edit = window.query_bar.edit
        edit.setFocus()
        edit.clear()
        for char in text:
            QTest.keyClicks(edit, char)
            spin(KEY_GAP_MS)

    meter = StallMeter()
    durations: dict[str, float] = {}
    db = Database.open(path, read_only=True)
    window: MainWindow | None = None

    def step(name: str, body: Callable[[], None]) -> None:
        meter.enter(name)
        started = time.perf_counter()
        body()
        durations[name] = (time.perf_counter() - started) * 1000

    try:
        spin(50)  # the timer's first ticks

        def open_window() -> None:
            nonlocal window
            window = MainWindow(db)
            window.show()
            model = window.trace_list.model
            wait_until(lambda: model.rowCount() > 0, "the trace list")
            settle(window)

        step("open the window", open_window)
        assert window is not None
        w = window

        def type_filter() -> None:
            type_text(w, FILTER)
            QTest.keyClick(w.query_bar.edit, Qt.Key.Key_Return)
            wait_until(lambda: w.trace_list.model.rowCount() > 0, "the filtered trace list")
            settle(w)

        step(f"type {FILTER!r} into the query bar", type_filter)

        def open_trace() -> None:
            loaded: list[int] = []
            w.span_tree.loaded.connect(loaded.append)
            w.trace_list.select_row(1 if w.trace_list.model.rowCount() > 1 else 0)
            w.trace_list.select_row(0)
            wait_until(lambda: bool(loaded), "the span tree")
            settle(w)

        step("open the first trace", open_trace)

        def select_llm_span() -> None:
            shown: list[str] = []
            w.span_detail.loaded.connect(shown.append)
            w.span_tree.view.setFocus()
            w.span_tree.next_llm_action.trigger()
            wait_until(lambda: bool(shown), "the span detail")
            settle(w)

        step("select an llm span", select_llm_span)

        def switch_to_spans() -> None:
            w.finder.show_list("spans")
            wait_until(lambda: w.span_list.model.rowCount() > 0, "the span list")
            settle(w)

        step("switch to the span list", switch_to_spans)

        def search_phrase() -> None:
            type_text(w, PHRASE)
            QTest.keyClick(w.query_bar.edit, Qt.Key.Key_Return)
            wait_until(lambda: w.span_list.model.rowCount() > 0, "the search results")
            settle(w)

        step(f"search {PHRASE}", search_phrase)
        meter.enter("end")
    finally:
        meter.timer.stop()
        if window is not None:
            window.shutdown()
            window.deleteLater()
        spin(50)
        db.close()
        app.processEvents()

    worst = {name: ms for name, ms in meter.worst.items() if name not in ("start", "end")}
    step_name = max(worst, key=lambda name: worst[name])
    return {
        "stall_ms": worst[step_name],
        "step": step_name,
        "steps": {name: {"stall_ms": worst[name], "ms": durations.get(name)} for name in worst},
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
