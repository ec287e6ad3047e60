"""The filter language: exact SQL and parameters, errors that point at the bad term, and every
compiled filter run against a real database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otlp_builder import (
    LLM,
    RETRIEVER,
    ROOT,
    T0,
    TOOL,
    TRACE,
    agent_trace,
    document,
    span,
    write_json,
)
from spanscope.core.filters import FilterError, compile_filter, parse
from spanscope.ingest import import_paths
from spanscope.model import ImportStatus
from spanscope.store import Database, search

NOW = datetime(2025, 11, 28, 14, 0, tzinfo=UTC)
HOUR_NS = 3_600_000_000_000

TEXT = search.TEXT_TEST  # a span's own columns holding the text (five ILIKE parameters)


# Quoted text is answered by the search index (store/search.py); these are its subqueries.
WORD = search.matching_spans_sql("word", [])
PHRASE = search.matching_spans_sql("two-words", [])
# Spans of files not yet in the index (search_pending) are scanned alongside: a phrase has
# the text for the index, five LIKE parameters for checking the index's candidates and five
# for that scan; a single word only the text and the scan's five.
PHRASE_PARAMS = ("50%_off",) + ("%50\\%\\_off%",) * 10


def unindexed(test: str) -> str:
    return (
        "(SELECT s.trace_id, s.span_id FROM search_pending p"
        " JOIN spans s ON s.source_id = p.source_id"
        f" WHERE CASE WHEN p.rowid >= 0 THEN {test} END)"
    )


SPANS_IN = (
    "((trace_id, span_id) IN (SELECT trace_id, span_id FROM (%s)) OR "
    "(trace_id, span_id) IN " + unindexed(TEXT) + ")"
)
TRACES_IN = (
    "(trace_id IN (SELECT trace_id FROM (%s)) OR trace_id IN "
    "(SELECT trace_id FROM " + unindexed(TEXT) + "))"
)
# Words one space apart: the index answers alone; files not indexed yet are read with a
# regular expression allowing any separator between the words.
WORDS_TEST, WORDS_PARAMS = search.text_test("refund policy")
WORDS_PATTERN = "(?i)refund[^\\pL\\pN]+policy"
WORDS_SPANS = (
    "((trace_id, span_id) IN (SELECT trace_id, span_id FROM (%s)) OR "
    "(trace_id, span_id) IN " + unindexed(WORDS_TEST) + ")"
) % WORD
WORDS_TRACES = (
    "(trace_id IN (SELECT trace_id FROM (%s)) OR trace_id IN "
    "(SELECT trace_id FROM " + unindexed(WORDS_TEST) + "))"
) % WORD


def exists(span_sql: str) -> str:
    return f"EXISTS (SELECT 1 FROM spans s WHERE s.trace_id = traces.trace_id AND {span_sql})"


# (query, table, sql, params)
COMPILED: list[tuple[str, str, str, tuple[Any, ...]]] = [
    ("", "spans", "TRUE", ()),
    ("   ", "traces", "TRUE", ()),
    ("kind:llm", "spans", "kind = ?", ("llm",)),
    ("kind:llm", "traces", exists("kind = ?"), ("llm",)),
    ("KIND:LLM", "spans", "kind = ?", ("llm",)),
    ("status:error", "spans", "status = ?", ("error",)),
    ("-status:error", "spans", "NOT coalesce(status = ?, FALSE)", ("error",)),
    ("-status:error", "traces", f"NOT coalesce({exists('status = ?')}, FALSE)", ("error",)),
    ("NOT kind:llm", "spans", "NOT coalesce(kind = ?, FALSE)", ("llm",)),
    ("model:gpt-4o*", "spans", "model ILIKE ? ESCAPE '\\'", ("gpt-4o%",)),
    ("model:gpt-4o*", "traces", exists("model ILIKE ? ESCAPE '\\'"), ("gpt-4o%",)),
    ("model:gpt_4?", "spans", "model ILIKE ? ESCAPE '\\'", ("gpt\\_4_",)),
    ("model:100%", "spans", "lower(model) = lower(?)", ("100%",)),
    ("provider:openai", "spans", "lower(provider) = lower(?)", ("openai",)),
    ("service:checkout", "traces", "lower(service) = lower(?)", ("checkout",)),
    ("service:checkout", "spans", "lower(service) = lower(?)", ("checkout",)),
    ('name:"chat gpt-4o"', "traces", "lower(root_name) = lower(?)", ("chat gpt-4o",)),
    ('name:"chat gpt-4o"', "spans", "lower(name) = lower(?)", ("chat gpt-4o",)),
    ("tool:search_kb", "spans", "lower(tool_name) = lower(?)", ("search_kb",)),
    ("trace:5b8e*", "traces", "trace_id ILIKE ? ESCAPE '\\'", ("5b8e%",)),
    ("user:u_42", "traces", "lower(user_id) = lower(?)", ("u_42",)),
    ("user:u_42", "spans", "lower(user_id) = lower(?)", ("u_42",)),
    ("session:s_1", "traces", "lower(session_id) = lower(?)", ("s_1",)),
    ("tag:beta", "spans", "list_contains(tags, ?)", ("beta",)),
    ("tag:beta", "traces", exists("list_contains(tags, ?)"), ("beta",)),
    ("duration>2s", "traces", "duration_ns > ?", (2_000_000_000,)),
    ("duration<=500", "spans", "duration_ns <= ?", (500_000_000,)),
    ("duration>=1.5m", "spans", "duration_ns >= ?", (90_000_000_000,)),
    ("duration:250us", "spans", "duration_ns = ?", (250_000,)),
    ("cost>0.01", "traces", "cost > ?", (0.01,)),
    ("cost>$0.5", "spans", "coalesce(recorded_cost, computed_cost) > ?", (0.5,)),
    ("tokens>8k", "traces", "(input_tokens + output_tokens) > ?", (8000.0,)),
    (
        "tokens>8k",
        "spans",
        "(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)) > ?",
        (8000.0,),
    ),
    ("input_tokens<2M", "spans", "input_tokens < ?", (2_000_000.0,)),
    ("errors>=2", "traces", "error_count >= ?", (2.0,)),
    ("spans>10", "traces", "span_count > ?", (10.0,)),
    ("has:documents", "spans", "len(documents) > 0", ()),
    ("has:documents", "traces", exists("len(documents) > 0"), ()),
    ("has:error", "traces", "error_count > 0", ()),
    ("has:error", "spans", "status = 'error'", ()),
    ("has:tool", "spans", "(kind = 'tool' OR len(tool_calls) > 0)", ()),
    ("has:cost", "traces", "cost IS NOT NULL", ()),
    (
        '"refund policy"',
        "spans",
        WORDS_SPANS,
        ("refund policy",) + (WORDS_PATTERN,) * 5,
    ),
    (
        '"refund policy"',
        "traces",
        WORDS_TRACES,
        ("refund policy",) + (WORDS_PATTERN,) * 5,
    ),
    ("refund", "spans", SPANS_IN % WORD, ("refund",) + ("%refund%",) * 5),
    ('"50%_off"', "spans", SPANS_IN % PHRASE, PHRASE_PARAMS),
    (
        '"say \\"hi\\""',
        "spans",
        SPANS_IN % search.matching_spans_sql('say "hi"', []),
        ('say "hi"',) + ('%say "hi"%',) * 10,
    ),
    ('"a"', "spans", TEXT, ("%a%",) * 5),  # no word the index holds: a scan
    ("kind:llm status:error", "spans", "(kind = ? AND status = ?)", ("llm", "error")),
    ("kind:llm AND status:error", "spans", "(kind = ? AND status = ?)", ("llm", "error")),
    ("kind:llm OR kind:tool", "spans", "(kind = ? OR kind = ?)", ("llm", "tool")),
    (
        "kind:llm OR kind:tool status:error",
        "spans",
        "(kind = ? OR (kind = ? AND status = ?))",
        ("llm", "tool", "error"),
    ),
    (
        "(kind:llm OR kind:tool) -has:error",
        "spans",
        "((kind = ? OR kind = ?) AND NOT coalesce(status = 'error', FALSE))",
        ("llm", "tool"),
    ),
    (
        "(kind:llm OR kind:tool) -has:error",
        "traces",
        f"(({exists('kind = ?')} OR {exists('kind = ?')}) AND NOT coalesce(error_count > 0, FALSE))",
        ("llm", "tool"),
    ),
    (
        "after:2025-11-28T13:00 before:2025-11-28T15:00",
        "traces",
        "(start_ns >= ? AND start_ns < ?)",
        (T0 - HOUR_NS, T0 + HOUR_NS),
    ),
    ("after:2h", "spans", "start_ns >= ?", (T0 - 2 * HOUR_NS,)),
    ("before:2025-11-28T14:00:00Z", "spans", "start_ns < ?", (T0,)),
    ("after:2025-11-28T15:00+01:00", "spans", "start_ns >= ?", (T0,)),
]


@pytest.mark.parametrize("query, table, sql, params", COMPILED)
def test_compiles_to_exact_sql(query: str, table: str, sql: str, params: tuple[Any, ...]) -> None:
    where = compile_filter(query, table, now=NOW)
    assert (where.sql, where.params) == (sql, params)


# (query, table, position, suggestion, words in the message)
BAD: list[tuple[str, str, int, str | None, str]] = [
    ("modle:x", "traces", 0, "model:", "unknown field 'modle'"),
    ("kind:llm modle:x", "spans", 9, "model:", "unknown field 'modle'"),
    ("-modle:x", "spans", 1, "model:", "unknown field"),
    ("stauts:ok", "spans", 0, "status:", "unknown field"),
    ("status:eror", "spans", 0, "status:error", "'eror' is not a status"),
    ("kind:agnet", "spans", 0, "kind:agent", "is not a kind"),
    ("duration>abc", "traces", 0, None, "not a duration"),
    ("cost>cheap", "traces", 0, None, "not a number"),
    ("after:yesterday", "traces", 0, None, "not a time"),
    ("(kind:llm", "spans", 0, None, "missing ')'"),
    ("kind:llm )", "spans", 9, None, "unexpected ')'"),
    ('"unclosed', "spans", 0, None, "unclosed quote"),
    ('name:"unclosed', "spans", 0, None, "unclosed quote"),
    ("-", "spans", 0, None, "nothing to negate"),
    ("kind:llm OR", "spans", 11, None, "expected a term"),
    ("kind>llm", "spans", 0, None, "cannot be compared"),
    ("tag:", "spans", 0, None, "needs a value"),
    ("trace.kind:llm", "traces", 0, "span.kind:", "no trace-level value"),
    ("span.errors>1", "spans", 0, "trace.errors>", "no span-level value"),
    ("trace.label:x", "traces", 0, "label:", "cannot be spelled with 'trace.'"),
]


@pytest.mark.parametrize("query, table, position, suggestion, words", BAD)
def test_bad_query_points_at_the_term(
    query: str, table: str, position: int, suggestion: str | None, words: str
) -> None:
    with pytest.raises(FilterError) as caught:
        compile_filter(query, table, now=NOW)
    error = caught.value
    assert error.position == position
    assert words in str(error)
    assert f"at character {position + 1}" in str(error)
    if suggestion is None:
        assert error.suggestion is None
    else:
        assert error.suggestion == suggestion
        assert f"did you mean {suggestion}?" in str(error)


def test_unknown_has_value_lists_the_known_ones() -> None:
    with pytest.raises(FilterError) as caught:
        compile_filter("has:banana", "spans")
    assert caught.value.suggestion is not None
    assert "has:documents" in caught.value.suggestion and "has:tool" in caught.value.suggestion


def test_error_length_covers_the_term() -> None:
    with pytest.raises(FilterError) as caught:
        compile_filter("kind:llm duration>abc", "spans")
    assert (caught.value.position, caught.value.length) == (9, len("duration>abc"))


@pytest.mark.parametrize(
    "query",
    [
        "after:999999999d",
        "after:99999999999w",
        "duration>" + "9" * 400,
        "duration>" + "9" * 40,
        "duration>" + "9" * 30 + "h",
    ],
)
def test_out_of_range_values_are_filter_errors(query: str) -> None:
    for table in ("spans", "traces"):
        with pytest.raises(FilterError) as caught:
            compile_filter(query, table, now=NOW)
        assert caught.value.position == 0


def test_parse_tree_shape() -> None:
    from spanscope.core.filters import And, Not, Or, Term

    node = parse('(kind:llm OR kind:tool) -has:error "x y"')
    assert isinstance(node, And)
    first, second, third = node.parts
    assert isinstance(first, Or) and [t.value for t in first.parts] == ["llm", "tool"]  # type: ignore[union-attr]
    assert isinstance(second, Not) and second.inner == Term("has", ":", "error", 25, 9)
    assert third == Term(None, ":", "x y", 35, 5)


HOSTILE = [
    "model:x';DROP TABLE spans;--",
    '"\'; DROP TABLE spans; --"',
    "user:'||(SELECT 1)||'",
    "name:\"a' OR '1'='1\"",
    "tag:x\\'y",
    "robert';DELETE FROM traces;--",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_user_text_is_only_ever_a_parameter(query: str, store: Database) -> None:
    for table in ("spans", "traces"):
        where = compile_filter(query, table)
        for fragment in ("DROP", "DELETE", "'1'='1", "SELECT 1)", "x\\'y"):
            assert fragment not in where.sql
        assert all(
            isinstance(p, (str, int, float))
            or (isinstance(p, list) and all(isinstance(w, str) for w in p))
            for p in where.params
        )
        assert any("DROP" in str(p) or "DELETE" in str(p) or "'" in str(p) for p in where.params)
        store.reader().execute(
            f"SELECT count(*) FROM {table} WHERE {where.sql}", list(where.params)
        )
    assert counts(store) == (7, 3)


# --- against a real database -----------------------------------------------------------------

TRACE_B = "b" * 32
TRACE_C = "c" * 32
B_LLM, C_ROOT, C_TOOL = "b" * 16, "c" * 16, "c" * 15 + "1"


def other_traces() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    b = [
        span(
            TRACE_B,
            B_LLM,
            "chat claude",
            start=-2 * 3600 * 1000,
            duration_ms=500,
            status=1,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "claude-3-5-sonnet",
                "gen_ai.usage.input_tokens": 60,
                "gen_ai.usage.output_tokens": 40,
                "user.id": "u_7",
                "tag.tags": ["test"],
                "gen_ai.input.messages": '[{"role": "user", "content": "hello there"}]',
            },
        )
    ]
    c = [
        span(
            TRACE_C,
            C_ROOT,
            "invoke_agent billing",
            start=30 * 60 * 1000,
            duration_ms=800,
            attributes={"gen_ai.operation.name": "invoke_agent"},
        ),
        span(
            TRACE_C,
            C_TOOL,
            "execute_tool lookup_order",
            parent=C_ROOT,
            start=30 * 60 * 1000 + 100,
            duration_ms=200,
            status=1,
            attributes={
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "lookup_order",
                "gen_ai.tool.call.arguments": '{"order": "A-17"}',
            },
        ),
    ]
    return b, c


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    folder = tmp_path_factory.mktemp("filters")
    b, c = other_traces()
    files = [
        write_json(folder / "a.json", document(agent_trace())),
        write_json(folder / "b.json", document(b, service="support")),
        write_json(folder / "c.json", document(c, service="billing")),
    ]
    db = Database.open(folder / "filters.duckdb")
    results = list(import_paths(db, files))
    assert [r.status for r in results] == [ImportStatus.IMPORTED] * 3, [r.error for r in results]
    yield db
    db.close()


def counts(db: Database) -> tuple[int, int]:
    row = (
        db.reader()
        .execute("SELECT (SELECT count(*) FROM spans), (SELECT count(*) FROM traces)")
        .fetchone()
    )
    assert row is not None
    return int(row[0]), int(row[1])


A_SPANS = {(TRACE, ROOT), (TRACE, RETRIEVER), (TRACE, LLM), (TRACE, TOOL)}
B_SPANS = {(TRACE_B, B_LLM)}
C_SPANS = {(TRACE_C, C_ROOT), (TRACE_C, C_TOOL)}
ALL_SPANS = A_SPANS | B_SPANS | C_SPANS

# query -> (trace ids matched in the trace list, (trace, span) ids matched in the span list)
EXPECTED: list[tuple[str, set[str], set[tuple[str, str]] | None]] = [
    ("kind:tool status:error", {TRACE}, {(TRACE, TOOL)}),
    ("-status:error", {TRACE_B, TRACE_C}, ALL_SPANS - {(TRACE, TOOL)}),
    ("model:gpt-4o*", {TRACE}, {(TRACE, LLM)}),
    ("model:claude*", {TRACE_B}, B_SPANS),
    # the user message of the llm span and the tool span's arguments
    ('"refund policy"', {TRACE}, {(TRACE, LLM), (TRACE, TOOL)}),
    ('"HELLO there"', {TRACE_B}, B_SPANS),
    ("has:documents", {TRACE}, {(TRACE, RETRIEVER)}),
    ("has:error", {TRACE}, {(TRACE, TOOL)}),
    ("duration>1s", {TRACE}, {(TRACE, ROOT), (TRACE, LLM)}),
    ("tokens>1000", {TRACE}, {(TRACE, LLM)}),
    ("tokens<=100", {TRACE_B, TRACE_C}, ALL_SPANS - {(TRACE, LLM)}),
    ("user:u_42", {TRACE}, {(TRACE, ROOT)}),
    ("user:U_42", {TRACE}, {(TRACE, ROOT)}),
    ("tag:beta", {TRACE}, {(TRACE, ROOT)}),
    ("-tag:test", {TRACE, TRACE_C}, A_SPANS | C_SPANS),
    ("service:billing", {TRACE_C}, C_SPANS),
    ("tool:lookup_order", {TRACE_C}, {(TRACE_C, C_TOOL)}),
    ("after:2025-11-28T13:00 before:2025-11-28T15:00", {TRACE, TRACE_C}, A_SPANS | C_SPANS),
    (
        "(kind:llm OR kind:tool) -has:error",
        {TRACE_B, TRACE_C},
        {(TRACE, LLM), (TRACE_B, B_LLM), (TRACE_C, C_TOOL)},
    ),
    # trace-level fields; the span list keeps the spans of the matching traces
    ("errors>0", {TRACE}, A_SPANS),
    ("spans>=2", {TRACE, TRACE_C}, A_SPANS | C_SPANS),
    ("kind:llm errors>0", {TRACE}, {(TRACE, LLM)}),
    # the span terms of one group hold on the same span: trace A has an llm span and a
    # failed tool span, but no failed llm span
    ("kind:llm status:error", set(), set()),
    ("kind:tool duration>1s", set(), set()),
    ("kind:llm duration>1s", {TRACE}, {(TRACE, LLM)}),
    # a field both levels have is read on the trace row when alone, or when spelled so
    ("duration>1s", {TRACE}, {(TRACE, ROOT), (TRACE, LLM)}),
    ("kind:tool trace.duration>1s", {TRACE}, {(TRACE, TOOL)}),
    ("span.duration>1s", {TRACE}, {(TRACE, ROOT), (TRACE, LLM)}),
    # negated terms exclude traces
    ("kind:llm -status:error", {TRACE_B}, {(TRACE, LLM), (TRACE_B, B_LLM)}),
    ('name:"invoke_agent support"', {TRACE}, {(TRACE, ROOT)}),
    ("kind:retriever OR kind:embedding", {TRACE}, {(TRACE, RETRIEVER)}),
    ("", {TRACE, TRACE_B, TRACE_C}, ALL_SPANS),
]


@pytest.mark.parametrize("query, traces, spans", EXPECTED)
def test_filters_select_the_expected_rows(
    store: Database, query: str, traces: set[str], spans: set[tuple[str, str]] | None
) -> None:
    cur = store.reader()
    where = compile_filter(query, "traces")
    got = {
        r[0]
        for r in cur.execute(
            f"SELECT trace_id FROM traces WHERE {where.sql}", list(where.params)
        ).fetchall()
    }
    assert got == traces
    if spans is not None:
        where = compile_filter(query, "spans")
        got_spans = {
            (r[0], r[1])
            for r in cur.execute(
                f"SELECT trace_id, span_id FROM spans WHERE {where.sql}", list(where.params)
            ).fetchall()
        }
        assert got_spans == spans


# --- any text: a filter or a FilterError, nothing else ---------------------------------------

PIECES = st.sampled_from(
    [
        "kind:llm",
        "kind:",
        "kind:lm",
        "model:gpt*",
        "model:*",
        "status:eror",
        "status:ERROR",
        "-",
        "(",
        ")",
        "OR",
        "AND",
        "NOT",
        '"',
        '"refund',
        'policy"',
        "duration>",
        "duration>2s",
        "duration<1.5h",
        "cost>0.01",
        "cost>$",
        "tokens>8k",
        "tokens>=1M",
        "has:",
        "has:tool",
        "has:error",
        "after:2h",
        "after:99999999d",
        "before:2025-11-28",
        "before:2025-13-40",
        "tag:beta",
        "user:u_42",
        "errors>1",
        "spans<3",
        'name:"x y"',
        "trace:*",
        "%",
        "_",
        "\\",
        "'",
        ";",
        "--",
        "modle:x",
        ">",
        ":",
        "=",
        "x:y",
        "duration>" + "9" * 30,
        "tokens>" + "9" * 30,
        "after:",
        "input_tokens=5",
    ]
)

QUERIES = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=6).map(" ".join),
    st.lists(PIECES, max_size=5).map("".join),
)


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=QUERIES)
def test_any_text_compiles_and_runs_or_is_a_filter_error(store: Database, text: str) -> None:
    cur = store.reader()
    for table in ("spans", "traces"):
        try:
            where = compile_filter(text, table, now=NOW)
        except FilterError as exc:
            assert 0 <= exc.position <= len(text)
            continue
        cur.execute(
            f"SELECT count(*) FROM {table} WHERE {where.sql}", list(where.params)
        ).fetchone()


def test_filter_compiled_for_traces_runs_in_trace_page(store: Database) -> None:
    from spanscope.store import queries

    where = compile_filter("kind:tool", "traces")
    page = queries.trace_page(store.reader(), where=where, sort="start", descending=False)
    assert page.rows.column("trace_id").to_pylist() == [TRACE, TRACE_C]
    assert not page.more
    assert queries.count(store.reader(), "traces", where) == 2
    assert queries.count(store.reader(), "spans", compile_filter("kind:tool", "spans")) == 2


@pytest.mark.parametrize(
    "query, traces, spans",
    [
        ('"Shipping takes"', {TRACE}, {(TRACE, RETRIEVER)}),
        ('"A-17"', {TRACE_C}, {(TRACE_C, C_TOOL)}),
    ],
)
def test_quoted_text_searches_tool_and_document_contents(
    store: Database, query: str, traces: set[str], spans: set[tuple[str, str]]
) -> None:
    cur = store.reader()
    where = compile_filter(query, "traces")
    assert {
        r[0]
        for r in cur.execute(
            f"SELECT trace_id FROM traces WHERE {where.sql}", list(where.params)
        ).fetchall()
    } == traces
    where = compile_filter(query, "spans")
    assert {
        (r[0], r[1])
        for r in cur.execute(
            f"SELECT trace_id, span_id FROM spans WHERE {where.sql}", list(where.params)
        ).fetchall()
    } == spans


# --- the trace list's meaning on a real dataset ---------------------------------------------


def test_a_trace_list_group_counts_the_traces_of_the_matching_spans(tmp_path: Path) -> None:
    """``service:x kind:tool duration>2s`` lists the traces holding such a tool span, not the
    traces of service x that hold some tool span and last over 2 s (the old reading counted
    six times as many here)."""
    from spanscope.core.filter_value import make_filter
    from spanscope.demo import write_otlp_jsonl

    source = tmp_path / "demo.jsonl"
    write_otlp_jsonl(source, 20000, seed=7)
    with Database.open(tmp_path / "demo.duckdb") as db:
        [result] = list(import_paths(db, [source]))
        assert result.status == ImportStatus.IMPORTED, result.error
        cur = db.reader()
        applied = make_filter("service:support-agent kind:tool duration>2s")
        assert applied.meaning == (
            "traces with a span matching service:support-agent kind:tool duration>2s"
        )

        def count(sql: str, params: tuple[Any, ...] = ()) -> int:
            return int(cur.execute(sql, list(params)).fetchall()[0][0])

        spans_sql = (
            "FROM spans WHERE lower(service) = 'support-agent' AND kind = 'tool' "
            "AND duration_ns > 2000000000"
        )
        tool_spans, their_traces = (
            count(f"SELECT count(*) {spans_sql}"),
            count(f"SELECT count(DISTINCT trace_id) {spans_sql}"),
        )
        old_reading = count(
            "SELECT count(*) FROM traces WHERE lower(service) = 'support-agent' "
            "AND duration_ns > 2000000000 AND EXISTS (SELECT 1 FROM spans s "
            "WHERE s.trace_id = traces.trace_id AND s.kind = 'tool')"
        )
        traces = count(
            f"SELECT count(*) FROM traces WHERE {applied.traces.sql}", applied.traces.params
        )
        spans = count(f"SELECT count(*) FROM spans WHERE {applied.spans.sql}", applied.spans.params)
        assert (traces, spans) == (their_traces, tool_spans)
        assert 0 < traces < old_reading
        # spelled as a trace-level field, duration is read on the trace row again
        trace_level = make_filter("service:support-agent kind:tool trace.duration>2s")
        assert trace_level.meaning.endswith("and trace.duration>2s")
        assert (
            count(
                f"SELECT count(*) FROM traces WHERE {trace_level.traces.sql}",
                trace_level.traces.params,
            )
            >= old_reading
        )
