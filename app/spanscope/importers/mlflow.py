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
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

import pyarrow as pa
import zstandard

from spanscope.importers.base import SAMPLE_BYTES, ArrowSource, ImportError_, Sample
from spanscope.model.raw import RawEvent, RawSpan, to_batch

# One JSON document is parsed whole; above this size the file is refused with a clear message.
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024
BATCH_SPANS = 2000
# How deep a wrapper document is searched for traces (databricks_output.trace is depth 2).
SEARCH_DEPTH = 4

KINDS = {
    "LLM": "llm",
    "CHAT_MODEL": "llm",
    "EMBEDDING": "embedding",
    "TOOL": "tool",
    "RETRIEVER": "retriever",
    "RERANKER": "reranker",
    "AGENT": "agent",
    "CHAIN": "chain",
    "PARSER": "chain",
    "WORKFLOW": "chain",
    "TASK": "chain",
    "GUARDRAIL": "guardrail",
    "EVALUATOR": "evaluator",
    # Memory reads and writes are neither model calls nor ranked retrieval; their type stays
    # visible in mlflow.spanType.
    "MEMORY": "other",
    "UNKNOWN": "other",
}
OPERATIONS = {
    "llm": "chat",
    "embedding": "embeddings",
    "tool": "execute_tool",
    "retriever": "retrieval",
    "agent": "invoke_agent",
}
PARAMS = {
    "temperature": "temperature",
    "max_tokens": "max_tokens",
    "max_completion_tokens": "max_tokens",
    "max_output_tokens": "max_tokens",
    "top_p": "top_p",
    "top_k": "top_k",
    "stop": "stop_sequences",
    "n": "choice.count",
    "seed": "seed",
    "frequency_penalty": "frequency_penalty",
    "presence_penalty": "presence_penalty",
    "stream": "stream",
}

# Ids as real exporters write them. Anything else (e.g. "<redacted>" in shared examples) is a
# placeholder: spans get ids derived from their trace and position instead.
_ID = re.compile(r"[A-Za-z0-9+/=_.:\-]{1,200}")
_HEX = re.compile(r"(0[xX])?[0-9a-fA-F]+")
_PLACEHOLDER = re.compile(r"<[^<>]*>")
_SPAN_TYPE_KEY = re.compile(rb'(?<!\\)"mlflow\.spanType"\s*:\s*"\\"')
_SPANS_KEY = re.compile(rb'(?<!\\)"spans"\s*:\s*\[')
_FRACTION = re.compile(r"\.(\d+)")


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
        stream: IO[bytes] = self._raw
        if self.compression == "gzip":
            stream = cast(IO[bytes], gzip.GzipFile(fileobj=self._raw))
        elif self.compression == "zstd":
            reader = zstandard.ZstdDecompressor().stream_reader(self._raw)
            stream = io.BufferedReader(cast(io.RawIOBase, reader))
        self._stream = stream
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


# --- one trace -----------------------------------------------------------------------------


@dataclass
class _Span:
    index: int
    name: str | None
    trace_id: Any
    span_id: Any
    parent: Any
    start: int | None
    end: int | None
    status: str
    message: str | None
    attributes: dict[str, Any]
    events: list[RawEvent] = field(default_factory=list)


