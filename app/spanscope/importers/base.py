"""What an importer is: it recognises its format from content and says how to read a file.

Importers know formats, not the database. For formats DuckDB can read itself (JSON, Parquet)
an importer returns a :class:`SqlSource`: a SELECT producing the raw span relation, which the
store runs inside DuckDB so the heavy lifting never happens in Python loops.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import zstandard

SAMPLE_BYTES = 256 * 1024

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
ZIP_MAGIC = b"PK\x03\x04"


class ImportError_(Exception):
    """A file cannot be imported; the message names the position when one is known."""


class FormatNotRecognised(ImportError_):
    """No importer recognised the content."""


@dataclass(frozen=True)
class Sample:
    """The first bytes of a file (decompressed) and what wraps it."""

    path: Path
    head: bytes
    compression: str  # none, gzip, zstd, zip

    @property
    def text(self) -> str:
        """The head as text, BOM stripped, invalid bytes replaced (for sniffing only)."""
        head = self.head
        if head.startswith(b"\xef\xbb\xbf"):
            head = head[3:]
        return head.decode("utf-8", errors="replace")

    def first_char(self) -> str:
        stripped = self.text.lstrip()
        return stripped[:1]


@dataclass
class SqlSource:
    """A SELECT over the file that yields the raw span relation (see store/sql/map_spans.sql).

    ``setup`` holds the statements (temporary macros) the SELECT needs. When DuckDB cannot read
    the file this way, ``fallback`` is given the error and returns another way to read it
    (an unusual variant of the format), or None when the file is simply broken.
    """

    select: str
    setup: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fallback: Callable[[Exception], SqlSource | None] | None = None
    cleanup: list[Path] = field(default_factory=list)


@dataclass
class ArrowSource:
    """Raw span batches built in Python (see :mod:`spanscope.model.raw`), for formats DuckDB
    cannot map itself. ``progress`` reports how much of the file has been read (0..1)."""

    batches: Iterator[pa.RecordBatch]
    progress: Callable[[], float] = lambda: -1.0
    # What the importer noticed while reading (placeholder ids replaced, ...); read after
    # the batches are consumed, so an importer may append to it as it goes.
    warnings: list[str] = field(default_factory=list)


@dataclass
class AnnotationSource:
    """Annotations (evaluation results, labels) on spans already in the database, for files that
    hold no spans. ``select`` yields the raw annotation relation described in
    store/sql/import_annotations.sql: raw_trace_id (NULL when the file names spans only),
    raw_span_id (NULL for a trace-level annotation), label, score, note, rubric, author."""

    select: str
    setup: list[str] = field(default_factory=list)


Source = SqlSource | ArrowSource | AnnotationSource


class Importer(Protocol):
    """One trace format."""

    name: str

    def sniff(self, sample: Sample) -> bool:
        """True when the content is this format."""

    def source(self, sample: Sample, workdir: Path) -> Source:
        """How to read the file. ``workdir`` is a private temporary folder for this import."""


@dataclass(frozen=True)
class BuiltinFormat:
    """A built-in format, declared by the module of its reader as ``FORMAT`` so the format
    registry (``importers/registry.py``) finds it without being told.

    ``asked_at`` places it among the built-in formats, which are asked in rising order: the
    most specific sniffers first, so a file that could pass for two formats goes to the one
    that describes it best. Ranks are tens apart so a new format fits between two; no two are
    the same."""

    importer: Callable[[], Importer]
    asked_at: int


def read_sample(path: Path, size: int = SAMPLE_BYTES) -> Sample:
    """Read the head of a file, looking inside gzip and zstd wrappers."""
    with open(path, "rb") as raw:
        magic = raw.read(4)
        raw.seek(0)
        if magic.startswith(GZIP_MAGIC):
            # A streaming decompressor keeps what a truncated file does hold, so the format is
            # still recognised and its importer can say where the data ends.
            decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
            head = b""
            try:
                while len(head) < size and (block := raw.read(64 * 1024)):
                    head += decompressor.decompress(block, size - len(head))
            except zlib.error as exc:
                raise ImportError_(f"{path}: gzip data is damaged at the start ({exc})") from exc
            if not head and raw.tell() > len(GZIP_MAGIC):
                raise ImportError_(f"{path}: gzip data ends before its first block (truncated)")
            return Sample(path, head[:size], "gzip")
        if magic == ZSTD_MAGIC:
            # As for gzip: keep what a truncated file holds so its importer can say where.
            # A stream reader stops at ``size``: a few KB that inflate to gigabytes (a bomb)
            # cost no more than the sample.
            unzstd = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
            head = b""
            try:
                while len(head) < size and (block := unzstd.read(size - len(head))):
                    head += block
            except zstandard.ZstdError as exc:
                if not head:
                    raise ImportError_(
                        f"{path}: zstd data is damaged at the start ({exc})"
                    ) from exc
            if not head and raw.tell() > len(ZSTD_MAGIC):
                raise ImportError_(f"{path}: zstd data ends before its first block (truncated)")
            return Sample(path, head[:size], "zstd")
        if magic == ZIP_MAGIC:
            return Sample(path, raw.read(size), "zip")
        return Sample(path, raw.read(size), "none")


def sql_string(value: str) -> str:
    """A SQL string literal. Used only for file paths, which DuckDB cannot take as parameters
    inside a view definition."""
    return "'" + value.replace("'", "''") + "'"
