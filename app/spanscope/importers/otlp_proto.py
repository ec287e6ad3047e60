"""OTLP protobuf: one binary ``TracesData`` / ``ExportTraceServiceRequest`` per file, or the
collector file exporter's ``format: proto`` files (each message preceded by its length as a
4-byte big-endian unsigned integer; with the exporter's per-message zstd compression each
framed payload is a zstd frame). The whole file may be gzip or zstd (the exporter's native
compression writes the framed stream into zstd).

Recognition walks the protobuf wire format of the sample without the protobuf library: the
fields must be exactly those of TracesData → ResourceSpans → ScopeSpans → Span with the right
wire types, and at least one whole span must have a 16-byte trace id and an 8-byte span id.

Reading streams: the wire format is walked down to the level whose messages are small enough
to parse whole with ``opentelemetry-proto`` (a ScopeSpans, or each Span of a very large one),
so memory stays bounded whatever the size of a message or of the file. Spans go to Arrow
batches directly (ids as hex, integers exact), mapped like OTLP JSON.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import zstandard

from spanscope.importers.base import ZSTD_MAGIC, ArrowSource, ImportError_, Sample
from spanscope.importers.otel_console import damaged_compression, with_links
from spanscope.model.raw import RawEvent, RawSpan, to_batch

BATCH_SPANS = 2000
# A ScopeSpans up to this size is parsed whole; a larger one span by span.
PARSE_WHOLE_BYTES = 8 * 1024 * 1024
# One span (or resource, or scope) larger than this is refused rather than read into memory.
MAX_PART_BYTES = 512 * 1024 * 1024

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5
_KINDS = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}
_STATUS = {1: "ok", 2: "error"}

# Field number -> wire type, per message, as the sniffer expects them (proto3 OTLP v1, plus the
# instrumentation_library_spans of OTLP before 0.15 at 1000).
_TRACES_DATA = {1: _LEN}
_RESOURCE_SPANS = {1: _LEN, 2: _LEN, 3: _LEN, 1000: _LEN}
_SCOPE_SPANS = {1: _LEN, 2: _LEN, 3: _LEN}
_SPAN = {
    1: _LEN,
    2: _LEN,
    3: _LEN,
    4: _LEN,
    5: _LEN,
    6: _VARINT,
    7: _I64,
    8: _I64,
    9: _LEN,
    10: _VARINT,
    11: _LEN,
    12: _VARINT,
    13: _LEN,
    14: _VARINT,
    15: _LEN,
    16: _I32,
}
_RESOURCE = {1: _LEN, 2: _VARINT, 3: _LEN}
_SCOPE = {1: _LEN, 2: _LEN, 3: _LEN, 4: _VARINT}


class OtlpProtobuf:
    """Binary OTLP trace files."""

    name = "otlp-protobuf"

    def sniff(self, sample: Sample) -> bool:
        return sample.compression != "zip" and layout(sample.head) is not None

    def source(self, sample: Sample, workdir: Path) -> ArrowSource:
        found = layout(sample.head)
        if found is None:
            raise ImportError_(f"{sample.path}: not an OTLP protobuf file")
        reader = _FileReader(sample.path, sample.compression, framed=found == "framed")
        return ArrowSource(batches=reader.batches(), progress=reader.progress)


# -- recognising ------------------------------------------------------------------------------


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
        if wire == _VARINT:
            _, pos = _varint(buf, pos)
        elif wire == _I64:
            pos += 8
        elif wire == _I32:
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
        if wire == _VARINT:
            _, pos = _varint(buf, pos)
        elif wire == _I64:
            pos += 8
        elif wire == _I32:
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


# -- reading ----------------------------------------------------------------------------------


class _Stream:
    """Exact reads from a byte stream, counting the position for error messages."""

    def __init__(self, stream: IO[bytes], name: str, what: str) -> None:
        self._stream, self.name, self.what = stream, name, what
        self.pos = 0

    def read(self, size: int) -> bytes:
        if size > MAX_PART_BYTES:
            raise ImportError_(
                f"{self.name}: a protobuf part of {size} bytes at byte {self.pos}{self.what} is "
                f"larger than the {MAX_PART_BYTES // (1024 * 1024)} MB limit"
            )
        if size <= 0:
            return b""
        chunks, got = [], 0
        while got < size:
            chunk = self._stream.read(min(size - got, 1 << 24))
            if not chunk:
                raise ImportError_(
                    f"{self.name}: the file ends inside a protobuf message at byte "
                    f"{self.pos + got}{self.what} (truncated)"
                )
            chunks.append(chunk)
            got += len(chunk)
        self.pos += size
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def read_up_to(self, size: int) -> bytes:
        """Up to ``size`` bytes; fewer only at the end of the stream."""
        chunks, got = [], 0
        while got < size:
            chunk = self._stream.read(size - got)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        self.pos += got
        return b"".join(chunks)

    def varint(self, *, eof_ok: bool = False) -> int | None:
        result, shift, start = 0, 0, self.pos
        while True:
            byte = self._stream.read(1)
            if not byte:
                if eof_ok and self.pos == start:
                    return None
                raise ImportError_(
                    f"{self.name}: the file ends inside a protobuf message at byte {self.pos}"
                    f"{self.what} (truncated)"
                )
            self.pos += 1
            result |= (byte[0] & 0x7F) << shift
            if not byte[0] & 0x80:
                return result
            shift += 7
            if shift > 63:
                raise self.damaged(start, "a varint is too long")

    def skip(self, wire: int, at: int) -> None:
        """Skip an unknown field (its tag already read)."""
        if wire == _VARINT:
            self.varint()
        elif wire == _I64:
            self.read(8)
        elif wire == _I32:
            self.read(4)
        elif wire == _LEN:
            self._skip_bytes(self.varint() or 0)
        else:
            raise self.damaged(at, f"wire type {wire} is not used by OTLP")

    def _skip_bytes(self, size: int) -> None:
        while size > 0:
            got = len(self.read(min(size, 1 << 24)))
            size -= got

    def damaged(self, at: int, what: str) -> ImportError_:
        return ImportError_(f"{self.name}: damaged protobuf at byte {at}{self.what}: {what}")


class _FileReader:
    """Streams the spans of one file into raw span batches."""

    def __init__(self, path: Path, compression: str, *, framed: bool) -> None:
        self.path, self.compression, self.framed = path, compression, framed
        self._size = max(path.stat().st_size, 1)
        self._raw: IO[bytes] | None = None
        self._spans: list[RawSpan] = []
        self._links: list[list[dict[str, Any]]] = []

    def progress(self) -> float:
        raw = self._raw
        if raw is None or raw.closed:
            return -1.0
        try:
            return min(raw.tell() / self._size, 1.0)
        except (OSError, ValueError):
            return -1.0

    def batches(self) -> Iterator[pa.RecordBatch]:
        try:
            pb = _protobuf()
        except ModuleNotFoundError as exc:
            raise ImportError_(
                f"{self.path}: reading OTLP protobuf needs the opentelemetry-proto package "
                f"({exc.name} is not installed)"
            ) from exc
        name = str(self.path)
        with open(self.path, "rb") as raw, contextlib.ExitStack() as stack:
            self._raw = raw
            stream: Any = raw
            if self.compression == "gzip":
                stream = stack.enter_context(gzip.GzipFile(fileobj=raw))
            elif self.compression == "zstd":
                stream = stack.enter_context(
                    zstandard.ZstdDecompressor().stream_reader(
                        raw, read_across_frames=True, closefd=False
                    )
                )
            try:
                what = "" if self.compression == "none" else " of the decompressed data"
                if self.framed:
                    yield from self._framed(_Stream(stream, name, what), pb)
                else:
                    yield from self._traces_data(_Stream(stream, name, what), None, pb)
            except (OSError, EOFError, zstandard.ZstdError) as exc:
                if self.compression == "none":
                    raise
                raise damaged_compression(name, self.compression, raw, exc) from exc
        if self._spans:
            yield self._flush()

    def _framed(self, outer: _Stream, pb: Any) -> Iterator[pa.RecordBatch]:
        number = 0
        while True:
            at = outer.pos
            prefix = outer.read_up_to(4)
            if not prefix:
                return
            number += 1
            if len(prefix) < 4:
                raise ImportError_(
                    f"{outer.name}: the file ends inside the length of message "
                    f"{number} at byte {at} (truncated)"
                )
            size = int.from_bytes(prefix, "big")
            where = f" of message {number} (its length prefix is at byte {at}{outer.what})"
            outer_what = outer.what
            outer.what = f"{outer_what}, inside message {number}"
            start = outer.pos
            first = outer.read(min(size, 4))
            payload: Any = _Prefixed(first, _Limited(outer, size - len(first)))
            if first == ZSTD_MAGIC:
                decompressed = zstandard.ZstdDecompressor().stream_reader(
                    payload, read_across_frames=True
                )
                try:
                    yield from self._traces_data(
                        _Stream(decompressed, outer.name, f" of the decompressed data{where}"),
                        None,
                        pb,
                    )
                except zstandard.ZstdError as exc:
                    raise ImportError_(
                        f"{outer.name}: damaged zstd data in{where[3:]}: {exc}"
                    ) from exc
                rest = size - (outer.pos - start)
                if rest:
                    outer.read(rest)  # trailing bytes the zstd reader left unread
            else:
                inner = _Stream(payload, outer.name, where)
                yield from self._traces_data(inner, size, pb)
            outer.what = outer_what

    def _traces_data(self, r: _Stream, end: int | None, pb: Any) -> Iterator[pa.RecordBatch]:
        """The fields of a TracesData until ``end`` bytes (or the end of the stream)."""
        while end is None or r.pos < end:
            at = r.pos
            tag = r.varint(eof_ok=end is None)
            if tag is None:
                return
            if tag == (1 << 3 | _LEN):
                yield from self._resource_spans(r, r.varint() or 0, pb)
            elif tag >> 3 == 0:
                raise r.damaged(at, "field number 0")
            else:
                r.skip(tag & 7, at)
        if r.pos != end:
            raise r.damaged(r.pos, "a field runs past its message")

    def _resource_spans(self, r: _Stream, size: int, pb: Any) -> Iterator[pa.RecordBatch]:
        end = r.pos + size
        resource: dict[str, Any] = {}
        while r.pos < end:
            at = r.pos
            tag = r.varint() or 0
            number, wire = tag >> 3, tag & 7
            if wire == _LEN and number == 1:
                message = _parse(r, pb.Resource, r.varint() or 0, at)
                resource = attributes(message.attributes)
            elif wire == _LEN and number in (2, 1000):
                yield from self._scope_spans(r, r.varint() or 0, resource, pb)
            else:
                r.skip(wire, at)
        if r.pos != end:
            raise r.damaged(r.pos, "a field runs past its message")

    def _scope_spans(
        self, r: _Stream, size: int, resource: dict[str, Any], pb: Any
    ) -> Iterator[pa.RecordBatch]:
        at = r.pos
        if size <= PARSE_WHOLE_BYTES:
            message = _parse(r, pb.ScopeSpans, size, at)
            scope = _scope(message.scope) if message.HasField("scope") else None
            for span in message.spans:
                self._add(span, resource, scope)
                if len(self._spans) >= BATCH_SPANS:
                    yield self._flush()
            return
        # A very large ScopeSpans: its scope comes first, then each span is parsed alone.
        end = at + size
        scope = None
        while r.pos < end:
            field_at = r.pos
            tag = r.varint() or 0
            number, wire = tag >> 3, tag & 7
            if wire == _LEN and number == 1:
                scope = _scope(_parse(r, pb.InstrumentationScope, r.varint() or 0, field_at))
            elif wire == _LEN and number == 2:
                self._add(_parse(r, pb.Span, r.varint() or 0, field_at), resource, scope)
                if len(self._spans) >= BATCH_SPANS:
                    yield self._flush()
            else:
                r.skip(wire, field_at)
        if r.pos != end:
            raise r.damaged(r.pos, "a field runs past its message")

    def _add(self, span: Any, resource: dict[str, Any], scope: dict[str, Any] | None) -> None:
        raw, links = convert_span(span, resource, scope)
        self._spans.append(raw)
        self._links.append(links)

    def _flush(self) -> pa.RecordBatch:
        batch = with_links(to_batch(self._spans), self._links)
        self._spans, self._links = [], []
        return batch


def _parse(r: _Stream, message_type: Any, size: int, at: int) -> Any:
    data = r.read(size)
    try:
        return message_type.FromString(data)
    except Exception as exc:  # google.protobuf.message.DecodeError and upb's own errors
        raise r.damaged(at, f"{message_type.DESCRIPTOR.name} cannot be decoded ({exc})") from exc


class _Limited(io.RawIOBase):
    """At most ``size`` bytes of another stream."""

    def __init__(self, stream: _Stream, size: int) -> None:
        self._stream, self._left = stream, size

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        size = self._left if size is None or size < 0 else min(size, self._left)
        data = self._stream.read(size)
        self._left -= len(data)
        return data


class _Prefixed(io.RawIOBase):
    """Bytes already read, followed by the rest of a stream."""

    def __init__(self, head: bytes, rest: _Limited) -> None:
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0:
                data, self._head = self._head + self._rest.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._rest.read(size)


def _protobuf() -> Any:
    """The generated OTLP message classes (imported on first use: the package is large)."""
    from opentelemetry.proto.common.v1 import common_pb2
    from opentelemetry.proto.resource.v1 import resource_pb2
    from opentelemetry.proto.trace.v1 import trace_pb2

    class Messages:
        Resource = resource_pb2.Resource
        ScopeSpans = trace_pb2.ScopeSpans
        InstrumentationScope = common_pb2.InstrumentationScope
        Span = trace_pb2.Span

    return Messages


# -- converting -------------------------------------------------------------------------------


def convert_span(
    span: Any, resource: dict[str, Any], scope: dict[str, Any] | None
) -> tuple[RawSpan, list[dict[str, Any]]]:
    """A protobuf Span as a raw span, mapped as the OTLP JSON reader maps it, and its links."""
    status = span.status
    raw = RawSpan(
        trace_id=span.trace_id.hex(),
        span_id=span.span_id.hex(),
        parent_span_id=span.parent_span_id.hex() or None,
        name=span.name,
        start_ns=_time(span.start_time_unix_nano),
        end_ns=_time(span.end_time_unix_nano),
        status=_STATUS.get(status.code, "unset"),
        status_message=status.message or None,
        span_kind=_KINDS.get(span.kind, "unspecified"),
        attributes=attributes(span.attributes),
        resource=resource,
        scope=scope,
        events=[
            RawEvent(e.name, _time(e.time_unix_nano), attributes(e.attributes)) for e in span.events
        ],
    )
    links = [
        {
            "trace_id": link.trace_id.hex(),
            "span_id": link.span_id.hex(),
            "attributes": attributes(link.attributes),
        }
        for link in span.links
    ]
    return raw, links


def _time(ns: int) -> int | None:
    """fixed64 ns; 0 (unset) and values past the int64 range (as the JSON reader does) are no time."""
    return ns if 0 < ns < 1 << 63 else None


def _scope(scope: Any) -> dict[str, Any]:
    return {
        "name": scope.name or None,
        "version": scope.version or None,
        "attributes": attributes(scope.attributes) or None,
    }


def attributes(pairs: Any) -> dict[str, Any]:
    """KeyValue list as a plain dict; a repeated key keeps its last value (as for OTLP JSON)."""
    return {kv.key: value(kv.value) for kv in pairs}


def value(v: Any) -> Any:
    """An AnyValue as a plain value: int64 stays an exact int, bytes become base64 text (as in
    OTLP JSON), arrays and key-value lists become lists and dicts at any depth."""
    which = v.WhichOneof("value")
    if which == "string_value":
        return v.string_value
    if which == "int_value":
        return v.int_value
    if which == "double_value":
        d = v.double_value
        return d if math.isfinite(d) else str(d)
    if which == "bool_value":
        return v.bool_value
    if which == "array_value":
        return [value(x) for x in v.array_value.values]
    if which == "kvlist_value":
        return {kv.key: value(kv.value) for kv in v.kvlist_value.values}
    if which == "bytes_value":
        return base64.b64encode(v.bytes_value).decode("ascii")
    return None
