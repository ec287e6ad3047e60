"""Inspect AI eval logs: ``.json`` (the whole EvalLog) and ``.eval`` (a zip archive).

One trace per sample and epoch. Its id is derived from the eval's ids, the sample id and the
epoch, so the same run imports to the same traces whichever encoding it was saved in. The root
span is the sample (input, target, scores, metadata and the eval spec kept as attributes);
below it:

- ``span_begin``/``span_end`` events become spans (init, solvers, scorers, agents, tools), and
  older logs' ``step`` begin/end pairs do the same;
- a ``model`` event becomes an llm span (messages, tools, generate config, usage);
- a ``tool`` event becomes a tool span; when Inspect also opened a ``tool`` span for the call
  (it does since mid-2025, stamping the event with the *parent* span's id) the two are one span;
- other events (score, error, info, logger, approval, sandbox, ...) are kept as span events.
  ``state``, ``store`` and ``sample_init`` events are left out: they repeat the sample's
  messages and store as diffs.

A sample without events (older or trimmed logs) is rebuilt from its messages: an llm span per
assistant message (input: the messages added since the previous one) and a tool span per tool
message, with no times of their own, marked ``inspect.reconstructed``.

``attachment://<hash>`` references are resolved through ``sample.attachments`` everywhere.
Archive members are read with :mod:`zipfile` without extracting; only known member names are
read, each bounded in size, and an archive naming members outside itself is refused.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

import pyarrow as pa
import zstandard

from spanscope.importers.base import SAMPLE_BYTES, ArrowSource, ImportError_, Sample
from spanscope.model.raw import RawEvent, RawSpan, to_batch

MAX_DOCUMENT_BYTES = 512 * 1024 * 1024  # one .json log, or one archive member
BATCH_SPANS = 2000

SPAN_KINDS = {
    "solvers": "chain",
    "solver": "chain",
    "init": "chain",
    "scorers": "evaluator",
    "scorer": "evaluator",
    "agent": "agent",
    "handoff": "agent",
    "tool": "tool",
    "subtask": "chain",
}
# Inspect's provider prefixes that have a GenAI provider name of their own.
PROVIDERS = {
    "google": "gcp.gemini",
    "vertex": "gcp.vertex_ai",
    "bedrock": "aws.bedrock",
    "azureai": "azure.ai.inference",
    "mistral": "mistral_ai",
    "grok": "x_ai",
}
PARAMS = {
    "temperature": "temperature",
    "max_tokens": "max_tokens",
    "top_p": "top_p",
    "top_k": "top_k",
    "stop_seqs": "stop_sequences",
    "seed": "seed",
    "frequency_penalty": "frequency_penalty",
    "presence_penalty": "presence_penalty",
    "num_choices": "choice.count",
}
SKIPPED_EVENTS = {"state", "store", "sample_init"}
_EVENT_HOUSEKEEPING = {"event", "timestamp", "working_start", "span_id", "uuid", "pending"}
_MODEL_FIELDS = {
    "event",
    "timestamp",
    "working_start",
    "span_id",
    "model",
    "input",
    "output",
    "tools",
    "config",
    "completed",
}
_TOOL_FIELDS = {
    "event",
    "timestamp",
    "working_start",
    "span_id",
    "id",
    "function",
    "arguments",
    "result",
    "error",
    "events",
    "completed",
}
_SAMPLE_MEMBER = re.compile(r"samples/[^/\\]+\.json")
_ARCHIVE_NAME = re.compile(
    rb"header\.json|_journal/[^/]+(/[^/]+)?\.json|samples/.+_epoch_\d+\.json"
)
_JSON_HEAD = re.compile(rb'^\s*\{\s*"version"\s*:\s*\d+\s*,')
_EVAL_KEY = re.compile(rb'"eval"\s*:\s*\{\s*"(?:eval_id|run_id|created|task)"')
_FRACTION = re.compile(r"\.(\d+)")


class InspectLog:
    """Inspect AI eval logs, .json and .eval."""

    name = "inspect"

    def sniff(self, sample: Sample) -> bool:
        if sample.compression == "zip":
            # The first local file header of an .eval archive names one of its own members.
            head = sample.head
            if len(head) < 30:
                return False
            size = int.from_bytes(head[26:28], "little")
            return _ARCHIVE_NAME.fullmatch(head[30 : 30 + size]) is not None
        if sample.first_char() != "{":
            return False
        if len(sample.head) < SAMPLE_BYTES:
            with contextlib.suppress(ValueError):
                value = json.loads(sample.text)
                return _is_log(value)
        return bool(_JSON_HEAD.match(sample.text.encode()) and _EVAL_KEY.search(sample.head))

    def source(self, sample: Sample, workdir: Path) -> ArrowSource:
        log = EvalArchive(sample.path) if sample.compression == "zip" else JsonLog(sample)
        return ArrowSource(batches=_batches(log), progress=lambda: log.fraction)


def _is_log(value: Any) -> bool:
    if not isinstance(value, dict) or not isinstance(value.get("version"), int):
        return False
    spec = value.get("eval")
    return isinstance(spec, dict) and "task" in spec and "model" in spec


def _batches(log: EvalArchive | JsonLog) -> Iterator[pa.RecordBatch]:
    pending: list[RawSpan] = []
    with log:
        header = log.header()
        for where, sample in log.samples():
            try:
                pending.extend(SampleTrace(header, sample, where).spans())
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise ImportError_(f"{where}: {exc}") from exc
            if len(pending) >= BATCH_SPANS:
                yield to_batch(pending)
                pending = []
    if pending:
        yield to_batch(pending)


# --- the two encodings ---------------------------------------------------------------------


class EvalArchive:
    """An ``.eval`` zip: ``header.json`` (or ``_journal/start.json`` while the eval runs)
    and one ``samples/<id>_epoch_<n>.json`` member per sample."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fraction = 0.0

    def __enter__(self) -> EvalArchive:
        # Opened here, not in __init__, so a source that is never read leaves no file open.
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ImportError_(
                f"{self.path}: the .eval archive is damaged or truncated ({exc})"
            ) from exc
        for name in self._zip.namelist():
            parts = re.split(r"[/\\]", name)
            if name.startswith(("/", "\\")) or ".." in parts or re.match(r"[A-Za-z]:", name):
                self._zip.close()
                raise ImportError_(
                    f"{self.path}: refused: the archive names a member outside itself ({name!r})"
                )
        return self

    def __exit__(self, *exc: object) -> None:
        self._zip.close()

    def header(self) -> dict[str, Any]:
        names = set(self._zip.namelist())
        for name in ("header.json", "_journal/start.json"):
            if name in names:
                value = self.member(name)
                if not isinstance(value, dict):
                    raise ImportError_(f"{self.path}: member {name} is not a JSON object")
                return value
        raise ImportError_(f"{self.path}: the archive has no header.json")

    def samples(self) -> Iterator[tuple[str, Any]]:
        names = [n for n in self._zip.namelist() if _SAMPLE_MEMBER.fullmatch(n)]
        for done, name in enumerate(names, 1):
            yield f"{self.path}: member {name}", self.member(name)
            self.fraction = done / len(names)

    def member(self, name: str) -> Any:
        """One member parsed as JSON, read without extracting and never past the size limit."""
        info = self._zip.getinfo(name)
        where = f"{self.path}: member {name}"
        if info.file_size > MAX_DOCUMENT_BYTES:
            raise ImportError_(
                f"{where} is {info.file_size} bytes, more than the 512 MB "
                "Spanscope reads as one document"
            )
        try:
            with self._zip.open(info) as handle:
                data = handle.read(MAX_DOCUMENT_BYTES + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            raise ImportError_(f"{where} is damaged ({exc})") from exc
        if len(data) > MAX_DOCUMENT_BYTES:
            raise ImportError_(f"{where} is larger than its header says; refused")
        return _parse(data, where)


class JsonLog:
    """A ``.json`` EvalLog (plain, gzip or zstd), parsed whole up to 512 MB."""

    def __init__(self, sample: Sample) -> None:
        self.path = sample.path
        self.fraction = 0.0
        with open(sample.path, "rb") as raw:
            stream: IO[bytes] = raw
            if sample.compression == "gzip":
                stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw))
            elif sample.compression == "zstd":
                stream = io.BufferedReader(
                    cast(io.RawIOBase, zstandard.ZstdDecompressor().stream_reader(raw))
                )
            try:
                data = stream.read(MAX_DOCUMENT_BYTES + 1)
            except (OSError, EOFError, zlib.error, zstandard.ZstdError) as exc:
                raise ImportError_(f"{self.path}: the compressed data is damaged ({exc})") from exc
        if len(data) > MAX_DOCUMENT_BYTES:
            raise ImportError_(
                f"{self.path}: the log is larger than 512 MB, which is more than "
                "Spanscope reads as one JSON document; save it as .eval instead"
            )
        self._log = _parse(data, str(self.path))
        if not isinstance(self._log, dict):
            raise ImportError_(f"{self.path}: the log is not a JSON object")

    def __enter__(self) -> JsonLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self._log = {}

    def header(self) -> dict[str, Any]:
        return {k: v for k, v in self._log.items() if k != "samples"}

    def samples(self) -> Iterator[tuple[str, Any]]:
        samples = self._log.get("samples") or []
        if not isinstance(samples, list):
            raise ImportError_(f"{self.path}: samples must be a list")
        for number, sample in enumerate(samples, 1):
            yield f"{self.path}: sample record {number}", sample
            self.fraction = number / len(samples)


