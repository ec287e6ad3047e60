"""The request of a recorded llm span, rebuilt, and turned into each protocol's shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from otlp_builder import LLM, TRACE, agent_trace, document, write_json
from spanscope.core.replay_payloads import anthropic_payload, openai_payload
from spanscope.core.replay_request import (
    ReplayRequest,
    recorded_output,
    request_from_span,
    tool_definitions,
)
from spanscope.ingest import import_paths
from spanscope.store import Database, queries

SCHEMA = {"type": "object", "properties": {"query": {"type": "string"}}}


def test_the_recorded_request_of_an_imported_span(db: Database, tmp_path: Path) -> None:
    [result] = list(import_paths(db, [write_json(tmp_path / "a.json", document(agent_trace()))]))
    assert result.status == "imported"
    detail = queries.span_detail(db.reader(), TRACE, LLM)
    assert detail is not None
    request = request_from_span(detail)
    assert request.model == "gpt-4o"  # asked for, not the dated snapshot that answered
    assert request.messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is your refund policy?"},
    ]
    assert request.params == {"temperature": 0.2, "max_tokens": 512}
    recorded = recorded_output(detail)
    assert recorded.text == "Let me look that up."
    assert recorded.tool_calls == [
        {"call_id": "call_1", "name": "search_kb", "arguments": '{"query":"refund policy"}'}
    ]


@pytest.mark.parametrize(
    "attributes",
    [
        {
            "gen_ai.tool.definitions": json.dumps(
                [
                    {
                        "type": "function",
                        "function": {
                            "name": "search_kb",
                            "description": "Search",
                            "parameters": SCHEMA,
                        },
                    }
                ]
            )
        },
        {
            "gen_ai.tool.definitions": [
                {"name": "search_kb", "description": "Search", "input_schema": SCHEMA}
            ]
        },
        {
            "llm.tools.0.tool.json_schema": json.dumps(
                {
                    "type": "function",
                    "function": {
                        "name": "search_kb",
                        "description": "Search",
                        "parameters": SCHEMA,
                    },
                }
            )
        },
        {
            "llm.request.functions.0.name": "search_kb",
            "llm.request.functions.0.description": "Search",
            "llm.request.functions.0.parameters": json.dumps(SCHEMA),
        },
    ],
    ids=["genai-openai-shape", "genai-anthropic-shape", "openinference", "openllmetry"],
)
def test_tool_definitions_in_each_convention(attributes: dict[str, object]) -> None:
    assert tool_definitions(attributes) == [
        {"name": "search_kb", "description": "Search", "parameters": SCHEMA}
    ]


def _agent_turn() -> ReplayRequest:
    return ReplayRequest(
        model="m",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Refund?"},
            {
                "role": "assistant",
                "content": "Looking.",
                "tool_calls": [
                    {"call_id": "c1", "name": "search_kb", "arguments": '{"query": "refund"}'}
                ],
            },
            {"role": "tool", "content": "30 days", "tool_call_id": "c1"},
        ],
        tools=[{"name": "search_kb", "description": "Search", "parameters": SCHEMA}],
        params={"temperature": 0, "max_tokens": 100, "stop": ["END"], "vendor_knob": 3},
    )


def test_openai_shape() -> None:
    payload = openai_payload(_agent_turn())
    kwargs = payload.kwargs
    assert kwargs["messages"][2]["tool_calls"] == [
        {
            "id": "c1",
            "type": "function",
            "function": {"name": "search_kb", "arguments": '{"query": "refund"}'},
        }
    ]
    assert kwargs["messages"][3] == {"role": "tool", "content": "30 days", "tool_call_id": "c1"}
    assert kwargs["tools"][0]["function"]["parameters"] == SCHEMA
    assert (kwargs["temperature"], kwargs["max_tokens"], kwargs["stop"]) == (0, 100, ["END"])
    assert payload.dropped == ["vendor_knob"]  # listed, not sent


def test_anthropic_shape() -> None:
    payload = anthropic_payload(_agent_turn())
    kwargs = payload.kwargs
    assert kwargs["system"] == "Be brief."
    assert [t["role"] for t in kwargs["messages"]] == ["user", "assistant", "user"]
    assert kwargs["messages"][1]["content"] == [
        {"type": "text", "text": "Looking."},
        {"type": "tool_use", "id": "c1", "name": "search_kb", "input": {"query": "refund"}},
    ]
    assert kwargs["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "c1", "content": "30 days"}
    ]
    assert kwargs["tools"] == [
        {"name": "search_kb", "description": "Search", "input_schema": SCHEMA}
    ]
    assert kwargs["stop_sequences"] == ["END"] and kwargs["max_tokens"] == 100
    assert payload.dropped == ["vendor_knob"]


def test_anthropic_needs_max_tokens_and_merges_turns() -> None:
    request = ReplayRequest(
        "m", [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]
    )
    kwargs = anthropic_payload(request).kwargs
    assert kwargs["max_tokens"] == 1024
    assert kwargs["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}
    ]


def test_an_edited_request_is_checked() -> None:
    good = _agent_turn().as_dict()
    assert ReplayRequest.from_dict(json.loads(json.dumps(good))) == _agent_turn()
    with pytest.raises(ValueError, match="message 2 has no role"):
        ReplayRequest.from_dict({"messages": [{"role": "user"}, {"content": "x"}]})
    with pytest.raises(ValueError, match="params must be an object"):
        ReplayRequest.from_dict({"messages": [], "params": [1]})
