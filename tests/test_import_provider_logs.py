"""Raw provider logs: every record shape, token semantics per provider, streams, errors, ids,
and bad files rolled back alone."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from engineer_view import check_file, corpus_view_test
from otlp_builder import write_json, write_jsonl
from spanscope.core.filters import compile_filter
from spanscope.core.replay_steps import build_steps
from spanscope.importers.base import read_sample
from spanscope.importers.provider_logs import ProviderLogs
from spanscope.model import ImportStatus
from spanscope.store import Database, queries
from spanscope.store.replays import step_rows
from store_checks import attributes, counts, rows, run, span_detail

T_ISO = "2025-03-01T12:00:00.250+01:00"
T_ISO_NS = 1_740_826_800_250_000_000  # 11:00:00.250 UTC


def calls(detail: dict[str, Any]) -> list[tuple[str, str, Any]]:
    return [
        (c["call_id"], c["name"], json.loads(c["arguments"])) for c in detail["tool_calls"] or []
    ]


# -- record builders --------------------------------------------------------------------------


def chat_completion(
    ident: str = "chatcmpl-1",
    *,
    prompt: int = 1200,
    cached: int = 1000,
    completion: int = 80,
    reasoning: int = 20,
    content: str | None = "Hello.",
    created: int = 1_740_000_000,
    tool_calls: list[Any] | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": ident,
        "object": "chat.completion",
        "created": created,
        "model": "gpt-4o-2024-08-06",
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": reasoning},
        },
        "service_tier": "default",
        "system_fingerprint": "fp_1",
    }


def anthropic_message(
    ident: str = "msg_1",
    *,
    uncached: int = 200,
    cache_read: int = 1000,
    cache_write: int = 300,
    output: int = 50,
) -> dict[str, Any]:
    return {
        "id": ident,
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "text", "text": "Hi there."}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": uncached,
            "cache_read_input_tokens": cache_read,
            "cache_creation_input_tokens": cache_write,
            "output_tokens": output,
        },
    }


def chat_request(**extra: Any) -> dict[str, Any]:
    return {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather in Paris?"},
        ],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
                },
            }
        ],
        "temperature": 0.2,
        "max_tokens": 512,
        **extra,
    }


# -- conformance: the corpus --------------------------------------------------------------------


@pytest.mark.corpus
def test_corpus_openai_chat_completions(db: Database, corpus: Path) -> None:
    folder = corpus / "openai"
    first = folder / "openinference-langchain4j-cassette_v1_chat_completions-1st-call.json"
    second = folder / "openinference-langchain4j-cassette_v1_chat_completions-2nd-call.json"
    results = run(db, first, second)
    assert [(r.status, r.format, r.spans, r.traces) for r in results] == [
        (ImportStatus.IMPORTED, "provider-log", 1, 1)
    ] * 2

    # 1st call: "id", "created", "model", usage 162/17/179, cached_tokens 0,
    # reasoning_tokens 0, one tool call add {"a":45,"b":79}, finish_reason tool_calls.
    call = span_detail(db, "chatcmpl-DLVlvMVVgicVbWPyrmMTj37wtVpgd")
    assert (call["kind"], call["provider"], call["status"]) == ("llm", "openai", "ok")
    assert (call["request_model"], call["response_model"], call["model"]) == (
        None,
        "gpt-4.1-nano-2025-04-14",
        "gpt-4.1-nano-2025-04-14",
    )
    assert (call["input_tokens"], call["output_tokens"], call["total_tokens"]) == (162, 17, 179)
    assert (call["cache_read_tokens"], call["reasoning_tokens"]) == (0, 0)
    assert call["start_ns"] == 1_774_019_391 * 10**9 and call["end_ns"] is None
    assert calls(call) == [("call_Qm51xgE57uzoj2f6qkZAWwb4", "add", {"a": 45, "b": 79})]
    assert call["parent_span_id"] is None and call["name"] == "chat gpt-4.1-nano-2025-04-14"
    assert attributes(call)["gen_ai.response.finish_reasons"] == ["tool_calls"]
    assert attributes(call)["provider_log.response"]["system_fingerprint"] == "fp_3b8a157bd5"

    # 2nd call: usage 189/13/202, the answer text, finish_reason stop, created 1774019392.
    answer = span_detail(db, "chatcmpl-DLVlwDcxt92QTOPrxucH9tuwPXJ3g")
    assert (answer["input_tokens"], answer["output_tokens"], answer["total_tokens"]) == (
        189,
        13,
        202,
    )
    assert [m["content"] for m in answer["output_messages"]] == ["The sum of 45 plus 79 is 124."]
    assert answer["tool_calls"] is None
    assert answer["start_ns"] == 1_774_019_392 * 10**9
    assert counts(db) == (2, 2, 2)


ANTHROPIC_THINKING = (
    "The user wants to know the weather in San Francisco. I have all the required "
    "parameters to make the function call."
)


@pytest.mark.corpus
def test_corpus_anthropic_http_recordings(db: Database, corpus: Path) -> None:
    folder = corpus / "other" / "anthropic-http"
    plain = folder / "openinference-anthropic-cassette_reasoning-tool-use-non-streaming.json"
    stream = folder / "openinference-anthropic-cassette_reasoning-tool-use-streaming.json"
    results = run(db, plain, stream)
    assert [(r.status, r.format, r.spans, r.traces) for r in results] == [
        (ImportStatus.IMPORTED, "provider-log", 1, 1)
    ] * 2

    # Non-streaming body: usage input_tokens 596 with cache_read 0 and cache_creation 0 (so
    # 596 including cache), output 99 of which thinking 28; thinking + text + tool_use.
    # The streaming body: message_start says output_tokens 3, message_delta the final 99;
    # the tool input arrives as partial_json pieces '{"loca' 'tio' 'n": "San ' 'Francisco"}'.
    for ident, tool_id in (
        ("msg_01NuGqPL1JZVKeaShZ54fAQj", "toolu_01Lb15KzZHz63KFSjmBpc4Fx"),
        ("msg_0168eu1vDnnMFBoGzuvgAG5p", "toolu_01X1PSFUkNua9EZHLVHwy6T4"),
    ):
        msg = span_detail(db, ident)
        assert (msg["kind"], msg["provider"], msg["model"], msg["status"]) == (
            "llm",
            "anthropic",
            "claude-sonnet-4-6",
            "ok",
        )
        assert (msg["input_tokens"], msg["output_tokens"], msg["total_tokens"]) == (596, 99, 695)
        assert (msg["cache_read_tokens"], msg["cache_write_tokens"], msg["reasoning_tokens"]) == (
            0,
            0,
            28,
        )
        assert msg["start_ns"] is None  # no time anywhere in a bare HTTP recording
        [out] = msg["output_messages"]
        assert out["content"] == "Sure! Let me check the weather in San Francisco for you!"
        assert [p["type"] for p in json.loads(out["parts"])] == ["reasoning"]
        assert json.loads(out["parts"])[0]["content"] == ANTHROPIC_THINKING
        assert calls(msg) == [(tool_id, "get_weather", {"location": "San Francisco"})]
        assert attributes(msg)["http.response.status_code"] == 200
        assert attributes(msg)["gen_ai.response.finish_reasons"] == ["tool_use"]
    streamed = attributes(span_detail(db, "msg_0168eu1vDnnMFBoGzuvgAG5p"))
    assert streamed["provider_log.stream_events"] == 19  # 19 data lines, [DONE]-free
    parts = json.loads(streamed["gen_ai.output.messages"])[0]["parts"]
    assert parts[0]["signature"].startswith("EroCCmUIDhgCKkC+NWw0") and parts[0][
        "signature"
    ].endswith("YAQ==")


@pytest.mark.corpus
def test_corpus_folder_imports_as_four_calls(db: Database, corpus: Path) -> None:
    results = run(db, corpus / "openai", corpus / "other" / "anthropic-http")
    assert [r.format for r in results] == ["provider-log"] * 4
    stats = queries.stats(db.reader())
    assert (stats["spans"], stats["traces"], stats["by_kind"]) == (4, 4, {"llm": 4})
    # 162 + 189 + 596 + 596 and 17 + 13 + 99 + 99
    assert (stats["input_tokens"], stats["output_tokens"]) == (1543, 228)


# -- record shapes --------------------------------------------------------------------------------


def test_cached_tokens_openai_include_anthropic_exclude(db: Database, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "calls.jsonl", [chat_completion(), anthropic_message()])
    [result] = run(db, path)
    assert (result.status, result.spans, result.traces) == (ImportStatus.IMPORTED, 2, 2)
    openai = span_detail(db, "chatcmpl-1")
    # OpenAI prompt_tokens already includes cached_tokens: taken as is.
    assert (
        openai["input_tokens"],
        openai["cache_read_tokens"],
        openai["output_tokens"],
        openai["reasoning_tokens"],
        openai["total_tokens"],
    ) == (1200, 1000, 80, 20, 1280)
    claude = span_detail(db, "msg_1")
    # Anthropic input_tokens 200 excludes the 1000 read from and 300 written to the cache.
    assert (
        claude["input_tokens"],
        claude["cache_read_tokens"],
        claude["cache_write_tokens"],
        claude["output_tokens"],
        claude["total_tokens"],
    ) == (1500, 1000, 300, 50, 1550)
    assert (
        claude["provider"] == "anthropic" and claude["output_messages"][0]["content"] == "Hi there."
    )


def test_openai_request_response_pair(db: Database, tmp_path: Path) -> None:
    tool_call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
    }
    record = {
        "timestamp": T_ISO,
        "latency_ms": 1500,
        "session_id": "s-7",
        "tags": ["prod", "eu"],
        "request": chat_request(user="u-42"),
        "response": chat_completion(content=None, tool_calls=[tool_call]),
    }
    [result] = run(db, write_jsonl(tmp_path / "pairs.jsonl", [record]))
    assert result.status is ImportStatus.IMPORTED, result.error
    call = span_detail(db, "chatcmpl-1")
    assert (call["request_model"], call["response_model"], call["model"]) == (
        "gpt-4o",
        "gpt-4o-2024-08-06",
        "gpt-4o-2024-08-06",
    )
    assert [(m["role"], m["content"]) for m in call["input_messages"]] == [
        ("system", "Be brief."),
        ("user", "Weather in Paris?"),
    ]
    assert calls(call) == [("call_1", "get_weather", {"city": "Paris"})]
    params = json.loads(call["params"])
    assert (params["temperature"], params["max_tokens"], params["user"]) == (0.2, 512, "u-42")
    assert (
        json.loads(attributes(call)["gen_ai.tool.definitions"])[0]["function"]["name"]
        == "get_weather"
    )
    # The envelope's own time wins over "created"; latency gives the end.
    assert (call["start_ns"], call["end_ns"]) == (T_ISO_NS, T_ISO_NS + 1_500_000_000)
    assert (call["user_id"], call["session_id"], call["tags"]) == ("u-42", "s-7", ["prod", "eu"])
    assert call["preview"] == "Weather in Paris?"
    assert attributes(call)["provider_log.record"] == {
        "timestamp": T_ISO,
        "latency_ms": 1500,
        "session_id": "s-7",
        "tags": ["prod", "eu"],
    }


def test_anthropic_pair_with_history_system_blocks_and_http_halves(
    db: Database, tmp_path: Path
) -> None:
    request = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "temperature": 0.5,
        "system": [
            {
                "type": "text",
                "text": "You are a travel agent.",
                "cache_control": {"type": "ephemeral"},
            }
        ],
        "metadata": {"user_id": "u-9"},
        "messages": [
            {"role": "user", "content": "Weather in Rome?"},
            {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": "Use the tool.", "signature": "sig"},
                    {
                        "type": "tool_use",
                        "id": "toolu_1",
                        "name": "get_weather",
                        "input": {"city": "Rome"},
                    },
                ],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_1",
                        "content": [{"type": "text", "text": "21C"}],
                    }
                ],
            },
        ],
    }
    record = {
        "req": {
            "method": "POST",
            "url": "https://api.anthropic.com/v1/messages",
            "headers": {"x-api-key": "sk-ant-secret", "anthropic-version": "2023-06-01"},
            "body": json.dumps(request),
        },
        "res": {
            "status": 200,
            "headers": {"request-id": "req_1"},
            "body": json.dumps(anthropic_message("msg_2")),
        },
        "started_at": 1_740_826_800_250,  # epoch milliseconds
    }
    [result] = run(db, write_jsonl(tmp_path / "anthropic.jsonl", [record]))
    assert result.status is ImportStatus.IMPORTED, result.error
    call = span_detail(db, "msg_2")
    assert (call["request_model"], call["response_model"]) == (
        "claude-sonnet-4-5",
        "claude-sonnet-4-5-20250929",
    )
    messages = call["input_messages"]
    assert [(m["role"], m["content"]) for m in messages] == [
        ("system", "You are a travel agent."),
        ("user", "Weather in Rome?"),
        ("assistant", None),
        ("user", "21C"),
    ]
    assert [
        (c["call_id"], c["name"], json.loads(c["arguments"])) for c in messages[2]["tool_calls"]
    ] == [("toolu_1", "get_weather", {"city": "Rome"})]
    assert json.loads(messages[2]["parts"])[0] == {
        "type": "reasoning",
        "content": "Use the tool.",
        "mime_type": None,
        "uri": None,
        "modality": None,
    }
    assert messages[3]["tool_call_id"] == "toolu_1"
    assert call["start_ns"] == T_ISO_NS and call["user_id"] == "u-9"
    assert json.loads(call["params"])["max_tokens"] == 1024
    raw = attributes(call)
    assert raw["url.full"] == "https://api.anthropic.com/v1/messages"
    assert raw["provider_log.http.request_headers"]["x-api-key"] == "[redacted]"
    assert "sk-ant-secret" not in call["attributes"]


def test_request_in_an_unread_shape_is_kept(db: Database, tmp_path: Path) -> None:
    record = {
        "request": "POST /v1/chat/completions (body not logged)",
        "response": chat_completion(),
    }
    [result] = run(db, write_jsonl(tmp_path / "odd.jsonl", [record]))
    assert result.status is ImportStatus.IMPORTED, result.error
    call = span_detail(db, "chatcmpl-1")
    assert not call["input_messages"] and call["input_tokens"] == 1200
    assert attributes(call)["provider_log.record"] == {"request": record["request"]}


def test_responses_api_bare_and_pair(db: Database, tmp_path: Path) -> None:
    response = {
        "id": "resp_1",
        "object": "response",
        "created_at": 1_740_000_000,
        "status": "completed",
        "model": "o4-mini-2025-04-16",
        "instructions": "Answer in French.",
        "output": [
            {
                "type": "reasoning",
                "id": "rs_1",
                "summary": [{"type": "summary_text", "text": "Look it up."}],
            },
            {
                "type": "function_call",
                "id": "fc_1",
                "call_id": "call_9",
                "name": "lookup",
                "arguments": '{"q": "capital"}',
            },
            {
                "type": "message",
                "id": "msg_9",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "Paris.", "annotations": []}],
            },
        ],
        "usage": {
            "input_tokens": 900,
            "input_tokens_details": {"cached_tokens": 300},
            "output_tokens": 120,
            "output_tokens_details": {"reasoning_tokens": 64},
            "total_tokens": 1020,
        },
    }
    pair = {
        "request": {
            "model": "o4-mini",
            "input": [
                {"role": "user", "content": [{"type": "input_text", "text": "Capital?"}]},
                {"type": "function_call", "call_id": "call_0", "name": "lookup", "arguments": "{}"},
                {"type": "function_call_output", "call_id": "call_0", "output": "France"},
            ],
            "reasoning": {"effort": "low"},
            "max_output_tokens": 300,
        },
        "response": {**response, "id": "resp_2"},
    }
    [result] = run(db, write_jsonl(tmp_path / "responses.jsonl", [response, pair]))
    assert (result.status, result.spans) == (ImportStatus.IMPORTED, 2), result.error
    bare = span_detail(db, "resp_1")
    assert (bare["provider"], bare["model"], bare["start_ns"]) == (
        "openai",
        "o4-mini-2025-04-16",
        1_740_000_000 * 10**9,
    )
    assert (
        bare["input_tokens"],
        bare["cache_read_tokens"],
        bare["output_tokens"],
        bare["reasoning_tokens"],
        bare["total_tokens"],
    ) == (900, 300, 120, 64, 1020)
    [out] = bare["output_messages"]
    assert out["content"] == "Paris."
    assert calls(bare) == [("call_9", "lookup", {"q": "capital"})]
    assert json.loads(out["parts"])[0]["content"] == "Look it up."
    assert [(m["role"], m["content"]) for m in bare["input_messages"]] == [
        ("system", "Answer in French.")
    ]
    paired = span_detail(db, "resp_2")
    assert paired["request_model"] == "o4-mini"
    assert [(m["role"], m["content"], m["tool_call_id"]) for m in paired["input_messages"]] == [
        ("system", "Answer in French.", None),
        ("user", "Capital?", None),
        ("assistant", None, None),
        ("tool", "France", "call_0"),
    ]
    assert attributes(paired)["gen_ai.request.reasoning_effort"] == "low"


def test_openai_chat_stream_is_reassembled(db: Database, tmp_path: Path) -> None:
    def chunk(
        delta: dict[str, Any], finish: str | None = None, usage: Any = None, choices: bool = True
    ) -> str:
        body = {
            "id": "chatcmpl-s",
            "object": "chat.completion.chunk",
            "created": 1_740_000_000,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}] if choices else [],
            "usage": usage,
        }
        return "data: " + json.dumps(body) + "\n\n"

    sse = "".join(
        [
            chunk({"role": "assistant", "content": ""}),
            chunk({"content": "Let me "}),
            chunk({"content": "check."}),
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_s",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": ""},
                        }
                    ]
                }
            ),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city":'}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"Oslo"}'}}]}),
            chunk({}, finish="tool_calls"),
            chunk(
                {},
                usage={
                    "prompt_tokens": 50,
                    "completion_tokens": 12,
                    "total_tokens": 62,
                    "prompt_tokens_details": {"cached_tokens": 0},
                },
                choices=False,
            ),
            "data: [DONE]\n\n",
        ]
    )
    record = {
        "request": chat_request(stream=True),
        "response": {"status": 200, "headers": {"content-type": "text/event-stream"}, "body": sse},
    }
    [result] = run(db, write_jsonl(tmp_path / "stream.jsonl", [record]))
    assert result.status is ImportStatus.IMPORTED, result.error
    call = span_detail(db, "chatcmpl-s")
    assert call["output_messages"][0]["content"] == "Let me check."
    assert calls(call) == [("call_s", "get_weather", {"city": "Oslo"})]
    assert (call["input_tokens"], call["output_tokens"], call["total_tokens"]) == (50, 12, 62)
    assert attributes(call)["gen_ai.response.finish_reasons"] == ["tool_calls"]
    assert attributes(call)["provider_log.stream_events"] == 8


def test_error_responses(db: Database, tmp_path: Path) -> None:
    openai_429 = {
        "request": chat_request(),
        "response": {
            "status": 429,
            "headers": {},
            "body": json.dumps(
                {
                    "error": {
                        "message": "Rate limit reached for gpt-4o",
                        "type": "requests",
                        "param": None,
                        "code": "rate_limit_exceeded",
                    }
                }
            ),
        },
    }
    anthropic_529 = {
        "status": 529,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
        ),
    }
    no_response = {
        "request": {
            "model": "claude-haiku-4-5",
            "max_tokens": 10,
            "system": "x",
            "messages": [{"role": "user", "content": "hi"}],
        },
        "response": None,
        "error": {"type": "APIConnectionError", "message": "Connection reset"},
    }
    failed = {
        "id": "resp_f",
        "object": "response",
        "status": "failed",
        "model": "gpt-4.1",
        "output": [],
        "error": {"code": "server_error", "message": "The model failed"},
    }
    stream_error = {
        "status": 200,
        "headers": {"content-type": "text/event-stream"},
        "body": (
            'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_e","type":"message",'
            '"role":"assistant","model":"claude-opus-4-1","content":[],"usage":{"input_tokens":10,"output_tokens":1}}}\n\n'
            'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n'
            'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Par"}}\n\n'
            'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
        ),
    }
    ok = chat_completion("chatcmpl-ok")
    path = write_jsonl(
        tmp_path / "errors.jsonl",
        [openai_429, anthropic_529, no_response, failed, stream_error, ok],
    )
    [result] = run(db, path)
    assert (result.status, result.spans) == (ImportStatus.IMPORTED, 6), result.error
    rows = (
        db.reader()
        .execute(
            "SELECT provider, status, status_message, error_type FROM spans ORDER BY status_message NULLS LAST"
        )
        .fetchall()
    )
    assert rows == [
        ("anthropic", "error", "Connection reset", "APIConnectionError"),
        ("anthropic", "error", "Overloaded", "overloaded_error"),
        ("anthropic", "error", "Overloaded", "overloaded_error"),
        ("openai", "error", "Rate limit reached for gpt-4o", "requests"),
        ("openai", "error", "The model failed", "server_error"),
        ("openai", "ok", None, None),
    ]
    cut = span_detail(db, "msg_e")  # the text streamed before the error is kept
    assert cut["output_messages"][0]["content"] == "Par" and cut["status"] == "error"
    limited = (
        db.reader()
        .execute(
            "SELECT attributes->>'$.\"http.response.status_code\"', events FROM spans "
            "WHERE status_message LIKE 'Rate limit%'"
        )
        .fetchone()
    )
    assert limited is not None and limited[0] == "429"
    assert json.loads(limited[1])[0]["name"] == "exception"


def test_openai_batch_output(db: Database, tmp_path: Path) -> None:
    lines = [
        {
            "id": "batch_req_1",
            "custom_id": "request-1",
            "response": {
                "status_code": 200,
                "request_id": "req_a",
                "body": chat_completion("chatcmpl-b1"),
            },
            "error": None,
        },
        {
            "id": "batch_req_2",
            "custom_id": "request-2",
            "response": None,
            "error": {
                "code": "batch_expired",
                "message": "This request could not be executed before the "
                "completion window expired.",
            },
        },
        {
            "id": "batch_req_3",
            "custom_id": "request-3",
            "response": {
                "status_code": 400,
                "request_id": "req_c",
                "body": {
                    "error": {
                        "message": "Invalid 'messages'",
                        "type": "invalid_request_error",
                        "code": None,
                    }
                },
            },
            "error": None,
        },
    ]
    [result] = run(db, write_jsonl(tmp_path / "batch_output.jsonl", lines))
    assert (result.status, result.spans, result.traces) == (ImportStatus.IMPORTED, 3, 3), (
        result.error
    )
    good = span_detail(db, "chatcmpl-b1")
    assert (good["status"], good["input_tokens"], good["provider"]) == ("ok", 1200, "openai")
    raw = attributes(good)
    assert (
        raw["openai.batch.custom_id"],
        raw["openai.batch.line_id"],
        raw["openai.batch.request_id"],
    ) == ("request-1", "batch_req_1", "req_a")
    failed = (
        db.reader()
        .execute(
            "SELECT attributes->>'$.\"openai.batch.custom_id\"', status, error_type FROM spans "
            "WHERE status = 'error' ORDER BY 1"
        )
        .fetchall()
    )
    assert failed == [
        ("request-2", "error", "batch_expired"),
        ("request-3", "error", "invalid_request_error"),
    ]


def test_file_shapes_gzip_list_and_concatenated(db: Database, tmp_path: Path) -> None:
    gz = tmp_path / "calls.jsonl.gz"
    with gzip.open(gz, "wt") as handle:
        handle.write(json.dumps(chat_completion("chatcmpl-g")) + "\n")
    listed = write_json(
        tmp_path / "list.json",
        [chat_completion("chatcmpl-l1"), chat_completion("chatcmpl-l2")],
        indent=2,
    )
    concatenated = tmp_path / "pretty.json"
    concatenated.write_text(
        json.dumps(anthropic_message("msg_c1"), indent=2)
        + "\n"
        + json.dumps(anthropic_message("msg_c2"), indent=2)
        + "\n"
    )
    results = run(db, gz, listed, concatenated)
    assert [(r.status, r.format, r.spans) for r in results] == [
        (ImportStatus.IMPORTED, "provider-log", 1),
        (ImportStatus.IMPORTED, "provider-log", 2),
        (ImportStatus.IMPORTED, "provider-log", 2),
    ]


# -- ids ------------------------------------------------------------------------------------------


def test_ids_are_deterministic(db: Database, tmp_path: Path, corpus: Path) -> None:
    source = (
        corpus / "openai" / "openinference-langchain4j-cassette_v1_chat_completions-1st-call.json"
    )
    copy = tmp_path / "renamed.json"
    shutil.copy(source, copy)
    first, again = run(db, source, copy)
    assert (first.status, again.status, again.spans) == (
        ImportStatus.IMPORTED,
        ImportStatus.UNCHANGED,
        1,
    )

    # The same call in another file with other content: the response id makes it the same span.
    listed = write_json(
        tmp_path / "list.json",
        [json.loads(source.read_text()), chat_completion("chatcmpl-new")],
        indent=2,
    )
    [result] = run(db, listed)
    assert result.status is ImportStatus.IMPORTED
    assert any("replaced" in w for w in result.warnings)
    assert counts(db)[:2] == (2, 2)

    # Without a response id, the id is a hash of the position and the content: stable
    # across files and databases, different for a different record.
    no_id = {"request": chat_request(), "response": None, "error": {"message": "timeout"}}
    a = write_jsonl(tmp_path / "a.jsonl", [no_id, chat_completion("chatcmpl-a")])
    b = write_jsonl(tmp_path / "b.jsonl", [no_id, chat_completion("chatcmpl-b")])
    run(db, a)
    [second] = run(db, b)
    assert any("replaced" in w for w in second.warnings)
    hashed = (
        db.reader().execute("SELECT trace_id, span_id FROM spans WHERE status = 'error'").fetchall()
    )
    assert len(hashed) == 1 and len(hashed[0][0]) == 32 and len(hashed[0][1]) == 16
    other = Database.open(tmp_path / "other.duckdb")
    try:
        run(other, b)
        assert (
            other.reader()
            .execute("SELECT trace_id, span_id FROM spans WHERE status = 'error'")
            .fetchall()
            == hashed
        )
    finally:
        other.close()


def test_same_call_twice_in_one_file_is_merged(db: Database, tmp_path: Path) -> None:
    record = chat_completion("chatcmpl-dup")
    later = {"timestamp": T_ISO, "session_id": "s-dup", "response": record}
    [result] = run(db, write_jsonl(tmp_path / "dup.jsonl", [record, later]))
    assert (result.spans, result.traces) == (1, 1)
    assert any("merged" in w for w in result.warnings)
    merged = span_detail(db, "chatcmpl-dup")
    # The store keeps the earliest start (created, 1740000000 s) and the later record's session.
    assert (merged["start_ns"], merged["session_id"]) == (1_740_000_000 * 10**9, "s-dup")


# -- bad input ------------------------------------------------------------------------------------


def test_truncated_file_fails_alone(db: Database, tmp_path: Path) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", [chat_completion("chatcmpl-good")])
    text = "".join(json.dumps(chat_completion(f"chatcmpl-{i}")) + "\n" for i in range(5))
    bad = tmp_path / "bad.jsonl"
    bad.write_text(text[: len(text) - 40])
    results = run(db, good, bad)
    assert [r.status for r in results] == [ImportStatus.IMPORTED, ImportStatus.FAILED]
    assert "bad.jsonl" in (results[1].error or "") and "line 5" in (results[1].error or "")
    assert counts(db) == (1, 1, 1)


def test_truncated_single_document_is_still_recognised(
    db: Database, tmp_path: Path, corpus: Path
) -> None:
    source = (
        corpus
        / "other"
        / "anthropic-http"
        / "openinference-anthropic-cassette_reasoning-tool-use-streaming.json"
    )
    text = source.read_text()
    cut = tmp_path / "cut.json"
    cut.write_text(text[: len(text) // 2])
    [result] = run(db, cut)
    assert (result.status, result.format) == (ImportStatus.FAILED, "provider-log")
    # The cut falls inside the body string, which opens on line 6 of the pretty-printed file.
    assert "cut.json" in (result.error or "") and "line 6" in (result.error or "")
    assert counts(db) == (0, 0, 0)


def test_one_bad_line_rolls_back_the_whole_file(db: Database, tmp_path: Path) -> None:
    lines = [json.dumps(chat_completion(f"chatcmpl-{i}")) for i in range(3000)]
    lines[2500] = lines[2500][:-5] + "!!!"
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(lines) + "\n")
    [result] = run(db, path)
    assert result.status is ImportStatus.FAILED
    assert "calls.jsonl" in (result.error or "") and "line 2501" in (result.error or "")
    assert counts(db) == (0, 0, 0)


def test_a_foreign_record_rolls_back_the_file(db: Database, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "mixed.jsonl", [chat_completion("chatcmpl-1"), {"event": "deploy", "version": 3}]
    )
    [result] = run(db, path)
    assert result.status is ImportStatus.FAILED
    assert "line 2" in (result.error or "") and "not a provider" in (result.error or "")
    assert counts(db) == (0, 0, 0)


@pytest.mark.parametrize(
    "value",
    [
        {"error": {"message": "quota", "type": "insufficient_quota"}},  # an error says no call
        {
            "status": 200,
            "headers": {},
            "body": '{"ok": true}',
        },  # an HTTP recording of something else
        {
            "input": {"messages": []},
            "output": {"object": "chat.completion", "choices": []},
        },  # span-like
        {"object": "chat.completion.chunk", "choices": []},  # one chunk is not a call
        {"trace": {"id": "t"}, "observations": []},
    ],
)
def test_other_json_is_not_claimed(tmp_path: Path, value: Any) -> None:
    path = write_json(tmp_path / "other.json", value, indent=2)
    assert not ProviderLogs().sniff(read_sample(path))


@pytest.mark.corpus
def test_other_formats_in_the_corpus_are_not_claimed(corpus: Path) -> None:
    mine = {corpus / "openai", corpus / "other" / "anthropic-http"}
    checked = 0
    for path in sorted(corpus.rglob("*")):
        if path.is_file() and path.suffix != ".md" and not any(d in path.parents for d in mine):
            assert not ProviderLogs().sniff(read_sample(path)), path
            checked += 1
    assert checked > 40


# -- streamed responses logged one event per line --------------------------------------------

STREAMS = Path(__file__).parent / "fixtures" / "provider-streams"


def llm_rows(db: Database) -> list[dict[str, Any]]:
    """Every llm span's detail, in file order (position kept in the attributes)."""
    found = rows(
        db,
        "SELECT trace_id, span_id FROM spans WHERE kind = 'llm' "
        "ORDER BY regexp_extract(json_extract_string(attributes, '$.\"provider_log.position\"'), "
        "'[0-9]+')::INTEGER, span_id",
    )
    return [span_detail(db, t, s) for t, s in found]