def _parse(data: bytes, where: str) -> Any:
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise ImportError_(
            f"{where}: not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})"
        ) from exc
    except ValueError as exc:
        raise ImportError_(f"{where}: not valid JSON text ({exc})") from exc


# --- one sample ----------------------------------------------------------------------------


class SampleTrace:
    """The spans of one sample (and epoch)."""

    def __init__(self, header: Mapping[str, Any], sample: Any, where: str) -> None:
        if not isinstance(sample, dict):
            raise ValueError("a sample must be a JSON object")
        attachments = sample.get("attachments") or {}
        self.sample = resolve(
            {k: v for k, v in sample.items() if k != "attachments"},
            attachments if isinstance(attachments, dict) else {},
        )
        self.header = header
        self.spec = _dict(header.get("eval"))
        epoch = self.sample.get("epoch", 1)
        key = [self.spec.get(k) for k in ("eval_id", "run_id", "task_id")]
        self.trace_id = _digest("inspect", *key, self.sample.get("id"), epoch)[:32]
        self.root = _digest(self.trace_id, "sample")[:16]
        self._spans: dict[str, RawSpan] = {}
        self._attrs: dict[str, dict[str, Any]] = {}
        self._tool_spans: list[str] = []  # spans of type "tool" still waiting for their event
        self._count = 0
        self._times: list[int] = []

    def spans(self) -> list[RawSpan]:
        """The root, then every span below it in the order the log wrote them."""
        sample = self.sample
        task = self.spec.get("task")
        name = f"{task} sample {sample.get('id')} epoch {sample.get('epoch', 1)}"
        self._span(self.root, None, name, "chain", None)
        events = sample.get("events")
        if isinstance(events, list) and events:
            self._walk(events, self.root)
        else:
            self._from_messages(sample.get("messages") or [])
        self._finish_root()
        return list(self._spans.values())

    # events ---------------------------------------------------------------------------------

    def _walk(self, events: list[Any], container: str) -> None:
        steps: list[tuple[Any, Any, str]] = []  # open step events: (type, name, span id)
        for event in events:
            if not isinstance(event, dict):
                raise ValueError("an event must be a JSON object")
            self._count += 1
            kind = event.get("event")
            when = self._time(event.get("timestamp"))
            parent = self._parent(event, steps, container)
            if kind == "span_begin":
                span_id = str(event.get("id") or self._synthetic("span"))
                above = event.get("parent_id")
                self._span(
                    span_id,
                    str(above) if above in self._spans else parent,
                    str(event.get("name") or event.get("type") or "span"),
                    SPAN_KINDS.get(str(event.get("type")), "chain"),
                    when,
                    {"inspect.span.type": event.get("type")},
                )
                if event.get("type") == "tool":
                    self._tool_spans.append(span_id)
            elif kind == "span_end":
                ended = self._spans.get(str(event.get("id")))
                if ended is not None:
                    ended.end_ns = when
            elif kind == "step":
                self._step(event, when, steps, container)
            elif kind == "model":
                self._model(event, when, parent)
            elif kind == "tool":
                self._tool(event, when, parent)
            elif kind == "subtask":
                span_id = self._synthetic("subtask")
                self._span(
                    span_id,
                    parent,
                    str(event.get("name") or "subtask"),
                    "chain",
                    when,
                    {
                        f"inspect.subtask.{k}": v
                        for k, v in event.items()
                        if k not in _EVENT_HOUSEKEEPING | {"events", "name", "completed"}
                    },
                )
                self._spans[span_id].end_ns = self._time(event.get("completed"))
                self._walk(event.get("events") or [], span_id)
            elif kind not in SKIPPED_EVENTS:
                self._spans[parent].events.append(self._event(event, when, parent))

    def _parent(
        self, event: Mapping[str, Any], steps: list[tuple[Any, Any, str]], container: str
    ) -> str:
        enclosing = event.get("span_id")
        if enclosing is not None and str(enclosing) in self._spans:
            return str(enclosing)
        return steps[-1][2] if steps else container

    def _step(
        self,
        event: Mapping[str, Any],
        when: int | None,
        steps: list[tuple[Any, Any, str]],
        container: str,
    ) -> None:
        kind, name = event.get("type"), event.get("name")
        if event.get("action") == "begin":
            span_id = self._synthetic("step")
            self._span(
                span_id,
                steps[-1][2] if steps else container,
                str(name or kind or "step"),
                SPAN_KINDS.get(str(kind), "chain"),
                when,
                {"inspect.step.type": kind},
            )
            steps.append((kind, name, span_id))
            return
        for position in range(len(steps) - 1, -1, -1):
            if steps[position][:2] == (kind, name):
                self._spans[steps.pop(position)[2]].end_ns = when
                return

    def _model(self, event: Mapping[str, Any], when: int | None, parent: str) -> None:
        output = _dict(event.get("output"))
        usage = _dict(output.get("usage"))
        end = self._time(event.get("completed"))
        if end is None and when is not None and isinstance(output.get("time"), (int, float)):
            end = when + round(output["time"] * 1e9)
        provider, model = split_model(event.get("model"))
        config = _dict(event.get("config"))
        choices = [c for c in output.get("choices") or [] if isinstance(c, dict)]
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": provider,
            "gen_ai.request.model": model,
            "gen_ai.response.model": output.get("model"),
            "gen_ai.input.messages": _json(messages(event.get("input"))),
            "gen_ai.output.messages": _json(choice_messages(choices)),
            "gen_ai.tool.definitions": _json(event.get("tools")) if event.get("tools") else None,
            "gen_ai.response.finish_reasons": [
                str(c["stop_reason"]) for c in choices if c.get("stop_reason")
            ]
            or None,
            "inspect.model": event.get("model"),
            "inspect.model.config": config or None,
            "inspect.model.usage": usage or None,
            "inspect.model.output": {
                k: v for k, v in output.items() if k not in ("model", "choices", "usage")
            }
            or None,
            **{f"gen_ai.request.{target}": config.get(key) for key, target in PARAMS.items()},
            **usage_attributes(usage),
            **{f"inspect.model.{k}": v for k, v in event.items() if k not in _MODEL_FIELDS},
        }
        error = event.get("error") or output.get("error")
        span_id = self._synthetic("model")
        self._span(
            span_id,
            parent,
            str(event.get("model") or "model"),
            "llm",
            when,
            attributes,
            end=end,
            error=_error_text(error),
        )

    def _tool(self, event: Mapping[str, Any], when: int | None, parent: str) -> None:
        function = event.get("function")
        error = event.get("error") if isinstance(event.get("error"), dict) else None
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": function,
            "gen_ai.tool.call.id": event.get("id"),
            "gen_ai.tool.call.arguments": _text_or_json(event.get("arguments")),
            "gen_ai.tool.call.result": content_text(event.get("result")),
            "error.type": error.get("type") if error else None,
            **{f"inspect.tool.{k}": v for k, v in event.items() if k not in _TOOL_FIELDS},
        }
        message = str(error.get("message") or error.get("type")) if error else None
        end = self._time(event.get("completed"))
        # Inspect opens a span of type "tool" around the call and stamps the event with that
        # span's parent: the event and the span are the same call.
        opened = [
            s
            for s in self._tool_spans
            if self._spans[s].name == str(function)
            and (
                event.get("span_id") is None
                or self._spans[s].parent_span_id == str(event.get("span_id"))
                or s == parent
            )
        ]
        if opened:
            span_id = opened[-1]
            self._tool_spans.remove(span_id)
            self._attrs[span_id].update({k: v for k, v in attributes.items() if v is not None})
            span = self._spans[span_id]
            span.status, span.status_message = ("error", message) if error else ("ok", None)
            if span.end_ns is None:
                span.end_ns = end
        else:
            span_id = self._synthetic("tool")
            self._span(
                span_id,
                parent,
                str(function or "tool"),
                "tool",
                when,
                attributes,
                end=end,
                error=message if error else None,
            )
        self._walk(event.get("events") or [], span_id)  # older logs nest the call's events

    def _event(self, event: Mapping[str, Any], when: int | None, parent: str) -> RawEvent:
        kind = str(event.get("event"))
        body = {k: v for k, v in event.items() if k not in _EVENT_HOUSEKEEPING}
        if kind == "error":
            error = _dict(event.get("error"))
            return RawEvent(
                "exception",
                when,
                {
                    "exception.type": "EvalError",
                    "exception.message": error.get("message"),
                    "exception.stacktrace": error.get("traceback"),
                },
            )
        if kind == "score" and isinstance(event.get("score"), dict):
            value = event["score"].get("value")
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            return RawEvent(
                "gen_ai.evaluation.result",
                when,
                {
                    # Scores are recorded inside the span of the scorer that gave them.
                    "gen_ai.evaluation.name": self._spans[parent].name
                    if self._attrs[parent].get("spanscope.kind") == "evaluator"
                    else None,
                    "gen_ai.evaluation.score.value": value if numeric else None,
                    "gen_ai.evaluation.score.label": None if numeric else _text_or_json(value),
                    "gen_ai.evaluation.explanation": event["score"].get("explanation"),
                    **{f"inspect.{k}": v for k, v in body.items()},
                },
            )
        return RawEvent(f"inspect.{kind}", when, body)

    # samples without events -----------------------------------------------------------------

    def _from_messages(self, listed: Any) -> None:
        if not isinstance(listed, list):
            raise ValueError("messages must be a list")
        provider, model = split_model(self.spec.get("model"))
        calls: dict[str, Mapping[str, Any]] = {}
        since: list[Any] = []
        for position, message in enumerate(listed):
            if not isinstance(message, dict):
                raise ValueError(f"message {position + 1} is not a JSON object")
            role = message.get("role")
            span_id = _digest(self.trace_id, "message", position)[:16]
            if role == "assistant":
                for call in message.get("tool_calls") or []:
                    if isinstance(call, dict):
                        calls[str(call.get("id"))] = call
                self._span(
                    span_id,
                    self.root,
                    str(message.get("model") or self.spec.get("model")),
                    "llm",
                    None,
                    {
                        "gen_ai.operation.name": "chat",
                        "gen_ai.provider.name": provider,
                        "gen_ai.request.model": model,
                        "gen_ai.response.model": message.get("model"),
                        "gen_ai.input.messages": _json(messages(since)),
                        "gen_ai.output.messages": _json(messages([message])),
                        "inspect.reconstructed": True,
                    },
                )
                since = []
                continue
            since.append(message)
            if role != "tool":
                continue
            call = calls.get(str(message.get("tool_call_id")), {})
            function = message.get("function") or call.get("function")
            error = message.get("error") if isinstance(message.get("error"), dict) else None
            self._span(
                span_id,
                self.root,
                str(function or "tool"),
                "tool",
                None,
                {
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": function,
                    "gen_ai.tool.call.id": message.get("tool_call_id"),
                    "gen_ai.tool.call.arguments": _text_or_json(call.get("arguments")),
                    "gen_ai.tool.call.result": content_text(message.get("content")),
                    "error.type": error.get("type") if error else None,
                    "inspect.reconstructed": True,
                },
                error=str(error.get("message") or error.get("type")) if error else None,
            )

    # the root -------------------------------------------------------------------------------

    def _finish_root(self) -> None:
        sample, stats = self.sample, self.header.get("stats") or {}
        root = self._spans[self.root]
        first = self._time(sample.get("started_at"))
        last = self._time(sample.get("completed_at"))
        # Without times of its own the sample is placed at the eval's start and end.
        root.start_ns = first if first is not None else min(self._times, default=None)
        root.end_ns = last if last is not None else max(self._times, default=None)
        if root.start_ns is None and isinstance(stats, dict):
            root.start_ns = self._time(stats.get("started_at") or self.spec.get("created"))
            root.end_ns = self._time(stats.get("completed_at")) or root.start_ns
        output = _dict(sample.get("output"))
        given = sample.get("input")
        attributes = self._attrs[self.root]
        attributes.update(
            {
                "gen_ai.input.messages": _json(
                    [{"role": "user", "content": given}]
                    if isinstance(given, str)
                    else messages(given)
                ),
                "gen_ai.output.messages": _json(choice_messages(output.get("choices") or [])),
                "tag.tags": self.spec.get("tags") or None,
                "inspect.eval": self.spec or None,
                "inspect.plan": self.header.get("plan"),
                "inspect.log.status": self.header.get("status"),
                "inspect.log.version": self.header.get("version"),
                "inspect.log.error": self.header.get("error"),
                # The input and the output's choices are the root's messages; kept once.
                **{
                    f"inspect.sample.{k}": v
                    for k, v in sample.items()
                    if k not in ("messages", "events", "output", "input")
                },
                "inspect.sample.input": None if isinstance(given, str) else given,
                "inspect.sample.output": {k: v for k, v in output.items() if k != "choices"}
                or None,
            }
        )
        error = sample.get("error")
        if error:
            root.status, root.status_message = "error", _error_text(error)
            details = error if isinstance(error, dict) else {"message": str(error)}
            # The log's own error event, when it sits on the root, already records it.
            if not any(e.name == "exception" for e in root.events):
                root.events.append(
                    RawEvent(
                        "exception",
                        root.end_ns,
                        {
                            "exception.type": "EvalError",
                            "exception.message": details.get("message"),
                            "exception.stacktrace": details.get("traceback"),
                        },
                    )
                )
        for span_id, span in self._spans.items():
            span.attributes = {k: v for k, v in self._attrs[span_id].items() if v is not None}

    # helpers --------------------------------------------------------------------------------

    def _span(
        self,
        span_id: str,
        parent: str | None,
        name: str,
        kind: str,
        start: int | None,
        attributes: Mapping[str, Any] | None = None,
        *,
        end: int | None = None,
        error: str | None = None,
    ) -> None:
        self._attrs[span_id] = {"spanscope.kind": kind, **(attributes or {})}
        self._spans[span_id] = RawSpan(
            trace_id=self.trace_id,
            span_id=span_id,
            parent_span_id=parent,
            name=name,
            start_ns=start,
            end_ns=end,
            status="error" if error else "ok",
            status_message=error,
        )
        if end is not None:
            self._times.append(end)

    def _synthetic(self, label: str) -> str:
        return _digest(self.trace_id, label, self._count)[:16]

    def _time(self, value: Any) -> int | None:
        if value in (None, ""):
            return None
        when = iso_ns(str(value))
        self._times.append(when)
        return when


