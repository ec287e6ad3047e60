"""Costs in the database: pricing calls at import and on demand, and the price overrides.

The store does not know prices: a :class:`CostRules` handed in by the layer above (the
pricing code over genai-prices) turns the distinct call groups of an import into a few
:class:`Rate` rows, and ``cost_apply.sql`` prices every call with them in one statement.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from spanscope.sqlfiles import load
from spanscope.store.database import first_row


@dataclass(frozen=True)
class CallGroup:
    """Calls priced alike: one provider and model on one UTC day (days since 1970; None for
    calls without a start time)."""

    provider: str | None
    model: str
    day: int | None


@dataclass(frozen=True)
class Rate:
    """A price for the calls of one provider and model that started in [from_ns, to_ns) and
    whose input is in (input_above, input_upto]. Prices in USD per million tokens; the
    request fee in USD per call. ``origin`` is 'bundled' or 'override'."""

    provider: str | None
    model: str
    from_ns: int
    to_ns: int
    input_above: int
    input_upto: int
    input_mtok: float | None
    output_mtok: float | None
    cache_read_mtok: float | None
    cache_write_mtok: float | None
    reasoning_mtok: float | None
    request_fee: float | None
    origin: str
    reference: str
    context_window: int | None = None  # the model's context window in tokens, when known


@dataclass(frozen=True)
class PriceOverride:
    """A row of the ``prices`` table: the user's price for models matching a glob."""

    override_id: int
    model_pattern: str
    provider: str | None
    input_per_mtok: float | None
    output_per_mtok: float | None
    cache_read_per_mtok: float | None
    cache_write_per_mtok: float | None
    valid_from: datetime | None
    valid_to: datetime | None


RateCard = Callable[[Sequence[CallGroup], Sequence[PriceOverride]], list[Rate]]


@dataclass(frozen=True)
class CostRules:
    """What pricing needs from above: the rate card, and the token-semantics rules for the
    usage an import brings (see ``cost_normalise.sql``)."""

    rate_card: RateCard
    input_without_cache: tuple[str, ...] = ()
    native_markers: tuple[str, ...] = ()
    genai_markers: tuple[str, ...] = ()


_RATE_SCHEMA = pa.schema(
    [
        ("provider", pa.string()),
        ("model", pa.string()),
        ("from_ns", pa.int64()),
        ("to_ns", pa.int64()),
        ("input_above", pa.int64()),
        ("input_upto", pa.int64()),
        ("input_mtok", pa.float64()),
        ("output_mtok", pa.float64()),
        ("cache_read_mtok", pa.float64()),
        ("cache_write_mtok", pa.float64()),
        ("reasoning_mtok", pa.float64()),
        ("request_fee", pa.float64()),
        ("origin", pa.string()),
        ("reference", pa.string()),
        ("context_window", pa.int64()),
    ]
)
_SOURCE_SCOPE = "list_contains($source_ids, source_id)"


def mark_pending(con: duckdb.DuckDBPyConnection, source_id: int) -> None:
    """Note, inside an import's transaction, that the file's calls await pricing."""
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [_pending_key(source_id), "source"])


def price_imported_source(
    con: duckdb.DuckDBPyConnection, source_id: int, rules: CostRules
) -> float:
    """Normalise and price the calls of one committed file and bring its traces' costs
    along, in one transaction. Returns the seconds spent (the import reports it)."""
    return price_imported_sources(con, [source_id], rules)


