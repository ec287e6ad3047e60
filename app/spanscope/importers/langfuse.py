"""Langfuse trace exports: the UI's "download trace" JSON ``{trace:{…}, observations:[…]}``,
the public API's trace object with ``observations`` inside it, a JSON list of either, JSON Lines
of either, and JSON Lines / lists of bare observations (the flat observations export).

Every observation becomes one span. Langfuse's own vocabulary is expressed in the conventions
the shared mapping knows: the observation ``type`` gives ``spanscope.kind``; ``usageDetails``
become ``gen_ai.usage.*`` (input including cached tokens, output including reasoning);
``input``/``output`` become messages for generations, tool arguments/results for tools,
a query and documents for retrievers, and ``input.value``/``output.value`` otherwise. For
observations ingested over OpenTelemetry, Langfuse keeps the original span attributes in
``metadata.attributes`` (and the resource and scope beside them); those are merged in first, so
the OpenInference / GenAI / vendor mapping runs on them too, and the keys set here win.

Decisions:
- ``level`` ERROR is an error (status ``error`` + ``statusMessage``). WARNING is not: it keeps
  status ``unset`` and its ``statusMessage``, with the level under ``langfuse.observation.level``.
- ``session.id``, ``user.id`` and ``tag.tags`` of the trace go on every span of the trace; the
  trace's name, metadata, scores, release, version and its input/output (when they differ from
  the root observation's own) go on the first root span under ``langfuse.trace.*``. Scores that
  name an observation go on that span as ``langfuse.observation.scores``.
- A recorded cost becomes ``llm.cost.total`` on generations and embeddings only: Langfuse also
  prices agent/span observations that aggregate their children, which would count twice.
- A trace without observations becomes one span carrying the trace (kind chain).
- Usage: Langfuse splits token types so they add up (``input`` without ``input_cache_read``,
  ``output`` without ``output_reasoning``); OpenInference-style keys (``prompt_details.*``) are
  subsets instead. Which one a record uses is decided from ``total`` when the numbers tell,
  otherwise from the key style.

The helpers in the first part of this module (reading JSON files record by record, times,
message shapes) are shared with the LangSmith importer.
"""

from __future__ import annotations

import calendar
import gzip
import io
import json
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import zstandard

from spanscope.importers.base import SAMPLE_BYTES, ArrowSource, ImportError_, Sample
from spanscope.model.raw import RawSpan, json_text, to_batch

# ---------------------------------------------------------------------------------------------
# Shared helpers: reading JSON record by record
# ---------------------------------------------------------------------------------------------

BATCH_SPANS = 2000
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024
_TRUNCATED = object()


def first_record(sample: Sample) -> Any:
    """The first JSON record of the sample: the first element of a top-level array, or the first
    value of an object stream / JSON Lines. ``_TRUNCATED`` when it does not fit in the sample or
    is not valid JSON; None when the content is not JSON at all."""
    if sample.compression == "zip":
        return None
    text = sample.text.lstrip()
    if not text or text[0] not in "[{":
        return None
    decoder = json.JSONDecoder()
    start = 0
    if text[0] == "[":
        start = len(text) - len(text[1:].lstrip())
        if start >= len(text):
            return _TRUNCATED
        if text[start] == "]":
            return None
    try:
        value, _ = decoder.raw_decode(text, start)
    except ValueError:
        return _TRUNCATED
    return value


def is_truncated(value: Any) -> bool:
    return value is _TRUNCATED


class JsonRecords:
    """The records of a JSON file, read without holding more than one record at a time where
    the layout allows it: JSON Lines line by line; a top-level array or one or several
    concatenated documents as a whole (up to :data:`MAX_DOCUMENT_BYTES`), elements one by one.

    Iterating yields ``(position, record)``; the position reads "line N", "record N" or
    "line N record M" for messages. ``progress()`` is the fraction of the file read."""

    def __init__(self, sample: Sample) -> None:
        self.path = sample.path
        self.compression = sample.compression
        self.layout = _layout(sample)
        self._size = max(sample.path.stat().st_size, 1)
        self._raw: io.BufferedReader | None = None

    def progress(self) -> float:
        raw = self._raw
        if raw is None or raw.closed:
            return -1.0
        try:
            return min(raw.tell() / self._size, 1.0)
        except (OSError, ValueError):
            return -1.0

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        with open(self.path, "rb") as raw:
            self._raw = raw
            stream = _decompressed(raw, self.compression)
            if self.layout == "lines":
                yield from self._lines(stream)
            else:
                yield from self._document(stream)

    def _lines(self, stream: io.BufferedIOBase) -> Iterator[tuple[str, Any]]:
        number = 0
        while True:
            try:
                line = stream.readline()
            except (OSError, EOFError, zstandard.ZstdError) as exc:
                raise ImportError_(
                    f"{self.path}: compressed data is damaged or cut off after line {number} ({exc})"
                ) from exc
            if not line:
                return
            number += 1
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            line = line.rstrip()
            if not line:
                continue
            try:
                value = json.loads(line)
            except UnicodeDecodeError as exc:
                raise ImportError_(f"{self.path}: text is not UTF-8 at line {number}") from exc
            except ValueError as exc:
                raise ImportError_(
                    f"{self.path}: invalid JSON at line {number} ({_json_reason(exc)})"
                ) from exc
            if isinstance(value, list):
                for index, item in enumerate(value, 1):
                    yield f"line {number} record {index}", item
            else:
                yield f"line {number}", value

    def _document(self, stream: io.BufferedIOBase) -> Iterator[tuple[str, Any]]:
        try:
            data = stream.read(MAX_DOCUMENT_BYTES + 1)
        except (OSError, EOFError, zstandard.ZstdError) as exc:
            raise ImportError_(
                f"{self.path}: compressed data is damaged or cut off ({exc})"
            ) from exc
        if len(data) > MAX_DOCUMENT_BYTES:
            raise ImportError_(
                f"{self.path}: one JSON document larger than 512 MB is not supported; "
                "export it as JSON Lines (one record per line) instead"
            )
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ImportError_(f"{self.path}: text is not UTF-8 at line {line}") from exc
        del data
        decoder = json.JSONDecoder()
        index, count = _skip_space(text, 0), 0
        while index < len(text):
            try:
                value, end = decoder.raw_decode(text, index)
            except json.JSONDecodeError as exc:
                raise ImportError_(
                    f"{self.path}: invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); "
                    "the file may be cut off"
                ) from exc
            if isinstance(value, list):
                for position in range(len(value)):
                    item, value[position] = value[position], None  # let it go once mapped
                    count += 1
                    yield f"record {count}", item
            else:
                count += 1
                yield f"record {count}", value
            index = _skip_space(text, end)


