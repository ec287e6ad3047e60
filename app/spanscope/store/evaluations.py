"""What evaluators read and write: the model calls of a filter with what they are judged on
(``sql/eval_inputs.sql``, one pass), the verdicts already given (the cache), and verdicts
saved as annotations whose author is the evaluator.

A verdict's ``origin`` is ``eval:<content hash>`` (``eval-error:`` for an evaluator error), so a
re-run skips calls judged before on the same content, and retries the ones that errored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import duckdb

from spanscope.model.annotation import Annotation
from spanscope.sqlfiles import nestable
from spanscope.store.annotations import list_annotations, save_many
from spanscope.store.queries import Where


def calls_to_judge(
    cur: duckdb.DuckDBPyConnection,
    where: Where,
    limit: int | None = None,
    needs: frozenset[str] = frozenset({"attributes", "finish_reason"}),
) -> list[dict[str, Any]]:
    """The model calls ``where`` selects (at most ``limit``, oldest first), each with its
    conversation, answer, tool calls, timing, tokens, cost, the chunks retrieved before it in
    its trace, a content hash and its finish reason; and its attributes when ``needs`` names
    them (reading them costs most of the time)."""
    sql = nestable("spanscope.store", "eval_inputs.sql").replace("{where}", f"({where.sql})")
    sql = sql.replace("$limit", "?")
    sql = sql.replace("{attributes}", "attributes" if "attributes" in needs else "NULL::JSON")
    params = [*where.params, limit if limit is not None else 2**62]
    rows: list[dict[str, Any]] = cur.sql(sql, params=params).to_arrow_table().to_pylist()
    return rows


def judged(cur: duckdb.DuckDBPyConnection, author: str) -> dict[tuple[str, str], str]:
    """(trace, span) -> content hash of every call ``author`` judged without error."""
    rows = cur.execute(
        "SELECT trace_id, span_id, origin FROM annotations WHERE author = ? AND origin LIKE 'eval:%'",
        [author],
    ).fetchall()
    return {(t, s): str(o).removeprefix("eval:") for t, s, o in rows}


def verdict_annotation(
    row: Mapping[str, Any],
    author: str,
    label: str | None,
    score: float | None,
    explanation: str,
    error: str | None,
) -> Annotation:
    """A verdict as the annotation that stores it."""
    content = str(row["content_hash"])
    if error is not None:
        return Annotation(
            str(row["trace_id"]),
            str(row["span_id"]),
            (),
            score=None,
            note=f"evaluator error: {error}",
            author=author,
            origin=f"eval-error:{content}",
        )
    return Annotation(
        str(row["trace_id"]),
        str(row["span_id"]),
        (label,) if label else (),
        score=score,
        note=explanation or None,
        author=author,
        origin=f"eval:{content}",
    )


def save_verdicts(con: duckdb.DuckDBPyConnection, annotations: Iterable[Annotation]) -> int:
    """Store verdicts in one transaction (a batch of a run), committed on return."""
    return save_many(con, annotations)


def verdicts_and_reviews(cur: duckdb.DuckDBPyConnection, author: str) -> Sequence[Annotation]:
    """Every annotation on the items ``author`` judged, the evaluator's and the reviewers',
    for the agreement report."""
    return list_annotations(
        cur,
        "(trace_id, span_id) IN (SELECT trace_id, span_id FROM annotations WHERE author = ?)",
        [author],
    )
