"""Braintrust rows: ids and parents, span types to kinds, metrics to usage and times, merged
rows, scores and errors, and bad files rolled back alone."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from engineer_view import check_file, corpus_view_test
from otlp_builder import write_json, write_jsonl
from spanscope.importers.base import read_sample
from spanscope.importers.braintrust import BraintrustRows
from spanscope.model import ImportStatus
from spanscope.store import Database, queries
from store_checks import counts, run, span_detail

# -- conformance: the corpus --------------------------------------------------------------------


@pytest.mark.corpus
def test_corpus_anthropic_span_events(db: Database, corpus: Path) -> None:
    path = corpus / "other" / "braintrust" / "braintrust-sdk-e2e_anthropic-v0800_span-events.json"
    [result] = run(db, path)
    assert (result.status, result.format, result.spans, result.traces) == (
        ImportStatus.IMPORTED,
        "braintrust",
        17,
        1,
    ), result.error
    trace = "<span:1>"  # every root_span_id is "<span:1>"
    # 17 summaries: <span:1> type task; 8 operation spans with type null (2, 4, ..., 16);
    # 8 llm spans (3, 5, ..., 17), each the child of the operation before it.
    kinds = Counter(r[0] for r in db.reader().execute("SELECT kind FROM spans").fetchall())
    assert kinds == Counter({"chain": 9, "llm": 8})
    parents = dict(db.reader().execute("SELECT span_id, parent_span_id FROM spans").fetchall())
    assert parents["<span:1>"] is None
    assert {parents[f"<span:{n}>"] for n in range(2, 17, 2)} == {"<span:1>"}
    assert all(parents[f"<span:{n}>"] == f"<span:{n - 1}>" for n in range(3, 18, 2))
    llm = span_detail(db, trace, "<span:3>")
    # metadata {model: claude-3-haiku-20240307, provider: anthropic}; only metric KEYS are kept.
    assert (llm["kind"], llm["name"], llm["model"], llm["provider"]) == (
        "llm",
        "anthropic.messages.create",
        "claude-3-haiku-20240307",
        "anthropic",
    )
    assert (llm["input_tokens"], llm["output_tokens"], llm["start_ns"]) == (None, None, None)
    raw = json.loads(llm["attributes"])
    assert raw["braintrust.metric_keys"] == [
        "completion_tokens",
        "prompt_cache_creation_tokens",
        "prompt_cached_tokens",
        "prompt_tokens",
        "time_to_first_token",
        "tokens",
    ]
    assert (raw["braintrust.has_input"], raw["braintrust.has_output"]) == (True, True)
    operation = span_detail(db, trace, "<span:2>")
    assert (operation["kind"], operation["name"]) == ("chain", "anthropic-create-operation")
    assert json.loads(operation["attributes"])["braintrust.metadata"] == {"operation": "create"}
    summary = queries.trace_summary(db.reader(), trace)
    assert summary is not None
    assert (
        summary["root_name"],
        summary["span_count"],
        summary["llm_count"],
        summary["models"],
    ) == ("anthropic-instrumentation-root", 17, 8, ["claude-3-haiku-20240307"])


@pytest.mark.corpus
def test_corpus_deno_log_payloads(db: Database, corpus: Path) -> None:
    path = corpus / "other" / "braintrust" / "braintrust-sdk-e2e_deno-node_log-payloads.json"
    [result] = run(db, path)
    assert (result.status, result.spans, result.traces) == (ImportStatus.IMPORTED, 8, 5), (
        result.error
    )
    # root_span_ids: <span:2>, <span:6>, <span:8> (x2), <span:12> (x3), <uuid:18>.
    per_trace = dict(
        db.reader().execute("SELECT trace_id, count(*) FROM spans GROUP BY 1").fetchall()
    )
    assert per_trace == {
        "<span:2>": 1,
        "<span:6>": 1,
        "<span:8>": 2,
        "<span:12>": 3,
        "<uuid:18>": 1,
    }
    # 5 rows typed task, 3 untyped children: all application code, so all chains.
    assert db.reader().execute("SELECT DISTINCT kind FROM spans").fetchall() == [("chain",)]
    # "metrics": {"end": 0, "start": 0} and "created": "<timestamp>" are placeholders: no time.
    assert db.reader().execute(
        "SELECT count(*) FROM spans WHERE start_ns IS NOT NULL OR end_ns IS NOT NULL"
    ).fetchone() == (0,)
    basic = span_detail(
        db, "<span:2>", "<span:2>"
    )  # row id "<span:1>" differs from span_id "<span:2>"
    raw = json.loads(basic["attributes"])
    assert (raw["braintrust.id"], raw["braintrust.expected"]) == ("<span:1>", "Paris")
    assert (raw["input.value"], raw["output.value"]) == ("What is the capital of France?", "Paris")
    assert basic["preview"] == "What is the capital of France?"
    assert raw["braintrust.span_attributes"]["type"] == "task"
    assert raw["braintrust.log_id"] == "g" and raw["braintrust.created"] == "<timestamp>"
    grandchild = span_detail(db, "<span:12>", "<span:16>")
    assert (grandchild["parent_span_id"], grandchild["name"]) == (
        "<span:14>",
        "deno node nested grandchild span",
    )
    assert json.loads(grandchild["attributes"])["output.value"] == '{"depth":3}'
    attachment = json.loads(span_detail(db, "<span:6>", "<span:6>")["attributes"])
    assert json.loads(attachment["input.value"])["transcript"]["type"] == "braintrust_attachment"


# -- quirks ---------------------------------------------------------------------------------------

ROOT = {
    "id": "r1",
    "span_id": "s-root",
    "root_span_id": "s-root",
    "span_parents": [],
    "span_attributes": {"name": "answer question", "type": "task"},
    "input": {"question": "Capital of France?"},
    "output": "Paris",
    "metadata": {"session_id": "sess-9", "user_id": "u-1"},
    "tags": ["smoke"],
    "scores": {"exact_match": 1, "fluency": 0.75},
    "metrics": {"start": 1718000000.123456, "end": 1718000002.5},
}
LLM = {
    "id": "r2",
    "span_id": "s-llm",
    "root_span_id": "s-root",
    "span_parents": ["s-root"],
    "span_attributes": {"name": "Chat Completion", "type": "llm"},
    "input": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Capital of France?"},
    ],
    "output": [
        {
            "index": 0,
            "finish_reason": "stop",
            "message": {
                "role": "assistant",
                "content": "Paris",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "lookup", "arguments": '{"q":"fr"}'},
                    }
                ],
            },
        }
    ],
    "metadata": {"model": "gpt-4o-mini", "provider": "openai", "temperature": 0, "max_tokens": 64},
    "metrics": {
        "start": 1718000000.5,
        "prompt_tokens": 1200,
        "completion_tokens": 30,
        "prompt_cached_tokens": 1000,
        "prompt_cache_creation_tokens": 0,
        "completion_reasoning_tokens": 10,
        "tokens": 1230,
        "time_to_first_token": 0.42,
    },
}
LLM_END = {"id": "r2", "_is_merge": True, "metrics": {"end": 1718000001.75}}
ROOT_END = {"id": "r1", "_is_merge": True, "output": "Paris.", "metrics": {"end": 1718000003}}
TOOL = {
    "id": "r3",
    "span_id": "s-tool",
    "root_span_id": "s-root",
    "span_parents": ["s-llm"],
    "span_attributes": {"name": "lookup", "type": "tool"},
    "input": {"q": "fr"},
    "output": {"capital": "Paris"},
    "error": "TimeoutError: lookup took too long",
    "metrics": {"start": 1718000001, "end": 1718000001.25},
}
SCORE = {
    "id": "r4",
    "span_id": "s-score",
    "root_span_id": "s-root",
    "span_parents": ["s-root"],
    "span_attributes": {"name": "exact_match", "type": "score"},
    "output": {"score": 1},
}
CUSTOM = {
    "id": "r5",
    "span_id": "s-x",
    "root_span_id": "s-root",
    "span_parents": ["s-root"],
    "span_attributes": {"name": "rerank", "type": "facet"},
}


def test_rows_to_spans(db: Database, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "logs.jsonl", [ROOT, LLM, TOOL, SCORE, CUSTOM, ROOT_END])
    [result] = run(db, path)
    assert (result.status, result.format, result.spans, result.traces) == (
        ImportStatus.IMPORTED,
        "braintrust",
        5,
        1,
    ), result.error
    assert any("merged" in w for w in result.warnings)
    root = span_detail(db, "s-root", "s-root")
    # Epoch seconds with a fraction, kept to the nanosecond; the merge row (known by its row id
    # "r1" alone) brings the later end and the final output, and leaves the kind alone.
    assert (root["kind"], root["start_ns"], root["end_ns"]) == (
        "chain",
        1_718_000_000_123_456_000,
        1_718_000_003_000_000_000,
    )
    assert json.loads(root["attributes"])["output.value"] == "Paris."
    assert (root["session_id"], root["user_id"], root["tags"]) == ("sess-9", "u-1", ["smoke"])
    evals = [e for e in json.loads(root["events"]) if e["name"] == "gen_ai.evaluation.result"]
    assert [
        (
            e["attributes"]["gen_ai.evaluation.name"],
            e["attributes"]["gen_ai.evaluation.score.value"],
        )
        for e in evals
    ] == [("exact_match", "1"), ("fluency", "0.75")]

    llm = span_detail(db, "s-root", "s-llm")
    assert (llm["kind"], llm["parent_span_id"], llm["model"], llm["provider"]) == (
        "llm",
        "s-root",
        "gpt-4o-mini",
        "openai",
    )
    # Braintrust's prompt_tokens already includes the cached tokens.
    assert (
        llm["input_tokens"],
        llm["cache_read_tokens"],
        llm["cache_write_tokens"],
        llm["output_tokens"],
        llm["reasoning_tokens"],
        llm["total_tokens"],
    ) == (1200, 1000, 0, 30, 10, 1230)
    assert json.loads(llm["params"]) == {"temperature": 0, "max_tokens": 64}
    assert [(m["role"], m["content"]) for m in llm["input_messages"]] == [
        ("system", "Be brief."),
        ("user", "Capital of France?"),
    ]
    assert [(c["call_id"], c["name"]) for c in llm["tool_calls"]] == [("call_1", "lookup")]
    assert json.loads(llm["attributes"])["gen_ai.response.time_to_first_chunk"] == 0.42

    tool = span_detail(db, "s-root", "s-tool")
    assert (tool["kind"], tool["tool_name"], tool["status"], tool["status_message"]) == (
        "tool",
        "lookup",
        "error",
        "TimeoutError: lookup took too long",
    )
    assert (tool["tool_calls"][0]["arguments"], tool["tool_calls"][0]["result"]) == (
        '{"q":"fr"}',
        '{"capital":"Paris"}',
    )
    assert span_detail(db, "s-root", "s-score")["kind"] == "evaluator"
    custom = span_detail(db, "s-root", "s-x")
    assert custom["kind"] == "other"
    assert json.loads(custom["attributes"])["braintrust.span_attributes"]["type"] == "facet"


def test_merge_row_keeps_the_kind_and_times_of_an_llm_span(db: Database, tmp_path: Path) -> None:
    [result] = run(db, write_jsonl(tmp_path / "logs.jsonl", [ROOT, LLM, LLM_END]))
    assert result.spans == 2 and any("merged" in w for w in result.warnings)
    llm = span_detail(db, "s-root", "s-llm")
    # The start came with the first row, the end with the merge row; the kind stays llm.
    assert (llm["kind"], llm["model"], llm["input_tokens"]) == ("llm", "gpt-4o-mini", 1200)
    assert (llm["start_ns"], llm["end_ns"]) == (
        1_718_000_000_500_000_000,
        1_718_000_001_750_000_000,
    )
    assert llm["output_messages"][0]["content"] == "Paris"


def test_merge_row_keeps_the_input_messages(db: Database, tmp_path: Path) -> None:
    run(db, write_jsonl(tmp_path / "logs.jsonl", [ROOT, LLM, LLM_END]))
    assert len(span_detail(db, "s-root", "s-llm")["input_messages"]) == 2


def test_anthropic_output_and_fetch_envelope(db: Database, tmp_path: Path) -> None:
    row = {
        "id": "a1",
        "span_id": "llm-a",
        "root_span_id": "llm-a",
        "span_attributes": {"name": "anthropic.messages.create", "type": "llm"},
        "input": [{"role": "user", "content": "Weather?"}],
        "output": {
            "role": "assistant",
            "stop_reason": "tool_use",
            "content": [
                {"type": "thinking", "thinking": "Use the tool.", "signature": "s"},
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Oslo"}},
            ],
        },
        "metadata": {"model": "claude-sonnet-4-5", "provider": "anthropic"},
        "metrics": {
            "prompt_tokens": 1500,
            "prompt_cached_tokens": 1000,
            "prompt_cache_creation_5m_tokens": 200,
            "prompt_cache_creation_1h_tokens": 100,
            "completion_tokens": 40,
            "estimated_cost": 0.0021,
        },
        "created": "2025-05-01T08:00:00.5Z",
    }
    [result] = run(
        db, write_json(tmp_path / "fetch.json", {"events": [row], "cursor": None}, indent=2)
    )
    assert (result.status, result.spans) == (ImportStatus.IMPORTED, 1), result.error
    llm = span_detail(db, "llm-a", "llm-a")
    assert (llm["input_tokens"], llm["cache_read_tokens"], llm["cache_write_tokens"]) == (
        1500,
        1000,
        300,
    )
    assert llm["recorded_cost"] == 0.0021
    [out] = llm["output_messages"]
    assert out["content"] == "Checking."
    assert [(c["call_id"], c["name"], json.loads(c["arguments"])) for c in out["tool_calls"]] == [
        ("toolu_1", "weather", {"city": "Oslo"})
    ]
    assert json.loads(out["parts"])[0]["content"] == "Use the tool."
    # No metrics.start: the row's created time stands in.
    assert llm["start_ns"] == 1_746_086_400_500_000_000


def test_large_list_is_recognised_from_its_head(db: Database, tmp_path: Path) -> None:
    # 400 rows of ~3 KB: the 256 KB sample ends inside a row, which the sniffer sets aside.
    rows = [
        {
            **ROOT,
            "id": f"r{i}",
            "span_id": f"s{i}",
            "root_span_id": "big",
            "span_parents": ["s0"] if i else [],
            "input": "x" * 3000,
        }
        for i in range(400)
    ]
    path = write_json(tmp_path / "big.json", rows, indent=2)
    assert path.stat().st_size > 256 * 1024
    [result] = run(db, path)
    assert (result.status, result.format, result.spans, result.traces) == (
        ImportStatus.IMPORTED,
        "braintrust",
        400,
        1,
    ), result.error


def test_reimport_replaces_same_span_ids(db: Database, tmp_path: Path) -> None:
    run(db, write_jsonl(tmp_path / "a.jsonl", [ROOT, LLM]))
    [result] = run(db, write_jsonl(tmp_path / "b.jsonl", [{**LLM, "output": "Paris!"}]))
    assert any("replaced" in w for w in result.warnings)
    assert counts(db)[:2] == (2, 1)
    assert span_detail(db, "s-root", "s-llm")["output_messages"][0]["content"] == "Paris!"


# -- bad input ------------------------------------------------------------------------------------


def test_truncated_file_fails_alone(db: Database, tmp_path: Path) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", [ROOT])
    text = json.dumps([ROOT, LLM, TOOL], indent=2)
    bad = tmp_path / "bad.json"
    bad.write_text(text[: len(text) * 2 // 3])
    results = run(db, good, bad)
    assert [(r.status, r.format) for r in results] == [
        (ImportStatus.IMPORTED, "braintrust"),
        (ImportStatus.FAILED, "braintrust"),
    ]
    assert "bad.json" in (results[1].error or "") and "line" in (results[1].error or "")
    assert counts(db) == (1, 1, 1)


def test_one_bad_row_rolls_back_the_whole_file(db: Database, tmp_path: Path) -> None:
    lines = [
        json.dumps({**ROOT, "id": f"r{i}", "span_id": f"s{i}", "root_span_id": f"s{i}"})
        for i in range(100)
    ]
    lines[60] = json.dumps({"hello": "world"})
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(lines) + "\n")
    [result] = run(db, path)
    assert result.status is ImportStatus.FAILED
    assert "rows.jsonl" in (result.error or "") and "line 61" in (result.error or "")
    assert "not a Braintrust row" in (result.error or "")
    assert counts(db) == (0, 0, 0)


@pytest.mark.parametrize(
    "value",
    [
        [{"span_id": "a", "name": "x"}],  # no trace id, no span structure
        {"trace": {"id": "t"}, "observations": [{"id": "o", "traceId": "t"}]},
        [
            {
                "context": {"span_id": "0x01", "trace_id": "0x02"},
                "parent_id": None,
                "name": "phoenix",
            }
        ],
    ],
)
def test_other_json_is_not_claimed(tmp_path: Path, value: Any) -> None:
    assert not BraintrustRows().sniff(read_sample(write_json(tmp_path / "x.json", value, indent=2)))


@pytest.mark.corpus
def test_other_formats_in_the_corpus_are_not_claimed(corpus: Path) -> None:
    mine = corpus / "other" / "braintrust"
    for path in sorted(corpus.rglob("*")):
        if path.is_file() and path.suffix != ".md" and mine not in path.parents:
            assert not BraintrustRows().sniff(read_sample(path)), path


# -- the LangChain callback handlers ------------------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "braintrust"


def _conversation(messages: list[dict[str, Any]] | None) -> list[tuple[str, str | None]]:
    return [(m["role"], m["content"]) for m in messages or []]


def test_langchain_js_rows(db: Database) -> None:
    # The SDK's e2e snapshot of @braintrust/langchain-js 0.2.0 logging five LangChain runs:
    # 40 rows for 14 spans (26 merge rows), one trace rooted at <span:2>.
    [result] = run(db, FIXTURES / "langchain-js_log-payloads.json")
    assert (result.status, result.format, result.spans, result.traces) == (
        ImportStatus.IMPORTED,
        "braintrust",
        14,
        1,
    ), result.error
    assert "26 partial span records were merged into their spans" in result.warnings
    kinds = Counter(r[0] for r in db.reader().execute("SELECT kind FROM spans").fetchall())
    assert kinds == Counter({"chain": 8, "llm": 6})
    # Every ChatOpenAI span: invocation_params.model asked, metadata.model (end row) answered.
    models = (
        db.reader()
        .execute(
            "SELECT DISTINCT request_model, response_model, model, provider FROM spans "
            "WHERE kind = 'llm'"
        )
        .fetchall()
    )
    assert models == [("gpt-4o-mini", "gpt-4o-mini-2024-07-18", "gpt-4o-mini-2024-07-18", "openai")]

    first = span_detail(db, "<span:2>", "<span:6>")
    assert _conversation(first["input_messages"]) == [("user", "Reply with exactly OK.")]
    assert _conversation(first["output_messages"]) == [("assistant", "<llm-response>")]
    assert json.loads(first["params"]) == {"temperature": 0, "max_tokens": 16, "stream": False}
    # The end row's metadata {model, tags} is merged into the start row's, not put in its place.
    metadata = json.loads(first["attributes"])["braintrust.metadata"]
    assert metadata["invocation_params"]["model"] == "gpt-4o-mini"
    assert metadata["metadata"]["ls_model_name"] == "gpt-4o-mini"
    assert (metadata["model"], metadata["tags"]) == ("gpt-4o-mini-2024-07-18", [])

    # The tool call the model asked for, and the tools it was offered.
    tool_ask = span_detail(db, "<span:2>", "<span:25>")
    assert [
        (c["call_id"], c["name"], json.loads(c["arguments"])) for c in tool_ask["tool_calls"]
    ] == [("<span:27>", "get_weather", {"location": "Paris, France"})]
    offered = json.loads(json.loads(tool_ask["attributes"])["gen_ai.tool.definitions"])
    assert [t["function"]["name"] for t in offered] == ["get_weather"]

    # Human, AI (with its tool call) and Tool messages given back to the model.
    follow_up = span_detail(db, "<span:2>", "<span:34>")
    assert _conversation(follow_up["input_messages"]) == [
        ("user", "What is 127 multiplied by 49? Use the calculate tool."),
        ("assistant", ""),
        ("tool", "6223"),
    ]
    asked = follow_up["input_messages"][1]["tool_calls"]
    assert [(c["name"], json.loads(c["arguments"])) for c in asked] == [
        ("calculate", {"a": 127, "b": 49, "operation": "multiply"})
    ]
    assert follow_up["input_messages"][2]["tool_call_id"] == "<tool_call_id>"
    # Token metrics are "<number>" placeholders in the snapshot: no tokens, never zero.
    assert (follow_up["input_tokens"], follow_up["output_tokens"]) == (None, None)
    prompt = span_detail(db, "<span:2>", "<span:14>")
    assert (prompt["kind"], prompt["parent_span_id"]) == ("chain", "<span:11>")


def test_langchain_python_rows(db: Database) -> None:
    # Rows in the shape braintrust-langchain (Python) logs: message models' fields, LLMResult.
    [result] = run(db, FIXTURES / "langchain-py_rows.jsonl")
    assert (result.status, result.spans, result.traces) == (ImportStatus.IMPORTED, 4, 2), (
        result.error
    )
    llm = span_detail(db, "s-seq", "s-llm1")
    assert (llm["request_model"], llm["response_model"], llm["provider"]) == (
        "gpt-4o-mini",
        "gpt-4o-mini-2024-07-18",
        "openai",
    )
    assert _conversation(llm["input_messages"]) == [
        ("system", "You answer arithmetic questions."),
        ("user", "What is 1 + 2?"),
    ]
    assert _conversation(llm["output_messages"]) == [("assistant", "1 + 2 = 3.")]
    assert (llm["input_tokens"], llm["output_tokens"], llm["total_tokens"]) == (23, 8, 31)
    assert (llm["start_ns"], llm["end_ns"]) == (
        1_733_500_000_250_000_000,
        1_733_500_001_500_000_000,
    )
    metadata = json.loads(llm["attributes"])["braintrust.metadata"]
    assert metadata["invocation_params"]["top_p"] == 1.0 and metadata["tags"] == ["seq:step:2"]

    agent = span_detail(db, "s-agent", "s-llm2")
    assert (agent["request_model"], agent["provider"]) == ("claude-3-5-haiku-20241022", "anthropic")
    assert _conversation(agent["input_messages"]) == [
        ("user", "Weather in Oslo?"),
        ("assistant", "Let me look."),
        ("tool", "4°C, light snow"),
        ("critic", "Answer in one sentence."),  # a ChatMessage keeps its own role
    ]
    [call] = agent["input_messages"][1]["tool_calls"]
    assert (call["call_id"], call["name"], json.loads(call["arguments"])) == (
        "toolu_01",
        "get_weather",
        {"city": "Oslo"},
    )
    assert agent["input_messages"][2]["tool_call_id"] == "toolu_01"
    # The streamed answer is an AIMessageChunk inside a ChatGenerationChunk.
    assert _conversation(agent["output_messages"]) == [
        ("assistant", "It is 4°C with light snow in Oslo.")
    ]
    assert (agent["input_tokens"], agent["output_tokens"]) == (412, 15)
    root = json.loads(span_detail(db, "s-agent", "s-agent")["attributes"])
    assert root["output.value"] == '{"output":"It is 4°C with light snow in Oslo."}'


def test_merge_rows_merge_objects_deeply(db: Database, tmp_path: Path) -> None:
    start = {
        **LLM,
        "metadata": {"model": "gpt-4o-mini", "provider": "openai", "extra": {"a": 1, "b": 2}},
    }
    update = {
        "id": "r2",
        "_is_merge": True,
        "metadata": {"extra": {"b": 3, "c": 4}, "route": "eu"},
        "metrics": {"end": 1718000001.75},
    }
    replace = {
        "id": "r2",
        "_is_merge": True,
        "_merge_paths": [["metadata", "extra"]],
        "metadata": {"extra": {"z": 0}},
    }
    run(db, write_jsonl(tmp_path / "logs.jsonl", [ROOT, start, update]))
    llm = span_detail(db, "s-root", "s-llm")
    assert json.loads(llm["attributes"])["braintrust.metadata"] == {
        "model": "gpt-4o-mini",
        "provider": "openai",
        "extra": {"a": 1, "b": 3, "c": 4},
        "route": "eu",
    }
    # The start row's metrics survive the end row's: tokens and start stay.
    assert (llm["input_tokens"], llm["start_ns"], llm["model"]) == (
        1200,
        1_718_000_000_500_000_000,
        "gpt-4o-mini",
    )
    run(db, write_jsonl(tmp_path / "again.jsonl", [ROOT, start, update, replace]))
    extra = json.loads(span_detail(db, "s-root", "s-llm")["attributes"])["braintrust.metadata"]
    assert extra["extra"] == {"z": 0} and extra["route"] == "eu"


# -- what an engineer sees, on every corpus file of the format ----------------------------------

# input and output tokens over the file's traces, as recorded in it
test_engineer_view = corpus_view_test(
    "other/braintrust",
    {
        "braintrust-sdk-e2e_anthropic-v0800_span-events.json": (0, 0),
        "braintrust-sdk-e2e_deno-node_log-payloads.json": (0, 0),
    },
)


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        # token metrics are "<number>" placeholders in the snapshot: none are recorded
        ("langchain-js_log-payloads.json", (0, 0)),
        # prompt_tokens 23 + 412, completion_tokens 8 + 15
        ("langchain-py_rows.jsonl", (435, 23)),
    ],
)
def test_engineer_view_of_the_langchain_rows(
    tmp_path: Path, name: str, tokens: tuple[int, int]
) -> None:
    check_file(tmp_path, FIXTURES / name, tokens=tokens)


def _lc(cls: str, **kwargs: Any) -> dict[str, Any]:
    return {
        "lc": 1,
        "type": "constructor",
        "id": ["langchain_core", "messages", cls],
        "kwargs": kwargs,
    }


def test_serialised_system_chat_and_chunk_messages(db: Database, tmp_path: Path) -> None:
    row = {
        "id": "r-x",
        "span_id": "s-x",
        "root_span_id": "s-x",
        "span_attributes": {"name": "ChatOpenAI", "type": "llm"},
        "input": [
            [
                _lc("SystemMessage", content="Be brief."),
                _lc("ChatMessage", content="Check the tone.", role="critic"),
                _lc("HumanMessageChunk", content="Hi"),
            ]
        ],
        "output": {
            "generations": [
                [{"text": "Hello.", "message": _lc("AIMessageChunk", content="Hello.")}]
            ]
        },
        "metadata": {"invocation_params": {"model_name": "gpt-4.1-nano"}},
    }
    [result] = run(db, write_jsonl(tmp_path / "rows.jsonl", [row]))
    assert result.status is ImportStatus.IMPORTED, result.error
    llm = span_detail(db, "s-x", "s-x")
    assert llm["model"] == "gpt-4.1-nano"
    assert _conversation(llm["input_messages"]) == [
        ("system", "Be brief."),
        ("critic", "Check the tone."),
        ("user", "Hi"),
    ]
    assert _conversation(llm["output_messages"]) == [("assistant", "Hello.")]
