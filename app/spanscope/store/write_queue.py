"""The writing side of the store: every write of a database, in the order it was asked for.

Like datasette's single write thread: a :class:`WriteQueue` owns the database's read-write
connection and serves writes (annotations, review state, re-runs, price overrides and
repricing …) one at a time, first in first out, on one thread. A write is never cancelled,
by a newer request or by anything else: only reads are superseded (``ui.workers``). Each write
runs on a fresh cursor of the connection, that is in a transaction of its own, so it commits
(and the annotation functions checkpoint) before its future completes.

Imports are the one bulk write: a whole file in one transaction that may last minutes. They go
through the :class:`~spanscope.store.writer.Writer` the queue owns (:meth:`import_writer`), on
the connection itself and on the importing thread; the queue's writes meanwhile commit on
their own cursors, so an annotation saved during an import is on disk at once and survives the
import being rolled back (RELIABILITY.md, "Annotations are never lost").
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import queue
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import duckdb

from spanscope.store.database import Database, StoreError
from spanscope.store.writer import Writer

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

# A write: a function of a cursor that can write, plus its arguments.
Write = Callable[Concatenate[duckdb.DuckDBPyConnection, P], T]

_STOP = object()


class WriteFuture(Future[T]):
    """The outcome of one write. It cannot be cancelled: once asked for, a write happens."""

    def cancel(self) -> bool:
        return False


class WriteQueue:
    """One FIFO of writes for one database, served by one thread that starts on first use."""

    def __init__(self, db: Database, temp_dir: Path | None = None) -> None:
        self._db = db
        self._temp_dir = temp_dir
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pending = 0
        self._idle = threading.Condition(self._lock)
        self._closed = False
        self._writer: Writer | None = None
        self._names = itertools.count(1)

    @property
    def read_only(self) -> bool:
        """True when the database was opened read-only: every write fails at once."""
        return self._db.read_only

    @property
    def database(self) -> Database:
        return self._db

    @property
    def closed(self) -> bool:
        with self._lock:
            return self._closed

    @property
    def pending(self) -> int:
        """Writes queued or running."""
        with self._lock:
            return self._pending

    def submit(self, write: Write[P, T], *args: P.args, **kwargs: P.kwargs) -> WriteFuture[T]:
        """Queue ``write(cursor, *args, **kwargs)``; the future holds its result once it has
        committed, or its exception. Never blocks; never cancels anything."""
        future: WriteFuture[T] = WriteFuture()
        if self._db.read_only:
            future.set_exception(StoreError(f"{self._db.path} is open read-only"))
            return future
        with self._lock:
            if self._closed:
                future.set_exception(StoreError("the database is closing"))
                return future
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, name=f"spanscope-writes-{next(self._names)}", daemon=True
                )
                self._thread.start()
        self._jobs.put((future, write, args, kwargs))
        return future

    def run(self, write: Write[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Queue ``write`` and wait for it (the CLI, and worker threads that need the result)."""
        return self.submit(write, *args, **kwargs).result()

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every queued write is done; False when ``timeout`` ran out first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def import_writer(self) -> Writer:
        """The writer that imports files (the bulk lane), made once per queue."""
        with self._lock:
            if self._writer is None:
                self._writer = Writer(self._db, temp_dir=self._temp_dir)
            return self._writer

    def close(self) -> None:
        """Let every queued write finish (none is ever dropped), then stop the thread."""
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._jobs.put(_STOP)
            thread.join()

    def _serve(self) -> None:
        """Body of the write thread."""
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            future, write, args, kwargs = job
            future.set_running_or_notify_cancel()  # always running: see WriteFuture
            cursor = self._db.writer.cursor()
            try:
                future.set_result(write(cursor, *args, **kwargs))
            except BaseException as exc:  # handed to whoever waits on the future
                log.debug("a write failed", exc_info=True)
                future.set_exception(exc)
            finally:
                with contextlib.suppress(duckdb.Error):
                    cursor.close()
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()


_QUEUES: weakref.WeakKeyDictionary[Database, WriteQueue] = weakref.WeakKeyDictionary()
_QUEUES_LOCK = threading.Lock()


def queue_of(db: Database, temp_dir: Path | None = None) -> WriteQueue:
    """The write queue of ``db``: one per open database in a process (the window and the CLI
    both take it from here), made on first use and again after it was closed."""
    with _QUEUES_LOCK:
        found = _QUEUES.get(db)
        if found is None or found.closed:
            found = _QUEUES[db] = WriteQueue(db, temp_dir)
        return found
