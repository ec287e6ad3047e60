"""One LangSmith run as a raw span: ids, times and parents (from ``dotted_order`` where the
run does not say), kind, error, events, and the payloads of tool and retriever runs."""

from __future__ import annotations

import re
from typing import Any

from spanscope.importers.chat_payloads import retrieval_documents
from spanscope.importers.langsmith.model_runs import MODEL_KINDS, model_attributes
from spanscope.importers.times import field_time_ns, time_ns
from spanscope.importers.values import as_dict, decode_json_text, id_text, text_of
from spanscope.model import conventions
from spanscope.model.attributes import SpanAttributes
from spanscope.model.raw import RawEvent, RawSpan, json_text

RUN_KINDS = {
    "llm": "llm",
    "chain": "chain",
    "tool": "tool",
    "retriever": "retriever",
    "embedding": "embedding",
    "prompt": "prompt",
    "parser": "chain",
}

# Run fields mapped explicitly; every other field is kept as langsmith.run.<field>.
_MAPPED_FIELDS = {
    "id",
    "trace_id",
    "parent_run_id",
    "name",
    "run_type",
    "start_time",
    "end_time",
    "inputs",
    "outputs",
    "extra",
    "tags",
    "error",
    "events",
    "session_name",
    "child_runs",
    "status",
}
_DOTTED = re.compile(r"(\d{8}T\d{6})(\d{1,9})Z(.+)")


def dotted_segments(value: Any) -> list[tuple[str, str, str]]:
    """``dotted_order`` as (date-time, sub-second digits, run id) per level, root first."""
    if not isinstance(value, str) or not value:
        return []
    out = []
    for segment in value.split("."):
        match = _DOTTED.fullmatch(segment)
        if match is None:
            raise ValueError(f"unreadable dotted_order segment {segment!r}")
        out.append((match.group(1), match.group(2), match.group(3)))
    return out


def _dotted_time(stamp: str, digits: str, js: bool) -> int:
    day, clock = stamp.split("T")
    iso = f"{day[:4]}-{day[4:6]}-{day[6:]}T{clock[:2]}:{clock[2:4]}:{clock[4:]}Z"
    base = time_ns(iso) or 0
    if js:  # milliseconds, then a 3-digit counter that only orders runs within the millisecond
        return base + int(digits[:3].ljust(3, "0")) * 1_000_000
    return base + int(digits[:9].ljust(9, "0"))


def run_span(run: dict[str, Any]) -> RawSpan:
    """One run as a raw span. Raises ValueError for a value that cannot be read."""
    segments = dotted_segments(run.get("dotted_order"))
    run_id = id_text(run.get("id")) or (segments[-1][2] if segments else None)
    if run_id is None:
        raise ValueError("a run has no id")
    parent = id_text(run.get("parent_run_id"))
    if parent is None and len(segments) > 1:
        parent = segments[-2][2]
    trace_id = id_text(run.get("trace_id")) or (segments[0][2] if segments else None)
    if trace_id is None and parent is None:
        trace_id = run_id
    extra = as_dict(run.get("extra"))
    runtime = as_dict(extra.get("runtime"))
    metadata = as_dict(extra.get("metadata"))
    js = str(runtime.get("sdk") or "").startswith("langsmith-js") or runtime.get("runtime") in (
        "node",
        "deno",
        "bun",
    )

    start = field_time_ns(run.get("start_time"), "start_time")
    if start is None and segments:
        start = _dotted_time(segments[-1][0], segments[-1][1], js)
    end = field_time_ns(run.get("end_time"), "end_time")

    run_type = run.get("run_type")
    kind = (
        RUN_KINDS.get(run_type.lower(), "other") if isinstance(run_type, str) and run_type else None
    )
    inputs = decode_json_text(run.get("inputs"))
    outputs = decode_json_text(run.get("outputs"))
    if (
        kind is None
        and isinstance(outputs, dict)
        and ("choices" in outputs or "generations" in outputs)
    ):
        kind_for_payload: str | None = "llm"  # a patch alone: its outputs say it was a model call
    else:
        kind_for_payload = kind

    attributes = SpanAttributes()
    for key, value in run.items():
        if key not in _MAPPED_FIELDS and value not in (None, "", [], {}):
            attributes.keep(f"langsmith.run.{key}", value)
    if isinstance(run.get("child_runs"), list):
        ids = [c for c in run["child_runs"] if isinstance(c, str)]
        if ids:
            attributes.keep("langsmith.run.child_runs", ids)
    if run_type is not None:
        attributes.keep("langsmith.run.run_type", run_type)
    if run.get("status") is not None:
        attributes.keep("langsmith.run.status", run["status"])
    if isinstance(run.get("session_name"), str):
        attributes.keep("langsmith.session_name", run["session_name"])
    if kind is not None:
        attributes[conventions.SPANSCOPE_KIND] = kind
    tags = run.get("tags")
    if isinstance(tags, list) and tags:
        attributes[conventions.TAG_TAGS] = [str(t) for t in tags]
    _context_attributes(attributes, metadata)
    kept_extra = {k: v for k, v in extra.items() if k != "invocation_params"}
    if kept_extra:
        attributes.keep("langsmith.run.extra", kept_extra)

    if kind_for_payload in MODEL_KINDS:
        model_run = RUN_KINDS.get(str(run.get("run_type") or "").lower()) in MODEL_KINDS
        model_attributes(attributes, run, inputs, outputs, metadata, extra, model_run=model_run)
    elif kind_for_payload == "tool":
        _tool_attributes(attributes, run, inputs, outputs)
    elif kind_for_payload == "retriever":
        _retriever_attributes(attributes, inputs, outputs)
    else:
        if inputs not in (None, {}, ""):
            attributes[conventions.INPUT_VALUE] = text_of(inputs)
        if outputs not in (None, {}, ""):
            attributes[conventions.OUTPUT_VALUE] = text_of(outputs)

    status, message, events = "unset", None, _events(run.get("events"))
    error = run.get("error")
    if error not in (None, ""):
        status = "error"
        error_type, message, stack = _parse_error(str(error))
        exception: dict[str, Any] = {"exception.message": message}
        if error_type:
            exception["exception.type"] = error_type
            attributes[conventions.ERROR_TYPE] = error_type
        if stack:
            exception["exception.stacktrace"] = stack
        events.append(RawEvent("exception", end or start, exception))
    elif str(run.get("status") or "").lower() == "error":
        status = "error"
    elif str(run.get("status") or "").lower() == "success":
        status = "ok"

    return RawSpan(
        trace_id=trace_id,
        span_id=run_id,
        parent_span_id=parent,
        name=run.get("name") or None,
        start_ns=start,
        end_ns=end,
        status=status,
        status_message=message,
        attributes=attributes,
        events=events,
    )


