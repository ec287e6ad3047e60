"""The search index beside the database never disagrees with it: lost, restored from an older
copy, cut off after its commit or cancelled, it is built again or left for later, and every
search stays complete. Ranked search and the lists' snippets."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from otlp_builder import document, write_json
from spanscope import ingest
from spanscope.core.filters import compile_filter
from spanscope.ingest import import_paths, index_for_search
from spanscope.model import ImportStatus
from spanscope.store import Database, queries, search
from spanscope.store.search_index import SearchIndexUnavailable, folder_of
from spanscope.store.writer import Writer
from spanscope.ui.page_rows import PageRequest
from test_search import chat

TRACE_A, TRACE_B, TRACE_C = "a" * 32, "b" * 32, "c" * 32


def imported(db: Database, path: Path) -> None:
    [result] = import_paths(db, [path])
    assert result.status is ImportStatus.IMPORTED, result.error


def found(db: Database, text: str) -> set[tuple[str, str]]:
    page = queries.span_page(db.reader(), where=compile_filter(text, "spans"), limit=1000)
    return {(r["trace_id"], r["span_id"]) for r in page.rows.to_pylist()}


def pending(db: Database) -> int:
    return int(db.reader().execute("SELECT count(*) FROM search_pending").fetchall()[0][0])


def one_chat(tmp_path: Path, name: str, trace: str, words: str) -> Path:
    spans = [chat(trace, trace[:15] + "1", f"question about {words}", f"answer: {words} here")]
    return write_json(tmp_path / name, document(spans))


def test_a_lost_index_folder_is_built_again(tmp_path: Path) -> None:
    path = tmp_path / "lost.duckdb"
    with Database.open(path) as db:
        imported(db, one_chat(tmp_path, "a.json", TRACE_A, "parcelway express"))
    shutil.rmtree(folder_of(path))
    with Database.open(path) as db:
        assert pending(db) == 1  # every file waits for the new index …
        assert found(db, '"parcelway express"') == {(TRACE_A, "a" * 15 + "1")}  # … read directly
        assert index_for_search(Writer(db)) == 1
        assert pending(db) == 0
        assert found(db, '"parcelway express"') == {(TRACE_A, "a" * 15 + "1")}
    assert (folder_of(path) / "meta.json").is_file()


def test_a_database_restored_from_an_older_copy_never_reads_the_newer_index(
    tmp_path: Path,
) -> None:
    """The index may hold numbers the restored database gives out again: it is started over,
    or a search for the lost file's words would find the next file's spans."""
    path = tmp_path / "restored.duckdb"
    with Database.open(path) as db:
        imported(db, one_chat(tmp_path, "a.json", TRACE_A, "alpha apples"))
    shutil.copy(path, tmp_path / "older.duckdb")
    with Database.open(path) as db:
        imported(db, one_chat(tmp_path, "b.json", TRACE_B, "bravo bananas"))
        assert found(db, '"bravo bananas"') == {(TRACE_B, "b" * 15 + "1")}
    shutil.copy(tmp_path / "older.duckdb", path)  # the index folder stays as it was
    with Database.open(path) as db:
        assert pending(db) == 1
        imported(db, one_chat(tmp_path, "c.json", TRACE_C, "charlie cherries"))
        assert pending(db) == 0
        assert found(db, '"bravo bananas"') == set()
        assert found(db, '"charlie cherries"') == {(TRACE_C, "c" * 15 + "1")}
        assert found(db, '"alpha apples"') == {(TRACE_A, "a" * 15 + "1")}


def test_indexing_cut_off_after_the_index_committed_counts_each_span_once(
    tmp_path: Path, db: Database
) -> None:
    [result] = import_paths(db, [one_chat(tmp_path, "a.json", TRACE_A, "delta dates")], index=False)
    assert result.status is ImportStatus.IMPORTED
    index = db.search.index
    assert index is not None
    # The first two steps of Writer.index_pending, then a crash before the files leave
    # search_pending: the next run indexes the file again.
    sources = [1]
    con = db.writer
    con.execute("BEGIN TRANSACTION")
    numbers = search.number_spans(con, sources)
    con.execute("COMMIT")
    search.feed(db.reader(), index, sources, numbers)
    assert pending(db) == 1 and index.document_count() == 1
    assert index_for_search(Writer(db)) == 1
    assert index.document_count() == 1  # the file's earlier documents were dropped
    assert found(db, '"delta dates"') == {(TRACE_A, "a" * 15 + "1")}


def test_a_cancelled_indexing_leaves_the_files_waiting(tmp_path: Path, db: Database) -> None:
    import_paths_result = list(
        import_paths(db, [one_chat(tmp_path, "a.json", TRACE_A, "echo eggs")], index=False)
    )
    assert import_paths_result[0].status is ImportStatus.IMPORTED
    cancel = threading.Event()

    def report(fraction: float, stage: str) -> None:
        if fraction > 0:
            cancel.set()  # cancelled once the spans are read, before the index commits

    assert index_for_search(Writer(db), cancel=cancel, report=report) == 0
    assert pending(db) == 1
    assert db.search.index is not None and db.search.index.document_count() == 0
    assert found(db, '"echo eggs"') == {(TRACE_A, "a" * 15 + "1")}


def test_a_read_only_database_without_its_index_says_so(tmp_path: Path) -> None:
    path = tmp_path / "ro.duckdb"
    with Database.open(path) as db:
        imported(db, one_chat(tmp_path, "a.json", TRACE_A, "foxtrot figs"))
    shutil.rmtree(folder_of(path))
    with Database.open(path, read_only=True) as db:
        with pytest.raises(Exception, match="search index") as caught:
            found(db, '"foxtrot figs"')
        assert SearchIndexUnavailable.__name__ in str(caught.value) or "writable" in str(
            caught.value
        )
        assert found(db, "kind:llm") == {(TRACE_A, "a" * 15 + "1")}  # the rest still works


def test_a_snapshot_reads_the_index_of_the_database_it_copies(tmp_path: Path) -> None:
    path = tmp_path / "held.duckdb"
    with Database.open(path) as db:
        imported(db, one_chat(tmp_path, "a.json", TRACE_A, "golf grapes"))
        copy = Database.open_snapshot(path, tmp_path / "snap")
        try:
            assert found(copy, '"golf grapes"') == {(TRACE_A, "a" * 15 + "1")}
        finally:
            copy.close()


def test_relevance_puts_the_span_saying_it_most_first(tmp_path: Path, db: Database) -> None:
    spans = [
        chat(TRACE_A, "a000000000000001", "the refund was late", "ok", start=1),
        chat(
            TRACE_A, "a000000000000002", "refund refund refund, a refund please", "refund", start=2
        ),
        chat(TRACE_A, "a000000000000003", "nothing to see", "ok", start=3),
    ]
    imported(db, write_json(tmp_path / "r.json", document(spans)))
    where = compile_filter('"refund"', "spans")
    assert where.search_text == "refund"
    by_time = queries.span_page(db.reader(), where=where, sort="start").rows
    assert by_time.column("span_id").to_pylist() == ["a000000000000002", "a000000000000001"]
    ranked = queries.span_page(db.reader(), where=where, sort="relevance").rows
    assert ranked.column("span_id").to_pylist() == ["a000000000000002", "a000000000000001"]
    ascending = queries.span_page(db.reader(), where=where, sort="relevance", descending=False)
    assert ascending.rows.column("span_id").to_pylist() == ["a000000000000001", "a000000000000002"]
    traces = queries.trace_page(db.reader(), where=compile_filter('"refund"'), sort="relevance")
    assert traces.rows.column("trace_id").to_pylist() == [TRACE_A]


def test_the_lists_show_where_each_row_matched(tmp_path: Path, db: Database) -> None:
    long_before = "word " * 40
    spans = [
        chat(TRACE_A, "a000000000000001", long_before + "our Refund Policy allows 90 days", "ok"),
        chat(TRACE_B, "b000000000000001", "no match", "nothing"),
    ]
    imported(db, write_json(tmp_path / "m.json", document(spans)))
    request = PageRequest("start", True, None, compile_filter('"refund policy"', "spans"))
    cells = request.snippets(
        db.reader(),
        [TRACE_A, TRACE_B],
        [f"{TRACE_A}/a000000000000001", f"{TRACE_B}/b000000000000001"],
    )
    assert cells[0].startswith("…") and "Refund Policy allows 90 days" in cells[0]
    assert cells[1] == ""
    on_traces = PageRequest("start", True, None, compile_filter('"refund policy"', "traces"))
    assert "Refund Policy" in on_traces.snippets(db.reader(), [TRACE_A])[0]
    unsearched = PageRequest("start", True, None, compile_filter("kind:llm", "spans"))
    assert unsearched.snippets(db.reader(), [TRACE_A], [f"{TRACE_A}/a000000000000001"]) == [""]


def test_an_import_says_each_of_its_stages(tmp_path: Path, db: Database) -> None:
    stages: list[str] = []

    def progress(p: ingest.Progress) -> None:
        if not stages or stages[-1] != p.stage:
            stages.append(p.stage)

    path = one_chat(tmp_path, "a.json", TRACE_A, "hotel honey")
    [result] = import_paths(db, [path], progress=progress)
    assert result.status is ImportStatus.IMPORTED
    wanted = [
        "reading",
        "reading and mapping spans",
        "checking spans and deriving traces",
        "writing to disk",
        "pricing calls",
        "indexing for search",
    ]
    assert [s for s in stages if s in wanted] == wanted


def test_a_text_asked_again_is_answered_afresh_once_the_index_changes(
    tmp_path: Path, db: Database
) -> None:
    imported(db, one_chat(tmp_path, "a.json", TRACE_A, "india ice"))
    assert found(db, '"india ice"') == {(TRACE_A, "a" * 15 + "1")}
    assert found(db, '"india ice"') == {(TRACE_A, "a" * 15 + "1")}  # the kept answer
    imported(db, one_chat(tmp_path, "b.json", TRACE_B, "india ice"))
    assert found(db, '"india ice"') == {(TRACE_A, "a" * 15 + "1"), (TRACE_B, "b" * 15 + "1")}
