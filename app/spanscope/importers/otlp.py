"""OTLP JSON: a TracesData document, JSON Lines of them (the collector's file exporter), or
pretty-printed objects one after another; plain, gzip or zstd.

The fast path hands DuckDB the file with an explicit schema, so every value is parsed once,
in C++. Variants DuckDB cannot read with that schema (snake_case keys, half-decoded attribute
maps, Node Buffer ids) go through :mod:`otlp_normalise` first, which rewrites them as
standard OTLP JSON Lines in a temporary file, one document at a time.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import zstandard

from spanscope.importers import otlp_normalise
from spanscope.importers.base import BuiltinFormat, Sample, SqlSource, sql_string
from spanscope.importers.inflation import check_inflation
from spanscope.sqlfiles import load

# DuckDB's JSON reader needs a bound on one object's size. Reading with the default is fastest;
# a file with a larger object is read again with the upper limit, and refused above that.
DEFAULT_OBJECT_BYTES = 16 * 1024 * 1024
MAX_OBJECT_BYTES = 1024 * 1024 * 1024

# The longest string value kept whole (characters); longer ones are cut with a note and a
# warning (otlp_macros.sql, otlp_capped). A 100 MB value imports within the default memory limit.
VALUE_CAP = 64 * 1024 * 1024

_ANY_VALUE = (
    "STRUCT(stringValue VARCHAR, intValue VARCHAR, doubleValue VARCHAR, boolValue BOOLEAN, "
    "arrayValue JSON, kvlistValue JSON, bytesValue VARCHAR)"
)
_KV = f"STRUCT(key VARCHAR, value {_ANY_VALUE})[]"
_SCOPE = f"STRUCT(name VARCHAR, version VARCHAR, attributes {_KV})"
_SPAN = (
    "STRUCT(traceId VARCHAR, spanId VARCHAR, parentSpanId VARCHAR, name VARCHAR, kind VARCHAR, "
    f"startTimeUnixNano VARCHAR, endTimeUnixNano VARCHAR, attributes {_KV}, "
    f"events STRUCT(timeUnixNano VARCHAR, name VARCHAR, attributes {_KV})[], "
    f"links STRUCT(traceId VARCHAR, spanId VARCHAR, attributes {_KV})[], "
    "status STRUCT(code VARCHAR, message VARCHAR))"
)
RESOURCE_SPANS_TYPE = (
    f"STRUCT(resource STRUCT(attributes {_KV}), "
    f"scopeSpans STRUCT(scope {_SCOPE}, spans {_SPAN}[])[], "
    f"instrumentationLibrarySpans STRUCT(instrumentationLibrary {_SCOPE}, spans {_SPAN}[])[])[]"
)

_CAMEL_NAMES = {
    "resource_spans": "resourceSpans",
    "scope_spans": "scopeSpans",
    "library_spans": "instrumentationLibrarySpans",
    "library": "instrumentationLibrary",
    "trace_id": "traceId",
    "span_id": "spanId",
    "parent_span_id": "parentSpanId",
    "start_time": "startTimeUnixNano",
    "end_time": "endTimeUnixNano",
    "time": "timeUnixNano",
}

_SNAKE_KEYS = re.compile(rb'"(resource_spans|scope_spans|trace_id|span_id|start_time_unix_nano)"')
# Shapes the typed reader would not reject but would misread: Node Buffer ids, {low, high}
# int64s, and attribute values that are plain JSON instead of AnyValue objects.
_ODD_VALUES = re.compile(
    rb'"type"\s*:\s*"Buffer"|"low"\s*:|"value"\s*:\s*[^{\s]'
    rb'|"value"\s*:\s*\{\s*"(?!stringValue|intValue|doubleValue|boolValue|arrayValue|kvlistValue|bytesValue)'
)


class OtlpJson:
    """OTLP JSON in all its file shapes."""

    name = "otlp-json"

    def sniff(self, sample: Sample) -> bool:
        if sample.compression == "zip" or sample.first_char() not in ("{", "["):
            return False
        return b'"resourceSpans"' in sample.head or b'"resource_spans"' in sample.head

    def source(self, sample: Sample, workdir: Path) -> SqlSource:
        if _SNAKE_KEYS.search(sample.head) or _ODD_VALUES.search(sample.head):
            return self._normalised(sample, workdir)
        layout = _json_layout(sample)
        fast = self.fast_source(sample.path, sample.compression, layout, DEFAULT_OBJECT_BYTES)

        def retry(error: Exception) -> SqlSource | None:
            if "maximum_object_size" in str(error):
                limit = object_bound(sample.path, sample.compression)
                bigger = self.fast_source(sample.path, sample.compression, layout, limit)
                bigger.fallback = retry_variant
                return bigger
            return retry_variant(error)

        def retry_variant(error: Exception) -> SqlSource | None:
            # Malformed JSON is the file's fault whichever way it is read; anything else may be
            # a variant the typed schema cannot take, which the normaliser can.
            text = str(error)
            if "Malformed JSON" in text or "maximum_object_size" in text or _out_of_memory(text):
                # Out of memory: the normaliser would hold the same values in Python objects,
                # and then fail on its own copy with a message about that copy.
                return None
            return self._normalised(sample, workdir)

        fast.fallback = retry
        return fast

    def batch_key(self, sample: Sample) -> str | None:
        """How a small file is read with others (:meth:`batch_source`): its layout; None for
        a file read alone (a BOM, a variant that needs the normaliser)."""
        if sample.head.startswith(b"\xef\xbb\xbf"):
            return None
        if _SNAKE_KEYS.search(sample.head) or _ODD_VALUES.search(sample.head):
            return None
        return _json_layout(sample)

    def batch_source(self, files: list[tuple[Path, str, str]], workdir: Path) -> SqlSource:
        """Read several small standard OTLP JSON files (path, compression, :meth:`batch_key`)
        as one: each file's documents become one line of a file in ``workdir``,
        ``{"spanscopeFile": N, "docs": [...]}``, without parsing them (DuckDB reads each file
        apart at about 15 ms a file, however small). The column ``file_name`` holds N, the
        file's position in ``files``. A file holding anything but its layout's JSON makes the
        whole line invalid, and the batch fails."""
        combined = workdir / "small-files.jsonl"
        with open(combined, "wb") as out:
            for number, (path, compression, layout) in enumerate(files):
                out.write(b'{"spanscopeFile": %d, "docs": ' % number)
                out.write(_as_one_line(_read_whole(path, compression), layout))
                out.write(b"}\n")
        docs = f"STRUCT(resourceSpans {RESOURCE_SPANS_TYPE})[]"
        reader = (
            f"(SELECT spanscopeFile::VARCHAR AS filename, doc.resourceSpans AS resourceSpans "
            f"FROM (SELECT spanscopeFile, unnest(docs) AS doc FROM read_json("
            f"{sql_string(str(combined))}, format='newline_delimited', records=true, "
            f"maximum_object_size={4 * _BATCH_LINE_BYTES}, "
            f"columns={{'spanscopeFile': 'BIGINT', 'docs': '{docs}'}})))"
        )
        return self._select(reader, "filename")

    def fast_source(
        self, path: Path, compression: str, layout: str, max_object: int = DEFAULT_OBJECT_BYTES
    ) -> SqlSource:
        """Read a standard OTLP JSON file with DuckDB's JSON reader."""
        reader = (
            f"read_json({sql_string(str(path))}, format='{layout}', compression='{compression}', "
            f"records=true, maximum_object_size={max_object}, "
            f"columns={{'resourceSpans': '{RESOURCE_SPANS_TYPE}'}})"
        )
        return self._select(reader, "NULL::VARCHAR")

    def _select(self, reader: str, file_name: str) -> SqlSource:
        template = load("spanscope.importers", "otlp_json.sql")
        select = template.replace("{source}", reader).replace("{file_name}", file_name)
        for placeholder, key in _CAMEL_NAMES.items():
            select = select.replace("{" + placeholder + "}", key)
        macros = load("spanscope.importers", "otlp_macros.sql")
        return SqlSource(select=select, setup=[macros.replace("{value_cap}", str(VALUE_CAP))])

    def _normalised(self, sample: Sample, workdir: Path) -> SqlSource:
        target = workdir / "normalised.jsonl"
        otlp_normalise.rewrite(sample.path, sample.compression, target)
        limit = max(DEFAULT_OBJECT_BYTES, object_bound(target, "none"))
        source = self.fast_source(target, "none", "newline_delimited", limit)
        source.cleanup.append(target)
        return source


