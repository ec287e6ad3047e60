"""What the span detail shows, prepared in a worker from ``queries.span_detail``.

Plain Python only: text for the header, rows for the tables, and the raw JSON text, so the UI
thread just fills widgets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from spanscope.ui import display

DETAIL_CAP = 500_000  # characters of one tool result or chunk shown in the pane below a table
RAW_SECTIONS = ("attributes", "resource", "scope", "events", "links")


@dataclass
class SpanFacts:
    trace_id: str
    span_id: str
    kind: str
    title: str
    error: str = ""  # status message line when the span failed
    inputs: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    tool_rows: list[tuple[str, ...]] = field(default_factory=list)
    tool_details: list[str] = field(default_factory=list)
    chunk_rows: list[tuple[str, ...]] = field(default_factory=list)
    chunk_details: list[str] = field(default_factory=list)
    usage_rows: list[tuple[str, str, str]] = field(default_factory=list)
    raw_json: str = ""
    query: str = ""  # what a retriever was asked, when the file recorded it


def _cap(text: str) -> str:
    if len(text) <= DETAIL_CAP:
        return text
    return text[:DETAIL_CAP] + f"\n\n… {display.size(len(text) - DETAIL_CAP)} more not shown."


def _json_value(text: Any) -> Any:
    if text is None:
        return None
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def span_facts(d: dict[str, Any]) -> SpanFacts:
    """Turn one ``span_detail`` row into what each tab shows."""
    kind = d.get("kind") or "other"
    title_parts = [display.one_line(d.get("name"), 100) or "(unnamed span)", kind]
    if d.get("model") or d.get("tool_name"):
        title_parts.append(display.one_line(d.get("model") or d.get("tool_name"), 100))
    title_parts.append(display.duration(d.get("duration_ns")))
    if d.get("input_tokens") or d.get("output_tokens"):
        title_parts.append(
            display.tokens(d.get("input_tokens"), d.get("output_tokens")) + " tokens"
        )
    facts = SpanFacts(d["trace_id"], d["span_id"], kind, "  ·  ".join(str(p) for p in title_parts))
    if d.get("status") == "error":
        kind_of_error, message = d.get("error_type") or "", d.get("status_message") or ""
        if kind_of_error and message.startswith(kind_of_error):
            kind_of_error = ""  # the message already names it
        what = " — ".join(x for x in (kind_of_error, message) if x)
        facts.error = display.one_line("Error: " + (what or "the span's status is error"), 400)
    facts.inputs = list(d.get("input_messages") or [])
    facts.outputs = list(d.get("output_messages") or [])
    _tools(facts, d.get("tool_calls") or [])
    facts.query = retrieval_query(d) if kind in ("retriever", "reranker", "embedding") else ""
    _chunks(facts, d.get("documents") or [], facts.query)
    facts.usage_rows = _usage(d)
    if facts.query:
        facts.title += f"  ·  query “{display.one_line(facts.query, 80)}”"
        facts.usage_rows.insert(0, ("Retrieval", "query", display.one_line(facts.query, 400)))
    facts.raw_json = _raw_json(d)
    return facts


def _raw_json(d: dict[str, Any]) -> str:
    """The raw sections as one indented JSON document. A section over
    ``display.PARSE_LIMIT`` goes in as written rather than re-indented: parsing megabytes is
    one long call that holds the interpreter lock and would freeze the window meanwhile."""
    parts = []
    for section in RAW_SECTIONS:
        value = d.get(section)
        if isinstance(value, str) and len(value) > display.PARSE_LIMIT:
            text = value
        else:
            text = json.dumps(_json_value(value), indent=2, ensure_ascii=False)
            text = text.replace("\n", "\n  ")
        parts.append(f"  {json.dumps(section)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}"


def _tools(facts: SpanFacts, calls: list[dict[str, Any]]) -> None:
    for position, call in enumerate(calls, 1):
        arguments, result = (
            display.pretty_json(call.get("arguments")),
            display.pretty_json(call.get("result")),
        )
        facts.tool_rows.append(
            (
                str(position),
                display.one_line(call.get("name"), 200),
                display.one_line(call.get("call_id"), 200),
                display.one_line(call.get("arguments"), 200),
                display.one_line(call.get("result"), 200),
            )
        )
        facts.tool_details.append(
            _cap(
                f"{call.get('name') or '(unnamed tool)'}   call {call.get('call_id') or '—'}\n\n"
                f"Arguments:\n{arguments or '(none)'}\n\nResult:\n{result or '(none recorded)'}"
            )
        )


# Where the tools put a retriever's query, most specific first: OpenInference's input value,
# the GenAI conventions' retrieval query, LangChain/LlamaIndex attribute names.
QUERY_KEYS = (
    "retrieval.query",
    "gen_ai.retrieval.query.text",
    "gen_ai.retrieval.query",
    "db.query.text",
    "query",
    "input.value",
)


def retrieval_query(d: dict[str, Any]) -> str:
    """The query a retrieval span ran, from its raw attributes; '' when not recorded."""
    raw = d.get("attributes")
    if isinstance(raw, str) and len(raw) > display.PARSE_LIMIT:
        return ""  # parsing megabytes holds the interpreter lock: the window would stall
    attributes = _json_value(raw)
    if not isinstance(attributes, dict):
        return ""
    for key in QUERY_KEYS:
        value = attributes.get(key)
        if isinstance(value, str) and value.strip():
            parsed = _json_value(value)  # input.value is often {"query": "..."}
            if isinstance(parsed, dict):
                inner = parsed.get("query") or parsed.get("query_str") or parsed.get("input")
                if isinstance(inner, str):
                    return inner
            return value
    return ""


def _chunks(facts: SpanFacts, documents: list[dict[str, Any]], query: str = "") -> None:
    asked = f"Query: {query}\n\n" if query else ""
    for rank, doc in enumerate(documents, 1):
        score = doc.get("score")
        score_text = "" if score is None else f"{score:.4f}"
        metadata = display.pretty_json(doc.get("metadata"))
        facts.chunk_rows.append(
            (
                str(rank),
                score_text,
                display.one_line(doc.get("document_id"), 200),
                display.one_line(doc.get("stage"), 200),
                display.one_line(doc.get("content"), 300),
                display.one_line(doc.get("metadata"), 200),
            )
        )
        facts.chunk_details.append(
            _cap(
                asked
                + f"#{rank}   {doc.get('document_id') or '(no id)'}   score {score_text or '—'}\n\n"
                f"{doc.get('content') or '(no content)'}\n\nMetadata:\n{metadata or '(none)'}"
            )
        )


def _status(status: Any) -> str:
    """OpenTelemetry's "unset" means the code did not say: OK unless it errored."""
    if status == "unset":
        return "OK (status unset: no error recorded)"
    return "" if status is None else str(status)


