"""Everything that differs between two spans: messages word by word, tool calls key by key,
retrieved chunks, request parameters, status and metrics.

The spans are ``store.queries.span_detail`` rows (a replay shaped like one works too). Call
ids are ignored when comparing: two runs of the same agent never share them.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from spanscope.core.chunk_diff import ChunkDiff, chunk_diff, chunks_differ
from spanscope.core.json_diff import KeyChange, json_diff, parse, same_json
from spanscope.core.metric_deltas import MetricDelta, metric_deltas
from spanscope.core.word_diff import Piece, changed, word_diff

Change = Literal["same", "changed", "added", "removed"]
# What can differ between two aligned spans, in the order reports list them. The first five
# are the ``changes`` of ``spanscope diff --json``; a tool's result has its own name.
CHANGE_KINDS = ("messages", "tool_args", "tool_results", "documents", "params", "status")
# Request fields shown with the parameters (the model is a parameter of the call).
MODEL_FIELDS = ("request_model", "response_model", "provider")


@dataclass(frozen=True)
class ToolCallDiff:
    """One tool call on either side: its name, its arguments key by key, its result."""

    change: Change
    name_a: str
    name_b: str
    arguments: list[KeyChange]  # unchanged keys included, marked "same"
    result: list[Piece]

    @property
    def args_changed(self) -> bool:
        return self.name_a != self.name_b or any(k.change != "same" for k in self.arguments)

    @property
    def result_changed(self) -> bool:
        return changed(self.result)


@dataclass(frozen=True)
class MessageDiff:
    """One message on either side: the words of its text, and the tool calls it asked for."""

    direction: Literal["input", "output"]
    change: Change
    role_a: str
    role_b: str
    words: list[Piece]
    tool_calls: list[ToolCallDiff] = field(default_factory=list)


@dataclass
class SpanPairDiff:
    """The differences between span ``a`` and span ``b``."""

    a_id: str
    b_id: str
    a_name: str
    b_name: str
    kind: str
    messages: list[MessageDiff]
    tool_calls: list[ToolCallDiff]
    chunks: list[ChunkDiff]
    params: list[KeyChange]  # unchanged parameters included, marked "same"
    metrics: list[MetricDelta]
    status_a: str
    status_b: str
    status_message_a: str
    status_message_b: str
    changes: list[str]  # which of CHANGE_KINDS differ

    @property
    def same(self) -> bool:
        return not self.changes

    @property
    def inputs_same(self) -> bool:
        """Whether the span got the same inputs on both sides (messages sent, parameters,
        and for a tool the arguments it ran with)."""
        inputs = {"params"} | ({"tool_args"} if self.kind == "tool" else set())
        return not (inputs & set(self.changes)) and all(
            m.change == "same" for m in self.messages if m.direction == "input"
        )


def diff_spans(a: Mapping[str, Any], b: Mapping[str, Any]) -> SpanPairDiff:
    """Compare two spans shaped like ``span_detail`` rows (either may be empty: a span only
    one trace has compares against ``{}``, so everything shows as added or removed)."""
    messages = _messages("input", a.get("input_messages"), b.get("input_messages"))
    messages += _messages("output", a.get("output_messages"), b.get("output_messages"))
    calls = tool_call_diff(a.get("tool_calls"), b.get("tool_calls"))
    chunks = chunk_diff(a.get("documents"), b.get("documents"))
    params = param_diff(a, b)
    status_a, status_b = str(a.get("status") or ""), str(b.get("status") or "")
    changes = []
    if any(m.change != "same" for m in messages):
        changes.append("messages")
    if any(c.args_changed or c.change in ("added", "removed") for c in calls):
        changes.append("tool_args")
    if any(c.result_changed for c in calls):
        changes.append("tool_results")
    if chunks_differ(chunks):
        changes.append("documents")
    if any(p.change != "same" for p in params if p.path not in ("response_model",)):
        changes.append("params")
    if (status_a == "error") != (status_b == "error"):  # "ok" and "unset" both succeeded
        changes.append("status")
    return SpanPairDiff(
        a_id=str(a.get("span_id") or ""),
        b_id=str(b.get("span_id") or ""),
        a_name=str(a.get("name") or ""),
        b_name=str(b.get("name") or ""),
        kind=str(b.get("kind") or a.get("kind") or "other"),
        messages=messages,
        tool_calls=calls,
        chunks=chunks,
        params=params,
        metrics=metric_deltas(a, b),
        status_a=status_a,
        status_b=status_b,
        status_message_a=str(a.get("status_message") or ""),
        status_message_b=str(b.get("status_message") or ""),
        changes=changes,
    )


# -- messages --------------------------------------------------------------------------------


def message_text(message: Mapping[str, Any]) -> str:
    """The text of a message; its parts as JSON when it has no plain text content."""
    content = message.get("content")
    if content:
        return str(content)
    parts = message.get("parts")
    if parts in (None, "", "null", "[]"):
        return ""
    return parts if isinstance(parts, str) else json.dumps(parts, ensure_ascii=False)


def _message_key(message: Mapping[str, Any]) -> tuple[Any, ...]:
    calls = tuple(
        (c.get("name"), json.dumps(parse(c.get("arguments")), sort_keys=True, default=str))
        for c in message.get("tool_calls") or []
    )
    return (message.get("role"), message_text(message), message.get("name"), calls)


def _messages(direction: Literal["input", "output"], a: Any, b: Any) -> list[MessageDiff]:
    left: list[Mapping[str, Any]] = list(a or [])
    right: list[Mapping[str, Any]] = list(b or [])
    matcher = difflib.SequenceMatcher(
        None, [_message_key(m) for m in left], [_message_key(m) for m in right], autojunk=False
    )
    out: list[MessageDiff] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += [
                _message(direction, "same", left[i], right[j])
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            continue
        # A replaced block pairs its messages in order (a changed answer, a changed prompt);
        # what is left over was added or removed.
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(paired):
            out.append(_message(direction, "changed", left[i1 + k], right[j1 + k]))
        out += [_message(direction, "removed", left[i], None) for i in range(i1 + paired, i2)]
        out += [_message(direction, "added", None, right[j]) for j in range(j1 + paired, j2)]
    return out


def _message(
    direction: Literal["input", "output"],
    change: Change,
    a: Mapping[str, Any] | None,
    b: Mapping[str, Any] | None,
) -> MessageDiff:
    return MessageDiff(
        direction=direction,
        change=change,
        role_a=str((a or {}).get("role") or ""),
        role_b=str((b or {}).get("role") or ""),
        words=word_diff(message_text(a) if a else "", message_text(b) if b else ""),
        tool_calls=tool_call_diff((a or {}).get("tool_calls"), (b or {}).get("tool_calls")),
    )


# -- tool calls ------------------------------------------------------------------------------


def tool_call_diff(a: Any, b: Any) -> list[ToolCallDiff]:
    """Tool calls paired in order by name (a retried or extra call shows as added)."""
    left: list[Mapping[str, Any]] = list(a or [])
    right: list[Mapping[str, Any]] = list(b or [])
    matcher = difflib.SequenceMatcher(
        None, [c.get("name") for c in left], [c.get("name") for c in right], autojunk=False
    )
    out: list[ToolCallDiff] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        paired = min(i2 - i1, j2 - j1) if tag in ("equal", "replace") else 0
        for k in range(paired):
            out.append(_call(left[i1 + k], right[j1 + k]))
        out += [_call(left[i], None) for i in range(i1 + paired, i2)]
        out += [_call(None, right[j]) for j in range(j1 + paired, j2)]
    return out


def _call(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> ToolCallDiff:
    args_a = (a or {}).get("arguments")
    args_b = (b or {}).get("arguments")
    arguments = json_diff(
        args_a if a else _absent(args_b), args_b if b else _absent(args_a), keep_same=True
    )
    result = word_diff(_text((a or {}).get("result")), _text((b or {}).get("result")))
    if a is None or b is None:
        change: Change = "added" if a is None else "removed"
    elif a.get("name") == b.get("name") and same_json(args_a, args_b) and not changed(result):
        change = "same"
    else:
        change = "changed"
    return ToolCallDiff(
        change,
        str((a or {}).get("name") or ""),
        str((b or {}).get("name") or ""),
        arguments,
        result,
    )


def _absent(other: Any) -> Any:
    """The empty value of the other side's shape, so a one-sided call lists its keys."""
    return {} if isinstance(parse(other), dict) else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# -- parameters ------------------------------------------------------------------------------


def param_diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[KeyChange]:
    """Model fields and every request parameter (temperature, max tokens, tools offered...)."""

    def shape(row: Mapping[str, Any]) -> dict[str, Any]:
        params = parse(row.get("params"))
        values: dict[str, Any] = {k: row.get(k) for k in MODEL_FIELDS if row.get(k) is not None}
        if isinstance(params, dict):
            values.update(params)
        elif params is not None:
            values["params"] = params
        return values

    return json_diff(shape(a), shape(b), keep_same=True)


def changed_kinds(diffs: Sequence[SpanPairDiff]) -> list[str]:
    """The change kinds any of these pairs has, in report order."""
    found = {c for d in diffs for c in d.changes}
    return [c for c in CHANGE_KINDS if c in found]
