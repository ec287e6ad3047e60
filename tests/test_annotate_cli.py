"""The annotation commands: annotate by trace or span id, list as JSON, write a reviewer's
file and merge it into another copy, the agreement report, and eval export."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from otlp_builder import LLM, TRACE, agent_trace, document, write_json
from spanscope.cli import main
from spanscope.store import Database
from store_checks import imported


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "cli.duckdb"
    with Database.open(path) as db:
        imported(db, write_json(tmp_path / "agent.json", document(agent_trace())))
    return path


def test_annotate_and_list(db_file: Path) -> None:
    db = str(db_file)
    code, out = run(
        "annotate",
        LLM,
        "--label",
        "hallucination",
        "--note",
        "made up",
        "--expected",
        "30 days",
        "--author",
        "ana",
        "--db",
        db,
    )
    assert code == 0 and f"span {LLM} of trace {TRACE}" in out
    assert run("annotate", LLM, "--label", "latency", "--author", "ana", "--db", db)[0] == 0
    assert (
        run(
            "annotate",
            TRACE,
            "--label",
            "cost",
            "--score",
            "0",
            "--rubric",
            "correct",
            "--author",
            "bo",
            "--db",
            db,
        )[0]
        == 0
    )
    code, out = run("annotations", "--json", "--db", db)
    records = [json.loads(line) for line in out.splitlines()]
    mine = next(r for r in records if r["author"] == "ana")
    assert (mine["trace_id"], mine["span_id"], mine["labels"]) == (
        TRACE,
        LLM,
        ["hallucination", "latency"],
    )
    assert (mine["note"], mine["expected"]) == ("made up", "30 days")
    theirs = next(r for r in records if r["author"] == "bo")
    assert (theirs["span_id"], theirs["rubric"], theirs["score"]) == ("", "correct", 0.0)
    code, out = run("annotations", "label:latency", "--db", db)
    # the matching span's annotations, and its trace's own
    assert code == 0 and out.strip().endswith("2 annotations") and "“made up”" in out
    code, out = run("ls", "label:latency", "--json", "--db", db)
    assert [json.loads(line)["trace_id"] for line in out.splitlines()] == [TRACE]


def test_annotate_an_unknown_id_fails(db_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("annotate", "nope", "--label", "x", "--db", str(db_file))[0] == 1
    assert "no trace or span nope" in capsys.readouterr().err


def test_reviewers_exchange_files_and_see_agreement(db_file: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    with Database.open(copy) as db:
        imported(db, write_json(tmp_path / "agent2.json", document(agent_trace())))
    run("annotate", LLM, "--label", "hallucination", "--author", "ana", "--db", str(db_file))
    run("annotate", LLM, "--label", "latency", "--author", "bo", "--db", str(copy))
    reviews = tmp_path / "bo.jsonl"
    code, out = run("annotations", "-o", str(reviews), "--db", str(copy))
    assert code == 0 and reviews.exists()
    code, out = run("merge-annotations", str(reviews), "--db", str(db_file))
    assert code == 0 and "1 added" in out
    code, out = run("merge-annotations", str(reviews), "--db", str(db_file))
    assert "0 added, 0 updated, 1 unchanged" in out  # merging twice changes nothing
    code, out = run("agreement", "--json", "--db", str(db_file))
    report = json.loads(out)
    assert report["reviewers"] == ["ana", "bo"] and report["items"] == 1
    assert report["conflicts"] == [
        {
            "trace_id": TRACE,
            "span_id": LLM,
            "labels_in_dispute": ["hallucination", "latency"],
            "settled": False,
        }
    ]


def test_export_command(db_file: Path, tmp_path: Path) -> None:
    run(
        "annotate",
        LLM,
        "--label",
        "hallucination",
        "--expected",
        "mail ana@corp.io",
        "--author",
        "ana",
        "--db",
        str(db_file),
    )
    target = tmp_path / "evals.jsonl"
    code, out = run(
        "export",
        "--filter",
        "label:hallucination",
        "--format",
        "openai-jsonl",
        "-o",
        str(target),
        "--redact",
        "--json",
        "--db",
        str(db_file),
    )
    assert code == 0
    # the address is in the expected output and in the reviewer's own entry of the provenance
    assert json.loads(out) == {
        "path": str(target),
        "records": 1,
        "masked": {"email": 2},
        "skipped": {},
    }
    [record] = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert record["messages"][-1] == {
        "role": "assistant",
        "content": "mail [REDACTED:email]",
        "weight": 1,
    }
    [provenance] = [
        json.loads(line)
        for line in (tmp_path / "evals.provenance.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert provenance["trace_id"] == TRACE and provenance["span_id"] == LLM
    assert provenance["expected"] == "mail [REDACTED:email]"
