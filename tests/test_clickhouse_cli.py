"""``spanscope source``, ``remote`` and ``pull`` on a ClickHouse in-process store (chdb) holding
the exporter's ``otel_traces``: what a person types, what they read, and the traces pulled into
the local database matching the same traces imported from their OTLP file."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("chdb")

from clickhouse_data import fill, generate, otlp_file  # noqa: E402
from spanscope import ingest  # noqa: E402
from spanscope.cli import main  # noqa: E402
from spanscope.store import Database  # noqa: E402
from spanscope.store.clickhouse.pulled_file import PULLED_FROM  # noqa: E402

SPAN_COLUMNS = (
    "trace_id, span_id, parent_span_id, name, kind, status, status_message, service, provider, "
    "model, operation, input_tokens, output_tokens, recorded_cost, user_id, session_id, tags, "
    "tool_name, start_ns, end_ns"
)


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out)
    return code, out.getvalue()


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    """A ClickHouse data folder with the exporter's table, added as the source "lab"."""
    folder = fill(tmp_path / "clickhouse", generate())
    assert run("source", "add", "lab", f"chdb://{folder}?table=otel_traces")[0] == 0
    return folder


def _spans(db_path: Path, where: str = "TRUE") -> list[dict[str, Any]]:
    db = Database.open(db_path, read_only=True)
    try:
        cur = db.reader()
        rows = cur.sql(
            f"SELECT {SPAN_COLUMNS} FROM spans WHERE {where} ORDER BY trace_id, span_id"
        ).to_arrow_table()
        return list(rows.to_pylist())
    finally:
        db.close()


def test_remote_lists_counts_and_costs_where_the_traces_live(lab: Path) -> None:
    code, text = run("remote", "lab", "ls", "status:error", "--json", "-n", "100")
    assert code == 0
    rows = [json.loads(line) for line in text.splitlines()]
    assert rows and all(r["errors"] >= 1 for r in rows)
    code, text = run("remote", "lab", "costs", "--by", "model", "--json")
    groups = [json.loads(line) for line in text.splitlines()]
    by_model = {g["model"]: g for g in groups}
    assert set(by_model) == {"gpt-4o", "gpt-4o-mini", "claude-sonnet-4", "acme-small"}
    # priced from the bundled prices where the trace recorded no cost; no list knows acme
    assert all(by_model[m]["unpriced_calls"] == 0 for m in ("gpt-4o", "gpt-4o-mini"))
    assert by_model["gpt-4o"]["cost_usd"] > 0
    assert by_model["acme-small"]["unpriced_calls"] > 0
    code, text = run("remote", "lab", "groups", "kind:tool", "--json")
    groups = [json.loads(line) for line in text.splitlines()]
    assert groups and {g["kind"] for g in groups} == {"tool_error"}
    assert run("remote", "lab", "groups")[1].count(" × in ") >= 3
    code, text = run("remote", "lab", "facets", "kind:llm", "--json")
    kinds = next(json.loads(line) for line in text.splitlines() if '"kind"' in line)
    assert list(kinds["values"]) == ["llm"]


def test_pulled_traces_are_the_traces_imported_from_their_file(lab: Path, tmp_path: Path) -> None:
    pulled_db = tmp_path / "pulled.duckdb"
    code, text = run("--db", str(pulled_db), "pull", "lab", "status:error", "--limit", "5")
    assert code == 0, text
    assert text.startswith("imported:")
    pulled = _spans(pulled_db)
    traces = sorted({s["trace_id"] for s in pulled})
    assert len(traces) == 5
    # the same traces imported from the collector's own OTLP file
    direct_db = tmp_path / "direct.duckdb"
    db = Database.open(direct_db)
    try:
        list(ingest.import_paths(db, [otlp_file(generate(), tmp_path / "all.json")]))
    finally:
        db.close()
    wanted = ", ".join(f"'{t}'" for t in traces)
    assert pulled == _spans(direct_db, f"trace_id IN ({wanted})")
    # and they are the newest traces with an error, as ClickHouse ranks them
    code, text = run("remote", "lab", "ls", "status:error", "--json", "-n", "5")
    assert sorted(json.loads(line)["trace_id"] for line in text.splitlines()) == traces


def test_pulling_twice_changes_nothing_and_says_where_the_traces_came_from(
    lab: Path, tmp_path: Path
) -> None:
    db_path = tmp_path / "local.duckdb"
    assert run("--db", str(db_path), "pull", "lab", "tag:vip")[0] == 0
    before = _spans(db_path)
    code, text = run("--db", str(db_path), "pull", "lab", "tag:vip")
    assert code == 0 and text.startswith("unchanged:"), text
    assert _spans(db_path) == before
    db = Database.open(db_path, read_only=True)
    try:
        resource = db.reader().sql("SELECT DISTINCT resource FROM spans").fetchall()
        sources = db.reader().sql("SELECT count(*) FROM sources").fetchall()
    finally:
        db.close()
    assert sources == [(1,)]
    assert all(json.loads(r[0])[PULLED_FROM] == f"chdb://{lab}?table=otel_traces" for r in resource)


def test_problems_are_sentences_not_tracebacks(
    lab: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("remote", "nowhere", "ls")[0] == 1
    assert "no source named 'nowhere' (added: lab)" in capsys.readouterr().err
    assert run("remote", "lab", "ls", "label:hallucination")[0] == 2
    assert "'label' is known only in the local database" in capsys.readouterr().err
    assert run("source", "add", "leaky", "clickhouse://bob:secret@ch.internal/otel")[0] == 1
    err = capsys.readouterr().err
    assert "would be kept in clear" in err and "secret" not in err
    assert run("source", "add", "other", f"chdb://{lab}?table=spans_v2")[0] == 0
    assert run("remote", "other", "ls")[0] == 1
    assert "there is no table spans_v2" in capsys.readouterr().err
    assert "Traceback" not in capsys.readouterr().err


def test_trace_text_reaches_the_terminal_as_text_and_keys_masked(tmp_path: Path) -> None:
    spans = generate(traces=3)
    key = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z" * 2
    spans[0].name = "agent.run\x1b]52;c;aGVsbG8=\x07\x1b[2J"
    failing = next(s for s in spans if s.parent)
    failing.status, failing.message = "Error", f"401: invalid api key {key}"
    folder = fill(tmp_path / "clickhouse", spans)
    assert run("source", "add", "hostile", f"chdb://{folder}")[0] == 0
    for what in ("ls", "spans", "groups"):
        code, text = run("remote", "hostile", what)
        assert code == 0 and text.strip()
        assert "\x1b" not in text and "\x07" not in text, what
    assert "\\x1b]52" in run("remote", "hostile", "ls")[1]
    assert key not in run("remote", "hostile", "groups")[1]
    assert key not in run("remote", "hostile", "groups", "--json")[1]