def _usage(d: dict[str, Any]) -> list[tuple[str, str, str]]:
    def text(value: Any) -> str:
        # trace text: one line, capped, so a huge value cannot stall the table's layout
        return "" if value is None else display.one_line(str(value), 400)

    rows: list[tuple[str, str, str]] = [
        ("Model", "model", text(d.get("model"))),
        ("Model", "request model", text(d.get("request_model"))),
        ("Model", "response model", text(d.get("response_model"))),
        ("Model", "provider", text(d.get("provider"))),
        ("Model", "operation", text(d.get("operation"))),
    ]
    params = _json_value(d.get("params"))
    if isinstance(params, dict):
        rows += [
            ("Parameters", str(k), display.one_line(json.dumps(v, ensure_ascii=False), 300))
            for k, v in params.items()
        ]
    rows += [
        ("Usage", "input tokens", display.number(d.get("input_tokens"))),
        ("Usage", "output tokens", display.number(d.get("output_tokens"))),
        ("Usage", "cached input (read)", display.number(d.get("cache_read_tokens"))),
        ("Usage", "cache write", display.number(d.get("cache_write_tokens"))),
        ("Usage", "reasoning tokens", display.number(d.get("reasoning_tokens"))),
        ("Usage", "total tokens", display.number(d.get("total_tokens"))),
        ("Cost", "recorded", display.cost(d.get("recorded_cost"))),
        ("Cost", "computed", display.cost(d.get("computed_cost"))),
        ("Status", "status", _status(d.get("status"))),
        ("Status", "message", display.one_line(d.get("status_message"), 400)),
        ("Status", "error type", text(d.get("error_type"))),
        ("Timing", "start", display.local_time(d.get("start_ns"))),
        ("Timing", "end", display.local_time(d.get("end_ns"))),
        ("Timing", "duration", display.duration(d.get("duration_ns"))),
        ("Context", "service", text(d.get("service"))),
        ("Context", "session", text(d.get("session_id"))),
        ("Context", "user", text(d.get("user_id"))),
        ("Context", "tags", display.one_line(", ".join(d.get("tags") or []), 400)),
        ("Span", "name", display.one_line(d.get("name"), 300)),
        ("Span", "kind", text(d.get("kind"))),
        ("Span", "span id", text(d.get("span_id"))),
        ("Span", "parent span id", text(d.get("parent_span_id"))),
        ("Span", "trace id", text(d.get("trace_id"))),
        ("Span", "conventions", ", ".join(d.get("conventions") or [])),
        ("Source", "file", text(d.get("source_path"))),
        ("Source", "format", text(d.get("source_format"))),
    ]
    # Empty rows are noise at 3 a.m.; status is kept even when "unset".
    return [r for r in rows if r[2] not in ("", display.NONE) or r[1] == "status"]
