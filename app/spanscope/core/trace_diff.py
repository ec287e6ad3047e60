"""Two traces compared: their merged span tree, what differs in each aligned pair, the first
divergence, and the totals.

Works on the rows of ``store.diff_reads.diff_rows``, which carry fingerprints of each span's
messages, tool calls, chunks and parameters, so a pair is compared without its texts; the
texts are read and diffed word by word only for the pair a person looks at
(:func:`spanscope.core.span_diff.diff_spans`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from spanscope.core.metric_deltas import MetricDelta, add_up
from spanscope.core.span_diff import CHANGE_KINDS
from spanscope.core.tree_align import Alignment, align_trees

Status = Literal["same", "changed", "added", "removed"]
# Steps that do something themselves; agents and chains only enclose them.
STEP_KINDS = frozenset({"llm", "embedding", "tool", "retriever", "reranker"})
MODEL_KINDS = ("llm", "embedding")  # whose tokens count towards a trace's tokens
_HASHES = {
    "input_messages": "input_messages_hash",
    "output_messages": "output_messages_hash",
    "tool_args": "tool_args_hash",
    "tool_results": "tool_results_hash",
    "documents": "documents_hash",
    "params": "params_hash",
}
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class PairStatus:
    """How one row of the merged tree compares."""

    status: Status
    changes: tuple[str, ...] = ()  # which of CHANGE_KINDS differ
    inputs_same: bool = True
    moved: bool = False

    @property
    def differs(self) -> bool:
        return self.status != "same" or self.moved


@dataclass(frozen=True)
class Divergence:
    """Where the two runs part: a row of the merged tree, its span ids and why."""

    row: int
    a: str | None
    b: str | None
    reason: str


@dataclass
class TraceDiff:
    trace_a: str
    trace_b: str
    spans_a: list[dict[str, Any]]
    spans_b: list[dict[str, Any]]
    alignment: Alignment
    statuses: list[PairStatus]  # one per row of the alignment
    first_divergence: Divergence | None
    totals: list[MetricDelta]

    def span_ids(self, row: int) -> tuple[str | None, str | None]:
        entry = self.alignment.rows[row]
        a = None if entry.a is None else str(self.spans_a[entry.a]["span_id"])
        b = None if entry.b is None else str(self.spans_b[entry.b]["span_id"])
        return a, b

    def span(self, row: int) -> dict[str, Any]:
        """The span shown for a row: the second trace's when it has one."""
        entry = self.alignment.rows[row]
        return self.spans_b[entry.b] if entry.b is not None else self.spans_a[entry.a or 0]

    def differences(self) -> list[int]:
        """Rows that differ, in tree order (what next / previous difference visits)."""
        return [row for row, status in enumerate(self.statuses) if status.differs]

    def counts(self) -> dict[str, int]:
        found = {"same": 0, "changed": 0, "added": 0, "removed": 0}
        for status in self.statuses:
            found[status.status] += 1
        return found

    def to_json(self) -> dict[str, Any]:
        """The public ``spanscope diff --json`` object."""
        first = self.first_divergence
        return {
            "first_divergence": None
            if first is None
            else {"a": first.a, "b": first.b, "reason": first.reason},
            "pairs": [
                {
                    "a": a,
                    "b": b,
                    "status": status.status,
                    "changes": list(status.changes),
                }
                for (a, b), status in zip(
                    (self.span_ids(row) for row in range(len(self.statuses))),
                    self.statuses,
                    strict=True,
                )
            ],
        }


def compare_pair(a: Mapping[str, Any], b: Mapping[str, Any]) -> PairStatus:
    """Compare two aligned spans by their fingerprints."""
    differ = {part for part, key in _HASHES.items() if a.get(key) != b.get(key)}
    changes = []
    if differ & {"input_messages", "output_messages"}:
        changes.append("messages")
    changes += [
        part for part in ("tool_args", "tool_results", "documents", "params") if part in differ
    ]
    if (a.get("status") == "error") != (b.get("status") == "error"):
        changes.append("status")
    inputs = {"input_messages", "params"} | ({"tool_args"} if b.get("kind") == "tool" else set())
    ordered = tuple(c for c in CHANGE_KINDS if c in changes)
    return PairStatus("changed" if ordered else "same", ordered, not (differ & inputs))


def outputs_differ(status: PairStatus, kind: str | None) -> list[str]:
    """The parts of a step's output that differ (its own output, not its inputs)."""
    found = []
    if status.status == "changed":
        # Messages count as output only when the messages sent were the same.
        if "messages" in status.changes and status.inputs_same:
            found.append("messages")
        if kind != "tool" and "tool_args" in status.changes:
            found.append("tool calls")
        for part, words in (
            ("tool_results", "tool result"),
            ("documents", "retrieved chunks"),
            ("status", "status"),
        ):
            if part in status.changes:
                found.append(words)
    return found


