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

The package: :mod:`.sample_trace` builds the spans of one sample, :mod:`.model_calls` reads
Inspect's messages, model names and usage.
"""

from __future__ import annotations

import contextlib
import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import zstandard

from spanscope.importers.base import SAMPLE_BYTES, ArrowSource, BuiltinFormat, ImportError_, Sample
from spanscope.importers.batches import BATCH_SPANS
from spanscope.importers.compressed import decompressed
from spanscope.importers.inspect_log.sample_trace import SampleTrace
from spanscope.model.raw import RawSpan, to_batch

MAX_DOCUMENT_BYTES = 512 * 1024 * 1024  # one .json log, or one archive member
# Objects and lists one document may hold. Parsed, each costs 60-200 bytes of memory, so a few
# bytes of JSON can cost a hundred times their size: 400 MB of "{}," took 10.5 GB, and 34
# million empty samples (101 KB of gzip) over 300 s. Real logs hold far fewer per byte.
MAX_CONTAINERS = 20_000_000

_SAMPLE_MEMBER = re.compile(r"samples/[^/\\]+\.json")
_ARCHIVE_NAME = re.compile(
    rb"header\.json|_journal/[^/]+(/[^/]+)?\.json|samples/.+_epoch_\d+\.json"
)
_JSON_HEAD = re.compile(rb'^\s*\{\s*"version"\s*:\s*\d+\s*,')
_EVAL_KEY = re.compile(rb'"eval"\s*:\s*\{\s*"(?:eval_id|run_id|created|task)"')


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
        warnings: list[str] = []
        return ArrowSource(
            batches=_batches(log, warnings), progress=lambda: log.fraction, warnings=warnings
        )


def _is_log(value: Any) -> bool:
    if not isinstance(value, dict) or not isinstance(value.get("version"), int):
        return False
    spec = value.get("eval")
    return isinstance(spec, dict) and "task" in spec and "model" in spec


def _batches(log: EvalArchive | JsonLog, warnings: list[str]) -> Iterator[pa.RecordBatch]:
    pending: list[RawSpan] = []
    missing = 0
    with log:
        header = log.header()
        for where, sample in log.samples():
            try:
                trace = SampleTrace(header, sample, where)
                pending.extend(trace.spans())
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise ImportError_(f"{where}: {exc}") from exc
            missing += trace.missing_refs
            if len(pending) >= BATCH_SPANS:
                yield to_batch(pending)
                pending = []
    if pending:
        yield to_batch(pending)
    if missing:
        warnings.append(
            f"{missing} pooled input messages are referenced but not in the log's message pool; "
            "those model calls show the messages that are"
        )


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
            stream = decompressed(raw, sample.compression)
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
    # counted before parsing (braces inside strings too: a bound, never an undercount)
    containers = data.count(b"{") + data.count(b"[")
    if containers > MAX_CONTAINERS:
        raise ImportError_(
            f"{where}: holds up to {containers:,} JSON objects and lists, more than the "
            f"{MAX_CONTAINERS:,} Spanscope reads in one document (each costs memory even when "
            "it yields nothing); refused"
        )
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise ImportError_(
            f"{where}: not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})"
        ) from exc
    except ValueError as exc:
        raise ImportError_(f"{where}: not valid JSON text ({exc})") from exc


# Found by the format registry, which asks the formats by rising asked_at (importers/registry.py).
FORMAT = BuiltinFormat(InspectLog, asked_at=40)


__all__ = ["EvalArchive", "InspectLog", "JsonLog", "SampleTrace"]
