"""Read queries over an imported demo day: ordering, keyset paging, counts, trees, details,
stats, and filters applied to pages."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from otlp_builder import LLM, T0, TRACE, agent_trace, document, span, write_json
from spanscope.core.filters import compile_filter
from spanscope.demo.generator import write_otlp_jsonl
from spanscope.ingest import import_paths
from spanscope.model import ImportStatus
from spanscope.store import Database, queries
from spanscope.store.queries import Where
from store_checks import imported

DEMO_SPANS = 3000


@dataclass
class RawTrace:
    """What the demo file itself says about one trace."""

    spans: list[tuple[int, str]] = field(default_factory=list)  # (start ns, span id)


@dataclass
class Demo:
    db: Database
    raw: dict[str, RawTrace]
    llm_spans: list[tuple[str, str, dict[str, Any]]]  # (trace id, span id, attribute values)


def any_value(v: dict[str, Any]) -> Any:
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        return int(v["intValue"])
    if "doubleValue" in v:
        return float(v["doubleValue"])
    if "boolValue" in v:
        return v["boolValue"]
    if "arrayValue" in v:
        return [any_value(x) for x in v["arrayValue"].get("values", [])]
    return None


def read_demo(path: Path) -> tuple[dict[str, RawTrace], list[tuple[str, str, dict[str, Any]]]]:
    raw: dict[str, RawTrace] = defaultdict(RawTrace)
    llm_spans = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            for rs in json.loads(line)["resourceSpans"]:
                for ss in rs["scopeSpans"]:
                    for s in ss["spans"]:
                        raw[s["traceId"]].spans.append((int(s["startTimeUnixNano"]), s["spanId"]))
                        values = {kv["key"]: any_value(kv["value"]) for kv in s["attributes"]}
                        if values.get("gen_ai.operation.name") == "chat":
                            llm_spans.append((s["traceId"], s["spanId"], values))
    return dict(raw), llm_spans


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.jsonl"
    write_otlp_jsonl(path, DEMO_SPANS)
    db = Database.open(folder / "demo.duckdb")
    imported(db, path)
    raw, llm_spans = read_demo(path)
    yield Demo(db, raw, llm_spans)
    db.close()


def trace_rows(demo: Demo) -> list[dict[str, Any]]:
    return (
        demo.db.reader()
        .sql(
            "SELECT trace_id, start_ns, duration_ns, cost, error_count, input_tokens, output_tokens, "
            "span_count FROM traces"
        )
        .to_arrow_table()
        .to_pylist()
    )


# The sort keys, written out from their meaning: never NULL, so every row has a place.
SORT_KEYS = {
    "start": lambda r: r["start_ns"],
    "duration": lambda r: r["duration_ns"] if r["duration_ns"] is not None else -1,
    "cost": lambda r: r["cost"] if r["cost"] is not None else -1.0,
    "errors": lambda r: r["error_count"],
    "tokens": lambda r: r["input_tokens"] + r["output_tokens"],
    "spans": lambda r: r["span_count"],
}


def expected_order(demo: Demo, sort: str, descending: bool) -> list[str]:
    key = SORT_KEYS[sort]
    rows = sorted(trace_rows(demo), key=lambda r: (key(r), r["trace_id"]), reverse=descending)
    return [r["trace_id"] for r in rows]


def walk(
    demo: Demo, sort: str, descending: bool, limit: int, where: Where | None = None
) -> tuple[list[str], list[bool]]:
    seen: list[str] = []
    mores: list[bool] = []
    after = None
    cur = demo.db.reader()
    while True:
        page = queries.trace_page(
            cur, sort=sort, descending=descending, after=after, limit=limit, where=where
        )
        ids = page.rows.column("trace_id").to_pylist()
        assert len(ids) <= limit
        seen += ids
        mores.append(page.more)
        if not page.more:
            return seen, mores
        last = page.rows.slice(page.rows.num_rows - 1).to_pylist()[0]
        after = (last["sort_key"], last["trace_id"])
        assert len(mores) <= 1000, "paging does not end"


def test_demo_import_matches_the_file(demo: Demo) -> None:
    cur = demo.db.reader()
    assert queries.count(cur, "spans") == DEMO_SPANS
    assert queries.count(cur, "traces") == len(demo.raw)
    rows = {r["trace_id"]: r for r in trace_rows(demo)}
    assert set(rows) == set(demo.raw)
    for trace_id, raw in demo.raw.items():
        assert rows[trace_id]["span_count"] == len(raw.spans)
        assert rows[trace_id]["start_ns"] == min(start for start, _ in raw.spans)


@pytest.mark.parametrize("descending", [True, False], ids=["desc", "asc"])
@pytest.mark.parametrize("sort", sorted(SORT_KEYS))
def test_trace_page_orders_by_each_sort(demo: Demo, sort: str, descending: bool) -> None:
    page = queries.trace_page(demo.db.reader(), sort=sort, descending=descending, limit=100_000)
    assert not page.more
    assert page.rows.column("trace_id").to_pylist() == expected_order(demo, sort, descending)
    key = SORT_KEYS[sort]
    for row in page.rows.to_pylist():
        assert row["sort_key"] == key(row)


@pytest.mark.parametrize("descending", [True, False], ids=["desc", "asc"])
@pytest.mark.parametrize("sort", sorted(SORT_KEYS))
def test_keyset_paging_visits_every_trace_once_in_order(
    demo: Demo, sort: str, descending: bool
) -> None:
    seen, mores = walk(demo, sort, descending, limit=17)
    assert len(seen) == len(set(seen))
    assert seen == expected_order(demo, sort, descending)
    assert mores[-1] is False and all(mores[:-1])
    assert len(mores) == math.ceil(len(seen) / 17)


def test_demo_data_has_the_ties_paging_must_survive(demo: Demo) -> None:
    rows = trace_rows(demo)
    assert sum(r["error_count"] == 0 for r in rows) > 3 * 17
    # calls are priced at import, so costs rarely tie; span counts do, in long runs
    assert max(Counter(r["span_count"] for r in rows).values()) > 3 * 17


def test_paging_through_a_run_of_equal_keys_with_tiny_pages(demo: Demo) -> None:
    seen, _ = walk(demo, "errors", False, limit=1)
    assert seen == expected_order(demo, "errors", False)


def test_more_flag_and_limit(demo: Demo) -> None:
    cur = demo.db.reader()
    total = len(demo.raw)
    exact = queries.trace_page(cur, limit=total)
    assert (exact.rows.num_rows, exact.more) == (total, False)
    short = queries.trace_page(cur, limit=total - 1)
    assert (short.rows.num_rows, short.more) == (total - 1, True)
    assert short.rows.column("trace_id").to_pylist() == expected_order(demo, "start", True)[:-1]
    one = queries.trace_page(cur, limit=1)
    assert (one.rows.num_rows, one.more) == (1, True)


def test_unknown_sort_is_refused(demo: Demo) -> None:
    with pytest.raises(ValueError, match="cannot sort by"):
        queries.trace_page(demo.db.reader(), sort="start; DROP TABLE traces")
    with pytest.raises(ValueError):
        queries.count(demo.db.reader(), "sources")


def test_trace_spans_returns_every_span_in_start_order(demo: Demo) -> None:
    cur = demo.db.reader()
    biggest = max(demo.raw, key=lambda t: (len(demo.raw[t].spans), t))
    for trace_id in [biggest, *sorted(demo.raw)[:25]]:
        table = queries.trace_spans(cur, trace_id)
        got = list(
            zip(
                table.column("start_ns").to_pylist(),
                table.column("span_id").to_pylist(),
                strict=True,
            )
        )
        assert got == sorted(demo.raw[trace_id].spans)
    assert queries.trace_spans(cur, "no-such-trace").num_rows == 0


def test_trace_summary(demo: Demo) -> None:
    trace_id = sorted(demo.raw)[0]
    summary = queries.trace_summary(demo.db.reader(), trace_id)
    assert summary is not None
    assert summary["trace_id"] == trace_id
    assert summary["span_count"] == len(demo.raw[trace_id].spans)
    assert queries.trace_summary(demo.db.reader(), "no-such-trace") is None


def _text_only(messages: list[dict[str, Any]]) -> bool:
    return all(p.get("type") == "text" for m in messages for p in m["parts"])


def test_span_detail_returns_messages(demo: Demo) -> None:
    candidates = [
        (t, s, v)
        for t, s, v in demo.llm_spans
        if "gen_ai.input.messages" in v
        and "gen_ai.system_instructions" in v
        and _text_only(json.loads(v["gen_ai.input.messages"]))
        and _text_only([{"parts": json.loads(v["gen_ai.system_instructions"])}])
    ]
    assert candidates, "the demo day has GenAI chat spans with plain-text prompts"
    trace_id, span_id, values = candidates[0]
    system = json.loads(values["gen_ai.system_instructions"])
    inputs = json.loads(values["gen_ai.input.messages"])
    outputs = json.loads(values["gen_ai.output.messages"])

    detail = queries.span_detail(demo.db.reader(), trace_id, span_id)
    assert detail is not None
    assert (detail["trace_id"], detail["span_id"], detail["kind"]) == (trace_id, span_id, "llm")
    assert detail["source_format"] == "otlp-json"
    assert detail["source_path"].endswith("demo.jsonl")
    assert [(m["role"], m["content"]) for m in detail["input_messages"]] == [
        ("system", "\n".join(p["content"] for p in system))
    ] + [(m["role"], "\n".join(p["content"] for p in m["parts"])) for m in inputs]

    assert [m["role"] for m in detail["output_messages"]] == [m["role"] for m in outputs]
    expected_calls = [
        (p["id"], p["name"], p["arguments"])
        for m in outputs
        for p in m["parts"]
        if p["type"] == "tool_call"
    ]
    got_calls = [
        (c["call_id"], c["name"], json.loads(c["arguments"]))
        for m in detail["output_messages"]
        for c in (m["tool_calls"] or [])
    ]
    assert got_calls == expected_calls
    assert (detail["input_tokens"], detail["output_tokens"]) == (
        values["gen_ai.usage.input_tokens"],
        values["gen_ai.usage.output_tokens"],
    )
    assert (
        json.loads(detail["attributes"])["gen_ai.request.model"] == values["gen_ai.request.model"]
    )


def test_span_detail_of_unknown_span(demo: Demo) -> None:
    assert queries.span_detail(demo.db.reader(), "nope", "nope") is None


def test_find_span_lists_its_traces(demo: Demo) -> None:
    trace_id, span_id, _ = demo.llm_spans[0]
    assert queries.find_span(demo.db.reader(), span_id) == [trace_id]


# --- filters restrict pages ------------------------------------------------------------------


def test_where_restricts_pages_and_counts(demo: Demo) -> None:
    cur = demo.db.reader()
    where = compile_filter("has:error", "traces")
    with_errors = {r["trace_id"] for r in trace_rows(demo) if r["error_count"] > 0}
    assert 0 < len(with_errors) < len(demo.raw)
    assert queries.count(cur, "traces", where) == len(with_errors)
    seen, _ = walk(demo, "start", True, limit=7, where=where)
    assert len(seen) == len(set(seen)) and set(seen) == with_errors
    ordered = [t for t in expected_order(demo, "start", True) if t in with_errors]
    assert seen == ordered


def test_span_level_filter_restricts_trace_pages(demo: Demo) -> None:
    cur = demo.db.reader()
    embedding_traces = {
        r[0]
        for r in cur.execute(
            "SELECT DISTINCT trace_id FROM spans WHERE kind = 'embedding'"
        ).fetchall()
    }
    assert 0 < len(embedding_traces) < len(demo.raw)
    where = compile_filter("kind:embedding", "traces")
    page = queries.trace_page(cur, where=where, limit=100_000)
    assert set(page.rows.column("trace_id").to_pylist()) == embedding_traces
    assert queries.count(cur, "traces", where) == len(embedding_traces)
    spans_where = compile_filter("kind:embedding", "spans")
    span_rows = queries.span_page(cur, where=spans_where, limit=100_000).rows.to_pylist()
    assert {r["kind"] for r in span_rows} == {"embedding"}
    assert queries.count(cur, "spans", spans_where) == len(span_rows)


@pytest.mark.parametrize("sort", ["start", "duration", "tokens", "errors", "cost"])
def test_span_page_orders_by_each_sort(demo: Demo, sort: str) -> None:
    cur = demo.db.reader()
    rows = (
        cur.sql(
            "SELECT trace_id, span_id, start_ns, duration_ns, recorded_cost, computed_cost, input_tokens, "
            "output_tokens, status FROM spans"
        )
        .to_arrow_table()
        .to_pylist()
    )
    keys = {
        "start": lambda r: r["start_ns"] if r["start_ns"] is not None else 0,
        "duration": lambda r: r["duration_ns"] if r["duration_ns"] is not None else -1,
        "cost": lambda r: next(
            (c for c in (r["recorded_cost"], r["computed_cost"]) if c is not None), -1.0
        ),
        "tokens": lambda r: (r["input_tokens"] or 0) + (r["output_tokens"] or 0),
        "errors": lambda r: int(r["status"] == "error"),
    }
    for descending in (True, False):
        expected = [
            r["span_id"]
            for r in sorted(
                rows,
                # ties are broken by trace and span id: span ids repeat across traces
                key=lambda r: (keys[sort](r), f"{r['trace_id']}/{r['span_id']}"),
                reverse=descending,
            )
        ]
        page = queries.span_page(cur, sort=sort, descending=descending, limit=100_000)
        assert page.rows.column("span_id").to_pylist() == expected


def test_span_paging_with_the_same_span_ids_in_two_traces(tmp_path: Path) -> None:
    other = "0123456789abcdef0123456789abcdef"
    path = write_json(tmp_path / "twins.json", document(agent_trace() + agent_trace(other)))
    with Database.open(tmp_path / "twins.duckdb") as db:
        list(import_paths(db, [path]))
        cur = db.reader()
        seen: list[tuple[str, str]] = []
        after = None
        for _ in range(20):
            page = queries.span_page(cur, after=after, limit=1)
            row = page.rows.to_pylist()[0]
            seen.append((row["trace_id"], row["span_id"]))
            if not page.more:
                break
            after = (row["sort_key"], row["row_key"])
        assert len(seen) == 8 and len(set(seen)) == 8


# --- stats on a small file written by hand ---------------------------------------------------

OTHER = "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f"


def stats_file(tmp_path: Path) -> Path:
    extra = [
        span(
            OTHER,
            "1000000000000001",
            "invoke_agent x",
            start=60_000,
            duration_ms=4000,
            attributes={
                "gen_ai.operation.name": "invoke_agent",
                # an enclosing span repeating its children's usage: never counted
                "gen_ai.usage.input_tokens": 5000,
                "gen_ai.usage.output_tokens": 500,
            },
        ),
        span(
            OTHER,
            "1000000000000002",
            "embeddings text-embedding-3-small",
            parent="1000000000000001",
            start=60_010,
            attributes={
                "gen_ai.operation.name": "embeddings",
                "gen_ai.request.model": "text-embedding-3-small",
                "gen_ai.usage.input_tokens": 300,
            },
        ),
        span(
            OTHER,
            "1000000000000003",
            "chat claude-3-5-haiku",
            parent="1000000000000001",
            start=60_100,
            status=2,
            message="overloaded",
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "claude-3-5-haiku",
                "gen_ai.usage.input_tokens": 400,
                "gen_ai.usage.cache_read.input_tokens": 350,
                "gen_ai.usage.output_tokens": 25,
            },
        ),
        span(
            OTHER,
            "1000000000000004",
            "workflow",
            parent="1000000000000001",
            start=60_200,
            attributes={
                "gen_ai.operation.name": "invoke_workflow",
                "gen_ai.usage.input_tokens": 999,
                "gen_ai.usage.output_tokens": 999,
            },
        ),
    ]
    return write_json(tmp_path / "stats.json", document(agent_trace() + extra))


def test_stats_counts_tokens_of_model_calls_only(tmp_path: Path) -> None:
    with Database.open(tmp_path / "stats.duckdb") as db:
        [result] = list(import_paths(db, [stats_file(tmp_path)]))
        assert result.status is ImportStatus.IMPORTED, result.error
        stats = queries.stats(db.reader())
    assert stats == {
        "spans": 8,
        "traces": 2,
        "by_kind": {"agent": 2, "chain": 1, "embedding": 1, "llm": 2, "retriever": 1, "tool": 1},
        "error_spans": 2,
        # llm 1200 (1000 of them cached, still input) + embedding 300 + llm 400 (350 cached)
        "input_tokens": 1900,
        "output_tokens": 80 + 25,
        "models": ["claude-3-5-haiku", "gpt-4o-2024-08-06", "text-embedding-3-small"],
        "sources": 1,
    }
    assert list(stats["by_kind"]) == ["agent", "llm", "chain", "embedding", "retriever", "tool"]


def test_trace_rows_count_model_calls_only(tmp_path: Path) -> None:
    with Database.open(tmp_path / "stats.duckdb") as db:
        list(import_paths(db, [stats_file(tmp_path)]))
        cur = db.reader()
        other = queries.trace_summary(cur, OTHER)
        first = queries.trace_summary(cur, TRACE)
        detail = queries.span_detail(cur, TRACE, LLM)
    assert other is not None and first is not None and detail is not None
    assert (other["input_tokens"], other["output_tokens"]) == (700, 25)
    assert (other["span_count"], other["llm_count"], other["error_count"]) == (4, 1, 1)
    assert other["models"] == ["claude-3-5-haiku", "text-embedding-3-small"]
    assert other["start_ns"] == T0 + 60_000 * 1_000_000
    assert (first["input_tokens"], first["output_tokens"]) == (1200, 80)
    assert (detail["input_tokens"], detail["cache_read_tokens"]) == (1200, 1000)


def test_stats_of_an_empty_database(db: Database) -> None:
    assert queries.stats(db.reader()) == {
        "spans": 0,
        "traces": 0,
        "by_kind": {},
        "error_spans": 0,
        "input_tokens": 0,
        "output_tokens": 0,
        "models": [],
        "sources": 0,
    }
