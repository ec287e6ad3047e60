"""Full-text search over span text, with an index of our own in DuckDB tables.

DuckDB's ``fts`` extension cannot be installed offline for the DuckDB we ship, so the index is
two plain tables (``sql/search_schema.sql``): ``search_docs`` gives each indexed span a small
integer id and ``search_terms`` maps each term to the ids of the spans holding it (one row per
term per import, so an import only appends). Terms are lowercased runs of letters and digits of
at least 2 characters, from the span name, message contents, tool call arguments and results,
and retrieved chunk contents, each field cut at 20,000 characters.

Searching keeps the meaning of the old scan (case-insensitive substring) while reading only
the index for candidates: every word of the text must be an indexed term, except that the first
word may be the end of a longer term and the last word the start of one (``"und pol"`` is in
"refund policy"). Candidates start from the rarest word and each further word only narrows
them, so a rare phrase costs little even when its other words are common. A single word is
answered by the index alone; a phrase's candidates are then checked with ILIKE, reading the
text of the candidates only.
"""

from __future__ import annotations

import re

import duckdb

from spanscope.sqlfiles import load, nestable, statements

MIN_TERM = 2
_WORD = re.compile(r"[^\W_]+")  # letters and digits, as '[^\p{L}\p{N}]+' splits them in SQL

# How a pattern of term_patterns() tests an indexed term, by (leading %, trailing %): the word
# itself, a term it starts, ends, or lies inside.
_TERM_TESTS = {
    (False, False): "t.term = ?",
    (False, True): "starts_with(t.term, ?)",
    (True, False): "ends_with(t.term, ?)",
    (True, True): "contains(t.term, ?)",
}
# One narrowing step of search_query.sql: the spans of the n-th rarest word among step n-1.
_STEP = """,
step{n} AS (
    SELECT doc_id
    FROM (SELECT unnest(doc_ids) AS doc_id
          FROM hits WHERE i = (SELECT i FROM ranked WHERE r = {n}))
    WHERE doc_id IN (SELECT doc_id FROM step{prev})
)"""


def index_source(con: duckdb.DuckDBPyConnection, source_id: int) -> None:
    """Index the spans of one imported file; call inside its import transaction."""
    for stmt in statements(load("spanscope.store", "search_index.sql")):
        con.execute(stmt, {"source_id": source_id} if "$source_id" in stmt else None)


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the whole index from ``spans``, in one transaction (the writer connection)."""
    con.execute("BEGIN TRANSACTION")
    try:
        for stmt in statements(load("spanscope.store", "search_rebuild.sql")):
            con.execute(stmt)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def term_patterns(text: str) -> list[str]:
    """LIKE patterns over indexed terms that every span containing ``text`` must match.

    Empty when no word of ``text`` is long enough to look up (the caller then scans).
    """
    lowered = text.lower()
    patterns = []
    for match in _WORD.finditer(lowered):
        word = match.group()
        if len(word) < MIN_TERM:
            continue
        before = "%" if match.start() == 0 else ""
        after = "%" if match.end() == len(lowered) else ""
        patterns.append(f"{before}{word}{after}")
    return patterns


def needs_phrase_check(text: str) -> bool:
    """False when the index alone answers: one word of letters and digits, long enough."""
    return not (_WORD.fullmatch(text.lower()) and len(text) >= MIN_TERM)


def matching_spans_sql(text: str, params: list[object]) -> str | None:
    """SQL selecting ``(trace_id, span_id)`` of the spans whose text contains ``text``
    (case-insensitively), appending its parameters; None when the index cannot narrow it."""
    patterns = term_patterns(text)
    if not patterns:
        return None
    hits = []
    for i, pattern in enumerate(patterns, start=1):
        word = pattern.strip("%")
        test = _TERM_TESTS[(pattern.startswith("%"), pattern.endswith("%"))]
        hits.append(f"SELECT {i} AS i, doc_ids FROM search_terms t WHERE {test}")
        params.append(word)
    steps = "".join(_STEP.format(n=n, prev=n - 1) for n in range(2, len(patterns) + 1))
    candidates = _fragment("search_query.sql").format(
        hits="\n    UNION ALL\n    ".join(hits), words=len(patterns), steps=steps
    )
    if not needs_phrase_check(text):
        return candidates
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    params.extend([like] * 5)
    return _fragment("search_phrase.sql").replace("{candidates}", candidates)


def _fragment(name: str) -> str:
    """A query to nest inside another."""
    return nestable("spanscope.store", name)
