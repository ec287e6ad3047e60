"""What an engineer sees: the content check every importer's tests run on every file they import.

Span and trace counts can be right while the span detail is useless. After an import, call::

    check_engineer_view(db)                              # everything in the store
    check_engineer_view(db, tokens=(1234, 56))           # ... and the file records these totals
    check_engineer_view(db, skipped=2)                   # ... and two records became no span
    check_file(tmp_path, path, tokens=(1234, 56))        # one file into a database of its own
    test_engineer_view = corpus_view_test("langfuse", {"a.json": (1234, 56)})  # every corpus file

It asserts, for every span in the store (so import one file, or a set that belongs together):

- each llm span has a model, its input messages, and an output (messages or tool calls) or an
  error status. A gap is allowed only when the span's file carries a warning that names it
  ("model", "input", "output"): the file truly lacks the data and the user is told so;
- each tool call (a tool span's call, or a call an llm span requested) has a name, and arguments
  unless a warning on its file says calls record none;
- every span keeps its raw attributes (what was not mapped stays readable);
- ``tokens=(input, output)``: the input and output tokens of the calls add up, over the trace
  totals the user sees, to what the file records (a call recorded twice counts once);
- ``skipped=n``: records of the file that became no span are counted in a warning that names
  the number (``n == 0`` asserts nothing about warnings).

Failures are reported together, one line per span, so a fixture's gaps are seen at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from spanscope.ingest import import_paths
from spanscope.model import ImportStatus
from spanscope.store import Database

# A gap in an llm span is excused by a warning on its file naming what is missing.
_GAP_WORDS = {"model": "model", "input": "input", "output": "output"}


def _rows(db: Database, sql: str) -> list[dict[str, Any]]:
    table = db.reader().sql(sql).to_arrow_table()
    return list(table.to_pylist())


def _warnings(db: Database) -> dict[int, list[str]]:
    return {
        int(r["source_id"]): list(r["warnings"] or [])
        for r in _rows(db, "SELECT source_id, warnings FROM sources")
    }


def _explained(warnings: list[str], word: str) -> bool:
    return any(word in w.lower() for w in warnings)


def _call_problems(where: str, calls: list[dict[str, Any]] | None, told: list[str]) -> list[str]:
    problems = []
    for call in calls or []:
        if not call.get("name"):
            problems.append(f"{where}: a tool call has no name ({call})")
        elif call.get("arguments") is None and not _explained(told, "arguments"):
            problems.append(f"{where}: tool call {call['name']!r} has no arguments")
    return problems


def engineer_view_problems(db: Database) -> list[str]:
    """Every gap in what an engineer reads in the span details (see the module doc)."""
    warnings = _warnings(db)
    problems: list[str] = []
    spans = _rows(
        db,
        "SELECT trace_id, span_id, name, kind, status, model, source_id, tool_name, "
        "input_messages, output_messages, tool_calls, attributes FROM spans "
        "ORDER BY trace_id, start_ns, span_id",
    )
    for span in spans:
        where = f"{span['kind']} span {span['name']!r} ({span['trace_id']}/{span['span_id']})"
        told = warnings.get(int(span["source_id"]), [])
        if span["attributes"] is None:
            problems.append(f"{where}: raw attributes not kept")
        problems += _call_problems(where, span["tool_calls"], told)
        for message in (span["input_messages"] or []) + (span["output_messages"] or []):
            problems += _call_problems(where, message.get("tool_calls"), told)
        if span["kind"] == "tool" and not (span["tool_name"] or span["tool_calls"]):
            problems.append(f"{where}: tool span without the tool's name")
        if span["kind"] != "llm":
            continue
        gaps = []
        if not span["model"]:
            gaps.append("model")
        if not span["input_messages"]:
            gaps.append("input")
        answered = span["output_messages"] or span["tool_calls"]
        if not answered and span["status"] != "error":
            gaps.append("output")
        problems += [
            f"{where}: no {gap} and no warning on its file saying why"
            for gap in gaps
            if not _explained(told, _GAP_WORDS[gap])
        ]
    return problems


def trace_token_totals(db: Database) -> tuple[int, int]:
    """Input and output tokens over every trace, as the trace list and stats show them."""
    [row] = (
        db.reader()
        .execute(
            "SELECT coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0) FROM traces"
        )
        .fetchall()
    )
    return int(row[0]), int(row[1])


def check_engineer_view(
    db: Database, *, tokens: tuple[int, int] | None = None, skipped: int = 0
) -> None:
    """Assert what an engineer sees is whole (see the module doc for each check)."""
    problems = engineer_view_problems(db)
    if tokens is not None:
        totals = trace_token_totals(db)
        if totals != tokens:
            problems.append(f"trace totals (input, output) are {totals}, the file records {tokens}")
    if skipped:
        every = [w for ws in _warnings(db).values() for w in ws]
        if not any(str(skipped) in w for w in every):
            problems.append(
                f"{skipped} record(s) became no span but no warning counts them: {every}"
            )
    assert not problems, "what an engineer sees is incomplete:\n" + "\n".join(problems)


def raw_attributes(db: Database, trace_id: str, span_id: str) -> dict[str, Any]:
    """The raw attributes kept for one span (to show that unmapped data is still there)."""
    [row] = (
        db.reader()
        .execute(
            "SELECT attributes FROM spans WHERE trace_id = ? AND span_id = ?", [trace_id, span_id]
        )
        .fetchall()
    )
    value: dict[str, Any] = json.loads(row[0]) if row[0] else {}
    return value


def check_file(
    folder: Path, path: Path, *, tokens: tuple[int, int] | None = None, skipped: int = 0
) -> None:
    """Import ``path`` alone into a new database under ``folder`` and check what an engineer
    sees there (the file must import)."""
    folder.mkdir(parents=True, exist_ok=True)
    db = Database.open(folder / f"{path.name}.duckdb")
    try:
        [result] = list(import_paths(db, [path]))
        assert result.status is ImportStatus.IMPORTED, result.error
        check_engineer_view(db, tokens=tokens, skipped=skipped)
    finally:
        db.close()


def corpus_view_test(
    folder: str, tokens: dict[str, tuple[int, int]]
) -> Callable[[Path, Path, str], None]:
    """A test (assign it to a ``test_`` name) that checks each named file of the corpus folder
    ``folder`` on its own, with the input and output tokens the file records."""

    @pytest.mark.corpus
    @pytest.mark.parametrize("name", sorted(tokens))
    def test(tmp_path: Path, corpus: Path, name: str) -> None:
        check_file(tmp_path, corpus / folder / name, tokens=tokens[name])

    return test
