"""Running queries off the UI thread.

Every submission belongs to a *group* ("trace-page", "span-detail", ...) and gets the next
generation number of that group. A newer submission makes every older one in its group stale:
a stale task that has not started is skipped, a running one has its cursor interrupted, and a
stale result is dropped when it reaches the UI thread. Results and errors arrive on the UI
thread through a queued signal; errors arrive as messages, never as exceptions inside Qt.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThreadPool, QTimer, Signal

from spanscope.store import Database
from spanscope.store.database import is_invalidated

log = logging.getLogger(__name__)

OnResult = Callable[[Any], object]  # what it returns is not used
OnError = Callable[[str], None]

_RUNNERS: weakref.WeakSet[QueryRunner] = weakref.WeakSet()


def busy_runners() -> int:
    """How many runners still have a thread working (tests assert none are left)."""
    return sum(1 for runner in list(_RUNNERS) if runner.busy())


class QueryRunner(QObject):
    """Runs read queries, each in a pool thread with its own cursor from ``db.reader()``."""

    failed = Signal(str)  # an error no caller asked to handle, for the status bar
    # DuckDB invalidated the database after a fatal error; the app must open it again
    database_lost = Signal(str)
    _delivered = Signal(str, int, object, str)  # group, generation, result, error

    def __init__(self, db: Database, parent: QObject | None = None, threads: int = 3) -> None:
        super().__init__(parent)
        self._db = db
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._lock = threading.Lock()
        self._generation: dict[str, int] = {}
        self._running: dict[str, tuple[int, Any]] = {}  # group -> (generation, cursor)
        self._callbacks: dict[tuple[str, int], tuple[OnResult, OnError | None]] = {}
        # DuckDB forgets an interrupt that arrives before its query starts, so a superseded
        # cursor is interrupted again until its task ends.
        self._stale: dict[int, Any] = {}
        self._reinterrupt = QTimer(self)
        self._reinterrupt.setInterval(50)
        self._reinterrupt.timeout.connect(self._interrupt_stale)
        self._closed = False
        self._delivered.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        _RUNNERS.add(self)

    def submit(
        self,
        group: str,
        query: Callable[[Any], Any],
        on_result: OnResult,
        on_error: OnError | None = None,
    ) -> int:
        """Run ``query(cursor)`` in a worker; ``on_result`` gets its value on the UI thread."""
        return self._start(group, query, on_result, on_error, uses_cursor=True)

    def compute(
        self,
        group: str,
        work: Callable[[], Any],
        on_result: OnResult,
        on_error: OnError | None = None,
    ) -> int:
        """Like :meth:`submit` for CPU work that needs no database (e.g. tokenising for
        highlighting). ``work`` must return plain data, never Qt objects: an object made in a
        worker thread would have to be moved to the UI thread, and that move can deadlock."""
        return self._start(group, work, on_result, on_error, uses_cursor=False)

    def cancel(self, group: str) -> None:
        """Make every task of ``group`` stale and interrupt the one running."""
        with self._lock:
            self._bump(group)

    def is_current(self, group: str, generation: int) -> bool:
        with self._lock:
            return not self._closed and self._generation.get(group) == generation

    def busy(self) -> bool:
        try:
            return self._pool.activeThreadCount() > 0
        except RuntimeError:  # already deleted: Qt waited for its threads when it did so
            return False

    def wait(self, msecs: int = -1) -> bool:
        """Wait for running tasks (tests and shutdown); True when none is left."""
        return self._pool.waitForDone(msecs)

    def shutdown(self) -> None:
        """Stop everything: stale-mark all groups, interrupt running queries, wait for threads."""
        with self._lock:
            self._closed = True
            for group in list(self._generation):
                self._bump(group)
        self._pool.clear()
        while not self._pool.waitForDone(50):
            self._interrupt_stale()
        self._reinterrupt.stop()
        self._callbacks.clear()

    # -- internals ---------------------------------------------------------------------------

    def _interrupt_stale(self) -> None:
        with self._lock:
            for cursor in self._stale.values():
                _interrupt(cursor)
            if not self._stale:
                self._reinterrupt.stop()

    def _bump(self, group: str) -> int:
        """Next generation of ``group``; interrupts its running query. Call with the lock held."""
        generation = self._generation.get(group, 0) + 1
        self._generation[group] = generation
        running = self._running.pop(group, None)
        if running is not None:
            self._stale[id(running[1])] = running[1]
            _interrupt(running[1])
            if not self._closed:  # the timer lives in the UI thread; start it there
                QTimer.singleShot(0, self, self._reinterrupt.start)
        for key in [k for k in self._callbacks if k[0] == group]:
            del self._callbacks[key]
        return generation

    def _start(
        self,
        group: str,
        work: Callable[..., Any],
        on_result: OnResult,
        on_error: OnError | None,
        uses_cursor: bool,
    ) -> int:
        with self._lock:
            if self._closed:
                return -1
            generation = self._bump(group)
            self._callbacks[(group, generation)] = (on_result, on_error)
        self._pool.start(lambda: self._run(group, generation, work, uses_cursor))
        return generation

    def _run(
        self, group: str, generation: int, work: Callable[..., Any], uses_cursor: bool
    ) -> None:
        """Body of a pool thread."""
        if not self.is_current(group, generation):
            return
        cursor = None
        result: Any = None
        error = ""
        try:
            if uses_cursor:
                cursor = self._db.reader()
                with self._lock:
                    if self._generation.get(group) != generation or self._closed:
                        return
                    self._running[group] = (generation, cursor)
                result = work(cursor)
            else:
                result = work()
        except Exception as exc:  # delivered as a message; an interrupted query is stale anyway
            log.debug("query %s failed", group, exc_info=True)
            error = error_message(exc)
            if is_invalidated(exc):
                self.database_lost.emit(error)
        finally:
            if cursor is not None:
                with self._lock:
                    if self._running.get(group, (None,))[0] == generation:
                        del self._running[group]
                    self._stale.pop(id(cursor), None)
                    try:
                        cursor.close()
                    except Exception:
                        log.debug("closing a cursor failed", exc_info=True)
        # Stale results travel too and are dropped on the UI thread, where the runner decides
        # what is current.
        try:
            self._delivered.emit(group, generation, result, error)
        except RuntimeError:  # the runner was deleted without shutdown(): nobody listens
            log.debug("result of %s dropped: runner deleted", group)

    def _deliver(self, group: str, generation: int, result: object, error: str) -> None:
        """On the UI thread: hand a current result to its callback, drop a stale one."""
        callbacks = self._callbacks.pop((group, generation), None)
        if callbacks is None or not self.is_current(group, generation):
            return
        on_result, on_error = callbacks
        if not error:
            on_result(result)
        elif on_error is not None:
            on_error(error)
        else:
            self.failed.emit(error)


def _interrupt(cursor: Any) -> None:
    try:
        cursor.interrupt()
    except Exception:  # the cursor may have just finished and closed
        log.debug("interrupt of a finished cursor", exc_info=True)


def error_message(exc: BaseException) -> str:
    """An exception as one readable line for the status bar."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
