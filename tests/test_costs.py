"""Pricing: known calls against hand-computed costs, token semantics, unpriced calls, price
changes over time, overrides with validity dates, no network, and upgrades of older files."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from genai_prices import Usage, calc_price, data_snapshot

from old_schemas import write_schema2_database
from otlp_builder import T0, document, span, write_json
from spanscope.core import pricing
from spanscope.core.token_semantics import canonical_usage
from spanscope.store import Database
from spanscope.store import costs as store_costs
from spanscope.store.costs import CallGroup
from spanscope.store.writer import Writer
from store_checks import run, span_detail

TRACE = "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"
NOON = datetime(2026, 5, 4, 12, tzinfo=UTC)


def cost_of(provider: str | None, model: str, moment: datetime = NOON, **tokens: int) -> float:
    found = pricing.quote(provider, model, moment)
    assert found is not None, f"no price for {model}"
    bands = [p for above, p in found.bands if tokens.get("input_tokens", 0) > above]
    return bands[-1].cost(**tokens)


# -- hand-computed costs ----------------------------------------------------------------------
def test_openai_cached_input_is_part_of_input() -> None:
    # gpt-4o: $2.50 in, $1.25 cached in, $10 out per MTok. 1,000 in of which 400 cached, 500 out.
    cost = cost_of(
        "openai", "gpt-4o-2024-08-06", input_tokens=1000, cache_read=400, output_tokens=500
    )
    assert cost == pytest.approx((600 * 2.5 + 400 * 1.25 + 500 * 10) / 1e6)  # 0.007


def test_reasoning_tokens_are_inside_output_and_paid_at_the_output_price() -> None:
    # o4-mini: $1.10 in, $4.40 out; 600 of the 1,000 output tokens were reasoning.
    cost = cost_of("openai", "o4-mini", input_tokens=2000, output_tokens=1000, reasoning=600)
    assert cost == pytest.approx((2000 * 1.1 + 1000 * 4.4) / 1e6)  # 0.0066


def test_anthropic_counts_input_without_the_cache() -> None:
    # Anthropic's API: input_tokens 100 excludes 2,000 cache reads and 500 cache writes.
    usage = canonical_usage(
        "anthropic", 100, 300, cache_read=2000, cache_write=500, native_counts=True
    )
    assert usage.input == 2600
    cost = cost_of(
        "anthropic",
        "claude-sonnet-4-5-20250929",
        input_tokens=usage.input,
        output_tokens=300,
        cache_read=2000,
        cache_write=500,
    )
    # $3 in, $0.30 cache read, $3.75 cache write, $15 out
    assert cost == pytest.approx((100 * 3 + 2000 * 0.3 + 500 * 3.75 + 300 * 15) / 1e6)  # 0.007275
    # GenAI-convention counts from Anthropic already include the cache: left alone
    assert canonical_usage("anthropic", 2600, 300, 2000, 500).input == 2600
    # a cache larger than the input proves the input left it out, whatever the provider
    assert canonical_usage("openai", 100, 0, cache_read=400).input == 500


def test_google_gemini_with_cache() -> None:
    # gemini-2.5-flash: $0.30 in, $0.03 cached, $2.50 out; provider as OTel names it.
    cost = cost_of(
        "gcp.gemini", "gemini-2.5-flash", input_tokens=10_000, cache_read=4000, output_tokens=1000
    )
    assert cost == pytest.approx((6000 * 0.3 + 4000 * 0.03 + 1000 * 2.5) / 1e6)  # 0.00442


def test_long_context_band_prices_every_token_at_the_higher_rate() -> None:
    # gemini-2.5-pro: above 200k input tokens, $2.50 in and $15 out instead of $1.25 / $10.
    assert cost_of(
        "google", "gemini-2.5-pro", input_tokens=250_000, output_tokens=1000
    ) == pytest.approx((250_000 * 2.5 + 1000 * 15) / 1e6)
    assert cost_of(
        "google", "gemini-2.5-pro", input_tokens=100_000, output_tokens=1000
    ) == pytest.approx((100_000 * 1.25 + 1000 * 10) / 1e6)


@pytest.mark.parametrize(
    ("moment", "per_mtok"),
    [
        (datetime(2026, 8, 1, 12, tzinfo=UTC), (0.14, 0.28)),  # before the change
        (datetime(2026, 8, 20, 12, tzinfo=UTC), (0.22, 0.66)),  # after 2026-08-17
        (datetime(2026, 9, 15, 12, tzinfo=UTC), (0.15, 0.60)),  # after 2026-09-10
        (datetime(2026, 8, 20, 2, tzinfo=UTC), (0.30, 1.20)),  # peak hours 01:00-04:00 UTC
    ],
)
def test_a_price_change_prices_each_call_at_its_own_time(
    moment: datetime, per_mtok: tuple[float, float]
) -> None:
    cost = cost_of(
        "deepseek", "deepseek-v4-flash", moment, input_tokens=1_000_000, output_tokens=1_000_000
    )
    assert cost == pytest.approx(sum(per_mtok))


def test_rate_cards_agree_with_genai_prices_itself() -> None:
    """The bands and time segments the store applies give what calc_price gives, call by call."""
    cases = [
        ("openai", "gpt-4o", dict(input_tokens=5000, cache_read_tokens=1000, output_tokens=700)),
        (
            "anthropic",
            "claude-sonnet-4-5",
            dict(
                input_tokens=300_000,
                cache_read_tokens=20_000,
                cache_write_tokens=1000,
                output_tokens=900,
            ),
        ),
        ("deepseek", "deepseek-v4-flash", dict(input_tokens=1000, output_tokens=50)),
    ]
    for hour in (2, 7, 12, 23):
        moment = datetime(2026, 8, 20, hour, 15, tzinfo=UTC)
        day = (moment - datetime(1970, 1, 1, tzinfo=UTC)).days
        ns = (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1) * 1000
        for provider, model, usage in cases:
            rates = pricing.rate_card([CallGroup(provider, model, day)])
            (rate,) = [
                r
                for r in rates
                if r.from_ns <= ns < r.to_ns
                and r.input_above < usage["input_tokens"] <= r.input_upto
            ]
            prices = pricing.Prices(
                rate.input_mtok, rate.output_mtok, rate.cache_read_mtok, rate.cache_write_mtok
            )
            ours = prices.cost(
                usage["input_tokens"],
                usage["output_tokens"],
                usage.get("cache_read_tokens", 0),
                usage.get("cache_write_tokens", 0),
            )
            theirs = calc_price(
                Usage(**usage), model, provider_id=provider, genai_request_timestamp=moment
            )
            assert ours == pytest.approx(float(theirs.total_price)), (provider, model, hour)


def test_pricing_uses_only_the_bundled_data(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("pricing tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    pricing._find_model.cache_clear()
    rates = pricing.rate_card(
        [CallGroup("openai", "gpt-4o", 20_000), CallGroup(None, "claude-3-5-sonnet", None)]
    )
    assert {r.model for r in rates} == {"gpt-4o", "claude-3-5-sonnet"}
    snapshot = data_snapshot.get_snapshot()
    assert not snapshot.from_auto_update  # the bundled snapshot, never an updated one


# -- import: computed cost, flags, trace cost -------------------------------------------------
def llm(
    span_id: str, model: str, provider: str | None, start: int = 0, **attributes: Any
) -> dict[str, Any]:
    attrs = {"gen_ai.operation.name": "chat", "gen_ai.request.model": model, **attributes}
    if provider:
        attrs["gen_ai.provider.name"] = provider
    return span(
        TRACE, span_id, f"chat {model}", parent="r000000000000000", start=start, attributes=attrs
    )


def calls_file(tmp_path: Path) -> Path:
    spans = [
        span(TRACE, "r000000000000000", "agent", duration_ms=5000),
        llm(
            "a000000000000001",
            "gpt-4o",
            "openai",
            **{
                "gen_ai.usage.input_tokens": 1000,
                "gen_ai.usage.output_tokens": 500,
                "gen_ai.usage.cache_read.input_tokens": 400,
            },
        ),
        # Vercel AI SDK 5 copying Anthropic's own usage: input leaves out the cache
        llm(
            "a000000000000002",
            "claude-sonnet-4-5-20250929",
            "anthropic",
            **{
                "ai.usage.inputTokens": 100,
                "ai.usage.outputTokens": 300,
                "ai.usage.cachedInputTokens": 2000,
                "gen_ai.usage.cache_creation_input_tokens": 500,
            },
        ),
        llm(
            "a000000000000003",
            "my-private-model",
            "acme",
            **{"gen_ai.usage.input_tokens": 50, "gen_ai.usage.output_tokens": 5},
        ),
        llm(
            "a000000000000004",
            "gpt-4o-mini",
            "openai",
            **{
                "gen_ai.usage.input_tokens": 1000,
                "gen_ai.usage.output_tokens": 100,
                "llm.cost.total": 0.5,
            },
        ),
        # a rate-limited attempt: no usage, most likely not billed: not flagged
        span(
            TRACE,
            "a000000000000005",
            "chat gpt-4o",
            parent="r000000000000000",
            status=2,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.provider.name": "openai",
            },
        ),
    ]
    return write_json(tmp_path / "calls.json", document(spans))


def test_import_prices_each_call_and_flags_what_it_cannot(db: Database, tmp_path: Path) -> None:
    run(db, calls_file(tmp_path))
    openai = span_detail(db, TRACE, "a000000000000001")
    assert openai["computed_cost"] == pytest.approx(0.007)
    anthropic = span_detail(db, TRACE, "a000000000000002")
    assert anthropic["input_tokens"] == 2600  # cache added back: input includes cached input
    assert anthropic["computed_cost"] == pytest.approx(0.007275)
    flags = dict(
        db.reader().execute("SELECT span_id, cost_flag FROM spans WHERE kind = 'llm'").fetchall()
    )
    assert flags == {
        "a000000000000001": None,
        "a000000000000002": None,
        "a000000000000003": "unpriced",  # unknown model: no cost, never $0
        "a000000000000004": "mismatch",  # recorded $0.50 vs computed $0.00021
        "a000000000000005": None,
    }
    assert span_detail(db, TRACE, "a000000000000003")["computed_cost"] is None
    (cost,) = (
        db.reader().execute("SELECT cost FROM traces WHERE trace_id = ?", [TRACE]).fetchall()[0]
    )
    assert cost == pytest.approx(0.007 + 0.007275 + 0.5)  # recorded cost wins where present


def test_overrides_apply_within_their_dates_and_reprice(db: Database, tmp_path: Path) -> None:
    day = 86_400_000  # ms
    spans = [
        span(TRACE, "r000000000000000", "agent", duration_ms=60 * day),
        llm(
            "b000000000000001",
            "my-private-model",
            "acme",
            start=1 * day,
            **{"gen_ai.usage.input_tokens": 1_000_000, "gen_ai.usage.output_tokens": 1_000_000},
        ),
        llm(
            "b000000000000002",
            "my-private-model",
            "acme",
            start=20 * day,
            **{"gen_ai.usage.input_tokens": 1_000_000, "gen_ai.usage.output_tokens": 1_000_000},
        ),
        llm(
            "b000000000000003",
            "gpt-4o",
            "openai",
            start=1 * day,
            **{"gen_ai.usage.input_tokens": 1_000_000, "gen_ai.usage.output_tokens": 0},
        ),
    ]
    run(db, write_json(tmp_path / "private.json", document(spans)))
    start = datetime.fromtimestamp(T0 / 1e9, UTC)
    con = db.writer
    store_costs.add_override(
        con,
        "my-private-*",
        provider="acme",
        input_per_mtok=1.0,
        output_per_mtok=2.0,
        valid_from=start,
        valid_to=start + timedelta(days=10),
    )
    store_costs.add_override(
        con,
        "gpt-4o",
        input_per_mtok=9.0,
        output_per_mtok=9.0,
        valid_from=start + timedelta(days=30),
    )
    assert store_costs.reprice(con, pricing.cost_rules()) >= 2

    rows = dict(
        con.execute(
            "SELECT span_id, (computed_cost, cost_flag, price_source) FROM spans WHERE kind = 'llm'"
        ).fetchall()
    )
    assert rows["b000000000000001"] == (pytest.approx(3.0), None, "override")
    assert rows["b000000000000002"] == (None, "unpriced", None)  # after the override ended
    assert rows["b000000000000003"] == (pytest.approx(2.5), None, "bundled")  # before it began
    (cost,) = con.execute("SELECT cost FROM traces WHERE trace_id = ?", [TRACE]).fetchall()[0]
    assert cost == pytest.approx(5.5)

    store_costs.remove_override(con, store_costs.overrides(con)[0].override_id)
    store_costs.reprice(con, pricing.cost_rules())
    assert span_detail(db, TRACE, "b000000000000001")["cost_flag"] == "unpriced"


def test_override_needs_a_price_and_a_sane_period(db: Database) -> None:
    with pytest.raises(ValueError):
        store_costs.add_override(db.writer, "x*")
    with pytest.raises(ValueError):
        store_costs.add_override(db.writer, "x*", input_per_mtok=1, valid_from=NOON, valid_to=NOON)


def test_a_version_2_file_gets_its_calls_priced(tmp_path: Path) -> None:
    path = write_schema2_database(tmp_path / "v2.duckdb")
    with Database.open(path) as db:
        assert store_costs.pending(db.reader())
        writer = Writer(db)
        writer.cost_rules = pricing.cost_rules()
        writer.reprice(only_if_pending=True)
        cost, flag = (
            db.reader()
            .execute("SELECT computed_cost, cost_flag FROM spans WHERE span_id = 's1'")
            .fetchall()[0]
        )
        assert not store_costs.pending(db.reader())
    assert cost == pytest.approx((100 * 2.5 + 20 * 10) / 1e6)  # gpt-4o
    assert flag is None
    with Database.open(path) as db:  # migrating twice changes nothing
        assert [
            c
            for (c,) in db.reader()
            .execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'prices'")
            .fetchall()
        ][-2:] == ["override_id", "added_at"]
