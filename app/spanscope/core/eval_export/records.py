"""Eval records: one per annotated trace or span, in plain Python, ready for any format.

A record joins what the reviewers said (labels, scores, notes, the expected output; an
adjudicated decision wins over the reviewers' own) with what the span recorded (messages in
OpenAI chat shape, tools offered, the recorded answer, retrieved contexts) and its provenance.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any

from spanscope.model.annotation import Annotation

Item = tuple[str, str]
Message = dict[str, Any]

_ROLES = {
    "human": "user",
    "ai": "assistant",
    "model": "assistant",
    "bot": "assistant",
    "developer": "system",
    "function": "tool",
    "ipython": "tool",
}


@dataclass
class EvalRecord:
    """One exported item."""

    trace_id: str
    span_id: str  # the annotated span; '' for a whole trace
    exported_span_id: str | None  # the span whose messages are exported
    source_file: str | None
    source_format: str | None
    model: str | None
    input: list[Message]
    tools: list[dict[str, Any]]
    output: list[Message]
    contexts: list[str]
    labels: list[str]
    scores: dict[str, float]
    note: str | None
    expected: str | None
    reviewers: list[str]
    adjudicated: bool
    reviews: list[dict[str, Any]] = field(default_factory=list)

    @property
    def question(self) -> str:
        """The last user message: what a RAG set calls the question."""
        for message in reversed(self.input):
            if message.get("role") == "user" and message.get("content"):
                return str(message["content"])
        return ""

    @property
    def answer(self) -> str:
        """The recorded final answer as text."""
        texts = [str(m["content"]) for m in self.output if m.get("content")]
        return "\n".join(texts)

    def metadata(self) -> dict[str, Any]:
        """Provenance: where the record came from and what the reviewers said."""
        return {
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "exported_span_id": self.exported_span_id,
            "source_file": self.source_file,
            "source_format": self.source_format,
            "model": self.model,
            "labels": list(self.labels),
            "scores": dict(self.scores),
            "note": self.note,
            "reviewers": list(self.reviewers),
            "adjudicated": self.adjudicated,
        }


def build_records(
    annotations: Sequence[Annotation], spans: Mapping[Item, Mapping[str, Any]]
) -> list[EvalRecord]:
    """One record per annotated item, in (trace, span) order. ``spans`` is
    ``store.eval_items.export_spans`` for those items; an item whose spans are not in the
    database is exported with its annotations and empty messages."""
    by_item: dict[Item, list[Annotation]] = defaultdict(list)
    for a in annotations:
        by_item[a.item].append(a)
    return [_record(item, by_item[item], spans.get(item)) for item in sorted(by_item)]


def _record(item: Item, notes: list[Annotation], span: Mapping[str, Any] | None) -> EvalRecord:
    decided = [a for a in notes if a.adjudicated and a.rubric == ""]
    own = [a for a in notes if not a.adjudicated and a.rubric == ""]
    chosen = decided or own
    chosen.sort(key=lambda a: (a.updated_at is None, a.updated_at))
    labels = list(dict.fromkeys(label for a in chosen for label in a.labels))
    expected = next((a.expected for a in reversed(chosen) if a.expected), None)
    if expected is None:
        expected = next((a.expected for a in reversed(own) if a.expected), None)
    texts = [(a.author, a.note) for a in chosen if a.note]
    note = (
        texts[0][1]
        if len(texts) == 1
        else "\n".join(f"{author or 'anonymous'}: {text}" for author, text in texts) or None
    )
    return EvalRecord(
        trace_id=item[0],
        span_id=item[1],
        exported_span_id=span.get("span_id") if span else None,
        source_file=span.get("source_path") if span else None,
        source_format=span.get("source_format") if span else None,
        model=span.get("model") if span else None,
        input=[openai_message(m) for m in (span or {}).get("input_messages") or []],
        tools=offered_tools((span or {}).get("attributes")),
        output=_output(span),
        contexts=_contexts(span),
        labels=labels,
        scores=_scores(notes),
        note=note,
        expected=expected,
        reviewers=sorted({a.author for a in notes if a.author}),
        adjudicated=bool(decided),
        reviews=[_review(a) for a in notes],
    )


def _scores(notes: Iterable[Annotation]) -> dict[str, float]:
    given: dict[str, list[float]] = defaultdict(list)
    decided: dict[str, float] = {}
    for a in notes:
        if a.score is None:
            continue
        name = a.rubric or "score"
        if a.adjudicated:
            decided[name] = a.score
        else:
            given[name].append(a.score)
    scores = {name: fmean(values) for name, values in given.items()}
    scores.update(decided)
    return dict(sorted(scores.items()))


def _review(a: Annotation) -> dict[str, Any]:
    return {
        "author": a.author,
        "labels": list(a.labels),
        "rubric": a.rubric,
        "score": a.score,
        "note": a.note,
        "adjudicated": a.adjudicated,
        "updated_at": a.updated_at.isoformat() if a.updated_at else None,
    }


def openai_message(message: Mapping[str, Any]) -> Message:
    """A stored message in OpenAI chat shape (tool calls as ``function`` calls)."""
    role = str(message.get("role") or "user").lower()
    out: Message = {"role": _ROLES.get(role, role), "content": message.get("content")}
    if message.get("name") and out["role"] != "tool":
        out["name"] = message["name"]
    calls = message.get("tool_calls") or []
    if calls:
        out["tool_calls"] = [_openai_call(c) for c in calls]
    if out["role"] == "tool":
        out["tool_call_id"] = message.get("tool_call_id") or ""
        out["content"] = out["content"] or ""
    return out


def _openai_call(call: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": call.get("call_id") or "",
        "type": "function",
        "function": {"name": call.get("name") or "", "arguments": call.get("arguments") or "{}"},
    }


def _output(span: Mapping[str, Any] | None) -> list[Message]:
    if not span:
        return []
    messages = [openai_message(m) for m in span.get("output_messages") or []]
    if not messages and span.get("kind") == "llm" and span.get("tool_calls"):
        # the model asked for tools without a message: its answer is the calls
        messages = [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [_openai_call(c) for c in span["tool_calls"]],
            }
        ]
    return messages


def _contexts(span: Mapping[str, Any] | None) -> list[str]:
    """Retrieved chunks: the span's own, else the last retrieval step before it."""
    if not span:
        return []
    own = [d.get("content") for d in span.get("documents") or [] if d.get("content")]
    if own:
        return [str(c) for c in own]
    start = span.get("start_ns")
    before = [
        step
        for step in span.get("retrievals") or []
        if start is None or step.get("start_ns") is None or step["start_ns"] <= start
    ]
    if not before:
        return []
    return [str(d["content"]) for d in before[-1].get("documents") or [] if d.get("content")]


