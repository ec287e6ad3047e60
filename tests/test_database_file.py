"""Crashes and the database file: kills mid-import, a log left by a killed process, damaged
or truncated files and logs, files from a newer DuckDB, a full disk, an invalidated
connection, free space before an import, and ``spanscope check`` / ``rebuild``."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from damaged_files import (
    crashed_database,
    damage_log,
    fill,
    from_newer_duckdb,
    log,
    small_disk,
    truncate,
)
from otlp_builder import agent_trace, document, write_json
from spanscope.cli import main
from spanscope.core import free_space
from spanscope.core.annotation_file import write_annotations
from spanscope.ingest import import_file
from spanscope.model import ImportStatus
from spanscope.model.annotation import Annotation
from spanscope.store import Database
from spanscope.store import annotations as stored
from spanscope.store.database import DatabaseDamaged, StorageTooNew, is_invalidated
from spanscope.store.recovery import set_aside, still_usable
from spanscope.store.writer import Writer
from store_checks import imported, rows

REPO = Path(__file__).resolve().parents[1]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def two_files(tmp_path: Path) -> list[Path]:
    return [
        write_json(tmp_path / "a.json", document(agent_trace("1" * 32))),
        write_json(tmp_path / "b.json", document(agent_trace("2" * 32))),
    ]


def test_kill_loop_short(tmp_path: Path) -> None:
    """The crash loop of bench/crash_loop.py, 8 kills: every database opens, every file is
    whole or absent, and no annotation whose save returned is missing."""
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "crash_loop.py"), "--runs", "8", "--files", "2",
         "--spans", "150", "--seed", "3", "--json", "--workdir", str(tmp_path / "loop")],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(done.stdout.splitlines()[-1])
    assert figures["runs"] == figures["consistent"] == 8
    assert figures["annotations_lost"] == 0 and not figures["problems"]
    assert figures["annotations_confirmed"] > 0


def test_a_log_left_by_a_killed_process_is_copied_before_it_is_replayed(tmp_path: Path) -> None:
    path = crashed_database(tmp_path / "killed.duckdb")
    before = log(path).read_bytes()
    with Database.open(path) as db:
        assert db.kept_log is not None and db.kept_log.read_bytes() == before
        assert rows(db, "SELECT count(*) FROM annotations") == [(40,)]
    with Database.open(path) as db:  # closed properly: nothing left over this time
        assert db.kept_log is None


def test_a_damaged_log_is_refused_copied_aside_and_read_up_to_the_damage(tmp_path: Path) -> None:
    path = crashed_database(tmp_path / "damaged.duckdb", annotations=60)
    damage_log(path)
    file_before, log_before = digest(path), digest(log(path))
    with pytest.raises(DatabaseDamaged) as caught:
        Database.open(path)
    assert caught.value.part == "log" and "write-ahead log" in str(caught.value)
    assert (digest(path), digest(log(path))) == (file_before, log_before)  # untouched
    aside = set_aside(path, caught.value.detail)
    assert aside.folder.name.startswith("damaged.duckdb.damaged-")
    assert digest(aside.database) == file_before and aside.log is not None
    assert digest(aside.log) == log_before
    assert aside.readable is not None and aside.log_cut_at  # cut before the damaged entry
    assert 0 < len(aside.annotations) < 60
    with Database.open(aside.readable, read_only=True) as copy:
        assert rows(copy, "SELECT count(*) FROM annotations") == [(len(aside.annotations),)]
    assert log(path).exists()  # the damaged log itself is still where it was


def test_a_truncated_database_file_says_nothing_could_be_read(tmp_path: Path) -> None:
    path = crashed_database(
        tmp_path / "cut.duckdb", before=tuple(two_files(tmp_path)), bulk=200_000
    )
    truncate(path)
    with pytest.raises(DatabaseDamaged) as caught:
        Database.open(path)
    assert caught.value.part == "file"
    aside = set_aside(path, caught.value.detail)
    assert aside.readable is None and "Nothing could be read" in aside.summary()
    out = io.StringIO()
    assert main(["--db", str(path), "check"], out) == 1
    assert "is damaged" in out.getvalue() and "rebuild" in out.getvalue()


def test_a_database_from_a_newer_duckdb_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = from_newer_duckdb(tmp_path / "newer.duckdb")
    before = digest(path)
    with pytest.raises(StorageTooNew) as caught:
        Database.open(path)
    assert "newer version of DuckDB" in str(caught.value) and "5000" in str(caught.value)
    assert digest(path) == before and not log(path).exists()
    out = io.StringIO()
    assert main(["--db", str(path), "check", "--json"], out) == 2
    assert json.loads(out.getvalue())["status"] == "refused"
    assert digest(path) == before


def test_check_says_every_file_is_whole(tmp_path: Path) -> None:
    path = tmp_path / "ok.duckdb"
    with Database.open(path) as db:
        for file in two_files(tmp_path):
            imported(db, file)
    out = io.StringIO()
    assert main(["--db", str(path), "check", "--json"], out) == 0
    report = json.loads(out.getvalue())
    assert (report["status"], report["files"], report["incomplete"]) == ("ok", 2, [])


def test_rebuild_imports_the_source_files_again_and_keeps_annotations(tmp_path: Path) -> None:
    files = two_files(tmp_path)
    path = crashed_database(tmp_path / "r.duckdb", annotations=5, before=tuple(files))
    damage_log(path)
    extra = write_annotations(
        tmp_path / "saved.jsonl", [Annotation("t-file", "", ("refusal",), author="bo")]
    )
    assert extra == 1
    out = io.StringIO()
    code = main(
        ["--db", str(path), "rebuild", "--yes", "--annotations", str(tmp_path / "saved.jsonl")],
        out,
    )
    assert code == 0, out.getvalue()
    assert "2 of 2 files imported" in out.getvalue()
    with Database.open(path) as db:
        assert rows(db, "SELECT count(*) FROM sources") == [(2,)]
        kept = {a.trace_id for a in stored.list_annotations(db.reader())}
        assert "t-file" in kept and len(kept) >= 2
    assert list(tmp_path.glob("r.duckdb.damaged-*/r.duckdb.wal"))  # the damaged log, kept


def test_free_space_short_is_said_before_the_import(
    tmp_path: Path,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    [file, _] = two_files(tmp_path)
    monkeypatch.setattr(free_space, "free_bytes", lambda folder: 100)
    result = import_file(Writer(db), file)
    assert result.status is ImportStatus.IMPORTED  # a warning, not a refusal
    assert result.warnings[0].startswith("low disk space: 100 bytes free")
    assert main(["--db", str(tmp_path / "cli.duckdb"), "import", str(file)], io.StringIO()) == 0
    assert "spanscope: warning: low disk space" in capsys.readouterr().err


def test_disk_full_during_an_import_fails_that_file_cleanly(tmp_path: Path) -> None:
    from spanscope.demo import write_otlp_jsonl

    big = tmp_path / "big.jsonl"
    write_otlp_jsonl(big, 1500, seed=5)
    disk = tmp_path / "disk"
    with small_disk(disk, "6m"):
        db = Database.open(disk / "small.duckdb")
        try:
            first = imported(db, write_json(tmp_path / "a.json", document(agent_trace())))
            stored.save_annotation(db.writer.cursor(), Annotation("t-before", "", ("x",)))
            result = import_file(Writer(db), big)
            assert result.status is ImportStatus.FAILED
            assert "the disk is full" in (result.error or "") and "rolled back" in result.error
            assert result.warnings and result.warnings[0].startswith("low disk space")
            assert still_usable(db)  # the database goes on: an annotation still saves
            stored.save_annotation(db.writer.cursor(), Annotation("t-after", "", ("x",)))
        finally:
            db.close()
        shutil.copytree(disk, tmp_path / "copy", ignore=shutil.ignore_patterns("filler"))
    with Database.open(tmp_path / "copy" / "small.duckdb") as db:
        assert rows(db, "SELECT count(*) FROM spans") == [(first.spans,)]
        assert rows(db, "SELECT trace_id FROM annotations ORDER BY 1") == [
            ("t-after",),
            ("t-before",),
        ]


def test_disk_full_during_a_checkpoint_invalidates_then_reopening_loses_nothing(
    tmp_path: Path,
) -> None:
    """A checkpoint that cannot write makes DuckDB invalidate the database (the real trigger
    of the app's "reopened" path); every commit before it is in the log and comes back."""
    disk = tmp_path / "disk"
    with small_disk(disk, "8m"):
        path = disk / "full.duckdb"
        db = Database.open(path)
        try:
            cur = db.writer.cursor()
            for i in range(20):
                stored.save_annotation(cur, Annotation(f"t{i}", "", ("x",)), checkpoint=False)
            db.writer.execute(
                "INSERT INTO spans (trace_id, span_id, name) "
                "SELECT 'b' || i, 's', md5(i::VARCHAR) FROM range(20000) r(i)"
            )
            filler = fill(disk)
            with pytest.raises(duckdb.Error) as caught:
                db.writer.execute("CHECKPOINT")
            invalidated = not still_usable(db)
        finally:
            db.close()  # closing never fails, even invalidated
        filler.unlink()
        assert "No space left" in str(caught.value) or is_invalidated(caught.value)
        with Database.open(path) as again:
            assert rows(again, "SELECT count(*) FROM annotations") == [(20,)]
            assert rows(again, "SELECT count(*) FROM spans") == [(20000,)]
    assert invalidated  # DuckDB closed the database for this process: the app must reopen it


def test_disk_full_in_commands_is_said_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, `import` on a full disk crashed in the search-index step ("database has been
    invalidated") after the right per-file message, and `annotate` printed a traceback."""
    from spanscope.demo import write_otlp_jsonl

    big = write_otlp_jsonl(tmp_path / "big.jsonl", 1500, seed=5).path
    small = write_json(tmp_path / "a.json", document(agent_trace()))
    disk = tmp_path / "disk"
    with small_disk(disk, "6m"):
        path = disk / "small.duckdb"
        out = io.StringIO()
        assert main(["--db", str(path), "import", str(small)], out) == 0, out.getvalue()
        out = io.StringIO()
        assert main(["--db", str(path), "import", str(big)], out) == 1
        assert "the disk is full" in out.getvalue()
        filler = fill(disk)
        trace = "5b8efff798038103d269b633813fc60c"  # the trace of agent_trace()
        code = main(["--db", str(path), "annotate", trace, "--label", "x"], io.StringIO())
        err = capsys.readouterr().err
        assert code != 0 and "Traceback" not in err
        assert "disk is full" in err or "could not recover" in err or "No space" in err, err
        filler.unlink()
        shutil.copytree(disk, tmp_path / "copy")
    with Database.open(tmp_path / "copy" / "small.duckdb") as db:
        assert rows(db, "SELECT count(*) FROM sources") == [(1,)]
