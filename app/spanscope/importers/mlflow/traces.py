"""The spans of one MLflow trace: each span read in the v2 or v3 layout, ids resolved
(placeholders and repeats replaced by derived ids), and the trace's facts on its root."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from spanscope.importers.base import ImportError_
from spanscope.importers.mlflow.conventions import decode, mapped_attributes
from spanscope.importers.times import epoch_ns, iso_ns
from spanscope.importers.values import as_dict, digest, optional_text, text_or_json
from spanscope.model import conventions
from spanscope.model.attributes import SpanAttributes
from spanscope.model.raw import RawEvent, RawSpan

# Ids as real exporters write them. Anything else (e.g. "<redacted>" in shared examples) is a
# placeholder: spans get ids derived from their trace and position instead.
_ID = re.compile(r"[A-Za-z0-9+/=_.:\-]{1,200}")
_HEX = re.compile(r"(0[xX])?[0-9a-fA-F]+")


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
    info = as_dict(trace.get("info"))
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
    context = SpanAttributes()
    for key in (conventions.SESSION_ID, conventions.USER_ID):
        context[key] = trace_level.get(key)
    out: list[RawSpan] = []
    for p in parsed:
        trace_id, span_id, parent = ids[p.index]
        attributes = SpanAttributes()
        attributes.keep_all(p.attributes)
        # Derived attributes never replace what the span itself recorded.
        attributes.fill(mapped_attributes(p.attributes, p.name))
        attributes.fill(context)
        if p.index == first_root:
            attributes.fill(trace_level)
            p.events.extend(_assessment_events(info))
        if (trace_id, span_id) != (p.trace_id, p.span_id) or parent != p.parent:
            attributes.keep(
                "mlflow.raw_ids",
                {
                    "trace_id": p.trace_id,
                    "span_id": p.span_id,
                    "parent_span_id": p.parent,
                },
            )
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
            optional_text(span.get("name")),
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
            final[s.index] = digest(trace_id, s.index, s.name, s.start)[:16]
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
    return "mlflow-" + digest(when, [(s.name, s.start) for s in spans])[:32]


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


# --- trace-level facts ---------------------------------------------------------------------


def _trace_attributes(info: Mapping[str, Any]) -> SpanAttributes:
    out = SpanAttributes()
    if not info:
        return out
    metadata = _kv(info.get("trace_metadata", info.get("request_metadata")))
    tags = _kv(info.get("tags"))
    user = metadata.get("mlflow.trace.user") or tags.get("mlflow.trace.user")
    session = metadata.get("mlflow.trace.session") or tags.get("mlflow.trace.session")
    own_tags = [
        f"{k}={v}" if v not in (None, "") else k
        for k, v in tags.items()
        if not k.startswith("mlflow.")
    ]
    out.keep("mlflow.trace.info", dict(info))
    out.keep("mlflow.trace.state", info.get("state", info.get("status")))
    out.keep("mlflow.trace.tokenUsage", decode(metadata.get("mlflow.trace.tokenUsage")))
    out[conventions.USER_ID] = optional_text(user)
    out[conventions.SESSION_ID] = optional_text(session)
    out[conventions.TAG_TAGS] = own_tags or None
    return out


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
            label = text_or_json(value)
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
        return epoch_ns(Decimal(value))
    if isinstance(value, str):
        return iso_ns(value, lowercase_z=True)
    raise ValueError(f"{value!r} is not a time")