def trace_spans(trace: Mapping[str, Any], where: str) -> list[RawSpan]:
    """The raw spans of one trace object; ``where`` names it in error messages."""
    info = _dict(trace.get("info"))
    data = trace.get("data")
    spans = data.get("spans") if isinstance(data, dict) else trace.get("spans")
    if not isinstance(spans, list):
        raise ImportError_(f"{where}: the trace has no list of spans")
    parsed = [_parse_span(s, i, where) for i, s in enumerate(spans)]
    ids = _resolve_ids(parsed, info)
    # The trace's facts go on its earliest root (a span whose parent is not in the trace).
    known = {ids[p.index][1] for p in parsed}
    roots = {p.index for p in parsed if ids[p.index][2] is None or ids[p.index][2] not in known}
    first_root = min(roots, key=lambda i: (parsed[i].start or 0, i)) if roots else None
    trace_level = _trace_attributes(info)
    context: dict[str, Any] = {k: trace_level.get(k) for k in ("session.id", "user.id")}
    out: list[RawSpan] = []
    for p in parsed:
        trace_id, span_id, parent = ids[p.index]
        attributes = dict(p.attributes)
        _add(attributes, mapped_attributes(p.attributes, p.name))
        _add(attributes, context)
        if p.index == first_root:
            _add(attributes, trace_level)
            p.events.extend(_assessment_events(info))
        if (trace_id, span_id) != (p.trace_id, p.span_id) or parent != p.parent:
            attributes["mlflow.raw_ids"] = {
                "trace_id": p.trace_id,
                "span_id": p.span_id,
                "parent_span_id": p.parent,
            }
        out.append(
            RawSpan(
                trace_id=trace_id,
                span_id=span_id,
                parent_span_id=parent,
                name=p.name,
                start_ns=p.start,
                end_ns=p.end,
                status=p.status,
                status_message=p.message,
                attributes=attributes,
                events=p.events,
            )
        )
    return out


def _parse_span(span: Any, index: int, where: str) -> _Span:
    here = f"{where}, span {index + 1}"
    if not isinstance(span, dict):
        raise ImportError_(f"{here}: a span must be a JSON object")
    context = span.get("context")
    if isinstance(context, dict):  # schema v2
        trace_id, span_id = context.get("trace_id"), context.get("span_id")
        parent = span.get("parent_id")
        start, end = span.get("start_time"), span.get("end_time")
    else:  # schema v3
        trace_id, span_id = span.get("trace_id"), span.get("span_id")
        parent = span.get("parent_span_id", span.get("parent_id"))
        start = span.get("start_time_unix_nano", span.get("start_time"))
        end = span.get("end_time_unix_nano", span.get("end_time"))
    status, message = _status(span)
    raw_attributes = span.get("attributes") or {}
    if not isinstance(raw_attributes, dict):
        raise ImportError_(f"{here}: attributes must be a JSON object")
    events = span.get("events") or []
    if not isinstance(events, list):
        raise ImportError_(f"{here}: events must be a list")
    try:
        return _Span(
            index,
            _text(span.get("name")),
            _id(trace_id),
            _id(span_id),
            _id(parent),
            to_ns(start),
            to_ns(end),
            status,
            message,
            {str(k): decode(v) for k, v in raw_attributes.items()},
            [_event(e) for e in events],
        )
    except (ValueError, TypeError, AttributeError) as exc:
        raise ImportError_(f"{here}: {exc}") from exc


def _status(span: Mapping[str, Any]) -> tuple[str, str | None]:
    status = span.get("status")
    code: Any = span.get("status_code")
    message: Any = span.get("status_message")
    if isinstance(status, dict):
        code = status.get("code", status.get("status_code", code))
        message = status.get("message", status.get("description", message))
    elif status is not None and code is None:
        code = status
    text = str(code or "").upper()
    state = (
        "error"
        if "ERROR" in text or text == "2"
        else "ok"
        if "OK" in text or text == "1"
        else "unset"
    )
    return state, (str(message) if message else None)


def _event(event: Any) -> RawEvent:
    if not isinstance(event, dict):
        raise ValueError("an event must be a JSON object")
    attributes = event.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise ValueError("event attributes must be a JSON object")
    when = event.get("time_unix_nano", event.get("timestamp"))
    return RawEvent(str(event.get("name") or ""), to_ns(when), dict(attributes))


