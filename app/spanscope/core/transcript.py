"""A span or a whole trace as text to paste elsewhere: pretty JSON of everything recorded, or a
readable Markdown transcript of conversations, tool calls and retrieved chunks.

Input is one ``queries.span_detail`` row (a dict), or a trace's rows from
``queries.trace_export_rows``. Trace text is untrusted: in Markdown it is
put inside fences long enough that nothing in it can close them, so it stays literal.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

JSON_COLUMNS = ("params", "attributes", "resource", "scope", "events", "links")


def span_json(detail: Mapping[str, Any]) -> str:
    """The span as pretty JSON; JSON columns are nested as JSON, not as strings."""
    out: dict[str, Any] = {}
    for key, value in detail.items():
        if key in JSON_COLUMNS and isinstance(value, str):
            with contextlib.suppress(ValueError):  # not JSON after all: kept as text
                value = json.loads(value)
        out[key] = value
    return json.dumps(out, indent=2, ensure_ascii=False, default=str)


def trace_json(rows: Sequence[Mapping[str, Any]]) -> str:
    """A trace as pretty JSON: ``{"trace_id": ..., "spans": [...]}``, spans as in
    :func:`span_json`, in the order given (start order)."""
    spans = [json.loads(span_json(row)) for row in rows]
    trace_id = rows[0].get("trace_id") if rows else None
    return json.dumps({"trace_id": trace_id, "spans": spans}, indent=2, ensure_ascii=False)


def trace_markdown(rows: Sequence[Mapping[str, Any]]) -> str:
    """A trace as one Markdown transcript: a title, then each span in the order given."""
    if not rows:
        return ""
    trace_id = str(rows[0].get("trace_id") or "")
    errors = sum(1 for r in rows if r.get("status") == "error")
    lines = [f"# Trace {_inline(trace_id)}", "", f"{len(rows)} spans, {errors} with errors", ""]
    return "\n".join(lines) + "\n".join(span_markdown(row) for row in rows)


def span_markdown(detail: Mapping[str, Any]) -> str:
    """The span as a Markdown transcript: a header, messages in order, tool calls, chunks."""
    name = detail.get("name") or "(unnamed span)"
    lines = [f"## {_inline(name)}", ""]
    facts = [
        ("kind", detail.get("kind")),
        ("model", detail.get("model")),
        ("tool", detail.get("tool_name")),
        ("status", detail.get("status")),
        ("trace", detail.get("trace_id")),
        ("span", detail.get("span_id")),
        ("parent", detail.get("parent_span_id")),
    ]
    if detail.get("input_tokens") or detail.get("output_tokens"):
        facts.append(
            (
                "tokens",
                f"{detail.get('input_tokens') or 0} in / {detail.get('output_tokens') or 0} out",
            )
        )
    if detail.get("duration_ns") is not None:
        facts.append(("duration", f"{detail['duration_ns'] / 1e6:.0f} ms"))
    lines += [f"- **{k}**: {_inline(str(v))}" for k, v in facts if v not in (None, "")]
    if detail.get("status") == "error" and detail.get("status_message"):
        lines += ["", "**Error**", "", *_fence(str(detail["status_message"]))]
    messages = [("input", m) for m in detail.get("input_messages") or []]
    messages += [("output", m) for m in detail.get("output_messages") or []]
    for direction, message in messages:
        role = message.get("role") or "message"
        who = f"{role} ({message['name']})" if message.get("name") else role
        lines += ["", f"### {_inline(who)}" + (" — output" if direction == "output" else ""), ""]
        content = message.get("content")
        if content:
            lines += _fence(str(content))
        for call in message.get("tool_calls") or []:
            lines += ["", f"Tool call `{_inline(call.get('name') or '?')}`:", ""]
            lines += _fence(_pretty(call.get("arguments")), "json")
    calls = detail.get("tool_calls") or []
    if calls:
        lines += ["", "### Tool calls"]
        for call in calls:
            lines += ["", f"**{_inline(call.get('name') or '(unnamed tool)')}** arguments:", ""]
            lines += _fence(_pretty(call.get("arguments")), "json")
            if call.get("result") is not None:
                lines += ["", "Result:", "", *_fence(_pretty(call.get("result")))]
    documents = detail.get("documents") or []
    if documents:
        lines += ["", "### Retrieved chunks"]
        for rank, doc in enumerate(documents, 1):
            score = doc.get("score")
            about = f"{rank}. `{_inline(doc.get('document_id') or '(no id)')}`"
            if score is not None:
                about += f" score {score:.4f}"
            lines += ["", about, "", *_fence(str(doc.get("content") or ""))]
    return "\n".join(lines).rstrip() + "\n"


def _pretty(text: Any) -> str:
    if text is None:
        return ""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(text)


def _fence(text: str, language: str = "") -> list[str]:
    """A code fence longer than any run of backticks inside ``text``."""
    longest, run = 0, 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    return [fence + language, text, fence]


def _inline(text: str) -> str:
    """One line, with Markdown's own characters escaped so names stay literal."""
    flat = " ".join(text.split())
    for ch in "\\`*_[]<>#|":
        flat = flat.replace(ch, "\\" + ch)
    return flat
