"""What the ``group:ID`` and ``prompt:ID`` filter terms share: "the span is one of these",
from a query that lists spans with an id column, and the ISO time of their JSON records."""

from __future__ import annotations

from datetime import UTC, datetime


def member_condition(
    listing: str,
    listing_params: list[object],
    id_column: str,
    wanted: str,
    at_trace: bool,
    params: list[object],
) -> str:
    """SQL for "the span is among the rows of ``listing`` whose ``id_column`` is ``wanted``"
    (a trace: one of its spans is), appending the parameters to ``params``."""
    params.extend(listing_params)
    params.append(wanted.lower())
    members = f"SELECT trace_id, span_id FROM ({listing}) WHERE {id_column} = ?"
    if at_trace:
        return f"trace_id IN (SELECT trace_id FROM ({members}))"
    return f"(trace_id, span_id) IN ({members})"


def iso_time(ns: int | None) -> str | None:
    """Nanoseconds since the epoch as ISO 8601 in UTC with a Z (None stays None)."""
    if ns is None:
        return None
    return datetime.fromtimestamp(ns / 1e9, tz=UTC).isoformat().replace("+00:00", "Z")