def write_lines(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


def test_anthropic_event_lines_reassembled(db: Database, tmp_path: Path) -> None:
    # The data lines of anthropic-sdk-python's tool_use_response.txt, one event per line.
    path = STREAMS / "anthropic-sdk_tool_use_response.events.jsonl"
    [result] = run(db, path)
    assert (result.status, result.format, result.spans) == (
        ImportStatus.IMPORTED,
        "provider-log",
        1,
    )
    [call] = llm_rows(db)
    assert (call["model"], call["provider"], call["status"]) == (
        "claude-sonnet-4-20250514",
        "anthropic",
        "ok",
    )
    assert (call["input_tokens"], call["output_tokens"]) == (377, 65)
    [out] = call["output_messages"]
    assert out["content"] == "I'll check the current weather in Paris for you."
    assert [(c["name"], json.loads(c["arguments"])) for c in call["tool_calls"]] == [
        ("get_weather", {"location": "Paris"})
    ]
    assert attributes(call)["gen_ai.response.finish_reasons"] == ["tool_use"]
    assert attributes(call)["provider_log.stream_events"] == 14  # ping not counted
    check_file(tmp_path / "view", path, tokens=(377, 65))


def test_openai_responses_event_lines_each_call_on_its_own(db: Database, tmp_path: Path) -> None:
    # Frames of openai-python's websocket scenarios: a completed call, a failed one, an error
    # before any response, a completed call after it, and one the connection cut short.
    path = STREAMS / "openai-python_websocket_scenarios.events.jsonl"
    [result] = run(db, path)
    assert result.status is ImportStatus.IMPORTED, result.error
    calls = llm_rows(db)
    assert [(c["status"], c["status_message"]) for c in calls] == [
        ("ok", None),
        ("error", "Synthetic failure"),
        ("error", "Synthetic invalid input"),
        ("ok", None),
        ("error", "the stream stops after 'response.created', before the call finished"),
    ]
    assert [c["input_messages"][0]["content"] for c in calls] == ["Synthetic input"] * 5
    assert calls[0]["output_messages"][0]["content"] == "Synthetic text"
    assert {c["provider"] for c in calls} == {"openai"}
    assert all(c["model"] == "gpt-4o-mini" for c in calls)
    assert "1 streamed calls stop before their last event; shown as errors" in result.warnings
    check_file(tmp_path / "view", path, tokens=(0, 0))


def test_insufficient_quota_is_the_error_of_its_call(db: Database, tmp_path: Path) -> None:
    # Built from the documented Responses stream events: the `error` event carries code and
    # message itself. The call after it still imports.
    def created(rid: str) -> dict[str, Any]:
        return {
            "type": "response.created",
            "sequence_number": 0,
            "response": {
                "id": rid,
                "object": "response",
                "created_at": 1741290958,
                "model": "gpt-4.1-2025-04-14",
                "status": "in_progress",
                "output": [],
            },
        }

    quota = "You exceeded your current quota, please check your plan and billing details."
    done = created("resp_ok")
    done["response"] = {
        **done["response"],
        "status": "completed",
        "usage": {
            "input_tokens": 36,
            "output_tokens": 87,
            "total_tokens": 123,
            "output_tokens_details": {"reasoning_tokens": 0},
        },
    }
    events = [
        created("resp_quota"),
        {
            "type": "error",
            "code": "insufficient_quota",
            "message": quota,
            "param": None,
            "sequence_number": 1,
        },
        created("resp_ok"),
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "sequence_number": 1,
            "item": {
                "id": "fc_1",
                "type": "function_call",
                "name": "get_weather",
                "call_id": "call_1",
                "arguments": "",
            },
        },
        {
            "type": "response.function_call_arguments.delta",
            "output_index": 0,
            "sequence_number": 2,
            "item_id": "fc_1",
            "delta": '{"city":',
        },
        {
            "type": "response.function_call_arguments.delta",
            "output_index": 0,
            "sequence_number": 3,
            "item_id": "fc_1",
            "delta": '"Paris"}',
        },
        {**done, "type": "response.completed", "sequence_number": 4},
    ]
    [result] = run(db, write_lines(tmp_path / "quota.jsonl", events))
    assert result.status is ImportStatus.IMPORTED, result.error
    failed, answered = llm_rows(db)
    assert (failed["status"], failed["status_message"], failed["error_type"]) == (
        "error",
        quota,
        "insufficient_quota",
    )
    assert answered["status"] == "ok"
    assert [(c["name"], c["arguments"]) for c in answered["tool_calls"]] == [
        ("get_weather", '{"city":"Paris"}')
    ]
    assert (answered["input_tokens"], answered["output_tokens"]) == (36, 87)


