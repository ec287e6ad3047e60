"""The SQL console's connection: reads the documented tables, can change nothing, pages."""

from __future__ import annotations

import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from otlp_builder import agent_trace, document, write_json
from spanscope.ingest import import_paths
from spanscope.store import Database
from spanscope.store.console import Console, ConsoleError, schema_docs


@pytest.fixture
def filled(tmp_path: Path, db: Database) -> Database:
    list(import_paths(db, [write_json(tmp_path / "t.json", document(agent_trace()))]))
    return db


@pytest.fixture
def console(tmp_path: Path, filled: Database) -> Console:
    with Console.snapshot(filled, tmp_path / "snap") as opened:
        yield opened


def span_count(db: Database) -> int:
    return int(db.reader().execute("SELECT count(*) FROM spans").fetchall()[0][0])


FORBIDDEN = [
    "DELETE FROM spans",
    "UPDATE spans SET name = 'x'",
    "INSERT INTO meta VALUES ('k', 'v')",
    "DROP TABLE spans",
    "CREATE TABLE stolen AS SELECT * FROM spans",
    "CREATE VIEW v AS SELECT 1",
    "CREATE MACRO m(a) AS a",
    "ALTER TABLE spans ADD COLUMN x INTEGER",
    "SELECT nextval('source_ids')",
    "ATTACH '/tmp/other.duckdb' AS other",
    "ATTACH ':memory:' AS other",
    "COPY spans TO '/tmp/spans.csv'",
    "COPY (SELECT 1) TO '/tmp/one.parquet' (FORMAT parquet)",
    "EXPORT DATABASE '/tmp/exported'",
    "INSTALL fts",
    "LOAD fts",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "SET memory_limit = '100GB'",
    "PRAGMA enable_profiling",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT 1; DELETE FROM spans",
]


@pytest.mark.parametrize("sql", FORBIDDEN)
def test_forbidden_statements_are_refused(console: Console, filled: Database, sql: str) -> None:
    before = span_count(filled)
    with pytest.raises(ConsoleError):
        console.query(sql)
    assert span_count(filled) == before
    assert console.query("SELECT count(*) AS n FROM spans")[0].to_pylist() == [{"n": before}]


def test_documented_tables_are_readable(console: Console) -> None:
    rows, more = console.query("SELECT kind, count(*) AS n FROM spans GROUP BY kind ORDER BY kind")
    assert rows.num_rows >= 3 and not more
    for view in ("messages", "tool_calls", "documents", "traces", "search_docs"):
        console.query(f"SELECT * FROM {view} LIMIT 1")


def test_results_page_with_limit_plus_one(console: Console) -> None:
    table, more = console.query("SELECT * FROM range(2500) t(i)", limit=1000)
    assert table.num_rows == 1000 and more
    table, more = console.query("SELECT * FROM range(1000) t(i)", limit=1000)
    assert table.num_rows == 1000 and not more
    pages = console.start("SELECT i FROM range(2500) t(i) ORDER BY i")
    try:
        seen = []
        while not pages.exhausted:
            seen += pages.next_page(700).column("i").to_pylist()
        assert seen == list(range(2500))
    finally:
        pages.close()


def test_a_long_query_is_cancelled_and_timed_out(console: Console) -> None:
    endless = "SELECT sum(hash(i)) FROM range(10000000000000) t(i)"
    with pytest.raises(ConsoleError, match="time limit"):
        console.query(endless, time_limit=0.3)
    cursor = console.cursor()
    timer = threading.Timer(0.3, cursor.interrupt)
    timer.start()
    with pytest.raises(ConsoleError, match="cancelled"):
        console.start(endless, cursor=cursor)
    timer.cancel()


def test_errors_read_as_duckdb_says(console: Console) -> None:
    with pytest.raises(ConsoleError, match="no_such_table"):
        console.query("SELECT * FROM no_such_table")


def test_export_writes_only_where_the_app_was_told(console: Console, tmp_path: Path) -> None:
    sql = "SELECT trace_id, span_id, name FROM spans ORDER BY span_id"
    assert console.export(sql, tmp_path / "out.parquet", "parquet") == 4
    assert pq.read_table(tmp_path / "out.parquet").num_rows == 4
    assert console.export(sql, tmp_path / "out.csv", "csv") == 4
    assert (tmp_path / "out.csv").read_text().splitlines()[0] == '"trace_id","span_id","name"'


def test_cli_style_open_is_read_only(tmp_path: Path, filled: Database) -> None:
    path = filled.path
    filled.close()
    with Console.open(path) as console:
        with pytest.raises(ConsoleError):
            console.query("DELETE FROM spans")
        assert console.query("SELECT count(*) AS n FROM spans")[0].to_pylist() == [{"n": 4}]


def test_schema_docs_cover_every_span_column(console: Console) -> None:
    docs = schema_docs()
    span_docs = {d.column: d for d in docs if d.table == "spans"}
    actual = [
        r["column_name"]
        for r in console.query(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'spans' "
            "AND schema_name = 'main'"
        )[0].to_pylist()
    ]
    assert set(actual) == set(span_docs)
    assert all(span_docs[c].meaning and span_docs[c].type for c in actual)
    assert span_docs["start_ns"].type == "BIGINT"
    assert span_docs["trace_id"].type == "VARCHAR"
    assert "nanoseconds" in span_docs["start_ns"].meaning
    assert {"search_pending", "search_docs", "traces"} <= {d.table for d in docs}


@pytest.mark.parametrize(
    "sql",
    [
        "COPY (SELECT 1) TO 'x.sh'",
        "SELECT count(*) FROM read_blob('{db}')",
        "SELECT * FROM read_text('{db}')",
        "SELECT * FROM glob('{folder}/*')",
        "SELECT * FROM query('SELECT * FROM read_blob(''{db}'')')",
        "SELECT * FROM 'x.csv'",
        "SELECT 1; SELECT /* read_blob */ content FROM READ_BLOB ('{db}')",
    ],
)
def test_the_console_refuses_file_functions_and_copy(filled: Database, sql: str) -> None:
    """Before, `COPY ... TO '<db>.tmp/x.sh'` wrote a file and `read_blob` read the database
    file raw: external access off still allows the database's own file and temp folder."""
    text = sql.format(db=filled.path, folder=filled.path.parent)
    refused = pytest.raises(ConsoleError, match="SELECT statements|reads files|read as a file")
    with Console.open(filled.path, copy_into=filled.path.parent / "copy") as console, refused:
        console.query(text)


def test_the_console_spills_into_a_capped_folder_of_its_own_and_deletes_it(
    filled: Database,
) -> None:
    settings = (
        "SELECT current_setting('temp_directory') AS folder, "
        "current_setting('max_temp_directory_size') AS cap"
    )
    with Console.open(filled.path, copy_into=filled.path.parent / "copy") as console:
        [row] = console.query(settings)[0].to_pylist()
        folder = Path(row["folder"])
        assert folder.name.startswith("spanscope-console-") and folder.is_dir()
        assert not folder.is_relative_to(filled.path.parent)  # not beside the database
        assert row["cap"].startswith("3.7 GiB")  # 4 GB
    assert not folder.exists()
