"""MLflow trace import: schema v2 and v3, every file shape, the MLflow conventions mapped,
placeholder ids made unique, span status kept apart from trace state, bad files rolled back."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from engineer_view import corpus_view_test
from otlp_builder import write_json
from spanscope.importers.base import read_sample
from spanscope.importers.mlflow import MlflowTrace
from spanscope.model import ImportStatus
from spanscope.store import Database
from store_checks import counts, kinds, rows, run, span_detail, span_named

T0 = 1_700_000_000_000_000_000
TRACE = "0123456789abcdef0123456789abcdef"
ROOT, LLM, TOOL, RETRIEVER = (
    "1111111111111111",
    "2222222222222222",
    "3333333333333333",
    "4444444444444444",
)

V2_FILE = "mlflow-website-blog_bedrock-chatmodel_trace-v2_EXCERPT-2-spans.json"
OK_FILE = "mnorberg-blog_databricks-agent-response-with-mlflow-v3-trace_predict-ok.json"
FLAGGED_FILE = "mnorberg-blog_databricks-agent-response-with-mlflow-v3-trace_predict-flagged.json"


def b64(hex_id: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_id)).decode()


def encoded(values: dict[str, Any]) -> dict[str, str]:
    """Attributes the way MLflow writes them: every value a JSON document inside a string."""
    return {k: json.dumps(v) for k, v in values.items()}


def v3_span(
    span: str,
    name: str,
    span_type: str,
    parent: str | None = None,
    start: int = 0,
    end: int = 1_000,
    status: str = "STATUS_CODE_OK",
    events: list[Any] | None = None,
    **attributes: Any,
) -> dict[str, Any]:
    return {
        "trace_id": b64(TRACE),
        "span_id": b64(span),
        "parent_span_id": b64(parent) if parent else None,
        "name": name,
        "start_time_unix_nano": T0 + start,
        "end_time_unix_nano": T0 + end,
        "status": {"code": status, "message": ""},
        "events": events or [],
        "attributes": encoded(
            {
                "mlflow.spanType": span_type,
                **{k.replace("__", "."): v for k, v in attributes.items()},
            }
        ),
    }


def v3_trace(spans: list[dict[str, Any]], state: str = "OK") -> dict[str, Any]:
    return {
        "info": {
            "trace_id": f"tr-{TRACE}",
            "request_time": "2023-11-14T22:13:20Z",
            "state": state,
            "trace_metadata": {
                "mlflow.trace_schema.version": "3",
                "mlflow.trace.user": "u_42",
                "mlflow.trace.session": "s_1",
                "mlflow.trace.tokenUsage": json.dumps({"input_tokens": 1200, "output_tokens": 80}),
            },
            "tags": {"mlflow.traceName": "agent", "team": "search", "beta": ""},
            "assessments": [
                {
                    "assessment_name": "relevance",
                    "feedback": {"value": 0.8},
                    "rationale": "on topic",
                    "create_time": "2023-11-14T22:13:21Z",
                }
            ],
        },
        "data": {"spans": spans},
    }


def agent_trace(state: str = "OK") -> dict[str, Any]:
    completion = {
        "object": "chat.completion",
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": "Let me look.",
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "search_kb", "arguments": '{"query": "refund"}'},
                        }
                    ],
                },
            }
        ],
        "usage": {
            "prompt_tokens": 1200,
            "completion_tokens": 80,
            "total_tokens": 1280,
            "prompt_tokens_details": {"cached_tokens": 1000},
            "completion_tokens_details": {"reasoning_tokens": 20},
        },
    }
    exception = {
        "name": "exception",
        "time_unix_nano": T0 + 2_500,
        "attributes": {"exception.type": "TimeoutError", "exception.message": "timed out"},
    }
    return v3_trace(
        [
            v3_span(
                ROOT,
                "agent",
                "AGENT",
                end=10_000,
                mlflow__spanInputs={"messages": [{"role": "user", "content": "refund policy?"}]},
                mlflow__spanOutputs="Refunds within 30 days.",
            ),
            v3_span(
                LLM,
                "ChatOpenAI",
                "CHAT_MODEL",
                ROOT,
                100,
                2_000,
                mlflow__spanInputs={
                    "model": "gpt-4o",
                    "temperature": 0.2,
                    "max_tokens": 512,
                    "tools": [{"type": "function", "function": {"name": "search_kb"}}],
                    "messages": [
                        {"role": "system", "content": "Be brief."},
                        {"role": "user", "content": "refund policy?"},
                    ],
                },
                mlflow__spanOutputs=completion,
                mlflow__message__format="openai",
                mlflow__chat__tokenUsage={
                    "input_tokens": 1200,
                    "output_tokens": 80,
                    "total_tokens": 1280,
                },
            ),
            v3_span(
                TOOL,
                "search_kb",
                "TOOL",
                ROOT,
                2_100,
                3_000,
                "STATUS_CODE_ERROR",
                [exception],
                mlflow__spanInputs={"query": "refund"},
                mlflow__spanOutputs=None,
            ),
            v3_span(
                RETRIEVER,
                "retrieve",
                "RETRIEVER",
                ROOT,
                3_100,
                4_000,
                mlflow__spanInputs={"query": "refund"},
                mlflow__spanOutputs=[
                    {
                        "page_content": "Refunds within 30 days.",
                        "id": "d1",
                        "metadata": {"doc_uri": "kb/refunds.md", "chunk_id": "c1"},
                    },
                    {
                        "page_content": "Shipping takes 3 days.",
                        "id": None,
                        "metadata": {"doc_uri": "kb/shipping.md", "chunk_id": "c7"},
                    },
                ],
            ),
        ],
        state,
    )


# --- the corpus: every file, values read by hand from the files -------------------------------


@pytest.mark.corpus
def test_corpus_v2_excerpt(db: Database, corpus: Path) -> None:
    [result] = run(db, corpus / "mlflow" / V2_FILE)
    # Two spans in one {"spans": [...]} excerpt, both with context.trace_id 0x9b8bd0b2...
    assert (result.status, result.format, result.spans, result.traces) == (
        ImportStatus.IMPORTED,
        "mlflow",
        2,
        1,
    )
    assert result.warnings == []
    # mlflow.spanType "CHAT_MODEL" and "UNKNOWN".
    assert kinds(db) == {"llm": 1, "other": 1}
    trace = "9b8bd0b2e018d77f936e48a09e54fd44"  # the 0x prefix dropped
    root = span_detail(db, trace, "b802165d133a33aa")
    assert (root["name"], root["parent_span_id"], root["status"]) == (
        "Bedrock Agent Runtime",
        None,
        "ok",
    )
    assert (root["start_ns"], root["end_ns"]) == (1731388531754725000, 1731388550226771000)
    # spanOutputs.model; the usage block has only nulls; ChatModel params hold temperature 1.0.
    assert (root["model"], root["request_model"], root["input_tokens"]) == (
        "anthropic.claude-v2",
        None,
        None,
    )
    assert json.loads(root["params"])["temperature"] == 1.0
    [question] = root["input_messages"]
    assert question["role"] == "user" and question["content"].startswith(
        "When is the next launch window for Mars?"
    )
    [answer] = root["output_messages"]  # recorded with role "user" by the blog's ChatModel
    assert answer["content"].startswith("Based on the provided spacecraft dry mass")
    # Attribute values were JSON strings: decoded once, kept under their own keys.
    attributes = json.loads(root["attributes"])
    assert attributes["mlflow.spanFunctionName"] == "predict"
    assert attributes["mlflow.spanInputs"]["params"]["n"] == 1
    child = span_detail(db, trace, "2e7cd730be70865b")
    assert (child["name"], child["kind"], child["parent_span_id"]) == (
        "Bedrock Input Prompt",
        "other",
        "b802165d133a33aa",
    )
    assert (
        json.loads(child["attributes"])["mlflow.spanOutputs"]
        .lstrip()
        .startswith("Answer the following question")
    )
    [summary] = rows(db, "SELECT span_count, llm_count, error_count, models FROM traces")
    assert summary == (2, 1, 0, ["anthropic.claude-v2"])


@pytest.mark.corpus
def test_corpus_v3_ok(db: Database, corpus: Path) -> None:
    [result] = run(db, corpus / "mlflow" / OK_FILE)
    # databricks_output.trace: AGENT "predict" and its CHAT_MODEL "Completions".
    assert (result.status, result.spans, result.traces) == (ImportStatus.IMPORTED, 2, 1)
    assert kinds(db) == {"agent": 1, "llm": 1}
    agent, llm = span_named(db, "predict"), span_named(db, "Completions")
    assert llm["parent_span_id"] == agent["span_id"] and agent["parent_span_id"] is None
    # mlflow.chat.tokenUsage {27, 641, 668}; cached_tokens and reasoning_tokens are 0 in spanOutputs.
    assert (llm["input_tokens"], llm["output_tokens"], llm["total_tokens"]) == (27, 641, 668)
    assert (llm["cache_read_tokens"], llm["reasoning_tokens"]) == (0, 0)
    # spanOutputs.model is the snapshot; spanInputs.model is "<redacted>", which is no model name.
    assert (llm["model"], llm["request_model"], llm["provider"]) == (
        "gpt-4.1-2025-04-14",
        None,
        "openai",
    )
    assert json.loads(llm["params"]) == {"temperature": 0.5, "stream": False}
    assert [m["role"] for m in llm["input_messages"]] == ["system", "user"]
    assert llm["output_messages"][0]["content"].startswith("Absolutely! Here")
    # The agent's Responses-API request and response become messages too.
    assert [(m["role"], m["content"]) for m in agent["input_messages"]] == [
        ("system", "You are a helpful assistant"),
        ("user", "What is a good apple pie recipe to use on Thanksgiving"),
    ]
    assert agent["output_messages"][0]["content"].startswith("Absolutely! Here")
    root_attributes = json.loads(agent["attributes"])
    assert root_attributes["mlflow.trace.state"] == "OK"
    assert root_attributes["mlflow.trace.tokenUsage"] == {
        "input_tokens": 27,
        "output_tokens": 641,
        "total_tokens": 668,
    }
    assert root_attributes["mlflow.trace.info"]["request_preview"].startswith(
        "What is a good apple pie"
    )
    [summary] = rows(
        db,
        "SELECT trace_id, span_count, llm_count, error_count, input_tokens, output_tokens, models FROM traces",
    )
    assert summary[1:] == (2, 1, 0, 27, 641, ["gpt-4.1-2025-04-14"])
    assert summary[0].startswith("mlflow-") and "redacted" not in summary[0]


@pytest.mark.corpus
def test_corpus_v3_flagged_keeps_span_status_apart_from_trace_state(
    db: Database, corpus: Path
) -> None:
    [result] = run(db, corpus / "mlflow" / FLAGGED_FILE)
    assert (result.status, result.spans, result.traces) == (ImportStatus.IMPORTED, 2, 1)
    agent, llm = span_named(db, "predict"), span_named(db, "Completions")
    # The CHAT_MODEL span failed (STATUS_CODE_ERROR + exception event)...
    assert (llm["kind"], llm["status"], llm["error_type"]) == ("llm", "error", "BadRequestError")
    assert llm["status_message"].startswith("Error code: 400")
    [event] = json.loads(llm["events"])
    # ...at time_unix_nano 1766004344000273, which MLflow wrote in microseconds.
    assert (event["name"], event["time_ns"]) == ("exception", 1766004344000273000)
    assert llm["start_ns"] < event["time_ns"] < llm["end_ns"]
    assert (llm["input_tokens"], llm["output_messages"]) == (None, None)
    # ...while the agent handled it: root span OK and trace state OK.
    assert agent["status"] == "ok"
    assert json.loads(agent["attributes"])["mlflow.trace.state"] == "OK"
    assert (
        agent["output_messages"][0]["content"] == "This question has been flagged as inappropriate"
    )
    [summary] = rows(db, "SELECT span_count, llm_count, error_count, input_tokens FROM traces")
    assert summary == (2, 1, 1, 0)


@pytest.mark.corpus
def test_corpus_redacted_ids_do_not_collide(db: Database, corpus: Path) -> None:
    """Both v3 files use "<redacted>" for every id; each gets its own trace and span ids."""
    results = run(db, corpus / "mlflow")
    assert [r.status for r in results] == [ImportStatus.IMPORTED] * 3
    assert counts(db) == (6, 3, 3)
    # the flagged call was stopped before a model was named
    assert [r.warnings for r in results] == [[], ["1 model call records no model name"], []]
    assert rows(db, "SELECT count(DISTINCT span_id) FROM spans") == [(6,)]
    raw = [
        json.loads(a)["mlflow.raw_ids"]["span_id"]
        for (a,) in rows(db, "SELECT attributes FROM spans WHERE starts_with(trace_id, 'mlflow-')")
    ]
    assert raw == ["<redacted>"] * 4


# --- quirks of the format --------------------------------------------------------------------


def test_v3_conventions_are_mapped(db: Database, tmp_path: Path) -> None:
    [result] = run(db, write_json(tmp_path / "trace.json", agent_trace(), indent=2))
    assert (result.status, result.format, result.spans, result.traces) == (
        ImportStatus.IMPORTED,
        "mlflow",
        4,
        1,
    )
    # base64 ids decoded to hex.
    assert rows(db, "SELECT DISTINCT trace_id FROM spans") == [(TRACE,)]
    llm = span_detail(db, TRACE, LLM)
    assert (llm["kind"], llm["parent_span_id"], llm["provider"], llm["operation"]) == (
        "llm",
        ROOT,
        "openai",
        "chat",
    )
    assert (llm["request_model"], llm["response_model"]) == ("gpt-4o", "gpt-4o-2024-08-06")
    assert (
        llm["input_tokens"],
        llm["output_tokens"],
        llm["cache_read_tokens"],
        llm["reasoning_tokens"],
    ) == (1200, 80, 1000, 20)
    assert json.loads(llm["params"]) == {"temperature": 0.2, "max_tokens": 512}
    assert [(c["call_id"], c["name"]) for c in llm["tool_calls"]] == [("call_1", "search_kb")]
    definitions = json.loads(json.loads(llm["attributes"])["gen_ai.tool.definitions"])
    assert definitions[0]["function"]["name"] == "search_kb"
    tool = span_detail(db, TRACE, TOOL)
    assert (tool["kind"], tool["tool_name"], tool["status"], tool["error_type"]) == (
        "tool",
        "search_kb",
        "error",
        "TimeoutError",
    )
    assert json.loads(tool["tool_calls"][0]["arguments"]) == {"query": "refund"}
    retriever = span_detail(db, TRACE, RETRIEVER)
    assert retriever["kind"] == "retriever" and retriever["preview"] == "refund"
    assert [(d["document_id"], d["content"]) for d in retriever["documents"]] == [
        ("d1", "Refunds within 30 days."),
        ("c7", "Shipping takes 3 days."),
    ]
    assert json.loads(retriever["documents"][0]["metadata"])["doc_uri"] == "kb/refunds.md"
    root = span_detail(db, TRACE, ROOT)
    assert (root["kind"], root["session_id"], root["user_id"]) == ("agent", "s_1", "u_42")
    assert root["tags"] == ["team=search", "beta"]
    [evaluation] = [
        e for e in json.loads(root["events"]) if e["name"] == "gen_ai.evaluation.result"
    ]
    assert evaluation["attributes"]["gen_ai.evaluation.name"] == "relevance"
    assert json.loads(evaluation["attributes"]["gen_ai.evaluation.score.value"]) == 0.8
    # session and user are on every span of the trace, not only the root.
    assert rows(db, "SELECT count(*) FROM spans WHERE session_id = 's_1' AND user_id = 'u_42'") == [
        (4,)
    ]


def test_span_status_is_not_overridden_by_trace_state(db: Database, tmp_path: Path) -> None:
    run(db, write_json(tmp_path / "trace.json", agent_trace(state="ERROR"), indent=2))
    root = span_detail(db, TRACE, ROOT)
    assert root["status"] == "ok"
    assert json.loads(root["attributes"])["mlflow.trace.state"] == "ERROR"
    assert rows(db, "SELECT error_count FROM traces") == [(1,)]  # only the tool span


def test_span_types_map_to_kinds(db: Database, tmp_path: Path) -> None:
    types = [
        "LLM",
        "CHAT_MODEL",
        "EMBEDDING",
        "TOOL",
        "RETRIEVER",
        "RERANKER",
        "AGENT",
        "CHAIN",
        "PARSER",
        "MEMORY",
        "UNKNOWN",
        "GUARDRAIL",
        "EVALUATOR",
        "MY_OWN_TYPE",
    ]
    spans = [v3_span(f"{i + 1:016x}", t, t, start=i) for i, t in enumerate(types)]
    run(db, write_json(tmp_path / "types.json", {"spans": spans}, indent=2))
    assert dict(rows(db, "SELECT name, kind FROM spans")) == {
        "LLM": "llm",
        "CHAT_MODEL": "llm",
        "EMBEDDING": "embedding",
        "TOOL": "tool",
        "RETRIEVER": "retriever",
        "RERANKER": "reranker",
        "AGENT": "agent",
        "CHAIN": "chain",
        "PARSER": "chain",
        "MEMORY": "other",
        "UNKNOWN": "other",
        "GUARDRAIL": "guardrail",
        "EVALUATOR": "evaluator",
        "MY_OWN_TYPE": "other",
    }


def test_v2_trace_with_info_and_0x_ids(db: Database, tmp_path: Path) -> None:
    def span(
        span_id: str, name: str, parent: str | None, kind: str, **extra: Any
    ) -> dict[str, Any]:
        return {
            "name": name,
            "context": {"span_id": f"0x{span_id}", "trace_id": f"0x{TRACE.upper()}"},
            "parent_id": f"0x{parent}" if parent else None,
            "start_time": T0,
            "end_time": T0 + 5,
            "status_code": extra.pop("status_code", "OK"),
            "status_message": extra.pop("message", ""),
            "attributes": {
                "mlflow.traceRequestId": json.dumps("req-1"),
                "mlflow.spanType": json.dumps(kind),
                # Every value JSON-encoded; a non-JSON string stays as it is.
                "my.flag": "true",
                "my.count": "3",
                "my.text": "not json",
            },
            "events": [{"name": "retry", "timestamp": T0 + 2, "attributes": {"attempt": 1}}],
        }

    trace = {
        "info": {
            "request_id": "req-1",
            "experiment_id": "0",
            "timestamp_ms": T0 // 1_000_000,
            "execution_time_ms": 1,
            "status": "ERROR",
            "request_metadata": {
                "mlflow.trace_schema.version": "2",
                "mlflow.trace.session": "chat-9",
            },
            "tags": [{"key": "mlflow.traceName", "value": "run"}, {"key": "env", "value": "prod"}],
        },
        "data": {
            "spans": [
                span(ROOT, "run", None, "CHAIN"),
                span(LLM, "parse", ROOT, "PARSER", status_code="ERROR", message="bad JSON"),
            ],
            "request": "{}",
            "response": "{}",
        },
    }
    [result] = run(db, write_json(tmp_path / "v2.json", trace, indent=2))
    assert (result.status, result.spans) == (ImportStatus.IMPORTED, 2)
    parser = span_detail(db, TRACE, LLM)  # 0x and upper case dropped
    assert (
        parser["kind"],
        parser["parent_span_id"],
        parser["status"],
        parser["status_message"],
    ) == ("chain", ROOT, "error", "bad JSON")
    attributes = json.loads(parser["attributes"])
    assert (attributes["my.flag"], attributes["my.count"], attributes["my.text"]) == (
        True,
        3,
        "not json",
    )
    assert json.loads(parser["events"])[0]["time_ns"] == T0 + 2
    root = span_detail(db, TRACE, ROOT)
    assert (root["session_id"], root["tags"]) == ("chat-9", ["env=prod"])
    assert json.loads(root["attributes"])["mlflow.trace.state"] == "ERROR"


def test_list_and_json_lines_of_traces(db: Database, tmp_path: Path) -> None:
    def trace(n: int) -> dict[str, Any]:
        spans = [dict(v3_span(ROOT, f"root {n}", "CHAIN"), trace_id=b64(f"{n:032x}"))]
        return {"info": {"trace_id": f"tr-{n:032x}", "state": "OK"}, "data": {"spans": spans}}

    listed = write_json(tmp_path / "list.json", [trace(1), trace(2)], indent=2)
    lines = tmp_path / "lines.jsonl.gz"
    lines.write_bytes(
        gzip.compress(b"\n".join(json.dumps(trace(n)).encode() for n in (3, 4, 5)) + b"\n")
    )
    results = run(db, listed, lines)
    assert [(r.status, r.spans, r.traces) for r in results] == [
        (ImportStatus.IMPORTED, 2, 2),
        (ImportStatus.IMPORTED, 3, 3),
    ]
    assert sorted(t for (t,) in rows(db, "SELECT trace_id FROM traces")) == [
        f"{n:032x}" for n in range(1, 6)
    ]


def test_placeholder_ids_are_unique_and_stable(tmp_path: Path) -> None:
    """A list of two traces whose ids are all "<redacted>": each trace and span gets an id
    derived from the trace's content and position, and parents are the enclosing spans."""

    def trace(offset: int) -> dict[str, Any]:
        def span(name: str, start: int, end: int, parent: bool) -> dict[str, Any]:
            return {
                "trace_id": "<redacted>",
                "span_id": "<redacted>",
                "parent_span_id": "<redacted>" if parent else None,
                "name": name,
                "start_time_unix_nano": T0 + offset + start,
                "end_time_unix_nano": T0 + offset + end,
                "status": {"code": "STATUS_CODE_OK"},
                "attributes": encoded({"mlflow.spanType": "CHAIN"}),
            }

        return {
            "info": {"trace_id": "<redacted>", "state": "OK"},
            "data": {
                "spans": [
                    span("root", 0, 100, False),
                    span("child", 10, 90, True),
                    span("grandchild", 20, 30, True),
                    span("sibling", 40, 50, True),
                ]
            },
        }

    ids = []
    for n in (1, 2):
        db = Database.open(tmp_path / f"db{n}.duckdb")
        [result] = run(
            db, write_json(tmp_path / f"copy{n}.json", [trace(0), trace(1_000)], indent=2)
        )
        assert (result.status, result.spans, result.traces) == (ImportStatus.IMPORTED, 8, 2)
        tree = rows(
            db,
            "SELECT s.trace_id, s.name, p.name FROM spans s LEFT JOIN spans p "
            "ON p.trace_id = s.trace_id AND p.span_id = s.parent_span_id ORDER BY s.trace_id, s.start_ns",
        )
        assert [(name, parent) for _, name, parent in tree] == [
            ("root", None),
            ("child", "root"),
            ("grandchild", "child"),
            ("sibling", "child"),
        ] * 2
        ids.append(rows(db, "SELECT trace_id, span_id FROM spans ORDER BY 1, 2"))
        db.close()
    assert ids[0] == ids[1]  # the same content gives the same ids, whatever the file is called
    assert len({span for _, span in ids[0]}) == 8


