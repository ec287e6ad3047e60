"""Checks on what an import leaves in the store: importing files and asserting the result,
counting rows, span kinds, finding a span and its detail, and running a query.

Fixture files are written with :func:`otlp_builder.write_json` and
:func:`otlp_builder.write_jsonl`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spanscope.ingest import import_paths
from spanscope.model import ImportResult, ImportStatus
from spanscope.store import Database, queries


def run(db: Database, *paths: Path) -> list[ImportResult]:
    """Import ``paths`` together: one result per file."""
    return list(import_paths(db, list(paths)))


def import_one(db: Database, path: Path) -> ImportResult:
    """Import one file, whatever comes of it: exactly one result."""
    [result] = run(db, path)
    return result


def imported(db: Database, path: Path, fmt: str | None = None) -> ImportResult:
    """Import one file that must be imported (as format ``fmt`` where given)."""
    result = import_one(db, path)
    assert result.status is ImportStatus.IMPORTED, result.error
    if fmt is not None:
        assert result.format == fmt
    return result


def rows(db: Database, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Every row of a query, read to the end."""
    return db.reader().execute(sql, params or []).fetchall()


def counts(db: Database) -> tuple[int, int, int]:
    """How many spans, traces and sources the store holds."""
    [row] = rows(
        db,
        "SELECT (SELECT count(*) FROM spans), (SELECT count(*) FROM traces), "
        "(SELECT count(*) FROM sources)",
    )
    return int(row[0]), int(row[1]), int(row[2])


def kinds(db: Database, trace_id: str | None = None) -> dict[str, int]:
    """Spans per kind, of one trace or of the whole store."""
    if trace_id is None:
        return dict(rows(db, "SELECT kind, count(*) FROM spans GROUP BY kind"))
    return dict(
        rows(db, "SELECT kind, count(*) FROM spans WHERE trace_id = ? GROUP BY kind", [trace_id])
    )


def span_detail(db: Database, trace_id: str, span_id: str | None = None) -> dict[str, Any]:
    """The detail of a stored span; ``span_id`` defaults to ``trace_id`` (a one-span trace named
    after its span)."""
    span_id = span_id or trace_id
    detail = queries.span_detail(db.reader(), trace_id, span_id)
    assert detail is not None, f"span {trace_id}/{span_id} not found"
    return detail


def span_by_id(db: Database, span_id: str) -> dict[str, Any]:
    """The detail of the span ``span_id``, which exactly one trace holds."""
    [trace_id] = queries.find_span(db.reader(), span_id)
    return span_detail(db, trace_id, span_id)


def only_span(db: Database) -> dict[str, Any]:
    """The detail of the one span the store holds."""
    [(trace_id, span_id)] = rows(db, "SELECT trace_id, span_id FROM spans")
    return span_detail(db, trace_id, span_id)


def spans_named(db: Database, name: str) -> list[dict[str, Any]]:
    """The details of the spans called ``name``, by start time."""
    found = rows(
        db, "SELECT trace_id, span_id FROM spans WHERE name = ? ORDER BY start_ns, span_id", [name]
    )
    return [span_detail(db, trace_id, span_id) for trace_id, span_id in found]


def span_named(db: Database, name: str) -> dict[str, Any]:
    """The detail of the one span called ``name``."""
    [found] = spans_named(db, name)
    return found


def attributes(detail: dict[str, Any]) -> dict[str, Any]:
    """A span detail's attributes, decoded."""
    value: dict[str, Any] = json.loads(detail["attributes"])
    return value
