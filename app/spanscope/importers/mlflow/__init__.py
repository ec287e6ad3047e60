"""MLflow traces, schema v2 and v3, in every file shape they are saved in.

- A trace ``{info, data{spans}}``. v2: ``info.request_id`` and spans with
  ``context{span_id, trace_id}`` as ``0x`` hex, ``parent_id``, integer ns ``start_time``.
  v3: ``info.trace_id`` ("tr-..."), spans with base64 ``trace_id``/``span_id``,
  ``start_time_unix_nano`` and ``status{code: STATUS_CODE_*}``.
- A bare ``{"spans": [...]}`` excerpt, or a list of spans.
- A list of traces, JSON Lines of traces, or a document that holds traces a few levels down
  (a Databricks serving response keeps one at ``databricks_output.trace``).

Every span attribute value is a JSON document inside a string (``"\\"LLM\\""``). Each is
decoded once and kept under its own key; the MLflow conventions (span type, span inputs and
outputs, chat token usage) are then restated in the attribute conventions the store maps.
Trace-level facts (state, tags, metadata, assessments) go on the trace's root span, and the
trace state never overrides a span's own status: a trace that handled an error is OK while
the span that failed stays an error.

Ids that are placeholders (shared examples write ``"<redacted>"`` for every id) or repeated
within a trace are replaced by ids derived from the trace's content and the span's position,
so each trace stays apart and a re-import gives the same ids; a placeholder parent becomes the
span that encloses the child in time. The ids as written stay in ``mlflow.raw_ids``.

The package: :mod:`.traces` builds the spans of one trace (ids, status, trace-level facts),
:mod:`.conventions` restates MLflow's span conventions as the attributes the store maps.
"""

from __future__ import annotations

import contextlib
import json
import re
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import zstandard

from spanscope.importers.base import SAMPLE_BYTES, ArrowSource, BuiltinFormat, ImportError_, Sample
from spanscope.importers.batches import BATCH_SPANS
from spanscope.importers.compressed import decompressed
from spanscope.importers.mlflow.traces import trace_spans
from spanscope.model.raw import RawSpan, to_batch

# One JSON document is parsed whole; above this size the file is refused with a clear message.
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024
# How deep a wrapper document is searched for traces (databricks_output.trace is depth 2).
SEARCH_DEPTH = 4

_SPAN_TYPE_KEY = re.compile(rb'(?<!\\)"mlflow\.spanType"\s*:\s*"\\"')
_SPANS_KEY = re.compile(rb'(?<!\\)"spans"\s*:\s*\[')


class MlflowTrace:
    """MLflow traces (schema v2 and v3)."""

    name = "mlflow"

    def sniff(self, sample: Sample) -> bool:
        if sample.compression == "zip" or sample.first_char() not in ("{", "["):
            return False
        text = sample.text.lstrip()
        values: list[Any] = []
        if len(sample.head) < SAMPLE_BYTES:
            with contextlib.suppress(ValueError):
                values.append(json.loads(text))
        if not values:
            with contextlib.suppress(ValueError):
                values.append(json.loads(text.partition("\n")[0]))
        if values:
            return next(find_traces(values[0]), None) is not None
        # A large or damaged document: MLflow's JSON-encoded span type next to a span list.
        return bool(_SPAN_TYPE_KEY.search(sample.head) and _SPANS_KEY.search(sample.head))

    def source(self, sample: Sample, workdir: Path) -> ArrowSource:
        reader = JsonRecords(sample.path, sample.compression)
        return ArrowSource(batches=_batches(reader), progress=lambda: reader.fraction)


def _batches(reader: JsonRecords) -> Iterator[pa.RecordBatch]:
    pending: list[RawSpan] = []
    number = 0
    with reader:
        for where, value in reader.records():
            found = 0
            for trace in find_traces(value):
                number, found = number + 1, found + 1
                place = where if reader.lines else f"record {number}"
                pending.extend(trace_spans(trace, f"{reader.path}: {place}"))
                if len(pending) >= BATCH_SPANS:
                    yield to_batch(pending)
                    pending = []
            if reader.lines and not found:
                raise ImportError_(f"{reader.path}: {where} holds no MLflow trace")
    if pending:
        yield to_batch(pending)


# --- reading the file ----------------------------------------------------------------------