def _layout(sample: Sample) -> str:
    """``lines`` when the first line is one whole JSON object, else ``document``."""
    text = sample.text.lstrip()
    if not text.startswith("{"):
        return "document"
    first, newline, _ = text.partition("\n")
    if not newline and len(sample.head) >= SAMPLE_BYTES:
        return "document"
    try:
        json.loads(first)
    except ValueError:
        return "document"
    return "lines"


def _decompressed(raw: io.BufferedReader, compression: str) -> io.BufferedIOBase:
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw)
    if compression == "zstd":
        reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
        return io.BufferedReader(reader)
    return raw


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _json_reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at column {exc.colno}"
    return str(exc)


def batched(spans: Iterable[RawSpan], size: int = BATCH_SPANS) -> Iterator[pa.RecordBatch]:
    """Arrow batches of ``size`` spans."""
    chunk: list[RawSpan] = []
    for span in spans:
        chunk.append(span)
        if len(chunk) >= size:
            yield to_batch(chunk)
            chunk = []
    if chunk:
        yield to_batch(chunk)


# ---------------------------------------------------------------------------------------------
# Shared helpers: values
# ---------------------------------------------------------------------------------------------

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?"
)


def time_ns(value: Any) -> int | None:
    """Nanoseconds since the epoch (UTC) from an ISO-8601 string (any offset; naive = UTC) or an
    epoch number in s, ms, µs or ns (told apart by magnitude). Integers never pass through a
    float. Raises ValueError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, int):
        return _epoch_ns(Decimal(value))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"not a time: {value!r}")
        return _epoch_ns(Decimal(repr(value)))
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return _epoch_ns(Decimal(text))
        match = _ISO.fullmatch(text)
        if match is None:
            raise ValueError(f"not a time: {value!r}")
        year, month, day, hour, minute, second, fraction, zone = match.groups()
        seconds = calendar.timegm(
            (int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
        )
        nanos = int((fraction or "0")[:9].ljust(9, "0"))
        offset = 0
        if zone and zone not in ("Z", "z", "UTC"):
            digits = zone[1:].replace(":", "")
            offset = int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60
            offset = offset if zone[0] == "+" else -offset
        return (seconds - offset) * 1_000_000_000 + nanos
    raise ValueError(f"not a time: {value!r}")


def _epoch_ns(number: Decimal) -> int:
    magnitude = abs(number)
    if magnitude < Decimal(10) ** 11:
        scale = 1_000_000_000  # seconds
    elif magnitude < Decimal(10) ** 14:
        scale = 1_000_000  # milliseconds
    elif magnitude < Decimal(10) ** 17:
        scale = 1_000  # microseconds
    else:
        scale = 1
    return int((number * scale).to_integral_value())


def decode_json_text(value: Any, depth: int = 4) -> Any:
    """A value that may be JSON inside a string, possibly encoded more than once, decoded until
    it is no longer a string holding JSON (plain text stays as it is)."""
    while depth > 0 and isinstance(value, str):
        text = value.strip()
        if not text or text[0] not in '{["':
            break
        try:
            value = json.loads(text)
        except ValueError:
            break
        depth -= 1
    return value


def text_of(value: Any) -> str | None:
    """A payload as text: strings as written (one level of string-in-string encoding removed),
    structures as JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        inner = value
        while True:
            stripped = inner.strip()
            if not stripped.startswith('"'):
                return inner
            try:
                decoded = json.loads(stripped)
            except ValueError:
                return inner
            if not isinstance(decoded, str):
                return inner
            inner = decoded
    return json_text(value)