def _resolve_ids(
    spans: list[_Span], info: Mapping[str, Any]
) -> dict[int, tuple[str, str, str | None]]:
    """Final (trace id, span id, parent id) per span. Ids as written are kept; placeholder or
    repeated ids are replaced by ids derived from the trace's content and the span's position
    (stable across re-imports), and a placeholder parent is the latest-starting span that
    encloses the child's start."""
    fallback = next(
        (str(info[k]) for k in ("trace_id", "request_id") if _usable(info.get(k))), None
    )
    if fallback is None:
        written = {s.trace_id for s in spans if _usable(s.trace_id)}
        fallback = written.pop() if len(written) == 1 else _derived_trace_id(spans, info)
    trace_of = {s.index: str(s.trace_id) if _usable(s.trace_id) else fallback for s in spans}
    seen: dict[tuple[str, str], int] = {}
    for s in spans:
        if _usable(s.span_id):
            key = (trace_of[s.index], _id_key(s.span_id))
            seen[key] = seen.get(key, 0) + 1
    final: dict[int, str] = {}
    for s in spans:
        trace_id = trace_of[s.index]
        if _usable(s.span_id) and seen[(trace_id, _id_key(s.span_id))] == 1:
            final[s.index] = str(s.span_id)
        else:
            final[s.index] = _digest(trace_id, s.index, s.name, s.start)[:16]
    by_written: dict[tuple[str, str], list[int]] = {}
    for s in spans:
        if s.span_id is not None:
            by_written.setdefault((trace_of[s.index], _id_key(s.span_id)), []).append(s.index)
    members: dict[str, list[int]] = {}
    for s in spans:
        members.setdefault(trace_of[s.index], []).append(s.index)
    out: dict[int, tuple[str, str, str | None]] = {}
    for s in spans:
        trace_id = trace_of[s.index]
        parent: str | None = None
        if s.parent not in (None, ""):
            owners = by_written.get((trace_id, _id_key(s.parent)), [])
            if _usable(s.parent) and len(owners) == 1:
                parent = final[owners[0]]  # as its span wrote it (0x or case may differ)
            elif _usable(s.parent) and not owners:
                parent = str(s.parent)  # a parent outside this file: kept, the store warns
            else:
                pool = owners or members[trace_id]
                chosen = _enclosing(s, [spans[i] for i in pool])
                parent = final[chosen] if chosen is not None else None
        out[s.index] = (trace_id, final[s.index], parent)
    return out


def _enclosing(child: _Span, pool: list[_Span]) -> int | None:
    """The span that most tightly encloses the child's start, earlier in (start, position)
    order, so inferred parents can never form a cycle."""

    def order(s: _Span) -> tuple[int, int]:
        return (s.start if s.start is not None else -(2**62), s.index)

    best: _Span | None = None
    for c in pool:
        if order(c) >= order(child):
            continue
        if c.end is not None and child.start is not None and c.end < child.start:
            continue
        if best is None or order(c) > order(best):
            best = c
    return best.index if best is not None else None


def _derived_trace_id(spans: list[_Span], info: Mapping[str, Any]) -> str:
    when = info.get("request_time", info.get("timestamp_ms"))
    return "mlflow-" + _digest(when, [(s.name, s.start) for s in spans])[:32]


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def _usable(value: Any) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def _id(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"an id cannot be {value!r}")
    if isinstance(value, int):
        return f"{value:016x}" if value < 2**64 else f"{value:032x}"
    return value.strip() if isinstance(value, str) else value


def _id_key(value: Any) -> str:
    text = str(value)
    return text.lower().removeprefix("0x") if _HEX.fullmatch(text) else text


def _add(target: dict[str, Any], extra: Mapping[str, Any]) -> None:
    """Derived attributes never replace what the span itself recorded."""
    for key, value in extra.items():
        if value is not None and key not in target:
            target[key] = value


# --- trace-level facts ---------------------------------------------------------------------


