"""What a comparison reads of one cohort (the traces a filter selects, as the trace list counts
them): aggregates, samples of its distributions, what it used and how it was labelled
(``sql/cohort_read.sql``, one pass over the cohort's spans), and its failures (one computation
for both sides: :func:`~spanscope.store.failure_groups.cohort_failure_groups`).
:mod:`spanscope.core.cohort_compare` tests the differences.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import duckdb

from spanscope.sqlfiles import nestable
from spanscope.store.failure_groups import FailureGroup, cohort_failure_groups
from spanscope.store.queries import Where

SAMPLE = 20_000  # observations per distribution the rank test reads (a random draw above that)
_VALUES = ("call_values", "trace_values", "retrieval_values")
_SHARES = ("models", "tools", "labels")


@dataclass(frozen=True)
class Cohort:
    """One side of a comparison."""

    summary: dict[str, Any]
    values: dict[str, list[float]]
    models: Counter[str] = field(default_factory=Counter)
    tools: Counter[str] = field(default_factory=Counter)
    labels: Counter[str] = field(default_factory=Counter)
    groups: tuple[FailureGroup, ...] = ()


def read_cohorts(
    cur: duckdb.DuckDBPyConnection, a: Where, b: Where, sample: int = SAMPLE
) -> tuple[Cohort, Cohort]:
    """Both sides of a comparison of the traces ``a`` and ``b`` select (WHEREs over
    ``traces``)."""
    groups_a, groups_b = cohort_failure_groups(cur, a, b)
    return _read(cur, a, sample, groups_a), _read(cur, b, sample, groups_b)


def _read(
    cur: duckdb.DuckDBPyConnection, traces: Where, sample: int, groups: list[FailureGroup]
) -> Cohort:
    sql = nestable("spanscope.store", "cohort_read.sql")
    sql = sql.replace("{traces}", f"({traces.sql})").replace("{sample}", str(int(sample)))
    cur.execute(sql, list(traces.params))
    names = [d[0] for d in cur.description or ()]
    row = cur.fetchone()
    record = dict(zip(names, row, strict=True)) if row else {}
    values: dict[str, list[float]] = {}
    for key in _VALUES:
        for metric, observed in (record.pop(key, None) or {}).items():
            if observed:
                values[metric] = [float(v) for v in observed]
    shares = {
        key: Counter({str(s["value"]): int(s["n"]) for s in record.pop(key, None) or ()})
        for key in _SHARES
    }
    return Cohort(
        summary=record,
        values=values,
        models=shares["models"],
        tools=shares["tools"],
        labels=shares["labels"],
        groups=tuple(groups),
    )