def mapping(value: Any) -> dict[str, Any]:
    """The value when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def first_number(values: dict[str, Any], *keys: str) -> int | float | None:
    for key in keys:
        value = values.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value.strip()):
            return float(value) if "." in value else int(value)
    return None


# ---------------------------------------------------------------------------------------------
# Shared helpers: message shapes
# ---------------------------------------------------------------------------------------------

_ROLE_ALIASES = {"human": "user", "ai": "assistant", "model": "assistant", "bot": "assistant"}
_LC_TYPES = {
    "human": "user",
    "ai": "assistant",
    "system": "system",
    "tool": "tool",
    "function": "tool",
    "chat": None,
    "developer": "developer",
    "remove": None,
}
_LC_CLASSES = {
    "HumanMessage": "user",
    "AIMessage": "assistant",
    "SystemMessage": "system",
    "ToolMessage": "tool",
    "FunctionMessage": "tool",
    "ChatMessage": None,
}
_PLAIN_MESSAGE_KEYS = {
    "role",
    "content",
    "name",
    "tool_call_id",
    "tool_calls",
    "parts",
    "finish_reason",
}


def to_messages(value: Any, default_role: str) -> list[dict[str, Any]] | None:
    """A model call's input or output as a list of OpenAI-style / GenAI-parts messages, from
    the shapes seen in Langfuse and LangSmith payloads: message lists (OpenAI, GenAI parts,
    LangChain dicts or serialised objects, Responses API items, Gemini contents), objects holding
    them (``messages``, ``choices``, ``generations``, Responses ``output``, Gemini ``contents`` /
    ``content`` / ``candidates``, ``{prompt, system}``), and plain text. None when the value has
    no recognisable message shape."""
    try:
        messages = _messages(decode_json_text(value), default_role)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError):
        return None
    return messages or None


def is_plain_rendering(raw: Any, messages: list[dict[str, Any]] | None) -> bool:
    """True when ``messages`` say everything ``raw`` says (so ``raw`` need not be kept too)."""
    if messages is None:
        return False
    raw = decode_json_text(raw)
    if isinstance(raw, dict):
        raw = [raw]
    if isinstance(raw, str):
        return messages == [{"role": messages[0]["role"], "content": raw}]
    if not isinstance(raw, list) or len(raw) != len(messages):
        return False
    return all(
        isinstance(r, dict)
        and set(_drop_none(r)) <= _PLAIN_MESSAGE_KEYS
        and _drop_none(r) == _drop_none(m)
        for r, m in zip(raw, messages, strict=True)
    )


def _drop_none(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if v is not None}


def _messages(value: Any, default_role: str) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [{"role": default_role, "content": value}] if value.strip() else None
    if isinstance(value, list):
        return _message_list(value, default_role)
    if not isinstance(value, dict):
        return None
    if _is_message(value):
        return _message(value, default_role)
    for key in ("messages", "contents", "prompts"):
        inner = value.get(key)
        if isinstance(inner, list) and inner:
            found = _message_list(inner, default_role)
            if found and key == "contents":
                system = _gemini_system(value)
                if system:
                    found.insert(0, {"role": "system", "content": system})
            return found
    if isinstance(value.get("choices"), list):
        out: list[dict[str, Any]] = []
        for choice in value["choices"]:
            out.extend(_choice(choice, default_role) or [])
        return out or None
    if isinstance(value.get("generations"), list):
        flat = _flatten(value["generations"])
        return _message_list(flat, default_role) if flat else None
    if value.get("object") == "response" or _is_response_items(value.get("output")):
        return _message_list(value.get("output") or [], default_role)
    if isinstance(value.get("candidates"), list):
        return _message_list(
            [c.get("content") for c in value["candidates"] if isinstance(c, dict)], default_role
        )
    content = value.get("content")
    if isinstance(content, dict) and isinstance(content.get("parts"), list):
        return _message(content, default_role)
    if isinstance(value.get("prompt"), str):
        out = []
        if isinstance(value.get("system"), str):
            out.append({"role": "system", "content": value["system"]})
        out.append({"role": "user", "content": value["prompt"]})
        return out
    if set(value) <= {"args", "kwargs"} and isinstance(value.get("args"), list):
        texts = [a for a in value["args"] if isinstance(a, str)]
        if texts and len(texts) == len(value["args"]):
            return [{"role": default_role, "content": "\n".join(texts)}]
        return None
    for key in ("output", "message"):
        inner = value.get(key)
        if isinstance(inner, dict) and _is_message(inner):
            return _message(inner, default_role)
    if isinstance(value.get("text"), str) and set(value) <= {
        "text",
        "type",
        "generation_info",
        "index",
    }:
        return [{"role": default_role, "content": value["text"]}]
    return None


def _message_list(items: list[Any], default_role: str) -> list[dict[str, Any]] | None:
    if not items:
        return None
    if all(isinstance(i, str) for i in items):
        return [{"role": default_role, "content": "\n".join(items)}]
    if all(isinstance(i, list) for i in items):
        return _message_list(_flatten(items), default_role)
    if all(isinstance(i, dict) and ("toolName" in i or "toolCallId" in i) for i in items):
        return [{"role": "assistant", "content": None, "tool_calls": _tool_calls(items)}]
    out: list[dict[str, Any]] = []
    for item in items:
        found = _message(item, default_role) if isinstance(item, dict) else None
        if found is None:
            return None
        out.extend(found)
    return out


def _flatten(items: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for item in items:
        if isinstance(item, list):
            flat.extend(item)
        else:
            flat.append(item)
    return flat


def _is_message(value: dict[str, Any]) -> bool:
    if value.get("lc") == 1 and value.get("type") == "constructor":
        return True
    if "role" in value and ("content" in value or "parts" in value or "tool_calls" in value):
        return True
    kind = value.get("type")
    if isinstance(kind, str) and (kind in _LC_TYPES or kind.endswith("MessageChunk")):
        return "content" in value or isinstance(value.get("data"), dict)
    return kind in ("message", "function_call", "function_call_output", "reasoning")


def _is_response_items(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(
            isinstance(i, dict) and i.get("type") in ("message", "function_call", "reasoning")
            for i in value
        )
    )


def _message(item: dict[str, Any], default_role: str) -> list[dict[str, Any]] | None:
    """One source message as one (rarely more) OpenAI-style / GenAI-parts messages."""
    if item.get("lc") == 1 and item.get("type") == "constructor":
        ids = item.get("id") or []
        cls = str(ids[-1]) if ids else ""
        kwargs = mapping(item.get("kwargs"))
        role = _LC_CLASSES.get(cls.removesuffix("Chunk"))
        return [_build(kwargs, role or _role(kwargs.get("role")) or default_role)]
    kind = item.get("type")
    if kind == "function_call":
        return [{"role": "assistant", "content": None, "tool_calls": _tool_calls([item])}]
    if kind == "function_call_output":
        output = item.get("output")
        return [
            {
                "role": "tool",
                "tool_call_id": item.get("call_id"),
                "content": output if isinstance(output, (str, list)) else json_text(output),
            }
        ]
    if kind == "reasoning":
        summary = item.get("summary") or item.get("content") or []
        texts = (
            [str(s["text"]) for s in summary if isinstance(s, dict) and s.get("text")]
            if isinstance(summary, list)
            else []
        )
        return [
            {"role": "assistant", "parts": [{"type": "reasoning", "content": "\n".join(texts)}]}
        ]
    if "role" in item:
        return [_build(item, _role(item.get("role")) or default_role)]
    if isinstance(kind, str) and (kind in _LC_TYPES or kind.endswith("MessageChunk")):
        data = mapping(item.get("data")) or item
        role = _LC_TYPES.get(kind) or _LC_CLASSES.get(kind.removesuffix("Chunk"))
        return [_build(data, role or _role(data.get("role")) or default_role)]
    if isinstance(item.get("parts"), list):
        return [_build(item, default_role)]
    if "content" in item:
        return [_build(item, default_role)]
    if isinstance(item.get("message"), dict):
        return _choice(item, default_role)
    if isinstance(item.get("text"), str):
        return [{"role": default_role, "content": item["text"]}]
    return None


def _choice(choice: Any, default_role: str) -> list[dict[str, Any]] | None:
    """An OpenAI choice or a LangChain generation."""
    if not isinstance(choice, dict):
        return None
    message = choice.get("message")
    if isinstance(message, dict):
        found = _message(message, default_role)
    elif isinstance(choice.get("text"), str):
        found = [{"role": default_role, "content": choice["text"]}]
    else:
        return None
    if found and isinstance(choice.get("finish_reason"), str):
        found[-1]["finish_reason"] = choice["finish_reason"]
    return found


def _role(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    return _ROLE_ALIASES.get(value, value)


def _build(source: dict[str, Any], role: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": role}
    content = source.get("content")
    parts = source.get("parts")
    if content is None and isinstance(parts, list):
        message["parts"] = _parts(parts)
        if message["parts"] and all(
            isinstance(p, dict) and p.get("type") == "tool_call_response" for p in message["parts"]
        ):
            message["role"] = "tool"
    elif isinstance(content, (str, list)) or content is None:
        message["content"] = content
    else:
        message["content"] = json_text(content)
    for key in ("name", "tool_call_id"):
        if isinstance(source.get(key), str) and source[key]:
            message[key] = source[key]
    extra = mapping(source.get("additional_kwargs"))
    calls = _tool_calls(source.get("tool_calls")) or _tool_calls(extra.get("tool_calls"))
    if not calls and isinstance(extra.get("function_call"), dict):
        calls = _tool_calls([{"function": extra["function_call"]}])
    if (
        not calls
        and role == "assistant"
        and isinstance(content, str)
        and content.lstrip().startswith("[{")
    ):
        # Some instrumentations write the assistant's tool calls as JSON text in its content.
        embedded = decode_json_text(content)
        if (
            isinstance(embedded, list)
            and embedded
            and all(
                isinstance(c, dict)
                and isinstance(c.get("function"), dict)
                and c["function"].get("name")
                for c in embedded
            )
        ):
            calls, message["content"] = _tool_calls(embedded), None
    if calls:
        message["tool_calls"] = calls
    if isinstance(source.get("finish_reason"), str):
        message["finish_reason"] = source["finish_reason"]
    return message


def _parts(parts: list[Any]) -> list[Any]:
    """GenAI parts are kept; Gemini-native parts (text / function_call / function_response)
    become GenAI parts."""
    out: list[Any] = []
    for part in parts:
        if not isinstance(part, dict) or "type" in part:
            out.append(part)
        elif isinstance(part.get("text"), str):
            kind = "reasoning" if part.get("thought") else "text"
            out.append({"type": kind, "content": part["text"]})
        elif isinstance(part.get("function_call"), dict):
            call = part["function_call"]
            out.append(
                {
                    "type": "tool_call",
                    "id": call.get("id"),
                    "name": call.get("name"),
                    "arguments": json_text(
                        call.get("args") if call.get("args") is not None else {}
                    ),
                }
            )
        elif isinstance(part.get("function_response"), dict):  # sent with role "user"
            response = part["function_response"]
            out.append(
                {
                    "type": "tool_call_response",
                    "id": response.get("id") or response.get("name"),
                    "response": json_text(response.get("response")),
                }
            )
        else:
            out.append(part)
    return out


def _gemini_system(request: dict[str, Any]) -> str | None:
    config = mapping(request.get("config"))
    system = request.get("system_instruction") or config.get("system_instruction")
    if isinstance(system, dict):
        texts = [
            str(p["text"])
            for p in system.get("parts") or []
            if isinstance(p, dict) and p.get("text")
        ]
        return "\n".join(texts) or None
    return system if isinstance(system, str) and system else None


def _tool_calls(calls: Any) -> list[dict[str, Any]] | None:
    """Tool calls in any of the seen shapes as OpenAI ``{id, function:{name, arguments}}``."""
    if not isinstance(calls, list):
        return None
    out = []
    for call in calls:
        if not isinstance(call, dict):
            continue
        function = mapping(call.get("function"))
        name = function.get("name") or call.get("name") or call.get("toolName")
        arguments = function.get("arguments")
        if arguments is None:
            for key in ("arguments", "args", "input"):
                if call.get(key) is not None:
                    arguments = call[key]
                    break
        call_id = call.get("call_id") or call.get("id") or call.get("toolCallId")
        out.append(
            {
                "id": call_id if isinstance(call_id, str) else None,
                "function": {
                    "name": name,
                    "arguments": arguments
                    if isinstance(arguments, str) or arguments is None
                    else json_text(arguments),
                },
            }
        )
    return out or None


def retrieval_documents(value: Any) -> list[dict[str, Any]] | None:
    """Retrieved documents (LangChain ``Document`` dicts or serialised objects, or
    ``{id, content|text|page_content, score, metadata}``) as GenAI retrieval documents."""
    value = decode_json_text(value)
    if isinstance(value, dict):
        for key in ("documents", "output", "docs", "results"):
            if isinstance(value.get(key), list):
                value = value[key]
                break
    if not isinstance(value, list) or not value:
        return None
    out = []
    for doc in value:
        if isinstance(doc, dict) and doc.get("lc") == 1 and isinstance(doc.get("kwargs"), dict):
            doc = doc["kwargs"]
        if not isinstance(doc, dict):
            return None
        content = next((doc[k] for k in ("page_content", "content", "text") if k in doc), None)
        metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else None
        if content is None and metadata is None:
            return None
        document: dict[str, Any] = {
            "content": content
            if isinstance(content, str) or content is None
            else json_text(content)
        }
        doc_id = doc.get("id") if doc.get("id") is not None else (metadata or {}).get("id")
        if doc_id is not None:
            document["id"] = str(doc_id)
        score = doc.get("score") if doc.get("score") is not None else (metadata or {}).get("score")
        if isinstance(score, (int, float)) and not isinstance(score, bool):
            document["score"] = score
        if metadata is not None:
            document["metadata"] = metadata
        out.append(document)
    return out


# ---------------------------------------------------------------------------------------------
# Langfuse
# ---------------------------------------------------------------------------------------------

OBSERVATION_KINDS = {
    "GENERATION": "llm",
    "SPAN": "chain",
    "EVENT": "event",
    "AGENT": "agent",
    "TOOL": "tool",
    "CHAIN": "chain",
    "RETRIEVER": "retriever",
    "EMBEDDING": "embedding",
    "EVALUATOR": "evaluator",
    "GUARDRAIL": "guardrail",
}
_MODEL_KINDS = ("llm", "embedding")

# Observation fields mapped explicitly; every other field is kept as langfuse.observation.<field>.
_MAPPED_OBSERVATION_FIELDS = {
    "id",
    "traceId",
    "parentObservationId",
    "name",
    "startTime",
    "endTime",
    "type",
    "input",
    "output",
    "metadata",
    "statusMessage",
    "model",
    "level",
    "modelParameters",
}
# Trace fields mapped explicitly; every other field is kept as langfuse.trace.<field>.
_MAPPED_TRACE_FIELDS = {
    "id",
    "name",
    "observations",
    "scores",
    "input",
    "output",
    "metadata",
    "sessionId",
    "userId",
    "tags",
    "htmlPath",
}
_TOOL_NAME_KEYS = ("gen_ai.tool.name", "tool.name", "ai.toolCall.name")
_PROVIDER_KEYS = (
    "gen_ai.provider.name",
    "gen_ai.system",
    "llm.provider",
    "llm.system",
    "ai.model.provider",
)


def _is_observation(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and "traceId" in value
        and "parentObservationId" in value
        and "startTime" in value
        and isinstance(value.get("type"), str)
    )


def _is_export(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    trace, observations = value.get("trace"), value.get("observations")
    if isinstance(trace, dict):
        inner = trace.get("observations")
        return "id" in trace and (isinstance(observations, list) or isinstance(inner, list))
    if (
        isinstance(observations, list)
        and "id" in value
        and ("timestamp" in value or "projectId" in value)
    ):
        items = [o for o in observations if not isinstance(o, str)]
        return all(_is_observation(o) for o in items[:5]) and (bool(items) or "projectId" in value)
    return _is_observation(value)


_EXPORT_START = re.compile(rb'\s*\[?\s*\{\s*"trace"\s*:\s*\{\s*"id"\s*:')


class LangfuseExport:
    """Langfuse trace exports (UI download, public API, JSON Lines, flat observations)."""

    name = "langfuse"

    def sniff(self, sample: Sample) -> bool:
        record = first_record(sample)
        if is_truncated(record):  # the first record is larger than the sample, or cut off
            head = sample.text.encode()
            return bool(_EXPORT_START.match(head)) or (
                sample.first_char() in ("{", "[")
                and b'"parentObservationId"' in head
                and b'"traceId"' in head
                and (b'"observations"' in head or b'"startTime"' in head)
            )
        return _is_export(record)

    def source(self, sample: Sample, workdir: Path) -> ArrowSource:
        records = JsonRecords(sample)
        return ArrowSource(batches=batched(self._spans(records)), progress=records.progress)

    def _spans(self, records: JsonRecords) -> Iterator[RawSpan]:
        for position, record in records:
            if not _is_export(record):
                raise ImportError_(
                    f"{records.path}: not a Langfuse trace export or observation at {position}"
                )
            try:
                yield from export_spans(record)
            except (ValueError, TypeError) as exc:
                raise ImportError_(f"{records.path}: {exc} at {position}") from exc


def export_spans(record: dict[str, Any]) -> list[RawSpan]:
    """The spans of one Langfuse export record (a trace with its observations, or one bare
    observation). Raises ValueError for a value that cannot be read."""
    if _is_observation(record) and "trace" not in record:
        return [_observation_span(record, None, 1)]
    trace = record["trace"] if isinstance(record.get("trace"), dict) else record
    observations: list[dict[str, Any]] = []
    seen: set[str] = set()
    lists = [record.get("observations")]
    if trace is not record:
        lists.append(trace.get("observations"))
    for items in lists:
        for item in items or []:
            if isinstance(item, str):
                continue  # a list of observation ids only (the list-traces API)
            if not isinstance(item, dict):
                raise ValueError("an observation is not a JSON object")
            key = item.get("id")
            if key is not None:
                if str(key) in seen:
                    continue
                seen.add(str(key))
            observations.append(item)
    context = _TraceContext(trace)
    if not observations:
        return [context.trace_span()]
    spans = [_observation_span(o, context, n) for n, o in enumerate(observations, 1)]
    context.decorate_root(spans, observations)
    return spans


class _TraceContext:
    """What a trace says about all of its spans, and about its root."""

    def __init__(self, trace: dict[str, Any]) -> None:
        self.trace = trace
        self.trace_id = _id_text(trace.get("id"))
        self.common: dict[str, Any] = {}
        if isinstance(trace.get("sessionId"), str) and trace["sessionId"]:
            self.common["session.id"] = trace["sessionId"]
        if isinstance(trace.get("userId"), str) and trace["userId"]:
            self.common["user.id"] = trace["userId"]
        tags = trace.get("tags")
        if isinstance(tags, list) and tags:
            self.common["tag.tags"] = [str(t) for t in tags]
        metadata = decode_json_text(trace.get("metadata"))
        self.metadata = metadata
        self.resource: dict[str, Any] = {}
        if isinstance(metadata, dict) and isinstance(metadata.get("resourceAttributes"), dict):
            self.resource = metadata["resourceAttributes"]
        self.scores_by_observation: dict[str, list[Any]] = {}
        self.trace_scores: list[Any] = []
        for score in trace.get("scores") or []:
            target = score.get("observationId") if isinstance(score, dict) else None
            if target:
                self.scores_by_observation.setdefault(str(target), []).append(score)
            else:
                self.trace_scores.append(score)

    def root_attributes(self, own_metadata: Any, own_input: Any, own_output: Any) -> dict[str, Any]:
        trace = self.trace
        out: dict[str, Any] = {}
        if trace.get("name"):
            out["langfuse.trace.name"] = trace["name"]
        metadata = self.metadata
        if isinstance(metadata, dict):
            own = own_metadata if isinstance(own_metadata, dict) else {}
            # OTel-ingested traces repeat their root span's attributes, resource and scope.
            metadata = {
                k: v
                for k, v in metadata.items()
                if not (k in ("attributes", "resourceAttributes", "scope") and own.get(k) == v)
            }
        if metadata not in (None, {}, ""):
            out["langfuse.trace.metadata"] = metadata
        for key, own in (("input", own_input), ("output", own_output)):
            value = decode_json_text(trace.get(key))
            if value is not None and value != decode_json_text(own):
                out[f"langfuse.trace.{key}"] = value
        if self.trace_scores:
            out["langfuse.trace.scores"] = self.trace_scores
        for key, value in trace.items():
            if key not in _MAPPED_TRACE_FIELDS and value not in (None, "", [], {}):
                out[f"langfuse.trace.{key}"] = value
        return out

    def trace_span(self) -> RawSpan:
        """A trace exported without observations, as one span."""
        if self.trace_id is None:
            raise ValueError("the trace has no id")
        trace = self.trace
        start = _time(trace.get("timestamp"), "timestamp")
        latency = trace.get("latency")
        end = None
        if (
            start is not None
            and isinstance(latency, (int, float))
            and not isinstance(latency, bool)
        ):
            end = start + int(Decimal(repr(latency)) * 1_000_000_000)
        attributes: dict[str, Any] = {"spanscope.kind": "chain", **self.common}
        own_input, own_output = trace.get("input"), trace.get("output")
        if own_input is not None:
            attributes["input.value"] = text_of(own_input)
        if own_output is not None:
            attributes["output.value"] = text_of(own_output)
        attributes.update(self.root_attributes(None, own_input, own_output))
        return RawSpan(
            self.trace_id,
            self.trace_id,
            None,
            trace.get("name") or None,
            start,
            end,
            attributes=attributes,
            resource=self.resource,
        )

    def decorate_root(self, spans: list[RawSpan], observations: list[dict[str, Any]]) -> None:
        ids = {s.span_id for s in spans}
        roots = [
            i
            for i, s in enumerate(spans)
            if s.parent_span_id is None or s.parent_span_id not in ids
        ]
        if not roots:
            return
        first = min(roots, key=lambda i: (spans[i].start_ns is None, spans[i].start_ns or 0, i))
        observation = observations[first]
        own_metadata = decode_json_text(observation.get("metadata"))
        spans[first].attributes.update(  # type: ignore[attr-defined]
            self.root_attributes(own_metadata, observation.get("input"), observation.get("output"))
        )


def _observation_span(o: dict[str, Any], context: _TraceContext | None, number: int) -> RawSpan:
    where = f"observation {number}"
    trace_id = _id_text(o.get("traceId")) or (context.trace_id if context else None)
    if trace_id is None:
        raise ValueError(f"{where} has no trace id")
    span_id = _id_text(o.get("id")) or f"{trace_id}:{number}"
    obs_type = str(o.get("type") or "").upper()
    kind = OBSERVATION_KINDS.get(obs_type)

    metadata = decode_json_text(o.get("metadata"))
    attributes: dict[str, Any] = {}
    resource: dict[str, Any] = dict(context.resource) if context else {}
    scope: dict[str, Any] | None = None
    rest: Any = metadata
    if isinstance(metadata, dict):
        rest = dict(metadata)
        otel = decode_json_text(rest.pop("attributes", None))
        if isinstance(otel, dict):
            attributes.update(otel)
        elif otel is not None:
            rest["attributes"] = otel
        own_resource = decode_json_text(rest.pop("resourceAttributes", None))
        if isinstance(own_resource, dict):
            resource = own_resource
        own_scope = decode_json_text(rest.pop("scope", None))
        if isinstance(own_scope, dict):
            scope = own_scope
        elif own_scope is not None:
            rest["scope"] = own_scope

    # Langfuse's own fields, kept as they are.
    if rest not in (None, {}, ""):
        attributes["langfuse.observation.metadata"] = rest
    for key, value in o.items():
        if key not in _MAPPED_OBSERVATION_FIELDS and value not in (None, "", [], {}):
            attributes[f"langfuse.observation.{key}"] = value
    if o.get("type") is not None:
        attributes["langfuse.observation.type"] = o["type"]
    if o.get("level") is not None:
        attributes["langfuse.observation.level"] = o["level"]
    if o.get("model"):
        attributes["langfuse.observation.model.name"] = o["model"]

    # The conventions the shared mapping reads; these win over the merged OTel attributes.
    if kind is not None:
        attributes["spanscope.kind"] = kind
    if context is not None:
        attributes.update(context.common)
        scores = context.scores_by_observation.get(span_id)
        if scores:
            attributes["langfuse.observation.scores"] = scores
    if "session.id" not in attributes and isinstance(rest, dict):
        thread = rest.get("session_id") or rest.get("thread_id")
        if isinstance(thread, str) and thread and not attributes.get("gen_ai.conversation.id"):
            attributes["session.id"] = thread
    provider = rest.get("ls_provider") if isinstance(rest, dict) else None
    if isinstance(provider, str) and not any(attributes.get(k) for k in _PROVIDER_KEYS):
        attributes["gen_ai.provider.name"] = provider
    parameters = decode_json_text(o.get("modelParameters"))
    if isinstance(parameters, dict):
        parameters = {k: v for k, v in parameters.items() if v is not None}
        if parameters:
            attributes["llm.invocation_parameters"] = json_text(parameters)
    attributes.update(usage_attributes(o, kind in _MODEL_KINDS))
    if kind in _MODEL_KINDS:
        cost = _recorded_cost(o)
        if cost is not None:
            attributes["llm.cost.total"] = cost
    _payload_attributes(attributes, kind, o, span_id)

    level = str(o.get("level") or "").upper()
    status = "error" if level == "ERROR" else "unset"
    message = o.get("statusMessage")
    start = _time(o.get("startTime"), f"{where} startTime")
    end = _time(o.get("endTime"), f"{where} endTime")
    if end is None and kind == "event":
        end = start
    return RawSpan(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=_id_text(o.get("parentObservationId")),
        name=o.get("name") or None,
        start_ns=start,
        end_ns=end,
        status=status,
        status_message=message if isinstance(message, str) and message else None,
        attributes=attributes,
        resource=resource,
        scope=scope,
    )


def _payload_attributes(
    attributes: dict[str, Any], kind: str | None, o: dict[str, Any], span_id: str
) -> None:
    """Input and output in the shape the span's kind calls for."""
    raw_in, raw_out = o.get("input"), o.get("output")
    if kind in _MODEL_KINDS:
        for side, raw, role in (("input", raw_in, "user"), ("output", raw_out, "assistant")):
            if raw is None:
                continue
            if any(k.startswith(f"llm.{side}_messages.") for k in attributes):
                # OpenInference messages recorded by the instrumentation itself are richer than
                # Langfuse's rendering (they keep system instructions and tool call ids).
                _keep(attributes, side, raw)
                continue
            messages = to_messages(raw, role)
            if messages:
                attributes[f"gen_ai.{side}.messages"] = json_text(messages)
            if not is_plain_rendering(raw, messages):
                _keep(attributes, side, raw)
    elif kind == "tool":
        if raw_in is not None:
            attributes["gen_ai.tool.call.arguments"] = text_of(raw_in)
        if raw_out is not None:
            attributes["gen_ai.tool.call.result"] = text_of(raw_out)
        if not any(attributes.get(k) for k in _TOOL_NAME_KEYS) and o.get("name"):
            attributes["gen_ai.tool.name"] = o["name"]
    elif kind == "retriever":
        decoded = decode_json_text(raw_in)
        query = decoded
        if isinstance(query, dict):
            query = query.get("query") or query.get("input") or query.get("question")
        if isinstance(query, str):
            attributes["gen_ai.retrieval.query.text"] = query
        if raw_in is not None and decoded != query:
            _keep(attributes, "input", raw_in)
        documents = retrieval_documents(raw_out)
        if documents is not None:
            attributes["gen_ai.retrieval.documents"] = json_text(documents)
        elif raw_out is not None:
            _keep(attributes, "output", raw_out)
    else:
        if raw_in is not None:
            _keep(attributes, "input", raw_in)
        if raw_out is not None:
            _keep(attributes, "output", raw_out)