def test_anthropic_error_mid_stream_keeps_what_arrived(db: Database, tmp_path: Path) -> None:
    lines = (STREAMS / "anthropic-sdk_tool_use_response.events.jsonl").read_text().splitlines()
    cut = [json.loads(line) for line in lines[:5]]  # message_start … the first text deltas
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    [result] = run(db, write_lines(tmp_path / "cut.jsonl", [*cut, overloaded]))
    assert result.status is ImportStatus.IMPORTED, result.error
    [call] = llm_rows(db)
    assert (call["status"], call["status_message"], call["error_type"]) == (
        "error",
        "Overloaded",
        "overloaded_error",
    )
    assert call["output_messages"][0]["content"].startswith("I'll check the current weather")
    assert call["provider"] == "anthropic"


# -- tools the provider runs inside one model call -------------------------------------------


def test_anthropic_server_tools_are_tool_calls_with_results(db: Database, tmp_path: Path) -> None:
    # anthropic-sdk-python's server_tool_result_response.txt as event lines.
    path = STREAMS / "anthropic-sdk_server_tool_result_response.events.jsonl"
    [result] = run(db, path)
    assert result.status is ImportStatus.IMPORTED, result.error
    [call] = llm_rows(db)
    web, client = call["tool_calls"]
    assert (web["call_id"], web["name"], web["arguments"]) == ("svu_web_001", "web_search", "{}")
    [hit] = json.loads(web["result"])
    assert (hit["url"], hit["title"]) == ("https://example.com", "Example Result")
    assert (client["name"], client["result"]) == ("ask_internal_tool", None)
    # the code execution result names a call this excerpt does not hold: kept as a part
    parts = json.loads(call["output_messages"][0]["parts"])
    assert [p["id"] for p in parts] == ["svu_web_001", "svu_code_001"]
    check_file(tmp_path / "view", path, tokens=(50, 20))


