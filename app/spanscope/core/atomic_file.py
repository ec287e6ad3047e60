"""Writing a file atomically: into a temporary file beside it, then renamed over it, so a
reader never sees half a file and a failed export leaves the old file as it was."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """A temporary path in ``path``'s folder; renamed to ``path`` when the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb") as done:
            os.fsync(done.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_text(path: Path | str) -> Iterator[IO[str]]:
    """A text file (UTF-8, ``\\n`` line ends) that appears at ``path`` only when complete."""
    with atomic_path(path) as temporary, open(temporary, "w", encoding="utf-8", newline="\n") as f:
        yield f
