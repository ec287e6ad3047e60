"""The ClickHouse source through clickhouse-connect over HTTP, against a loopback server that
answers as ClickHouse's HTTP interface does (tests/clickhouse_http.py): the same answers as
in-process, and every failure a person can meet said in a sentence."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("chdb")
pytest.importorskip("clickhouse_connect")

from clickhouse_data import fill, generate  # noqa: E402
from clickhouse_http import clickhouse_front  # noqa: E402
from spanscope.core.filter_clickhouse import CLICKHOUSE  # noqa: E402
from spanscope.core.filter_value import make_filter  # noqa: E402
from spanscope.core.remote_sources import RemoteSource, connect  # noqa: E402
from spanscope.store.clickhouse.client import Server, connect_server  # noqa: E402
from spanscope.store.clickhouse.executor import RemoteError  # noqa: E402
from spanscope.store.clickhouse.source import ClickHouseSource  # noqa: E402

PASSWORD = "s3cret-reader"
SEEN: list[str] = []  # the queries the server received in the running test


@pytest.fixture
def front(tmp_path: Path) -> Iterator[int]:
    folder = fill(tmp_path / "clickhouse", generate(traces=20))
    with clickhouse_front(folder, PASSWORD) as server:
        server.engine.query("CREATE TABLE not_spans (id UInt64, TraceId String) ENGINE = Memory")
        SEEN.clear()
        server.queries = SEEN
        yield server.server_address[1]


def _source(port: int, table: str = "otel_traces", password: str = PASSWORD) -> ClickHouseSource:
    server = Server(host="127.0.0.1", port=port, user="reader")
    source = ClickHouseSource(connect_server(server, password), table)
    source.check()
    return source


def test_the_server_answers_as_clickhouse_in_process(front: int) -> None:
    source = _source(front)
    try:
        assert source.count("traces") == 20
        traces, spans = make_filter("kind:tool status:error").compiled_for(CLICKHOUSE)
        page = source.trace_page(traces, limit=5)
        assert 0 < page.rows.num_rows <= 5
        assert all(n >= 1 for n in page.rows.column("error_count").to_pylist())
        rows = source.span_page(spans, limit=100).rows.to_pylist()
        assert rows and all(r["kind"] == "tool" and r["status"] == "error" for r in rows)
        # user text travels as typed parameters, never inside the SQL
        assert source.count("traces", make_filter("user:u_3").compiled_for(CLICKHOUSE)[0]) > 0
        assert any("{p0:String}" in q for q in SEEN) and not any("u_3" in q for q in SEEN)
        groups = source.failure_groups()  # a list of trace ids travels as Array(String)
        assert groups and all(g.count >= 1 for g in groups)
        assert sum(g.cost or 0 for g in groups) > 0
        costs = source.cost_breakdown("model", make_filter("").spans)
        assert sum(c.calls for c in costs) == source.count(
            "spans", make_filter("kind:llm").compiled_for(CLICKHOUSE)[1]
        )
    finally:
        source.close()


def test_a_refused_password_is_said(front: int) -> None:
    with pytest.raises(RemoteError) as caught:
        _source(front, password="wrong")
    message = str(caught.value)
    assert message.startswith(
        f"ClickHouse at http://127.0.0.1:{front}/default: the user name or password was refused"
    )
    assert "wrong" not in message


def test_an_unreachable_server_is_said() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends: nothing listens there
    with pytest.raises(
        RemoteError, match=f"ClickHouse at http://127.0.0.1:{port}/default: cannot reach the server"
    ):
        _source(port)


def test_a_missing_table_and_a_foreign_schema_are_named(front: int) -> None:
    with pytest.raises(RemoteError, match="there is no table otel_spans"):
        _source(front, "otel_spans")
    with pytest.raises(
        RemoteError,
        match="not_spans is not the OpenTelemetry exporter's schema: it lacks Timestamp, SpanId",
    ):
        _source(front, "not_spans")


def test_a_query_error_is_a_sentence_with_its_cause(front: int) -> None:
    source = _source(front)
    try:
        with pytest.raises(RemoteError, match="the table lacks a column"):
            source.executor.arrow("SELECT NoSuchColumn FROM otel_traces")
        with pytest.raises(RemoteError, match="only SELECT queries are sent"):
            source.executor.arrow("DROP TABLE otel_traces")
    finally:
        source.close()


def test_a_source_reads_its_password_from_the_environment(
    front: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEAM_CH_PASSWORD", PASSWORD)
    source = connect(
        RemoteSource("team", f"clickhouse://reader@127.0.0.1:{front}/default", "TEAM_CH_PASSWORD")
    )
    try:
        assert source.count("spans") > 20
    finally:
        source.close()
    monkeypatch.delenv("TEAM_CH_PASSWORD")
    with pytest.raises(RemoteError, match="password was refused"):
        connect(
            RemoteSource(
                "team", f"clickhouse://reader@127.0.0.1:{front}/default", "TEAM_CH_PASSWORD"
            )
        )
