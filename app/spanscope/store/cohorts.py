"""What a comparison reads of one cohort (the traces a filter selects, as the trace list counts
them): aggregates, samples of its distributions, what it used and how it was labelled, and its
failures. :mod:`spanscope.core.cohort_compare` tests the differences.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import duckdb

from spanscope.sqlfiles import nestable
from spanscope.store.failure_groups import FailureGroup, failure_groups
from spanscope.store.queries import Where

SAMPLE = 20_000  # observations per distribution the rank test reads (a random draw above that)


@dataclass(frozen=True)
class Cohort:
    """One side of a comparison."""

    summary: dict[str, Any]
    values: dict[str, list[float]]
    models: Counter[str] = field(default_factory=Counter)
    tools: Counter[str] = field(default_factory=Counter)
    labels: Counter[str] = field(default_factory=Counter)
    groups: tuple[FailureGroup, ...] = ()


def read_cohort(cur: duckdb.DuckDBPyConnection, traces: Where, sample: int = SAMPLE) -> Cohort:
    """Everything a comparison needs of the traces ``traces`` (a WHERE over ``traces``)."""
    summary_sql = _with_cohort("cohort_summary.sql", traces)
    cur.execute(summary_sql, list(traces.params))
    names = [d[0] for d in cur.description or ()]
    row = cur.fetchone()
    summary = dict(zip(names, row, strict=True)) if row else {}

    values: dict[str, list[float]] = {}
    values_sql = _with_cohort("cohort_values.sql", traces).replace("$sample", "?")
    for metric, value in cur.execute(values_sql, [*traces.params, sample]).fetchall():
        values.setdefault(str(metric), []).append(float(value))

    shares: dict[str, Counter[str]] = {"model": Counter(), "tool": Counter(), "label": Counter()}
    shares_sql = _with_cohort("cohort_shares.sql", traces)
    for dimension, value, n in cur.execute(shares_sql, list(traces.params)).fetchall():
        shares[str(dimension)][str(value)] += int(n)

    members = Where(f"trace_id IN (SELECT trace_id FROM traces WHERE {traces.sql})", traces.params)
    return Cohort(
        summary=summary,
        values=values,
        models=shares["model"],
        tools=shares["tool"],
        labels=shares["label"],
        groups=tuple(failure_groups(cur, members)),
    )


def _with_cohort(name: str, traces: Where) -> str:
    return nestable("spanscope.store", name).replace("{traces}", f"({traces.sql})")
