"""LangSmith bulk data export: Parquet runs in the export's partitioned folders, one run per
span; damaged files fail alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from engineer_view import check_engineer_view
from spanscope.importers.base import read_sample
from spanscope.importers.langsmith.bulk_export import LangSmithBulkExport
from spanscope.model import ImportStatus
from spanscope.store import Database
from store_checks import counts, run, span_detail

EXPORT = Path(__file__).parent / "fixtures" / "langsmith-bulk"
T1 = "7a000000-0000-4000-8000-000000000001"
LLM = "7a000000-0000-4000-8000-000000000002"
TOOL = "7a000000-0000-4000-8000-000000000003"
T2 = "7b000000-0000-4000-8000-000000000001"


def test_the_partitioned_export_imports_with_exact_counts(db: Database) -> None:
    results = run(db, EXPORT)
    assert sorted(
        (Path(r.path).parent.name, r.status, r.format, r.spans, r.traces) for r in results
    ) == [
        ("day=01", ImportStatus.IMPORTED, "langsmith-bulk", 3, 1),
        ("day=02", ImportStatus.IMPORTED, "langsmith-bulk", 1, 1),
    ]
    assert counts(db) == (4, 2, 2)
    # input 25 and output 7 tokens on the one call that recorded any
    check_engineer_view(db, tokens=(25, 7))


def test_runs_read_as_the_run_format(db: Database) -> None:
    run(db, EXPORT)
    llm = span_detail(db, T1, LLM)
    assert (llm["kind"], llm["parent_span_id"], llm["provider"], llm["model"]) == (
        "llm",
        T1,
        "openai",
        "gpt-4o-mini-2024-07-18",
    )
    assert [(m["role"], m["content"]) for m in llm["input_messages"]] == [
        ("system", "Answer from the policy."),
        ("user", "What is the refund window?"),
    ]
    [call] = llm["tool_calls"]
    assert (call["call_id"], call["name"], json.loads(call["arguments"])) == (
        "call_9",
        "search_policy",
        {"query": "refund window"},
    )
    assert (llm["input_tokens"], llm["output_tokens"], llm["recorded_cost"]) == (25, 7, 0.00000795)
    # timestamp[us, UTC] 2025-06-01 09:00:00.1, kept exactly
    assert (llm["start_ns"], llm["end_ns"]) == (
        1_748_768_400_100_000_000,
        1_748_768_401_900_000_000,
    )
    tool = span_detail(db, T1, TOOL)
    assert (tool["kind"], tool["tool_calls"][0]["result"]) == (
        "tool",
        "Refunds within 30 days of purchase.",
    )
    root = span_detail(db, T1)
    assert (root["kind"], root["user_id"], root["tags"]) == ("chain", "u-1", ["prod"])
    failed = span_detail(db, T2)
    assert (failed["status"], failed["status_message"], failed["model"]) == (
        "error",
        "Error code: 429 - rate_limit_error",
        "claude-3-5-haiku-20241022",
    )


def test_a_damaged_partition_file_fails_alone(db: Database, tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(EXPORT, export)
    [bad] = [p for p in export.rglob("*.parquet") if p.parent.name == "day=02"]
    data = bad.read_bytes()
    bad.write_bytes(data[:40] + b"\x00" * 64 + data[104:])  # inside the first column chunk
    results = {Path(r.path).parent.name: r for r in run(db, export)}
    assert results["day=01"].status is ImportStatus.IMPORTED
    broken = results["day=02"]
    assert broken.status is ImportStatus.FAILED
    assert "part-00000.parquet" in (broken.error or "")
    assert counts(db) == (3, 1, 1)


def test_only_run_tables_are_claimed(tmp_path: Path) -> None:
    [part] = list(EXPORT.rglob("day=01/*.parquet"))
    assert LangSmithBulkExport().sniff(read_sample(part))
    other = tmp_path / "spans.parquet"
    pq.write_table(pa.table({"context.span_id": ["a"], "name": ["x"]}), other)
    assert not LangSmithBulkExport().sniff(read_sample(other))
