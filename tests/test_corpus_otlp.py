"""Conformance over the shared corpus' OTLP folder: real envelopes imported as they are, and
real attribute captures wrapped into envelopes, mapped to the canonical columns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from otlp_builder import ROOT, TRACE, attributes_document, write_json
from spanscope.model import ImportResult, ImportStatus
from spanscope.store import Database, queries
from store_checks import import_one, only_span, run, span_detail

pytestmark = pytest.mark.corpus

OTEL_EXAMPLE = "otlp/otel-proto_examples_trace.json"
CLAUDE_CODE = "otlp/langwatch-dogfood_claude_code.otlp.json"
RAW_ADVANCED = "otlp/langwatch-dogfood_raw_otlp_advanced.otlp.json"
CODEX = "otlp/langwatch-canon-fixture_codex-B.session_task_turn.attrs.json"
GEMINI = "otlp/langwatch-canon-fixture_gemini-B.llm_call.attrs.json"
OPENCODE = "otlp/langwatch-canon-fixture_opencode-B.doStream.attrs.json"
OI_CHAT = "otlp/oi-genai-fixture_otel_genai_client_span_tool_calls.attrs.json"
OI_DEPRECATED = "otlp/oi-genai-fixture_otel_genai_deprecated_client_span_tool_calls.attrs.json"
OI_TOOL = "otlp/oi-genai-fixture_otel_genai_tool_execution_span.attrs.json"
ATTRIBUTE_SAMPLES = [CODEX, GEMINI, OPENCODE, OI_CHAT, OI_DEPRECATED, OI_TOOL]

ORPHAN = "name a parent that is not in the trace"
ZERO_IDS = "all-zero ids"
NO_CONVENTION = "LLM attribute convention"


def warned(result: ImportResult, words: str) -> bool:
    return any(words in w for w in result.warnings)


# --- the three envelopes ---------------------------------------------------------------------


def test_official_example(db: Database, corpus: Path) -> None:
    result = import_one(db, corpus / OTEL_EXAMPLE)
    assert result.status is ImportStatus.IMPORTED, result.error
    assert (result.format, result.spans, result.traces) == ("otlp-json", 1, 1)
    assert warned(result, ORPHAN) and warned(result, NO_CONVENTION)
    assert not warned(result, ZERO_IDS)

    s = only_span(db)
    # UPPERCASE hex ids become lowercase hex.
    assert (s["trace_id"], s["span_id"], s["parent_span_id"]) == (
        "5b8efff798038103d269b633813fc60c",
        "eee19b7ec3c1b174",
        "eee19b7ec3c1b173",
    )
    assert (s["name"], s["kind"], s["span_kind"]) == ("I'm a server span", "other", "server")
    assert (s["start_ns"], s["end_ns"], s["duration_ns"]) == (
        1544712660000000000,
        1544712661000000000,
        1_000_000_000,
    )
    assert (s["status"], s["service"], s["model"], s["provider"]) == (
        "unset",
        "my.service",
        None,
        None,
    )
    assert (s["input_tokens"], s["output_tokens"]) == (None, None)
    assert json.loads(s["attributes"]) == {"my.span.attr": "some value"}
    assert json.loads(s["resource"]) == {"service.name": "my.service"}
    assert json.loads(s["scope"]) == {
        "name": "my.library",
        "version": "1.0.0",
        "attributes": {"my.scope.attribute": "some scope attribute"},
    }

    trace = queries.trace_summary(db.reader(), "5b8efff798038103d269b633813fc60c")
    assert trace is not None
    assert (trace["root_span_id"], trace["root_name"], trace["service"]) == (
        "eee19b7ec3c1b174",
        "I'm a server span",
        "my.service",
    )
    assert (trace["span_count"], trace["input_tokens"], trace["models"]) == (1, 0, None)
    assert queries.find_span(db.reader(), "eee19b7ec3c1b174") == [
        "5b8efff798038103d269b633813fc60c"
    ]


def test_claude_code_dogfood(db: Database, corpus: Path) -> None:
    result = import_one(db, corpus / CLAUDE_CODE)
    assert result.status is ImportStatus.IMPORTED, result.error
    assert (result.spans, result.traces) == (1, 1)
    assert warned(result, ZERO_IDS)
    assert not warned(result, ORPHAN) and not warned(result, NO_CONVENTION)

    s = only_span(db)
    assert s["trace_id"].startswith("unset-") and s["span_id"].startswith("unset-")
    assert s["parent_span_id"] is None
    assert (s["name"], s["kind"], s["span_kind"], s["status"]) == (
        "claude-code.completion",
        "llm",
        "internal",
        "ok",
    )
    assert (s["provider"], s["operation"]) == ("anthropic", "chat")
    assert (s["request_model"], s["response_model"], s["model"]) == (
        "claude-sonnet-4.6",
        "claude-sonnet-4.6",
        "claude-sonnet-4.6",
    )
    assert (s["input_tokens"], s["output_tokens"]) == (187, 53)
    assert json.loads(s["params"]) == {"max_tokens": 1024}
    assert s["service"] == "claude-code"
    assert (s["start_ns"], s["duration_ns"]) == (1715175600000000000, 1_250_000_000)
    raw = json.loads(s["attributes"])
    assert raw["claude.code.tool.name"] == "Bash"
    assert raw["gen_ai.usage.input_tokens"] == 187
    assert json.loads(s["resource"])["claude.code.session_id"] == "ses_dogfood_claude_code_0001"

    trace = queries.trace_summary(db.reader(), s["trace_id"])
    assert trace is not None
    assert (trace["llm_count"], trace["input_tokens"], trace["output_tokens"]) == (1, 187, 53)
    assert trace["models"] == ["claude-sonnet-4.6"]


def test_raw_otlp_without_any_convention(db: Database, corpus: Path) -> None:
    result = import_one(db, corpus / RAW_ADVANCED)
    assert result.status is ImportStatus.IMPORTED, result.error
    assert (result.spans, result.traces) == (1, 1)
    assert warned(result, ZERO_IDS) and warned(result, NO_CONVENTION)
    assert not warned(result, ORPHAN)

    s = only_span(db)
    assert s["trace_id"].startswith("unset-") and s["span_id"].startswith("unset-")
    assert (s["name"], s["kind"], s["status"], s["service"]) == (
        "byo.custom-operation",
        "other",
        "ok",
        "byo-telemetry-pipeline",
    )
    assert (s["model"], s["input_tokens"], s["duration_ns"]) == (None, None, 420_000_000)
    assert json.loads(s["attributes"]) == {
        "byo.operation.kind": "custom",
        "byo.payload.size_bytes": 2048,
    }


def test_placeholder_ids_of_two_files_never_collide(db: Database, corpus: Path) -> None:
    results = run(db, corpus / CLAUDE_CODE, corpus / RAW_ADVANCED)
    assert [r.status for r in results] == [ImportStatus.IMPORTED] * 2
    rows = db.reader().execute("SELECT trace_id, span_id, name FROM spans ORDER BY name").fetchall()
    assert [r[2] for r in rows] == ["byo.custom-operation", "claude-code.completion"]
    assert rows[0][0] != rows[1][0] and rows[0][1] != rows[1][1]
    assert queries.count(db.reader(), "traces") == 2


# --- attribute samples: not trace files ------------------------------------------------------


@pytest.mark.parametrize("name", ATTRIBUTE_SAMPLES)
def test_attribute_sample_file_is_not_a_trace_file(db: Database, corpus: Path, name: str) -> None:
    result = import_one(db, corpus / name)
    assert result.status is ImportStatus.FAILED
    assert "format not recognised" in (result.error or "")
    assert queries.count(db.reader(), "spans") == 0


def test_semconv_schemas_are_not_trace_files(db: Database, corpus: Path) -> None:
    folder = corpus / "otlp" / "semconv-genai-json-schemas"
    results = run(db, folder)
    assert len(results) == 5
    for result in results:
        assert result.status is ImportStatus.FAILED
        assert "format not recognised" in (result.error or ""), result.error
    assert queries.count(db.reader(), "spans") == 0


# --- attribute samples, wrapped into envelopes -----------------------------------------------


def sample(corpus: Path, name: str) -> tuple[dict[str, Any], str, str]:
    """(attributes, span name, scope name) of a capture: `{scopeName, spanName, attributes}`
    or a bare attribute map."""
    data = json.loads((corpus / name).read_text(encoding="utf-8"))
    if "attributes" in data and "spanName" in data:
        return data["attributes"], data["spanName"], data["scopeName"]
    return data, "span", "tests"


def import_sample(
    db: Database,
    tmp_path: Path,
    corpus: Path,
    name: str,
    span_name: str | None = None,
    **options: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    attributes, recorded_name, scope = sample(corpus, name)
    doc = attributes_document(attributes, name=span_name or recorded_name, scope=scope, **options)
    result = import_one(db, write_json(tmp_path / "wrapped.json", doc))
    assert result.status is ImportStatus.IMPORTED, result.error
    assert (result.spans, result.traces) == (1, 1)
    assert not warned(result, NO_CONVENTION)
    return attributes, span_detail(db, TRACE, ROOT)


def usage(s: dict[str, Any]) -> tuple[Any, ...]:
    return (
        s["input_tokens"],
        s["output_tokens"],
        s["cache_read_tokens"],
        s["cache_write_tokens"],
        s["reasoning_tokens"],
        s["total_tokens"],
    )


def roles_and_text(messages: list[dict[str, Any]] | None) -> list[tuple[str, str | None]]:
    return [(m["role"], m["content"]) for m in messages or []]


def test_codex_turn(db: Database, tmp_path: Path, corpus: Path) -> None:
    attributes, s = import_sample(db, tmp_path, corpus, CODEX)
    assert (s["name"], s["kind"], s["provider"]) == ("session_task.turn", "llm", None)
    assert (s["request_model"], s["response_model"], s["model"]) == ("gpt-5.5", None, "gpt-5.5")
    # input 13297 already holds the 4480 cached; output 23 holds the 10 of reasoning
    assert usage(s) == (13297, 23, 4480, None, 10, 13320)
    assert not s["input_messages"] and not s["output_messages"] and s["tool_calls"] is None
    assert json.loads(s["scope"])["name"] == "codex_cli_rs"
    raw = json.loads(s["attributes"])
    assert raw["codex.turn.reasoning_effort"] == "high"
    assert raw["code.line.number"] == 383 and raw["idle_ns"] == 1524893789
    assert set(raw) == set(attributes)


def test_gemini_cli_call(db: Database, tmp_path: Path, corpus: Path) -> None:
    attributes, s = import_sample(db, tmp_path, corpus, GEMINI)
    assert (s["name"], s["kind"], s["operation"]) == ("llm_call", "llm", "llm_call")
    assert s["provider"] is None
    assert (s["request_model"], s["response_model"], s["model"]) == (
        "gemini-3.1-flash-lite",
        None,
        "gemini-3.1-flash-lite",
    )
    assert usage(s) == (767, 30, None, None, None, None)
    assert s["session_id"] == "945bd8d5-0657-4385-a99e-30240bfd2e00"

    # system_instructions is a JSON string inside the string: decoded once more
    system = json.loads(attributes["gen_ai.system_instructions"])
    assert system.startswith("\nYou are a specialized Task Routing AI.")
    inputs = json.loads(attributes["gen_ai.input.messages"])
    assert roles_and_text(s["input_messages"]) == [("system", system)] + [
        (m["role"], m["parts"][0]["text"]) for m in inputs
    ]
    assert s["input_messages"][2]["content"] == (
        "Turn 1: reply with exactly the line PONG-GEMINI-B1 and nothing else."
    )
    assert s["preview"] == s["input_messages"][2]["content"]

    [out] = s["output_messages"]
    answer = json.loads(attributes["gen_ai.output.messages"])["parts"][1]["text"]
    assert answer.startswith('{"complexity_reasoning": ')
    assert out["content"] is not None and out["content"].endswith(answer)


def test_gemini_cli_thought_is_not_the_answer(db: Database, tmp_path: Path, corpus: Path) -> None:
    attributes, s = import_sample(db, tmp_path, corpus, GEMINI)
    answer = json.loads(attributes["gen_ai.output.messages"])["parts"][1]["text"]
    assert roles_and_text(s["output_messages"]) == [("assistant", answer)]


@pytest.mark.parametrize(
    "encoding",
    [
        pytest.param({"keep_half_decoded": True}, id="anyvalue-with-half-decoded-arrays"),
        pytest.param({"plain_map": True}, id="plain-attribute-map"),
    ],
)
def test_opencode_stream_call(
    db: Database, tmp_path: Path, corpus: Path, encoding: dict[str, bool]
) -> None:
    attributes, s = import_sample(db, tmp_path, corpus, OPENCODE, **encoding)
    assert (s["name"], s["kind"], s["provider"]) == ("ai.streamText.doStream", "llm", "anthropic")
    assert (s["request_model"], s["response_model"], s["model"]) == (
        "claude-haiku-4-5-20251001",
        "claude-haiku-4-5-20251001",
        "claude-haiku-4-5-20251001",
    )
    # gen_ai.usage.input_tokens (12632) counts the 12629 cache writes: kept as the input
    assert usage(s) == (12632, 13, 0, 12629, None, 12645)
    assert (s["session_id"], s["user_id"]) == ("ses_163f6d41affe5UvQOoAwyu4xVP", "rchaves")
    assert json.loads(s["params"]) == {"max_tokens": 32000}

    prompt = json.loads(attributes["ai.prompt.messages"])
    assert [m["role"] for m in prompt] == ["system", "user"]
    assert roles_and_text(s["input_messages"]) == [
        ("system", prompt[0]["content"]),
        ("user", "Turn 1: reply with exactly the line PONG-OPENCODE-B1 and nothing else."),
    ]
    assert roles_and_text(s["output_messages"]) == [("assistant", "PONG-OPENCODE-B1")]
    assert s["tool_calls"] is None

    raw = json.loads(s["attributes"])
    assert raw["gen_ai.response.finish_reasons"] == ["stop"]
    tools = [v["stringValue"] for v in attributes["ai.prompt.tools"]["values"]]
    assert raw["ai.prompt.tools"] == tools
    assert [json.loads(t)["name"] for t in raw["ai.prompt.tools"]][:1] == ["bash"]
    assert raw["ai.usage.inputTokenDetails.noCacheTokens"] == 3
    assert set(raw) == set(attributes)


def weather_messages(s: dict[str, Any]) -> None:
    """The input and output of the OpenInference weather fixtures (both generations)."""
    assert [(m["role"], m["content"], m["tool_call_id"]) for m in s["input_messages"]] == [
        ("user", "Weather in Paris?", None),
        ("assistant", "Absolutely! Let me check the weather for you.", None),
        ("tool", "rainy, 57°F", "1234"),
    ]
    calls = s["input_messages"][1]["tool_calls"]
    assert [(c["call_id"], c["name"], json.loads(c["arguments"])) for c in calls] == [
        ("1234", "get_weather", {"location": "Paris"})
    ]
    assert roles_and_text(s["output_messages"]) == [
        ("assistant", "The weather in Paris is currently rainy with a temperature of 57°F.")
    ]
    assert s["tool_calls"] is None  # the model asked for no tool in this answer


@pytest.mark.parametrize("name", [OI_CHAT, OI_DEPRECATED])
def test_genai_chat_with_tool_history(
    db: Database, tmp_path: Path, corpus: Path, name: str
) -> None:
    attributes, s = import_sample(db, tmp_path, corpus, name, span_name="chat gpt-4")
    assert (s["kind"], s["provider"], s["operation"]) == ("llm", "openai", "chat")
    assert (s["request_model"], s["response_model"], s["model"]) == (
        "gpt-4",
        "gpt-4-0613",
        "gpt-4-0613",
    )
    assert usage(s) == (97, 52, None, None, None, None)
    assert json.loads(s["params"]) == {"max_tokens": 200, "temperature": 0.5, "top_p": 0.9}
    assert s["preview"] == "Weather in Paris?"
    weather_messages(s)
    raw = json.loads(s["attributes"])
    assert raw["gen_ai.response.finish_reasons"] == ["stop"]
    assert set(raw) == set(attributes)


def test_genai_tool_execution(db: Database, tmp_path: Path, corpus: Path) -> None:
    attributes, s = import_sample(
        db, tmp_path, corpus, OI_TOOL, span_name="execute_tool get_weather"
    )
    assert (s["kind"], s["operation"], s["tool_name"]) == ("tool", "execute_tool", "get_weather")
    assert (s["model"], s["provider"], s["input_tokens"]) == (None, None, None)
    [call] = s["tool_calls"]
    assert (call["call_id"], call["name"]) == ("1234", "get_weather")
    assert call["arguments"] == '{"city": "New York"}'
    assert json.loads(call["result"]) == {
        "status": "success",
        "report": "The weather in New York is sunny with a temperature of 25 degrees Celsius "
        "(77 degrees Fahrenheit).",
    }
    assert call["result"] == attributes["output"]
    raw = json.loads(s["attributes"])
    assert raw["gen_ai.tool.description"] == (
        "Retrieves the current weather report for a specified city."
    )
    assert raw["gen_ai.tool.type"] == "function"