def test_anthropic_server_tool_arguments_streamed(db: Database) -> None:
    [result] = run(db, STREAMS / "anthropic-sdk_server_tool_use_response.events.jsonl")
    assert result.status is ImportStatus.IMPORTED, result.error
    [call] = llm_rows(db)
    [search] = call["tool_calls"]
    assert (search["name"], json.loads(search["arguments"])) == (
        "web_search",
        {"query": "weather in Paris"},
    )
    assert call["output_messages"][0]["content"] == "Let me search for that."


def responses_with_server_tools() -> dict[str, Any]:
    """A Responses API answer with every server-side tool item, built from the documented
    schema (no recorded sample holds them all); the web search failed."""
    return {
        "request": {
            "model": "gpt-4.1",
            "input": "Find the refund policy",
            "tools": [{"type": "web_search"}, {"type": "file_search"}],
        },
        "response": {
            "id": "resp_tools",
            "object": "response",
            "created_at": 1741290958,
            "model": "gpt-4.1-2025-04-14",
            "status": "completed",
            "output": [
                {
                    "type": "web_search_call",
                    "id": "ws_1",
                    "status": "failed",
                    "action": {"type": "search", "query": "acme refund policy"},
                },
                {
                    "type": "file_search_call",
                    "id": "fs_1",
                    "status": "completed",
                    "queries": ["refund policy"],
                    "results": [
                        {
                            "file_id": "file-1",
                            "filename": "policy.pdf",
                            "score": 0.91,
                            "text": "Refunds within 30 days.",
                        }
                    ],
                },
                {
                    "type": "code_interpreter_call",
                    "id": "ci_1",
                    "status": "completed",
                    "code": "print(30 * 2)",
                    "container_id": "cntr_1",
                    "outputs": [{"type": "logs", "logs": "60"}],
                },
                {
                    "type": "mcp_call",
                    "id": "mcp_1",
                    "server_label": "crm",
                    "name": "lookup",
                    "arguments": '{"order": 42}',
                    "output": "order 42: paid",
                    "error": None,
                },
                {
                    "type": "message",
                    "id": "msg_1",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": "Refunds within 30 days."}],
                },
            ],
            "usage": {"input_tokens": 120, "output_tokens": 40, "total_tokens": 160},
        },
    }


