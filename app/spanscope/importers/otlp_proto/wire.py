"""Recognising OTLP trace protobuf by walking the wire format of the sample (no protobuf
library): the fields must be exactly those of TracesData → ResourceSpans → ScopeSpans → Span
with the right wire types, and at least one whole span must have ids of the right length."""

from __future__ import annotations

from dataclasses import dataclass

import zstandard

from spanscope.importers.base import ZSTD_MAGIC
from spanscope.importers.otlp_proto.stream import I32, I64, LEN, VARINT

# Field number -> wire type, per message, as the sniffer expects them (proto3 OTLP v1, plus the
# instrumentation_library_spans of OTLP before 0.15 at 1000).
_TRACES_DATA = {1: LEN}
_RESOURCE_SPANS = {1: LEN, 2: LEN, 3: LEN, 1000: LEN}
_SCOPE_SPANS = {1: LEN, 2: LEN, 3: LEN}
_SPAN = {
    1: LEN,
    2: LEN,
    3: LEN,
    4: LEN,
    5: LEN,
    6: VARINT,
    7: I64,
    8: I64,
    9: LEN,
    10: VARINT,
    11: LEN,
    12: VARINT,
    13: LEN,
    14: VARINT,
    15: LEN,
    16: I32,
}
_RESOURCE = {1: LEN, 2: VARINT, 3: LEN}
_SCOPE = {1: LEN, 2: LEN, 3: LEN, 4: VARINT}


class _Invalid(Exception):
    pass


class _Short(Exception):
    """The sample ends here; what was seen before is all that can be judged."""


@dataclass
class _Seen:
    spans: int = 0


def layout(head: bytes) -> str | None:
    """How the head holds OTLP trace protobuf: ``single`` (one bare message), ``framed``
    (length-prefixed messages), or None when it does not. A message cut short by the end of the
    head (or of a truncated file) is judged on what is there, so a damaged file is still
    recognised and then refused with the position of the damage."""
    unknown_end = 1 << 62
    if head[:1] == b"\x0a" and _looks_like_traces(head, unknown_end):
        return "single"
    if len(head) > 5:
        size = int.from_bytes(head[:4], "big")
        payload = head[4 : 4 + size]
        if payload[:4] == ZSTD_MAGIC:
            try:
                payload = zstandard.ZstdDecompressor().decompressobj().decompress(payload)
            except zstandard.ZstdError:
                return None
            size = len(payload) if len(head) >= 4 + size else unknown_end
        if size > 0 and payload[:1] == b"\x0a" and _looks_like_traces(payload, size):
            return "framed"
    return None


def _looks_like_traces(buf: bytes, size: int) -> bool:
    seen = _Seen()
    try:
        _walk(buf, 0, size, _TRACES_DATA, seen)
    except _Short:
        pass
    except _Invalid:
        return False
    return seen.spans > 0


def _walk(buf: bytes, pos: int, end: int, fields: dict[int, int], seen: _Seen) -> None:
    """Check a message body buf[pos:end] field by field; raise _Short at the sample's end."""
    while pos < end:
        tag, pos = _varint(buf, pos)
        number, wire = tag >> 3, tag & 7
        if number == 0 or fields.get(number) != wire:
            raise _Invalid(f"field {number} wire type {wire}")
        if wire == VARINT:
            _, pos = _varint(buf, pos)
        elif wire == I64:
            pos += 8
        elif wire == I32:
            pos += 4
        else:
            length, pos = _varint(buf, pos)
            child_end = pos + length
            if child_end > end:
                raise _Invalid("a field runs past its message")
            _child(buf, pos, child_end, fields, number, seen)
            pos = child_end
        if pos > len(buf):
            raise _Short()
    if pos != end:
        raise _Invalid("a field runs past its message")


def _child(
    buf: bytes, pos: int, end: int, parent: dict[int, int], number: int, seen: _Seen
) -> None:
    if parent is _TRACES_DATA:
        _walk(buf, pos, end, _RESOURCE_SPANS, seen)
    elif parent is _RESOURCE_SPANS and number in (2, 1000):
        _walk(buf, pos, end, _SCOPE_SPANS, seen)
    elif parent is _RESOURCE_SPANS and number == 1:
        _walk(buf, pos, end, _RESOURCE, seen)
    elif parent is _SCOPE_SPANS and number == 1:
        _walk(buf, pos, end, _SCOPE, seen)
    elif parent is _SCOPE_SPANS and number == 2:
        _walk(buf, pos, end, _SPAN, seen)
        if end <= len(buf):
            ids = _span_ids(buf, pos, end)
            if (
                len(ids.get(1, b"")) != 16
                or len(ids.get(2, b"")) != 8
                or len(ids.get(4, b"")) not in (0, 8)
            ):
                raise _Invalid("span ids of the wrong length")
            seen.spans += 1
    elif end > len(buf):
        raise _Short()  # strings and the like: only their bounds are checked


def _span_ids(buf: bytes, pos: int, end: int) -> dict[int, bytes]:
    """Fields 1, 2 and 4 (trace, span and parent ids) of a whole, already checked span."""
    ids: dict[int, bytes] = {}
    while pos < end:
        tag, pos = _varint(buf, pos)
        number, wire = tag >> 3, tag & 7
        if wire == VARINT:
            _, pos = _varint(buf, pos)
        elif wire == I64:
            pos += 8
        elif wire == I32:
            pos += 4
        else:
            length, pos = _varint(buf, pos)
            if number in (1, 2, 4):
                ids[number] = buf[pos : pos + length]
            pos += length
    return ids


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result, shift = 0, 0
    while True:
        if pos >= len(buf):
            raise _Short()
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise _Invalid("varint too long")