# --- values --------------------------------------------------------------------------------


def resolve(value: Any, attachments: Mapping[str, Any]) -> Any:
    """``attachment://<hash>`` strings replaced by the attachment's text, at any depth."""
    if isinstance(value, str):
        if value.startswith("attachment://"):
            return attachments.get(value[len("attachment://") :], value)
        return value
    if isinstance(value, list):
        return [resolve(v, attachments) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, attachments) for k, v in value.items()}
    return value


def split_model(name: Any) -> tuple[str | None, str | None]:
    """``openai/gpt-4o`` -> (openai, gpt-4o); the rest of a longer path stays in the model."""
    if not isinstance(name, str) or not name:
        return None, None
    provider, slash, model = name.partition("/")
    if not slash:
        return None, name
    return PROVIDERS.get(provider, provider), model


def usage_attributes(usage: Mapping[str, Any]) -> dict[str, Any]:
    """Inspect usage as GenAI usage, input including cached input. Inspect counts input
    without cache reads and writes (total = input + cache read + cache write + output); logs
    whose total is just input + output already counted them inside input."""

    def count(key: str) -> int | None:
        value = usage.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    inputs, output, total = count("input_tokens"), count("output_tokens"), count("total_tokens")
    read, write = count("input_tokens_cache_read"), count("input_tokens_cache_write")
    cached = (read or 0) + (write or 0)
    counted_inside = (
        total is not None and output is not None and inputs is not None and total == inputs + output
    )
    if inputs is not None and cached and not counted_inside:
        inputs += cached
    cost = usage.get("total_cost")
    return {
        "gen_ai.usage.input_tokens": inputs,
        "gen_ai.usage.output_tokens": output,
        "gen_ai.usage.total_tokens": total,
        "gen_ai.usage.cache_read.input_tokens": read,
        "gen_ai.usage.cache_creation.input_tokens": write,
        "gen_ai.usage.reasoning.output_tokens": count("reasoning_tokens"),
        "llm.cost.total": cost if isinstance(cost, (int, float)) else None,
    }