def _trace_attributes(info: Mapping[str, Any]) -> dict[str, Any]:
    if not info:
        return {}
    metadata = _kv(info.get("trace_metadata", info.get("request_metadata")))
    tags = _kv(info.get("tags"))
    user = metadata.get("mlflow.trace.user") or tags.get("mlflow.trace.user")
    session = metadata.get("mlflow.trace.session") or tags.get("mlflow.trace.session")
    own_tags = [
        f"{k}={v}" if v not in (None, "") else k
        for k, v in tags.items()
        if not k.startswith("mlflow.")
    ]
    return {
        "mlflow.trace.info": dict(info),
        "mlflow.trace.state": info.get("state", info.get("status")),
        "mlflow.trace.tokenUsage": decode(metadata.get("mlflow.trace.tokenUsage")),
        "user.id": _text(user),
        "session.id": _text(session),
        "tag.tags": own_tags or None,
    }


def _assessment_events(info: Mapping[str, Any]) -> list[RawEvent]:
    """Assessments (feedback and expectations) as GenAI evaluation results on the root."""
    out = []
    for item in info.get("assessments") or []:
        if not isinstance(item, dict):
            continue
        body = item.get("feedback") or item.get("expectation") or {}
        value = body.get("value") if isinstance(body, dict) else None
        score: float | None = None
        label: str | None = None
        if isinstance(value, bool):  # pass/fail feedback: 1 or 0, and its label
            score, label = float(value), str(value).lower()
        elif isinstance(value, (int, float)):
            score = value
        elif value is not None:
            label = _plain(value)
        try:
            when = to_ns(item.get("create_time", item.get("last_update_time")))
        except ValueError:
            when = None
        out.append(
            RawEvent(
                "gen_ai.evaluation.result",
                when,
                {
                    "gen_ai.evaluation.name": item.get("assessment_name", item.get("name")),
                    "gen_ai.evaluation.score.value": score,
                    "gen_ai.evaluation.score.label": label,
                    "gen_ai.evaluation.explanation": item.get("rationale"),
                    "mlflow.assessment": item,
                },
            )
        )
    return out


def _kv(value: Any) -> dict[str, Any]:
    """MLflow writes maps both as objects and as [{key, value}] lists (the REST form)."""
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, list):
        return {str(e["key"]): e.get("value") for e in value if isinstance(e, dict) and "key" in e}
    return {}


# --- span conventions ----------------------------------------------------------------------


def mapped_attributes(attrs: Mapping[str, Any], name: str | None) -> dict[str, Any]:
    """The MLflow conventions of one span restated as the attributes the store maps."""
    span_type = attrs.get("mlflow.spanType")
    kind = KINDS.get(str(span_type).upper(), "other") if span_type is not None else None
    inputs, outputs = attrs.get("mlflow.spanInputs"), attrs.get("mlflow.spanOutputs")
    out: dict[str, Any] = {
        "spanscope.kind": kind,
        "gen_ai.operation.name": OPERATIONS.get(kind or ""),
    }
    messages_in = input_messages(
        inputs if inputs is not None else attrs.get("mlflow.chat.messages")
    )
    messages_out = output_messages(outputs, kind == "llm")
    if messages_in:
        out["gen_ai.input.messages"] = json.dumps(messages_in, ensure_ascii=False)
    if messages_out:
        out["gen_ai.output.messages"] = json.dumps(messages_out, ensure_ascii=False)
    if kind in ("llm", "embedding", "agent") or "mlflow.chat.tokenUsage" in attrs:
        out.update(_model_attributes(attrs, inputs, outputs))
    if kind == "tool":
        out["gen_ai.tool.name"] = name
        out["gen_ai.tool.call.arguments"] = _plain(inputs)
        out["gen_ai.tool.call.result"] = _plain(outputs)
    if kind in ("retriever", "reranker"):
        out["gen_ai.retrieval.query.text"] = _query(inputs)
        documents = _documents(outputs)
        if documents is not None:
            out["gen_ai.retrieval.documents"] = json.dumps(documents, ensure_ascii=False)
    return out


