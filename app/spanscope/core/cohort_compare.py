"""Compare two cohorts (drift): what changed between a good period and a bad one, between two
models, services, tags or prompt versions.

Each metric of :class:`~spanscope.store.cohorts.Cohort` is compared with a test suited to it —
a two-proportion test for rates, Mann-Whitney U for distributions — and the p-values are
adjusted for the number of metrics tested (Benjamini-Hochberg), so two cohorts drawn from one
distribution show no difference. A difference is significant when its adjusted p is under 5%
and it is not negligible in size. Differences are ranked: significant first, largest effect
first.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from spanscope.core.metric_deltas import MetricDelta
from spanscope.core.significance import (
    TestResult,
    benjamini_hochberg,
    mann_whitney,
    two_proportions,
)
from spanscope.store.cohorts import Cohort
from spanscope.store.failure_groups import FailureGroup

ALPHA = 0.05  # false discovery rate across the metrics of one comparison
# A difference is reported only when it is also large enough to matter: with thousands of
# traces a 3% shift is "significant" and tells an engineer nothing. Cliff's delta under 0.147 is
# negligible (Romano et al., 2006); a rate must move by a quarter of itself.
NEGLIGIBLE_DELTA = 0.147
RATE_CHANGE = 1.25

# rate metrics: (name, hits key, trials key) of the cohort summary
_RATES = (
    ("trace_error_rate", "traces_with_errors", "traces"),
    ("call_error_rate", "failed_calls", "calls"),
    ("tool_failure_rate", "failed_tool_spans", "tool_spans"),
)
# distribution metrics: (name shown, summary key, values key); latency percentiles share the
# one rank test of the latency distribution
_DISTRIBUTIONS = (
    ("latency_p50_ms", "latency_p50_ms", "latency_ms"),
    ("latency_p95_ms", "latency_p95_ms", "latency_ms"),
    ("latency_p99_ms", "latency_p99_ms", "latency_ms"),
    ("input_tokens_per_call", "input_tokens_per_call", "input_tokens_per_call"),
    ("output_tokens_per_call", "output_tokens_per_call", "output_tokens_per_call"),
    ("output_chars_per_call", "output_chars_per_call", "output_chars_per_call"),
    ("cost_per_trace", "cost_per_trace", "cost_per_trace"),
    ("calls_per_trace", "calls_per_trace", "calls_per_trace"),
    ("tool_calls_per_trace", "tool_calls_per_trace", "tool_calls_per_trace"),
    ("chunks_per_retrieval", "chunks_per_retrieval", "chunks_per_retrieval"),
    ("top_chunk_score", "top_chunk_score", "top_chunk_score"),
)


@dataclass(frozen=True)
class MetricDiff(MetricDelta):
    """One metric in both cohorts (``delta`` and ``ratio`` as for any metric pair).
    ``p_value`` is adjusted for the metrics compared; ``effect`` is in [-1, 1], positive when
    B is larger."""

    p_value: float
    significant: bool
    effect: float
    test: str

    @property
    def metric(self) -> str:
        return self.name

    def to_json(self) -> dict[str, Any]:
        """The ``spanscope compare --json`` record (its field names are a public contract)."""
        return {
            "metric": self.metric,
            "a": self.a,
            "b": self.b,
            "delta": self.delta,
            "ratio": self.ratio,
            "p_value": self.p_value,
            "significant": self.significant,
            "effect": self.effect,
            "test": self.test,
        }


@dataclass(frozen=True)
class GroupChange:
    """A failure group that is new in B, or whose share of traces grew significantly."""

    group: FailureGroup
    traces_a: int
    traces_b: int
    new: bool
    p_value: float


@dataclass(frozen=True)
class Comparison:
    """A whole comparison: ranked metric differences and the failure groups that appeared or
    grew in B."""

    traces_a: int
    traces_b: int
    metrics: tuple[MetricDiff, ...]
    groups: tuple[GroupChange, ...]


def compare(a: Cohort, b: Cohort) -> Comparison:
    """Every metric of A against B, tested, adjusted and ranked; and the failure groups new or
    grown in B."""
    raw: list[tuple[str, float | None, float | None, TestResult]] = []
    for name, hits, trials in _RATES:
        n_a, n_b = _int(a.summary, trials), _int(b.summary, trials)
        if n_a == 0 and n_b == 0:
            continue
        x_a, x_b = _int(a.summary, hits), _int(b.summary, hits)
        raw.append((name, _rate(x_a, n_a), _rate(x_b, n_b), two_proportions(x_a, n_a, x_b, n_b)))
    tested: dict[str, TestResult] = {}  # the latency percentiles share one test
    for name, key, values in _DISTRIBUTIONS:
        left, right = a.values.get(values, []), b.values.get(values, [])
        if not left and not right:
            continue
        if values not in tested:
            tested[values] = mann_whitney(left, right)
        raw.append((name, _float(a.summary, key), _float(b.summary, key), tested[values]))
    raw.extend(_share_rows("model", a.models, b.models, a.summary, b.summary, "calls"))
    raw.extend(_share_rows("tool", a.tools, b.tools, a.summary, b.summary, "tool_spans"))
    raw.extend(_share_rows("label", a.labels, b.labels, a.summary, b.summary, "traces"))

    adjusted = benjamini_hochberg([test.p_value for *_, test in raw])
    diffs = [
        MetricDiff(name, va, vb, p, p < ALPHA and _matters(va, vb, test), test.effect, test.test)
        for (name, va, vb, test), p in zip(raw, adjusted, strict=True)
    ]
    diffs.sort(key=lambda d: (not d.significant, -abs(d.effect), d.p_value, d.metric))
    return Comparison(
        traces_a=_int(a.summary, "traces"),
        traces_b=_int(b.summary, "traces"),
        metrics=tuple(diffs),
        groups=_group_changes(a, b),
    )


def _matters(a: float | None, b: float | None, test: TestResult) -> bool:
    """Whether a difference is large enough to report (see :data:`NEGLIGIBLE_DELTA`)."""
    if test.test == "mann-whitney":
        return abs(test.effect) >= NEGLIGIBLE_DELTA
    if not a or not b:
        return a != b  # appeared or disappeared
    return max(a, b) / min(a, b) >= RATE_CHANGE


def _share_rows(
    dimension: str,
    a: Counter[str],
    b: Counter[str],
    summary_a: dict[str, Any],
    summary_b: dict[str, Any],
    trials: str,
) -> list[tuple[str, float | None, float | None, TestResult]]:
    """The share of calls (or traces) each model, tool or label had on each side."""
    n_a, n_b = _int(summary_a, trials), _int(summary_b, trials)
    rows = []
    for value in sorted(set(a) | set(b)):
        test = two_proportions(min(a[value], n_a), n_a, min(b[value], n_b), n_b)
        rows.append((f"{dimension}:{value}", _rate(a[value], n_a), _rate(b[value], n_b), test))
    return rows


def _group_changes(a: Cohort, b: Cohort) -> tuple[GroupChange, ...]:
    n_a, n_b = _int(a.summary, "traces"), _int(b.summary, "traces")
    before = {g.group_id: g for g in a.groups}
    tests = []
    for group in b.groups:
        old = before.get(group.group_id)
        traces_a = old.traces if old else 0
        test = two_proportions(traces_a, n_a, group.traces, n_b)
        tests.append((group, traces_a, test))
    adjusted = benjamini_hochberg([test.p_value for *_, test in tests])
    changes = [
        GroupChange(group, traces_a, group.traces, traces_a == 0, p)
        for (group, traces_a, test), p in zip(tests, adjusted, strict=True)
        if test.effect > 0 and (traces_a == 0 or p < ALPHA)
    ]
    changes.sort(key=lambda c: (not c.new, c.p_value, -c.traces_b))
    return tuple(changes)


def _rate(hits: int, trials: int) -> float | None:
    return hits / trials if trials else None


def _int(summary: dict[str, Any], key: str) -> int:
    value = summary.get(key)
    return int(value) if value is not None else 0


def _float(summary: dict[str, Any], key: str) -> float | None:
    value = summary.get(key)
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number