def _context_attributes(attributes: SpanAttributes, metadata: dict[str, Any]) -> None:
    for key in ("thread_id", "session_id", "conversation_id"):
        if isinstance(metadata.get(key), (str, int)) and metadata[key] != "":
            attributes[conventions.SESSION_ID] = str(metadata[key])
            break
    for key in ("user_id", "userId"):
        if isinstance(metadata.get(key), (str, int)) and metadata[key] != "":
            attributes[conventions.USER_ID] = str(metadata[key])
            break


def _tool_attributes(
    attributes: SpanAttributes, run: dict[str, Any], inputs: Any, outputs: Any
) -> None:
    if run.get("name"):
        attributes[conventions.GEN_AI_TOOL_NAME] = run["name"]
    if isinstance(inputs, dict) and set(inputs) == {"input"}:
        inputs = inputs["input"]
    if inputs not in (None, {}, ""):
        attributes[conventions.GEN_AI_TOOL_CALL_ARGUMENTS] = text_of(inputs)
    if isinstance(outputs, dict) and set(outputs) == {"output"}:
        outputs = outputs["output"]
    if (
        isinstance(outputs, dict)
        and outputs.get("lc") == 1
        and isinstance(outputs.get("kwargs"), dict)
    ):
        message = outputs["kwargs"]  # a serialised ToolMessage
        if isinstance(message.get("tool_call_id"), str):
            attributes[conventions.GEN_AI_TOOL_CALL_ID] = message["tool_call_id"]
        if "content" in message:
            outputs = message["content"]
    if outputs not in (None, {}, ""):
        attributes[conventions.GEN_AI_TOOL_CALL_RESULT] = text_of(outputs)


def _retriever_attributes(attributes: SpanAttributes, inputs: Any, outputs: Any) -> None:
    query = inputs
    if isinstance(inputs, dict):
        query = inputs.get("query") or inputs.get("input") or inputs.get("question")
    if isinstance(query, str):
        attributes[conventions.GEN_AI_RETRIEVAL_QUERY_TEXT] = query
        rest = {k: v for k, v in inputs.items() if v != query} if isinstance(inputs, dict) else None
        if rest:
            attributes.keep("langsmith.run.inputs", rest)
    elif inputs not in (None, {}, ""):
        attributes[conventions.INPUT_VALUE] = text_of(inputs)
    documents = retrieval_documents(outputs)
    if documents is not None:
        attributes[conventions.GEN_AI_RETRIEVAL_DOCUMENTS] = json_text(documents)
    elif outputs not in (None, {}, ""):
        attributes[conventions.OUTPUT_VALUE] = text_of(outputs)


def _events(events: Any) -> list[RawEvent]:
    out: list[RawEvent] = []
    if not isinstance(events, list):
        return out
    for event in events:
        if not isinstance(event, dict):
            continue
        try:
            when = time_ns(event.get("time"))
        except ValueError:
            when = None
        attributes = {
            f"langsmith.event.{k}": v for k, v in event.items() if k not in ("name", "time")
        }
        out.append(RawEvent(str(event.get("name") or "event"), when, attributes))
    return out


_CALL_FORM = re.compile(r"([A-Za-z_][\w.]*)\((.*)\)", re.S)
_TRACEBACK_LINE = re.compile(
    r"([A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|Warning|Timeout)\w*)(?::\s*(.*))?"
)


def _parse_error(error: str) -> tuple[str | None, str, str | None]:
    """(type, message, stack) from a LangSmith error string: ``ValueError('boom')`` or
    ``ValueError('boom')\\n\\nTraceback …`` or a plain traceback / message."""
    text = error.strip()
    lines = text.splitlines() or [text]
    stack = text if len(lines) > 1 else None
    head = lines[0].strip()
    match = _CALL_FORM.fullmatch(head)
    if match:
        message = match.group(2).strip()
        if len(message) >= 2 and message[0] == message[-1] and message[0] in "'\"":
            message = message[1:-1]
        return match.group(1), message or head, stack
    for line in reversed(lines):
        found = _TRACEBACK_LINE.fullmatch(line.strip())
        if found:
            return found.group(1), (found.group(2) or line.strip()), stack
    return None, head, stack
