"""Running an evaluator off the UI thread: one pool thread reads the calls, judges them and
saves the verdicts in batches through ``save`` (so a cancelled run keeps what it judged), and
reports progress and the end to the UI thread by signals, as plain data."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from spanscope.core.evaluators import Evaluator, Progress, run
from spanscope.core.replay_transport import Endpoint, ReplayUnavailable
from spanscope.model.annotation import Annotation
from spanscope.store import evaluations as stored

log = logging.getLogger(__name__)
BATCH = 200


class _Task(QRunnable):
    def __init__(self, work: Callable[[], None]) -> None:
        super().__init__()
        self.work = work

    def run(self) -> None:
        self.work()


class EvaluationRun(QObject):
    """One run at a time: ``start`` then ``progressed`` … ``finished``."""

    progressed = Signal(int, int, int)  # done, total, errors
    finished = Signal(object)  # dict: passed, failed, errors, cancelled, problem

    def __init__(self, save: Callable[[Sequence[Annotation]], None], parent: QObject | None = None):
        super().__init__(parent)
        self._save = save
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._cancel = threading.Event()
        self.running = False

    def start(
        self,
        ev: Evaluator,
        rows: list[dict[str, Any]],
        endpoint: Endpoint | None,
        api_key: str,
        concurrency: int = 4,
    ) -> bool:
        """Start judging ``rows``; False while a run is still going."""
        if self.running:
            return False
        self.running = True
        self._cancel = threading.Event()
        cancel = self._cancel

        def progress(p: Progress) -> None:
            self.progressed.emit(p.done, p.total, p.errors)

        def work() -> None:
            counts: dict[str, Any] = {"passed": 0, "failed": 0, "errors": 0, "problem": ""}
            batch: list[Annotation] = []
            try:
                for row, verdict in run(
                    ev,
                    rows,
                    endpoint=endpoint,
                    api_key=api_key,
                    concurrency=concurrency,
                    cancelled=cancel,
                    on_progress=progress,
                ):
                    batch.append(
                        stored.verdict_annotation(
                            row,
                            ev.author,
                            verdict.label,
                            verdict.score,
                            verdict.explanation,
                            verdict.error,
                        )
                    )
                    key = (
                        "errors"
                        if verdict.error
                        else "failed"
                        if verdict.label in ev.failure_labels
                        else "passed"
                    )
                    counts[key] += 1
                    if len(batch) >= BATCH:
                        self._save(batch)
                        batch = []
            except ReplayUnavailable as exc:
                counts["problem"] = str(exc)
            except Exception as exc:  # reported on screen; the verdicts so far are kept
                log.exception("evaluation failed")
                counts["problem"] = f"{type(exc).__name__}: {exc}"
            finally:
                try:
                    if batch:
                        self._save(batch)
                except Exception as exc:
                    counts["problem"] = f"verdicts could not be saved: {exc}"
                counts["cancelled"] = cancel.is_set()
                self.running = False
                self.finished.emit(counts)

        self._pool.start(_Task(work))
        return True

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self) -> None:
        """Cancel and wait for the thread (window closing)."""
        self._cancel.set()
        self._pool.waitForDone()
