"""What is compared within a pair: words of messages, tool arguments key by key, retrieved
chunks, parameters and metrics; and the first-divergence rule over whole traces."""

from __future__ import annotations

from typing import Any

from spanscope.core.chunk_diff import chunk_diff
from spanscope.core.json_diff import json_diff
from spanscope.core.span_diff import diff_spans
from spanscope.core.trace_diff import diff_traces
from spanscope.core.word_diff import side, word_diff


def test_word_diff_marks_only_the_changed_words() -> None:
    pieces = word_diff("Refunds within 30 days of delivery.", "Refunds within 14 days of delivery.")
    assert [(p.op, p.text) for p in pieces] == [
        ("=", "Refunds within "),
        ("-", "30"),
        ("+", "14"),
        ("=", " days of delivery."),
    ]
    assert side(pieces, "a") == "Refunds within 30 days of delivery."
    assert side(pieces, "b") == "Refunds within 14 days of delivery."


def test_json_diff_is_key_by_key_and_ignores_key_order() -> None:
    changes = json_diff(
        '{"query": "refund", "filters": {"lang": "en", "year": 2024}, "k": 5}',
        '{"k": 5, "filters": {"year": 2025, "lang": "en"}, "query": "refund", "debug": true}',
    )
    assert {(c.path, c.change, c.a, c.b) for c in changes} == {
        ("filters.year", "changed", "2024", "2025"),
        ("debug", "added", "", "true"),
    }
    assert json_diff('{"a": 1, "b": 2}', '{"b": 2, "a": 1}') == []


def test_json_diff_of_text_that_is_not_json_compares_it_whole() -> None:
    [change] = json_diff("not json", "not json either")
    assert (change.path, change.change) == ("(value)", "changed")


def test_chunks_matched_by_id_show_added_dropped_and_reranked_with_scores() -> None:
    a = [
        {"document_id": "d1", "content": "Refunds within 30 days.", "score": 0.9},
        {"document_id": "d2", "content": "Shipping takes 3 days.", "score": 0.5},
        {"document_id": "d3", "content": "Warranty is 2 years.", "score": 0.4},
    ]
    b = [
        {"document_id": "d2", "content": "Shipping takes 3 days.", "score": 0.8},
        {"document_id": "d1", "content": "Refunds within 30 days.", "score": 0.7},
        {"document_id": "d9", "content": "Gift cards never expire.", "score": 0.3},
    ]
    found = {c.key: c for c in chunk_diff(a, b)}
    assert found["d2"].change == "reranked" and (found["d2"].rank_a, found["d2"].rank_b) == (2, 1)
    assert abs((found["d2"].score_delta or 0) - 0.3) < 1e-9
    assert found["d1"].change == "reranked"
    assert found["d9"].change == "added" and found["d9"].rank_a is None
    assert found["d3"].change == "dropped" and found["d3"].score_a == 0.4


def test_chunks_without_ids_are_matched_by_content() -> None:
    a = [{"content": "Refunds  within 30 days."}, {"content": "Old text."}]
    b = [{"content": "Refunds within 30 days."}, {"content": "New text."}]
    assert [c.change for c in chunk_diff(a, b)] == ["same", "added", "dropped"]


def llm_span(answer: str, *, temperature: float = 0.2, call_id: str = "call_1") -> dict[str, Any]:
    return {
        "trace_id": "t",
        "span_id": "s",
        "kind": "llm",
        "name": "chat gpt-4o",
        "request_model": "gpt-4o",
        "params": f'{{"temperature": {temperature}, "max_tokens": 512}}',
        "input_messages": [
            {"role": "system", "content": "You are the Acme assistant."},
            {"role": "user", "content": "What is the refund policy?"},
        ],
        "output_messages": [
            {
                "role": "assistant",
                "content": answer,
                "tool_calls": [{"call_id": call_id, "name": "search", "arguments": '{"q": "x"}'}],
            }
        ],
        "tool_calls": [{"call_id": call_id, "name": "search", "arguments": '{"q": "x"}'}],
        "status": "ok",
        "duration_ns": 1_000_000_000,
        "input_tokens": 100,
        "output_tokens": 10,
    }


def test_diff_spans_finds_the_changed_answer_and_ignores_call_ids() -> None:
    diff = diff_spans(llm_span("Within 30 days."), llm_span("Within 14 days.", call_id="call_9"))
    assert diff.changes == ["messages"]
    assert diff.inputs_same
    changed = [m for m in diff.messages if m.change != "same"]
    assert len(changed) == 1 and changed[0].direction == "output"
    assert ("-", "30") in [(p.op, p.text) for p in changed[0].words]


