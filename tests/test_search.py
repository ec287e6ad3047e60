"""Full-text search through the index: phrases in every searched field, adjacency, case,
re-imports, reopening, and hostile search text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from otlp_builder import document, span, write_json, write_jsonl
from spanscope.core.filters import compile_filter
from spanscope.ingest import import_paths, index_for_search
from spanscope.model import ImportStatus
from spanscope.store import SCHEMA_VERSION, Database, queries, search
from spanscope.store.writer import Writer

TRACE_A = "a" * 32
TRACE_B = "b" * 32


def chat(trace: str, span_id: str, user: str, answer: str, start: int = 0) -> dict:
    return span(
        trace,
        span_id,
        "chat gpt-4o",
        start=start,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.input.messages": json.dumps(
                [{"role": "user", "parts": [{"type": "text", "content": user}]}]
            ),
            "gen_ai.output.messages": json.dumps(
                [{"role": "assistant", "parts": [{"type": "text", "content": answer}]}]
            ),
        },
    )


def tool(trace: str, span_id: str, arguments: str, result: str) -> dict:
    return span(
        trace,
        span_id,
        "execute_tool lookup_order",
        attributes={
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "lookup_order",
            "gen_ai.tool.call.arguments": arguments,
            "gen_ai.tool.call.result": result,
        },
    )


def retrieval(trace: str, span_id: str, content: str) -> dict:
    return span(
        trace,
        span_id,
        "retrieval kb",
        attributes={
            "gen_ai.operation.name": "retrieval",
            "gen_ai.retrieval.documents": json.dumps([{"id": "kb-1", "content": content}]),
        },
    )


def spans_matching(db: Database, text: str) -> set[tuple[str, str]]:
    where = compile_filter(text, "spans")
    page = queries.span_page(db.reader(), where=where, limit=10_000)
    return {(r["trace_id"], r["span_id"]) for r in page.rows.to_pylist()}


def traces_matching(db: Database, text: str) -> int:
    return queries.count(db.reader(), "traces", compile_filter(text, "traces"))


def import_ok(db: Database, *files: Path) -> None:
    for result in import_paths(db, list(files)):
        assert result.status in (ImportStatus.IMPORTED, ImportStatus.UNCHANGED), result.error


@pytest.fixture
def searchable(tmp_path: Path, db: Database) -> Database:
    spans = [
        chat(
            TRACE_A,
            "a000000000000001",
            "What is the Refund Policy for damaged goods?",
            "Our refund policy allows returns within 90 days.",
        ),
        tool(
            TRACE_A,
            "a000000000000002",
            '{"order_id": "ORD-77812"}',
            '{"status": "shipped", "carrier": "Parcelway Express"}',
        ),
        retrieval(TRACE_A, "a000000000000003", "kb-refund-policy-v5: refunds are issued in 5 days"),
        # every word of "refund policy" but never side by side
        chat(TRACE_B, "b000000000000001", "policy questions first", "then a refund, maybe"),
    ]
    import_ok(db, write_json(tmp_path / "a.json", document(spans)))
    return db


def test_phrase_in_a_message(searchable: Database) -> None:
    assert spans_matching(searchable, '"within 90 days"') == {(TRACE_A, "a000000000000001")}


def test_phrase_in_tool_arguments_and_result(searchable: Database) -> None:
    assert spans_matching(searchable, '"ORD-77812"') == {(TRACE_A, "a000000000000002")}
    assert spans_matching(searchable, '"parcelway express"') == {(TRACE_A, "a000000000000002")}


def test_phrase_in_a_retrieved_chunk(searchable: Database) -> None:
    assert spans_matching(searchable, '"kb-refund-policy-v5"') == {(TRACE_A, "a000000000000003")}


def test_words_present_but_not_adjacent_do_not_match(searchable: Database) -> None:
    found = spans_matching(searchable, '"refund policy"')
    assert (TRACE_B, "b000000000000001") not in found
    assert (TRACE_A, "a000000000000001") in found
    assert traces_matching(searchable, '"refund policy"') == 1


def test_case_insensitive_and_partial_words(searchable: Database) -> None:
    assert spans_matching(searchable, '"REFUND POLICY FOR"') == {(TRACE_A, "a000000000000001")}
    assert spans_matching(searchable, "PARCELWAY") == {(TRACE_A, "a000000000000002")}
    # like the scan it replaces, the text may start and end inside words
    assert spans_matching(searchable, '"arcelway expr"') == {(TRACE_A, "a000000000000002")}
    assert spans_matching(searchable, "rcelwa") == {(TRACE_A, "a000000000000002")}


def test_unquoted_word_and_negation(searchable: Database) -> None:
    assert spans_matching(searchable, "parcelway kind:tool") == {(TRACE_A, "a000000000000002")}
    assert (TRACE_A, "a000000000000002") not in spans_matching(searchable, "-parcelway")


def test_text_without_indexable_words_still_scans(searchable: Database) -> None:
    assert not search.indexable("a !")
    assert (TRACE_A, "a000000000000001") in spans_matching(searchable, '"?"')


def test_rare_phrase_among_many(tmp_path: Path, db: Database) -> None:
    docs = []
    for t in range(40):
        trace = f"{t:032x}"
        docs.append(
            document(
                [
                    chat(
                        trace, f"{t:015x}1", f"refund question {t}", "our policy is 30 days refund"
                    ),
                    retrieval(trace, f"{t:015x}2", "refund policy: 30 days, policy refund"),
                ]
            )
        )
    docs.append(document([chat("f" * 32, "f" * 16, "x", "the refund policy changed to 60 days")]))
    import_ok(db, write_jsonl(tmp_path / "many.jsonl", docs))
    assert spans_matching(db, '"refund policy changed"') == {("f" * 32, "f" * 16)}
    assert traces_matching(db, '"policy refund"') == 40


def test_reimporting_the_same_file_changes_nothing(tmp_path: Path, searchable: Database) -> None:
    before = _index_state(searchable)
    import_ok(searchable, tmp_path / "a.json")
    assert _index_state(searchable) == before
    assert spans_matching(searchable, '"within 90 days"') == {(TRACE_A, "a000000000000001")}


def test_a_file_replacing_spans_replaces_their_text(tmp_path: Path, searchable: Database) -> None:
    changed = chat(TRACE_A, "a000000000000001", "new question", "new answer about 45 days")
    import_ok(searchable, write_json(tmp_path / "b.json", document([changed])))
    assert spans_matching(searchable, '"within 90 days"') == set()
    assert spans_matching(searchable, '"about 45 days"') == {(TRACE_A, "a000000000000001")}
    searchable.reset_search()
    assert index_for_search(Writer(searchable)) == 2
    assert spans_matching(searchable, '"about 45 days"') == {(TRACE_A, "a000000000000001")}
    assert spans_matching(searchable, "parcelway") == {(TRACE_A, "a000000000000002")}


def test_index_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "reopen.duckdb"
    with Database.open(path) as db:
        import_ok(
            db,
            write_json(
                tmp_path / "r.json",
                document([tool(TRACE_A, "a000000000000002", "{}", "Parcelway Express")]),
            ),
        )
    with Database.open(path, read_only=True) as db:
        assert spans_matching(db, '"parcelway express"') == {(TRACE_A, "a000000000000002")}


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE spans; --",
        "x' OR '1'='1",
        "%",
        "no_such_ident_ifier",
        "\\",
        "robert'); DELETE FROM search_terms; --",
        "{candidates}",
    ],
)
def test_hostile_search_text_is_only_text(searchable: Database, text: str) -> None:
    quoted = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    assert spans_matching(searchable, quoted) == set()
    counts = (
        searchable.reader()
        .execute("SELECT (SELECT count(*) FROM spans), (SELECT count(*) FROM search_docs)")
        .fetchall()
    )
    assert counts == [(4, 4)]


def older_database(path: Path, *changes: str) -> Path:
    """A database holding one tool span ("Parcelway Express"), then made older by ``changes``."""
    with Database.open(path) as db:
        tool_span = tool(TRACE_A, "a000000000000002", "{}", "Parcelway Express")
        import_ok(db, write_json(path.with_suffix(".json"), document([tool_span])))
        for stmt in changes:
            db.writer.execute(stmt)
    return path


def test_a_schema_1_file_is_migrated_and_indexed(tmp_path: Path) -> None:
    path = older_database(
        tmp_path / "old.duckdb",
        "DROP TABLE search_docs",
        "DROP TABLE search_pending",
        "DROP MACRO search_fields",
        "DELETE FROM meta WHERE key LIKE 'search%'",
        "UPDATE meta SET value = '1' WHERE key = 'schema_version'",
    )
    with Database.open(path) as db:
        assert db.schema_version() == SCHEMA_VERSION
        # found at once (the file is read directly), and by the index once it is built
        assert spans_matching(db, '"parcelway express"') == {(TRACE_A, "a000000000000002")}
        assert index_for_search(Writer(db)) == 1
        assert spans_matching(db, '"parcelway express"') == {(TRACE_A, "a000000000000002")}
    assert (tmp_path / "old.duckdb.schema1.bak").is_file()


def test_a_schema_8_index_in_tables_moves_beside_the_file(tmp_path: Path) -> None:
    """Schemas 2 to 8 kept the index in DuckDB tables: they are dropped and every file is
    indexed again in the folder beside the database."""
    path = older_database(
        tmp_path / "tables.duckdb",
        "CREATE TABLE search_terms (term VARCHAR, doc_ids INTEGER[])",
        "CREATE TABLE search_pairs (second VARCHAR, first VARCHAR, doc_ids INTEGER[])",
        "UPDATE meta SET value = '8' WHERE key = 'schema_version'",
    )
    with Database.open(path) as db:
        tables = (
            db.reader()
            .execute(
                "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'search%' ORDER BY 1"
            )
            .fetchall()
        )
        assert tables == [("search_docs",), ("search_pending",)]
        assert db.reader().execute("SELECT count(*) FROM search_pending").fetchall() == [(1,)]
        assert spans_matching(db, "parcelway") == {(TRACE_A, "a000000000000002")}
        assert index_for_search(Writer(db)) == 1
        assert spans_matching(db, "parcelway") == {(TRACE_A, "a000000000000002")}


def test_files_waiting_for_the_index_are_still_searched(tmp_path: Path, db: Database) -> None:
    """An import commits its spans first; the index follows. Searches in between scan."""
    trace = "c" * 32
    spans = [
        chat(trace, "c000000000000001", "Where is parcel ZX-4410?", "It left the depot."),
        tool(trace, "c000000000000002", '{"parcel": "ZX-4410"}', '{"depot": "Leeds"}'),
    ]
    path = write_json(tmp_path / "later.json", document(spans))
    [result] = import_paths(db, [path], index=False)
    assert result.status is ImportStatus.IMPORTED
    pending = db.reader().execute("SELECT count(*) FROM search_pending").fetchall()
    assert pending == [(1,)]
    expected = {(trace, "c000000000000001"), (trace, "c000000000000002")}
    assert spans_matching(db, '"ZX-4410"') == expected
    assert spans_matching(db, "depot") == expected  # the answer and the tool's result

    assert index_for_search(Writer(db)) == 1
    assert db.reader().execute("SELECT count(*) FROM search_pending").fetchall() == [(0,)]
    assert spans_matching(db, '"ZX-4410"') == expected
    assert traces_matching(db, '"left the depot"') == 1


def test_facets_count_under_quoted_text(searchable: Database) -> None:
    """The search subquery nests inside the facet query as it does inside the lists."""
    from spanscope.core.filters import compile_for_facets
    from spanscope.store import facets

    wheres = compile_for_facets('"refund policy"')
    counts = facets.facet_counts(searchable.reader(), "kind", wheres["spans"])
    # the chat span's user message and answer, and the chunk's "kb-refund-policy-v5": words
    # one space apart match whatever separates them
    assert counts.values == (("llm", 1), ("retriever", 1))


def test_words_one_space_apart_match_whatever_separates_them(tmp_path: Path, db: Database) -> None:
    """Quoted words one space apart are found next to each other in this order, whatever lies
    between them in the span (punctuation, spaces, a line break), inside one field; the index
    answers alone, and files not yet indexed are read with the same meaning. Text holding
    punctuation must be there as written."""
    texts = {
        "s01": "Our Refund Policy changed.",  # case differs
        "s02": "the prefund policyholder list",  # words inside longer terms at the edges
        "s03": "refund-policy",  # another separator
        "s04": "refund  policy",  # two spaces
        "s05": "refund\npolicy",  # a line break
        "s06": "refund a policy",  # a word between
        "s07": "policy refund",  # the other order
    }
    spans = [chat(TRACE_A, f"a0000000000000{k[1:]}", text, "ok") for k, text in texts.items()]
    # The name ends with one word and the message starts with the other: not one text.
    spans.append(chat(TRACE_B, "b000000000000001", "policy details", "ok"))
    spans[-1]["name"] = "chat refund"
    path = write_json(tmp_path / "p.json", document(spans))
    [waiting] = import_paths(db, [path], index=False)
    assert waiting.status is ImportStatus.IMPORTED
    expected = {
        "a000000000000001",
        "a000000000000002",
        "a000000000000003",
        "a000000000000004",
        "a000000000000005",
    }
    assert not search.needs_phrase_check("refund policy")
    assert {s for _t, s in spans_matching(db, '"refund policy"')} == expected  # read directly
    assert index_for_search(Writer(db)) == 1
    assert {s for _t, s in spans_matching(db, '"refund policy"')} == expected  # the index
    # punctuation written must be there
    assert search.needs_phrase_check("refund-policy")
    assert {s for _t, s in spans_matching(db, '"refund-policy"')} == {"a000000000000003"}
    assert {s for _t, s in spans_matching(db, '"policy."')} == set()
    assert {s for _t, s in spans_matching(db, '"Policy changed."')} == {"a000000000000001"}


def _index_state(db: Database) -> tuple[object, ...]:
    """What the index holds: its span numbers in the database and its documents."""
    index = db.search.index
    assert index is not None
    rows = db.reader().execute("SELECT count(*), max(doc_id) FROM search_docs").fetchall()
    return (rows[0], index.document_count())
