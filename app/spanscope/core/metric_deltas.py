"""Metric deltas and ratios between two spans or two whole traces: duration, tokens, cost."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# (label, how to read the value from a span_detail row or a trace total)
METRICS: tuple[str, ...] = (
    "duration_ns",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "reasoning_tokens",
    "cost",
)
LABELS = {
    "duration_ns": "duration",
    "input_tokens": "input tokens",
    "output_tokens": "output tokens",
    "cache_read_tokens": "cached input tokens",
    "reasoning_tokens": "reasoning tokens",
    "cost": "cost",
    "errors": "error spans",
    "spans": "spans",
}


@dataclass(frozen=True)
class MetricDelta:
    """One metric on both sides; ``delta`` is b - a and ``ratio`` b / a, each None when a
    side is unknown (or a is zero, for the ratio)."""

    name: str
    a: float | None
    b: float | None

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a

    @property
    def ratio(self) -> float | None:
        if self.a is None or self.b is None or self.a == 0:
            return None
        return self.b / self.a


def cost_of(row: Mapping[str, Any]) -> float | None:
    """The recorded cost, else the computed one (as the lists show it)."""
    for key in ("cost", "recorded_cost", "computed_cost"):
        value = row.get(key)
        if isinstance(value, int | float):
            return float(value)
    return None


def _value(row: Mapping[str, Any], name: str) -> float | None:
    if name == "cost":
        return cost_of(row)
    value = row.get(name)
    return float(value) if isinstance(value, int | float) else None


def metric_deltas(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[MetricDelta]:
    """Every metric either side records (a metric neither side has is left out)."""
    out = []
    for name in METRICS:
        left, right = _value(a, name), _value(b, name)
        if left is not None or right is not None:
            out.append(MetricDelta(name, left, right))
    return out


def add_up(rows: list[Mapping[str, Any]], name: str) -> float | None:
    """A metric summed over spans (None when no span records it)."""
    values = [v for v in (_value(row, name) for row in rows) if v is not None]
    return sum(values) if values else None