def test_diff_spans_reports_parameters_and_metric_ratios() -> None:
    a = llm_span("Same.")
    b = dict(llm_span("Same.", temperature=0.9), duration_ns=3_000_000_000, status="error")
    diff = diff_spans(a, b)
    assert diff.changes == ["params", "status"]
    assert not diff.inputs_same
    [temperature] = [p for p in diff.params if p.change != "same"]
    assert (temperature.path, temperature.a, temperature.b) == ("temperature", "0.2", "0.9")
    duration = next(m for m in diff.metrics if m.name == "duration_ns")
    assert duration.delta == 2_000_000_000 and duration.ratio == 3.0


def test_diff_spans_against_nothing_shows_everything_added() -> None:
    diff = diff_spans({}, llm_span("Hello."))
    assert {m.change for m in diff.messages} == {"added"}
    assert "messages" in diff.changes and "tool_args" in diff.changes


# -- the first divergence --------------------------------------------------------------------


def row(
    span_id: str, parent: str | None, kind: str, name: str, t: int, **hashes: Any
) -> dict[str, Any]:
    base = {
        "span_id": span_id,
        "parent_span_id": parent,
        "kind": kind,
        "name": name,
        "tool_name": name if kind == "tool" else None,
        "start_ns": t,
        "end_ns": t + 10,
        "status": "ok",
        "input_messages_hash": 1,
        "output_messages_hash": 2,
        "params_hash": 3,
    }
    return base | hashes


def run(
    *, answer: int = 2, search_result: int = 5, prompt: int = 1, extra: bool = False
) -> list[dict[str, Any]]:
    spans = [
        row("root", None, "agent", "invoke_agent", 0, output_messages_hash=answer * 100),
        row("l1", "root", "llm", "chat", 1, input_messages_hash=prompt),
        row("t1", "root", "tool", "search", 2, tool_args_hash=4, tool_results_hash=search_result),
    ]
    if extra:
        spans.append(row("t2", "root", "tool", "fetch", 3, tool_args_hash=6))
    spans.append(
        row(
            "l2",
            "root",
            "llm",
            "chat",
            4,
            input_messages_hash=search_result * 10,
            output_messages_hash=answer,
        )
    )
    return spans


def test_first_divergence_is_the_step_with_same_input_and_different_output() -> None:
    # The search returned something else: the tool diverged; the final llm call only got
    # different inputs because of it, and the agent's output differs only because of that.
    diff = diff_traces("A", "B", run(), run(search_result=7, answer=9))
    first = diff.first_divergence
    assert first is not None
    assert (first.a, first.b) == ("t1", "t1")
    assert first.reason.startswith("same input, different output (tool result)")


def test_first_divergence_is_a_step_added_when_structure_differs_first() -> None:
    diff = diff_traces("A", "B", run(), run(extra=True, answer=9))
    first = diff.first_divergence
    assert first is not None and (first.a, first.b) == (None, "t2")
    assert first.reason.startswith("step added")


def test_an_enclosing_agent_alone_differing_is_no_divergence() -> None:
    spans_b = run()
    spans_b[0] = dict(spans_b[0], output_messages_hash=12345)
    diff = diff_traces("A", "B", run(), spans_b)
    assert diff.first_divergence is None
    assert diff.statuses[0].status == "changed"


def test_identical_traces_have_no_divergence() -> None:
    diff = diff_traces("A", "B", run(), run())
    assert diff.first_divergence is None and diff.differences() == []
    assert diff.to_json()["first_divergence"] is None


def test_different_input_from_outside_is_where_runs_part_when_no_step_diverged() -> None:
    diff = diff_traces("A", "B", run(), run(prompt=8))
    first = diff.first_divergence
    assert first is not None and first.a == "l1"
    assert first.reason.startswith("different input (messages)")


def test_json_contract_shape() -> None:
    out = diff_traces("A", "B", run(), run(search_result=7)).to_json()
    assert set(out) == {"first_divergence", "pairs"}
    assert set(out["first_divergence"]) == {"a", "b", "reason"}
    for pair in out["pairs"]:
        assert set(pair) == {"a", "b", "status", "changes"}
        assert pair["status"] in ("same", "changed", "added", "removed")
    tool_pair = next(p for p in out["pairs"] if p["a"] == "t1")
    assert tool_pair == {"a": "t1", "b": "t1", "status": "changed", "changes": ["tool_results"]}
