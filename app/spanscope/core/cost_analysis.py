"""Where the money goes: the filter of the query bar applied to cost reports, and runaway
traces worded for a person.

The costs screen and ``spanscope costs`` both go through here, so they agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from spanscope.core.filter_value import Filter, make_filter
from spanscope.store.cost_reports import RunawayThresholds, runaway_candidates
from spanscope.store.errors import Cursor
from spanscope.store.queries import Where


@dataclass(frozen=True)
class Scope:
    """A filter compiled for the calls (spans) and for the traces it keeps."""

    spans: Where
    traces: Where


def scope(applied: str | Filter) -> Scope:
    """The applied filter (or its text, from the CLI) for the calls and the traces. A
    trace-level term (``errors>0``) keeps the calls of the matching traces, as the span list
    and the facets do. Raises FilterError for text that is not a filter."""
    found = make_filter(applied) if isinstance(applied, str) else applied
    return Scope(found.spans, found.traces)


@dataclass(frozen=True)
class Runaway:
    """A trace far above its peers, and why it is listed."""

    trace_id: str
    root_name: str | None
    service: str | None
    start_ns: int | None
    cost: float | None
    llm_count: int
    reasons: tuple[str, ...]
    loop: str | None  # "get_status({...}) x 9" when it repeats one identical tool call


def _usd(value: float | None) -> str:
    if value is None:
        return "-"
    return f"${value:.4f}" if abs(value) < 1 else f"${value:,.2f}"


def _times(value: float, median: float | None) -> str:
    if not median:
        return ""
    return f"{value / median:.1f}x "


def _short(args: str | None, limit: int = 60) -> str:
    if args is None:
        return "arguments not recorded"
    try:
        text = json.dumps(json.loads(args), separators=(",", ":"), ensure_ascii=False)
    except (ValueError, TypeError):
        text = args
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(row: dict[str, Any]) -> Runaway:
    """Word a candidate row of :func:`runaway_candidates`."""
    if row.get("compared_with") == "all":
        # too few traces share its root span and service: measured against every trace
        peers = f"all {row['peers']} traces (too few share its root span and service)"
    else:
        peers = f"its {row['peers']} peers (same root span and service)"
    reasons: list[str] = []
    loop = None
    if row.get("looping"):
        loop = f"{row['loop_tool']}({_short(row['loop_args'])}) x{row['repeats']}"
        reasons.append(
            f"loop: {row['loop_tool']} called {row['repeats']} times with the same arguments "
            f"({_short(row['loop_args'])}); its peers repeat a call "
            f"{int(row['repeats_median'] or 1)} time(s) (median)"
        )
    if row.get("cost_high"):
        reasons.append(
            f"cost {_usd(row['cost'])} is {_times(row['cost'], row['cost_median'])}the median "
            f"{_usd(row['cost_median'])} of {peers}"
        )
    if row.get("calls_high"):
        reasons.append(
            f"{row['llm_count']} model calls, {_times(row['llm_count'], row['llm_median'])}the "
            f"median {row['llm_median']:g} of {peers}"
        )
    return Runaway(
        row["trace_id"],
        row["root_name"],
        row["service"],
        row["start_ns"],
        row["cost"],
        int(row["llm_count"] or 0),
        tuple(reasons),
        loop,
    )


def runaways(
    cur: Cursor,
    applied: str | Filter = "",
    thresholds: RunawayThresholds | None = None,
    limit: int = 200,
) -> list[Runaway]:
    """Traces the filter keeps whose cost, model calls or repeated identical tool calls stand
    far above their peers (same root name and service; every trace when too few share them),
    most expensive first."""
    rows = runaway_candidates(cur, scope(applied).traces, thresholds, limit)
    return [describe(row) for row in rows]


__all__ = ["Runaway", "Scope", "describe", "runaways", "scope"]