def _model_attributes(attrs: Mapping[str, Any], inputs: Any, outputs: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    request = inputs if isinstance(inputs, dict) else {}
    nested = [
        d for d in (request, request.get("params"), request.get("request")) if isinstance(d, dict)
    ]
    model = next(
        (d["model"] for d in nested if isinstance(d.get("model"), str)), attrs.get("model")
    )
    # A scrubbed value ("<redacted>") is not a model name; the raw inputs still show it.
    if isinstance(model, str) and model and not _PLACEHOLDER.fullmatch(model):
        out["gen_ai.request.model"] = model
    tools = attrs.get("mlflow.chat.tools", request.get("tools"))
    if isinstance(tools, list) and tools:
        out["gen_ai.tool.definitions"] = json.dumps(tools, ensure_ascii=False)
    answered = outputs.get("model") if isinstance(outputs, dict) else None
    if isinstance(answered, str) and answered and not _PLACEHOLDER.fullmatch(answered):
        out["gen_ai.response.model"] = answered
    fmt = attrs.get("mlflow.message.format")
    if isinstance(fmt, str) and fmt:
        out["gen_ai.provider.name"] = fmt.lower()
    for source in nested:
        for key, target in PARAMS.items():
            if source.get(key) is not None:
                out.setdefault(f"gen_ai.request.{target}", source[key])
    if isinstance(outputs, dict) and isinstance(outputs.get("choices"), list):
        reasons = [c.get("finish_reason") for c in outputs["choices"] if isinstance(c, dict)]
        if any(reasons):
            out["gen_ai.response.finish_reasons"] = [str(r) for r in reasons if r]
    out.update(usage(attrs.get("mlflow.chat.tokenUsage"), outputs))
    return out


def usage(token_usage: Any, outputs: Any) -> dict[str, int]:
    """Token counts with input including cached input, from MLflow's own count first and the
    provider's usage block for the details (cache reads and writes, reasoning)."""
    raw = outputs.get("usage") if isinstance(outputs, dict) else None
    raw = raw if isinstance(raw, dict) else {}
    prompt_details = _dict(raw.get("prompt_tokens_details")) or _dict(
        raw.get("input_tokens_details")
    )
    output_details = _dict(raw.get("completion_tokens_details")) or _dict(
        raw.get("output_tokens_details")
    )
    read = _int(prompt_details.get("cached_tokens"), raw.get("cache_read_input_tokens"))
    write = _int(raw.get("cache_creation_input_tokens"))
    reasoning = _int(output_details.get("reasoning_tokens"))
    provider_input = _int(raw.get("prompt_tokens"), raw.get("input_tokens"))
    # Anthropic counts input without the cache; OpenAI's prompt_tokens already holds it.
    excludes_cache = "prompt_tokens" not in raw and (
        "cache_read_input_tokens" in raw or write is not None
    )
    given = _dict(token_usage)
    inputs = _int(given.get("input_tokens"), provider_input)
    output = _int(
        given.get("output_tokens"), raw.get("completion_tokens"), raw.get("output_tokens")
    )
    total = _int(given.get("total_tokens"), raw.get("total_tokens"))
    read = _int(given.get("cache_read_input_tokens"), read)
    write = _int(given.get("cache_creation_input_tokens"), write)
    cached = (read or 0) + (write or 0)
    if inputs is not None and cached:
        if "input_tokens" in given:
            excludes_cache = (inputs == provider_input and excludes_cache) or (
                total is not None and output is not None and total == inputs + output + cached
            )
        if excludes_cache:
            inputs += cached
    found = {
        "input_tokens": inputs,
        "output_tokens": output,
        "total_tokens": total,
        "cache_read.input_tokens": read,
        "cache_creation.input_tokens": write,
        "reasoning.output_tokens": reasoning,
    }
    return {f"gen_ai.usage.{k}": v for k, v in found.items() if v is not None}


def input_messages(inputs: Any) -> list[dict[str, Any]] | None:
    """Chat messages in span inputs: OpenAI chat ``messages``, the Responses API ``input`` and
    ``instructions``, Anthropic ``system``, ChatModel/ChatAgent requests, LangChain messages."""
    if isinstance(inputs, dict):
        if isinstance(inputs.get("request"), dict) and not {"messages", "input"} & inputs.keys():
            return input_messages(inputs["request"])
        found: list[dict[str, Any]] = []
        system = inputs.get("system", inputs.get("instructions"))
        if isinstance(system, (str, list)) and system:
            found.append({"role": "system", "content": system})
        listed = inputs.get("messages")
        if isinstance(listed, list) and _is_messages(listed):
            return found + [chat_message(m) for m in listed]
        given = inputs.get("input")
        if isinstance(given, str):
            return found + [{"role": "user", "content": given}]
        if isinstance(given, list) and given and all(isinstance(i, dict) for i in given):
            return found + response_items(given)
        return found or None
    if isinstance(inputs, list) and inputs and isinstance(inputs[0], list):
        inputs = inputs[0]  # LangChain chat models take a batch of message lists
    if _is_messages(inputs):
        return [chat_message(m) for m in inputs]
    return None


def output_messages(outputs: Any, is_model: bool) -> list[dict[str, Any]] | None:
    """Messages a span produced: chat completion choices, Responses API output items, an
    Anthropic message, ChatAgent messages, LangChain generations; plain text from a model."""
    if isinstance(outputs, dict):
        choices = outputs.get("choices")
        if isinstance(choices, list) and choices:
            found = []
            for choice in choices:
                if not isinstance(choice, dict):
                    continue
                message = choice.get("message") or choice.get("delta")
                entry = (
                    chat_message(message)
                    if isinstance(message, dict)
                    else {"role": "assistant", "content": choice.get("text")}
                )
                entry.setdefault("role", "assistant")
                if choice.get("finish_reason"):
                    entry["finish_reason"] = choice["finish_reason"]
                found.append(entry)
            return found or None
        if isinstance(outputs.get("output"), list) and outputs["output"]:
            return response_items(outputs["output"]) or None
        if _is_messages(outputs.get("messages")):
            return [chat_message(m) for m in outputs["messages"]]
        generations = outputs.get("generations")
        if isinstance(generations, list):
            flat = [g for row in generations for g in (row if isinstance(row, list) else [row])]
            return [
                chat_message(g["message"])
                if isinstance(g.get("message"), dict)
                else {"role": "assistant", "content": g.get("text")}
                for g in flat
                if isinstance(g, dict)
            ] or None
        if outputs.get("role") == "assistant" or outputs.get("type") == "ai":
            return [chat_message(outputs)]
        return None
    if isinstance(outputs, str) and is_model:
        return [{"role": "assistant", "content": outputs}]
    return None


_LANGCHAIN_ROLES = {
    "human": "user",
    "ai": "assistant",
    "system": "system",
    "tool": "tool",
    "function": "tool",
    "chat": "user",
    "AIMessageChunk": "assistant",
}


def chat_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """One chat message in the OpenAI shape (LangChain message dicts have ``type``, not ``role``)."""
    out = {k: v for k, v in message.items() if v is not None}
    if "role" not in out and isinstance(message.get("type"), str):
        out["role"] = _LANGCHAIN_ROLES.get(message["type"], message["type"])
    calls = message.get("tool_calls")
    if (
        isinstance(calls, list)
        and calls
        and isinstance(calls[0], dict)
        and "function" not in calls[0]
    ):
        out["tool_calls"] = [
            {
                "id": c.get("id"),
                "function": {
                    "name": c.get("name"),
                    "arguments": _plain(c.get("args", c.get("arguments"))),
                },
            }
            for c in calls
            if isinstance(c, dict)
        ]
    return out


def response_items(items: list[Any]) -> list[dict[str, Any]]:
    """OpenAI Responses API items as chat messages: function calls join the assistant turn,
    call outputs become tool messages, reasoning summaries become reasoning parts."""
    out: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        kind = item.get("type", "message")
        if kind == "function_call":
            call = {
                "id": item.get("call_id", item.get("id")),
                "function": {"name": item.get("name"), "arguments": _plain(item.get("arguments"))},
            }
            if out and out[-1].get("role") == "assistant":
                out[-1].setdefault("tool_calls", []).append(call)
            else:
                out.append({"role": "assistant", "tool_calls": [call]})
        elif kind == "function_call_output":
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": item.get("call_id"),
                    "content": _plain(item.get("output")),
                }
            )
        elif kind == "reasoning":
            summary = item.get("summary") or []
            text = "\n".join(str(s.get("text", "")) for s in summary if isinstance(s, dict))
            out.append({"role": "assistant", "content": [{"type": "reasoning", "content": text}]})
        elif "role" in item or kind == "message":
            out.append({"role": item.get("role", "assistant"), "content": item.get("content")})
    return out


