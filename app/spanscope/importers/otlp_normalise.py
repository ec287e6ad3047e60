"""Rewrites unusual OTLP JSON into standard OTLP JSON Lines, one document at a time.

Handles what generic converters and SDK dumps produce: snake_case keys
(``MessageToDict(preserving_proto_field_name=True)``), enum names, attribute maps that are
plain objects or half-unwrapped, Node ``{"type":"Buffer","data":[...]}`` ids and
``{low, high}`` int64 times. Memory stays bounded by the largest single document.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import zstandard

from spanscope.importers.base import ImportError_

MAX_DOCUMENT_CHARS = 512 * 1024 * 1024
_CHUNK = 1024 * 1024
_SNAKE = re.compile(r"_([a-z])")
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_VALUE_KEYS = {
    "stringValue",
    "intValue",
    "doubleValue",
    "boolValue",
    "arrayValue",
    "kvlistValue",
    "bytesValue",
}
_ID_KEYS = {"traceId", "spanId", "parentSpanId"}
_TIME_KEYS = {"startTimeUnixNano", "endTimeUnixNano", "timeUnixNano"}


def rewrite(path: Path, compression: str, target: Path) -> int:
    """Write ``path`` as OTLP JSON Lines to ``target``; returns the number of documents."""
    count = 0
    with _open_text(path, compression) as stream, open(target, "w", encoding="utf-8") as out:
        try:
            for value in iter_json_values(stream, str(path)):
                docs = value if isinstance(value, list) else [value]
                for doc in docs:
                    if not isinstance(doc, dict):
                        continue
                    out.write(json.dumps(normalise_document(doc), separators=(",", ":")))
                    out.write("\n")
                    count += 1
        except (EOFError, zlib.error, zstandard.ZstdError) as exc:
            raise ImportError_(
                f"{path}: the {compression} data is damaged or cut short after "
                f"{count} documents ({exc})"
            ) from None
    return count


def _open_text(path: Path, compression: str) -> IO[str]:
    if compression == "gzip":
        return gzip.open(path, "rt", encoding="utf-8-sig", errors="surrogateescape")
    if compression == "zstd":
        raw = open(path, "rb")  # noqa: SIM115 - closed with the wrapper
        reader = zstandard.ZstdDecompressor().stream_reader(
            raw, read_across_frames=True, closefd=True
        )
        import io

        return io.TextIOWrapper(reader, encoding="utf-8-sig", errors="surrogateescape")
    return open(path, encoding="utf-8-sig", errors="surrogateescape")


def iter_json_values(stream: IO[str], name: str) -> Iterator[Any]:
    """Top-level JSON values one after another (JSON Lines, concatenated or pretty-printed).

    Values are decoded in place in the buffer (never one copy of the rest per value), and while
    a value is incomplete the buffer at least doubles before the next try, so a large document
    is parsed a few times at most, not once per chunk read."""
    decoder = json.JSONDecoder()
    buffer, pos, eof = "", 0, False
    base_lines, base_chars = 1, 0  # line and character number of buffer[0]
    while True:
        pos = _JSON_SPACE.match(buffer, pos).end()  # type: ignore[union-attr]
        if pos < len(buffer):
            try:
                value, end = decoder.raw_decode(buffer, pos)
            except json.JSONDecodeError as exc:
                if eof or len(buffer) - pos >= MAX_DOCUMENT_CHARS:
                    line = base_lines + exc.lineno - 1
                    where = f"line {line}, character {base_chars + exc.pos}"
                    if len(buffer) - pos >= MAX_DOCUMENT_CHARS:
                        raise ImportError_(
                            f"{name}: a JSON document at {where} is larger than "
                            f"{MAX_DOCUMENT_CHARS // (1024 * 1024)} MB"
                        ) from exc
                    raise ImportError_(f"{name}: invalid JSON at {where}: {exc.msg}") from exc
            else:
                yield value
                pos = end
                continue
        elif eof:
            return
        # Keep only the unread part, then read at least as much again.
        base_lines += buffer.count("\n", 0, pos)
        base_chars += pos
        rest = buffer[pos:]
        chunk = stream.read(max(_CHUNK, min(len(rest), MAX_DOCUMENT_CHARS - len(rest))))
        eof = not chunk
        buffer, pos = rest + chunk, 0


def camel(key: str) -> str:
    return _SNAKE.sub(lambda m: m.group(1).upper(), key)


def normalise_document(doc: dict[str, Any]) -> dict[str, Any]:
    """A TracesData object with standard camelCase keys and AnyValue attributes."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        key = camel(key)
        if key == "resourceSpans" and isinstance(value, list):
            value = [_resource_spans(rs) for rs in value if isinstance(rs, dict)]
        out[key] = value
    return out


