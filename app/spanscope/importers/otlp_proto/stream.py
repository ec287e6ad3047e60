"""Reading the protobuf wire format from a byte stream: exact reads with the position kept
for error messages, varints, skipping unknown fields, and a message parsed once its bytes
are read."""

from __future__ import annotations

import io
from typing import IO, Any

from spanscope.importers.base import ImportError_

# One span (or resource, or scope) larger than this is refused rather than read into memory.
MAX_PART_BYTES = 512 * 1024 * 1024

VARINT, I64, LEN, I32 = 0, 1, 2, 5


class WireStream:
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
        if wire == VARINT:
            self.varint()
        elif wire == I64:
            self.read(8)
        elif wire == I32:
            self.read(4)
        elif wire == LEN:
            self._skip_bytes(self.varint() or 0)
        else:
            raise self.damaged(at, f"wire type {wire} is not used by OTLP")

    def _skip_bytes(self, size: int) -> None:
        while size > 0:
            got = len(self.read(min(size, 1 << 24)))
            size -= got

    def damaged(self, at: int, what: str) -> ImportError_:
        return ImportError_(f"{self.name}: damaged protobuf at byte {at}{self.what}: {what}")


def parse(r: WireStream, message_type: Any, size: int, at: int) -> Any:
    """The next ``size`` bytes parsed as ``message_type``; an error names where it starts."""
    data = r.read(size)
    try:
        return message_type.FromString(data)
    except Exception as exc:  # google.protobuf.message.DecodeError and upb's own errors
        raise r.damaged(at, f"{message_type.DESCRIPTOR.name} cannot be decoded ({exc})") from exc


class Limited(io.RawIOBase):
    """At most ``size`` bytes of another stream."""

    def __init__(self, stream: WireStream, size: int) -> None:
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


class Prefixed(io.RawIOBase):
    """Bytes already read, followed by the rest of a stream."""

    def __init__(self, head: bytes, rest: Limited) -> None:
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
