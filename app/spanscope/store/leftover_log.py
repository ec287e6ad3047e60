"""A write-ahead log left behind by a process that did not close the database (a crash, a
kill, a power cut) is copied aside before DuckDB replays it.

DuckDB replays what it can read of such a log and then deletes it; a log whose tail is cut
off is replayed up to the cut without a word. The copy means no log is ever deleted silently:
the window and ``spanscope check`` say where it is. The newest :data:`KEEP` copies are kept.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

KEEP = 10


def log_of(path: Path) -> Path:
    """The write-ahead log DuckDB keeps beside a database file."""
    return path.with_name(path.name + ".wal")


def logs_folder(path: Path) -> Path:
    """Where copies of left-over logs of ``path`` are kept."""
    return path.with_name(path.name + ".logs")


def keep_leftover_log(path: Path) -> Path | None:
    """Copy ``path``'s left-over log aside (None when there is none); returns the copy."""
    log = log_of(path)
    try:
        if not log.is_file() or log.stat().st_size == 0:
            return None
        folder = logs_folder(path)
        folder.mkdir(exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{time.time_ns() % 1_000_000_000:09d}"
        copy = folder / f"{stamp}.wal"
        shutil.copy2(log, copy)
    except OSError:
        return None  # a full or read-only disk: opening goes on, as DuckDB alone would
    for old in sorted(folder.glob("*.wal"))[:-KEEP]:
        old.unlink(missing_ok=True)
    return copy
