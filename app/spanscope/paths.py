"""Every path the app uses, in one place, so tests and users can redirect them.

The database defaults to the platform's user data directory; ``SPANSCOPE_DB`` or ``--db``
override it, and ``SPANSCOPE_HOME`` moves all of the app's own files (tests set it).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import platformdirs

APP_NAME = "spanscope"


def data_dir() -> Path:
    """Where the app keeps its database and settings."""
    home = os.environ.get("SPANSCOPE_HOME")
    if home:
        return Path(home)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_database() -> Path:
    """The database opened when none is named: ``SPANSCOPE_DB``, else the data directory's."""
    named = os.environ.get("SPANSCOPE_DB")
    if named:
        return Path(named).expanduser()
    return data_dir() / "spanscope.duckdb"


def settings_file() -> Path:
    """The Qt settings file (an INI file, so it is plain text and easy to inspect)."""
    return data_dir() / "settings.ini"


def export_dir() -> Path:
    """Where eval sets are saved unless the user picks another folder: ``exports`` under
    ``SPANSCOPE_HOME`` when set, else the user's documents folder."""
    if os.environ.get("SPANSCOPE_HOME"):
        return data_dir() / "exports"
    return Path(platformdirs.user_documents_dir()) / "Spanscope exports"


def temp_dir() -> Path:
    """Where DuckDB may spill while importing files larger than memory."""
    return data_dir() / "tmp"


def snapshot_dir() -> Path:
    """A fresh folder for a read-only copy of a database another program holds."""
    return temp_dir() / f"snapshot-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"


def remove_stale_snapshots() -> int:
    """Delete read-only copies left by Spanscope processes that have ended; returns how many."""
    removed = 0
    for folder in temp_dir().glob("snapshot-*-*"):
        pid = folder.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by someone else
    return True