def _keep(attributes: dict[str, Any], side: str, raw: Any) -> None:
    """The raw payload once: as OpenInference ``input.value``/``output.value`` unless the OTel
    attributes already hold a different value there."""
    text = text_of(raw)
    generic = f"{side}.value"
    existing = attributes.get(generic)
    if existing is None:
        attributes[generic] = text
    elif existing != text:
        attributes[f"langfuse.observation.{side}"] = text


_EXCLUSIVE_INPUT = re.compile(
    r"^(input_.+|cached_.+|cache_read_input_tokens|cache_creation_input_tokens)$"
)
_INCLUSIVE_INPUT = re.compile(r"^prompt_details\..+$")
_EXCLUSIVE_OUTPUT = re.compile(r"^output_.+$")
_INCLUSIVE_OUTPUT = re.compile(r"^completion_details\..+$")
_CACHE_READ = re.compile(
    r"^(input_cache_read|input_cached_tokens|input_cached|input_cache_read_tokens|cache_read_input_tokens"
    r"|prompt_details\.cache_read|cached_modality_.+)$"
)
_CACHE_WRITE = re.compile(
    r"^(input_cache_creation.*|input_cache_write|cache_creation_input_tokens|prompt_details\.cache_write"
    r"|prompt_details\.cache_creation)$"
)
_REASONING = re.compile(
    r"^(output_reasoning|output_reasoning_tokens|completion_details\.reasoning)$"
)


