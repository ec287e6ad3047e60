"""The step-through model: time order, parallel branches, totals so far, where it went wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from otlp_builder import LLM, RETRIEVER, ROOT, TOOL, TRACE, agent_trace, document, span, write_json
from spanscope.core.replay_request import CallOutput
from spanscope.core.replay_sameness import Check, summarise
from spanscope.core.replay_steps import build_steps
from spanscope.ingest import import_paths
from spanscope.store import Database, queries
from spanscope.store.replays import step_rows

MS = 1_000_000


def row(
    span_id: str, start: int, end: int, parent: str | None = None, **extra: Any
) -> dict[str, Any]:
    values = {
        "span_id": span_id,
        "parent_span_id": parent,
        "name": span_id,
        "kind": "chain",
        "start_ns": start * MS,
        "end_ns": end * MS,
        "status": "ok",
        "input_tokens": None,
        "output_tokens": None,
        "cost": None,
        "document_count": None,
    }
    values.update(extra)
    return values


def test_steps_of_an_imported_trace(db: Database, tmp_path: Path) -> None:
    [result] = list(import_paths(db, [write_json(tmp_path / "a.json", document(agent_trace()))]))
    assert result.status == "imported"
    steps = build_steps(TRACE, step_rows(db.reader(), TRACE))
    assert [s.span_id for s in steps.steps] == [ROOT, RETRIEVER, LLM, TOOL]
    assert [s.elapsed_ns // MS for s in steps.steps] == [0, 10, 100, 1400]
    assert [s.depth for s in steps.steps] == [0, 1, 1, 2]
    assert steps.steps[-1].input_tokens_so_far == 1200
    assert steps.steps[1].input_tokens_so_far == 0  # before the model call
    # The tool timed out: the first failure, and a tool failure.
    assert steps.first_failure == 3 and steps.first_tool_failure == 3
    assert steps.steps[3].failure == "tool failure"
    assert steps.first_empty_retrieval is None  # the retriever found two chunks
    summary = queries.trace_summary(db.reader(), TRACE)
    assert summary is not None
    assert steps.steps[-1].output_tokens_so_far == summary["output_tokens"]


def test_parallel_branches_and_their_descendants() -> None:
    rows = [
        row("root", 0, 100),
        row("plan", 1, 5, "root"),
        row("a", 10, 40, "root"),
        row("b", 12, 30, "root"),
        row("c", 20, 50, "root"),
        row("a1", 11, 20, "a"),
        row("after", 60, 70, "root"),
    ]
    steps = build_steps("t", rows)
    by_id = {s.span_id: s for s in steps.steps}
    assert [s.span_id for s in steps.steps] == ["root", "plan", "a", "a1", "b", "c", "after"]
    assert by_id["root"].branch is None and by_id["plan"].branch is None
    assert by_id["after"].branch is None
    branch = by_id["b"].branch
    assert branch is not None and (branch.position, branch.size) == (2, 3)
    assert branch.siblings == ["a", "b", "c"]
    assert by_id["a1"].branch is by_id["a"].branch  # inherits its parent's branch


def test_totals_so_far_and_the_failure_that_happened_first() -> None:
    rows = [
        row("agent", 0, 100, status="error"),  # fails last, because of what follows
        row("llm1", 1, 10, "agent", kind="llm", input_tokens=100, output_tokens=10, cost=0.01),
        row("search", 11, 15, "agent", kind="retriever", document_count=0),
        row("llm2", 16, 30, "agent", kind="llm", input_tokens=200, output_tokens=20, cost=0.02),
        row("tool", 31, 40, "agent", kind="tool", status="error"),
    ]
    steps = build_steps("t", rows)
    totals = [(s.input_tokens_so_far, s.output_tokens_so_far) for s in steps.steps]
    assert totals == [(0, 0), (100, 10), (100, 10), (300, 30), (300, 30)]
    assert steps.steps[0].cost_so_far is None and steps.steps[3].cost_so_far == 0.03
    assert steps.first_empty_retrieval == 2
    assert steps.first_failure == 2  # the empty retrieval came before the tool error
    assert steps.first_tool_failure == 4 and steps.first_error == 4
    assert steps.failures == [2, 4, 0]  # in the order they happened: the agent failed last
    assert steps.next_failure(2) == 4 and steps.next_failure(4) == 0


def test_missing_parents_and_cycles_do_not_hang() -> None:
    rows = [row("x", 0, 10, "y"), row("y", 1, 5, "x"), row("orphan", 2, 3, "gone")]
    steps = build_steps("t", rows)
    assert len(steps.steps) == 3 and steps.first_failure is None
    assert steps.index_of("orphan") == 2 and steps.index_of("nope") is None


def test_grouping_answers_and_checks() -> None:
    recorded = CallOutput(text="Refunds within 30 days.")
    outputs = [
        CallOutput(text="Refunds  within 30 days."),  # same once whitespace is collapsed
        CallOutput(text="No refunds."),
        None,  # a failed run
        CallOutput(text="Refunds within 30 days."),
        CallOutput(text="", tool_calls=[{"name": "search_kb", "arguments": '{"a": 1, "b": 2}'}]),
        CallOutput(text="", tool_calls=[{"name": "search_kb", "arguments": '{"b":2,"a":1}'}]),
    ]
    summary = summarise(outputs, recorded, Check.parse("contains:refund"))
    assert [g.runs for g in summary.groups] == [[0, 3], [4, 5], [1]]
    assert [g.same_as_recorded for g in summary.groups] == [True, False, False]
    assert (summary.runs, summary.errors, summary.same_as_recorded, summary.check_passed) == (
        6,
        1,
        2,
        3,
    )
    assert "3 distinct answers" in summary.text() and "passed 3 of 5" in summary.text()
    tool = Check.parse("tool:search_kb")
    assert [tool.passed(o, recorded) for o in outputs] == [False, False, None, False, True, True]
    assert Check.parse("equals-recorded").passed(outputs[0], recorded) is True
    assert Check.parse("not-contains:refund").passed(outputs[1], recorded) is False


def test_a_bad_check_says_what_is_allowed() -> None:
    import pytest

    with pytest.raises(ValueError, match="contains:TEXT"):
        Check.parse("regex:.*")
    with pytest.raises(ValueError, match="needs a value"):
        Check.parse("contains:")


def test_steps_from_a_parallel_trace_in_the_store(db: Database, tmp_path: Path) -> None:
    spans = [
        span(TRACE, ROOT, "agent", duration_ms=500),
        span(
            TRACE,
            "b000000000000001",
            "tool a",
            parent=ROOT,
            start=10,
            duration_ms=100,
            attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "a"},
        ),
        span(
            TRACE,
            "b000000000000002",
            "tool b",
            parent=ROOT,
            start=20,
            duration_ms=100,
            attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "b"},
        ),
    ]
    list(import_paths(db, [write_json(tmp_path / "p.json", document(spans))]))
    steps = build_steps(TRACE, step_rows(db.reader(), TRACE))
    branches = [(s.branch.position, s.branch.size) if s.branch else None for s in steps.steps]
    assert branches == [None, (1, 2), (2, 2)]