def price_imported_sources(
    con: duckdb.DuckDBPyConnection, source_ids: list[int], rules: CostRules
) -> float:
    """As :func:`price_imported_source`, for several files committed together (a batch of
    small files), in one transaction."""
    started = time.perf_counter()
    con.execute("BEGIN TRANSACTION")
    try:
        price_sources(con, source_ids, rules)
        con.execute(load("spanscope.store", "cost_traces.sql"), {"source_ids": source_ids})
        con.execute(
            "DELETE FROM meta WHERE list_contains(?, key)",
            [[_pending_key(source_id) for source_id in source_ids]],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return time.perf_counter() - started


def _pending_key(source_id: int) -> str:
    return f"costs_pending_source_{source_id}"


def price_source(con: duckdb.DuckDBPyConnection, source_id: int, rules: CostRules) -> float:
    """Normalise and price the calls of one imported file, inside the caller's transaction.
    Returns the seconds spent."""
    return price_sources(con, [source_id], rules)


def price_sources(con: duckdb.DuckDBPyConnection, source_ids: list[int], rules: CostRules) -> float:
    """Normalise and price the calls of imported files, inside the caller's transaction.
    Returns the seconds spent."""
    started = time.perf_counter()
    con.execute(
        load("spanscope.store", "cost_normalise.sql"),
        {
            "source_ids": source_ids,
            "without_cache": list(rules.input_without_cache),
            "native": list(rules.native_markers),
            "genai": list(rules.genai_markers),
        },
    )
    _price(con, rules, _SOURCE_SCOPE, {"source_ids": source_ids})
    return time.perf_counter() - started


def reprice(con: duckdb.DuckDBPyConnection, rules: CostRules) -> int:
    """Price every call again (after the overrides changed, or on a file from an older
    version) and bring the traces' costs along; one transaction. Returns the calls priced."""
    con.execute("BEGIN TRANSACTION")
    try:
        _price(con, rules, "TRUE", None)
        con.execute(load("spanscope.store", "cost_traces.sql"), {"source_ids": None})
        con.execute(
            "DELETE FROM meta WHERE key = 'costs_pending' OR key LIKE 'costs_pending_source_%'"
        )
        row = first_row(con.execute("SELECT count(*) FROM spans WHERE computed_cost IS NOT NULL"))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return int(row[0]) if row else 0


def _price(
    con: duckdb.DuckDBPyConnection,
    rules: CostRules,
    scope: str,
    params: dict[str, Any] | None,
) -> None:
    groups = [
        CallGroup(provider, model, None if day is None else int(day))
        for provider, model, day in con.execute(
            load("spanscope.store", "cost_groups.sql").format(scope=scope), params
        ).fetchall()
    ]
    rates = rules.rate_card(groups, overrides(con)) if groups else []
    table = pa.Table.from_pylist(
        [{f.name: getattr(r, f.name) for f in fields(Rate)} for r in rates], schema=_RATE_SCHEMA
    )
    con.register("price_rates_arrow", table)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE price_rates AS SELECT * FROM price_rates_arrow")
    finally:
        con.unregister("price_rates_arrow")
    con.execute(load("spanscope.store", "cost_apply.sql").format(scope=scope), params)
    con.execute("DROP TABLE IF EXISTS price_rates")


def pending(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether stored calls still await pricing (a file upgraded from an older version)."""
    row = first_row(
        cur.execute(
            "SELECT count(*) FROM meta "
            "WHERE key = 'costs_pending' OR key LIKE 'costs_pending_source_%'"
        )
    )
    return bool(row and row[0])


# -- overrides ------------------------------------------------------------------------------
_OVERRIDE_COLUMNS = ", ".join(f.name for f in fields(PriceOverride))


def overrides(cur: duckdb.DuckDBPyConnection) -> list[PriceOverride]:
    """Every price override, oldest first."""
    rows = cur.execute(f"SELECT {_OVERRIDE_COLUMNS} FROM prices ORDER BY override_id").fetchall()
    return [PriceOverride(*row) for row in rows]


def add_override(
    con: duckdb.DuckDBPyConnection,
    model_pattern: str,
    *,
    provider: str | None = None,
    input_per_mtok: float | None = None,
    output_per_mtok: float | None = None,
    cache_read_per_mtok: float | None = None,
    cache_write_per_mtok: float | None = None,
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
) -> int:
    """Store an override; returns its id. The caller re-prices (:func:`reprice`)."""
    if not model_pattern.strip():
        raise ValueError("a price needs a model pattern")
    if input_per_mtok is None and output_per_mtok is None:
        raise ValueError("a price needs an input or an output price")
    prices = (input_per_mtok, output_per_mtok, cache_read_per_mtok, cache_write_per_mtok)
    if any(p is not None and p < 0 for p in prices):
        raise ValueError("prices cannot be negative")
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        raise ValueError("a price must end after it starts")
    row = first_row(
        con.execute(
            "INSERT INTO prices (model_pattern, provider, input_per_mtok, output_per_mtok, "
            "cache_read_per_mtok, cache_write_per_mtok, valid_from, valid_to) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING override_id",
            [model_pattern.strip(), provider or None, *prices, valid_from, valid_to],
        )
    )
    assert row is not None
    return int(row[0])


def remove_override(con: duckdb.DuckDBPyConnection, override_id: int) -> bool:
    """Delete an override; False when there was none with that id."""
    row = first_row(
        con.execute("DELETE FROM prices WHERE override_id = ? RETURNING 1", [override_id])
    )
    return row is not None
