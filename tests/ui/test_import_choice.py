"""Choosing files to import: the chooser lists every recognised kind of file, several files of
different formats import together with a line each, and the result offers to show them."""

from __future__ import annotations

import fnmatch
import shutil
from pathlib import Path

from otlp_builder import agent_trace, document, write_json
from spanscope.ui.import_panel import TRACE_PATTERNS, imported_filter


def _listed(name: str) -> bool:
    return any(fnmatch.fnmatch(name.lower(), p) for p in TRACE_PATTERNS.split())


def test_the_chooser_lists_every_recognised_kind_of_file(corpus: Path) -> None:
    for name in (
        "log.eval",
        "spans.pb",
        "spans.binpb",
        "spans.proto",
        "spans.parquet",
        "export.jsonl.gz",
        "export.jsonl.zst",
        "traces.zip",
        "runs.ndjson",
    ):
        assert _listed(name), name
    files = [p for p in corpus.rglob("*") if p.is_file() and p.suffix not in (".md",)]
    assert files and all(_listed(p.name) for p in files), [
        p.name for p in files if not _listed(p.name)
    ]


def test_an_eval_and_a_json_import_together_and_can_be_shown(
    qtbot, window, corpus: Path, tmp_path: Path
) -> None:
    inspect = tmp_path / "popularity.eval"
    shutil.copy(next((corpus / "inspect").glob("inspect_2025-*.eval")), inspect)
    agent = write_json(tmp_path / "agent run.json", document(agent_trace()))
    with qtbot.waitSignal(window.importer.finished, timeout=60000):
        assert window.import_paths([inspect, agent])
    dialog = window.importer.dialog
    rows = [dialog.results.row(r) for r in range(dialog.results.rowCount())]
    assert sorted((r[0], r[2]) for r in rows) == [
        ("agent run.json", "imported"),
        ("popularity.eval", "imported"),
    ]
    assert not dialog.show_button.isHidden()
    assert dialog.show_filter == 'source:popularity.eval OR source:"agent run.json"' or (
        dialog.show_filter == 'source:"agent run.json" OR source:popularity.eval'
    )
    dialog.show_button.click()
    assert window.query_bar.edit.text() == dialog.show_filter
    eval_traces = int(
        window.db.reader()
        .execute(
            "SELECT count(DISTINCT trace_id) FROM spans JOIN sources USING (source_id) "
            "WHERE path LIKE '%popularity.eval'"
        )
        .fetchone()[0]
    )
    expected = eval_traces + 1
    qtbot.waitUntil(
        lambda: window.count_label.text() == f"{expected:,} traces match the filter", timeout=20000
    )


def test_nothing_to_show_when_nothing_came_in() -> None:
    from spanscope.model import ImportResult, ImportStatus

    failed = ImportResult("/x/bad.json", status=ImportStatus.FAILED, error="not JSON")
    assert imported_filter([failed]) == ""
    same = ImportResult("/x/again.json", status=ImportStatus.UNCHANGED)
    assert imported_filter([same, failed]) == "source:again.json"
