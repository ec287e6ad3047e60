"""The headless commands: their output contracts, exit codes and error messages."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from otlp_builder import LLM, ROOT, T0, TRACE, agent_trace, document, span, write_json
from spanscope import __version__
from spanscope.cli import main
from spanscope.ingest import import_paths
from spanscope.model import ImportStatus
from spanscope.store import Database

IMPORT_FIELDS = {"path", "format", "status", "spans", "traces", "warnings", "error"}
LIST_FIELDS = {
    "trace_id",
    "name",
    "kind",
    "model",
    "status",
    "start",
    "duration_ms",
    "input_tokens",
    "output_tokens",
    "cost_usd",
}

OTHER = "b" * 32
OTHER_LLM = "b" * 16

HOLDER = """
import sys
import duckdb
con = duckdb.connect(sys.argv[1])
print("ready", flush=True)
sys.stdin.read()
con.close()
"""


def other_trace() -> list[dict[str, Any]]:
    """One model call an hour before the agent trace, without errors."""
    return [
        span(
            OTHER,
            OTHER_LLM,
            "chat claude",
            start=-3600 * 1000,
            duration_ms=500,
            status=1,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "claude-3-5-sonnet",
                "gen_ai.usage.input_tokens": 60,
                "gen_ai.usage.output_tokens": 40,
            },
        )
    ]


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return (
        write_json(tmp_path / "agent.json", document(agent_trace())),
        write_json(tmp_path / "other.json", document(other_trace(), service="support")),
    )


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding both traces (the commands below only read it)."""
    folder = tmp_path_factory.mktemp("cli")
    paths = [
        write_json(folder / "agent.json", document(agent_trace())),
        write_json(folder / "other.json", document(other_trace(), service="support")),
    ]
    path = folder / "cli.duckdb"
    with Database.open(path) as db:
        results = list(import_paths(db, paths))
    assert [r.status for r in results] == [ImportStatus.IMPORTED] * 2
    return path


# --- import ----------------------------------------------------------------------------------


def test_import_json_one_record_per_file(tmp_path: Path, files: tuple[Path, Path]) -> None:
    db = tmp_path / "cli.duckdb"
    code, text = run("--db", str(db), "import", "--json", *map(str, files))
    assert code == 0
    records = json_lines(text)
    assert len(records) == 2
    for record in records:
        assert set(record) >= IMPORT_FIELDS
        assert set(record) - IMPORT_FIELDS <= {"seconds", "size_bytes", "annotations"}
        assert isinstance(record["warnings"], list)
    assert [{k: r[k] for k in IMPORT_FIELDS} for r in records] == [
        {
            "path": str(files[0]),
            "format": "otlp-json",
            "status": "imported",
            "spans": 4,
            "traces": 1,
            "warnings": [],
            "error": None,
        },
        {
            "path": str(files[1]),
            "format": "otlp-json",
            "status": "imported",
            "spans": 1,
            "traces": 1,
            # its one model call is a bare span: the file records neither input nor answer
            "warnings": [
                "1 model call records no input messages",
                "1 model call records no output and no error",
            ],
            "error": None,
        },
    ]

    code, text = run("--db", str(db), "import", "--json", str(files[0]))
    assert code == 0
    [again] = json_lines(text)
    assert (again["status"], again["spans"], again["traces"]) == ("unchanged", 4, 1)