def diff_traces(
    trace_a: str,
    trace_b: str,
    spans_a: Sequence[Mapping[str, Any]],
    spans_b: Sequence[Mapping[str, Any]],
    progress: Progress | None = None,
) -> TraceDiff:
    """Align and compare two traces' spans (``diff_rows`` rows)."""
    rows_a, rows_b = [dict(s) for s in spans_a], [dict(s) for s in spans_b]
    if progress is not None:
        progress("Aligning the span trees…", 0.0)
    alignment = align_trees(
        rows_a, rows_b, None if progress is None else lambda f: progress("Aligning…", f * 0.8)
    )
    statuses = []
    for row in alignment.rows:
        if row.a is None:
            statuses.append(PairStatus("added"))
        elif row.b is None:
            statuses.append(PairStatus("removed"))
        else:
            found = compare_pair(rows_a[row.a], rows_b[row.b])
            statuses.append(PairStatus(found.status, found.changes, found.inputs_same, row.moved))
    if progress is not None:
        progress("Finding the first divergence…", 0.9)
    diff = TraceDiff(trace_a, trace_b, rows_a, rows_b, alignment, statuses, None, [])
    diff.first_divergence = first_divergence(diff)
    diff.totals = trace_totals(rows_a, rows_b)
    if progress is not None:
        progress("Done", 1.0)
    return diff


def first_divergence(diff: TraceDiff) -> Divergence | None:
    """Walking the steps in execution order (the merged tree in order), the first model
    call, tool call or retrieval that got the same inputs but gave a different output, or
    where the structure first differs: a step added, removed, replaced or run out of order.
    Enclosing agents and chains are passed over: their output differs only because a step
    inside them did.

    When no step qualifies but a step got different inputs (a changed prompt, parameter or
    user message, which no earlier step explains), that step is where the runs part."""
    rows = diff.alignment.rows
    steps = [r for r in range(len(rows)) if diff.span(r).get("kind") in STEP_KINDS]
    last_a = -1  # position in A of the last paired step, to notice steps run out of order
    fallback: Divergence | None = None
    for k, row in enumerate(steps):
        status = diff.statuses[row]
        a, b = diff.span_ids(row)
        name = str(diff.span(row).get("name") or diff.span(row).get("kind"))
        if status.status == "removed":
            following = steps[k + 1] if k + 1 < len(steps) else None
            if (
                following is not None
                and diff.statuses[following].status == "added"
                and rows[following].parent == rows[row].parent
            ):
                return Divergence(
                    row,
                    a,
                    diff.span_ids(following)[1],
                    f"step replaced: {name} → {diff.span(following).get('name')}",
                )
            return Divergence(row, a, b, f"step removed: {name}")
        if status.status == "added":
            return Divergence(row, a, b, f"step added: {name}")
        entry = rows[row]
        if entry.a is not None and entry.a < last_a:
            return Divergence(row, a, b, f"step ran in another order: {name}")
        last_a = max(last_a, entry.a or 0)
        kind = diff.span(row).get("kind")
        outputs = outputs_differ(status, kind if isinstance(kind, str) else None)
        if status.inputs_same and outputs:
            return Divergence(
                row, a, b, f"same input, different output ({', '.join(outputs)}): {name}"
            )
        if fallback is None and status.status == "changed" and not status.inputs_same:
            inputs = [
                c.replace("_", " ")
                for c in status.changes
                if c in ("messages", "params", "tool_args")
            ]
            fallback = Divergence(row, a, b, f"different input ({', '.join(inputs)}): {name}")
    return fallback


def trace_totals(
    spans_a: Sequence[Mapping[str, Any]], spans_b: Sequence[Mapping[str, Any]]
) -> list[MetricDelta]:
    """Whole-trace metrics: wall time, tokens of model calls, cost, error spans, spans."""

    def wall(spans: Sequence[Mapping[str, Any]]) -> float | None:
        starts = [s["start_ns"] for s in spans if s.get("start_ns") is not None]
        ends = [s.get("end_ns") or s["start_ns"] for s in spans if s.get("start_ns") is not None]
        return float(max(ends) - min(starts)) if starts else None

    def models(spans: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        return [s for s in spans if s.get("kind") in MODEL_KINDS]

    totals = [MetricDelta("duration_ns", wall(spans_a), wall(spans_b))]
    for name in ("input_tokens", "output_tokens", "cache_read_tokens", "reasoning_tokens"):
        left, right = add_up(models(spans_a), name), add_up(models(spans_b), name)
        if left is not None or right is not None:
            totals.append(MetricDelta(name, left, right))
    cost_a, cost_b = add_up(list(spans_a), "cost"), add_up(list(spans_b), "cost")
    if cost_a is not None or cost_b is not None:
        totals.append(MetricDelta("cost", cost_a, cost_b))
    errors = [
        float(sum(1 for s in side if s.get("status") == "error")) for side in (spans_a, spans_b)
    ]
    totals.append(MetricDelta("errors", errors[0], errors[1]))
    totals.append(MetricDelta("spans", float(len(spans_a)), float(len(spans_b))))
    return totals
