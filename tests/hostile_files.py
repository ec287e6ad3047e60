"""Builds broken and hostile input files at test time, small or fast to make: bad lines,
bombs, archives with escaping names, deep nesting, other encodings."""

from __future__ import annotations

import gzip
import io
import json
import stat
import zipfile
from pathlib import Path
from typing import Any

import zstandard

from otlp_builder import T0, document, span

MB = 1024 * 1024


def one_span_doc(i: int, **attributes: Any) -> dict[str, Any]:
    """A document of one span, trace ``i``: distinct ids per ``i``."""
    return document([span(f"{i:032x}", f"{i:016x}", f"step {i}", attributes=attributes)])


def jsonl_with_bad_lines(path: Path, lines: int, bad: dict[int, str]) -> Path:
    """``lines`` one-span documents, one per line; line numbers in ``bad`` (1-based) hold the
    given text instead."""
    with open(path, "w", encoding="utf-8") as out:
        for number in range(1, lines + 1):
            text = bad.get(number)
            out.write((text if text is not None else json.dumps(one_span_doc(number))) + "\n")
    return path


def gzip_bomb(path: Path, inflated: int) -> Path:
    """A gzip file of zeros that inflates to about ``inflated`` bytes: one member compressed
    once and repeated (a file of several members is valid gzip)."""
    block = 64 * MB
    member = gzip.compress(b"\0" * block, compresslevel=9)
    with open(path, "wb") as out:
        for _ in range(-(-inflated // block)):
            out.write(member)
    return path


def zstd_bomb(path: Path, inflated: int) -> Path:
    """A zstd file of zeros that inflates to about ``inflated`` bytes (a few KB per GB)."""
    block = b"\0" * (16 * MB)
    compressor = zstandard.ZstdCompressor(level=3).compressobj()
    with open(path, "wb") as out:
        for _ in range(-(-inflated // len(block))):
            out.write(compressor.compress(block))
        out.write(compressor.flush())
    return path


def json_bomb(path: Path, inflated: int, compression: str) -> Path:
    """An OTLP document followed by white space inflating to ``inflated`` bytes, gzip or zstd:
    recognised as OTLP from its head, so the cap (not the sniffer) has to stop it."""
    head = json.dumps(one_span_doc(1)).encode()
    block = b" " * (16 * MB)
    with open(path, "wb") as out:
        if compression == "gzip":
            out.write(gzip.compress(head))
            member = gzip.compress(block, compresslevel=9)
            for _ in range(-(-inflated // len(block))):
                out.write(member)
            return path
        compressor = zstandard.ZstdCompressor(level=3).compressobj()
        out.write(compressor.compress(head))
        for _ in range(-(-inflated // len(block))):
            out.write(compressor.compress(block))
        out.write(compressor.flush())
    return path


def hostile_zip(path: Path, payload: bytes) -> Path:
    """A zip whose members try to escape: ``../``, an absolute path, a symlink to /etc/passwd
    and a symlink member followed by a member written through it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../escaped.json", payload)
        archive.writestr("/tmp/absolute-escape.json", payload)
        archive.writestr("../../../../../../tmp/deep-escape.json", payload)
        link = zipfile.ZipInfo("link")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc")
        archive.writestr("link/passwd-overwrite.json", payload)
        archive.writestr("fine.json", payload)
    path.write_bytes(buffer.getvalue())
    return path


def deeply_nested(depth: int, inner: str = "") -> str:
    """``depth`` nested JSON arrays around ``inner``."""
    return "[" * depth + inner + "]" * depth


def span_with_big_attribute(path: Path, size: int) -> Path:
    """One OTLP span with a string attribute of ``size`` bytes, written without building the
    string twice in memory."""
    doc = json.dumps(one_span_doc(1, big="@@BIG@@"))
    before, after = doc.split("@@BIG@@")
    with open(path, "w", encoding="utf-8") as out:
        out.write(before)
        chunk = "x" * MB
        for _ in range(size // MB):
            out.write(chunk)
        out.write("x" * (size % MB))
        out.write(after)
    return path


def raw_time_span(start: Any, end: Any) -> dict[str, Any]:
    """One span whose start and end are written exactly as given (string, number, object)."""
    sp = span("1" * 32, "2" * 16, "timed")
    sp["startTimeUnixNano"], sp["endTimeUnixNano"] = start, end
    return document([sp])


__all__ = ["MB", "T0"]