def test_openai_server_tools_are_tool_calls_and_a_failure(db: Database, tmp_path: Path) -> None:
    path = write_json(tmp_path / "tools.json", responses_with_server_tools())
    [result] = run(db, path)
    assert result.status is ImportStatus.IMPORTED, result.error
    [call] = llm_rows(db)
    calls = {c["name"]: c for c in call["tool_calls"]}
    assert sorted(calls) == ["code_interpreter", "crm.lookup", "file_search", "web_search"]
    assert json.loads(calls["web_search"]["arguments"])["query"] == "acme refund policy"
    assert json.loads(calls["web_search"]["result"])["error"] == "failed"
    assert json.loads(calls["file_search"]["result"])[0]["filename"] == "policy.pdf"
    assert json.loads(calls["code_interpreter"]["arguments"])["code"] == "print(30 * 2)"
    assert json.loads(calls["code_interpreter"]["result"]) == [{"type": "logs", "logs": "60"}]
    assert (calls["crm.lookup"]["arguments"], calls["crm.lookup"]["result"]) == (
        '{"order": 42}',
        '"order 42: paid"',
    )
    assert call["output_messages"][0]["content"] == "Refunds within 30 days."
    # the failed search is the trace's first failure in step-through, and has:tool finds it
    steps = build_steps(call["trace_id"], step_rows(db.reader(), call["trace_id"]))
    assert steps.first_failure == 0 and steps.first_tool_failure == 0
    assert steps.steps[0].failure == "tool failure"
    where = compile_filter("has:tool", "spans")
    page = queries.span_page(db.reader(), where=where)
    assert page.rows.column("span_id").to_pylist() == [call["span_id"]]
    check_file(tmp_path / "view", path, tokens=(120, 40))