def test_anthropic_usage_counts_cache_inside_input(db: Database, tmp_path: Path) -> None:
    message = {
        "role": "assistant",
        "type": "message",
        "model": "claude-3-5-sonnet-20241022",
        "content": [{"type": "text", "text": "Hi."}],
        "usage": {
            "input_tokens": 10,
            "cache_read_input_tokens": 100,
            "cache_creation_input_tokens": 5,
            "output_tokens": 7,
        },
    }
    span = v3_span(
        LLM,
        "Messages.create",
        "CHAT_MODEL",
        mlflow__spanInputs={
            "model": "claude-3-5-sonnet",
            "system": "Be kind.",
            "max_tokens": 64,
            "messages": [{"role": "user", "content": "Hello"}],
        },
        mlflow__spanOutputs=message,
        mlflow__message__format="anthropic",
        mlflow__chat__tokenUsage={"input_tokens": 10, "output_tokens": 7, "total_tokens": 17},
    )
    run(db, write_json(tmp_path / "anthropic.json", {"spans": [span]}, indent=2))
    llm = span_detail(db, TRACE, LLM)
    assert (
        llm["input_tokens"],
        llm["cache_read_tokens"],
        llm["cache_write_tokens"],
        llm["output_tokens"],
    ) == (115, 100, 5, 7)
    assert [(m["role"], m["content"]) for m in llm["input_messages"]] == [
        ("system", "Be kind."),
        ("user", "Hello"),
    ]
    assert llm["output_messages"][0]["content"] == "Hi."
    assert (llm["provider"], llm["model"]) == ("anthropic", "claude-3-5-sonnet-20241022")


