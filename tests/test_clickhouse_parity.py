"""The ClickHouse source against the local database on the same traces: the collector
exporter's real ``otel_traces`` table in ClickHouse (chdb, in-process), the same spans
imported locally from OTLP JSON. Every filter must keep the same traces and spans, in the
same order and pages; facets and cost groups must count the same."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("chdb")

from clickhouse_data import fill, generate, otlp_file  # noqa: E402
from spanscope import ingest  # noqa: E402
from spanscope.core.filter_clickhouse import CLICKHOUSE  # noqa: E402
from spanscope.core.filter_value import make_filter  # noqa: E402
from spanscope.core.filters import FilterError  # noqa: E402
from spanscope.core.pricing import cost_rules  # noqa: E402
from spanscope.model import ImportStatus  # noqa: E402
from spanscope.store import Database, cost_reports, facets, failure_groups, queries  # noqa: E402
from spanscope.store.clickhouse.client import open_folder  # noqa: E402
from spanscope.store.clickhouse.executor import RemoteError  # noqa: E402
from spanscope.store.clickhouse.source import ClickHouseSource  # noqa: E402
from spanscope.store.queries import Where  # noqa: E402


class Both:
    """The local database and the ClickHouse source over the same spans."""

    def __init__(self, db: Database, source: ClickHouseSource) -> None:
        self.db, self.source = db, source

    def local(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        cur = self.db.reader()
        try:
            return fn(cur, *args, **kwargs)
        finally:
            cur.close()


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Both]:
    folder = tmp_path_factory.mktemp("parity")
    spans = generate()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPANSCOPE_HOME", str(folder / "home"))
        db = Database.open(folder / "local.duckdb")
        results = list(ingest.import_paths(db, [otlp_file(spans, folder / "traces.json")]))
        assert [r.status for r in results] == [ImportStatus.IMPORTED], results
        executor = open_folder(fill(folder / "clickhouse", spans))
        source = ClickHouseSource(executor)
        source.check()
        assert source.use_prices(cost_rules().rate_card) > 0
        yield Both(db, source)
        executor.close()
        db.close()


FILTERS = [
    "",
    "kind:llm",
    "kind:tool",
    "kind:agent",
    "model:gpt-4o",
    "model:gpt-4o*",
    "-model:gpt*",
    "provider:anthropic",
    "status:error",
    "status:ok",
    "-status:error kind:llm",
    "service:checkout",
    "service:s*",
    "user:u_3",
    "session:s_2",
    "tag:beta",
    "tag:vip",
    "-tag:beta",
    "duration>2s",
    "duration<500ms",
    "trace.duration>5s",
    "span.duration>3s",
    "cost>0.02",
    "cost<=0.005",
    "tokens>2500",
    "input_tokens>=1000 output_tokens<100",
    "errors>0",
    "errors>=2",
    "spans>5",
    "has:tool",
    "has:error",
    "has:messages",
    "has:cost",
    "has:model",
    "-has:error",
    "tool:search_kb status:error",
    "kind:tool service:support duration>500ms",
    "name:chat*",
    "name:agent.run",
    "operation:chat",
    '"refund policy"',
    '"REFUND"',
    '"refunds within" kind:tool',
    '-"parcel"',
    "kind:llm OR kind:tool",
    "(model:claude* status:error) OR tag:vip",
    "model:gpt-4o-mini -(service:search OR user:u_1)",
    "after:2026-11-01T20:00 before:2026-11-02T08:00",
    "trace:0000000000000000000000000000000a",
]


def _column(page: queries.Page, name: str) -> list[Any]:
    return page.rows.column(name).to_pylist()


@pytest.mark.parametrize("text", FILTERS)
def test_a_filter_keeps_the_same_traces_and_spans(both: Both, text: str) -> None:
    applied = make_filter(text)
    remote_traces, remote_spans = applied.compiled_for(CLICKHOUSE)
    local = both.local(queries.trace_page, where=applied.traces, limit=1000)
    remote = both.source.trace_page(remote_traces, limit=1000)
    assert _column(remote, "trace_id") == _column(local, "trace_id")
    for name in ("span_count", "error_count", "input_tokens", "output_tokens", "duration_ns"):
        assert _column(remote, name) == _column(local, name), name
    assert _column(remote, "user_id") == _column(local, "user_id")
    local_spans = both.local(queries.span_page, where=applied.spans, limit=1000)
    remote_spans_page = both.source.span_page(remote_spans, limit=1000)
    assert _column(remote_spans_page, "row_key") == _column(local_spans, "row_key")
    for name in ("kind", "model", "status", "tool_name", "input_tokens", "cost"):
        assert _column(remote_spans_page, name) == _column(local_spans, name), name
    assert both.source.count("spans", remote_spans) == local_spans.rows.num_rows


def test_the_filters_are_not_trivial(both: Both) -> None:
    """Most filters keep some traces and leave some out, so the comparison above can fail."""
    total = both.source.count("traces")
    kept = [
        both.source.count("traces", make_filter(t).compiled_for(CLICKHOUSE)[0]) for t in FILTERS
    ]
    assert total == 60
    assert sum(0 < n < total for n in kept) >= 35


@pytest.mark.parametrize(
    ("sort", "descending"),
    [("start", True), ("duration", False), ("cost", True), ("tokens", True), ("errors", True)],
)
def test_keyset_pages_are_the_same(both: Both, sort: str, descending: bool) -> None:
    applied = make_filter("has:tool")
    remote_where = applied.compiled_for(CLICKHOUSE)[0]
    local_after: Any = None
    remote_after: Any = None
    pages = 0
    while True:
        local = both.local(
            queries.trace_page,
            where=applied.traces,
            sort=sort,
            descending=descending,
            after=local_after,
            limit=7,
        )
        remote = both.source.trace_page(
            remote_where, sort=sort, descending=descending, after=remote_after, limit=7
        )
        assert _column(remote, "trace_id") == _column(local, "trace_id")
        assert remote.more == local.more
        pages += 1
        if not local.more:
            break
        local_after = (_column(local, "sort_key")[-1], _column(local, "trace_id")[-1])
        remote_after = (_column(remote, "sort_key")[-1], _column(remote, "trace_id")[-1])
    assert pages > 2


@pytest.mark.parametrize(
    "text", ["", "kind:llm", "status:error", "errors>0", "tag:beta", '"refund"']
)
def test_facets_count_the_same(both: Both, text: str) -> None:
    applied = make_filter(text)
    remote_traces, remote_spans = applied.compiled_for(CLICKHOUSE)
    for facet in facets.FACETS:
        local_where = applied.traces if facet.table == "traces" else applied.spans
        remote_where = remote_traces if facet.table == "traces" else remote_spans
        local = both.local(facets.facet_counts, facet.field, local_where, k=4)
        remote = both.source.facet_counts(facet.field, remote_where, k=4)
        assert remote == local, facet.field


@pytest.mark.parametrize(
    "dimension", ["model", "provider", "service", "user", "session", "root", "day"]
)
@pytest.mark.parametrize("text", ["", "status:error", "service:checkout"])
def test_cost_groups_are_the_same(both: Both, dimension: str, text: str) -> None:
    applied = make_filter(text)
    local = both.local(cost_reports.breakdown, [dimension], applied.spans).to_pylist()
    remote = both.source.cost_breakdown(dimension, applied.compiled_for(CLICKHOUSE)[1])
    assert [r.key for r in remote] == [row[dimension] for row in local]
    for mine, theirs in zip(remote, local, strict=True):
        assert (mine.calls, mine.traces) == (theirs["calls"], theirs["traces"])
        assert (mine.input_tokens, mine.output_tokens) == (
            theirs["input_tokens"],
            theirs["output_tokens"],
        )
        assert mine.unpriced_calls == theirs["unpriced_calls"]
        assert math.isclose(mine.cost_usd or 0, theirs["cost_usd"] or 0, rel_tol=1e-9)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("label:hallucination", "label"),
        ("kind:llm -annotated:yes", "annotated"),
        ("prompt:abc123", "prompt"),
        ("source:x.json", "source"),
    ],
)
def test_local_only_fields_are_refused_at_their_term(text: str, field: str) -> None:
    with pytest.raises(
        FilterError, match=f"'{field}' is known only in the local database"
    ) as caught:
        make_filter(text).compiled_for(CLICKHOUSE)
    assert text[caught.value.position :].lstrip("-").startswith(field)


def test_a_table_that_is_not_the_exporters_is_named(tmp_path: Path, both: Both) -> None:
    source = ClickHouseSource(both.source.executor, "no_such_table")
    with pytest.raises(RemoteError, match="there is no table no_such_table"):
        source.check()


@pytest.mark.parametrize(
    "text", ["", "service:checkout", "kind:tool", "trace.user:u_2 OR trace.user:u_4"]
)
@pytest.mark.parametrize("order", ["count", "newest"])
def test_failure_groups_are_the_same(both: Both, text: str, order: str) -> None:
    applied = make_filter(text)
    local = both.local(failure_groups.failure_groups, applied.spans, order=order)
    remote = both.source.failure_groups(applied.compiled_for(CLICKHOUSE)[1], order=order)
    assert len(local) >= (3 if not text else 1)
    assert [g.group_id for g in remote] == [g.group_id for g in local]
    for mine, theirs in zip(remote, local, strict=True):
        assert mine.cost == pytest.approx(theirs.cost)
        assert replace(mine, cost=None) == replace(theirs, cost=None)


def test_a_facet_past_its_time_budget_is_stopped_by_clickhouse(both: Both) -> None:
    slow = Where("sleepEachRow(0.005) = 0")  # a filter ClickHouse takes its time over
    with pytest.raises(RemoteError, match="longer than the time limit"):
        both.source.facet_counts("kind", slow, time_limit_s=0.5)
    assert both.source.facet_counts("kind", time_limit_s=30).values  # a budget that suffices


def test_a_failure_group_id_filters_the_same_traces_and_spans(both: Both) -> None:
    groups = both.local(failure_groups.failure_groups, make_filter("").spans)
    for group in groups[:4]:
        test_a_filter_keeps_the_same_traces_and_spans(both, f"group:{group.group_id}")
        test_a_filter_keeps_the_same_traces_and_spans(both, f"-group:{group.group_id} kind:llm")
        remote = make_filter(f"group:{group.group_id}").compiled_for(CLICKHOUSE)[1]
        assert both.source.count("spans", remote) == group.count