# -- what an engineer sees, on every corpus file of the format ----------------------------------

# input and output tokens over each file's traces, as recorded in it
test_engineer_view = corpus_view_test(
    "",
    {
        "openai/openinference-langchain4j-cassette_v1_chat_completions-1st-call.json": (162, 17),
        "openai/openinference-langchain4j-cassette_v1_chat_completions-2nd-call.json": (189, 13),
        "other/anthropic-http/openinference-anthropic-cassette_reasoning-tool-use-non-streaming.json": (
            596,
            99,
        ),
        "other/anthropic-http/openinference-anthropic-cassette_reasoning-tool-use-streaming.json": (
            596,
            99,
        ),
    },
)


def test_chat_completion_chunks_one_per_line(db: Database, tmp_path: Path) -> None:
    # Chunks as the OpenAI SDK yields them (documented chunk object), two calls one after the
    # other; the second was cut before its finish_reason.
    def chunk(cid: str, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict:
        return {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": 1741290958,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }

    lines = [
        chunk("chatcmpl-1", {"role": "assistant", "content": ""}),
        chunk("chatcmpl-1", {"content": "Hello"}),
        chunk("chatcmpl-1", {"content": " there"}),
        chunk("chatcmpl-1", {}, "stop"),
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1741290958,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [],
            "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11},
        },
        chunk("chatcmpl-2", {"role": "assistant", "content": "Par"}),
    ]
    [result] = run(db, write_lines(tmp_path / "chunks.jsonl", lines))
    assert result.status is ImportStatus.IMPORTED, result.error
    first, second = llm_rows(db)
    assert first["output_messages"][0]["content"] == "Hello there"
    assert (first["status"], first["input_tokens"], first["output_tokens"]) == ("ok", 9, 2)
    assert second["status"] == "error" and second["output_messages"][0]["content"] == "Par"