def _is_messages(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and isinstance(value[0], dict)
        and ("role" in value[0] or value[0].get("type") in _LANGCHAIN_ROLES)
    )


def _query(inputs: Any) -> str | None:
    if isinstance(inputs, str):
        return inputs
    if isinstance(inputs, dict):
        for key in ("query", "input", "question", "text", "search_query"):
            if isinstance(inputs.get(key), str):
                return str(inputs[key])
    return None


def _documents(outputs: Any) -> list[dict[str, Any]] | None:
    """Retrieved documents (LangChain/MLflow ``{page_content, metadata{doc_uri, chunk_id}, id}``)
    as ``{id, content, score, metadata}``."""
    if isinstance(outputs, dict):
        outputs = outputs.get("documents", outputs.get("results"))
    if not isinstance(outputs, list):
        return None
    found = []
    for doc in outputs:
        if not isinstance(doc, dict):
            continue
        metadata = _dict(doc.get("metadata"))
        found.append(
            {
                "id": doc.get("id") or metadata.get("chunk_id") or metadata.get("doc_uri"),
                "content": doc.get("page_content", doc.get("content", doc.get("text"))),
                "score": doc.get("score", metadata.get("score", metadata.get("relevance_score"))),
                "metadata": metadata or None,
            }
        )
    return found


