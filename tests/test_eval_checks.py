"""Code checks on model calls whose right verdict is known from the call itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from spanscope.core.evaluators.checks import CheckError, parse_check


def call(answer: str = "", **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "trace_id": "t",
        "span_id": "s",
        "input_messages": [{"role": "user", "content": "What is the refund window?"}],
        "output_messages": [{"role": "assistant", "content": answer, "tool_calls": []}],
        "tool_calls": [],
        "duration_ns": 1_500_000_000,
        "tokens": 1200,
        "cost": 0.004,
        "finish_reason": "stop",
        "chunks": [],
        "attributes": "{}",
    }
    row.update(extra)
    return row


def verdict(spec: str, row: dict[str, Any]) -> tuple[str | None, float | None]:
    result = parse_check(spec)(row)
    return result.label, result.score


@pytest.mark.parametrize(
    ("spec", "answer", "expected"),
    [
        ("contains:refund", "Refunds within 30 days.", "pass"),
        ("contains:refund", "Shipping takes 3 days.", "fail"),
        ("not-contains:90 days", "Refunds within 90 days.", "fail"),
        ("not-contains:90 days", "Refunds within 30 days.", "pass"),
        (r"regex:\b\d+ days\b", "within 30 days", "pass"),
        (r"regex:\b\d+ days\b", "within a month", "fail"),
        ("json", '{"refund_days": 30}', "pass"),
        ("json", "refund_days: 30", "fail"),
    ],
)
def test_text_checks(spec: str, answer: str, expected: str) -> None:
    assert verdict(spec, call(answer))[0] == expected


def test_json_schema(tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(
        json.dumps(
            {
                "type": "object",
                "required": ["days"],
                "properties": {"days": {"type": "integer"}},
            }
        )
    )
    check = parse_check(f"json-schema:{schema}")
    assert check(call('{"days": 30}')).label == "pass"
    wrong = check(call('{"days": "thirty"}'))
    assert wrong.label == "fail" and "days" in wrong.explanation
    assert check(call("thirty")).label == "fail"
    with pytest.raises(CheckError, match="cannot be used"):
        parse_check(f"json-schema:{tmp_path / 'missing.json'}")


def test_tool_checks_and_arguments_against_the_declared_schema() -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "lookup_order",
                "description": "find an order",
                "parameters": {
                    "type": "object",
                    "required": ["order_id"],
                    "properties": {"order_id": {"type": "string"}},
                },
            },
        }
    ]
    attributes = json.dumps({"gen_ai.tool.definitions": json.dumps(tools)})
    good = call(
        tool_calls=[
            {
                "call_id": "1",
                "name": "lookup_order",
                "arguments": '{"order_id": "A-1"}',
                "result": None,
            }
        ],
        attributes=attributes,
    )
    bad = call(
        tool_calls=[
            {"call_id": "1", "name": "lookup_order", "arguments": '{"order": 7}', "result": None}
        ],
        attributes=attributes,
    )
    unknown = call(
        tool_calls=[{"call_id": "1", "name": "delete_all", "arguments": "{}", "result": None}],
        attributes=attributes,
    )
    assert verdict("tool-called:lookup_order", good)[0] == "pass"
    assert verdict("tool-called:lookup_order", call("hi"))[0] == "fail"
    assert verdict("tool-not-called:lookup_order", good)[0] == "fail"
    assert verdict("tool-args-valid", good)[0] == "pass"
    result = parse_check("tool-args-valid")(bad)
    assert result.label == "fail" and "order_id" in result.explanation
    assert "not a declared tool" in parse_check("tool-args-valid")(unknown).explanation


def test_thresholds() -> None:
    assert verdict("latency<2s", call())[0] == "pass"
    assert verdict("latency<1s", call())[0] == "fail"
    assert verdict("tokens<1000", call())[0] == "fail"
    assert verdict("cost<0.01", call())[0] == "pass"
    missing = parse_check("cost<0.01")(call(cost=None))
    assert missing.label is None and missing.error == "no cost recorded"


def test_grounded_measures_the_answer_against_the_chunks() -> None:
    chunks = ["Refunds are accepted within 30 days of delivery with a receipt."]
    grounded = parse_check("grounded:0.6")(
        call("Refunds accepted within 30 days of delivery.", chunks=chunks)
    )
    assert grounded.label == "pass" and grounded.score == 1.0
    invented = parse_check("grounded:0.6")(
        call("Refunds need manager approval and a video call.", chunks=chunks)
    )
    assert invented.label == "fail" and invented.score is not None and invented.score < 0.6
    nothing = parse_check("grounded")(call("Refunds within 30 days."))
    assert nothing.error == "nothing to ground in"


def test_refusal_and_truncation() -> None:
    assert verdict("no-refusal", call("Refunds within 30 days."))[0] == "pass"
    assert verdict("no-refusal", call("I'm sorry, I can't help with that."))[0] == "fail"
    assert verdict("no-refusal", call("", finish_reason="content_filter"))[0] == "fail"
    assert verdict("not-truncated", call("Refunds within", finish_reason="length"))[0] == "fail"
    assert verdict("not-truncated", call("Refunds within 30 days."))[0] == "pass"


@pytest.mark.parametrize("spec", ["nonsense", "contains", "regex:(", "latency<soon", "grounded:x"])
def test_bad_specs_are_refused_with_a_reason(spec: str) -> None:
    with pytest.raises(CheckError):
        parse_check(spec)
