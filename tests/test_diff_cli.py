"""``spanscope diff`` on a real database: two imported runs of the same agent."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from diff_runs import BAD, GOOD, two_runs
from otlp_builder import LLM, RETRIEVER, ROOT, TOOL
from spanscope.cli import main
from spanscope.store import Database
from spanscope.store.diff_reads import diff_rows


def test_diff_json_is_the_public_contract(tmp_path: Path) -> None:
    db_path = two_runs(tmp_path)
    out = io.StringIO()
    assert main(["--db", str(db_path), "diff", GOOD, BAD, "--json"], out) == 0
    report = json.loads(out.getvalue())
    assert set(report) == {"first_divergence", "pairs"}
    pairs = {p["a"]: p for p in report["pairs"]}
    assert set(pairs) == {ROOT, RETRIEVER, LLM, TOOL}
    assert pairs[RETRIEVER]["status"] == "changed" and pairs[RETRIEVER]["changes"] == ["documents"]
    assert pairs[LLM]["changes"] == ["messages"]
    assert pairs[TOOL] == {"a": TOOL, "b": TOOL, "status": "same", "changes": []}  # call id ignored
    # The retrieval (same query, other ranking) ran first and is where the runs part.
    assert report["first_divergence"]["a"] == RETRIEVER
    assert "retrieved chunks" in report["first_divergence"]["reason"]


def test_diff_text_marks_rows_and_names_the_first_divergence(tmp_path: Path) -> None:
    db_path = two_runs(tmp_path)
    out = io.StringIO()
    assert main(["--db", str(db_path), "diff", GOOD, BAD], out) == 0
    text = out.getvalue()
    assert "~   retrieval kb" in text and "<== first divergence" in text
    assert "First divergence: same input, different output (retrieved chunks)" in text


def test_diff_of_an_unknown_trace_fails_clearly(tmp_path: Path, capsys: Any) -> None:
    db_path = two_runs(tmp_path)
    assert main(["--db", str(db_path), "diff", GOOD, "nope"], io.StringIO()) == 2
    assert "no trace nope" in capsys.readouterr().err


def test_fingerprints_ignore_call_ids_but_see_arguments(tmp_path: Path) -> None:
    db = Database.open(two_runs(tmp_path), read_only=True)
    try:
        cur = db.reader()
        good = {r["span_id"]: r for r in diff_rows(cur, GOOD)}
        bad = {r["span_id"]: r for r in diff_rows(cur, BAD)}
    finally:
        db.close()
    assert good[TOOL]["tool_args_hash"] == bad[TOOL]["tool_args_hash"] is not None
    assert good[LLM]["input_messages_hash"] == bad[LLM]["input_messages_hash"]
    assert good[LLM]["output_messages_hash"] != bad[LLM]["output_messages_hash"]