def test_import_exit_1_when_any_file_failed(tmp_path: Path, files: tuple[Path, Path]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a trace at all\n")
    db = tmp_path / "cli.duckdb"
    code, text = run("import", "--json", str(files[0]), str(notes), "--db", str(db))
    assert code == 1
    good, bad = json_lines(text)
    assert (good["status"], good["spans"]) == ("imported", 4)
    assert bad["path"] == str(notes)
    assert (bad["status"], bad["format"], bad["spans"], bad["traces"]) == ("failed", None, 0, 0)
    assert bad["warnings"] == []
    assert "format not recognised" in bad["error"] and "notes.txt" in bad["error"]


def test_import_warnings_are_listed(tmp_path: Path) -> None:
    orphan = [span(TRACE, ROOT, "lost", parent="00000000000000ff")]
    path = write_json(tmp_path / "orphan.json", document(orphan))
    code, text = run("--db", str(tmp_path / "cli.duckdb"), "import", "--json", str(path))
    assert code == 0
    [record] = json_lines(text)
    assert record["warnings"] == [
        "1 spans name a parent that is not in the trace; shown as roots",
        "no span carries an LLM attribute convention (kind 'other')",
    ]


def test_import_table_for_people(tmp_path: Path, files: tuple[Path, Path]) -> None:
    code, text = run("--db", str(tmp_path / "cli.duckdb"), "import", str(files[0]))
    assert code == 0
    assert text.splitlines()[0].split() == ["file", "format", "status", "spans", "traces", "time"]
    assert "otlp-json" in text and "imported" in text
    assert text.splitlines()[-1] == "1 files, 4 spans imported, 0 failed"


# --- ls and spans ----------------------------------------------------------------------------


def test_ls_json_records(loaded: Path) -> None:
    code, text = run("--db", str(loaded), "ls", "--json")
    assert code == 0
    records = json_lines(text)
    for record in records:
        assert set(record) >= LIST_FIELDS
        assert record["start"].endswith("Z")
        assert datetime.fromisoformat(record["start"]) == datetime.fromisoformat(
            record["start"].replace("Z", "+00:00")
        )
    assert [{k: r[k] for k in LIST_FIELDS} for r in records] == [
        {
            "trace_id": TRACE,
            "name": "invoke_agent support",
            "kind": "trace",
            "model": "gpt-4o-2024-08-06",
            "status": "error",
            "start": "2025-11-28T14:00:00.000000Z",
            "duration_ms": 3000.0,
            "input_tokens": 1200,
            "output_tokens": 80,
            "cost_usd": pytest.approx(
                0.00255
            ),  # gpt-4o: 200 x $2.50 + 1,000 cached x $1.25 + 80 x $10 per MTok
        },
        {
            "trace_id": OTHER,
            "name": "chat claude",
            "kind": "trace",
            "model": "claude-3-5-sonnet",
            "status": "ok",
            "start": "2025-11-28T13:00:00.000000Z",
            "duration_ms": 500.0,
            "input_tokens": 60,
            "output_tokens": 40,
            "cost_usd": pytest.approx(0.00078),  # claude-3-5-sonnet: 60 x $3 + 40 x $15 per MTok
        },
    ]
    start = datetime.fromisoformat(records[0]["start"].replace("Z", "+00:00"))
    assert start == datetime.fromtimestamp(T0 // 10**9, UTC)


def test_ls_sort_limit_and_filter(loaded: Path) -> None:
    _, text = run("--db", str(loaded), "ls", "--json", "--asc")
    assert [r["trace_id"] for r in json_lines(text)] == [OTHER, TRACE]
    _, text = run("--db", str(loaded), "ls", "--json", "-n", "1")
    assert [r["trace_id"] for r in json_lines(text)] == [TRACE]
    _, text = run("--db", str(loaded), "ls", "--json", "--sort", "tokens", "--asc")
    assert [r["trace_id"] for r in json_lines(text)] == [OTHER, TRACE]
    _, text = run("--db", str(loaded), "ls", "--json", "kind:tool", "status:error")
    assert [r["trace_id"] for r in json_lines(text)] == [TRACE]
    _, text = run("--db", str(loaded), "ls", "--json", "--", "-status:error")
    assert [r["trace_id"] for r in json_lines(text)] == [OTHER]


def test_ls_table_says_when_more_rows_exist(loaded: Path) -> None:
    code, text = run("--db", str(loaded), "ls", "-n", "1")
    assert code == 0
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["start", "trace_id", "root"]
    assert TRACE in lines[1] and OTHER not in text
    assert lines[-1] == "(first 1 shown; use -n for more)"


def test_spans_json_adds_ids_and_uses_the_response_model(loaded: Path) -> None:
    code, text = run("--db", str(loaded), "spans", "--json", "kind:llm")
    assert code == 0
    records = json_lines(text)
    for record in records:
        assert LIST_FIELDS | {"span_id", "parent_span_id"} <= set(record)
    assert [{k: r[k] for k in LIST_FIELDS | {"span_id", "parent_span_id"}} for r in records] == [
        {
            "trace_id": TRACE,
            "span_id": LLM,
            "parent_span_id": ROOT,
            "name": "chat gpt-4o",
            "kind": "llm",
            "model": "gpt-4o-2024-08-06",
            "status": "unset",
            "start": "2025-11-28T14:00:00.100000Z",
            "duration_ms": 1200.0,
            "input_tokens": 1200,
            "output_tokens": 80,
            "cost_usd": pytest.approx(
                0.00255
            ),  # gpt-4o: 200 x $2.50 + 1,000 cached x $1.25 + 80 x $10 per MTok
        },
        {
            "trace_id": OTHER,
            "span_id": OTHER_LLM,
            "parent_span_id": None,
            "name": "chat claude",
            "kind": "llm",
            "model": "claude-3-5-sonnet",
            "status": "ok",
            "start": "2025-11-28T13:00:00.000000Z",
            "duration_ms": 500.0,
            "input_tokens": 60,
            "output_tokens": 40,
            "cost_usd": pytest.approx(0.00078),  # claude-3-5-sonnet: 60 x $3 + 40 x $15 per MTok
        },
    ]


# --- show ------------------------------------------------------------------------------------


def test_show_prints_the_tree(loaded: Path) -> None:
    code, text = run("--db", str(loaded), "show", TRACE)
    assert code == 0
    assert text == (
        "invoke_agent support  [agent]  3.00s\n"
        "  retrieval kb  [retriever]  50ms\n"
        "  chat gpt-4o  [llm]  gpt-4o-2024-08-06  1.20s  tokens 1200/80\n"
        "    execute_tool search_kb  [tool]  30ms  ERROR timeout after 30ms\n"
    )


def test_show_marks_orphans_and_cycles(tmp_path: Path) -> None:
    odd = [
        span(TRACE, "00000000000000a0", "root", start=0),
        span(TRACE, "00000000000000a1", "orphan", parent="00000000000000ff", start=5),
        span(TRACE, "00000000000000a2", "a", parent="00000000000000a3", start=10),
        span(TRACE, "00000000000000a3", "b", parent="00000000000000a2", start=20),
    ]
    db = tmp_path / "odd.duckdb"
    assert (
        run("--db", str(db), "import", str(write_json(tmp_path / "odd.json", document(odd))))[0]
        == 0
    )
    code, text = run("--db", str(db), "show", TRACE)
    assert code == 0
    assert text == (
        "root  [other]  100ms\n"
        "orphan  [other]  100ms  (orphan)\n"
        "a  [other]  100ms  (cycle broken here)\n"
        "  b  [other]  100ms\n"
    )


def test_show_json_and_unknown_trace(loaded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run("--db", str(loaded), "show", "--json", TRACE)
    assert code == 0
    records = json_lines(text)
    assert [r["span_id"] for r in records] == [ROOT, "aaaaaaaaaaaaaaa3", LLM, "aaaaaaaaaaaaaaa2"]
    assert records[0]["start"] == "2025-11-28T14:00:00.000000Z"
    code, text = run("--db", str(loaded), "show", "no-such-trace")
    assert (code, text) == (1, "")
    assert "no trace no-such-trace" in capsys.readouterr().err


# --- stats -----------------------------------------------------------------------------------

EXPECTED_STATS = {
    "spans": 5,
    "traces": 2,
    "by_kind": {"llm": 2, "agent": 1, "retriever": 1, "tool": 1},
    "error_spans": 1,
    "input_tokens": 1200 + 60,
    "output_tokens": 80 + 40,
    "models": ["claude-3-5-sonnet", "gpt-4o-2024-08-06"],
    "sources": 2,
}


def test_stats_json(loaded: Path) -> None:
    code, text = run("--db", str(loaded), "stats", "--json")
    assert code == 0
    [stats] = json_lines(text)
    assert stats == EXPECTED_STATS


def test_stats_for_people(loaded: Path) -> None:
    code, text = run("--db", str(loaded), "stats")
    assert code == 0
    assert "traces     2\n" in text and "spans      5\n" in text
    assert "tokens     1260 in / 120 out (model calls)\n" in text
    assert "models     claude-3-5-sonnet, gpt-4o-2024-08-06\n" in text


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["ls", "spans"])
def test_bad_filter_exits_2_with_a_message(
    loaded: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = run("--db", str(loaded), command, "kind:llm", "modle:x")
    assert (code, text) == (2, "")
    err = capsys.readouterr().err
    assert "bad filter" in err and "unknown field 'modle'" in err and "model:" in err
    assert "Traceback" not in err


def test_missing_database_for_reading(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.duckdb"
    assert run("--db", str(missing), "ls")[0] == 2
    assert "does not exist" in capsys.readouterr().err
    assert not missing.exists()


def test_locked_database_exits_2_naming_the_holder(
    loaded: Path, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(loaded)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        for argv in (["ls", "--json"], ["import", "--json", str(files[0])], ["stats"]):
            code, text = run("--db", str(loaded), *argv)
            assert (code, text) == (2, "")
            err = capsys.readouterr().err
            assert "is open in another program" in err
            assert "python" in err.lower() or str(holder.pid) in err
            assert "Traceback" not in err
    finally:
        holder.terminate()
        holder.wait(timeout=60)
        for stream in (holder.stdout, holder.stdin):
            if stream is not None:
                stream.close()


# --- as a real program -----------------------------------------------------------------------


def test_real_process_version_and_stats(loaded: Path, tmp_path: Path) -> None:
    env = dict(os.environ)
    version = subprocess.run(
        [sys.executable, "-m", "spanscope", "--version"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"spanscope {__version__}"

    stats = subprocess.run(
        [sys.executable, "-m", "spanscope", "--db", str(loaded), "stats", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout) == EXPECTED_STATS
