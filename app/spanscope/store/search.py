"""Full-text search over span text: what a quoted filter text matches, and indexing.

A span's searchable text is its name, message contents, tool call arguments and results, and
retrieved chunk contents, each field cut at 20,000 characters. The index (``search_index``, a
tantivy index beside the database) holds its words with their positions; ``search_docs`` maps
the index's span numbers to spans.

Quoted text keeps the meaning of a scan: a case-insensitive substring of one of those fields,
written exactly (``"refund policy"`` does not match ``refund-policy``: what you paste is what
you find; search for the words unquoted to find both). The index finds candidates: spans
holding the text's words next to each other, where the first word may be the end of a longer
word and the last word the start of one (``"und pol"`` is in "refund policy"). A single word is
answered by the index alone; anything else (several words, punctuation) is then checked on the
candidates' text, which the index's word positions make few. Files imported but not indexed yet
(``search_pending``) are read directly, so results are complete while the index catches up.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import tantivy
from duckdb.func import PythonUDFType

from spanscope.sqlfiles import load, nestable, statements
from spanscope.store.search_index import BODY, SearchIndex, SearchIndexUnavailable

MIN_TERM = 2
_WORD = re.compile(r"[^\W_]+")  # letters and digits, as the index's tokenizer splits them
_WORDS_APART = re.compile(r"[^\W_]+(?: [^\W_]+)*")
# How many of the best matches a search ranked by relevance orders; the rest follow by time.
RANKED = 10_000
# Answers of the index kept for texts asked again (each at most a list of span numbers).
ANSWERS_KEPT = 16


@dataclass
class IndexHolder:
    """The search index of an open database, or why there is none (a read-only database
    whose index is missing or out of step), for the SQL functions below."""

    index: SearchIndex | None = None
    missing: str = "the search index is not open"


def register_functions(con: duckdb.DuckDBPyConnection, holder: IndexHolder) -> None:
    """Make ``search_hits(text)`` (the index's span numbers of the candidates for ``text``,
    ascending) and ``search_scores(text)`` (the best ones with their relevance) callable from
    SQL on ``con`` and every cursor of it."""

    def index() -> SearchIndex:
        if holder.index is None:
            raise SearchIndexUnavailable(holder.missing)
        return holder.index

    # One action asks the same text many times (the count, the page, each facet): the answers
    # are kept until the index changes.
    answers: OrderedDict[tuple[object, ...], pa.Array | None] = OrderedDict()
    answers_lock = threading.Lock()

    def all_matches(query: tantivy.Query) -> pa.Array:
        return index().doc_ids(query)

    def hits(texts: pa.Array) -> pa.Array:
        found = [_for_text(str(text), all_matches) for text in texts.to_pylist()]
        return _lists(found, pa.int64())

    def best_matches(query: tantivy.Query) -> pa.Array:
        return index().ranked(query, RANKED)

    def scores(texts: pa.Array) -> pa.Array:
        best = [_for_text(str(text), best_matches) for text in texts.to_pylist()]
        return _lists(best, pa.struct([("doc_id", pa.int64()), ("score", pa.float64())]))

    def _for_text(text: str, answer: Callable[[tantivy.Query], pa.Array]) -> pa.Array | None:
        searched = index()
        key = (answer.__name__, text, id(searched), searched.state())
        with answers_lock:
            if key in answers:
                answers.move_to_end(key)
                return answers[key]
        query = _query(searched, text)
        found = answer(query) if query is not None else None
        with answers_lock:
            answers[key] = found
            while len(answers) > ANSWERS_KEPT:
                answers.popitem(last=False)
        return found

    arrow = PythonUDFType.ARROW
    varchar = duckdb.sqltype("VARCHAR")
    con.create_function(
        "search_hits", hits, [varchar], duckdb.sqltype("BIGINT[]"), type=arrow, side_effects=False
    )
    con.create_function(
        "search_scores",
        scores,
        [varchar],
        duckdb.sqltype("STRUCT(doc_id BIGINT, score DOUBLE)[]"),
        type=arrow,
        side_effects=False,
    )


def _lists(values: list[pa.Array | None], item: pa.DataType) -> pa.Array:
    """One list a row: each answer's values (empty where there is none)."""
    arrays = [v if v is not None else pa.array([], type=item) for v in values]
    offsets = [0]
    for array in arrays:
        offsets.append(offsets[-1] + len(array))
    flat = pa.concat_arrays(arrays) if arrays else pa.array([], type=item)
    return pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), flat)


