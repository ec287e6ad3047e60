"""Langfuse trace exports: every corpus file maps as read by hand, each quirk of the format is
handled, and bad files fail alone without touching the database."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from engineer_view import check_file, corpus_view_test
from otlp_builder import write_json
from spanscope.importers.base import read_sample
from spanscope.importers.langfuse import LangfuseExport
from spanscope.model import ImportStatus
from spanscope.store import Database, queries
from store_checks import attributes, counts, imported, kinds, rows, run, span_by_id

LANGFUSE = "langfuse"


def tool_names(db: Database) -> list[str]:
    rows = (
        db.reader()
        .execute("SELECT tool_name FROM spans WHERE kind = 'tool' ORDER BY tool_name")
        .fetchall()
    )
    return [r[0] for r in rows]


# --- conformance: every corpus file --------------------------------------------------------
#
# Numbers read from the files themselves: spans = distinct observation ids (top-level list and
# trace.observations together); kinds from each observation's "type" (GENERATION→llm,
# SPAN/CHAIN→chain, AGENT→agent, TOOL→tool); tokens = the sum of usageDetails input/output over
# the GENERATION observations (no file has non-zero cache or reasoning details); models = the
# model names of the generations (response model where the OTel attributes name one); tools =
# the TOOL observations' gen_ai.tool.name attribute or their name.
CORPUS_FILES: dict[str, dict[str, Any]] = {
    "langfuse-framework-trace_claude-agent-2025-12-22.trace.json": {
        # 7 observations: GENERATION ×4, SPAN ×1 (claude.conversation), TOOL ×2
        "spans": 7,
        "kinds": {"llm": 4, "chain": 1, "tool": 2},
        # usageDetails 19/29, 5/53, 5/56, 5/94
        "tokens": (34, 232),
        "models": ["claude-sonnet-4-5-20250929"],
        "tools": ["mcp__weather__get_weather", "mcp__weather__get_weather"],
    },
    "langfuse-framework-trace_csharp-agent-with-gemini-2026-03-09.trace.json": {
        # GENERATION ×3 (chat gemini-2.5-flash), SPAN ×3, TOOL ×2
        "spans": 8,
        "kinds": {"llm": 3, "chain": 3, "tool": 2},
        # 2546/47, 3004/167, 2497/200
        "tokens": (8047, 414),
        "models": ["gemini-2.5-flash"],
        "tools": ["final_result", "get_custom_report"],
        "session": "9714061f-20c0-4d98-9220-1dc7df15c3c2",
        "user": "g.aprozeanu",
    },
    "langfuse-framework-trace_google-adk-2025-08-28.trace.json": {
        # CHAIN invocation, AGENT agent_run, GENERATION call_llm ×2, TOOL execute_tool say_hello
        "spans": 5,
        "kinds": {"chain": 1, "agent": 1, "llm": 2, "tool": 1},
        # 28/3, 39/6
        "tokens": (67, 9),
        "models": ["gemini-2.0-flash"],
        "tools": ["say_hello"],
        "session": "demo-session",
        "user": "demo-user",
    },
    "langfuse-framework-trace_koog-2025-08-26.trace.json": {
        # AGENT ×2, SPAN ×7 (node.* and tool.HelloTool / tool.ByeTool), GENERATION llm.chat ×2
        "spans": 11,
        "kinds": {"agent": 2, "chain": 7, "llm": 2},
        # 47/106, 168/19
        "tokens": (215, 125),
        "models": ["gpt-4o"],
        "tools": [],
        "session": "6f8d2449-33ed-4c7c-82e7-5410e34ee4e6",  # OTel gen_ai.conversation.id of the run
    },
    "langfuse-framework-trace_langgraph-python-2025-08-22.trace.json": {
        # SPAN ×7 (LangGraph, agent ×2, should_continue ×2, tools, Web-Search), GENERATION ×2
        "spans": 9,
        "kinds": {"chain": 7, "llm": 2},
        # 60/15, 108/51 (input_cache_read, output_reasoning, audio all 0)
        "tokens": (168, 66),
        "models": ["gpt-4o-2024-08-06"],
        "tools": [],
        "session": "demo-thread-1",  # metadata.thread_id; the trace has no sessionId
    },
    "langfuse-framework-trace_llamaindex-2025-06-05.trace.json": {
        "spans": 2,
        "kinds": {"chain": 1, "llm": 1},
        "tokens": (13, 81),
        "models": ["gpt-4o"],
        "tools": [],  # usageDetails input 13 output 81
        "session": "session_abc",
        "user": "user_123",
        "tags": ["llama-index", "rag"],
    },
    "langfuse-framework-trace_microsoft-agent-2025-12-17.trace.json": {
        # AGENT invoke_agent, GENERATION chat gpt-5-mini ×2, TOOL get_weather
        "spans": 4,
        "kinds": {"agent": 1, "llm": 2, "tool": 1},
        # 77/86, 216/20 (the AGENT's own 44/180 is not a model call)
        "tokens": (293, 106),
        "models": ["gpt-5-mini-2025-08-07"],
        "tools": ["get_weather"],
        # the second chat span's OTel gen_ai.conversation.id (the framework puts a response id there)
        "session": "resp_0e32bda5b6259ecd00694279e271348194a818447145cd1763",
    },
    "langfuse-framework-trace_openai-agents-2025-09-30.trace.json": {
        # AGENT ×2, GENERATION response ×2, TOOL get_weather
        "spans": 5,
        "kinds": {"agent": 2, "llm": 2, "tool": 1},
        "tokens": (140, 44),
        "models": ["gpt-4.1-2025-04-14"],
        "tools": ["get_weather"],  # 55/15, 85/29
    },
    "langfuse-framework-trace_pydantic-ai-tools-2025-12-04.trace.json": {
        # trace.observations is empty; the 12 are in the top-level list: SPAN ×5, GENERATION ×4, TOOL ×3
        "spans": 12,
        "kinds": {"chain": 5, "llm": 4, "tool": 3},
        # 265/73, 417/53, 502/14, 131/69
        "tokens": (1315, 209),
        "models": ["gpt-4o-mini-2024-07-18"],
        "tools": ["get_dad_joke_suggestion", "get_one_liner_suggestion", "get_pun_suggestion"],
        "tags": ["example", "joke-generator"],
    },
    "langfuse-framework-trace_vercel-aisdk-2025-11-17.trace.json": {
        # GENERATION ai.generateText and its child ai.generateText.doGenerate, TOOL getWeather
        "spans": 3,
        "kinds": {"llm": 2, "tool": 1},
        # 14/43 and 62/85; the wrapper names ai.model.id gpt-5, doGenerate the response gpt-5-2025-08-07
        "tokens": (76, 128),
        "models": ["gpt-5", "gpt-5-2025-08-07"],
        "tools": ["getWeather"],
    },
    "langfuse-seeder_openai-assistants-2024-05-29.json": {
        # old SDK: SPAN ×3 (three roots), GENERATION ×1 with endTime null and an empty name
        "spans": 4,
        "kinds": {"chain": 3, "llm": 1},
        "tokens": (49, 40),
        "models": ["gpt-4"],
        "tools": [],
    },
}


def test_every_corpus_file_is_listed(corpus: Path) -> None:
    assert sorted(p.name for p in (corpus / "langfuse").iterdir()) == sorted(CORPUS_FILES)


@pytest.mark.parametrize("name", sorted(CORPUS_FILES))
def test_corpus_file(db: Database, corpus: Path, name: str) -> None:
    expected = CORPUS_FILES[name]
    result = imported(db, corpus / "langfuse" / name, fmt=LANGFUSE)
    assert (result.spans, result.traces) == (expected["spans"], 1)
    assert kinds(db) == expected["kinds"]
    assert tool_names(db) == sorted(expected["tools"])
    [trace_id] = [r[0] for r in db.reader().execute("SELECT trace_id FROM traces").fetchall()]
    trace = queries.trace_summary(db.reader(), trace_id)
    assert trace is not None
    assert (trace["input_tokens"], trace["output_tokens"]) == expected["tokens"]
    assert trace["models"] == expected["models"]
    assert trace["error_count"] == 0  # every observation has level DEFAULT
    assert trace["session_id"] == expected.get("session")
    assert trace["user_id"] == expected.get("user")
    tags = db.reader().execute("SELECT DISTINCT tags FROM spans").fetchall()
    assert [t[0] for t in tags] == [expected.get("tags")]


def test_claude_agent_details(db: Database, corpus: Path) -> None:
    imported(
        db,
        corpus / "langfuse" / "langfuse-framework-trace_claude-agent-2025-12-22.trace.json",
        fmt=LANGFUSE,
    )
    first = span_by_id(db, "e9aac170e5d48125")  # the first assistant turn
    assert (first["kind"], first["model"], first["provider"]) == (
        "llm",
        "claude-sonnet-4-5-20250929",
        "anthropic",
    )
    assert (first["input_tokens"], first["output_tokens"], first["total_tokens"]) == (19, 29, 48)
    assert first["recorded_cost"] == pytest.approx(0.000492)  # costDetails.total
    assert [(m["role"], m["content"]) for m in first["input_messages"]] == [
        ("user", "What's the weather like in Berlin and New York?")
    ]
    assert (
        first["output_messages"][0]["content"]
        == "I'll check the weather in both Berlin and New York for you."
    )
    # output content is an Anthropic tool_use block
    call = span_by_id(db, "2cc13e77781787fd")["tool_calls"]
    assert [(c["call_id"], c["name"], json.loads(c["arguments"])) for c in call] == [
        ("toolu_01TKoqQLvY2UWuC49qnD48y7", "mcp__weather__get_weather", {"city": "Berlin"})
    ]
    tool = span_by_id(db, "f411dab686a064b1")
    assert json.loads(tool["tool_calls"][0]["arguments"]) == {"input": {"city": "Berlin"}}
    assert "Cloudy, 59°F" in tool["tool_calls"][0]["result"]
    root = attributes(span_by_id(db, "805dc5dff9e33e32"))
    # trace.input is the root's input encoded twice: decoded, it says nothing new, so it is not kept
    assert "langfuse.trace.input" not in root and "langfuse.trace.output" not in root
    assert root["langfuse.trace.name"] == "claude.conversation"
    assert [s["name"] for s in root["langfuse.trace.scores"]] == [
        "correctness",
        "hallucination",
        "toxicity",
    ]
    assert root["langsmith.span.kind"] == "chain"  # the original OTel attributes are merged in
    assert (
        span_by_id(db, "805dc5dff9e33e32")["service"] == "unknown_service"
    )  # metadata.resourceAttributes


def test_openinference_messages_are_used_when_recorded(db: Database, corpus: Path) -> None:
    imported(
        db,
        corpus / "langfuse" / "langfuse-framework-trace_openai-agents-2025-09-30.trace.json",
        fmt=LANGFUSE,
    )
    second = span_by_id(db, "90d94774e8e3724d")
    # llm.input_messages.* hold the system instructions and the tool round trip
    assert [m["role"] for m in second["input_messages"]] == ["system", "user", "assistant", "tool"]
    assert second["input_messages"][2]["tool_calls"][0]["name"] == "get_weather"
    assert second["output_messages"][0]["content"].startswith(
        "The weather in Tokyo is currently sunny."
    )
    assert (second["cache_read_tokens"], second["reasoning_tokens"]) == (0, 0)
    assert json.loads(second["params"])["temperature"] == 1  # modelParameters


def test_koog_tool_calls_written_as_content(db: Database, corpus: Path) -> None:
    imported(
        db,
        corpus / "langfuse" / "langfuse-framework-trace_koog-2025-08-26.trace.json",
        fmt=LANGFUSE,
    )
    llm = span_by_id(db, "042f9350c3729147")
    assert [(c["name"], c["call_id"]) for c in llm["tool_calls"]] == [
        ("HelloTool", "call_n2HaWg9KFP0BZDqXv6G4b3nJ"),
        ("ByeTool", "call_dOeEHJDI0liHrCdFWTpkTsuO"),
    ]
    assert [m["role"] for m in llm["input_messages"]] == ["system", "user"]


def test_langgraph_langchain_shapes(db: Database, corpus: Path) -> None:
    imported(
        db,
        corpus / "langfuse" / "langfuse-framework-trace_langgraph-python-2025-08-22.trace.json",
        fmt=LANGFUSE,
    )
    llm = span_by_id(db, "4f6535aaebcda355")
    assert llm["provider"] == "openai"  # metadata.ls_provider
    # the tool call sits in additional_kwargs
    assert [(c["name"], c["arguments"]) for c in llm["tool_calls"]] == [
        ("Web-Search", '{"query":"example"}')
    ]
    assert (llm["cache_read_tokens"], llm["reasoning_tokens"]) == (0, 0)
    assert json.loads(llm["params"]) == {"temperature": 0}
    assert attributes(span_by_id(db, "b024c7ee7680b708"))["input.value"].startswith(
        '{"messages": [{"content": "Search'
    )


def test_seeder_old_sdk(db: Database, corpus: Path) -> None:
    imported(
        db, corpus / "langfuse" / "langfuse-seeder_openai-assistants-2024-05-29.json", fmt=LANGFUSE
    )
    generation = span_by_id(db, "0d8f5427-c91a-44c8-86c5-e12d806edd57")
    assert generation["trace_id"] == "b3b7b128-5664-4f42-9fab-31999da9e2f1"  # UUIDs kept as written
    assert generation["parent_span_id"] == "0d6c73e1-be16-436d-a905-b4108912fa93"
    assert generation["name"] is None  # name ""
    assert generation["end_ns"] is None and generation["duration_ns"] is None  # endTime null
    assert generation["recorded_cost"] == pytest.approx(0.00387)
    assert [m["role"] for m in generation["input_messages"]] == ["assistant", "user"]
    roots = (
        db.reader().execute("SELECT count(*) FROM spans WHERE parent_span_id IS NULL").fetchone()
    )
    assert roots == (3,)
    earliest_start = span_by_id(db, "be59b862-98dd-4b0e-b92e-c150b9777c2f")
    first_root = attributes(earliest_start)
    assert first_root["langfuse.trace.input"] == {
        "args": ["I need to solve the equation `3x + 11 = 14`. Can you help me?"],
        "kwargs": {},
    }
    assert "langfuse.trace.input" not in attributes(
        span_by_id(db, "e584f95b-e8ef-4d43-bcb1-fd296f57f94b")
    )


def test_pydantic_metadata_as_dict(db: Database, corpus: Path) -> None:
    imported(
        db,
        corpus / "langfuse" / "langfuse-framework-trace_pydantic-ai-tools-2025-12-04.trace.json",
        fmt=LANGFUSE,
    )
    tool = span_by_id(db, "99ec63d0b5ecdbf5")  # name "running tool: get_pun_suggestion"
    assert tool["tool_name"] == "get_pun_suggestion"  # gen_ai.tool.name from metadata.attributes
    assert json.loads(tool["tool_calls"][0]["arguments"]) == {"topic": "programming"}
    root = attributes(span_by_id(db, "00d3f40ee8e3b716"))
    assert root["langfuse.trace.metadata"]["topic"] == "programming"


# --- quirks -------------------------------------------------------------------------------

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
T0 = "2025-11-28T14:00:00.000Z"


def observation(obs_id: str, obs_type: str = "SPAN", **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": obs_id,
        "traceId": TRACE,
        "parentObservationId": None,
        "type": obs_type,
        "name": obs_id,
        "startTime": T0,
        "endTime": "2025-11-28T14:00:01.500Z",
        "level": "DEFAULT",
        "statusMessage": None,
        "input": None,
        "output": None,
        "metadata": None,
    }
    out.update(fields)
    return out


def export(observations: list[dict[str, Any]], **trace: Any) -> dict[str, Any]:
    return {
        "trace": {"id": TRACE, "name": "t", "timestamp": T0, **trace},
        "observations": observations,
    }


def test_api_form_and_observations_only_inside_trace(db: Database, tmp_path: Path) -> None:
    api = {
        "id": TRACE,
        "timestamp": T0,
        "name": "api",
        "projectId": "p",
        "observations": [observation("a"), observation("b", parentObservationId="a")],
    }
    imported(db, write_json(tmp_path / "api.json", api), fmt=LANGFUSE)
    assert span_by_id(db, "b")["parent_span_id"] == "a"
    assert attributes(span_by_id(db, "a"))["langfuse.trace.name"] == "api"


def test_observations_deduplicated_across_both_lists(db: Database, tmp_path: Path) -> None:
    doc = export([observation("a"), observation("b", parentObservationId="a")])
    doc["trace"]["observations"] = [
        observation("b", parentObservationId="a"),
        observation("c", parentObservationId="a"),
    ]
    result = imported(db, write_json(tmp_path / "both.json", doc), fmt=LANGFUSE)
    assert (result.spans, result.traces) == (3, 1)
    assert result.warnings == []  # no repeated span records reached the store


def test_list_of_exports_and_json_lines(db: Database, tmp_path: Path) -> None:
    other = "11111111111111111111111111111111"
    first = export([observation("a")])
    second = {
        "trace": {"id": other, "timestamp": T0},
        "observations": [{**observation("z"), "traceId": other}],
    }
    result = imported(db, write_json(tmp_path / "list.json", [first, second]), fmt=LANGFUSE)
    assert (result.spans, result.traces) == (2, 2)
    lines = tmp_path / "exports.data.gz"
    lines.write_bytes(
        gzip.compress(("\n".join(json.dumps(d) for d in (first, second)) + "\n").encode())
    )
    other_db = Database.open(tmp_path / "other.duckdb")
    try:
        [result] = run(other_db, lines)
        assert (result.status, result.format, result.spans, result.traces) == (
            ImportStatus.IMPORTED,
            LANGFUSE,
            2,
            2,
        )
    finally:
        other_db.close()


def test_double_encoded_generation_input(db: Database, tmp_path: Path) -> None:
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}]
    generation = observation(
        "g",
        "GENERATION",
        model="gpt-4o",
        input=json.dumps(json.dumps(messages)),  # JSON text inside a JSON string
        output=json.dumps({"role": "assistant", "content": "Hello."}),
    )
    imported(db, write_json(tmp_path / "double.json", export([generation])), fmt=LANGFUSE)
    llm = span_by_id(db, "g")
    assert [(m["role"], m["content"]) for m in llm["input_messages"]] == [
        ("system", "Be brief."),
        ("user", "Hi?"),
    ]
    assert [(m["role"], m["content"]) for m in llm["output_messages"]] == [("assistant", "Hello.")]
    assert llm["model"] == "gpt-4o"
    raw = attributes(span_by_id(db, "g"))
    assert "input.value" not in raw  # a plain message list is kept once, as the messages


@pytest.mark.parametrize("as_string", [True, False])
def test_metadata_as_dict_or_string(db: Database, tmp_path: Path, as_string: bool) -> None:
    metadata = {
        "attributes": {
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.response.model": "gpt-4o-2024-08-06",
            "gen_ai.usage.input_tokens": 999,
            "custom.flag": True,
        },
        "resourceAttributes": {"service.name": "checkout"},
        "scope": {"name": "my-scope", "version": "1.0"},
        "customer": "acme",
    }
    generation = observation(
        "g",
        "GENERATION",
        model="gpt-4o-2024-08-06",
        metadata=json.dumps(metadata) if as_string else metadata,
        usageDetails={"input": 12, "output": 3, "total": 15},
    )
    imported(db, write_json(tmp_path / "meta.json", export([generation])), fmt=LANGFUSE)
    llm = span_by_id(db, "g")
    assert (llm["request_model"], llm["response_model"], llm["service"]) == (
        "gpt-4o",
        "gpt-4o-2024-08-06",
        "checkout",
    )
    assert llm["input_tokens"] == 12  # usageDetails win over the merged OTel attribute
    assert json.loads(llm["scope"]) == {"name": "my-scope", "version": "1.0"}
    raw = attributes(span_by_id(db, "g"))
    assert raw["custom.flag"] is True
    assert raw["langfuse.observation.metadata"] == {"customer": "acme"}


def test_end_time_null_and_events(db: Database, tmp_path: Path) -> None:
    spans = [
        observation("open", endTime=None),
        observation("ev", "EVENT", endTime=None, parentObservationId="open"),
    ]
    imported(db, write_json(tmp_path / "open.json", export(spans)), fmt=LANGFUSE)
    assert span_by_id(db, "open")["end_ns"] is None
    event = span_by_id(db, "ev")
    assert (event["kind"], event["duration_ns"]) == ("event", 0)


def test_levels_and_status_messages(db: Database, tmp_path: Path) -> None:
    spans = [
        observation("bad", "TOOL", level="ERROR", statusMessage="rate limited"),
        observation("warn", level="WARNING", statusMessage="slow response"),
    ]
    imported(db, write_json(tmp_path / "levels.json", export(spans)), fmt=LANGFUSE)
    bad = span_by_id(db, "bad")
    assert (bad["status"], bad["status_message"]) == ("error", "rate limited")
    warn = span_by_id(db, "warn")
    assert (warn["status"], warn["status_message"]) == ("unset", "slow response")
    assert attributes(span_by_id(db, "warn"))["langfuse.observation.level"] == "WARNING"
    trace = queries.trace_summary(db.reader(), TRACE)
    assert trace is not None and trace["error_count"] == 1


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        # Langfuse SDK style: the keys add up, input/output exclude cache and reasoning
        (
            {
                "input": 20,
                "input_cache_read": 80,
                "output": 30,
                "output_reasoning": 10,
                "total": 140,
            },
            (100, 40, 80, 10, 140),
        ),
        # OpenInference style: details are subsets of prompt/completion
        (
            {
                "input": 100,
                "prompt_details.cache_read": 80,
                "output": 40,
                "completion_details.reasoning": 10,
                "total": 140,
            },
            (100, 40, 80, 10, 140),
        ),
        # no total: the key style decides
        ({"input": 20, "input_cached_tokens": 80, "output": 40}, (100, 40, 80, None, None)),
        ({"input": 100, "prompt_details.cache_read": 80, "output": 40}, (100, 40, 80, None, None)),
        # Anthropic names passed through, cache writes split by TTL
        (
            {
                "input": 2,
                "cache_read_input_tokens": 47105,
                "input_cache_creation_1h": 1076,
                "output": 714,
            },
            (48183, 714, 47105, None, None),
        ),
    ],
)
def test_usage_detail_conventions(
    db: Database, tmp_path: Path, usage: dict[str, int], expected: tuple[Any, ...]
) -> None:
    imported(
        db,
        write_json(
            tmp_path / "usage.json", export([observation("g", "GENERATION", usageDetails=usage)])
        ),
        fmt=LANGFUSE,
    )
    llm = span_by_id(db, "g")
    got = (
        llm["input_tokens"],
        llm["output_tokens"],
        llm["cache_read_tokens"],
        llm["reasoning_tokens"],
        llm["total_tokens"],
    )
    assert got == expected


def test_legacy_usage_and_cost(db: Database, tmp_path: Path) -> None:
    spans = [
        observation(
            "v1",
            "GENERATION",
            usage={"input": 7, "output": 3, "total": 10, "unit": "TOKENS"},
            calculatedTotalCost=0.0042,
        ),
        observation("v0", "GENERATION", promptTokens=11, completionTokens=4, totalTokens=15),
        observation(
            "chars", "GENERATION", usage={"input": 500, "output": 100, "unit": "CHARACTERS"}
        ),
        observation(
            "agent", "AGENT", usageDetails={"input": 5, "output": 5}, costDetails={"total": 0.5}
        ),
    ]
    imported(db, write_json(tmp_path / "legacy.json", export(spans)), fmt=LANGFUSE)
    v1 = span_by_id(db, "v1")
    assert (v1["input_tokens"], v1["output_tokens"], v1["recorded_cost"]) == (
        7,
        3,
        pytest.approx(0.0042),
    )
    assert (span_by_id(db, "v0")["input_tokens"], span_by_id(db, "v0")["output_tokens"]) == (11, 4)
    assert span_by_id(db, "chars")["input_tokens"] is None  # characters are not tokens
    agent = span_by_id(db, "agent")
    assert (agent["input_tokens"], agent["recorded_cost"]) == (5, None)  # cost only on model calls
    assert attributes(span_by_id(db, "agent"))["langfuse.observation.costDetails"] == {"total": 0.5}


def test_tool_and_retriever_observations(db: Database, tmp_path: Path) -> None:
    documents = [
        {"page_content": "Refunds within 30 days.", "metadata": {"id": "doc-1", "score": 0.91}},
        {"page_content": "Shipping takes 3 days.", "metadata": {"id": "doc-2"}},
    ]
    spans = [
        observation(
            "tool", "TOOL", name="lookup", input=json.dumps({"q": "refunds"}), output="30 days"
        ),
        observation(
            "ret",
            "RETRIEVER",
            input=json.dumps({"query": "refund policy"}),
            output=json.dumps(documents),
        ),
        observation(
            "emb",
            "EMBEDDING",
            model="text-embedding-3-small",
            input="hello",
            usageDetails={"input": 1},
        ),
        observation("guard", "GUARDRAIL"),
        observation("judge", "EVALUATOR"),
        observation("chain", "CHAIN"),
        observation("odd", "SOMETHING_NEW"),
    ]
    imported(db, write_json(tmp_path / "kinds.json", export(spans)), fmt=LANGFUSE)
    tool = span_by_id(db, "tool")
    assert [(c["name"], c["arguments"], c["result"]) for c in tool["tool_calls"]] == [
        ("lookup", '{"q": "refunds"}', "30 days")
    ]
    retriever = span_by_id(db, "ret")
    assert retriever["preview"] == "refund policy"
    assert [(d["document_id"], d["content"], d["score"]) for d in retriever["documents"]] == [
        ("doc-1", "Refunds within 30 days.", 0.91),
        ("doc-2", "Shipping takes 3 days.", None),
    ]
    assert (span_by_id(db, "emb")["kind"], span_by_id(db, "emb")["model"]) == (
        "embedding",
        "text-embedding-3-small",
    )
    assert [span_by_id(db, s)["kind"] for s in ("guard", "judge", "chain", "odd")] == [
        "guardrail",
        "evaluator",
        "chain",
        "other",
    ]


def test_scores_on_trace_and_observation(db: Database, tmp_path: Path) -> None:
    scores = [
        {"name": "helpful", "value": 1, "observationId": None},
        {"name": "grounded", "value": 0.5, "observationId": "child"},
    ]
    doc = export(
        [observation("root"), observation("child", parentObservationId="root")],
        scores=scores,
        sessionId="s-1",
        userId="u-1",
        tags=["beta"],
        release="v2",
    )
    imported(db, write_json(tmp_path / "scores.json", doc), fmt=LANGFUSE)
    root, child = attributes(span_by_id(db, "root")), attributes(span_by_id(db, "child"))
    assert [s["name"] for s in root["langfuse.trace.scores"]] == ["helpful"]
    assert [s["name"] for s in child["langfuse.observation.scores"]] == ["grounded"]
    assert root["langfuse.trace.release"] == "v2" and "langfuse.trace.release" not in child
    for span_id in ("root", "child"):
        detail = span_by_id(db, span_id)
        assert (detail["session_id"], detail["user_id"], detail["tags"]) == ("s-1", "u-1", ["beta"])


def test_trace_without_observations(db: Database, tmp_path: Path) -> None:
    doc = export([], input=json.dumps("question?"), output="answer", latency=2.5)
    result = imported(db, write_json(tmp_path / "bare.json", doc), fmt=LANGFUSE)
    assert (result.spans, result.traces) == (1, 1)
    only = span_by_id(db, TRACE)
    assert (only["name"], only["kind"], only["duration_ns"]) == ("t", "chain", 2_500_000_000)
    assert only["preview"] == "question?"


def test_flat_observation_lines_and_times(db: Database, tmp_path: Path) -> None:
    rows = [
        observation(
            "a", startTime="2025-11-28T15:00:00.123456+01:00", endTime="2025-11-28T14:00:01"
        ),
        observation("b", parentObservationId="a", startTime=1764338400250, endTime=None),
    ]
    path = tmp_path / "observations.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = imported(db, path, fmt=LANGFUSE)
    assert (result.spans, result.traces) == (2, 1)
    a = span_by_id(db, "a")
    assert a["start_ns"] == 1_764_338_400_123_456_000  # +01:00 offset; fraction exact
    assert a["end_ns"] == 1_764_338_401_000_000_000  # naive = UTC
    assert span_by_id(db, "b")["start_ns"] == 1_764_338_400_250_000_000  # epoch milliseconds


# --- bad input ----------------------------------------------------------------------------


def test_truncated_file_fails_alone(db: Database, corpus: Path, tmp_path: Path) -> None:
    text = (corpus / "langfuse" / "langfuse-framework-trace_koog-2025-08-26.trace.json").read_text()
    cut = tmp_path / "cut.json"
    cut.write_text(text[: len(text) // 2])
    good = write_json(tmp_path / "good.json", export([observation("a")]))
    bad_result, good_result = run(db, cut, good)
    assert bad_result.status is ImportStatus.FAILED
    assert bad_result.format == LANGFUSE
    assert (
        str(cut) in bad_result.error and "line" in bad_result.error and "column" in bad_result.error
    )
    assert good_result.status is ImportStatus.IMPORTED
    assert counts(db) == (1, 1, 1)


def test_one_broken_record_rolls_back_the_file(db: Database, tmp_path: Path) -> None:
    good = json.dumps(export([observation("a")]))
    path = tmp_path / "lines.jsonl"
    path.write_text(
        good + "\n" + good.replace(TRACE, "22222222222222222222222222222222")[:-20] + "\n"
    )
    [result] = run(db, path)
    assert result.status is ImportStatus.FAILED
    assert result.error.startswith(f"{path}: invalid JSON at line 2 (")
    assert counts(db) == (0, 0, 0)


def test_unreadable_value_names_the_record(db: Database, tmp_path: Path) -> None:
    docs = [export([observation("a")]), export([observation("b", startTime="yesterday")])]
    [result] = run(db, write_json(tmp_path / "two.json", docs))
    assert result.status is ImportStatus.FAILED
    assert (
        "record 2" in result.error and "startTime" in result.error and "yesterday" in result.error
    )
    assert counts(db) == (0, 0, 0)


def test_other_formats_are_not_claimed(corpus: Path, tmp_path: Path) -> None:
    sniffer = LangfuseExport()
    # every other file of the corpus (all formats), and near misses
    others = [
        p
        for p in sorted(corpus.rglob("*"))
        if p.is_file() and p.suffix != ".md" and p.parent.name != "langfuse"
    ]
    others += [
        write_json(tmp_path / "plain.json", {"trace": "not an object", "observations": []}),
        write_json(tmp_path / "list.json", [{"id": 1, "timestamp": T0}]),
    ]
    for path in others:
        assert not sniffer.sniff(read_sample(path)), path
    for path in sorted((corpus / "langfuse").iterdir()):
        assert sniffer.sniff(read_sample(path)), path


def test_unknown_json_is_not_recognised(db: Database, tmp_path: Path) -> None:
    [result] = run(db, write_json(tmp_path / "x.json", {"observations": [{"id": "a"}]}))
    assert result.status is ImportStatus.FAILED
    assert "format not recognised" in result.error


def test_large_first_record_still_recognised(db: Database, tmp_path: Path) -> None:
    big = "x" * 300_000  # the sample (256 KB) ends inside the first record
    doc = export([observation("a", input=big), observation("b", parentObservationId="a")])
    result = imported(db, write_json(tmp_path / "big.json", doc), fmt=LANGFUSE)
    assert result.spans == 2
    assert attributes(span_by_id(db, "a"))["input.value"] == big


def test_large_trace_input_before_the_observations(db: Database, tmp_path: Path) -> None:
    big = "y" * 300_000  # the sample ends inside trace.input, before any observation
    result = imported(
        db, write_json(tmp_path / "big.json", export([observation("a")], input=big)), fmt=LANGFUSE
    )
    assert result.spans == 1
    assert attributes(span_by_id(db, "a"))["langfuse.trace.input"] == big


def test_damaged_compressed_lines_name_the_position(
    db: Database, corpus: Path, tmp_path: Path
) -> None:
    doc = json.loads(
        (
            corpus
            / "langfuse"
            / "langfuse-framework-trace_csharp-agent-with-gemini-2026-03-09.trace.json"
        ).read_text()
    )
    lines = "".join(json.dumps({**doc, "n": n}) + "\n" for n in range(4)).encode()  # > 256 KB
    path = tmp_path / "exports.jsonl.gz"
    path.write_bytes(gzip.compress(lines)[:-2000])
    [result] = run(db, path)
    assert (result.status, result.format) == (ImportStatus.FAILED, LANGFUSE)
    assert result.error.startswith(f"{path}: compressed data is damaged or cut off after line ")
    assert counts(db) == (0, 0, 0)


def test_kind_counts_match_observation_types(db: Database, corpus: Path) -> None:
    """Across all corpus files: one span per observation, kinds as the types say."""
    files = sorted((corpus / "langfuse").iterdir())
    results = run(db, *files)
    assert all(r.status is ImportStatus.IMPORTED for r in results), [r.error for r in results]
    types: Counter[str] = Counter()
    for path in files:
        doc = json.loads(path.read_text())
        found = {
            o["id"]: o["type"] for o in doc["observations"] + doc["trace"].get("observations", [])
        }
        types.update(found.values())
    mapping = {
        "GENERATION": "llm",
        "SPAN": "chain",
        "CHAIN": "chain",
        "AGENT": "agent",
        "TOOL": "tool",
    }
    expected: Counter[str] = Counter()
    for obs_type, n in types.items():
        expected[mapping[obs_type]] += n
    assert kinds(db) == dict(expected)
    assert counts(db) == (70, 11, 11)


def test_gemini_thoughts_count_as_reasoning_inside_output() -> None:
    from spanscope.importers.langfuse.usage import usage_from_details

    # Gemini's candidates leave the thinking out: prompt 100 + candidates 20 + thoughts 50 = 170
    usage = usage_from_details({"input": 100, "output": 20, "thoughts": 50, "total": 170})
    assert usage["gen_ai.usage.output_tokens"] == 70
    assert usage["gen_ai.usage.reasoning.output_tokens"] == 50
    assert usage["gen_ai.usage.input_tokens"] == 100


# --- one call recorded twice ------------------------------------------------------------------


def generation(
    obs_id: str, parent: str | None, model: str, usage: dict[str, int], cost: float | None = None
) -> dict[str, Any]:
    """A GENERATION as Langfuse exports it (shape of the corpus' Vercel AI SDK trace)."""
    return observation(
        obs_id,
        "GENERATION",
        parentObservationId=parent,
        model=model,
        input=[{"role": "user", "content": "Weather in Paris?"}],
        output={"role": "assistant", "content": "Sunny."},
        usageDetails={**usage, "total": usage["input"] + usage["output"]},
        costDetails={"total": cost} if cost is not None else {},
    )


def test_wrapper_generation_with_the_same_usage_counts_once(db: Database, tmp_path: Path) -> None:
    # An agent framework's wrapper generation and, inside it, the provider call's generation,
    # both with the call's usage and cost.
    doc = export(
        [
            observation("agent", "AGENT"),
            generation("wrap", "agent", "gpt-4o", {"input": 62, "output": 85}, 0.0009),
            generation("call", "wrap", "gpt-4o-2024-08-06", {"input": 62, "output": 85}, 0.0009),
            generation("alone", "agent", "gpt-4o", {"input": 10, "output": 5}, 0.0001),
        ]
    )
    path = write_json(tmp_path / "twice.json", doc)
    result = imported(db, path, fmt=LANGFUSE)
    assert (
        "1 model calls repeat the usage of the calls inside them; counted once, on the "
        "inner calls" in result.warnings
    )
    [(inp, out, cost)] = rows(db, "SELECT input_tokens, output_tokens, cost FROM traces")
    assert (inp, out) == (72, 90)
    assert cost == pytest.approx(0.001)
    wrap = span_by_id(db, "wrap")
    assert (wrap["input_tokens"], wrap["recorded_cost"], wrap["cost_flag"]) == (None, None, None)
    assert attributes(wrap)["spanscope.counted_in"] == ["call"]
    assert wrap["output_messages"][0]["content"] == "Sunny."  # what it shows is kept
    # the cost breakdown by model counts the call once too
    by_model = dict(
        rows(
            db,
            "SELECT model, sum(coalesce(recorded_cost, computed_cost)) "
            "FROM spans WHERE kind = 'llm' GROUP BY model",
        )
    )
    assert by_model["gpt-4o-2024-08-06"] == pytest.approx(0.0009)
    assert by_model["gpt-4o"] == pytest.approx(0.0001)
    check_file(tmp_path / "view", path, tokens=(72, 90))


def test_wrapper_with_other_usage_is_kept_and_warned(db: Database, tmp_path: Path) -> None:
    # As in the corpus' Vercel AI SDK trace: ai.generateText (14/43) above its doGenerate (62/85)
    doc = export(
        [
            generation("wrap", None, "gpt-5", {"input": 14, "output": 43}),
            generation("call", "wrap", "gpt-5-2025-08-07", {"input": 62, "output": 85}),
        ]
    )
    result = imported(db, write_json(tmp_path / "unsure.json", doc), fmt=LANGFUSE)
    assert any(w.startswith("1 model calls hold usage of their own above") for w in result.warnings)
    assert rows(db, "SELECT input_tokens, output_tokens FROM traces") == [(76, 128)]


# -- what an engineer sees, on every corpus file of the format ----------------------------------

# input and output tokens over each file's traces, as recorded in it
test_engineer_view = corpus_view_test(
    "langfuse",
    {
        "langfuse-framework-trace_claude-agent-2025-12-22.trace.json": (34, 232),
        "langfuse-framework-trace_csharp-agent-with-gemini-2026-03-09.trace.json": (8047, 414),
        "langfuse-framework-trace_google-adk-2025-08-28.trace.json": (67, 9),
        "langfuse-framework-trace_koog-2025-08-26.trace.json": (215, 125),
        "langfuse-framework-trace_langgraph-python-2025-08-22.trace.json": (168, 66),
        "langfuse-framework-trace_llamaindex-2025-06-05.trace.json": (13, 81),
        "langfuse-framework-trace_microsoft-agent-2025-12-17.trace.json": (293, 106),
        "langfuse-framework-trace_openai-agents-2025-09-30.trace.json": (140, 44),
        "langfuse-framework-trace_pydantic-ai-tools-2025-12-04.trace.json": (1315, 209),
        "langfuse-framework-trace_vercel-aisdk-2025-11-17.trace.json": (76, 128),
        "langfuse-seeder_openai-assistants-2024-05-29.json": (49, 40),
    },
)