def messages(listed: Any) -> list[dict[str, Any]]:
    """Inspect chat messages in the OpenAI chat shape the store reads."""
    if not isinstance(listed, list):
        return []
    return [chat_message(m) for m in listed if isinstance(m, dict)]


def choice_messages(choices: list[Any]) -> list[dict[str, Any]]:
    found = []
    for choice in choices:
        if isinstance(choice, dict) and isinstance(choice.get("message"), dict):
            message = chat_message(choice["message"])
            if choice.get("stop_reason"):
                message["finish_reason"] = choice["stop_reason"]
            found.append(message)
    return found


def chat_message(message: Mapping[str, Any]) -> dict[str, Any]:
    content = message.get("content")
    out: dict[str, Any] = {
        "role": message.get("role"),
        "content": [_part(p) for p in content if isinstance(p, dict)]
        if isinstance(content, list)
        else content,
    }
    calls = message.get("tool_calls")
    if isinstance(calls, list) and calls:
        out["tool_calls"] = [
            {
                "id": c.get("id"),
                "type": "function",
                "function": {
                    "name": c.get("function"),
                    "arguments": _text_or_json(c.get("arguments")),
                },
            }
            for c in calls
            if isinstance(c, dict)
        ]
    if message.get("role") == "tool":
        out["tool_call_id"] = message.get("tool_call_id")
        out["name"] = message.get("function")
        if message.get("error"):
            out["error"] = message["error"]
    return out


