"""Annotation writes off the UI thread, one at a time, in the order they were asked for.

A :class:`QueryRunner` with a single thread: its cursor is a cursor of the writer connection
(``Database.reader`` hands out cursors of the read-write connection), so each write is its own
transaction, committed independently of an import running on the connection itself (see
``store.annotations``). Every write gets a group of its own, so a later one never cancels an
earlier one; the callbacks run on the UI thread once the write is on disk.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from spanscope.store import Database
from spanscope.ui.workers import OnError, OnResult, QueryRunner


class AnnotationWriter(QObject):
    """Runs ``work(cursor)`` writes serially; ``pending`` counts those not yet done."""

    def __init__(self, db: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = QueryRunner(db, self, threads=1)
        self._numbers = itertools.count(1)
        self.pending = 0
        self.read_only = db.read_only

    def write(
        self, work: Callable[[Any], Any], on_done: OnResult, on_failed: OnError | None = None
    ) -> None:
        """Queue one write; ``on_done(result)`` runs on the UI thread after it committed."""
        self.pending += 1

        def done(result: Any) -> None:
            self.pending -= 1
            on_done(result)

        def failed(message: str) -> None:
            self.pending -= 1
            if on_failed is not None:
                on_failed(message)

        self._runner.submit(f"annotation-write-{next(self._numbers)}", work, done, failed)

    def wait(self, msecs: int = -1) -> bool:
        """Wait until every queued write has committed."""
        return self._runner.wait(msecs)

    def shutdown(self) -> None:
        """Let queued writes finish (never interrupt one), then stop the thread."""
        self._runner.wait()
        self._runner.shutdown()
