"""Prompt versions found in the traces: two versions of a service's system prompt with
variable parts (customer ids, dates) are exactly two versions, live when they were, filterable
with ``prompt:`` and comparable; a declared template wins over the rendered message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from otlp_builder import document, span, write_json
from spanscope.core.filters import compile_filter
from spanscope.store import Database, queries
from spanscope.store.prompt_versions import PromptVersion, prompt_versions
from store_checks import imported

HOUR_MS = 3_600_000
V1 = "You are the support bot for ACME. Customer {c} signed up on {d}. Refunds: 30 days."
V2 = "You are the support bot for ACME. Customer {c} signed up on {d}. Refunds: 90 days."


def _call(
    n: int, start: int, system: str, service_attrs: dict[str, Any] | None = None
) -> dict[str, Any]:
    attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.system_instructions": json.dumps([{"type": "text", "content": system}]),
        "gen_ai.input.messages": json.dumps(
            [{"role": "user", "parts": [{"type": "text", "content": f"question {n}"}]}]
        ),
        **(service_attrs or {}),
    }
    return span(f"{n:032x}", f"{n:016x}", "chat gpt-4o", start=start, attributes=attributes)


@pytest.fixture
def versions_db(db: Database, tmp_path: Path) -> Database:
    """Ten calls with V1 in the first hour, then eight with V2 from 15:00; each call renders
    its own customer id and sign-up date into the prompt."""
    spans = [
        _call(n, n * 60_000, V1.format(c=f"C-{1000 + n}", d=f"2025-0{1 + n % 9}-1{n % 9}"))
        for n in range(1, 11)
    ]
    spans += [
        _call(n, HOUR_MS + n * 60_000, V2.format(c=f"C-{2000 + n}", d="2025-10-01"))
        for n in range(11, 19)
    ]
    imported(db, write_json(tmp_path / "calls.json", document(spans, service="support")))
    return db


def _only(versions: list[PromptVersion], version: int) -> PromptVersion:
    [found] = [v for v in versions if v.version == version]
    return found


def test_rendered_prompts_are_two_versions_live_when_they_were(versions_db: Database) -> None:
    versions = prompt_versions(versions_db.reader())
    assert [(v.service, v.version, v.calls) for v in versions] == [
        ("support", 1, 10),
        ("support", 2, 8),
    ]
    first, second = versions
    assert first.template == (
        "You are the support bot for ACME. Customer <id> signed up on <time>. Refunds: 30 days."
    )
    assert "Customer C-1001 signed up" in first.example_text
    assert first.to_json()["first_seen"] == "2025-11-28T14:01:00Z"
    assert first.to_json()["last_seen"] == "2025-11-28T14:10:00Z"
    assert second.to_json()["first_seen"] == "2025-11-28T15:11:00Z"
    assert first.label == "support v1" and first.source == "system message"


def test_a_number_rendered_into_every_call_is_a_variable(db: Database, tmp_path: Path) -> None:
    spans = [
        _call(n, n * 1000, f"Customer {5000 + n} has {n % 4} open orders.") for n in range(1, 13)
    ]
    imported(db, write_json(tmp_path / "calls.json", document(spans, service="orders")))
    [version] = prompt_versions(db.reader())
    assert version.calls == 12
    assert version.template == "Customer <n> has <n> open orders."


def test_a_declared_template_wins_over_the_rendered_message(db: Database, tmp_path: Path) -> None:
    template = "Answer using {context_str}. Question: {query_str}"
    spans = [
        _call(
            n,
            n * 1000,
            f"Answer using doc {n}. Question: q{n}",
            {"llm.prompt_template.template": template},
        )
        for n in range(1, 4)
    ]
    imported(db, write_json(tmp_path / "calls.json", document(spans, service="rag")))
    [version] = prompt_versions(db.reader())
    assert (version.source, version.template, version.calls) == ("template", template, 3)


def test_prompt_term_lists_a_versions_calls_and_a_filter_never_renumbers(
    versions_db: Database,
) -> None:
    cur = versions_db.reader()
    first, second = prompt_versions(cur)
    calls = queries.span_page(cur, where=compile_filter(f"prompt:{second.prompt_id}", "spans"))
    assert sorted(r["span_id"] for r in calls.rows.to_pylist()) == [
        f"{n:016x}" for n in range(11, 19)
    ]
    traces = queries.trace_page(cur, where=compile_filter(f"prompt:{first.prompt_id}", "traces"))
    assert traces.rows.num_rows == 10
    late = prompt_versions(cur, compile_filter("after:2025-11-28T15:00", "spans"))
    assert [(v.version, v.calls) for v in late] == [(2, 8)]


def test_cli_prompts_json_diff_and_compare(versions_db: Database) -> None:
    path = versions_db.path
    versions_db.close()

    def run(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "spanscope", "--db", str(path), *args],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    records = [json.loads(line) for line in run("prompts", "--json").splitlines()]
    assert [(r["service"], r["version"], r["calls"]) for r in records] == [
        ("support", 1, 10),
        ("support", 2, 8),
    ]
    assert set(records[0]) >= {"prompt_id", "first_seen", "last_seen", "template", "models"}
    a, b = records[0]["prompt_id"], records[1]["prompt_id"]
    assert "Refunds: [-30-]{+90+} days." in run("prompts", "--diff", a, b)
    compared = [
        json.loads(line)
        for line in run(
            "compare", "--a", f"prompt:{a}", "--b", f"prompt:{b}", "--json"
        ).splitlines()
    ]
    assert {r["metric"]: r["b"] for r in compared}["calls_per_trace"] == 1.0