def usage_attributes(o: dict[str, Any], model_call: bool) -> dict[str, Any]:
    """``gen_ai.usage.*`` from an observation's usageDetails (or legacy usage fields)."""
    details = o.get("usageDetails")
    details = decode_json_text(details)
    if not isinstance(details, dict) or not details:
        legacy = decode_json_text(o.get("usage"))
        details = {}
        if isinstance(legacy, dict) and str(legacy.get("unit") or "TOKENS").upper() == "TOKENS":
            details = {k: v for k, v in legacy.items() if k in ("input", "output", "total")}
        for source, target in (
            ("promptTokens", "input"),
            ("completionTokens", "output"),
            ("totalTokens", "total"),
        ):
            if target not in details and o.get(source) is not None:
                details[target] = o[source]
    numbers = {
        k: v for k, v in details.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
    }
    if not numbers or (not model_call and not any(numbers.values())):
        return {}
    return usage_from_details(numbers)


def usage_from_details(numbers: dict[str, int | float]) -> dict[str, Any]:
    """Langfuse usage details as GenAI usage (input incl. cache, output incl. reasoning)."""
    base_in = first_number(numbers, "input", "input_tokens", "prompt_tokens", "promptTokens")
    base_out = first_number(
        numbers, "output", "output_tokens", "completion_tokens", "completionTokens"
    )
    total = first_number(numbers, "total", "total_tokens", "totalTokens")
    excl_in = sum(
        v for k, v in numbers.items() if _EXCLUSIVE_INPUT.match(k) and k != "input_tokens"
    )
    excl_out = sum(
        v for k, v in numbers.items() if _EXCLUSIVE_OUTPUT.match(k) and k != "output_tokens"
    )
    incl_in = sum(v for k, v in numbers.items() if _INCLUSIVE_INPUT.match(k))
    incl_out = sum(v for k, v in numbers.items() if _INCLUSIVE_OUTPUT.match(k))
    details_in, details_out = excl_in + incl_in, excl_out + incl_out
    plain = (base_in or 0) + (base_out or 0)
    if total is not None and details_in + details_out and plain + details_in + details_out == total:
        exclusive = True
    elif total is not None and plain == total:
        exclusive = False
    else:
        exclusive = bool(excl_in or excl_out) or not (incl_in or incl_out)
    out: dict[str, Any] = {}
    if base_in is not None or (exclusive and details_in):
        out["gen_ai.usage.input_tokens"] = _int((base_in or 0) + (details_in if exclusive else 0))
    if base_out is not None or (exclusive and details_out):
        out["gen_ai.usage.output_tokens"] = _int(
            (base_out or 0) + (details_out if exclusive else 0)
        )
    for pattern, key in (
        (_CACHE_READ, "gen_ai.usage.cache_read.input_tokens"),
        (_CACHE_WRITE, "gen_ai.usage.cache_creation.input_tokens"),
        (_REASONING, "gen_ai.usage.reasoning.output_tokens"),
    ):
        found = [v for k, v in numbers.items() if pattern.match(k)]
        if found:
            out[key] = _int(sum(found))
    if total is not None:
        out["gen_ai.usage.total_tokens"] = _int(total)
    return out


def _int(value: int | float | Decimal) -> int | float:
    if isinstance(value, Decimal):
        value = float(value)
    return int(value) if float(value).is_integer() else value


def _recorded_cost(o: dict[str, Any]) -> float | None:
    details = decode_json_text(o.get("costDetails"))
    if isinstance(details, dict) and details:
        total = details.get("total")
        if isinstance(total, (int, float)) and not isinstance(total, bool):
            return total
        values = [
            v for v in details.values() if isinstance(v, (int, float)) and not isinstance(v, bool)
        ]
        if values:
            return sum(values)
    for key in ("calculatedTotalCost", "totalCost"):
        value = o.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value:
            return value
    return None


def _time(value: Any, what: str) -> int | None:
    try:
        return time_ns(value)
    except ValueError:
        raise ValueError(f"unreadable {what} {value!r}") from None


def _id_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"an id is not a string: {value!r}")


__all__ = [
    "JsonRecords",
    "LangfuseExport",
    "batched",
    "decode_json_text",
    "export_spans",
    "first_record",
    "is_plain_rendering",
    "is_truncated",
    "retrieval_documents",
    "text_of",
    "time_ns",
    "to_messages",
]