def test_responses_api_items_become_messages_and_tool_calls(db: Database, tmp_path: Path) -> None:
    inputs = {
        "model": "gpt-4.1",
        "instructions": "Use tools.",
        "input": [
            {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "Weather?"}],
            },
            {"type": "function_call", "call_id": "c0", "name": "geo", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c0", "output": "Paris"},
        ],
    }
    outputs = {
        "object": "response",
        "model": "gpt-4.1-2025-04-14",
        "output": [
            {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Need weather."}]},
            {
                "type": "function_call",
                "call_id": "c1",
                "name": "weather",
                "arguments": '{"city": "Paris"}',
            },
        ],
        "usage": {
            "input_tokens": 50,
            "output_tokens": 5,
            "input_tokens_details": {"cached_tokens": 10},
            "output_tokens_details": {"reasoning_tokens": 3},
        },
    }
    span = v3_span(LLM, "Responses", "LLM", mlflow__spanInputs=inputs, mlflow__spanOutputs=outputs)
    run(db, write_json(tmp_path / "responses.json", {"spans": [span]}, indent=2))
    llm = span_detail(db, TRACE, LLM)
    assert [m["role"] for m in llm["input_messages"]] == ["system", "user", "assistant", "tool"]
    assert llm["input_messages"][1]["content"] == "Weather?"
    assert llm["input_messages"][3]["tool_call_id"] == "c0"
    assert [(c["call_id"], c["name"]) for c in llm["tool_calls"]] == [("c1", "weather")]
    assert (llm["input_tokens"], llm["cache_read_tokens"], llm["reasoning_tokens"]) == (50, 10, 3)


def test_large_document_is_recognised_past_the_sample(db: Database, tmp_path: Path) -> None:
    """More than the 256 KB the sniffer sees: recognised from MLflow's JSON-encoded span type."""
    big = v3_span(ROOT, "big", "CHAIN", mlflow__spanInputs={"text": "x" * 400_000})
    path = write_json(tmp_path / "big.json", {"spans": [big]}, indent=2)
    assert path.stat().st_size > 256 * 1024
    [result] = run(db, path)
    assert (result.status, result.format, result.spans) == (ImportStatus.IMPORTED, "mlflow", 1)


# --- bad input -------------------------------------------------------------------------------


def test_truncated_file_fails_alone(db: Database, tmp_path: Path) -> None:
    good = write_json(tmp_path / "good.json", agent_trace(), indent=2)
    text = json.dumps(agent_trace(), indent=2)
    bad = tmp_path / "cut.json"
    bad.write_text(text[: len(text) // 2])
    results = run(db, good, bad)
    assert results[0].status is ImportStatus.IMPORTED
    assert results[1].status is ImportStatus.FAILED and results[1].format == "mlflow"
    assert str(bad) in results[1].error and "not valid JSON at line" in results[1].error
    assert counts(db) == (4, 1, 1)


def test_one_bad_line_rolls_back_the_whole_file(db: Database, tmp_path: Path) -> None:
    run(db, write_json(tmp_path / "first.json", agent_trace(), indent=2))
    before = counts(db)
    lines = [
        json.dumps(
            {
                "info": {"trace_id": f"tr-{n:032x}"},
                "data": {"spans": [dict(v3_span(ROOT, "r", "CHAIN"), trace_id=b64(f"{n:032x}"))]},
            }
        )
        for n in (7, 8, 9)
    ]
    lines[1] = lines[1][:40]
    path = tmp_path / "lines.jsonl"
    path.write_text("\n".join(lines) + "\n")
    [result] = run(db, path)
    assert result.status is ImportStatus.FAILED
    assert f"{path}: not valid JSON at line 2" in result.error
    assert counts(db) == before


def test_a_line_without_a_trace_is_a_bad_record(db: Database, tmp_path: Path) -> None:
    good = json.dumps({"spans": [v3_span(ROOT, "r", "CHAIN")]})
    path = tmp_path / "lines.jsonl"
    path.write_text(f'{good}\n{{"note": "not a trace"}}\n')
    [result] = run(db, path)
    assert result.status is ImportStatus.FAILED
    assert result.error == f"{path}: line 2 holds no MLflow trace"
    assert counts(db) == (0, 0, 0)


def test_bad_span_names_the_record_and_span(db: Database, tmp_path: Path) -> None:
    trace = agent_trace()
    trace["data"]["spans"][1]["start_time_unix_nano"] = "yesterday"
    [result] = run(db, write_json(tmp_path / "bad.json", [agent_trace(), trace], indent=2))
    assert result.status is ImportStatus.FAILED
    assert "record 2, span 2" in result.error and "yesterday" in result.error
    assert counts(db) == (0, 0, 0)


@pytest.mark.parametrize(
    "content",
    [
        # Phoenix span export: the same context/parent_id layout, but ISO times and no mlflow.* keys.
        [
            {
                "name": "llm",
                "context": {"trace_id": "abc", "span_id": "def"},
                "parent_id": None,
                "span_kind": "LLM",
                "start_time": "2024-01-01T00:00:00Z",
                "end_time": "2024-01-01T00:00:01Z",
                "status_code": "OK",
                "attributes": {"llm.model_name": "gpt-4o"},
            }
        ],
        # OTel console dump.
        {
            "name": "chat",
            "context": {"trace_id": "0xabc", "span_id": "0xdef", "trace_state": "[]"},
            "kind": "SpanKind.CLIENT",
            "parent_id": None,
            "start_time": "2024-01-01T00:00:00.000000Z",
            "end_time": "2024-01-01T00:00:01.000000Z",
            "status": {"status_code": "UNSET"},
            "attributes": {},
        },
        # OTLP spans with snake_case keys but no resource wrapper.
        {
            "spans": [
                {
                    "trace_id": "AAAA",
                    "span_id": "BBBB",
                    "name": "x",
                    "start_time_unix_nano": "1",
                    "attributes": [{"key": "a", "value": {"string_value": "b"}}],
                }
            ]
        },
        # Something with a span list that is not MLflow's.
        {"spans": [{"name": "x", "duration": 3}]},
        # An Inspect eval log.
        {
            "version": 2,
            "status": "success",
            "eval": {"task": "t", "model": "openai/gpt-4o"},
            "samples": [],
        },
    ],
)
def test_other_formats_are_not_claimed(tmp_path: Path, content: Any) -> None:
    path = write_json(tmp_path / "other.json", content, indent=2)
    assert MlflowTrace().sniff(read_sample(path)) is False


@pytest.mark.corpus
def test_corpus_files_of_other_formats_are_not_claimed(corpus: Path) -> None:
    sniffer = MlflowTrace()
    claimed = [
        p.name
        for p in sorted(corpus.rglob("*"))
        if p.is_file()
        and p.suffix != ".md"
        and p.parent.name != "mlflow"
        and sniffer.sniff(read_sample(p))
    ]
    assert claimed == []


# -- what an engineer sees, on every corpus file of the format ----------------------------------

# input and output tokens over each file's traces, as recorded in it
test_engineer_view = corpus_view_test(
    "mlflow",
    {
        "mlflow-website-blog_bedrock-chatmodel_trace-v2_EXCERPT-2-spans.json": (0, 0),
        "mnorberg-blog_databricks-agent-response-with-mlflow-v3-trace_predict-flagged.json": (0, 0),
        "mnorberg-blog_databricks-agent-response-with-mlflow-v3-trace_predict-ok.json": (27, 641),
    },
)


def test_responses_server_tool_items_are_kept_as_calls() -> None:
    from spanscope.importers.mlflow.conventions import response_items

    items = [
        {
            "type": "web_search_call",
            "id": "ws_1",
            "status": "completed",
            "action": {"type": "search", "query": "refund policy"},
        },
        {"type": "image_generation_call", "id": "ig_1", "status": "completed", "result": "b64"},
        {"type": "local_shell_call", "id": "ls_1", "action": {"command": ["ls"]}},
        {"type": "message", "role": "assistant", "content": "Done."},
    ]
    search, image, other, answer = response_items(items)
    call, response = search["content"]
    assert (call["type"], call["name"], call["id"]) == ("server_tool_call", "web_search", "ws_1")
    assert json.loads(call["arguments"])["query"] == "refund policy"
    assert (response["type"], response["id"]) == ("server_tool_call_response", "ws_1")
    assert image["content"][0]["name"] == "image_generation"
    # an item not read is kept as it was
    assert other["content"][0]["type"] == "local_shell_call"
    assert "ls" in other["content"][0]["content"]
    assert answer == {"role": "assistant", "content": "Done."}
