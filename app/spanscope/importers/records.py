"""The JSON records of a file: JSON Lines, one document, a list, or documents one after another;
plain, gzip or zstd.

Two readers, which the importers use as they were written against them:

- :class:`JsonRecords` (provider logs, ATIF, Braintrust) tries the first line as JSON: when it
  is, the file is JSON Lines, otherwise one or more documents. It yields :class:`Record`\\ s.
- :class:`PositionedJsonRecords` (Langfuse, LangSmith) decides from the sample: a first line
  that is a whole object means JSON Lines, anything else documents. It yields
  ``(position, value)`` pairs and lets each list element go once it has been handed out.

Either way a JSON list contributes its elements, errors name the line (and column) where they
can, and one document is read whole, so it is refused above :data:`MAX_DOCUMENT_BYTES`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import zstandard

from spanscope.importers.base import SAMPLE_BYTES, ArrowSource, ImportError_, Sample
from spanscope.importers.batches import span_batches
from spanscope.importers.compressed import FileProgress, decompressed
from spanscope.model.raw import RawSpan

MAX_DOCUMENT_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Record:
    """One JSON value of a file and where it was (``line 12``, ``record 3``, ...)."""

    value: Any
    where: str


class JsonRecords:
    """The records of a JSON file: one per line of JSON Lines, or the document(s) of a file
    that is not JSON Lines; a JSON list contributes its elements. Reads gzip and zstd too."""

    def __init__(self, sample: Sample) -> None:
        self.path = sample.path
        self.compression = sample.compression
        self._size = max(sample.path.stat().st_size, 1)
        self._raw: IO[bytes] | None = None
        self._done = False

    def progress(self) -> float:
        if self._done:
            return 1.0
        raw = self._raw
        if raw is None:
            return 0.0
        try:
            return min(raw.tell() / self._size, 1.0)
        except (OSError, ValueError):
            return -1.0

    def __iter__(self) -> Iterator[Record]:
        with open(self.path, "rb") as raw:
            self._raw = raw
            if self.compression not in ("gzip", "zstd", "none"):
                raise ImportError_(f"{self.path}: a {self.compression} archive is not a JSON file")
            stream = decompressed(raw, self.compression)
            try:
                yield from self._read(stream)
            except (EOFError, OSError, zstandard.ZstdError) as exc:
                raise ImportError_(
                    f"{self.path}: the compressed data is damaged or cut off ({exc})"
                ) from None
            finally:
                self._done = True

    def _read(self, stream: IO[bytes]) -> Iterator[Record]:
        line_no = 0
        first = b""
        for line in stream:
            line_no += 1
            if line_no == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if line.strip():
                first = line
                break
        if not first:
            return
        try:
            value = json.loads(first)
        except ValueError:
            yield from self._document(first, stream, line_no)
            return
        yield from _expand(value, f"line {line_no}", by_line=True)
        for line in stream:
            line_no += 1
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError as exc:
                raise ImportError_(
                    f"{self.path}: invalid JSON at line {line_no} ({json_reason(exc)})"
                ) from None
            yield from _expand(value, f"line {line_no}", by_line=True)

    def _document(self, first: bytes, stream: IO[bytes], first_line: int) -> Iterator[Record]:
        chunks, total = [first], len(first)
        for line in stream:
            total += len(line)
            if total > MAX_DOCUMENT_BYTES:
                raise ImportError_(
                    f"{self.path}: one JSON document larger than {MAX_DOCUMENT_BYTES // 2**20} MB "
                    "cannot be read whole; write the records as JSON Lines instead"
                )
            chunks.append(line)
        try:
            text = b"".join(chunks).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ImportError_(f"{self.path}: not UTF-8 text ({exc})") from None
        del chunks
        decoder = json.JSONDecoder()
        pos, count, length = skip_space(text, 0), 0, len(text)
        while pos < length:
            try:
                value, end = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                at = first_line + exc.lineno - 1
                raise ImportError_(
                    f"{self.path}: invalid or cut-off JSON at line {at} column "
                    f"{exc.colno} ({exc.msg})"
                ) from None
            count += 1
            yield from _expand(value, f"record {count}", by_line=False)
            pos = skip_space(text, end)


def _expand(value: Any, where: str, *, by_line: bool) -> Iterator[Record]:
    if isinstance(value, list):
        for i, item in enumerate(value, 1):
            yield Record(item, f"{where}, item {i}" if by_line else f"record {i}")
    else:
        yield Record(value, where)


class PositionedJsonRecords:
    """The records of a JSON file, read without holding more than one record at a time where
    the layout allows it: JSON Lines line by line; a top-level array or one or several
    concatenated documents as a whole (up to :data:`MAX_DOCUMENT_BYTES`), elements one by one.

    Iterating yields ``(position, record)``; the position reads "line N", "record N" or
    "line N record M" for messages. ``progress()`` is the fraction of the file read."""

    def __init__(self, sample: Sample) -> None:
        self.path = sample.path
        self.compression = sample.compression
        self.layout = _layout(sample)
        self.progress = FileProgress(sample.path)

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        with open(self.path, "rb") as raw:
            self.progress.raw = raw
            stream = decompressed(raw, self.compression)
            if self.layout == "lines":
                yield from self._lines(stream)
            else:
                yield from self._document(stream)

    def _lines(self, stream: IO[bytes]) -> Iterator[tuple[str, Any]]:
        number = 0
        while True:
            try:
                line = stream.readline()
            except (OSError, EOFError, zstandard.ZstdError) as exc:
                raise ImportError_(
                    f"{self.path}: compressed data is damaged or cut off after line {number} ({exc})"
                ) from exc
            if not line:
                return
            number += 1
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            line = line.rstrip()
            if not line:
                continue
            try:
                value = json.loads(line)
            except UnicodeDecodeError as exc:
                raise ImportError_(f"{self.path}: text is not UTF-8 at line {number}") from exc
            except ValueError as exc:
                raise ImportError_(
                    f"{self.path}: invalid JSON at line {number} ({json_reason(exc)})"
                ) from exc
            if isinstance(value, list):
                for index, item in enumerate(value, 1):
                    yield f"line {number} record {index}", item
            else:
                yield f"line {number}", value

    def _document(self, stream: IO[bytes]) -> Iterator[tuple[str, Any]]:
        try:
            data = stream.read(MAX_DOCUMENT_BYTES + 1)
        except (OSError, EOFError, zstandard.ZstdError) as exc:
            raise ImportError_(
                f"{self.path}: compressed data is damaged or cut off ({exc})"
            ) from exc
        if len(data) > MAX_DOCUMENT_BYTES:
            raise ImportError_(
                f"{self.path}: one JSON document larger than 512 MB is not supported; "
                "export it as JSON Lines (one record per line) instead"
            )
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ImportError_(f"{self.path}: text is not UTF-8 at line {line}") from exc
        del data
        decoder = json.JSONDecoder()
        index, count = skip_space(text, 0), 0
        while index < len(text):
            try:
                value, end = decoder.raw_decode(text, index)
            except json.JSONDecodeError as exc:
                raise ImportError_(
                    f"{self.path}: invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); "
                    "the file may be cut off"
                ) from exc
            if isinstance(value, list):
                for position in range(len(value)):
                    item, value[position] = value[position], None  # let it go once mapped
                    count += 1
                    yield f"record {count}", item
            else:
                count += 1
                yield f"record {count}", value
            index = skip_space(text, end)


def _layout(sample: Sample) -> str:
    """``lines`` when the first line is one whole JSON object, else ``document``."""
    text = sample.text.lstrip()
    if not text.startswith("{"):
        return "document"
    first, newline, _ = text.partition("\n")
    if not newline and len(sample.head) >= SAMPLE_BYTES:
        return "document"
    try:
        json.loads(first)
    except ValueError:
        return "document"
    return "lines"


def json_reason(exc: ValueError) -> str:
    """Why a line is not JSON, with the column when the decoder says it."""
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at column {exc.colno}"
    return str(exc)


def skip_space(text: str, pos: int) -> int:
    """The position of the first character at or after ``pos`` that is not JSON white space."""
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def describe_value(value: Any) -> str:
    """What a record is, for an error message that says it is not the expected kind."""
    if isinstance(value, dict):
        keys = ", ".join(list(value)[:6])
        return f"an object with keys {keys}" if keys else "an empty object"
    return f"a JSON {type(value).__name__}"


def records_source(
    sample: Sample, spans: Callable[[JsonRecords, list[str]], Iterator[RawSpan]]
) -> ArrowSource:
    """How to read a file of JSON records: ``spans`` turns its records into spans and may add
    to the warnings as it reads them."""
    records = JsonRecords(sample)
    warnings: list[str] = []
    return ArrowSource(
        batches=span_batches(spans(records, warnings)),
        progress=records.progress,
        warnings=warnings,
    )