def _query(index: SearchIndex, text: str) -> tantivy.Query | None:
    """The index query whose matches hold every span containing ``text`` (and few others);
    None when the text has no word the index can look up alone (the caller then scans)."""
    tokens = index.tokens(text)
    if not any(len(token) >= MIN_TERM for token in tokens):
        return None
    # The first word may be the end of a longer one when the text starts inside a word, the
    # last the start of one; a one-letter end word would match most words, so it is left to
    # the check on the candidates' text.
    starts_in_word = text[:1].isalnum()
    ends_in_word = text[-1:].isalnum()
    last = len(tokens) - 1
    parts: list[tuple[int, str]] = []
    for position, token in enumerate(tokens):
        pattern = re.escape(token)
        if position == 0 and starts_in_word:
            pattern = ".*" + pattern
        if position == last and ends_in_word:
            pattern = pattern + ".*"
        if len(token) < MIN_TERM and pattern != token:
            continue
        parts.append((position, pattern))
    schema = index.schema
    if len(parts) == 1:
        _, pattern = parts[0]
        if pattern == re.escape(tokens[0]) and "*" not in pattern:
            return tantivy.Query.term_query(schema, BODY, parts[0][1])
        return tantivy.Query.regex_query(schema, BODY, pattern)
    first = parts[0][0]
    return tantivy.Query.regex_phrase_query(
        schema, BODY, [(position - first, pattern) for position, pattern in parts]
    )


def number_spans(con: duckdb.DuckDBPyConnection, sources: list[int]) -> tuple[int, int]:
    """Give the spans of ``sources`` their index numbers (dropping the numbers they had);
    returns the first and the next free number. Call inside a transaction of its own, which
    must commit before the index takes the numbers."""
    row = con.execute("SELECT value::BIGINT FROM meta WHERE key = 'search_next_doc_id'").fetchall()
    first = int(row[0][0]) if row else 1
    for stmt in statements(load("spanscope.store", "search_number.sql")):
        given = {"sources": sources, "first": first}
        con.execute(stmt, {k: v for k, v in given.items() if f"${k}" in stmt})
    added = con.execute("SELECT count(*) FROM search_docs WHERE doc_id >= ?", [first]).fetchall()[
        0
    ][0]
    following = first + int(added)
    con.execute("UPDATE meta SET value = ? WHERE key = 'search_next_doc_id'", [str(following)])
    return first, following


def feed(
    cur: duckdb.DuckDBPyConnection,
    index: SearchIndex,
    sources: list[int],
    numbers: tuple[int, int],
    cancel: threading.Event | None = None,
    report: Callable[[float], None] | None = None,
) -> None:
    """Put the text of the numbered spans of ``sources`` into the index, replacing what it
    held of them; committed when every span is in, nothing kept when cancelled or failing."""
    first, following = numbers
    total = max(1, following - first)
    relation = cur.sql(
        nestable("spanscope.store", "search_feed.sql"), params={"sources": sources, "first": first}
    )
    done = 0
    with index.adding(sources, following - 1) as sink:
        for batch in relation.to_arrow_reader(8192):
            if cancel is not None and cancel.is_set():
                raise InterruptedError("indexing cancelled")
            ids = batch.column(0).to_pylist()
            files = batch.column(1).to_pylist()
            texts = batch.column(2).to_pylist()
            for doc_id, source, fields in zip(ids, files, texts, strict=True):
                sink.add(doc_id, source, fields or [])
            done += len(ids)
            if report is not None:
                report(min(1.0, done / total))
        if cancel is not None and cancel.is_set():
            raise InterruptedError("indexing cancelled")


def indexable(text: str) -> bool:
    """True when ``text`` holds a word the index can look up (2 letters or digits or more)."""
    return any(len(m.group()) >= MIN_TERM for m in _WORD.finditer(text.lower()))


