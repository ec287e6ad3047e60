"""Is there room for an import? Free space on the database's disk against the file sizes.

An import needs room for the stored spans, the search index, DuckDB's write-ahead log and,
while the file's single transaction runs, blocks written before the old ones are freed.
Measured on the demo dataset (OTLP JSON Lines): the database grows by ~0.7x the file and
peaks above 1.05x during the import, so :data:`PLAIN_FACTOR` asks for 2x. A compressed file
(gzip, zstd, zip) holds ~10-20x its size in JSON, so :data:`COMPRESSED_FACTOR` asks for 30x.

It warns and does not refuse: the estimate is rough (compression ratios vary), and a disk
that fills during an import costs only that file (it is rolled back, the database stays
usable), so refusing would block imports that fit.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

PLAIN_FACTOR = 2
COMPRESSED_FACTOR = 30
_COMPRESSED = (".gz", ".gzip", ".zst", ".zstd", ".zip")


def space_needed(path: Path, size: int) -> int:
    """Bytes an import of ``path`` (``size`` bytes on disk) may need on the database's disk."""
    compressed = path.suffix.lower() in _COMPRESSED
    return size * (COMPRESSED_FACTOR if compressed else PLAIN_FACTOR)


def free_bytes(folder: Path) -> int | None:
    """Free bytes on the disk holding ``folder`` (or its nearest existing parent)."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            try:
                return shutil.disk_usage(candidate).free
            except OSError:
                return None
    return None


def shortfall(folder: Path, files: Iterable[tuple[Path, int]]) -> str | None:
    """A warning when the disk holding ``folder`` has less free space than importing
    ``files`` (path, size) may need; None when there is room (or it cannot tell)."""
    files = list(files)
    need = sum(space_needed(path, size) for path, size in files)
    free = free_bytes(folder)
    if free is None or free >= need:
        return None
    what = files[0][0].name if len(files) == 1 else f"{len(files)} files"
    return (
        f"low disk space: {_size(free)} free on the disk of the database ({folder}); importing "
        f"{what} ({_size(sum(s for _, s in files))}) may need about {_size(need)}. If the disk "
        "fills up, the file being imported is rolled back and nothing else is lost."
    )


def sizes(paths: Iterable[Path]) -> list[tuple[Path, int]]:
    """(path, size) of each file that exists."""
    found = []
    for path in paths:
        try:
            found.append((path, path.stat().st_size))
        except OSError:
            continue
    return found


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} TB"