def _resource_spans(rs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in rs.items():
        key = camel(key)
        if key == "resource" and isinstance(value, dict):
            value = _with_attributes(value)
        elif key in ("scopeSpans", "instrumentationLibrarySpans") and isinstance(value, list):
            value = [_scope_spans(ss) for ss in value if isinstance(ss, dict)]
        out[key] = value
    return out


def _scope_spans(ss: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in ss.items():
        key = camel(key)
        if key in ("scope", "instrumentationLibrary") and isinstance(value, dict):
            value = _with_attributes(value)
        elif key == "spans" and isinstance(value, list):
            value = [_span(s) for s in value if isinstance(s, dict)]
        out[key] = value
    return out


def _span(span: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in span.items():
        key = camel(key)
        if key in _ID_KEYS:
            value = _id(value)
        elif key in _TIME_KEYS:
            value = _int_text(value)
        elif key == "attributes":
            value = _attributes(value)
        elif key in ("events", "links") and isinstance(value, list):
            value = [_span(item) for item in value if isinstance(item, dict)]
        elif key == "status" and isinstance(value, dict):
            value = {camel(k): v for k, v in value.items()}
        elif key in ("kind",) and isinstance(value, str):
            value = value
        out[key] = value
    return out


def _with_attributes(obj: dict[str, Any]) -> dict[str, Any]:
    return {camel(k): (_attributes(v) if camel(k) == "attributes" else v) for k, v in obj.items()}


def _attributes(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):  # a plain {key: value} map
        return [{"key": k, "value": any_value(v)} for k, v in value.items()]
    if isinstance(value, list):
        return [
            {"key": kv.get("key"), "value": any_value(kv.get("value"))}
            for kv in value
            if isinstance(kv, dict)
        ]
    return []


def any_value(value: Any) -> dict[str, Any]:
    """A value as an OTLP AnyValue, whether it is one already (in any key style) or plain."""
    if isinstance(value, dict):
        camelised = {camel(k): v for k, v in value.items()}
        if camelised and set(camelised) <= _VALUE_KEYS:
            if "arrayValue" in camelised and isinstance(camelised["arrayValue"], dict):
                items = camelised["arrayValue"].get("values") or []
                return {"arrayValue": {"values": [any_value(v) for v in items]}}
            if "kvlistValue" in camelised and isinstance(camelised["kvlistValue"], dict):
                return {
                    "kvlistValue": {"values": _attributes(camelised["kvlistValue"].get("values"))}
                }
            if "intValue" in camelised:
                return {"intValue": _int_text(camelised["intValue"])}
            return camelised
        if set(value) == {"values"} and isinstance(value["values"], list):
            return {"arrayValue": {"values": [any_value(v) for v in value["values"]]}}
        if not value:
            return {}
        return {"kvlistValue": {"values": _attributes(value)}}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, list):
        return {"arrayValue": {"values": [any_value(v) for v in value]}}
    if value is None:
        return {}
    return {"stringValue": str(value)}


def _id(value: Any) -> Any:
    if (
        isinstance(value, dict)
        and value.get("type") == "Buffer"
        and isinstance(value.get("data"), list)
    ):
        return bytes(int(b) & 0xFF for b in value["data"]).hex()
    return value


def _int_text(value: Any) -> Any:
    if isinstance(value, dict) and "low" in value:
        low = int(value.get("low") or 0) & 0xFFFFFFFF
        high = int(value.get("high") or 0) & 0xFFFFFFFF
        number = (high << 32) | low
        if not value.get("unsigned") and number >= 1 << 63:
            number -= 1 << 64
        return str(number)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    return value
