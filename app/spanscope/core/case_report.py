"""The report of a case, as Markdown and as one self-contained HTML page: summary, impact,
the timeline of findings, the failure groups involved, and the key spans with their
conversations and tool calls.

Everything from a trace is untrusted: the HTML escapes every text with ``html.escape`` and has
no scripts, styles from elsewhere, images or links to load; control characters are shown as
``\\xNN`` so they cannot reshape the page or the terminal of whoever reads the Markdown.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spanscope.core.atomic_file import atomic_text
from spanscope.core.redaction import Redactor
from spanscope.core.trace_diff import diff_traces
from spanscope.store import cases, diff_reads
from spanscope.store.cases import CaseNote
from spanscope.store.errors import Cursor
from spanscope.store.failure_groups import FailureGroup, failure_groups
from spanscope.store.queries import Where

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
TEXT_LIMIT = 4000  # characters of one message shown; the case file has the rest


@dataclass
class Report:
    """What a case report says."""

    name: str
    summary: str | None
    author: str
    created_at: datetime | None
    impact: dict[str, Any]
    notes: list[CaseNote]
    groups: list[FailureGroup]
    spans: list[dict[str, Any]]
    refs: list[tuple[str, str]] = field(default_factory=list)
    diffs: list[tuple[str, str, str]] = field(default_factory=list)  # a, b, first divergence
    bars: list[tuple[Any, ...]] = field(default_factory=list)  # trace, start, duration, errors


def build(cur: Cursor, name: str, redactor: Redactor | None = None) -> Report:
    """Gather the report of case ``name`` (reads only); with ``redactor``, secrets in the
    spans, notes and failure messages are masked, as in every export."""
    case_id = cases.require_case(cur, name)
    row = cases.case_row(cur, case_id)
    traces = cases.case_trace_ids(cur, case_id)
    notes = cases.case_notes(cur, case_id)
    # Key spans: the ones collected or annotated, and the failures the notes point at (all
    # failures when nothing was pointed at).
    chosen = [(i.trace_id, i.span_id) for i in row.items if i.span_id]
    chosen += cases.annotated_spans(cur, traces)
    linked = {s for n in notes for s in n.span_ids}
    chosen += [
        (t, s)
        for t, s in cases.failing_spans(cur, traces, limit=len(linked) + 20)
        if s in linked or not chosen
    ]
    where = Where("trace_id IN (SELECT unnest(?))", (traces,))
    report = Report(
        name=row.name,
        summary=row.summary,
        author=row.author,
        created_at=row.created_at,
        impact=cases.case_impact(cur, traces),
        notes=notes,
        groups=failure_groups(cur, where, limit=20) if traces else [],
        spans=cases.key_spans(cur, list(dict.fromkeys(chosen))),
        refs=cases.case_refs(cur, case_id),
        bars=cases.trace_bars(cur, traces),
        diffs=[_divergence(cur, ref) for kind, ref in cases.case_refs(cur, case_id)
               if kind == "diff" and len(ref.split()) == 2],
    )  # fmt: skip
    return report if redactor is None else _masked(report, redactor)


def _masked(r: Report, redactor: Redactor) -> Report:
    return replace(
        r,
        summary=redactor.value(r.summary),
        notes=[replace(n, text=redactor.text(n.text)) for n in r.notes],
        groups=[replace(g, signature=redactor.text(g.signature)) for g in r.groups],
        spans=[redactor.value(s) for s in r.spans],
        refs=[(kind, redactor.text(ref)) for kind, ref in r.refs],
    )


def _divergence(cur: Cursor, ref: str) -> tuple[str, str, str]:
    """Where the two traces of a diff first part, in words."""
    a, b = ref.split()
    if not (diff_reads.trace_exists(cur, a) and diff_reads.trace_exists(cur, b)):
        return a, b, "one of the traces is not in this database"
    diff = diff_traces(a, b, diff_reads.diff_rows(cur, a), diff_reads.diff_rows(cur, b))
    first = diff.first_divergence
    if first is None:
        return a, b, "no divergence: the runs match"
    return a, b, f"span {first.a or '-'} vs {first.b or '-'}: {first.reason}"


def clean(value: Any, limit: int = TEXT_LIMIT) -> str:
    """A trace's text made safe to show: control characters spelt out, cut to ``limit``."""
    text = "" if value is None else str(value)
    if len(text) > limit:
        text = text[:limit] + f"… ({len(text) - limit} more characters)"
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def _time(ns: int | None) -> str:
    if ns is None:
        return "-"
    return datetime.fromtimestamp(ns / 1e9, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _impact_rows(r: Report) -> list[tuple[str, str]]:
    i = r.impact
    cost = "not priced" if i["cost"] is None else f"${i['cost']:.4f}"
    return [
        ("Traces", str(i["traces"])),
        ("Spans", f"{i['spans']} ({i['errors']} failed)"),
        ("Users", str(i["users"])),
        ("Sessions", str(i["sessions"])),
        ("Cost", cost),
        ("First occurrence", _time(i["first_ns"])),
        ("Last occurrence", _time(i["last_ns"])),
    ]


def _conversation(span: dict[str, Any]) -> list[tuple[str, str]]:
    """(who, text) of a span's messages and tool calls, in order."""
    lines: list[tuple[str, str]] = []
    for m in [*(span.get("input_messages") or []), *(span.get("output_messages") or [])]:
        lines.append((str(m.get("role") or "?"), clean(m.get("content"))))
        for call in m.get("tool_calls") or []:
            lines.append(("tool call", clean(f"{call.get('name')}({call.get('arguments')})")))
    for call in span.get("tool_calls") or []:
        lines.append(("tool", clean(f"{call.get('name')}({call.get('arguments')})")))
        if call.get("result") is not None:
            lines.append(("tool result", clean(call.get("result"))))
    return lines


# -- Markdown ---------------------------------------------------------------------------------


def _md(text: str) -> str:
    """Trace text inside Markdown: no raw HTML a renderer would run, no headings or links."""
    return html.escape(text).replace("[", "\\[").replace("]", "\\]").replace("`", "\\`")


def markdown(r: Report) -> str:
    """The report as Markdown (trace text escaped so a renderer shows it as text)."""
    out = [f"# Case: {_md(clean(r.name, 200))}", ""]
    if r.summary:
        out += [_md(clean(r.summary)), ""]
    out += [f"Opened by {_md(clean(r.author, 200)) or 'unknown'}"
            + (f" on {r.created_at:%Y-%m-%d %H:%M}" if r.created_at else ""), ""]  # fmt: skip
    out += ["## Impact", "", "| | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in _impact_rows(r)]
    out += ["", "## Timeline", ""]
    out += [
        f"- **{n.noted_at:%Y-%m-%d %H:%M}** {_md(clean(n.text))}"
        + (f" (spans: {', '.join(_md(clean(s, 64)) for s in n.span_ids)})" if n.span_ids else "")
        for n in r.notes
    ] or ["No notes."]
    out += ["", "## Failure groups", ""]
    out += [
        f"- {g.count}× in {g.traces} traces ({_md(g.kind)}): {_md(clean(g.signature, 300))}"
        for g in r.groups
    ] or ["No failures."]
    if r.diffs:
        out += ["", "## Diffs", ""]
        out += [f"- `{_md(clean(a, 200))}` vs `{_md(clean(b, 200))}`: first divergence at {_md(clean(text, 500))}"
                for a, b, text in r.diffs]  # fmt: skip
    out += ["", "## Key spans", ""]
    for s in r.spans:
        out += [f"### {_md(clean(s['name'], 200))} [{_md(str(s['kind']))}] {s['status']}", ""]
        out += [f"Trace `{_md(clean(s['trace_id'], 200))}` span `{_md(clean(s['span_id'], 200))}`, "
                f"{_md(clean(s['model'] or '-', 100))}, {_time(s['start_ns'])}", ""]  # fmt: skip
        if s["status_message"]:
            out += [f"Error: {_md(clean(s['status_message']))}", ""]
        out += [f"> **{_md(who)}**: {_md(text)}".replace("\n", "\n> ") for who, text in
                _conversation(s)] + [""]  # fmt: skip
    if not r.spans:
        out += ["No key spans.", ""]
    if r.refs:
        out += ["## Used in the investigation", ""]
        out += [f"- {kind}: {_md(clean(ref, 300))}" for kind, ref in r.refs] + [""]
    return "\n".join(out)


# -- HTML -------------------------------------------------------------------------------------

_STYLE = """body{font:14px/1.45 system-ui,sans-serif;max-width:60em;margin:2em auto;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}
.msg{white-space:pre-wrap;border-left:3px solid #ccc;padding:.2em .6em;margin:.3em 0}
.who{font-weight:bold;color:#555}.error{color:#b00}code{background:#f4f4f4}"""


def html_page(r: Report) -> str:
    """The report as one HTML page: no scripts, nothing loaded from anywhere, every trace
    text escaped."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # Nothing may load or run, even if an escape were missed somewhere.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        f"<title>Case: {e(clean(r.name, 200))}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Case: {e(clean(r.name, 200))}</h1>",
    ]
    if r.summary:
        parts.append(f"<p>{e(clean(r.summary))}</p>")
    opened = f" on {r.created_at:%Y-%m-%d %H:%M}" if r.created_at else ""
    parts.append(f"<p>Opened by {e(clean(r.author, 200)) or 'unknown'}{opened}</p>")
    parts.append("<h2>Impact</h2><table>")
    parts += [f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in _impact_rows(r)]
    parts.append("</table>")
    parts.append(timeline_svg(r.bars))
    parts.append("<h2>Timeline</h2>")
    if r.notes:
        parts.append("<ol>")
        for n in r.notes:
            spans = ", ".join(f"<code>{e(clean(s, 64))}</code>" for s in n.span_ids)
            parts.append(
                f"<li><b>{n.noted_at:%Y-%m-%d %H:%M}</b> {e(clean(n.text))}"
                + (f" (spans: {spans})" if spans else "")
                + "</li>"
            )
        parts.append("</ol>")
    else:
        parts.append("<p>No notes.</p>")
    parts.append("<h2>Failure groups</h2>")
    if r.groups:
        parts.append("<table><tr><th>Count</th><th>Traces</th><th>Kind</th><th>Cause</th></tr>")
        parts += [
            f"<tr><td>{g.count}</td><td>{g.traces}</td><td>{e(g.kind)}</td>"
            f"<td>{e(clean(g.signature, 300))}</td></tr>"
            for g in r.groups
        ]
        parts.append("</table>")
    else:
        parts.append("<p>No failures.</p>")
    if r.diffs:
        parts.append("<h2>Diffs</h2><ul>")
        parts += [
            f"<li><code>{e(clean(a, 200))}</code> vs <code>{e(clean(b, 200))}</code>: first divergence at "
            f"{e(clean(text, 500))}</li>"
            for a, b, text in r.diffs
        ]
        parts.append("</ul>")
    parts.append("<h2>Key spans</h2>")
    for s in r.spans:
        parts.append(
            f"<h3>{e(clean(s['name'], 200))} <small>[{e(str(s['kind']))}] "
            f"{e(str(s['status']))}</small></h3>"
            f"<p>Trace <code>{e(clean(s['trace_id'], 200))}</code> span <code>{e(clean(s['span_id'], 200))}</code>, "
            f"{e(clean(s['model'] or '-', 100))}, {_time(s['start_ns'])}</p>"
        )
        if s["status_message"]:
            parts.append(f'<p class="error">Error: {e(clean(s["status_message"]))}</p>')
        parts += [
            f'<div class="msg"><span class="who">{e(who)}</span>: {e(text)}</div>'
            for who, text in _conversation(s)
        ]
    if not r.spans:
        parts.append("<p>No key spans.</p>")
    if r.refs:
        parts.append("<h2>Used in the investigation</h2><ul>")
        parts += [f"<li>{e(kind)}: {e(clean(ref, 300))}</li>" for kind, ref in r.refs]
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def timeline_svg(bars: list[tuple[Any, ...]], width: int = 720) -> str:
    """The case's traces on a time axis, one row each (red when one of its spans failed), as an
    inline SVG: drawn in the page, nothing loaded."""
    if not bars:
        return ""
    first = min(b[1] for b in bars)
    last = max(b[1] + (b[2] or 0) for b in bars)
    scale = (width - 20) / max(last - first, 1)
    row = 8
    height = row * len(bars) + 24
    shapes = []
    for i, (trace, start, duration, errors) in enumerate(bars):
        x = 10 + (start - first) * scale
        w = max((duration or 0) * scale, 2)
        colour = "#d62728" if errors else "#1f77b4"
        shapes.append(
            f'<rect x="{x:.1f}" y="{i * row + 2}" width="{w:.1f}" height="{row - 2}" '
            f'fill="{colour}"><title>{html.escape(clean(trace, 200))}</title></rect>'
        )
    axis = (
        f'<text x="10" y="{height - 6}" font-size="11">{_time(first)}</text>'
        f'<text x="{width - 10}" y="{height - 6}" font-size="11" text-anchor="end">'
        f"{_time(last)}</text>"
    )
    return (
        f'<figure><svg width="{width}" height="{height}" '
        f'role="img" aria-label="When the traces ran">{"".join(shapes)}{axis}</svg>'
        "<figcaption>When the case's traces ran; red: one of its spans failed.</figcaption>"
        "</figure>"
    )


def write(text: str, path: Path | str) -> Path:
    """Write a report atomically."""
    target = Path(path)
    with atomic_text(target) as f:
        f.write(text)
    return target
