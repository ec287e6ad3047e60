"""Prices of model calls: the bundled ``genai-prices`` data, with the user's overrides on top.

Pricing happens per *call group*, never per call: an import asks for the distinct (provider,
model, UTC day) of its calls, gets back a few :class:`Rate` rows (a price valid over a span of
time and a band of input sizes), and the store applies them to every call in SQL.

Token counts are read in the store's canonical sense (the OpenTelemetry GenAI one): input
includes cache reads and cache writes, output includes reasoning. So a call pays

    (input - cache read - cache write) x input price + cache read x cache-read price
    + cache write x cache-write price + (output - reasoning) x output price
    + reasoning x reasoning price + a per-request fee,

each missing special price falling back to its parent (cache prices to the input price,
reasoning to the output price), as genai-prices itself does. Only bundled data is used: the
package can fetch newer prices over the network, which Spanscope never asks it to do.
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from spanscope.core import token_semantics
from spanscope.store.costs import CallGroup, CostRules, PriceOverride, Rate

DAY_NS = 86_400 * 10**9
NO_LIMIT = 1 << 62  # upper end of the last input-size band
UNKNOWN_TIME = (-1, 0)  # the segment holding calls without a start time (priced as of now)

# Provider names as traces write them (gen_ai.provider.name, gen_ai.system, llm.provider)
# -> genai-prices provider ids. Names not listed are tried as they are, then by model alone.
PROVIDER_IDS: dict[str, str] = {
    "gcp.gemini": "google",
    "gcp.vertex_ai": "google",
    "gcp.gen_ai": "google",
    "gemini": "google",
    "vertexai": "google",
    "vertex_ai": "google",
    "google": "google",
    "aws.bedrock": "aws",
    "bedrock": "aws",
    "azure.ai.openai": "azure",
    "az.ai.openai": "azure",
    "azure.ai.inference": "azure",
    "mistral_ai": "mistral",
    "mistralai": "mistral",
    "x_ai": "x-ai",
    "xai": "x-ai",
    "together_ai": "together",
}

# Model makers tried, in order, for a call that names no provider genai-prices recognises.
FIRST_PARTY = ("openai", "anthropic", "google", "mistral", "x-ai", "deepseek", "cohere", "meta")


@dataclass(frozen=True)
class Prices:
    """USD per million tokens (``request`` is USD per call); None where no price is set."""

    input: float | None
    output: float | None
    cache_read: float | None = None
    cache_write: float | None = None
    reasoning: float | None = None
    request: float | None = None

    def cost(
        self,
        input_tokens: int = 0,
        output_tokens: int = 0,
        cache_read: int = 0,
        cache_write: int = 0,
        reasoning: int = 0,
    ) -> float:
        """The cost of one call with canonical token counts (see the module docstring)."""
        base_in, base_out = self.input or 0.0, self.output or 0.0
        uncached = max(input_tokens - cache_read - cache_write, 0)
        total = (
            uncached * base_in
            + cache_read * _or(self.cache_read, base_in)
            + cache_write * _or(self.cache_write, base_in)
            + max(output_tokens - reasoning, 0) * base_out
            + reasoning * _or(self.reasoning, base_out)
        ) / 1e6
        return total + (self.request or 0.0)


def _or(value: float | None, fallback: float) -> float:
    return fallback if value is None else value


@dataclass(frozen=True)
class Quote:
    """What a model costs at one moment: where the price comes from and its bands.

    ``bands`` are (input tokens above which the band starts, prices), lowest first: a call whose
    input exceeds a band's start pays that band's prices on all its tokens (providers' "long
    context" pricing)."""

    provider: str | None
    model: str
    origin: str  # "bundled" or "override"
    reference: str  # the genai-prices provider/model matched, or the override's pattern
    bands: tuple[tuple[int, Prices], ...]


# -- the bundled data ---------------------------------------------------------------------------
@functools.cache
def _snapshot() -> Any:
    # Imported on first use: loading the bundled data takes a few tenths of a second.
    from genai_prices import data_snapshot

    return data_snapshot.get_snapshot()


def provider_id(provider: str | None) -> str | None:
    """The genai-prices provider id for a provider name as a trace writes it."""
    if not provider:
        return None
    name = provider.strip().lower()
    return PROVIDER_IDS.get(name, name)


MODEL_NAME_CAP = 400  # longer "model names" are content, not names


@functools.lru_cache(maxsize=4096)
def _find_model(provider: str | None, model: str) -> tuple[Any, Any] | None:
    """(genai-prices provider, model info) for a call, or None when the data has no price."""
    if len(model) > MODEL_NAME_CAP:
        # No priced model has a name this long; matching a huge name against every pattern
        # (each lower-casing it) would take seconds per call.
        return None
    snapshot = _snapshot()
    refs = [model]
    if "/" in model:  # "models/gemini-2.5-flash", "openai/gpt-4o", bedrock ARNs
        refs.append(model.rsplit("/", 1)[1])
    pid = provider_id(provider)
    # The provider named, then the one genai-prices infers from the model name, then the
    # model makers themselves (an embedding span often names no provider).
    candidates = [pid, None, *FIRST_PARTY] if pid else [None, *FIRST_PARTY]
    for ref in refs:
        for candidate in candidates:
            try:
                found: tuple[Any, Any] = snapshot.find_provider_model(ref, None, candidate, None)
                return found
            except LookupError:
                continue
    return None


def context_window(provider: str | None, model: str) -> int | None:
    """The model's context window in tokens as the bundled data gives it (None when it does
    not know the model or its window); whatever prices the call, the window is the model's."""
    found = _find_model(provider, model)
    window = getattr(found[1], "context_window", None) if found else None
    return int(window) if isinstance(window, int) and window > 0 else None


def _decimal(value: Any) -> float | None:
    return None if value is None else float(value)


_PRICE_KEYS = {
    "input": "input_mtok",
    "output": "output_mtok",
    "cache_read": "cache_read_mtok",
    "cache_write": "cache_write_mtok",
    "reasoning": "output_reasoning_mtok",
}


def _bands(model_price: Any) -> tuple[tuple[int, Prices], ...]:
    """A genai-prices ModelPrice as input-size bands of flat prices."""
    values: dict[str, Any] = {
        name: getattr(model_price, key, None) for name, key in _PRICE_KEYS.items()
    }
    starts = sorted(
        {tier.start for v in values.values() if hasattr(v, "tiers") for tier in v.tiers}
    )
    requests = getattr(model_price, "requests_kcount", None)
    request_fee = None if requests is None else float(requests) / 1000

    def at(total_input: int) -> Prices:
        flat: dict[str, float | None] = {}
        for name, value in values.items():
            if hasattr(value, "tiers"):
                chosen: Decimal = value.base
                for tier in reversed(value.tiers):
                    if total_input > tier.start:
                        chosen = tier.price
                        break
                flat[name] = float(chosen)
            else:
                flat[name] = _decimal(value)
        return Prices(request=request_fee, **flat)

    return tuple((start, at(start + 1 if start >= 0 else 0)) for start in [-1, *starts])


def bundled_quote(provider: str | None, model: str, moment: datetime) -> Quote | None:
    """The bundled price of ``model`` at ``moment``; None when the data does not know it or
    knows it without token prices (e.g. priced per image)."""
    found = _find_model(provider, model)
    if found is None:
        return None
    gp_provider, info = found
    bands = _bands(info.get_prices(moment))
    if all(p.input is None and p.output is None for _, p in bands):
        return None
    return Quote(provider, model, "bundled", f"{gp_provider.id}/{info.id}", bands)


def _daily_switches(provider: str | None, model: str) -> list[time]:
    """Times of day at which the bundled price of a model changes (off-peak discounts)."""
    found = _find_model(provider, model)
    if found is None or not isinstance(found[1].prices, list):
        return []
    out: set[time] = set()
    for conditional in found[1].prices:
        constraint = conditional.constraint
        if constraint is not None and hasattr(constraint, "start_time"):
            for moment in (constraint.start_time, constraint.end_time):
                utc = datetime.combine(date(2000, 1, 1), moment)
                if utc.tzinfo is not None:
                    utc = utc.astimezone(UTC)
                out.add(utc.time().replace(tzinfo=None))
    return sorted(out)


# -- overrides ----------------------------------------------------------------------------------
def override_matches(override: PriceOverride, provider: str | None, model: str) -> bool:
    """Whether an override's model pattern (a glob) and provider apply to a call."""
    if not fnmatch.fnmatchcase(model.lower(), override.model_pattern.lower()):
        return False
    if override.provider is None:
        return True
    wanted = override.provider.strip().lower()
    return wanted in {(provider or "").lower(), provider_id(provider)}


def _active(override: PriceOverride, moment: datetime) -> bool:
    if override.valid_from is not None and moment < override.valid_from:
        return False
    return override.valid_to is None or moment < override.valid_to


def quote(
    provider: str | None,
    model: str,
    moment: datetime,
    overrides: Sequence[PriceOverride] = (),
) -> Quote | None:
    """The price of a call to ``model`` at ``moment``: the newest matching override that is in
    force then, else the bundled price; None when neither exists."""
    for override in sorted(overrides, key=lambda o: o.override_id, reverse=True):
        if override_matches(override, provider, model) and _active(override, moment):
            prices = Prices(
                override.input_per_mtok,
                override.output_per_mtok,
                override.cache_read_per_mtok,
                override.cache_write_per_mtok,
            )
            return Quote(provider, model, "override", override.model_pattern, ((-1, prices),))
    return bundled_quote(provider, model, moment)


# -- rate cards for call groups -----------------------------------------------------------------
def _ns(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1) * 1000


def _segments(
    group: CallGroup, overrides: Sequence[PriceOverride]
) -> Iterable[tuple[int, int, datetime]]:
    """(from_ns, to_ns, moment to price at) covering the group's day, cut wherever a price
    may change: at an override's start or end, at an off-peak switch."""
    if group.day is None:
        yield UNKNOWN_TIME[0], UNKNOWN_TIME[1], datetime.now(UTC)
        return
    start = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=group.day)
    end = start + timedelta(days=1)
    cuts = {start, end}
    for override in overrides:
        if override_matches(override, group.provider, group.model):
            for edge in (override.valid_from, override.valid_to):
                if edge is not None and start < edge < end:
                    cuts.add(edge)
    for switch in _daily_switches(group.provider, group.model):
        cuts.add(datetime.combine(start.date(), switch, tzinfo=UTC))
    ordered = sorted(c for c in cuts if start <= c <= end)
    for lo, hi in zip(ordered, ordered[1:], strict=False):
        if lo < hi:
            yield _ns(lo), _ns(hi), lo


