"""The private folders imports read files through, and their clean-up after a kill."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from spanscope.store.console import TEMP_PREFIX as CONSOLE_PREFIX

# The private folder of one file's import (UTF-16 and skip-bad-records copies, normalised
# files: as large as the file), named with the importing process's id.
COPY_PREFIX = "spanscope-import-"
_UNOWNED_AGE = 24 * 3600  # a folder without a process id (older versions): kept one day


def clean_stale_copies(folder: Path | None = None) -> int:
    """Delete the import folders (and SQL console spill folders) that a killed process left in
    the temporary folder (a kill skips the clean-up): those of processes no longer running.
    Returns how many."""
    folder = Path(folder or tempfile.gettempdir())
    removed = 0
    try:
        leftovers = [
            (p, prefix)
            for p in folder.iterdir()
            for prefix in (COPY_PREFIX, CONSOLE_PREFIX)
            if p.name.startswith(prefix)
        ]
    except OSError:
        return 0
    for leftover, prefix in leftovers:
        owner = leftover.name[len(prefix) :].split("-", 1)[0]
        if owner.isdigit():
            if _running(int(owner)):
                continue
        else:
            try:
                if time.time() - leftover.stat().st_mtime < _UNOWNED_AGE:
                    continue
            except OSError:
                continue
        shutil.rmtree(leftover, ignore_errors=True)
        removed += not leftover.exists()
    return removed


def _running(pid: int) -> bool:
    if os.name == "nt":
        return True  # os.kill(pid, 0) would end the process there; the age rule is not used
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, under another user
    return True
