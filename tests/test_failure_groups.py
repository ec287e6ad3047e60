"""Failure groups: failures grouped by cause with masked messages, the ``group:`` filter term,
and ``spanscope groups``, on a real database built from OTLP files whose failures are known."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from otlp_builder import document, span, write_json
from spanscope.core.filters import compile_filter
from spanscope.model.annotation import Annotation
from spanscope.store import Database, queries
from spanscope.store.annotations import save_annotation
from spanscope.store.failure_groups import FailureGroup, cohort_failure_groups, failure_groups
from spanscope.store.queries import Where
from store_checks import imported

HOUR_MS = 3_600_000


def _tool(trace: str, sid: str, tool: str, message: str, start: int, user: str) -> dict[str, Any]:
    return span(
        trace,
        sid,
        f"execute_tool {tool}",
        start=start,
        status=2,
        message=message,
        attributes={
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": tool,
            "gen_ai.tool.call.arguments": "{}",
            "user.id": user,
        },
    )


def _llm(trace: str, sid: str, start: int, **extra: Any) -> dict[str, Any]:
    attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 10,
        "gen_ai.usage.output_tokens": 5,
    }
    status = extra.pop("status", None)
    message = extra.pop("message", None)
    attributes.update(extra)
    return span(
        trace,
        sid,
        "chat gpt-4o",
        start=start,
        status=status,
        message=message,
        attributes=attributes,
    )


def _retriever(trace: str, sid: str, start: int, documents: list[dict[str, Any]]) -> dict[str, Any]:
    attributes: dict[str, Any] = {"gen_ai.operation.name": "retrieval"}
    if documents:
        attributes["gen_ai.retrieval.documents"] = json.dumps(documents)
    return span(trace, sid, "retrieval kb", start=start, attributes=attributes)


T1, T2, T3, T4 = ("1" * 32, "2" * 32, "3" * 32, "4" * 32)


@pytest.fixture
def incident(db: Database, tmp_path: Path) -> Database:
    """Four traces: the same 'order … not found' failure with different ids in two traces (two
    users), a tool time-out, a rate-limited call, a truncated and a refused answer, one empty
    and one successful retrieval; the time-out appears only in the last hour."""
    spans = [
        _tool(T1, "a" * 16, "lookup_order", "order A-1234 not found", 0, "u_1"),
        _tool(T2, "b" * 16, "lookup_order", "order B-77 not found", 60_000, "u_2"),
        _tool(T2, "c" * 16, "lookup_order", "order C-5 not found", 61_000, "u_2"),
        _tool(T3, "d" * 16, "send_email", "timeout after 30s", 3 * HOUR_MS, "u_3"),
        _llm(
            T1,
            "e" * 16,
            100,
            status=2,
            message="Rate limit reached for org-abc123 in 20ms",
            **{"error.type": "RateLimitError"},
        ),
        _llm(T3, "f" * 16, 200, **{"gen_ai.response.finish_reasons": ["length"]}),
        _llm(T4, "0" * 15 + "1", 300, **{"gen_ai.response.finish_reasons": ["content_filter"]}),
        _llm(T4, "0" * 15 + "2", 400, **{"gen_ai.response.finish_reasons": ["stop"]}),
        _retriever(T4, "0" * 15 + "3", 500, []),
        _retriever(T4, "0" * 15 + "4", 600, [{"id": "d1", "content": "Refunds", "score": 0.9}]),
    ]
    imported(db, write_json(tmp_path / "incident.json", document(spans, service="checkout")))
    return db


def _by_kind(groups: list[FailureGroup]) -> dict[str, list[FailureGroup]]:
    out: dict[str, list[FailureGroup]] = {}
    for group in groups:
        out.setdefault(group.kind, []).append(group)
    return out


def test_failures_with_different_ids_are_one_group(incident: Database) -> None:
    groups = _by_kind(failure_groups(incident.reader()))
    tools = {g.signature: g for g in groups["tool_error"]}
    assert set(tools) == {"lookup_order: order <n> not found", "send_email: timeout after <n>"}
    orders = tools["lookup_order: order <n> not found"]
    assert (orders.count, orders.traces, orders.users) == (3, 2, 2)
    assert orders.example_span_id == "a" * 16  # the first occurrence
    [rate] = groups["error"]
    assert rate.signature == "RateLimitError: Rate limit reached for <n> in <n>"
    assert rate.models == ("gpt-4o",)
    assert rate.services == ("checkout",)
    assert [g.signature for g in groups["truncation"]] == ["chat gpt-4o: finish reason length"]
    assert [g.signature for g in groups["refusal"]] == ["chat gpt-4o: finish reason content_filter"]
    [empty] = groups["empty_retrieval"]
    assert (empty.count, empty.example_span_id) == (1, "0" * 15 + "3")


@pytest.mark.parametrize(
    ("first", "second", "signature"),
    [
        ('no row with key "u-1"', "no row with key 'u-22'", "no row with key <value>"),
        ("job 9f8e7d6c5b4a39281706 failed", "job 0a1b2c3d4e5f60718293 failed", "job <hex> failed"),
        (
            "session 123e4567-e89b-12d3-a456-426614174000 expired",
            "session 00000000-0000-4000-8000-000000000000 expired",
            "session <uuid> expired",
        ),
        ("stale since 2026-11-28T14:00:00Z", "stale since 2026-12-01 09:30", "stale since <time>"),
        ("retry   3 of\n5", "retry 4 of 5", "retry <n> of <n>"),
    ],
)
def test_masking_joins_what_changes_between_occurrences(
    db: Database, tmp_path: Path, first: str, second: str, signature: str
) -> None:
    spans = [
        _tool(T1, "a" * 16, "jobs", first, 0, "u_1"),
        _tool(T2, "b" * 16, "jobs", second, 10, "u_2"),
    ]
    imported(db, write_json(tmp_path / "jobs.json", document(spans)))
    [group] = failure_groups(db.reader())
    assert group.signature == f"jobs: {signature}"
    assert (group.count, group.traces, group.users) == (2, 2, 2)


def test_different_causes_stay_apart(db: Database, tmp_path: Path) -> None:
    spans = [
        _tool(T1, "a" * 16, "lookup_order", "order A-1 not found", 0, "u_1"),
        _tool(T2, "b" * 16, "lookup_order", "order A-1 was cancelled", 10, "u_1"),
        _tool(T3, "c" * 16, "ship_order", "order A-1 not found", 20, "u_1"),
    ]
    imported(db, write_json(tmp_path / "orders.json", document(spans)))
    assert len(failure_groups(db.reader())) == 3


def test_group_term_lists_exactly_the_group(incident: Database) -> None:
    cur = incident.reader()
    [timeout] = [g for g in failure_groups(cur) if g.signature.startswith("send_email")]
    spans = queries.span_page(cur, where=compile_filter(f"group:{timeout.group_id}", "spans"))
    assert [r["span_id"] for r in spans.rows.to_pylist()] == ["d" * 16]
    traces = queries.trace_page(cur, where=compile_filter(f"group:{timeout.group_id}", "traces"))
    assert [r["trace_id"] for r in traces.rows.to_pylist()] == [T3]
    none = queries.span_page(cur, where=compile_filter("group:0123456789", "spans"))
    assert none.rows.num_rows == 0


def test_groups_follow_the_filter_and_a_new_failure_shows_when_it_started(
    incident: Database,
) -> None:
    cur = incident.reader()
    late = failure_groups(cur, compile_filter("after:2025-11-28T16:00", "spans"))
    assert [g.signature for g in late] == ["send_email: timeout after <n>"]
    newest = failure_groups(cur, order="newest")
    assert newest[0].signature == "send_email: timeout after <n>"
    assert newest[0].to_json()["first_seen"] == "2025-11-28T17:00:00Z"
    only_tools = failure_groups(cur, compile_filter("kind:tool", "spans"))
    assert {g.kind for g in only_tools} == {"tool_error"}
    assert failure_groups(cur, compile_filter("service:elsewhere", "spans")) == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("user:u_1", "user:u_2 OR user:u_3"),  # apart
        ("user:u_2 OR user:u_3", ""),  # B holds A: a failure counts on both sides
    ],
)
def test_both_sides_of_a_comparison_get_the_groups_each_would_get_alone(
    incident: Database, a: str, b: str
) -> None:
    cur = incident.reader()
    where_a, where_b = compile_filter(a, "traces"), compile_filter(b, "traces")
    together = cohort_failure_groups(cur, where_a, where_b)
    alone = tuple(
        failure_groups(
            cur, Where(f"trace_id IN (SELECT trace_id FROM traces WHERE {w.sql})", w.params)
        )
        for w in (where_a, where_b)
    )
    assert together == alone
    assert together[0] and together[1]


def test_sparkline_places_failures_in_time(incident: Database) -> None:
    groups = failure_groups(incident.reader())
    timeout = next(g for g in groups if g.signature.startswith("send_email"))
    assert sum(timeout.sparkline) == 1 and timeout.sparkline[-1] == 1
    assert sum(g.sparkline[0] for g in groups) >= 5  # everything else in the first bucket


def test_failure_labels_are_groups_other_labels_are_not(incident: Database) -> None:
    writer = incident.writer.cursor()
    for trace, span_id, label in (
        (T4, "0" * 15 + "2", "hallucination"),
        (T3, "", "hallucination"),
        (T1, "e" * 16, "relevant"),
    ):
        save_annotation(writer, Annotation(trace, span_id, labels=(label,), author="ana"))
    labels = _by_kind(failure_groups(incident.reader())).get("label", [])
    assert [(g.signature, g.count, g.traces) for g in labels] == [("hallucination", 2, 2)]


def test_cli_groups_json_lines(incident: Database, tmp_path: Path) -> None:
    path = incident.path
    incident.close()
    out = subprocess.run(
        [sys.executable, "-m", "spanscope", "--db", str(path), "groups", "--json", "kind:tool"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    records = [json.loads(line) for line in out.splitlines()]
    assert {r["kind"] for r in records} == {"tool_error"}
    assert sum(r["count"] for r in records) == 4
    for record in records:
        assert set(record) >= {
            "group_id",
            "kind",
            "signature",
            "count",
            "traces",
            "users",
            "first_seen",
            "last_seen",
            "example_span_id",
        }
    text = subprocess.run(
        [sys.executable, "-m", "spanscope", "--db", str(path), "groups", "--sort", "newest"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert text.splitlines()[0].split()[1] == "tool_error"
    assert "send_email: timeout after <n>" in text.splitlines()[0]


def test_printed_signatures_and_prompts_mask_keys(db: Database, tmp_path: Path) -> None:
    key = "sk-proj-" + "aBcDeFgHiJkLmNoPqRsTuVwXyZ"  # no digit: the group's own masking keeps it
    spans = [_tool(T1, "a" * 16, "call_api", f"401 from upstream: bad key {key}", 0, "u_1")]
    imported(db, write_json(tmp_path / "keys.json", document(spans)))
    path = db.path
    db.close()

    def run(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "spanscope", "--db", str(path), "groups", *args],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    assert key not in run() and key not in run("--json")
    assert "[REDACTED:api key]" in run("--json")
    assert key in run("--json", "--no-redact")
