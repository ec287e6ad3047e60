"""Cost breakdowns, runaway traces and cache efficiency on real small databases, and the
``costs`` / ``price`` / ``price-override`` commands."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from otlp_builder import document, span, write_json
from spanscope.cli import main
from spanscope.core.cost_analysis import runaways, scope
from spanscope.demo import write_otlp_jsonl
from spanscope.store import Database
from spanscope.store.cost_reports import breakdown, cache_efficiency, totals
from store_checks import run


def call(
    trace: str,
    sid: str,
    model: str,
    tokens: tuple[int, int, int],
    start: int = 0,
    user: str | None = None,
) -> dict:
    inp, out, cached = tokens
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": model,
        "gen_ai.usage.input_tokens": inp,
        "gen_ai.usage.output_tokens": out,
        "gen_ai.usage.cache_read.input_tokens": cached,
    }
    if user:
        attrs["user.id"] = user
    return span(trace, sid, "chat", start=start, attributes=attrs)


@pytest.fixture
def small(db: Database, tmp_path: Path) -> Database:
    day = 86_400_000
    spans = [
        call("t1" * 16, "s000000000000001", "gpt-4o", (1000, 500, 400), user="ana"),  # $0.007
        call("t1" * 16, "s000000000000002", "gpt-4o-mini", (2000, 1000, 0), user="ana"),  # $0.0009
        call(
            "t2" * 16, "s000000000000003", "gpt-4o", (1000, 0, 0), start=day, user="bo"
        ),  # $0.0025
        call("t2" * 16, "s000000000000004", "no-such-model", (10, 10, 0), start=day, user="bo"),
    ]
    run(db, write_json(tmp_path / "small.json", document(spans, service="shop")))
    return db


def test_breakdown_by_model_sums_tokens_and_costs(small: Database) -> None:
    rows = {r["model"]: r for r in breakdown(small.reader(), ["model"]).to_pylist()}
    assert rows["gpt-4o"]["calls"] == 2
    assert rows["gpt-4o"]["input_tokens"] == 2000 and rows["gpt-4o"]["cache_read_tokens"] == 400
    assert rows["gpt-4o"]["cost_usd"] == pytest.approx(0.007 + 0.0025)
    assert rows["gpt-4o"]["p95_call_usd"] == pytest.approx(0.0025 + 0.95 * (0.007 - 0.0025))
    assert rows["gpt-4o-mini"]["cost_usd"] == pytest.approx(0.0009)
    assert rows["no-such-model"]["cost_usd"] is None
    assert rows["no-such-model"]["unpriced_calls"] == 1
    assert sum(r["share"] or 0 for r in rows.values()) == pytest.approx(1.0)
    assert list(rows) == ["gpt-4o", "gpt-4o-mini", "no-such-model"]  # most expensive first


def test_breakdown_by_model_and_day_follows_the_filter(small: Database) -> None:
    where = scope("user:bo").spans
    rows = breakdown(small.reader(), ["model", "day"], where).to_pylist()
    assert [(r["model"], r["day"], r["calls"]) for r in rows] == [
        ("gpt-4o", "2025-11-29", 1),
        ("no-such-model", "2025-11-29", 1),
    ]
    per_trace = breakdown(small.reader(), ["user"]).to_pylist()
    assert {r["user"]: r["avg_trace_usd"] for r in per_trace} == {
        "ana": pytest.approx(0.0079),
        "bo": pytest.approx(0.0025),
    }
    t = totals(small.reader(), scope("model:gpt-4o*").spans)
    assert (t["calls"], t["unpriced_calls"]) == (3, 0)
    assert t["cost_usd"] == pytest.approx(0.0104)


def test_breakdown_refuses_unknown_dimensions(small: Database) -> None:
    with pytest.raises(ValueError, match="unknown dimension"):
        breakdown(small.reader(), ["model; DROP TABLE spans"])


def test_cache_efficiency_by_model(small: Database) -> None:
    rows = {r["model"]: r for r in cache_efficiency(small.reader()).to_pylist()}
    assert rows["gpt-4o"]["cached_share"] == pytest.approx(400 / 2000)
    assert rows["gpt-4o"]["saved_usd"] == pytest.approx(400 * (2.5 - 1.25) / 1e6)


@pytest.fixture(scope="module")
def demo_db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("costs-demo")
    write_otlp_jsonl(folder / "demo.jsonl", 3000, seed=7)
    with Database.open(folder / "demo.duckdb") as db:
        run(db, folder / "demo.jsonl")
    return folder / "demo.duckdb"


def test_a_runaway_agent_loop_is_found_in_generated_data(demo_db_file: Path) -> None:
    with Database.open(demo_db_file, read_only=True) as db:
        found = runaways(db.reader())
        loops = [r for r in found if r.loop]
        assert loops, "the generated day holds agents polling the same tool"
        assert all(r.reasons[0].startswith("loop: ") for r in loops)
        assert any("get_shipping_status" in (r.loop or "") for r in loops)
        costly = [r for r in found if any(x.startswith("cost ") for x in r.reasons)]
        assert costly and all("median" in x for r in costly for x in r.reasons)
        # peers are the traces of the same root and service: an agent's normal trace is not listed
        normal = (
            db.reader()
            .execute("SELECT trace_id FROM traces ORDER BY abs(llm_count - 3), trace_id LIMIT 1")
            .fetchall()[0][0]
        )
        assert normal not in {r.trace_id for r in found}
        assert len(runaways(db.reader(), "service:support-agent")) < len(found)


def cli(db_path: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--db", str(db_path), *args], out)
    return code, out.getvalue()


def test_costs_json_is_one_group_per_line(small: Database) -> None:
    path = small.path
    small.close()
    code, text = cli(path, "costs", "--by", "model,day", "--json")
    assert code == 0
    lines = [json.loads(line) for line in text.splitlines()]
    assert list(lines[0]) == [
        "model",
        "day",
        "calls",
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "reasoning_tokens",
        "cost_usd",
        "unpriced_calls",
    ]
    assert {(r["model"], r["day"]): r["calls"] for r in lines} == {
        ("gpt-4o", "2025-11-28"): 1,
        ("gpt-4o", "2025-11-29"): 1,
        ("gpt-4o-mini", "2025-11-28"): 1,
        ("no-such-model", "2025-11-29"): 1,
    }
    unpriced = [r for r in lines if r["model"] == "no-such-model"][0]
    assert (unpriced["cost_usd"], unpriced["unpriced_calls"]) == (None, 1)
    code, text = cli(path, "costs", "--by", "user", "--filter", "model:gpt-4o", "--csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["user"], r["calls"]) for r in rows] == [("ana", "1"), ("bo", "1")]
    code, text = cli(path, "costs", "--by", "model")
    assert "1 unpriced" in text and "total $0.0104" in text
    Database.open(path).close()  # the fixture closes it again


def test_price_and_overrides_from_the_command_line(small: Database) -> None:
    path = small.path
    small.close()
    code, text = cli(path, "price", "gpt-4o", "--provider", "openai")
    assert code == 0 and "input        $2.5" in text and "cache read   $1.25" in text
    code, text = cli(path, "price", "no-such-model")
    assert code == 1
    code, text = cli(
        path, "price-override", "add", "no-such-*", "--input", "1000", "--output", "1000"
    )
    assert code == 0 and "override 1 added" in text
    code, text = cli(path, "costs", "--by", "model", "--json")
    priced = [json.loads(line) for line in text.splitlines() if "no-such" in line][0]
    assert priced["cost_usd"] == pytest.approx(20 * 1000 / 1e6) and priced["unpriced_calls"] == 0
    code, text = cli(path, "price", "no-such-model", "--json")
    assert json.loads(text)["origin"] == "override"
    code, text = cli(path, "price-override", "list", "--json")
    assert [json.loads(line)["model_pattern"] for line in text.splitlines()] == ["no-such-*"]
    code, text = cli(path, "price-override", "remove", "1")
    assert code == 0
    code, text = cli(path, "costs", "--by", "model", "--json")
    assert '"unpriced_calls": 1' in text
    Database.open(path).close()
