"""ATIF trajectories: the tree built from steps, usage and cost per step, times from step
timestamps, deterministic ids, and bad files rolled back alone."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from engineer_view import check_file, corpus_view_test
from otlp_builder import write_json
from spanscope.importers.atif import AtifTrajectory
from spanscope.importers.base import read_sample
from spanscope.model import ImportStatus
from spanscope.store import Database, queries
from store_checks import counts, kinds, run, span_detail

T0 = 1_736_937_000_000_000_000  # 2025-01-15T10:30:00Z


def tree(db: Database, trace_id: str) -> list[tuple[str, str | None, str]]:
    return [
        (r[0], r[1], r[2])
        for r in db.reader()
        .execute(
            "SELECT span_id, parent_span_id, name FROM spans WHERE trace_id = ? ORDER BY span_id",
            [trace_id],
        )
        .fetchall()
    ]


def trajectory(
    session: str = "sess-1", steps: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "schema_version": "ATIF-v1.5",
        "session_id": session,
        "agent": {"name": "coder", "version": "2.0", "model_name": "claude-sonnet-4-5"},
        "steps": steps
        if steps is not None
        else [
            {
                "step_id": 1,
                "timestamp": "2025-06-01T09:00:00Z",
                "source": "user",
                "message": "Fix the bug.",
            },
            {
                "step_id": 2,
                "timestamp": "2025-06-01T09:00:04.5Z",
                "source": "agent",
                "message": "Running the tests.",
                "tool_calls": [
                    {"tool_call_id": "c1", "function_name": "bash", "arguments": {"cmd": "pytest"}},
                    {"tool_call_id": "c2", "function_name": "read", "arguments": {"path": "a.py"}},
                ],
                "observation": {
                    "results": [
                        {"source_call_id": "c2", "content": "print(1)"},
                        {"source_call_id": "c1", "content": "1 failed"},
                    ]
                },
                "metrics": {
                    "prompt_tokens": 3000,
                    "completion_tokens": 200,
                    "cached_tokens": 2500,
                    "cost_usd": 0.012,
                    "extra": {"reasoning_tokens": 150, "cache_creation_input_tokens": 400},
                },
            },
            {
                "step_id": 3,
                "timestamp": "2025-06-01T09:00:09Z",
                "source": "agent",
                "message": "Done.",
                "model_name": "claude-haiku-4-5",
                "metrics": {"prompt_tokens": 3300, "completion_tokens": 20},
            },
        ],
        **extra,
    }


# -- conformance: the corpus --------------------------------------------------------------------


@pytest.mark.corpus
def test_corpus_simple_trajectory(db: Database, corpus: Path) -> None:
    [result] = run(db, corpus / "other" / "atif" / "phoenix-atif-fixture_simple_trajectory.json")
    assert (result.status, result.format, result.spans, result.traces) == (
        ImportStatus.IMPORTED,
        "atif",
        4,
        1,
    ), result.error
    trace = "sess-abc123-simple"
    # steps: 1 user, 2 agent (one tool call financial_search, its observation), 3 agent.
    assert kinds(db, trace) == Counter({"llm": 2, "agent": 1, "tool": 1})
    assert tree(db, trace) == [
        ("agent", None, "invoke_agent finance-assistant"),
        ("step-2", "agent", "chat gpt-4"),
        ("step-2.tool-1", "agent", "execute_tool financial_search"),
        ("step-3", "agent", "chat gpt-4"),
    ]
    step2 = span_detail(db, trace, "step-2")
    # metrics of step 2: 520 / 80 tokens, cost_usd 0.00045; model_name gpt-4.
    assert (
        step2["model"],
        step2["input_tokens"],
        step2["output_tokens"],
        step2["recorded_cost"],
    ) == ("gpt-4", 520, 80, 0.00045)
    assert [(m["role"], m["content"]) for m in step2["input_messages"]] == [
        ("user", "What is the current price of GOOGL?")
    ]
    [out] = step2["output_messages"]
    assert out["content"] == "Let me look that up for you."
    assert json.loads(out["parts"])[0]["content"].startswith(
        "User wants current stock price for GOOGL."
    )
    assert [(c["call_id"], c["name"], json.loads(c["arguments"])) for c in step2["tool_calls"]] == [
        ("call_9f1a2b3c", "financial_search", {"ticker": "GOOGL", "metric": "price"})
    ]
    # Step timestamps 10:30:00, :02, :05; a step ends where the next begins.
    assert (step2["start_ns"], step2["end_ns"]) == (T0 + 2 * 10**9, T0 + 5 * 10**9)
    tool = span_detail(db, trace, "step-2.tool-1")
    assert (tool["kind"], tool["tool_name"], tool["start_ns"], tool["end_ns"]) == (
        "tool",
        "financial_search",
        T0 + 2 * 10**9,
        T0 + 5 * 10**9,
    )
    assert tool["tool_calls"][0]["result"] == (
        "GOOGL (Alphabet Inc.) is currently trading at $185.35, up 1.2% today. Market cap: $2.3T."
    )
    step3 = span_detail(db, trace, "step-3")
    # 600 / 44 tokens, 0.00033; the conversation so far: user, assistant (with call), tool result.
    assert (step3["input_tokens"], step3["output_tokens"], step3["recorded_cost"]) == (
        600,
        44,
        0.00033,
    )
    assert (step3["start_ns"], step3["end_ns"]) == (T0 + 5 * 10**9, None)
    assert [(m["role"], m["tool_call_id"]) for m in step3["input_messages"]] == [
        ("user", None),
        ("assistant", None),
        ("tool", "call_9f1a2b3c"),
    ]
    root = span_detail(db, trace, "agent")
    assert (root["kind"], root["start_ns"], root["end_ns"], root["session_id"]) == (
        "agent",
        T0,
        T0 + 5 * 10**9,
        trace,
    )
    row = queries.trace_summary(db.reader(), trace)
    assert row is not None
    # final_metrics: total_prompt_tokens 1120, total_completion_tokens 124, cost 0.00078.
    assert (row["input_tokens"], row["output_tokens"], row["llm_count"], row["tool_count"]) == (
        1120,
        124,
        2,
        1,
    )
    assert row["cost"] == pytest.approx(0.00078)
    assert json.loads(root["attributes"])["atif.final_metrics"]["total_steps"] == 3


@pytest.mark.corpus
def test_corpus_harbor_openhands(db: Database, corpus: Path) -> None:
    [result] = run(db, corpus / "other" / "atif" / "phoenix-atif-fixture_harbor_openhands.json")
    assert (result.status, result.spans, result.traces) == (ImportStatus.IMPORTED, 5, 1), (
        result.error
    )
    trace = "harbor-openhands-hello-world"
    # steps 1-4 are system/user (not spans); steps 5 and 6 are agent steps with one call each.
    assert kinds(db, trace) == Counter({"llm": 2, "tool": 2, "agent": 1})
    assert [s for s, _, _ in tree(db, trace)] == [
        "agent",
        "step-5",
        "step-5.tool-1",
        "step-6",
        "step-6.tool-1",
    ]
    # No model_name anywhere, no timestamps anywhere.
    assert db.reader().execute(
        "SELECT count(*) FROM spans WHERE model IS NOT NULL OR start_ns IS NOT NULL "
        "OR end_ns IS NOT NULL"
    ).fetchone() == (0,)
    assert any("5 spans have no start time" in w for w in result.warnings)
    step5, step6 = span_detail(db, trace, "step-5"), span_detail(db, trace, "step-6")
    assert (step5["input_tokens"], step5["output_tokens"], step5["recorded_cost"]) == (
        100,
        50,
        0.00075,
    )
    assert (step6["input_tokens"], step6["output_tokens"]) == (120, 30)
    assert [m["role"] for m in step5["input_messages"]] == ["system", "user", "system", "system"]
    assert step5["input_messages"][0]["content"].startswith("You are OpenHands agent")
    assert [m["role"] for m in step6["input_messages"]] == [
        "system",
        "user",
        "system",
        "system",
        "assistant",
        "tool",
    ]
    assert step6["input_messages"][5]["content"] == "File created successfully at: /app/hello.txt"
    editor, finish = (
        span_detail(db, trace, "step-5.tool-1"),
        span_detail(db, trace, "step-6.tool-1"),
    )
    assert (editor["tool_name"], editor["tool_calls"][0]["result"]) == (
        "str_replace_editor",
        "File created successfully at: /app/hello.txt",
    )
    assert json.loads(editor["tool_calls"][0]["arguments"])["path"] == "/app/hello.txt"
    assert (finish["tool_name"], finish["tool_calls"][0]["result"]) == ("finish", None)
    root = json.loads(span_detail(db, trace, "agent")["attributes"])
    assert [t["function"]["name"] for t in json.loads(root["gen_ai.tool.definitions"])] == [
        "execute_bash",
        "think",
        "finish",
        "execute_ipython_cell",
        "task_tracker",
        "str_replace_editor",
    ]
    assert root["atif.agent.extra"] == {"agent_class": "CodeActAgent"}
    row = queries.trace_summary(db.reader(), trace)
    assert row is not None
    # final_metrics: 220 prompt, 80 completion, 0.00135 USD.
    assert (row["input_tokens"], row["output_tokens"]) == (220, 80)
    assert row["cost"] == pytest.approx(0.00135)


# -- quirks ---------------------------------------------------------------------------------------


def test_usage_cache_reasoning_and_several_calls(db: Database, tmp_path: Path) -> None:
    [result] = run(db, write_json(tmp_path / "traj.json", trajectory(), indent=2))
    assert (result.status, result.spans) == (ImportStatus.IMPORTED, 5), result.error
    step2 = span_detail(db, "sess-1", "step-2")
    # ATIF prompt_tokens already counts cached_tokens: kept as the input total.
    assert (
        step2["input_tokens"],
        step2["cache_read_tokens"],
        step2["cache_write_tokens"],
        step2["output_tokens"],
        step2["reasoning_tokens"],
    ) == (3000, 2500, 400, 200, 150)
    assert (step2["model"], span_detail(db, "sess-1", "step-3")["model"]) == (
        "claude-sonnet-4-5",
        "claude-haiku-4-5",
    )
    start = 1_748_768_400_000_000_000  # 2025-06-01T09:00:00Z
    assert (step2["start_ns"], step2["end_ns"]) == (start + 4_500_000_000, start + 9 * 10**9)
    # Results are matched to calls by source_call_id, not by order.
    results = {
        span_detail(db, "sess-1", f"step-2.tool-{n}")["tool_calls"][0]["result"] for n in (1, 2)
    }
    assert span_detail(db, "sess-1", "step-2.tool-1")["tool_calls"][0]["result"] == "1 failed"
    assert results == {"1 failed", "print(1)"}
    step3 = span_detail(db, "sess-1", "step-3")
    assert [(m["role"], m["tool_call_id"]) for m in step3["input_messages"]] == [
        ("user", None),
        ("assistant", None),
        ("tool", "c2"),
        ("tool", "c1"),
    ]


def test_message_parts_string_observation_and_unmatched_results(
    db: Database, tmp_path: Path
) -> None:
    steps = [
        {"step_id": 1, "source": "system", "message": "Be careful."},
        {
            "step_id": 2,
            "source": "user",
            "message": [
                {"type": "text", "text": "Look at this"},
                {"type": "image", "source": {"path": "shot.png"}},
            ],
        },
        {
            "step_id": 3,
            "source": "agent",
            "message": "",
            "tool_calls": [{"tool_call_id": "x", "function_name": "view", "arguments": {}}],
            "observation": json.dumps(
                {
                    "results": [
                        {"source_call_id": "x", "content": "ok", "is_error": True},
                        {"content": "environment reset"},
                    ]
                }
            ),
        },
        {"step_id": 3, "source": "agent", "message": "Again."},
    ]
    [result] = run(db, write_json(tmp_path / "t.json", trajectory("sess-2", steps), indent=2))
    assert (result.status, result.spans) == (ImportStatus.IMPORTED, 4), result.error
    step = span_detail(db, "sess-2", "step-3")
    assert [(m["role"], m["content"]) for m in step["input_messages"]] == [
        ("system", "Be careful."),
        ("user", "Look at this"),
    ]
    assert json.loads(step["input_messages"][1]["parts"])[0]["type"] == "image"
    assert json.loads(step["attributes"])["atif.observation"] == [{"content": "environment reset"}]
    tool = span_detail(db, "sess-2", "step-3.tool-1")
    assert (tool["status"], tool["status_message"]) == ("error", "ok")
    assert (
        span_detail(db, "sess-2", "step-3-4")["output_messages"][0]["content"] == "Again."
    )  # repeated step_id


def test_large_trajectory_and_system_observations(db: Database, tmp_path: Path) -> None:
    steps = [
        {"step_id": 1, "source": "system", "message": "You are an agent. " * 20000},  # ~360 KB
        {
            "step_id": 2,
            "source": "system",
            "message": "Delegated.",
            "observation": {
                "results": [
                    {
                        "content": "subagent finished",
                        "subagent_trajectory_ref": [{"session_id": "sub-1"}],
                    }
                ]
            },
        },
        {"step_id": 3, "source": "agent", "message": "Ok."},
    ]
    path = write_json(tmp_path / "big.json", trajectory("big", steps), indent=2)
    assert path.stat().st_size > 256 * 1024
    [result] = run(db, path)
    assert (result.status, result.format, result.spans) == (ImportStatus.IMPORTED, "atif", 2), (
        result.error
    )
    step = span_detail(db, "big", "step-3")
    assert [(m["role"], m["content"]) for m in step["input_messages"]][1:] == [
        ("system", "Delegated."),
        ("tool", "subagent finished"),
    ]


def test_jsonl_of_trajectories_and_deterministic_ids(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    path.write_text(json.dumps(trajectory("a")) + "\n" + json.dumps(trajectory("b")) + "\n")
    [result] = run(db, path)
    assert (result.spans, result.traces) == (10, 2)
    again = write_json(tmp_path / "a-again.json", trajectory("a", notes="re-exported"), indent=2)
    [second] = run(db, again)
    assert second.status is ImportStatus.IMPORTED
    assert any("5 spans were already in the database" in w for w in second.warnings)
    assert counts(db)[:2] == (10, 2)
    assert json.loads(span_detail(db, "a", "agent")["attributes"])["atif.notes"] == "re-exported"


# -- bad input ------------------------------------------------------------------------------------


def test_truncated_file_fails_alone(db: Database, tmp_path: Path) -> None:
    good = write_json(tmp_path / "good.json", trajectory("good"), indent=2)
    text = json.dumps(trajectory("bad"), indent=2)
    bad = tmp_path / "bad.json"
    bad.write_text(text[: len(text) // 2])
    results = run(db, good, bad)
    assert [(r.status, r.format) for r in results] == [
        (ImportStatus.IMPORTED, "atif"),
        (ImportStatus.FAILED, "atif"),
    ]
    assert "bad.json" in (results[1].error or "") and "line" in (results[1].error or "")
    assert counts(db) == (5, 1, 1)


@pytest.mark.parametrize(
    "change, message",
    [
        (
            {"steps": [{"step_id": 1, "source": "robot", "message": "hi"}]},
            "step 1 has source 'robot'",
        ),
        ({"session_id": None}, "no session_id"),
        ({"steps": "none"}, "steps is not a list"),
    ],
)
def test_one_bad_trajectory_rolls_back_the_file(
    db: Database, tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    path = tmp_path / "runs.jsonl"
    path.write_text(
        json.dumps(trajectory("ok")) + "\n" + json.dumps({**trajectory("bad"), **change}) + "\n"
    )
    [result] = run(db, path)
    assert result.status is ImportStatus.FAILED
    assert message in (result.error or "") and "line 2" in (result.error or "")
    assert counts(db) == (0, 0, 0)


@pytest.mark.parametrize(
    "value",
    [
        {"schema_version": "1.0", "steps": [{"id": 1, "role": "user"}]},
        {
            "session_id": "s",
            "steps": [{"step_id": 1, "source": "user"}],
        },  # no agent, no ATIF version
        [{"span_id": "a", "root_span_id": "a", "span_parents": []}],
    ],
)
def test_other_json_is_not_claimed(tmp_path: Path, value: Any) -> None:
    assert not AtifTrajectory().sniff(read_sample(write_json(tmp_path / "x.json", value, indent=2)))


@pytest.mark.corpus
def test_other_formats_in_the_corpus_are_not_claimed(corpus: Path) -> None:
    mine = corpus / "other" / "atif"
    for path in sorted(corpus.rglob("*")):
        if path.is_file() and path.suffix != ".md" and mine not in path.parents:
            assert not AtifTrajectory().sniff(read_sample(path)), path


# -- ATIF 1.7: embedded subagents, dispatch steps, context compaction ---------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "atif"


def _texts(messages: list[dict[str, Any]] | None) -> list[tuple[str, str | None]]:
    return [(m["role"], m["content"]) for m in messages or []]


def test_v17_embedded_subagent_dispatch_and_compaction(db: Database) -> None:
    [result] = run(db, FIXTURES / "phoenix-atif-fixture_v17_embedded_subagents.json")
    assert (result.status, result.format, result.spans, result.traces) == (
        ImportStatus.IMPORTED,
        "atif",
        7,
        1,
    ), result.error
    assert result.warnings == []
    trace = "run-v17-001"
    assert tree(db, trace) == [
        ("agent", None, "invoke_agent orchestrator"),
        # child-doc is named by the observation of call_delegate: it hangs under that tool call
        ("child-doc/agent", "step-2.tool-1", "invoke_agent researcher"),
        ("child-doc/step-2", "child-doc/agent", "chat gpt-4.1-mini"),
        # step 2 has llm_call_count 0: a dispatch, not a model call
        ("step-2", "agent", "dispatch"),
        ("step-2.tool-1", "agent", "execute_tool delegate_research"),
        ("step-3", "agent", "context compaction"),
        ("step-4", "agent", "chat gpt-4.1"),
    ]
    assert kinds(db, trace) == {"agent": 2, "llm": 2, "chain": 1, "tool": 1, "event": 1}
    # The parent's step 4 (42 in, 12 out) and the subagent's step 2 (25 in, 9 out) both count.
    summary = queries.trace_summary(db.reader(), trace)
    assert summary is not None
    assert (summary["llm_count"], summary["input_tokens"], summary["output_tokens"]) == (2, 67, 21)

    # After the compaction (boundary "replace") the model saw the compacted context only:
    # not the user's first message, not the dispatch.
    after = span_detail(db, trace, "step-4")
    assert _texts(after["input_messages"]) == [
        (
            "system",
            "Context compaction performed.\nCompacted context: the user asked for ATIF v1.7 "
            "support and research was delegated.",
        )
    ]
    assert _texts(after["output_messages"]) == [
        ("assistant", "ATIF v1.7 support is ready, including embedded subagent resolution.")
    ]
    compaction = json.loads(span_detail(db, trace, "step-3")["attributes"])
    assert compaction["atif.context_management"] == {"type": "compaction", "boundary": "replace"}
    assert compaction["output.value"].startswith("Compacted context:")

    child = span_detail(db, trace, "child-doc/step-2")
    assert (child["model"], child["input_tokens"], child["output_tokens"]) == (
        "gpt-4.1-mini",
        25,
        9,
    )
    assert _texts(child["input_messages"]) == [("user", "Research ATIF v1.7 embedded subagents.")]
    dispatch = span_detail(db, trace, "step-2")
    assert (dispatch["kind"], dispatch["model"], dispatch["input_tokens"]) == ("chain", None, None)
    tool = span_detail(db, trace, "step-2.tool-1")
    assert tool["tool_calls"][0]["result"] == "Delegated to embedded researcher."
    assert json.loads(tool["tool_calls"][0]["arguments"]) == {
        "topic": "ATIF v1.7 embedded subagents"
    }


def _child(key: str, *, ref_by: str = "trajectory_id", **extra: Any) -> dict[str, Any]:
    return {
        "schema_version": "ATIF-v1.7",
        ref_by: key,
        "agent": {"name": "helper", "model_name": "gpt-4.1-mini"},
        "steps": [
            {"step_id": 1, "source": "user", "message": "Look it up."},
            {
                "step_id": 2,
                "source": "agent",
                "message": "Found it.",
                "metrics": {"prompt_tokens": 10, "completion_tokens": 2, "cost_usd": 0.001},
            },
        ],
        **extra,
    }


def test_nested_and_unreferenced_subagents(db: Database, tmp_path: Path) -> None:
    steps = [
        {"step_id": 1, "source": "user", "message": "Go."},
        {
            "step_id": 2,
            "source": "agent",
            "message": "Asking for help.",
            "llm_call_count": 2,
            "tool_calls": [{"tool_call_id": "c1", "function_name": "ask", "arguments": {}}],
            "observation": {
                "results": [
                    {"source_call_id": "c1", "subagent_trajectory_ref": [{"session_id": "kid"}]}
                ]
            },
            "metrics": {"prompt_tokens": 100, "completion_tokens": 5},
        },
    ]
    nested = _child("kid", ref_by="session_id", subagent_trajectories=[_child("grandkid")])
    nested["steps"][1]["observation"] = {
        "results": [{"subagent_trajectory_ref": [{"trajectory_id": "grandkid"}]}]
    }
    doc = trajectory(steps=steps, subagent_trajectories=[nested, _child("stray")])
    [result] = run(db, write_json(tmp_path / "t.json", doc))
    assert (result.status, result.spans) == (ImportStatus.IMPORTED, 9), result.error
    assert (
        "subagent trajectory stray is referred to by no step; shown under its parent agent"
        in result.warnings
    )
    parents = {s: p for s, p, _ in tree(db, "sess-1")}
    assert parents["kid/agent"] == "step-2.tool-1"  # a 1.6-style reference by session_id
    assert parents["kid/grandkid/agent"] == "kid/step-2"  # named by a step, not a tool call
    assert parents["stray/agent"] == "agent"
    summary = queries.trace_summary(db.reader(), "sess-1")
    assert summary is not None
    # 100 + 10 + 10 + 10 in; the step with two model calls stays one llm span with its total.
    assert (summary["llm_count"], summary["input_tokens"], summary["output_tokens"]) == (4, 130, 11)
    assert json.loads(span_detail(db, "sess-1", "step-2")["attributes"])["atif.llm_call_count"] == 2


def test_compaction_that_appends_keeps_the_earlier_context(db: Database, tmp_path: Path) -> None:
    steps = [
        {"step_id": 1, "source": "user", "message": "Start."},
        {"step_id": 2, "source": "agent", "message": "Working."},
        {
            "step_id": 3,
            "source": "system",
            "message": "Summary so far: started.",
            "extra": {"context_management": {"type": "summary", "boundary": "append"}},
        },
        {"step_id": 4, "source": "agent", "message": "Done."},
    ]
    run(db, write_json(tmp_path / "t.json", trajectory(steps=steps)))
    assert _texts(span_detail(db, "sess-1", "step-4")["input_messages"]) == [
        ("user", "Start."),
        ("assistant", "Working."),
        ("system", "Summary so far: started."),
    ]
    assert span_detail(db, "sess-1", "step-3")["name"] == "context summary"


def test_a_damaged_subagent_fails_the_file_with_its_place(db: Database, tmp_path: Path) -> None:
    bad = _child("kid")
    bad["steps"][1] = "not a step"
    path = write_json(tmp_path / "t.json", trajectory(subagent_trajectories=[bad]))
    [result] = run(db, path)
    assert result.status is ImportStatus.FAILED
    assert "t.json" in (result.error or "")
    assert "step 2 of subagent kid is not an object" in (result.error or "")
    assert counts(db) == (0, 0, 0)


# -- what an engineer sees, on every corpus file of the format ----------------------------------

# input and output tokens over the file's traces, as recorded in it
test_engineer_view = corpus_view_test(
    "other/atif",
    {
        "phoenix-atif-fixture_harbor_openhands.json": (220, 80),
        "phoenix-atif-fixture_simple_trajectory.json": (1120, 124),
    },
)


def test_engineer_view_of_the_v17_trajectory(tmp_path: Path) -> None:
    # parent step 4: 42 in, 12 out; subagent step 2: 25 in, 9 out
    check_file(
        tmp_path, FIXTURES / "phoenix-atif-fixture_v17_embedded_subagents.json", tokens=(67, 21)
    )
