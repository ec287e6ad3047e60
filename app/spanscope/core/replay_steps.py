"""Step-through of a trace: its spans in the order they started, each with what had happened
by then (time elapsed, tokens and cost so far), whether it ran in parallel with others, and
where things first went wrong.

Input is ``store.replays.step_rows`` (plain dicts, start order). Plain Python, no recursion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

TOKEN_KINDS = ("llm", "embedding")  # as the trace list counts tokens (parents may repeat them)
RETRIEVAL_KINDS = ("retriever", "reranker")


@dataclass
class Branch:
    """A span's place among siblings that overlapped in time."""

    group: int  # identifies the set of parallel siblings
    position: int  # 1-based, in start order
    size: int
    siblings: list[str]  # span ids of the whole set, start order


@dataclass
class Step:
    index: int  # 0-based position in time order
    span: dict[str, Any]
    depth: int
    elapsed_ns: int  # start of this span minus start of the trace
    input_tokens_so_far: int
    output_tokens_so_far: int
    cost_so_far: float | None  # None while no span so far is priced
    branch: Branch | None = (
        None  # innermost parallel set this span belongs to (itself or an ancestor)
    )
    failure: str | None = None  # "error", "tool failure", "empty retrieval"

    @property
    def span_id(self) -> str:
        return str(self.span["span_id"])


@dataclass
class StepThrough:
    trace_id: str
    steps: list[Step]
    start_ns: int
    failures: list[int] = field(default_factory=list)  # step indices, in the order they failed
    first_error: int | None = None
    first_tool_failure: int | None = None
    first_empty_retrieval: int | None = None

    @property
    def first_failure(self) -> int | None:
        """The step where things went wrong first: the failure that happened earliest."""
        return self.failures[0] if self.failures else None

    def index_of(self, span_id: str) -> int | None:
        for step in self.steps:
            if step.span_id == span_id:
                return step.index
        return None

    def next_failure(self, after: int) -> int | None:
        """The first failing step after step ``after`` in time order (wrapping around)."""
        ordered = sorted(self.failures)
        later = [i for i in ordered if i > after]
        return later[0] if later else (ordered[0] if ordered else None)


def build_steps(trace_id: str, rows: Sequence[dict[str, Any]]) -> StepThrough:
    """The step-through of one trace from its step rows."""
    ordered = sorted(rows, key=_start_key)
    start = min((r["start_ns"] for r in ordered if r.get("start_ns") is not None), default=0)
    by_id = {str(r["span_id"]): r for r in ordered}
    depths = _depths(ordered, by_id)
    branches = _branches(ordered, by_id)
    steps: list[Step] = []
    tokens_in = tokens_out = 0
    cost: float | None = None
    for index, row in enumerate(ordered):
        if row.get("kind") in TOKEN_KINDS:
            tokens_in += row.get("input_tokens") or 0
            tokens_out += row.get("output_tokens") or 0
        if row.get("cost") is not None:
            cost = (cost or 0.0) + float(row["cost"])
        row_start = row.get("start_ns")
        steps.append(
            Step(
                index=index,
                span=row,
                depth=depths[str(row["span_id"])],
                elapsed_ns=(row_start - start) if row_start is not None else 0,
                input_tokens_so_far=tokens_in,
                output_tokens_so_far=tokens_out,
                cost_so_far=cost,
                branch=branches.get(str(row["span_id"])),
                failure=_failure(row),
            )
        )
    result = StepThrough(trace_id, steps, start)
    # A failure happens when a span ends: an agent that errors because its tool did starts
    # first but fails last, so failures are ordered by end time (the deeper span first).
    failing = [s for s in steps if s.failure]
    failing.sort(key=lambda s: (_end_key(s.span), -s.depth, s.index))
    result.failures = [s.index for s in failing]
    for step in failing:
        if step.failure == "empty retrieval":
            result.first_empty_retrieval = _first(result.first_empty_retrieval, step.index)
        else:
            result.first_error = _first(result.first_error, step.index)
            if step.failure == "tool failure":
                result.first_tool_failure = _first(result.first_tool_failure, step.index)
    return result


def _failure(row: dict[str, Any]) -> str | None:
    if row.get("status") == "error":
        return "tool failure" if row.get("kind") == "tool" else "error"
    if row.get("failed_tool_call_count"):
        # a tool the provider ran inside this model call failed (web search, code execution)
        return "tool failure"
    if row.get("kind") in RETRIEVAL_KINDS and not row.get("document_count"):
        return "empty retrieval"
    return None


def _first(current: int | None, candidate: int) -> int:
    return candidate if current is None else current


def _start_key(row: dict[str, Any]) -> tuple[int, int, str]:
    start = row.get("start_ns")
    # Same start: the parent first (it is longer), so a step never precedes its caller.
    end = row.get("end_ns") if row.get("end_ns") is not None else start
    length = (end - start) if start is not None and end is not None else 0
    return (start if start is not None else 2**63 - 1, -length, str(row.get("span_id")))


def _end_key(row: dict[str, Any]) -> int:
    end = row.get("end_ns")
    if end is None:
        end = row.get("start_ns")
    return end if end is not None else 2**63 - 1


def _depths(ordered: Sequence[dict[str, Any]], by_id: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Depth of each span; a parent missing from the trace or a parent cycle ends the walk."""
    depths: dict[str, int] = {}
    for row in ordered:
        span_id = str(row["span_id"])
        chain: list[str] = []
        seen: set[str] = set()
        current: str | None = span_id
        while current is not None and current not in depths and current not in seen:
            seen.add(current)
            chain.append(current)
            parent = by_id[current].get("parent_span_id")
            current = str(parent) if parent and str(parent) in by_id else None
        base = depths[current] + 1 if current is not None and current in depths else 0
        for offset, node in enumerate(reversed(chain)):
            depths[node] = base + offset
    return depths


def _branches(
    ordered: Sequence[dict[str, Any]], by_id: dict[str, dict[str, Any]]
) -> dict[str, Branch]:
    """Siblings whose times overlap ran in parallel: each gets its place in that set, and
    every descendant inherits the innermost set above it."""
    children: dict[str | None, list[dict[str, Any]]] = {}
    for row in ordered:
        parent = row.get("parent_span_id")
        key = str(parent) if parent and str(parent) in by_id else None
        children.setdefault(key, []).append(row)
    own: dict[str, Branch] = {}
    groups: list[list[str]] = []
    for siblings in children.values():
        group: list[str] = []
        group_end = -(2**63)
        for row in siblings:
            start = row.get("start_ns")
            if group and start is not None and start < group_end:
                group.append(str(row["span_id"]))
            else:
                groups.append(group)
                group = [str(row["span_id"])]
                group_end = -(2**63)
            group_end = max(group_end, _end_key(row))
        groups.append(group)
    for group_id, ids in enumerate((g for g in groups if len(g) > 1), 1):
        for position, member in enumerate(ids, 1):
            own[member] = Branch(group_id, position, len(ids), ids)
    inherited: dict[str, Branch] = {}
    for row in ordered:  # parents start no later than their children: already resolved
        span_id = str(row["span_id"])
        if span_id in own:
            inherited[span_id] = own[span_id]
            continue
        parent = row.get("parent_span_id")
        if parent and str(parent) in inherited and str(parent) != span_id:
            inherited[span_id] = inherited[str(parent)]
    return inherited
