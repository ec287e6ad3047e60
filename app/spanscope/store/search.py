"""Full-text search over span text, with an index of our own in DuckDB tables.

DuckDB's ``fts`` extension cannot be installed offline for the DuckDB we ship, so the index is
two plain tables (``sql/search_schema.sql``): ``search_docs`` gives each indexed span a small
integer id and ``search_terms`` maps each term to the ids of the spans holding it (one row per
term per import, so an import only appends). Terms are lowercased runs of letters and digits of
at least 2 characters, from the span name, message contents, tool call arguments and results,
and retrieved chunk contents, each field cut at 20,000 characters.

A third table, ``search_pairs``, holds each pair of terms written one space apart with its
spans.

Searching keeps the meaning of the old scan (case-insensitive substring) while reading only
the index for candidates: every word of the text must be an indexed term, except that the first
word may be the end of a longer term and the last word the start of one (``"und pol"`` is in
"refund policy"). Words written one space apart are looked up by their pairs, other text by
its words. Candidates start from the rarest pair (or word) and each further one only narrows
them, so a phrase costs little even when its words are common ("90 days"). A single word or
a pair of words is answered by the index alone; longer phrases' candidates are then checked
with ILIKE, reading the text of the candidates only.
"""

from __future__ import annotations

import re

import duckdb

from spanscope.sqlfiles import load, nestable, statements

MIN_TERM = 2
_WORD = re.compile(r"[^\W_]+")  # letters and digits, as '[^\p{L}\p{N}]+' splits them in SQL
_SPACED_WORDS = re.compile(r"[^\W_]{2,}(?: [^\W_]{2,})+")

# How a pattern of term_patterns() tests an indexed term, by (leading %, trailing %): the word
# itself, a term it starts, ends, or lies inside.
_TERM_TESTS = {
    (False, False): "t.term = ?",
    (False, True): "starts_with(t.term, ?)",
    (True, False): "ends_with(t.term, ?)",
    (True, True): "contains(t.term, ?)",
}
# Sorts after every term that starts with a given word, so a prefix is a range (which the
# row groups' min/max can prune) rather than a test of every pair.
_AFTER_EVERY_CHARACTER = "\U0010ffff"
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
    _fill(con)


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the whole index from ``spans``, in one transaction (the writer connection)."""
    con.execute("BEGIN TRANSACTION")
    try:
        for stmt in statements(load("spanscope.store", "search_rebuild.sql")):
            con.execute(stmt)
        _fill(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _fill(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in statements(load("spanscope.store", "search_fill.sql")):
        con.execute(stmt)


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


def spaced_words(text: str) -> bool:
    """True for text made only of terms one space apart (``"refund policy"``): the pairs in
    ``search_pairs`` are exactly those, so they can be looked up."""
    return _SPACED_WORDS.fullmatch(text.lower()) is not None


def needs_phrase_check(text: str) -> bool:
    """False when the index alone answers: one term, or two terms one space apart (a pair).
    Anything else may match the index without holding the text as written, so it is checked."""
    lowered = text.lower()
    if _WORD.fullmatch(lowered) and len(lowered) >= MIN_TERM:
        return False
    return not (spaced_words(lowered) and lowered.count(" ") == 1)


def matching_spans_sql(text: str, params: list[object]) -> str | None:
    """SQL selecting ``(trace_id, span_id)`` of the spans whose text contains ``text``
    (case-insensitively), appending its parameters; None when the index cannot narrow it."""
    patterns = term_patterns(text)
    if not patterns:
        return None
    use_pairs = len(patterns) > 1 and spaced_words(text)
    hits = _pair_hits(patterns, params) if use_pairs else _word_hits(patterns, params)
    steps = "".join(_STEP.format(n=n, prev=n - 1) for n in range(2, len(hits) + 1))
    candidates = _fragment("search_query.sql").format(
        hits="\n    UNION ALL\n    ".join(hits), words=len(hits), steps=steps
    )
    if not needs_phrase_check(text):
        return candidates
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    params.extend([like] * 5)
    return _fragment("search_phrase.sql").replace("{candidates}", candidates)


def _word_hits(patterns: list[str], params: list[object]) -> list[str]:
    """One lookup per word: the spans holding a term that matches it."""
    hits = []
    for i, pattern in enumerate(patterns, start=1):
        test = _TERM_TESTS[(pattern.startswith("%"), pattern.endswith("%"))]
        hits.append(f"SELECT {i} AS i, doc_ids FROM search_terms t WHERE {test}")
        params.append(pattern.strip("%"))
    return hits


def _pair_hits(patterns: list[str], params: list[object]) -> list[str]:
    """One lookup per pair of adjacent words (of a text of :func:`spaced_words`): the spans
    where terms matching them stand one space apart. Every word is in a pair, so the pairs
    alone narrow as much as the words would, and a pair of common words is far rarer than
    either word."""
    hits = []
    for i, (first, second) in enumerate(zip(patterns, patterns[1:], strict=False), start=1):
        if second.endswith("%"):  # the last word may be the start of a longer term
            word = second.rstrip("%")
            second_test = "p.second >= ? AND p.second < ?"
            params.extend([word, word + _AFTER_EVERY_CHARACTER])
        else:
            second_test = "p.second = ?"
            params.append(second)
        if first.startswith("%"):  # the first word may be the end of a longer term
            first_test = "ends_with(p.first, ?)"
            params.append(first.lstrip("%"))
        else:
            first_test = "p.first = ?"
            params.append(first)
        hits.append(
            f"SELECT {i} AS i, doc_ids FROM search_pairs p WHERE {second_test} AND {first_test}"
        )
    return hits


def _fragment(name: str) -> str:
    """A query to nest inside another."""
    return nestable("spanscope.store", name)


def spans_matching_in_trace(
    con: duckdb.DuckDBPyConnection, trace_id: str, text: str
) -> list[tuple[str, str]]:
    """(span_id, name) of the spans of ``trace_id`` whose text holds ``text``, in start
    order: which spans a text search found in one trace."""
    params: list[object] = []
    sql = matching_spans_sql(text, params)
    if sql is None:
        return []
    rows = con.execute(
        f"SELECT s.span_id, s.name FROM spans s JOIN ({sql}) m "
        "ON m.trace_id = s.trace_id AND m.span_id = s.span_id "
        "WHERE s.trace_id = ? ORDER BY s.start_ns NULLS LAST, s.span_id",
        [*params, trace_id],
    ).fetchall()
    return [(str(r[0]), str(r[1] or "")) for r in rows]
