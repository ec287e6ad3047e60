"""``spanscope check`` tells the truth about the file, and ``spanscope rebuild`` cannot lose
annotations: a database cut short at any size is reported damaged (never "whole", never a
crash), files that overlap are normal, and a rebuild killed at any moment leaves the old
database in place."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hostile_files import one_span_doc
from otlp_builder import document, span, write_json
from spanscope.cli import main
from spanscope.demo import write_otlp_jsonl
from spanscope.ingest import import_paths
from spanscope.model.annotation import Annotation
from spanscope.store import Database
from spanscope.store import annotations as stored
from store_checks import rows

REPO = Path(__file__).resolve().parents[1]
ANNOTATIONS = 30


@pytest.fixture(scope="module")
def full_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkpointed database of 3,000 spans and 30 annotations (about 9 MB)."""
    folder = tmp_path_factory.mktemp("full")
    traces = write_otlp_jsonl(folder / "traces.jsonl", 3000, seed=1).path
    path = folder / "full.duckdb"
    with Database.open(path) as db:
        assert all(r.status == "imported" for r in import_paths(db, [traces]))
        for i in range(ANNOTATIONS):
            stored.save_annotation(db.writer.cursor(), Annotation(f"t{i}", "", ("x",)))
    return path


@pytest.mark.parametrize("fraction", [0.02, 0.1, 0.3, 0.5, 0.8, 0.95])
def test_check_reports_a_database_cut_short_at_any_size_as_damaged(
    full_database: Path, tmp_path: Path, fraction: float, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, a file cut to 10-95% passed ("every file is whole", exit 0) and `check`
    itself crashed at 2%; `ls` crashed with a traceback."""
    path = tmp_path / "cut.duckdb"
    shutil.copy(full_database, path)
    os.truncate(path, int(full_database.stat().st_size * fraction))
    out = io.StringIO()
    assert main(["--db", str(path), "check", "--json"], out) == 1
    report = json.loads(out.getvalue())
    assert report["status"] == "damaged", report
    copies = Path(report["copies"])
    assert (copies / path.name).stat().st_size == path.stat().st_size  # copied aside
    assert path.exists()  # and never deleted
    # `ls` reads what it needs: where that is missing it says so (no exception escapes)
    if main(["--db", str(path), "ls"], io.StringIO()) != 0:
        assert "is damaged" in capsys.readouterr().err


def test_overlapping_files_are_whole(tmp_path: Path) -> None:
    """Monday's export holds spans 1-2; Tuesday's repeats them and adds span 3. Before,
    `check` said "incomplete: monday" forever (rebuild made the same state again)."""
    trace = "ab" * 16

    def export(name: str, numbers: range) -> Path:
        spans = [span(trace, f"{n:016x}", f"step {n}") for n in numbers]
        return write_json(tmp_path / name, document(spans))

    path = tmp_path / "week.duckdb"
    with Database.open(path) as db:
        results = list(
            import_paths(
                db, [export("monday.json", range(1, 3)), export("tuesday.json", range(1, 4))]
            )
        )
        assert [r.status for r in results] == ["imported", "imported"]
    for command in (["check", "--json"], ["rebuild", "--yes"], ["check", "--json"]):
        out = io.StringIO()
        code = main(["--db", str(path), *command], out)
        assert code == 0, out.getvalue()
    report = json.loads(out.getvalue())
    assert (report["status"], report["files"], report["incomplete"]) == ("ok", 2, [])


def _rebuild_killed(path: Path, delay: float) -> None:
    """Start `spanscope rebuild --yes` and SIGKILL it ``delay`` seconds after a new database
    file appears (beside the old one, or in its place)."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "app"))
    old = path.stat().st_ino
    child = subprocess.Popen(
        [sys.executable, "-m", "spanscope", "--db", str(path), "rebuild", "--yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    beside = path.with_name(path.name + ".rebuilding")

    def replaced() -> bool:
        try:
            return path.stat().st_ino != old
        except FileNotFoundError:
            return True

    deadline = time.monotonic() + 120
    try:
        while child.poll() is None and time.monotonic() < deadline:
            if beside.exists() or replaced():
                time.sleep(delay)
                break
            time.sleep(0.002)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.5])
def test_a_rebuild_killed_at_any_moment_keeps_the_database_and_its_annotations(
    tmp_path: Path, delay: float
) -> None:
    """Before, `kill -9` a moment after `rebuild` started left an empty database that
    `check` called fine; a second rebuild found 0 files and the labels were only in a copy."""
    files = [write_json(tmp_path / f"f{i}.json", one_span_doc(i)) for i in range(1, 7)]
    path = tmp_path / "labels.duckdb"
    with Database.open(path) as db:
        list(import_paths(db, files))
        for i in range(1, 21):
            stored.save_annotation(db.writer.cursor(), Annotation(f"{i:032x}", "", ("x",)))
    _rebuild_killed(path, delay)
    with Database.open(path) as db:  # the old database, or the finished new one
        assert rows(db, "SELECT count(*) FROM annotations") == [(20,)]
        assert rows(db, "SELECT count(*) FROM sources") == [(6,)]
    out = io.StringIO()
    assert main(["--db", str(path), "rebuild", "--yes"], out) == 0, out.getvalue()
    assert "6 of 6 files imported, 20 annotations restored" in out.getvalue()
    with Database.open(path) as db:
        assert rows(db, "SELECT count(*) FROM annotations") == [(20,)]
    assert not path.with_name(path.name + ".rebuilding").exists()