def words_apart(text: str) -> list[str] | None:
    """The words of ``text`` when it is only words one space apart (``refund policy``), which
    match wherever those words stand next to each other in this order, whatever separates
    them in the span (punctuation, spaces, a line break); None for text holding anything else
    (``kb-refund-policy-v5``, ``error: timeout``), which must be there as written."""
    lowered = text.lower()
    if not _WORDS_APART.fullmatch(lowered):
        return None
    return lowered.split(" ")


def needs_phrase_check(text: str) -> bool:
    """False when the index alone answers: words one space apart, each end word long enough to
    look up (a one-letter end would match most words, so it is left out of the lookup).
    Anything else is checked as written on the index's candidates."""
    words = words_apart(text)
    return words is None or len(words[0]) < MIN_TERM or len(words[-1]) < MIN_TERM


def matching_spans_sql(text: str, params: list[object]) -> str | None:
    """SQL selecting ``(trace_id, span_id)`` of the indexed spans whose text contains ``text``
    (case-insensitively), appending its parameters; None when the index cannot narrow it."""
    if not indexable(text):
        return None
    params.append(text)
    candidates = _fragment("search_query.sql")
    if not needs_phrase_check(text):
        return candidates
    params.extend([like_pattern(text)] * 5)
    return _fragment("search_phrase.sql").replace("{candidates}", candidates)


def like_pattern(text: str) -> str:
    """``%text%`` for ILIKE ... ESCAPE '\\': the text's own % _ and \\ are literal."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fragment(name: str) -> str:
    """A query to nest inside another."""
    return nestable("spanscope.store", name)


# A span's own columns tested by a condition on each text (five parameters).
_FIELDS_TEST = (
    "({test} OR list_bool_or(list_transform(list_concat(input_messages, output_messages),"
    " lambda m: {m}))"
    " OR list_bool_or(list_transform(tool_calls, lambda c: {args} OR {result}))"
    " OR list_bool_or(list_transform(documents, lambda d: {doc})))"
)
_LIKE = "{} ILIKE ? ESCAPE '\\'"
_REGEX = "regexp_matches({}, ?)"


def _on_each_field(condition: str) -> str:
    """``condition`` (a template over ``{}``) tested on each searched column of a span."""
    return _FIELDS_TEST.format(
        test=condition.format("name"),
        m=condition.format("m.content"),
        args=condition.format("c.arguments"),
        result=condition.format("c.result"),
        doc=condition.format("d.content"),
    )


# The same condition written out for ILIKE (tests and the phrase check read it).
TEXT_TEST = _on_each_field(_LIKE)
_REGEX_TEST = _on_each_field(_REGEX)


def text_test(text: str) -> tuple[str, list[object]]:
    """A condition on a span's own columns meaning what ``text`` means (see
    :func:`words_apart`), with its parameters: what files not yet indexed, one trace's spans
    and text without a word to look up are read with."""
    pattern = words_pattern(text)
    if pattern is None:
        return TEXT_TEST, [like_pattern(text)] * 5
    return _REGEX_TEST, [pattern] * 5


def words_pattern(text: str, between: str = "[^\\pL\\pN]+") -> str | None:
    """For two or more words one space apart, a regular expression (RE2, as DuckDB reads it)
    finding them in this order with ``between`` (anything but letters and digits) between
    them; None otherwise."""
    words = words_apart(text)
    if words is None or len(words) < 2 or needs_phrase_check(text):
        return None  # one word (a substring, as ILIKE finds it) or text as written
    return "(?i)" + between.join(re.escape(w) for w in words)


def spans_matching_in_trace(
    con: duckdb.DuckDBPyConnection, trace_id: str, text: str
) -> list[tuple[str, str]]:
    """(span_id, name) of the spans of ``trace_id`` whose text holds ``text``, in start
    order: which spans a text search found in one trace. One trace's text is read directly,
    so the answer holds whether or not its file is indexed yet."""
    test, params = text_test(text)
    rows = con.execute(
        f"SELECT span_id, name FROM spans WHERE trace_id = ? AND {test} "
        "ORDER BY start_ns NULLS LAST, span_id",
        [trace_id, *params],
    ).fetchall()
    return [(str(r[0]), str(r[1] or "")) for r in rows]