_BATCH_LINE_BYTES = 1024 * 1024  # a file above this (inflated) is not batched


def _read_whole(path: Path, compression: str) -> bytes:
    """A small file's content, inflated (the caller checked its inflated size)."""
    if compression == "gzip":
        with gzip.open(path, "rb") as packed:
            return packed.read(_BATCH_LINE_BYTES + 1)
    if compression == "zstd":
        with open(path, "rb") as raw:
            reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
            return reader.read(_BATCH_LINE_BYTES + 1)
    return path.read_bytes()


def _as_one_line(content: bytes, layout: str) -> bytes:
    """A file's documents as one JSON array on one line. A line break outside a string is
    white space in JSON (inside one it is not allowed), so it becomes a space; the lines of
    JSON Lines are joined with commas."""
    if layout == "newline_delimited":
        lines = [line.strip() for line in content.split(b"\n")]
        return b"[" + b",".join(line for line in lines if line) + b"]"
    flat = content.replace(b"\r", b" ").replace(b"\n", b" ")
    return flat if layout == "array" else b"[" + flat + b"]"


def object_bound(path: Path, compression: str) -> int:
    """The largest JSON object ``path`` can hold, at most :data:`MAX_OBJECT_BYTES`: its size
    once inflated. DuckDB allocates buffers of the bound given, so a bound of 1 GB for a file
    holding 200 MB ran out of memory and was said to pass the 1 GB limit."""
    size = check_inflation(path, compression)  # the cap was checked: this stays under it
    return min(MAX_OBJECT_BYTES, max(size + 1, 2 * DEFAULT_OBJECT_BYTES))


def _out_of_memory(text: str) -> bool:
    return "Out of Memory" in text or "failed to allocate" in text


def _json_layout(sample: Sample) -> str:
    """newline_delimited when the first line is one whole JSON value (read in parallel); array
    for a top-level list; otherwise values one after another (pretty-printed or concatenated)."""
    text = sample.text.lstrip()
    if text.startswith("["):
        return "array"
    first_line, newline, _ = text.partition("\n")
    if not newline:
        return "unstructured"
    try:
        json.loads(first_line)
    except ValueError:
        return "unstructured"
    return "newline_delimited"


# Found by the format registry, which asks the formats by rising asked_at (importers/registry.py).
FORMAT = BuiltinFormat(OtlpJson, asked_at=10)
