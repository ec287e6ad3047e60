"""Files read through their gzip or zstd wrapper, and how far the reading has got.

The sample already says which wrapper a file has (:func:`spanscope.importers.base.read_sample`);
this opens the byte stream inside it. zstd is read across frames, so a file of several frames
(concatenated archives, the collector's exporter) is read to its end rather than to the end
of its first frame.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import IO, cast

import zstandard

from spanscope.importers.base import ImportError_


def decompressed(raw: IO[bytes], compression: str) -> IO[bytes]:
    """The bytes inside ``raw``: gunzipped, zstd-decoded across frames, or ``raw`` itself."""
    if compression == "gzip":
        return cast(IO[bytes], gzip.GzipFile(fileobj=raw))
    if compression == "zstd":
        reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
        return io.BufferedReader(cast(io.RawIOBase, reader))
    return raw


def damaged_compression(
    name: str, compression: str, raw: IO[bytes], exc: BaseException
) -> ImportError_:
    """The error for gzip or zstd data that is damaged or cut short, with where it was noticed."""
    try:
        where = f" near byte {raw.tell()} of the file"
    except (OSError, ValueError):
        where = ""
    return ImportError_(f"{name}: the {compression} data is damaged or cut short{where} ({exc})")


class FileProgress:
    """The fraction of a file read so far, from the position in the raw (compressed) file;
    -1 before the file is opened and once it is closed. Set :attr:`raw` when it is opened."""

    def __init__(self, path: Path) -> None:
        self._size = max(path.stat().st_size, 1)
        self.raw: IO[bytes] | None = None

    def __call__(self) -> float:
        raw = self.raw
        if raw is None or raw.closed:
            return -1.0
        try:
            return min(raw.tell() / self._size, 1.0)
        except (OSError, ValueError):
            return -1.0
