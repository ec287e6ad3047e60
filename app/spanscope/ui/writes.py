"""The window's way to write: the database's one write queue, with answers on the UI thread.

Every write a window feature makes (annotations, review queues, re-runs, price overrides and
repricing …) goes through :meth:`Writes.write`: queued in order on ``store.write_queue``'s one
thread, never cancelled, each committed in its own transaction; ``on_done(result)`` runs on
the UI thread once it is on disk. This module is the only one in ``ui`` that may import the
writing side of the store (an import-linter contract in ``pyproject.toml`` says so).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from spanscope.store import Database
from spanscope.store.write_queue import Write, WriteFuture, queue_of
from spanscope.ui.workers import OnError, OnResult, error_message

log = logging.getLogger(__name__)


class Writes(QObject):
    """The window's write queue; ``pending`` counts writes whose answer has not arrived yet."""

    failed = Signal(str)  # a write failed and nobody asked to handle it: for the status bar
    _answered = Signal(int, object, str)  # ticket, result, error

    def __init__(
        self, db: Database, parent: QObject | None = None, temp_dir: Path | None = None
    ) -> None:
        super().__init__(parent)
        self.queue = queue_of(db, temp_dir)
        self.read_only = db.read_only
        self.pending = 0
        self._tickets = itertools.count(1)
        self._callbacks: dict[int, tuple[OnResult, OnError | None]] = {}
        self._answered.connect(self._answer, Qt.ConnectionType.QueuedConnection)

    def write(
        self,
        work: Callable[[Any], Any],
        on_done: OnResult | None = None,
        on_failed: OnError | None = None,
    ) -> WriteFuture[Any]:
        """Queue ``work(cursor)``; ``on_done(result)`` or ``on_failed(message)`` runs on the UI
        thread after it committed or failed."""
        ticket = next(self._tickets)
        self.pending += 1
        self._callbacks[ticket] = (on_done or _ignore, on_failed)
        future = self.queue.submit(work)
        future.add_done_callback(lambda done: self._deliver(ticket, done))
        return future

    def run(self, work: Write[..., Any], *args: Any) -> Any:
        """Queue a write from a worker thread and wait for it (never on the UI thread)."""
        return self.queue.run(work, *args)

    def import_writer(self) -> Any:
        """The queue's import writer (``store.writer.Writer``): the bulk lane for files."""
        return self.queue.import_writer()

    def wait(self, msecs: int = -1) -> bool:
        """Wait until every queued write has committed (answers arrive by the event loop)."""
        return self.queue.drain(None if msecs < 0 else msecs / 1000)

    def shutdown(self) -> None:
        """Let queued writes finish (never interrupt one), then stop the thread."""
        self.queue.close()
        self._callbacks.clear()

    def _deliver(self, ticket: int, future: Future[Any]) -> None:
        """In the write thread: send the outcome to the UI thread."""
        error = future.exception()
        try:
            self._answered.emit(
                ticket, None if error else future.result(), error_message(error) if error else ""
            )
        except RuntimeError:  # the window is gone: nobody waits for the answer
            log.debug("answer of write %s dropped", ticket)

    def _answer(self, ticket: int, result: object, error: str) -> None:
        callbacks = self._callbacks.pop(ticket, None)
        if callbacks is None:
            return
        self.pending -= 1
        on_done, on_failed = callbacks
        if not error:
            on_done(result)
        elif on_failed is not None:
            on_failed(error)
        else:
            self.failed.emit(error)


def _ignore(_result: object) -> None:
    pass