# --- values --------------------------------------------------------------------------------


def decode(value: Any) -> Any:
    """An attribute value from its JSON string; text that is not JSON stays as written (spans
    MLflow received over OTLP carry plain values)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def to_ns(value: Any) -> int | None:
    """Nanoseconds since the epoch from an integer in s/ms/us/ns (told apart by size; MLflow
    writes span event times in microseconds) or an ISO time (naive means UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a time")
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, float):
        value = round(value)
    if isinstance(value, int):
        size = abs(value)
        scale = (
            1
            if size >= 10**17
            else 1_000
            if size >= 10**14
            else 1_000_000
            if size >= 10**11
            else 10**9
        )
        return value * scale
    if isinstance(value, str):
        return iso_ns(value)
    raise ValueError(f"{value!r} is not a time")


def iso_ns(text: str) -> int:
    """An ISO 8601 time as exact integer nanoseconds (fractions beyond microseconds kept)."""
    fraction = _FRACTION.search(text)
    digits = fraction.group(1) if fraction else ""
    base = text[: fraction.start()] + text[fraction.end() :] if fraction else text
    try:
        when = datetime.fromisoformat(base.strip().replace("z", "Z"))
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = when - datetime(1970, 1, 1, tzinfo=UTC)
    seconds = delta.days * 86_400 + delta.seconds
    return seconds * 10**9 + int((digits + "000000000")[:9])


def _plain(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(*values: Any) -> int | None:
    for value in values:
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.isdigit():
            return int(value)
    return None
