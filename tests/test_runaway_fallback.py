"""Runaway detection for a trace without peers: a one-off 5,000-call trace, far above every
other trace, is listed against the whole population, and says so."""

from __future__ import annotations

from pathlib import Path

from otlp_builder import document, span, write_json
from spanscope.core.cost_analysis import runaways
from spanscope.store import Database
from store_checks import run


def _llm(trace: str, sid: str, start: int) -> dict:
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 2000,
        "gen_ai.usage.output_tokens": 200,
    }
    return span(trace, sid, "chat", start=start, duration_ms=1, attributes=attrs)


def _traces(tmp_path: Path, runaway_calls: int) -> Path:
    spans: list[dict] = []
    for t in range(40):  # ordinary support runs: a root and 3 to 5 calls
        trace = f"{t + 1:032x}"
        root = f"{t + 1:016x}"
        spans.append(span(trace, root, "invoke_agent support", start=t * 10_000, duration_ms=50))
        for c in range(3 + t % 3):
            call = _llm(trace, f"{(t + 1) << 12 | (c + 1):016x}", t * 10_000 + c)
            call["parentSpanId"] = root
            spans.append(call)
    trace, root = "f" * 32, "e" * 16
    spans.append(
        span(trace, root, "invoke_agent nightly-backfill", start=900_000, duration_ms=10_000)
    )
    for c in range(runaway_calls):
        call = _llm(trace, f"{0xA000000 + c:016x}", 900_000 + c)
        call["parentSpanId"] = root
        spans.append(call)
    return write_json(tmp_path / "runs.json", document(spans, service="support"))


def test_a_trace_with_no_peers_is_compared_with_every_trace(db: Database, tmp_path: Path) -> None:
    run(db, _traces(tmp_path, 5000))
    found = {r.trace_id: r for r in runaways(db.reader())}
    runaway = found["f" * 32]
    assert runaway.llm_count == 5000
    assert any(
        "all 41 traces (too few share its root span and service)" in r for r in runaway.reasons
    )
    assert any(r.startswith("cost $") for r in runaway.reasons)
    assert any(r.startswith("5000 model calls") for r in runaway.reasons)
    # ordinary runs keep being compared with their own peers, and are not listed
    assert set(found) == {"f" * 32}


def test_a_trace_with_enough_peers_is_compared_with_them(db: Database, tmp_path: Path) -> None:
    run(db, _traces(tmp_path, 4))
    rows = (
        db.reader()
        .execute("SELECT count(*) FROM traces WHERE root_name = 'invoke_agent support'")
        .fetchone()
    )
    assert rows[0] == 40
    assert runaways(db.reader()) == []  # a 4-call backfill is ordinary against everyone
