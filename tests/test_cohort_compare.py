"""Comparing two cohorts: generated traces with known differences (a model switch that doubles
the error rate and the latency, a failure that starts at a known time) are found exactly, and
two cohorts drawn from one distribution show nothing."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from otlp_builder import document, span, write_json
from spanscope.core.cohort_compare import Comparison, compare
from spanscope.core.filters import compile_filter
from spanscope.store import Database
from spanscope.store.cohorts import read_cohorts
from store_checks import imported

MINUTE_MS = 60_000
SWITCH_MS = 300 * MINUTE_MS  # the model switch, five hours after T0
SWITCH_AT = "2025-11-28T19:00"


def _trace(
    rng: random.Random,
    n: int,
    start: int,
    model: str,
    error_rate: float,
    latency_ms: float,
    new_failure: bool,
) -> list[dict[str, Any]]:
    trace = f"{n:032x}"
    root, llm, tool = f"{n:012x}0001", f"{n:012x}0002", f"{n:012x}0003"
    latency = int(rng.lognormvariate(0, 0.3) * latency_ms)
    failed = rng.random() < error_rate
    spans = [
        span(
            trace,
            root,
            "invoke_agent support",
            start=start,
            duration_ms=latency + 200,
            attributes={"gen_ai.operation.name": "invoke_agent", "user.id": f"u_{n % 40}"},
        ),
        span(
            trace,
            llm,
            f"chat {model}",
            parent=root,
            start=start + 10,
            duration_ms=latency,
            status=2 if failed else None,
            message="upstream overloaded" if failed else None,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": model,
                "gen_ai.usage.input_tokens": rng.randint(900, 1100),
                "gen_ai.usage.output_tokens": rng.randint(90, 110),
            },
        ),
    ]
    if new_failure:
        spans.append(
            span(
                trace,
                tool,
                "execute_tool refund",
                parent=root,
                start=start + 20,
                status=2,
                message=f"refund R-{rng.randint(1, 9999)} rejected by ledger",
                attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "refund"},
            )
        )
    return spans


def _write(tmp_path: Path, name: str, spans: list[dict[str, Any]]) -> Path:
    return write_json(tmp_path / name, document(spans, service="support"))


def _compare(db: Database, a: str, b: str) -> Comparison:
    cur = db.reader()
    return compare(*read_cohorts(cur, compile_filter(a, "traces"), compile_filter(b, "traces")))


@pytest.fixture
def switch(db: Database, tmp_path: Path) -> Database:
    """300 traces on gpt-4o (4% errors, ~1 s calls), then 300 on gpt-4o-mini after the switch
    (8% errors, ~2 s calls) in which a refund failure starts."""
    rng = random.Random(7)
    spans: list[dict[str, Any]] = []
    for n in range(600):
        after = n >= 300
        start = (SWITCH_MS if after else 0) + (n % 300) * MINUTE_MS // 2
        spans += _trace(
            rng,
            n + 1,
            start,
            "gpt-4o-mini" if after else "gpt-4o",
            0.08 if after else 0.04,
            2000 if after else 1000,
            new_failure=after and n % 10 == 0,
        )
    imported(db, _write(tmp_path, "switch.json", spans))
    return db


def test_a_model_switch_is_found_with_what_it_changed(switch: Database) -> None:
    result = _compare(switch, f"before:{SWITCH_AT}", f"after:{SWITCH_AT}")
    assert (result.traces_a, result.traces_b) == (300, 300)
    found = {d.metric: d for d in result.metrics if d.significant}
    assert {
        "latency_p50_ms",
        "latency_p95_ms",
        "model:gpt-4o",
        "model:gpt-4o-mini",
        "trace_error_rate",
    } <= set(found)
    latency = found["latency_p50_ms"]
    assert latency.ratio is not None and 1.7 < latency.ratio < 2.3
    assert found["model:gpt-4o"].a == 1.0 and found["model:gpt-4o"].b == 0.0
    # tokens were drawn from one distribution on both sides
    assert not any(
        d.significant
        for d in result.metrics
        if d.metric in ("input_tokens_per_call", "output_tokens_per_call")
    )
    assert result.metrics[0].significant  # ranked: what changed comes first
    [change] = result.groups
    assert change.new and change.group.kind == "tool_error"
    assert change.group.signature == "refund: refund <n> rejected by ledger"
    assert change.group.to_json()["first_seen"] == "2025-11-28T19:00:00.020000Z"


def test_the_call_error_rate_doubling_is_significant(tmp_path: Path, db: Database) -> None:
    rng = random.Random(11)
    spans: list[dict[str, Any]] = []
    for n in range(2000):
        after = n >= 1000
        spans += _trace(
            rng,
            n + 1,
            (SWITCH_MS if after else 0) + (n % 1000) * 1000,
            "gpt-4o",
            0.10 if after else 0.05,
            1000,
            new_failure=False,
        )
    imported(db, _write(tmp_path, "errors.json", spans))
    result = _compare(db, f"before:{SWITCH_AT}", f"after:{SWITCH_AT}")
    errors = next(d for d in result.metrics if d.metric == "call_error_rate")
    assert errors.significant and errors.a is not None and errors.b is not None
    assert 1.6 < errors.b / errors.a < 2.6
    assert not next(d for d in result.metrics if d.metric == "latency_p50_ms").significant


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_distribution_split_in_two_shows_nothing(
    tmp_path: Path, db: Database, seed: int
) -> None:
    rng = random.Random(seed)
    spans: list[dict[str, Any]] = []
    for n in range(600):
        spans += _trace(rng, n + 1, n * MINUTE_MS, "gpt-4o", 0.06, 1000, new_failure=n % 7 == 0)
    imported(db, _write(tmp_path, "same.json", spans))
    result = _compare(db, "before:2025-11-28T19:00", "after:2025-11-28T19:00")
    assert result.traces_a == 300 and result.traces_b == 300
    assert [d.metric for d in result.metrics if d.significant] == []
    assert [c for c in result.groups if not c.new] == []


def test_cli_compare_json_lines(switch: Database) -> None:
    path = switch.path
    switch.close()
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "spanscope",
            "--db",
            str(path),
            "compare",
            "--split-at",
            SWITCH_AT,
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    records = [json.loads(line) for line in out.splitlines()]
    for record in records:
        assert {"metric", "a", "b", "delta", "ratio", "p_value", "significant"} <= set(record)
    by_metric = {r["metric"]: r for r in records}
    assert by_metric["latency_p50_ms"]["significant"] is True
    assert by_metric["input_tokens_per_call"]["significant"] is False
    assert any(r["metric"].startswith("group:") and r["new"] for r in records)
    text = subprocess.run(
        [
            sys.executable,
            "-m",
            "spanscope",
            "--db",
            str(path),
            "compare",
            "--a",
            "model:gpt-4o",
            "--b",
            "model:gpt-4o-mini",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "A  model:gpt-4o: 300 traces" in text
    assert "refund: refund <n> rejected by ledger" in text
    same = subprocess.run(
        [sys.executable, "-m", "spanscope", "--db", str(path), "compare", "--a", "x", "--b", "x"],
        capture_output=True,
        text=True,
    )
    assert same.returncode == 2 and "the same" in same.stderr
