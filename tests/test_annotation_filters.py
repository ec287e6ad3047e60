"""Filter terms about annotations: label:, has:note, has:expected, annotated:, -annotated:,
author: — exact SQL, errors, and the rows they select in a real database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from otlp_builder import LLM, ROOT, TOOL, TRACE, agent_trace, document, write_json
from spanscope.core.filters import FilterError, compile_filter
from spanscope.model.annotation import Annotation
from spanscope.store import Database
from spanscope.store import annotations as stored
from store_checks import imported

OTHER = "0123456789abcdef0123456789abcdef"
OTHER_ROOT = "bbbbbbbbbbbbbbb0"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    folder: Path = tmp_path_factory.mktemp("annotation-filters")
    db = Database.open(folder / "f.duckdb")
    imported(db, write_json(folder / "a.json", document(agent_trace())))
    other = [s for s in agent_trace(OTHER) if s["spanId"] == ROOT]
    other[0]["spanId"] = OTHER_ROOT
    imported(db, write_json(folder / "b.json", document(other)))
    cur = db.writer.cursor()
    stored.save_annotation(
        cur, Annotation(TRACE, LLM, ("hallucination", "latency"), note="n", author="ana")
    )
    stored.save_annotation(cur, Annotation(TRACE, TOOL, ("wrong tool",), expected="x", author="bo"))
    stored.save_annotation(cur, Annotation(TRACE, TOOL, rubric="correct", score=0.0, author="bo"))
    # an evaluation result (label only, as evaluation imports write it)
    db.writer.execute(
        "INSERT INTO annotations (trace_id, span_id, label, author) VALUES (?, ?, 'relevant', 'evals')",
        [OTHER, OTHER_ROOT],
    )
    yield db
    db.close()


def traces(db: Database, query: str) -> set[str]:
    where = compile_filter(query, "traces")
    return {
        r[0]
        for r in db.reader()
        .execute(f"SELECT trace_id FROM traces WHERE {where.sql}", list(where.params))
        .fetchall()
    }


def spans(db: Database, query: str) -> set[str]:
    where = compile_filter(query, "spans")
    return {
        r[0]
        for r in db.reader()
        .execute(f"SELECT span_id FROM spans WHERE {where.sql}", list(where.params))
        .fetchall()
    }


@pytest.mark.parametrize(
    "query, trace_ids, span_ids",
    [
        ("label:latency", {TRACE}, {LLM}),  # the second label of an annotation
        ("label:HALLUCINATION", {TRACE}, {LLM}),
        ("label:relevant", {OTHER}, {OTHER_ROOT}),  # evaluation labels too
        ("has:note", {TRACE}, {LLM}),
        ("has:expected", {TRACE}, {TOOL}),
        ("has:score", {TRACE}, {TOOL}),
        ("annotated:yes", {TRACE, OTHER}, {LLM, TOOL, OTHER_ROOT}),
        ("-annotated:yes", set(), None),
        ("annotated:no", set(), None),
        ("author:bo", {TRACE}, {TOOL}),
        ("author:a*", {TRACE}, {LLM}),
        ("kind:llm -label:hallucination", set(), set()),
        ("label:latency OR label:relevant", {TRACE, OTHER}, {LLM, OTHER_ROOT}),
    ],
)
def test_annotation_terms_select_rows(
    store: Database, query: str, trace_ids: set[str], span_ids: set[str] | None
) -> None:
    assert traces(store, query) == trace_ids
    if span_ids is not None:
        assert spans(store, query) == span_ids


def test_unannotated_spans(store: Database) -> None:
    every = spans(store, "")
    assert spans(store, "-annotated:yes") == every - {LLM, TOOL, OTHER_ROOT}


def test_annotation_terms_compile_to_parameters() -> None:
    where = compile_filter("author:ana", "spans")
    assert where.params == ("ana",)
    assert "FROM annotations a" in where.sql and "'ana'" not in where.sql
    assert compile_filter("has:note", "traces").params == ()


def test_bad_annotated_value_points_at_the_term() -> None:
    with pytest.raises(FilterError) as caught:
        compile_filter("kind:llm annotated:maybe", "spans")
    assert caught.value.position == 9
    assert caught.value.suggestion is not None and "annotated:yes" in caught.value.suggestion
    with pytest.raises(FilterError) as unknown:
        compile_filter("has:banana", "spans")
    assert unknown.value.suggestion is not None and "has:note" in unknown.value.suggestion
