"""LangSmith runs: the corpus batch payloads map as read by hand, each quirk of the format is
handled (post+patch merge, JS patches without id, epoch-ms times, dotted_order), and bad files
fail alone without touching the database."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import zstandard

from engineer_view import corpus_view_test
from otlp_builder import write_json
from spanscope.importers.base import read_sample
from spanscope.importers.langsmith import LangSmithRuns
from spanscope.model import ImportStatus
from spanscope.store import Database, queries
from store_checks import attributes, counts, imported, run, span_by_id

LANGSMITH = "langsmith"


# --- conformance: every corpus file --------------------------------------------------------
#
# Each file is one /runs/batch body with one post and one patch of the same llm run. Values read
# from the files: the run id (post "id"; the JS patch has none), ls_model_name (request model),
# outputs.model (response model), outputs.usage_metadata (input/output/total, cache_read,
# reasoning), the user message of inputs.messages, start_time (post) and end_time (patch).
CORPUS_FILES: dict[str, dict[str, Any]] = {
    "langsmith-sdk_langsmith_js_wrap_openai_default.json": {
        "id": "dc34609e-3eeb-459d-bc2a-6fedb01d2e6e",
        "models": ("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
        "usage": (9, 9, 18, 0, 0),
        "prompt": "howdy",
        "answer": "Howdy! How can I assist you today?",
        "times": (1728803137170 * 1_000_000, 1728803138285 * 1_000_000),  # epoch-ms numbers
        "events": 0,
    },
    "langsmith-sdk_langsmith_js_wrap_openai_reasoning.json": {
        "id": "e954b8e3-c337-4a05-bf0a-ca2baac3ba48",
        "models": ("o1-mini", "o1-mini-2024-09-12"),
        "usage": (43, 1901, 1944, 0, 960),
        "prompt": "Write a bash script that takes a matrix",
        "answer": "Certainly! Below is a Bash script",
        "times": (1728803138291 * 1_000_000, 1728803148730 * 1_000_000),
        "events": 0,
    },
    "langsmith-sdk_langsmith_py_wrap_openai_.json": {
        "id": "d0d84d31-923d-4cb5-94a8-40a0a0087578",
        "models": ("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
        "usage": (9, 9, 18, 0, 0),
        "prompt": "howdy",
        "answer": "Howdy! How can I assist you today?",
        # 2024-10-11T20:58:23.298773+00:00 → 20:58:24.417106+00:00
        "times": (1728680303_298773000, 1728680304_417106000),
        "events": 0,
    },
    "langsmith-sdk_langsmith_py_wrap_openai_reasoning.json": {
        "id": "a8b34ded-ccd2-4fb7-bccb-9cd625066a14",
        "models": ("o1-mini", "o1-mini-2024-09-12"),
        "usage": (43, 2497, 2540, 0, 1408),
        "prompt": "Write a bash script that takes a matrix",
        "answer": "Certainly! Below is a **Bash script**",
        # 2024-10-11T20:58:24.544431+00:00 → 20:58:39.682524+00:00
        "times": (1728680304_544431000, 1728680319_682524000),
        "events": 0,
    },
    "langsmith-sdk_langsmith_py_wrap_openai_stream.json": {
        "id": "fe8ffecb-72ce-4cd2-bdb7-01f34654c391",
        "models": ("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
        "usage": (9, 9, 18, 0, 0),
        "prompt": "howdy",
        "answer": "Howdy! How can I assist you today?",
        # 2024-10-11T20:58:20.695375+00:00 → 20:58:22.023816+00:00; 12 new_token events in the patch
        "times": (1728680300_695375000, 1728680302_023816000),
        "events": 12,
    },
}


def test_every_corpus_file_is_listed(corpus: Path) -> None:
    assert sorted(p.name for p in (corpus / "langsmith").iterdir()) == sorted(CORPUS_FILES)


@pytest.mark.parametrize("name", sorted(CORPUS_FILES))
def test_corpus_file(db: Database, corpus: Path, name: str) -> None:
    expected = CORPUS_FILES[name]
    result = imported(db, corpus / "langsmith" / name, fmt=LANGSMITH)
    assert (result.spans, result.traces) == (1, 1)  # post + patch merged into one run
    assert result.warnings == []
    llm = span_by_id(db, expected["id"])
    assert llm["trace_id"] == expected["id"] and llm["parent_span_id"] is None
    assert (llm["kind"], llm["name"], llm["provider"]) == ("llm", "ChatOpenAI", "openai")
    assert (llm["request_model"], llm["response_model"]) == expected["models"]
    usage = (
        llm["input_tokens"],
        llm["output_tokens"],
        llm["total_tokens"],
        llm["cache_read_tokens"],
        llm["reasoning_tokens"],
    )
    assert usage == expected["usage"]
    assert [m["role"] for m in llm["input_messages"]] == ["user"]
    assert llm["input_messages"][0]["content"].startswith(expected["prompt"])
    [answer] = llm["output_messages"]
    assert (answer["role"], answer["content"].startswith(expected["answer"])) == ("assistant", True)
    assert (llm["start_ns"], llm["end_ns"]) == expected["times"]
    assert len(json.loads(llm["events"])) == expected["events"]
    assert llm["status"] == "unset"
    raw = attributes(span_by_id(db, expected["id"]))
    assert raw["langsmith.session_name"] == "default"
    assert raw["langsmith.run.extra"]["metadata"]["ls_model_name"] == expected["models"][0]
    assert "messages" not in raw["langsmith.run.inputs"]  # kept once, as gen_ai.input.messages
    assert "choices" not in raw["langsmith.run.outputs"]


def test_reasoning_tokens_are_inside_output(db: Database, corpus: Path) -> None:
    imported(
        db,
        corpus / "langsmith" / "langsmith-sdk_langsmith_py_wrap_openai_reasoning.json",
        fmt=LANGSMITH,
    )
    trace = queries.trace_summary(db.reader(), "a8b34ded-ccd2-4fb7-bccb-9cd625066a14")
    assert trace is not None
    assert (trace["input_tokens"], trace["output_tokens"]) == (43, 2497)  # 1408 of them reasoning
    assert trace["models"] == ["o1-mini-2024-09-12"]


def test_stream_events_are_kept(db: Database, corpus: Path) -> None:
    imported(
        db,
        corpus / "langsmith" / "langsmith-sdk_langsmith_py_wrap_openai_stream.json",
        fmt=LANGSMITH,
    )
    events = json.loads(span_by_id(db, "fe8ffecb-72ce-4cd2-bdb7-01f34654c391")["events"])
    assert {e["name"] for e in events} == {"new_token"}
    assert events[0]["time_ns"] == 1728680301_933794000  # "2024-10-11T20:58:21.933794+00:00"
    assert json.loads(events[1]["attributes"]["langsmith.event.kwargs"])["token"]["choices"][0][
        "delta"
    ] == {"content": "Howdy"}


# --- quirks -------------------------------------------------------------------------------

ROOT = "1f0a5c8e-0000-4000-8000-000000000001"
LLM = "1f0a5c8e-0000-4000-8000-000000000002"
TOOL = "1f0a5c8e-0000-4000-8000-000000000003"
T0 = "2024-10-11T20:58:23.000000+00:00"


def dotted(*parts: tuple[str, str]) -> str:
    return ".".join(f"{stamp}Z{run_id}" for stamp, run_id in parts)


def lc(cls: str, **kwargs: Any) -> dict[str, Any]:
    return {
        "lc": 1,
        "type": "constructor",
        "id": ["langchain", "schema", "messages", cls],
        "kwargs": kwargs,
    }


def test_python_post_and_patch_are_merged(db: Database, tmp_path: Path) -> None:
    batch = {
        "post": [
            {
                "id": ROOT,
                "trace_id": ROOT,
                "name": "agent",
                "run_type": "chain",
                "start_time": T0,
                "dotted_order": dotted(("20241011T205823000000", ROOT)),
                "inputs": {"question": "hi"},
                "extra": {"metadata": {"thread_id": "th-1"}},
                "tags": ["beta"],
                "session_name": "proj",
            }
        ],
        "patch": [
            {
                "id": ROOT,
                "trace_id": ROOT,
                "end_time": "2024-10-11T20:58:25.500000+00:00",
                "outputs": {"answer": "hello"},
                "extra": {"metadata": {"revision": "r2"}},
            }
        ],
    }
    result = imported(db, write_json(tmp_path / "batch.json", batch), fmt=LANGSMITH)
    assert (result.spans, result.traces) == (1, 1)
    root = span_by_id(db, ROOT)
    assert (root["kind"], root["duration_ns"], root["session_id"], root["tags"]) == (
        "chain",
        2_500_000_000,
        "th-1",
        ["beta"],
    )
    raw = attributes(span_by_id(db, ROOT))
    assert json.loads(raw["input.value"]) == {"question": "hi"}
    assert json.loads(raw["output.value"]) == {"answer": "hello"}
    assert raw["langsmith.run.extra"]["metadata"] == {
        "thread_id": "th-1",
        "revision": "r2",
    }  # merged
    assert raw["langsmith.session_name"] == "proj"


def test_js_patch_without_id_matched_by_dotted_order(db: Database, tmp_path: Path) -> None:
    order_root = dotted(("20241013T070537170001", ROOT))
    order_llm = dotted(("20241013T070537170001", ROOT), ("20241013T070537171002", LLM))
    runtime = {"sdk": "langsmith-js", "runtime": "node"}
    batch = {
        "post": [
            {
                "id": ROOT,
                "trace_id": ROOT,
                "name": "root",
                "run_type": "chain",
                "start_time": 1728803137170,
                "dotted_order": order_root,
                "extra": {"runtime": runtime},
                "inputs": {},
            },
            {
                "id": LLM,
                "trace_id": ROOT,
                "parent_run_id": ROOT,
                "name": "ChatOpenAI",
                "run_type": "llm",
                "start_time": 1728803137171,
                "dotted_order": order_llm,
                "extra": {"runtime": runtime},
                "inputs": {"messages": [{"role": "user", "content": "hey"}]},
            },
        ],
        "patch": [  # no ids, as the JS SDK sends them
            {
                "trace_id": ROOT,
                "dotted_order": order_llm,
                "end_time": 1728803138000,
                "outputs": {
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "yo"},
                            "finish_reason": "stop",
                        }
                    ]
                },
            },
            {
                "trace_id": ROOT,
                "dotted_order": order_root,
                "end_time": 1728803138100,
                "outputs": {"done": True},
            },
        ],
    }
    result = imported(db, write_json(tmp_path / "js.json", batch), fmt=LANGSMITH)
    assert (result.spans, result.traces) == (2, 1)
    llm = span_by_id(db, LLM)
    assert (llm["parent_span_id"], llm["start_ns"], llm["end_ns"]) == (
        ROOT,
        1728803137171_000000,
        1728803138000_000000,
    )
    assert llm["output_messages"][0]["content"] == "yo"
    assert span_by_id(db, ROOT)["end_ns"] == 1728803138100_000000


def test_dotted_order_gives_ancestry_and_start(db: Database, tmp_path: Path) -> None:
    root_part = ("20241011T205823000001", ROOT)
    llm_part = ("20241011T205823100002", LLM)
    tool_part = ("20241011T205823250003", TOOL)
    runs = [  # neither trace_id nor parent_run_id nor start_time
        {"id": ROOT, "name": "agent", "run_type": "chain", "dotted_order": dotted(root_part)},
        {"id": LLM, "name": "llm", "run_type": "llm", "dotted_order": dotted(root_part, llm_part)},
        {
            "name": "search",
            "run_type": "tool",
            "dotted_order": dotted(root_part, llm_part, tool_part),
        },  # no id either
    ]
    result = imported(db, write_json(tmp_path / "runs.json", runs), fmt=LANGSMITH)
    assert (result.spans, result.traces) == (3, 1)
    tool = span_by_id(db, TOOL)
    assert (tool["trace_id"], tool["parent_span_id"]) == (ROOT, LLM)
    assert tool["start_ns"] == 1728680303_250003000  # microseconds of the Python SDK, exact
    assert span_by_id(db, LLM)["parent_span_id"] == ROOT


def test_js_dotted_order_time_keeps_milliseconds_only(db: Database, tmp_path: Path) -> None:
    run_record = {
        "id": LLM,
        "trace_id": LLM,
        "run_type": "llm",
        "name": "x",
        "dotted_order": dotted(("20241013T070537170001", LLM)),
        "extra": {"runtime": {"sdk": "langsmith-js"}},
    }
    imported(db, write_json(tmp_path / "one.json", run_record), fmt=LANGSMITH)
    assert span_by_id(db, LLM)["start_ns"] == 1728803137_170000000  # 170 ms; "001" is a counter


def test_langchain_serialised_messages_and_usage(db: Database, tmp_path: Path) -> None:
    ai = lc(
        "AIMessage",
        content="",
        type="ai",
        tool_calls=[
            {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1", "type": "tool_call"}
        ],
        usage_metadata={
            "input_tokens": 120,
            "output_tokens": 30,
            "total_tokens": 150,
            "input_token_details": {"cache_read": 100},
            "output_token_details": {"reasoning": 10},
        },
        response_metadata={"model_name": "gpt-4o-2024-08-06", "finish_reason": "tool_calls"},
    )
    record = {
        "id": LLM,
        "trace_id": LLM,
        "name": "ChatOpenAI",
        "run_type": "llm",
        "start_time": T0,
        "end_time": "2024-10-11T20:58:24+00:00",
        "inputs": {
            "messages": [
                [
                    lc("SystemMessage", content="Be brief.", type="system"),
                    lc("HumanMessage", content="Weather in Paris?", type="human"),
                ]
            ]
        },
        "outputs": {
            "generations": [
                [
                    {
                        "text": "",
                        "type": "ChatGeneration",
                        "message": ai,
                        "generation_info": {"finish_reason": "tool_calls"},
                    }
                ]
            ],
            "llm_output": {"model_name": "gpt-4o-2024-08-06"},
            "run": None,
            "type": "LLMResult",
        },
        "extra": {
            "metadata": {"ls_provider": "openai", "ls_model_name": "gpt-4o", "ls_temperature": 0.2},
            "invocation_params": {"model": "gpt-4o", "temperature": 0.2, "stream": False},
        },
    }
    imported(db, write_json(tmp_path / "lc.json", record), fmt=LANGSMITH)
    llm = span_by_id(db, LLM)
    assert [(m["role"], m["content"]) for m in llm["input_messages"]] == [
        ("system", "Be brief."),
        ("user", "Weather in Paris?"),
    ]
    assert [(c["call_id"], c["name"], json.loads(c["arguments"])) for c in llm["tool_calls"]] == [
        ("call_1", "get_weather", {"city": "Paris"})
    ]
    # LangChain's input_tokens already include the cached ones; output_tokens include reasoning
    assert (
        llm["input_tokens"],
        llm["output_tokens"],
        llm["cache_read_tokens"],
        llm["reasoning_tokens"],
    ) == (120, 30, 100, 10)
    assert (llm["request_model"], llm["response_model"], llm["provider"]) == (
        "gpt-4o",
        "gpt-4o-2024-08-06",
        "openai",
    )
    assert json.loads(llm["params"]) == {"model": "gpt-4o", "temperature": 0.2, "stream": False}
    raw = attributes(span_by_id(db, LLM))
    # the invocation parameters are kept once, as llm.invocation_parameters
    assert "invocation_params" not in raw["langsmith.run.extra"]
    # the serialised generation says more than its messages, so it is kept as well
    [[generation]] = raw["langsmith.run.outputs"]["generations"]
    assert generation["message"]["kwargs"]["response_metadata"]["finish_reason"] == "tool_calls"


def test_anthropic_usage_adds_cache_to_input(db: Database, tmp_path: Path) -> None:
    record = {
        "id": LLM,
        "trace_id": LLM,
        "name": "claude",
        "run_type": "llm",
        "start_time": T0,
        "inputs": {"messages": [{"role": "user", "content": "hi"}]},
        "outputs": {
            "role": "assistant",
            "content": [{"type": "text", "text": "hello"}],
            "model": "claude-x",
            "usage": {
                "input_tokens": 3,
                "cache_read_input_tokens": 100,
                "cache_creation_input_tokens": 20,
                "output_tokens": 50,
            },
        },
    }
    imported(db, write_json(tmp_path / "anthropic.json", record), fmt=LANGSMITH)
    llm = span_by_id(db, LLM)
    assert (
        llm["input_tokens"],
        llm["cache_read_tokens"],
        llm["cache_write_tokens"],
        llm["output_tokens"],
    ) == (123, 100, 20, 50)
    assert llm["output_messages"][0]["content"] == "hello"


def test_run_types_retriever_tool_and_errors(db: Database, tmp_path: Path) -> None:
    def r(run_id: str, run_type: str, **fields: Any) -> dict[str, Any]:
        return {
            "id": run_id,
            "trace_id": ROOT,
            "parent_run_id": None if run_id == ROOT else ROOT,
            "name": run_id,
            "run_type": run_type,
            "start_time": T0,
            **fields,
        }

    runs = [
        r(
            ROOT,
            "chain",
            error="ValueError('boom')\n\nTraceback (most recent call last):\n  File \"x.py\"\nValueError: boom",
        ),
        r(
            "ret",
            "retriever",
            inputs={"query": "refunds"},
            outputs={
                "documents": [
                    {
                        "page_content": "Refunds within 30 days.",
                        "metadata": {"source": "faq.md"},
                        "type": "Document",
                    },
                    lc("Document", page_content="Shipping takes 3 days.", metadata={"id": "d2"}),
                ]
            },
        ),
        r("tool", "tool", inputs={"input": "{'city': 'Paris'}"}, outputs={"output": "sunny"}),
        r(
            "tool2",
            "tool",
            inputs={"city": "Rome"},
            outputs={
                "output": lc("ToolMessage", content="rainy", tool_call_id="call_9", type="tool")
            },
        ),
        r("parse", "parser"),
        r("tmpl", "prompt"),
        r("emb", "embedding"),
        r("odd", "weird"),
        r("failed", "llm", status="error"),
    ]
    path = tmp_path / "runs.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in runs))
    result = imported(db, path, fmt=LANGSMITH)
    assert (result.spans, result.traces) == (9, 1)
    root = span_by_id(db, ROOT)
    assert (root["status"], root["error_type"], root["status_message"]) == (
        "error",
        "ValueError",
        "boom",
    )
    [exception] = [e for e in json.loads(root["events"]) if e["name"] == "exception"]
    assert exception["attributes"]["exception.stacktrace"].startswith("ValueError('boom')")
    retriever = span_by_id(db, "ret")
    assert retriever["preview"] == "refunds"
    assert [(d["document_id"], d["content"]) for d in retriever["documents"]] == [
        (None, "Refunds within 30 days."),
        ("d2", "Shipping takes 3 days."),
    ]
    assert json.loads(retriever["documents"][0]["metadata"]) == {"source": "faq.md"}
    [call] = span_by_id(db, "tool")["tool_calls"]
    assert (call["name"], call["arguments"], call["result"]) == (
        "tool",
        "{'city': 'Paris'}",
        "sunny",
    )
    [call] = span_by_id(db, "tool2")["tool_calls"]
    assert (call["call_id"], json.loads(call["arguments"]), call["result"]) == (
        "call_9",
        {"city": "Rome"},
        "rainy",
    )
    got = {s: span_by_id(db, s)["kind"] for s in ("parse", "tmpl", "emb", "odd", "failed")}
    assert got == {
        "parse": "chain",
        "tmpl": "prompt",
        "emb": "embedding",
        "odd": "other",
        "failed": "llm",
    }
    assert span_by_id(db, "failed")["status"] == "error"
    trace = queries.trace_summary(db.reader(), ROOT)
    assert trace is not None and trace["error_count"] == 2


def test_file_shapes(db: Database, tmp_path: Path) -> None:
    def r(run_id: str, trace: str) -> dict[str, Any]:
        return {
            "id": run_id,
            "trace_id": trace,
            "name": run_id,
            "run_type": "chain",
            "start_time": T0,
        }

    single = write_json(tmp_path / "single.json", r("a", "t1"))
    listed = write_json(tmp_path / "list.json", [r("b", "t2"), r("c", "t2")])
    query = write_json(tmp_path / "query.json", {"runs": [r("d", "t3")], "cursors": {"next": None}})
    zipped = tmp_path / "runs.data"
    zipped.write_bytes(
        gzip.compress(
            json.dumps(r("e", "t4")).encode() + b"\n" + json.dumps(r("f", "t4")).encode() + b"\n"
        )
    )
    results = run(db, single, listed, query, zipped)
    assert [(x.status, x.format, x.spans) for x in results] == [
        (ImportStatus.IMPORTED, LANGSMITH, n) for n in (1, 2, 1, 2)
    ]


def test_zstd_and_large_first_post(db: Database, tmp_path: Path) -> None:
    # Python SDK key order: run_type comes after the (here very large) inputs
    post = {
        "id": LLM,
        "start_time": T0,
        "dotted_order": dotted(("20241011T205823000000", LLM)),
        "trace_id": LLM,
        "name": "ChatOpenAI",
        "inputs": {"messages": [{"role": "user", "content": "z" * 300_000}]},
        "run_type": "llm",
    }
    path = tmp_path / "batch.zst"
    path.write_bytes(
        zstandard.ZstdCompressor().compress(json.dumps({"post": [post], "patch": []}).encode())
    )
    result = imported(db, path, fmt=LANGSMITH)
    assert result.spans == 1
    assert len(span_by_id(db, LLM)["input_messages"][0]["content"]) == 300_000


def test_post_and_patch_on_separate_lines(db: Database, tmp_path: Path) -> None:
    order = dotted(("20241011T205823000000", LLM))
    lines = [
        {
            "post": [
                {
                    "id": LLM,
                    "trace_id": LLM,
                    "name": "ChatOpenAI",
                    "run_type": "llm",
                    "start_time": T0,
                    "dotted_order": order,
                    "inputs": {"messages": [{"role": "user", "content": "hi"}]},
                }
            ]
        },
        {
            "patch": [
                {
                    "trace_id": LLM,
                    "dotted_order": order,
                    "end_time": "2024-10-11T20:58:24+00:00",
                    "outputs": {
                        "choices": [{"message": {"role": "assistant", "content": "hello"}}],
                        "usage_metadata": {
                            "input_tokens": 5,
                            "output_tokens": 2,
                            "total_tokens": 7,
                        },
                    },
                }
            ]
        },
    ]
    path = tmp_path / "batches.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    result = imported(db, path, fmt=LANGSMITH)
    assert (result.spans, result.traces) == (1, 1)
    llm = span_by_id(db, LLM)
    assert (llm["kind"], llm["duration_ns"], llm["input_tokens"], llm["output_tokens"]) == (
        "llm",
        1_000_000_000,
        5,
        2,
    )
    assert [m["content"] for m in llm["input_messages"]] == ["hi"]
    assert [m["content"] for m in llm["output_messages"]] == ["hello"]


def test_trace_from_parent_seen_later(db: Database, tmp_path: Path) -> None:
    runs = [  # old exports: no trace_id, no dotted_order; the child comes first
        {"id": TOOL, "parent_run_id": LLM, "name": "t", "run_type": "tool", "start_time": T0},
        {"id": LLM, "parent_run_id": ROOT, "name": "l", "run_type": "llm", "start_time": T0},
        {"id": ROOT, "name": "r", "run_type": "chain", "start_time": T0},
    ]
    result = imported(db, write_json(tmp_path / "old.json", runs), fmt=LANGSMITH)
    assert (result.spans, result.traces) == (3, 1)
    assert span_by_id(db, TOOL)["trace_id"] == ROOT


# --- bad input ----------------------------------------------------------------------------


def test_truncated_batch_fails_alone(db: Database, corpus: Path, tmp_path: Path) -> None:
    text = (corpus / "langsmith" / "langsmith-sdk_langsmith_py_wrap_openai_stream.json").read_text()
    cut = tmp_path / "cut.json"
    cut.write_text(text[: len(text) // 2])
    good = write_json(
        tmp_path / "good.json",
        {"id": "a", "trace_id": "a", "run_type": "chain", "name": "a", "start_time": T0},
    )
    bad_result, good_result = run(db, cut, good)
    assert (bad_result.status, bad_result.format) == (ImportStatus.FAILED, LANGSMITH)
    assert bad_result.error.startswith(f"{cut}: invalid JSON at line ")
    assert good_result.status is ImportStatus.IMPORTED
    assert counts(db) == (1, 1, 1)


def test_one_broken_record_rolls_back_the_file(db: Database, tmp_path: Path) -> None:
    good = {"id": "a", "trace_id": "a", "run_type": "chain", "name": "a", "start_time": T0}
    path = tmp_path / "runs.jsonl"
    path.write_text(
        json.dumps(good) + "\n" + json.dumps({**good, "id": "b", "start_time": "not a time"}) + "\n"
    )
    [result] = run(db, path)
    assert result.status is ImportStatus.FAILED
    assert result.error == f"{path}: unreadable start_time 'not a time' at line 2"
    assert counts(db) == (0, 0, 0)


def test_bad_dotted_order_and_unmatched_patch(db: Database, tmp_path: Path) -> None:
    bad_order = {"id": "a", "run_type": "chain", "name": "a", "dotted_order": "yesterday"}
    [result] = run(db, write_json(tmp_path / "order.json", [bad_order]))
    assert result.status is ImportStatus.FAILED
    assert "dotted_order" in result.error and "record 1" in result.error
    batch = {
        "post": [{"id": "a", "run_type": "chain", "trace_id": "a"}],
        "patch": [{"trace_id": "a", "end_time": T0}],
    }
    [result] = run(db, write_json(tmp_path / "patch.json", batch))
    assert result.status is ImportStatus.FAILED
    assert "patch record 1 has neither an id nor a dotted_order" in result.error
    assert counts(db) == (0, 0, 0)


def test_other_formats_are_not_claimed(corpus: Path, tmp_path: Path) -> None:
    sniffer = LangSmithRuns()
    # every other file of the corpus (all formats), and near misses
    others = [
        p
        for p in sorted(corpus.rglob("*"))
        if p.is_file() and p.suffix != ".md" and p.parent.name != "langsmith"
    ]
    others += [
        write_json(tmp_path / "post.json", {"post": "hello"}),
        write_json(tmp_path / "patch.json", {"patch": [1, 2]}),
        write_json(tmp_path / "runs.json", {"runs": [{"id": "x"}]}),
    ]
    for path in others:
        assert not sniffer.sniff(read_sample(path)), path
    for path in sorted((corpus / "langsmith").iterdir()):
        assert sniffer.sniff(read_sample(path)), path


# -- what an engineer sees, on every corpus file of the format ----------------------------------

# input and output tokens over each file's traces, as recorded in it
test_engineer_view = corpus_view_test(
    "langsmith",
    {
        "langsmith-sdk_langsmith_js_wrap_openai_default.json": (9, 9),
        "langsmith-sdk_langsmith_js_wrap_openai_reasoning.json": (43, 1901),
        "langsmith-sdk_langsmith_py_wrap_openai_.json": (9, 9),
        "langsmith-sdk_langsmith_py_wrap_openai_reasoning.json": (43, 2497),
        "langsmith-sdk_langsmith_py_wrap_openai_stream.json": (9, 9),
    },
)
