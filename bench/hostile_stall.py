"""The longest UI stall while every view shows hostile trace text, 10 MB single lines included.

    QT_QPA_PLATFORM=offscreen python bench/hostile_stall.py [LONG_CHARS]

Writes the corpus of ``tests/hostile_payloads.py`` (markup, links, escapes, bidi tricks and a
line of LONG_CHARS characters, 10,000,000 by default), imports it into a temporary database,
and drives the main window through both traces: every span, every detail tab, the tool tip of
every list and tree cell, then the trace diff, the step-through, the review queue and the
costs screen. A 5 ms timer records the largest gap between its ticks per step (time the event
loop could not run). Prints one JSON line: the worst stall in ms, its step, and each step's.
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

HERE = Path(__file__).resolve().parent
TICK_MS = 5


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    long_chars = int(argv[0]) if argv else 10_000_000
    with tempfile.TemporaryDirectory(prefix="spanscope-hostile-") as home:
        os.environ["SPANSCOPE_HOME"] = home
        print(json.dumps(run(Path(home), long_chars)))
    return 0


def run(home: Path, long_chars: int) -> dict[str, Any]:
    sys.path.insert(0, str(HERE.parent / "tests"))
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QModelIndex, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from hostile_payloads import (  # type: ignore[import-not-found]
        HOSTILE_TRACE,
        LLM,
        LONG_TRACE,
        write_hostile_otlp,
    )
    from spanscope.ingest import import_paths
    from spanscope.store import Database
    from spanscope.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    path = home / "hostile.duckdb"
    db = Database.open(path)
    list(import_paths(db, [write_hostile_otlp(home / "hostile.jsonl", long_chars=long_chars)]))

    clock = QElapsedTimer()
    clock.start()
    state: dict[str, Any] = {"last": clock.elapsed(), "step": "open", "worst": {}}

    def tick() -> None:
        now = clock.elapsed()
        stall = now - state["last"] - TICK_MS
        state["last"] = now
        worst = state["worst"]
        worst[state["step"]] = max(worst.get(state["step"], 0.0), float(stall))

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    timer.start()

    def spin(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def wait_until(done: Callable[[], bool], what: str, limit_s: float = 60) -> None:
        end = time.monotonic() + limit_s
        while not done():
            if time.monotonic() > end:
                raise TimeoutError(what)
            spin(10)

    def step(name: str) -> None:
        tick()
        state["step"] = name
        state["worst"].setdefault(name, 0.0)

    def tips(model: Any, parent: QModelIndex | None = None) -> None:
        parent = QModelIndex() if parent is None else parent
        for row in range(min(model.rowCount(parent), 200)):
            for column in range(model.columnCount(parent)):
                index = model.index(row, column, parent)
                index.data(Qt.ItemDataRole.DisplayRole)
                index.data(Qt.ItemDataRole.ToolTipRole)
            spin(1)
            first = model.index(row, 0, parent)
            if model.rowCount(first):
                tips(model, first)

    window = MainWindow(db)
    window.resize(1440, 900)
    window.show()
    wait_until(lambda: window.trace_list.model.rowCount() == 2, "trace list")
    for trace in (HOSTILE_TRACE, LONG_TRACE):
        label = "long" if trace == LONG_TRACE else "short"
        step(f"open {label} trace")
        window.span_tree.show_trace(trace)
        wait_until(
            lambda t=trace: window.span_tree.trace_id == t and window.span_tree.model.rowCount(),
            "tree",
        )
        spin(300)
        for span_id in ("1000000000000001", LLM, "1000000000000003", "1000000000000004"):
            real = span_id if trace == HOSTILE_TRACE else "2" + span_id[1:]
            step(f"{label} span {span_id[-1]}")
            window.span_tree.select_span(real)
            spin(400)
            for tab in range(window.span_detail.tabs.count()):
                window.span_detail.tabs.setCurrentIndex(tab)
                spin(150)
        step(f"{label} tool tips")
        tips(window.trace_list.model)
        tips(window.span_tree.model)
        for box in window.facets.boxes.values():
            tips(box.model)
    step("span list")
    window.finder.show_list("spans")
    wait_until(lambda: window.span_list.model.rowCount() > 0, "span list")
    spin(300)
    tips(window.span_list.model)
    step("trace diff")
    diff = window.features["diff"].diff_traces(HOSTILE_TRACE, LONG_TRACE)
    wait_until(lambda: diff.diff is not None, "diff")
    for row in range(len(diff.diff.statuses)):
        diff.select_row(row)
        spin(300)
    step("step-through")
    steps = window.features["replay"].step_through(LONG_TRACE)
    wait_until(lambda: steps.model.rowCount() == 4, "steps")
    for n in range(4):
        steps.scrubber.setValue(n)
        spin(300)
    step("review queue")
    window.features["review"].review_traces([HOSTILE_TRACE, LONG_TRACE])
    wait_until(lambda: bool(window.features["review"].queues), "queue")
    spin(800)
    step("costs")
    costs = window.features["costs"].open()
    wait_until(lambda: costs.report is not None, "costs")
    spin(500)
    step("end")
    timer.stop()
    steps.close()
    window.shutdown()
    db.close()
    del app
    worst = {k: round(v, 1) for k, v in state["worst"].items() if k != "end"}
    name = max(worst, key=lambda k: worst[k])
    return {"long_chars": long_chars, "worst_ms": worst[name], "worst_step": name, "steps": worst}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