def _part(part: Mapping[str, Any]) -> dict[str, Any]:
    kind = part.get("type")
    if kind == "text":
        return {"type": "text", "text": part.get("text")}
    if kind == "reasoning":
        shown = part.get("summary") if part.get("redacted") else part.get("reasoning")
        return {"type": "reasoning", "content": shown or part.get("summary")}
    if kind in ("image", "audio", "video", "document"):
        fmt = part.get("format") or part.get("mime_type")
        return {
            "type": kind,
            "uri": part.get(kind),
            "modality": kind,
            "mime_type": f"{kind}/{fmt}" if fmt and "/" not in str(fmt) else fmt,
        }
    return {"type": kind, "content": _text_or_json(part)}


def content_text(content: Any) -> str | None:
    """A tool result or message content as text: strings as they are, text parts joined,
    anything else as JSON."""
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list) and all(
        isinstance(p, dict) and p.get("type") == "text" for p in content
    ):
        return "\n".join(str(p.get("text") or "") for p in content)
    return _text_or_json(content)


def _error_text(error: Any) -> str | None:
    if not error:
        return None
    if isinstance(error, dict):
        return str(error.get("message") or error)
    return str(error)


def iso_ns(text: str) -> int:
    """An ISO 8601 time as exact integer nanoseconds; a local offset is applied, naive is UTC."""
    fraction = _FRACTION.search(text)
    digits = fraction.group(1) if fraction else ""
    base = text[: fraction.start()] + text[fraction.end() :] if fraction else text
    try:
        when = datetime.fromisoformat(base.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = when - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 10**9 + int((digits + "000000000")[:9])


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def _json(value: Any) -> str | None:
    return json.dumps(value, ensure_ascii=False) if value else None


def _text_or_json(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
