"""Importing annotations from a file (evaluation results) onto spans already in the database.

The writer calls :func:`import_annotations` inside the file's transaction, the same way it
maps spans: the whole file goes in or nothing does. Annotations are keyed by
(trace_id, span_id) like the ones users write, so they survive re-imports of the spans.

Evaluations that name spans the database does not hold are skipped with a warning: an
evaluation file is often computed over more traces than were exported (the Phoenix tutorial's
relevance evaluations cover 100 spans, 58 of which are in its trace file). A file none of
whose spans is stored fails instead, so it can be imported again once its traces are.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from spanscope.importers.base import ImportError_
from spanscope.sqlfiles import load, statements
from spanscope.store.database import first_row


class NoAnnotatedSpans(ImportError_):
    """None of the spans a file annotates is in the database."""


@dataclass
class AnnotationOutcome:
    """What one annotation file contributed."""

    annotations: int
    traces: int
    warnings: list[str] = field(default_factory=list)


def import_annotations(
    con: duckdb.DuckDBPyConnection, path: Path, select: str
) -> AnnotationOutcome:
    """Attach the annotations ``select`` yields (the raw annotation relation) to stored spans.
    Runs on the writer connection inside the caller's transaction; raises
    :class:`NoAnnotatedSpans` when not one of them can be attached."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW raw_annotations AS {select}")
    try:
        resolve, facts, *write = statements(load("spanscope.store", "import_annotations.sql"))
        con.execute(resolve)
        row = first_row(con.execute(facts))
        assert row is not None
        given, attached, missing, ambiguous, empty, traces, replacing = (int(v or 0) for v in row)
        if not attached:
            raise NoAnnotatedSpans(_nothing_attached(path, given, missing, ambiguous, empty))
        for stmt in write:
            con.execute(stmt)
    finally:
        # After a failed statement the transaction is aborted and refuses even this; the
        # caller's rollback then drops the view, and the first error is the one to report.
        with contextlib.suppress(duckdb.TransactionException):
            con.execute("DROP VIEW IF EXISTS raw_annotations")
    return AnnotationOutcome(
        attached, traces, _warnings(given, missing, ambiguous, empty, replacing)
    )


def _nothing_attached(path: Path, given: int, missing: int, ambiguous: int, empty: int) -> str:
    if not given:
        return f"{path}: 0 annotations recognised"
    if missing:
        return (
            f"{path}: none of the {missing} spans these annotations name is in the database; "
            "import their traces first"
        )
    if ambiguous:
        return f"{path}: every span these annotations name is found in several traces"
    return f"{path}: the {empty} annotations have no label, score or note"


def _warnings(given: int, missing: int, ambiguous: int, empty: int, replacing: int) -> list[str]:
    out = []
    if missing:
        out.append(
            f"{missing} of {given} annotations name spans that are not in the database; "
            "they were skipped"
        )
    if ambiguous:
        out.append(
            f"{ambiguous} annotations name a span id found in several traces; they were skipped"
        )
    if empty:
        out.append(f"{empty} annotations have no label, score or note; they were skipped")
    if replacing:
        out.append(f"{replacing} annotations replaced earlier results of the same evaluation")
    return out
