"""The collector file exporter's ``format: json`` with ``compression: zstd``.

With compression on, the exporter can no longer write one JSON object per line: each batch's
``ExportTraceServiceRequest`` JSON is zstd-compressed and written after its length as a 4-byte
big-endian unsigned integer (``exportMessageAsBuffer`` in the exporter's ``file_writer.go``),
exactly as it frames protobuf. The whole file may also be gzip or zstd (a rotated backup
compressed afterwards).

Each frame is decompressed in turn into a JSON Lines file in the import's private folder, which
is then read as OTLP JSON (:mod:`.otlp`), so both forms map identically and memory stays
bounded by one batch. A frame that is cut short or does not decompress fails the file, naming
the frame and its byte offset.
"""

from __future__ import annotations

import json
from pathlib import Path

import zstandard

from spanscope.importers.base import (
    ZSTD_MAGIC,
    BuiltinFormat,
    ImportError_,
    Sample,
    SqlSource,
    read_sample,
)
from spanscope.importers.compressed import decompressed
from spanscope.importers.otlp import OtlpJson

# One batch's JSON is at most this large (the exporter's batches are far smaller).
_MAX_FRAME = 1024 * 1024 * 1024
_PEEK = 64 * 1024


def _first_frame(head: bytes) -> bytes | None:
    """The start of the first frame's JSON, when ``head`` begins like such a file."""
    if len(head) < 8 or head[4:8] != ZSTD_MAGIC:
        return None
    size = int.from_bytes(head[:4], "big")
    if size < 9 or size > _MAX_FRAME:
        return None
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(head[4 : 4 + size])
        return reader.read(_PEEK)
    except zstandard.ZstdError:
        return None


class OtlpFramedJson:
    """OTLP JSON written by the collector's file exporter with zstd compression."""

    name = "otlp-json"

    def sniff(self, sample: Sample) -> bool:
        start = _first_frame(sample.head)
        if start is None:
            return False
        text = start.decode("utf-8", errors="replace").lstrip()
        return text.startswith("{") and '"resourceSpans"' in text[:4096]

    def source(self, sample: Sample, workdir: Path) -> SqlSource:
        lines = workdir / f"{sample.path.name}.jsonl"
        frames = 0
        with open(sample.path, "rb") as raw, open(lines, "wb") as out:
            stream = decompressed(raw, sample.compression)
            offset = 0
            while True:
                prefix = stream.read(4)
                if not prefix:
                    break
                frames += 1
                where = f"frame {frames} (byte {offset})"
                if len(prefix) < 4:
                    raise ImportError_(f"{sample.path}: the file ends inside {where}")
                size = int.from_bytes(prefix, "big")
                data = stream.read(size)
                if len(data) < size:
                    raise ImportError_(f"{sample.path}: the file ends inside {where}")
                try:
                    text = zstandard.ZstdDecompressor().decompressobj().decompress(data)
                    json.loads(text)
                except zstandard.ZstdError as exc:
                    raise ImportError_(
                        f"{sample.path}: {where} does not decompress ({exc})"
                    ) from exc
                except ValueError as exc:
                    raise ImportError_(f"{sample.path}: {where} is not JSON ({exc})") from exc
                out.write(text.strip() + b"\n")
                offset += 4 + size
        if not frames:
            raise ImportError_(f"{sample.path}: no frames")
        return OtlpJson().source(read_sample(lines), workdir)


# Found by the format registry, which asks the formats by rising asked_at (importers/registry.py).
FORMAT = BuiltinFormat(OtlpFramedJson, asked_at=30)


__all__ = ["OtlpFramedJson"]
