"""Langfuse's blob-storage export: a folder of observations, traces and scores tables (JSON
Lines and CSV), linked across files; the enriched observations table; bad rows."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from engineer_view import check_engineer_view
from spanscope.importers.base import read_sample
from spanscope.importers.langfuse.blob_export import LangfuseBlobExport
from spanscope.importers.langfuse.blob_scores import LangfuseBlobScores
from spanscope.model import ImportStatus
from spanscope.store import Database
from store_checks import counts, rows, run, span_detail

EXPORT = Path(__file__).parent / "fixtures" / "langfuse-blob"


def _by_name(results: list) -> dict[str, object]:  # type: ignore[type-arg]
    return {Path(r.path).relative_to(EXPORT).as_posix(): r for r in results}


def test_the_export_folder_imports_with_exact_counts(db: Database) -> None:
    results = _by_name(run(db, EXPORT))
    summary = {
        name: (r.status, r.format, r.spans, r.traces)  # type: ignore[attr-defined]
        for name, r in results.items()
    }
    assert summary == {
        "enriched/proj-2/observations_v2/2025-06-02T08-00-00.000Z.jsonl": (
            ImportStatus.IMPORTED,
            "langfuse-blob",
            2,
            1,
        ),
        "legacy/proj-1/observations/2025-06-01T10-00-00.000Z.jsonl": (
            ImportStatus.IMPORTED,
            "langfuse-blob",
            2,
            1,
        ),
        "legacy/proj-1/observations/2025-06-01T11-00-00.000Z.csv": (
            ImportStatus.IMPORTED,
            "langfuse-blob",
            2,
            2,
        ),
        # the traces table holds no spans: it is read with the observations beside it
        "legacy/proj-1/traces/2025-06-01T10-00-00.000Z.jsonl": (
            ImportStatus.FAILED,
            "langfuse-blob",
            0,
            0,
        ),
        "legacy/proj-1/scores/2025-06-01T10-00-00.000Z.csv": (
            ImportStatus.IMPORTED,
            "langfuse-blob-scores",
            0,
            2,
        ),
    }
    traces_file = results["legacy/proj-1/traces/2025-06-01T10-00-00.000Z.jsonl"]
    assert "read with the observations files" in (traces_file.error or "")  # type: ignore[attr-defined]
    csv_file = results["legacy/proj-1/observations/2025-06-01T11-00-00.000Z.csv"]
    # t-9 has no row in the traces table
    assert csv_file.warnings == [  # type: ignore[attr-defined]
        "1 of the 2 traces these observations belong to are not in a traces table of this "
        "export: their spans have no session, user or trace name"
    ]
    assert counts(db) == (6, 4, 4)


def test_observations_get_their_trace_from_the_traces_table(db: Database) -> None:
    run(db, EXPORT / "legacy")
    # traces row t-1: session s-7, user u-42, tags [prod, refunds], name support-chat
    root = span_detail(db, "t-1", "o-1")
    llm = span_detail(db, "t-1", "o-2")
    for span in (root, llm):
        assert (span["session_id"], span["user_id"], span["tags"]) == (
            "s-7",
            "u-42",
            ["prod", "refunds"],
        )
    assert json.loads(root["attributes"])["langfuse.trace.name"] == "support-chat"
    assert (llm["kind"], llm["parent_span_id"], llm["model"]) == ("llm", "o-1", "gpt-4o-mini")
    assert [(m["role"], m["content"]) for m in llm["input_messages"]] == [
        ("system", "You are a support agent."),
        ("user", "Can I get a refund?"),
    ]
    assert [(m["role"], m["content"]) for m in llm["output_messages"]] == [
        ("assistant", "Yes, within 30 days.")
    ]
    # usage_details {input 120, output 30, total 150}; cost_details total 0.000036
    assert (llm["input_tokens"], llm["output_tokens"], llm["recorded_cost"]) == (120, 30, 0.000036)
    # 2025-06-01 10:00:00.2 UTC, written without a zone
    assert llm["start_ns"] == 1_748_772_000_200_000_000
    failed = span_detail(db, "t-2", "o-3")  # from the CSV window: level ERROR
    assert (failed["status"], failed["status_message"], failed["user_id"]) == (
        "error",
        "429 insufficient_quota",
        "u-43",
    )
    assert failed["input_messages"][0]["content"] == "Where is my parcel?"
    assert (failed["input_tokens"], failed["output_tokens"]) == (40, 0)
    event = span_detail(db, "t-9", "o-4")
    assert (event["kind"], event["session_id"]) == ("event", None)
    # the scores: one on the generation, one on trace t-2
    assert rows(
        db,
        "SELECT trace_id, span_id, rubric, label, score, note, author FROM annotations ORDER BY 1",
    ) == [
        ("t-1", "o-2", "helpfulness", None, 0.9, "Correct policy.", "langfuse eval"),
        ("t-2", "", "resolved", "False", None, None, "langfuse annotation"),
    ]


def test_enriched_rows_carry_their_trace(db: Database) -> None:
    run(db, EXPORT / "enriched")
    agent = span_detail(db, "t-20", "e-1")
    tool = span_detail(db, "t-20", "e-2")
    assert (agent["kind"], agent["session_id"], agent["user_id"], agent["tags"]) == (
        "agent",
        "s-20",
        "u-7",
        ["beta"],
    )
    assert json.loads(agent["attributes"])["langfuse.trace.name"] == "ticket-triage"
    assert (tool["kind"], tool["tool_name"], tool["session_id"]) == (
        "tool",
        "lookup_customer",
        "s-20",
    )
    # the trace's name and input belong to its root alone
    assert "langfuse.trace.name" not in json.loads(tool["attributes"])
    assert json.loads(tool["tool_calls"][0]["arguments"]) == {"email": "a@example.com"}


def test_a_damaged_row_fails_its_file_alone(db: Database, tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(EXPORT / "legacy", export)
    bad = export / "proj-1" / "observations" / "2025-06-01T10-00-00.000Z.jsonl"
    lines = bad.read_text().splitlines()
    bad.write_text(lines[0] + "\n" + lines[1][: len(lines[1]) // 2] + "\n")
    results = {Path(r.path).relative_to(export).as_posix(): r for r in run(db, export)}
    broken = results["proj-1/observations/2025-06-01T10-00-00.000Z.jsonl"]
    assert broken.status is ImportStatus.FAILED
    assert bad.name in (broken.error or "") and "line 2" in (broken.error or "")
    assert (
        results["proj-1/observations/2025-06-01T11-00-00.000Z.csv"].status is ImportStatus.IMPORTED
    )
    assert rows(db, "SELECT count(*) FROM spans WHERE trace_id = 't-1'") == [(0,)]


def test_a_csv_row_with_too_many_cells_names_its_line(db: Database, tmp_path: Path) -> None:
    source = EXPORT / "legacy" / "proj-1" / "observations" / "2025-06-01T11-00-00.000Z.csv"
    path = tmp_path / "observations" / "window.csv"
    path.parent.mkdir()
    path.write_text(source.read_text().rstrip("\n") + ',"extra"\n')
    [result] = run(db, path)
    assert result.status is ImportStatus.FAILED
    assert "window.csv" in (result.error or "") and "more cells than the header" in (
        result.error or ""
    )
    assert counts(db) == (0, 0, 0)


def test_tables_are_told_apart() -> None:
    legacy = EXPORT / "legacy" / "proj-1"
    observations = read_sample(legacy / "observations" / "2025-06-01T11-00-00.000Z.csv")
    scores = read_sample(legacy / "scores" / "2025-06-01T10-00-00.000Z.csv")
    assert LangfuseBlobExport().sniff(observations) and not LangfuseBlobScores().sniff(observations)
    assert LangfuseBlobScores().sniff(scores) and not LangfuseBlobExport().sniff(scores)


def test_engineer_view_of_the_export(db: Database) -> None:
    run(db, EXPORT)
    # o-2: 120 in, 30 out; o-3: 40 in, 0 out (it failed, so it has no answer)
    check_engineer_view(db, tokens=(160, 30))


def _parquet(rows: list[dict[str, object]], path: Path) -> None:
    """Rows as Langfuse writes Parquet: times as UTC timestamps, objects as maps."""
    times = {"start_time", "end_time", "completion_start_time", "timestamp"}
    maps = {"metadata", "usage_details", "cost_details", "model_parameters"}
    fields = []
    for key in rows[0]:
        if key in times:
            kind: pa.DataType = pa.timestamp("us", tz="UTC")
        elif key in maps:
            kind = pa.map_(pa.string(), pa.float64() if key.endswith("details") else pa.string())
        elif key == "tags":
            kind = pa.list_(pa.string())
        elif key in ("public", "bookmarked"):
            kind = pa.bool_()
        else:
            kind = pa.string()
        fields.append(pa.field(key, kind))
    values = []
    for row in rows:
        converted = dict(row)
        for key in times & set(row):
            if row[key]:
                converted[key] = dt.datetime.fromisoformat(f"{row[key]}+00:00")
        for key in maps & set(row):
            converted[key] = list((row[key] or {}).items())  # type: ignore[attr-defined]
        values.append(converted)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(values, schema=pa.schema(fields)), path)


def test_the_parquet_export_reads_as_the_json_one(db: Database, tmp_path: Path) -> None:
    legacy = EXPORT / "legacy" / "proj-1"
    window = "2025-06-01T10-00-00.000Z"
    observations = [
        json.loads(line)
        for line in (legacy / f"observations/{window}.jsonl").read_text().splitlines()
    ]
    traces = [
        json.loads(line) for line in (legacy / f"traces/{window}.jsonl").read_text().splitlines()
    ]
    export = tmp_path / "export" / "proj-1"
    _parquet(observations, export / "observations" / f"{window}.parquet")
    _parquet(traces, export / "traces" / f"{window}.parquet")
    scores_csv = (legacy / f"scores/{window}.csv").read_text().splitlines()
    header = scores_csv[0].split(",")
    scores = [dict(zip(header, line.split(","), strict=True)) for line in scores_csv[1:]]
    _parquet(scores, export / "scores" / f"{window}.parquet")

    results = {Path(r.path).parent.name: r for r in run(db, tmp_path / "export")}
    assert {k: (r.status, r.format, r.spans) for k, r in results.items()} == {
        "observations": (ImportStatus.IMPORTED, "langfuse-blob", 2),
        "traces": (ImportStatus.FAILED, "langfuse-blob", 0),
        "scores": (ImportStatus.IMPORTED, "langfuse-blob-scores", 0),
    }
    llm = span_detail(db, "t-1", "o-2")
    assert (llm["session_id"], llm["user_id"], llm["model"]) == ("s-7", "u-42", "gpt-4o-mini")
    assert (llm["input_tokens"], llm["output_tokens"], llm["recorded_cost"]) == (120, 30, 0.000036)
    assert llm["start_ns"] == 1_748_772_000_200_000_000
    assert llm["input_messages"][1]["content"] == "Can I get a refund?"
    assert json.loads(span_detail(db, "t-1", "o-1")["attributes"])["langfuse.trace.name"] == (
        "support-chat"
    )
    assert rows(db, "SELECT span_id, rubric, score FROM annotations WHERE trace_id = 't-1'") == [
        ("o-2", "helpfulness", 0.9)
    ]
