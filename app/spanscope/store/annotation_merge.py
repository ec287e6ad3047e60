"""Merging annotations from another copy of the database (a reviewer's file) into this one.

Annotations are keyed by (trace_id, span_id, rubric, author, adjudicated). A merged annotation
with a key not yet here is added; one with a key already here replaces it only when it was
changed later (``updated_at``), so merging the same file twice, or an older file, changes
nothing. Annotations on traces not (yet) imported are kept: they attach when the traces come.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import duckdb

from spanscope.model.annotation import Annotation
from spanscope.store.annotations import _retrying, _run_save, list_annotations, try_checkpoint


@dataclass(frozen=True)
class MergeOutcome:
    added: int
    updated: int
    unchanged: int  # same key and not newer than what is here


def merge_annotations(
    con: duckdb.DuckDBPyConnection, annotations: Iterable[Annotation], origin: str
) -> MergeOutcome:
    """Merge in one transaction (all or none); ``origin`` names where they came from."""
    incoming = list(annotations)

    def work() -> MergeOutcome:
        return merge_in_transaction(con, incoming, origin)

    outcome: MergeOutcome = _retrying(con, work)
    try_checkpoint(con)
    return outcome


def merge_in_transaction(
    con: duckdb.DuckDBPyConnection, incoming: list[Annotation], origin: str
) -> MergeOutcome:
    """The merge, inside the caller's transaction (opening a case file merges its annotations
    with the rest of the case, all or none)."""
    traces = sorted({a.trace_id for a in incoming})
    here = {a.key: a for a in list_annotations(con, "trace_id IN (SELECT unnest(?))", [traces])}
    added = updated = unchanged = 0
    for a in incoming:
        mine = here.get(a.key)
        if mine is not None and not _newer(a, mine):
            unchanged += 1
            continue
        _run_save(con, replace(a, origin=a.origin or origin, annotation_id=None))
        here[a.key] = a
        if mine is None:
            added += 1
        else:
            updated += 1
    return MergeOutcome(added, updated, unchanged)


def _newer(theirs: Annotation, mine: Annotation) -> bool:
    if theirs.updated_at is None or mine.updated_at is None:
        return theirs.updated_at is not None and _differs(theirs, mine)
    return theirs.updated_at > mine.updated_at and _differs(theirs, mine)


def _differs(a: Annotation, b: Annotation) -> bool:
    return (a.labels, a.score, a.note, a.expected) != (b.labels, b.score, b.note, b.expected)