def offered_tools(attributes: Any) -> list[dict[str, Any]]:
    """Tools the model was offered, in OpenAI ``tools`` shape, from the span's attributes:
    ``gen_ai.tool.definitions`` (OTel GenAI) or ``llm.tools.N.tool.json_schema``
    (OpenInference). Anthropic-shaped definitions (``input_schema``) are converted."""
    if isinstance(attributes, str):
        try:
            attributes = json.loads(attributes)
        except ValueError:
            return []
    if not isinstance(attributes, dict):
        return []
    found: list[Any] = []
    definitions = attributes.get("gen_ai.tool.definitions")
    if isinstance(definitions, str):
        try:
            definitions = json.loads(definitions)
        except ValueError:
            definitions = None
    if isinstance(definitions, list):
        found.extend(definitions)
    numbered = sorted(
        (k for k in attributes if k.startswith("llm.tools.") and k.endswith(".tool.json_schema")),
        key=lambda k: int(k.split(".")[2]) if k.split(".")[2].isdigit() else 0,
    )
    for key in numbered:
        value = attributes[key]
        try:
            found.append(json.loads(value) if isinstance(value, str) else value)
        except ValueError:
            continue
    tools = attributes.get("llm.tools")
    if isinstance(tools, list):
        for entry in tools:
            schema = entry.get("tool", {}).get("json_schema") if isinstance(entry, dict) else None
            if schema:
                try:
                    found.append(json.loads(schema) if isinstance(schema, str) else schema)
                except ValueError:
                    continue
    return [t for t in (_openai_tool(d) for d in found) if t is not None]


def _openai_tool(definition: Any) -> dict[str, Any] | None:
    if not isinstance(definition, dict):
        return None
    if definition.get("type") == "function" and isinstance(definition.get("function"), dict):
        return definition
    name = definition.get("name")
    if not name:
        return None
    function: dict[str, Any] = {"name": name}
    if definition.get("description"):
        function["description"] = definition["description"]
    schema = definition.get("parameters") or definition.get("input_schema")
    if schema:
        function["parameters"] = schema
    return {"type": "function", "function": function}
