"""Skipping the bad lines of a JSON Lines file, when the user asks for it.

Imports are strict: one line that is not JSON fails its whole file. With "skip bad records"
a JSON Lines file is first copied to a private temporary file without the lines that are not
valid UTF-8 JSON, and the line numbers of those are reported. Files that are one JSON
document (not JSON Lines) are left as they are: they have no lines to skip.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import zstandard

from spanscope.importers.base import SAMPLE_BYTES, ImportError_, Sample
from spanscope.importers.compressed import decompressed

SHOWN_LINES = 20  # line numbers listed in the warning; the count covers them all
_PROBE_LINES = 20


@dataclass
class SkippedLines:
    """What was left out of a file: how many lines, and the first line numbers."""

    count: int = 0
    lines: list[int] = field(default_factory=list)
    total: int = 0  # non-blank lines read

    def note(self, number: int) -> None:
        self.count += 1
        if len(self.lines) < SHOWN_LINES:
            self.lines.append(number)

    def warning(self) -> str:
        shown = ", ".join(str(n) for n in self.lines)
        more = f" and {self.count - len(self.lines)} more" if self.count > len(self.lines) else ""
        return (
            f"skipped {self.count} of {self.total} lines that are not valid JSON "
            f"(line {shown}{more})"
        )


def is_json_lines(sample: Sample) -> bool:
    """True when most of the first lines of the sample are each a whole JSON object or list.

    A pretty-printed document has lines such as ``{`` or ``"key": 1,`` that are not."""
    if sample.compression not in ("none", "gzip", "zstd"):
        return False
    lines = [line for line in sample.text.splitlines() if line.strip()]
    if len(sample.head) >= SAMPLE_BYTES:
        lines = lines[:-1]  # the sample may end in the middle of its last line
    probe = lines[:_PROBE_LINES]
    if not probe and len(sample.head) >= SAMPLE_BYTES:
        # lines longer than the sample (the collector writes such lines): read the first one
        return _first_line_is_json(sample)
    if not probe:
        return False
    whole = 0
    for line in probe:
        text = line.strip()
        if text[:1] not in ("{", "["):
            continue
        try:
            json.loads(text)
        except (ValueError, RecursionError):
            continue
        whole += 1
    return whole * 2 > len(probe)


LONG_LINE_LIMIT = 256 * 1024 * 1024  # read this far for the end of a file's first line


def _first_line_is_json(sample: Sample) -> bool:
    """Whether the file's first line, read whole (up to :data:`LONG_LINE_LIMIT`), is one JSON
    value and is followed by another line or the end: a JSON Lines file of long lines."""
    with open(sample.path, "rb") as raw:
        stream = decompressed(raw, sample.compression)
        try:
            line = stream.readline(LONG_LINE_LIMIT)
            after = stream.read(64).lstrip()
        except (EOFError, OSError, zlib.error, zstandard.ZstdError):
            return False
    if not line.endswith(b"\n") or (after and after[:1] not in (b"{", b"[")):
        return False
    return _is_json(line.removeprefix(b"\xef\xbb\xbf"))


def copy_without_bad_lines(
    sample: Sample, target: Path, cancelled: Callable[[], bool] = lambda: False
) -> SkippedLines:
    """Copy the file of ``sample`` (decompressed) to ``target`` without its bad lines.

    A bad line is one that is not UTF-8 or not one whole JSON value; blank lines are kept
    so that line numbers in later messages still match the original file."""
    skipped = SkippedLines()
    number = 0
    with open(sample.path, "rb") as raw, open(target, "wb") as out:
        stream = decompressed(raw, sample.compression)
        try:
            for line in stream:
                number += 1
                if number % 4096 == 0 and cancelled():
                    break
                if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
                if not line.strip():
                    out.write(b"\n")
                    continue
                skipped.total += 1
                if _is_json(line):
                    out.write(line if line.endswith(b"\n") else line + b"\n")
                else:
                    skipped.note(number)
                    out.write(b"\n")
        except (EOFError, OSError, zlib.error, zstandard.ZstdError):
            # the data is cut off: what came before it is kept, the cut line is skipped
            skipped.total += 1
            skipped.note(number + 1)
    if skipped.total == 0:
        raise ImportError_(f"{sample.path}: no JSON lines in the file")
    return skipped


def first_bad_line(sample: Sample) -> tuple[int, str] | None:
    """The number of the first line that is not JSON, and why; None when every line is."""
    number = 0
    with open(sample.path, "rb") as raw:
        stream = decompressed(raw, sample.compression)
        try:
            for line in stream:
                number += 1
                if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
                if line.strip() and (reason := _why_not_json(line)) is not None:
                    return number, reason
        except (EOFError, OSError, zlib.error, zstandard.ZstdError):
            return number + 1, "the compressed data is cut off or damaged here"
    return None


def _is_json(line: bytes) -> bool:
    return _why_not_json(line) is None


def _why_not_json(line: bytes) -> str | None:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 at column {exc.start + 1}"
    try:
        json.loads(text)
    except RecursionError:
        return "nested too deeply"
    except json.JSONDecodeError as exc:
        return f"{exc.msg} at column {exc.colno}"
    except ValueError as exc:
        return str(exc)
    return None
