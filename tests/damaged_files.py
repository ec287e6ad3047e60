"""Damaged and foreign database files to test opening on: a log left by a killed process,
that log damaged or cut, a truncated file, a file from a newer DuckDB; and a small disk."""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from spanscope.model.annotation import Annotation
from spanscope.store import Database
from spanscope.store.annotations import save_annotation


def crashed_database(
    path: Path, annotations: int = 40, before: tuple[Path, ...] = (), bulk: int = 0
) -> Path:
    """A database whose last process was killed: ``before`` files imported (and ``bulk``
    file-less spans) and checkpointed, then ``annotations`` committed to the log only (the
    files copied while still open)."""
    from store_checks import imported

    db = Database.open(path)
    for file in before:
        imported(db, file)
    if bulk:
        db.writer.execute(
            "INSERT INTO spans (trace_id, span_id, name) "
            f"SELECT 'bulk' || i, 's', 'x' FROM range({bulk}) r(i)"
        )
    db.writer.execute("CHECKPOINT")
    for i in range(annotations):
        save_annotation(
            db.writer.cursor(),
            Annotation(f"t{i}", "", ("hallucination",), note=f"n{i}", author="ana"),
            checkpoint=False,
        )
    shutil.copy(path, path.with_name(path.name + ".kill"))
    shutil.copy(log(path), log(path).with_name(log(path).name + ".kill"))
    db.writer.close()
    os.replace(path.with_name(path.name + ".kill"), path)
    os.replace(log(path).with_name(log(path).name + ".kill"), log(path))
    return path


def log(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def damage_log(path: Path) -> None:
    """Overwrite 64 bytes in the middle of the log: that entry's checksum no longer matches."""
    data = bytearray(log(path).read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(255 - b for b in data[middle : middle + 64])
    log(path).write_bytes(bytes(data))


def truncate(path: Path) -> None:
    os.truncate(path, 3 * 4096 + 262144 // 2)  # the headers and half of the first block


def _checksum(block: bytes) -> int:
    # DuckDB's block checksum: 5381 XOR each little-endian uint64 times a constant
    result = 5381
    for (word,) in struct.iter_unpack("<Q", block):
        result ^= (word * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    return result


def from_newer_duckdb(path: Path, storage_version: int = 5000) -> Path:
    """A valid Spanscope database whose header claims a newer DuckDB storage version (the
    header's checksum made right, so DuckDB reads the version and refuses it)."""
    Database.open(path).close()
    data = bytearray(path.read_bytes())
    assert data[8:12] == b"DUCK"
    data[12:20] = struct.pack("<Q", storage_version)
    data[0:8] = struct.pack("<Q", _checksum(bytes(data[8:4096])))
    path.write_bytes(bytes(data))
    return path


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``folder`` (needs root and a sandbox that allows mount;
    the test is skipped otherwise)."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace')}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Fill the disk of ``folder`` to the last byte; returns the filler file."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for chunk in (1 << 20, 4096, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * chunk)
    finally:
        os.close(fd)
    return filler
