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

The package: :mod:`.wire` recognises the format, :mod:`.stream` reads the wire format from a
stream, :mod:`.convert` turns parsed spans into raw spans.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import zstandard

from spanscope.importers.base import ZSTD_MAGIC, ArrowSource, BuiltinFormat, ImportError_, Sample
from spanscope.importers.batches import BATCH_SPANS, with_links
from spanscope.importers.compressed import FileProgress, damaged_compression, decompressed
from spanscope.importers.otlp_proto.convert import (
    attributes,
    convert_span,
    protobuf_messages,
    scope_of,
)
from spanscope.importers.otlp_proto.stream import LEN, Limited, Prefixed, WireStream, parse
from spanscope.importers.otlp_proto.wire import layout
from spanscope.model.raw import RawSpan, to_batch

# A ScopeSpans up to this size is parsed whole; a larger one span by span.
PARSE_WHOLE_BYTES = 8 * 1024 * 1024


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


class _FileReader:
    """Streams the spans of one file into raw span batches."""

    def __init__(self, path: Path, compression: str, *, framed: bool) -> None:
        self.path, self.compression, self.framed = path, compression, framed
        self.progress = FileProgress(path)
        self._spans: list[RawSpan] = []
        self._links: list[list[dict[str, Any]]] = []

    def batches(self) -> Iterator[pa.RecordBatch]:
        try:
            pb = protobuf_messages()
        except ModuleNotFoundError as exc:
            raise ImportError_(
                f"{self.path}: reading OTLP protobuf needs the opentelemetry-proto package "
                f"({exc.name} is not installed)"
            ) from exc
        name = str(self.path)
        with open(self.path, "rb") as raw, contextlib.ExitStack() as stack:
            self.progress.raw = raw
            stream = stack.enter_context(decompressed(raw, self.compression))
            try:
                what = "" if self.compression == "none" else " of the decompressed data"
                if self.framed:
                    yield from self._framed(WireStream(stream, name, what), pb)
                else:
                    yield from self._traces_data(WireStream(stream, name, what), None, pb)
            except (OSError, EOFError, zstandard.ZstdError) as exc:
                if self.compression == "none":
                    raise
                raise damaged_compression(name, self.compression, raw, exc) from exc
        if self._spans:
            yield self._flush()

    def _framed(self, outer: WireStream, pb: Any) -> Iterator[pa.RecordBatch]:
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
            payload: Any = Prefixed(first, Limited(outer, size - len(first)))
            if first == ZSTD_MAGIC:
                decompressed = zstandard.ZstdDecompressor().stream_reader(
                    payload, read_across_frames=True
                )
                try:
                    yield from self._traces_data(
                        WireStream(decompressed, outer.name, f" of the decompressed data{where}"),
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
                inner = WireStream(payload, outer.name, where)
                yield from self._traces_data(inner, size, pb)
            outer.what = outer_what

    def _traces_data(self, r: WireStream, end: int | None, pb: Any) -> Iterator[pa.RecordBatch]:
        """The fields of a TracesData until ``end`` bytes (or the end of the stream)."""
        while end is None or r.pos < end:
            at = r.pos
            tag = r.varint(eof_ok=end is None)
            if tag is None:
                return
            if tag == (1 << 3 | LEN):
                yield from self._resource_spans(r, r.varint() or 0, pb)
            elif tag >> 3 == 0:
                raise r.damaged(at, "field number 0")
            else:
                r.skip(tag & 7, at)
        if r.pos != end:
            raise r.damaged(r.pos, "a field runs past its message")

    def _resource_spans(self, r: WireStream, size: int, pb: Any) -> Iterator[pa.RecordBatch]:
        end = r.pos + size
        resource: dict[str, Any] = {}
        while r.pos < end:
            at = r.pos
            tag = r.varint() or 0
            number, wire = tag >> 3, tag & 7
            if wire == LEN and number == 1:
                message = parse(r, pb.Resource, r.varint() or 0, at)
                resource = attributes(message.attributes)
            elif wire == LEN and number in (2, 1000):
                yield from self._scope_spans(r, r.varint() or 0, resource, pb)
            else:
                r.skip(wire, at)
        if r.pos != end:
            raise r.damaged(r.pos, "a field runs past its message")

    def _scope_spans(
        self, r: WireStream, size: int, resource: dict[str, Any], pb: Any
    ) -> Iterator[pa.RecordBatch]:
        at = r.pos
        if size <= PARSE_WHOLE_BYTES:
            message = parse(r, pb.ScopeSpans, size, at)
            scope = scope_of(message.scope) if message.HasField("scope") else None
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
            if wire == LEN and number == 1:
                scope = scope_of(parse(r, pb.InstrumentationScope, r.varint() or 0, field_at))
            elif wire == LEN and number == 2:
                self._add(parse(r, pb.Span, r.varint() or 0, field_at), resource, scope)
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


# Found by the format registry, which asks the formats by rising asked_at (importers/registry.py).
FORMAT = BuiltinFormat(OtlpProtobuf, asked_at=20)


__all__ = ["OtlpProtobuf", "convert_span", "layout"]