def rate_card(groups: Iterable[CallGroup], overrides: Sequence[PriceOverride] = ()) -> list[Rate]:
    """Rates covering every call of ``groups``; a group without any price gets no rate (its
    calls stay unpriced)."""
    rates: list[Rate] = []
    for group in groups:
        for from_ns, to_ns, moment in _segments(group, overrides):
            found = quote(group.provider, group.model, moment, overrides)
            if found is None:
                continue
            starts = [start for start, _ in found.bands]
            for (above, prices), upto in zip(found.bands, [*starts[1:], NO_LIMIT], strict=True):
                rates.append(
                    Rate(
                        group.provider,
                        group.model,
                        from_ns,
                        to_ns,
                        above,
                        upto,
                        prices.input,
                        prices.output,
                        prices.cache_read,
                        prices.cache_write,
                        prices.reasoning,
                        prices.request,
                        found.origin,
                        found.reference,
                        context_window(group.provider, group.model),
                    )
                )
    return rates


def cost_rules() -> CostRules:
    """How the store prices calls: these rate cards and the token-semantics rules."""
    return CostRules(
        rate_card,
        token_semantics.INPUT_WITHOUT_CACHE,
        token_semantics.NATIVE_COUNT_MARKERS,
        token_semantics.GENAI_COUNT_MARKERS,
    )


__all__ = [
    "PROVIDER_IDS",
    "cost_rules",
    "Prices",
    "Quote",
    "bundled_quote",
    "context_window",
    "override_matches",
    "provider_id",
    "quote",
    "rate_card",
]
