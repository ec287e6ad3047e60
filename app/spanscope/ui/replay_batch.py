"""Sending a batch of re-runs off the UI thread, storing each run as it ends.

One pool thread runs the batch (``core.replay_runs.run_repeats``); each run is stored through
the write queue (the batch thread waits for its commit) and then handed to the UI thread by a
signal, as plain data. Cancel stops between runs, and inside a streamed answer.
"""

from __future__ import annotations

import contextlib
import logging
import threading

from PySide6.QtCore import QObject, QThreadPool, Signal

from spanscope.core.replay_request import CallOutput, ReplayRequest
from spanscope.core.replay_runs import Run, run_repeats
from spanscope.core.replay_sameness import Check
from spanscope.core.replay_transport import Endpoint, ReplayUnavailable
from spanscope.store.replays import save_replay
from spanscope.ui.writes import Writes

log = logging.getLogger(__name__)


class ReplayBatch(QObject):
    """Runs one batch at a time."""

    run_done = Signal(object)  # Run (replay_id set when stored)
    finished = Signal(str)  # "" when every run was attempted or cancelled, else why it stopped

    def __init__(self, writes: Writes, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._writes = writes
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._cancel = threading.Event()
        self._running = False

    def running(self) -> bool:
        return self._running

    def start(
        self,
        endpoint: Endpoint,
        request: ReplayRequest,
        recorded: CallOutput,
        repeats: int,
        *,
        trace_id: str,
        span_id: str,
        check: Check | None,
    ) -> bool:
        """Start sending; False when a batch is still running."""
        if self._running:
            return False
        self._running = True
        self._cancel = threading.Event()
        cancel = self._cancel

        def work() -> None:
            message = ""
            try:
                run_repeats(
                    endpoint,
                    request,
                    recorded,
                    repeats,
                    trace_id=trace_id,
                    span_id=span_id,
                    on_run=self._keep,
                    check=check,
                    cancelled=cancel.is_set,
                )
            except ReplayUnavailable as exc:
                message = str(exc)
            except Exception as exc:  # shown on the dialog, never raised inside Qt
                log.debug("replay batch failed", exc_info=True)
                message = f"{type(exc).__name__}: {exc}"
            self._emit_finished(message)

        self._pool.start(work)
        return True

    def cancel(self) -> None:
        self._cancel.set()

    def shutdown(self) -> None:
        """Cancel and wait for the thread (closing the dialog or the window)."""
        self._cancel.set()
        self._pool.waitForDone()

    def _keep(self, run: Run) -> None:
        if not self._writes.read_only:
            try:
                run.replay_id = self._writes.run(save_replay, run.record)
            except Exception as exc:
                log.debug("storing a replay failed", exc_info=True)
                run.not_stored = str(exc)
        with contextlib.suppress(RuntimeError):  # the dialog is gone
            self.run_done.emit(run)

    def _emit_finished(self, message: str) -> None:
        self._running = False
        with contextlib.suppress(RuntimeError):
            self.finished.emit(message)