class JsonRecords:
    """JSON values of a file: each line of JSON Lines, or the one document (up to 512 MB)."""

    def __init__(self, path: Path, compression: str) -> None:
        self.path = path
        self.compression = compression
        self.lines = False
        self.fraction = 0.0

    def __enter__(self) -> JsonRecords:
        # Opened here, not in __init__, so a source that is never read leaves no file open.
        self._raw = open(self.path, "rb")  # noqa: SIM115 - closed by __exit__
        self._size = max(self.path.stat().st_size, 1)
        self._stream: IO[bytes] = decompressed(self._raw, self.compression)
        return self

    def __exit__(self, *exc: object) -> None:
        self._raw.close()

    def records(self) -> Iterator[tuple[str, Any]]:
        """(position, value) pairs; the position names the line for JSON Lines."""
        try:
            yield from self._records()
        except (OSError, EOFError, zlib.error, zstandard.ZstdError) as exc:
            raise ImportError_(f"{self.path}: the compressed data is damaged ({exc})") from exc

    def _records(self) -> Iterator[tuple[str, Any]]:
        first = self._read_line()
        number = 1
        while first is not None and not first.strip():
            first, number = self._read_line(), number + 1
        if first is None:
            return
        try:
            value = json.loads(first)
        except ValueError:
            yield "the document", self._whole(first)
            return
        self.lines = True
        yield f"line {number}", value
        while (line := self._read_line()) is not None:
            number += 1
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError as exc:
                raise ImportError_(f"{self.path}: not valid JSON at line {number} ({exc})") from exc
            self.fraction = self._raw.tell() / self._size
            yield f"line {number}", value

    def _read_line(self) -> bytes | None:
        line = self._stream.readline(MAX_DOCUMENT_BYTES + 1)
        if len(line) > MAX_DOCUMENT_BYTES:
            raise ImportError_(
                f"{self.path}: one JSON value is larger than 512 MB, which is "
                "more than Spanscope reads as a single document"
            )
        return line or None

    def _whole(self, start: bytes) -> Any:
        rest = self._stream.read(MAX_DOCUMENT_BYTES + 1 - len(start))
        if len(start) + len(rest) > MAX_DOCUMENT_BYTES:
            raise ImportError_(
                f"{self.path}: the JSON document is larger than 512 MB, which is "
                "more than Spanscope reads as a single document; save the "
                "traces as JSON Lines instead"
            )
        self.fraction = 0.5
        try:
            return json.loads(start + rest)
        except json.JSONDecodeError as exc:
            raise ImportError_(
                f"{self.path}: not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})"
            ) from exc
        except ValueError as exc:
            raise ImportError_(f"{self.path}: not valid JSON text ({exc})") from exc


# --- finding traces ------------------------------------------------------------------------


def find_traces(value: Any, depth: int = 0) -> Iterator[Mapping[str, Any]]:
    """Trace objects (``{info, data{spans}}`` or ``{spans}``) in a JSON value, searched a few
    levels into wrappers; a bare list of spans counts as one trace."""
    if isinstance(value, dict):
        if _is_trace(value):
            yield value
        elif depth < SEARCH_DEPTH:
            for item in value.values():
                yield from find_traces(item, depth + 1)
    elif isinstance(value, list) and value:
        if is_span(value[0]):
            yield {"spans": value}
        elif depth < SEARCH_DEPTH:
            for item in value:
                yield from find_traces(item, depth + 1)


def _is_trace(value: Mapping[str, Any]) -> bool:
    info, data = value.get("info"), value.get("data")
    if isinstance(info, dict) and isinstance(data, dict) and isinstance(data.get("spans"), list):
        keys = ("request_id", "trace_id", "trace_location", "request_metadata", "trace_metadata")
        return any(k in info for k in keys) and (not data["spans"] or is_span(data["spans"][0]))
    spans = value.get("spans")
    return isinstance(spans, list) and bool(spans) and is_span(spans[0])


def is_span(value: Any) -> bool:
    """An MLflow span: the v2 or v3 layout, or any span carrying MLflow's own attributes."""
    if not isinstance(value, dict) or "name" not in value:
        return False
    attributes = value.get("attributes")
    if isinstance(attributes, dict) and any(str(k).startswith("mlflow.") for k in attributes):
        return True
    context = value.get("context")
    if isinstance(context, dict) and "span_id" in context and "parent_id" in value:
        # Phoenix and console dumps share this layout but write ISO start times.
        return isinstance(value.get("start_time"), int)
    # OTLP spans share the v3 field names but carry attributes as a list of key/value pairs.
    return (
        "span_id" in value
        and "start_time_unix_nano" in value
        and isinstance(value.get("attributes", {}), dict)
    )


# Found by the format registry, which asks the formats by rising asked_at (importers/registry.py).
FORMAT = BuiltinFormat(MlflowTrace, asked_at=100)


__all__ = ["JsonRecords", "MlflowTrace", "find_traces", "is_span", "trace_spans"]
