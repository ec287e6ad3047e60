"""The cap on how far a compressed file may inflate, so a decompression bomb is refused.

A gzip or zstd file is decompressed once, in bounded blocks and without keeping anything,
before it is imported. It is refused when what it holds is larger than
:data:`BOMB_RATIO` times the compressed file *and* larger than :data:`RATIO_FREE_BYTES`
(real trace exports compress 5 to 50 times), or larger than :data:`MAX_INFLATED_BYTES`
whatever the ratio.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import zstandard

from spanscope.importers.base import ImportError_

BOMB_RATIO = 200
RATIO_FREE_BYTES = 1024**3  # 1 GiB: below this any ratio is accepted
MAX_INFLATED_BYTES = 64 * 1024**3  # 64 GiB
_BLOCK = 1024 * 1024


def describe_cap() -> str:
    """The cap in words, for messages and documentation."""
    return (
        f"more than {BOMB_RATIO} times its compressed size and over "
        f"{RATIO_FREE_BYTES // 1024**2} MB, or over {MAX_INFLATED_BYTES // 1024**3} GB"
    )


def check_inflation(
    path: Path, compression: str, cancelled: Callable[[], bool] = lambda: False
) -> int:
    """How many bytes ``path`` holds once decompressed; raises :class:`ImportError_` as soon
    as that passes the cap. Returns -1 when ``cancelled()`` turns true on the way."""
    if compression not in ("gzip", "zstd"):
        return path.stat().st_size
    packed = max(path.stat().st_size, 1)
    limit = min(max(BOMB_RATIO * packed, RATIO_FREE_BYTES), MAX_INFLATED_BYTES)
    blocks = _gzip_blocks if compression == "gzip" else _zstd_blocks
    total = 0
    with open(path, "rb") as raw:
        for size in blocks(raw):
            total += size
            if total > limit:
                raise ImportError_(
                    f"{path}: refused as a decompression bomb: its {compression} data inflates "
                    f"past {limit // 1024**2} MB from {packed:,} bytes (the limit is "
                    f"{describe_cap()}); stopped near byte {raw.tell()} of the file"
                )
            if cancelled():
                return -1
    return total


def _gzip_blocks(raw: IO[bytes]) -> Iterator[int]:
    """Sizes of decompressed blocks of every gzip member in turn (concatenated files)."""
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    pending = b""
    while True:
        if not pending:
            pending = raw.read(_BLOCK)
            if not pending:
                return  # a cut-off member is its importer's to report, with the position
        try:
            out = inflate.decompress(pending, _BLOCK)
        except zlib.error:
            return  # damaged data: the importer says where
        pending = inflate.unconsumed_tail
        yield len(out)
        if inflate.eof:
            # at the end of a member zlib leaves the rest of the input in unused_data (and
            # the same bytes again in unconsumed_tail)
            rest = inflate.unused_data
            inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
            pending = rest.lstrip(b"\x00")  # padding between members is allowed
            if not pending and not (pending := raw.read(_BLOCK)):
                return


def _zstd_blocks(raw: IO[bytes]) -> Iterator[int]:
    reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
    while True:
        try:
            out = reader.read(_BLOCK)
        except zstandard.ZstdError:
            return  # damaged data: the importer says where
        if not out:
            return
        yield len(out)
