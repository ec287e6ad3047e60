"""Inputs that are not files, and what a killed import leaves behind: a FIFO or a device is
refused before it is read (it would never end, holding the database), and the private copies
of a killed import are deleted on the next import."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from otlp_builder import agent_trace, document, write_json
from spanscope.cli import main
from spanscope.ingest import COPY_PREFIX, clean_stale_copies, import_paths
from spanscope.model import ImportStatus
from spanscope.store import Database
from store_checks import counts


@pytest.mark.timeout(60)
def test_a_fifo_and_a_device_are_refused_before_reading(db: Database, tmp_path: Path) -> None:
    """Before, a FIFO (or /dev/zero) hung the import forever: it was hashed before it was
    recognised, holding the write lock."""
    folder = tmp_path / "in"
    folder.mkdir()
    good = write_json(folder / "good.json", document(agent_trace()))
    os.mkfifo(folder / "pipe.jsonl")  # nobody ever writes to it: reading it would block
    results = {Path(r.path).name: r for r in import_paths(db, [folder, Path("/dev/zero")])}
    assert results[good.name].status is ImportStatus.IMPORTED
    for name, kind in (("pipe.jsonl", "named pipe"), ("zero", "device")):
        assert results[name].status is ImportStatus.FAILED
        assert kind in (results[name].error or "") and "not a regular file" in results[name].error
    assert counts(db) == (4, 1, 1)


def test_copies_left_by_a_killed_import_are_deleted_on_the_next_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, each killed import of a UTF-16, skip-bad-records or normalised file left a
    full-size copy in the temporary folder, for good."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale = temp / f"{COPY_PREFIX}{int(dead.stdout)}-abc"
    stale.mkdir()
    (stale / "copy.jsonl").write_bytes(b"x" * 1000)
    live = temp / f"{COPY_PREFIX}{os.getpid()}-def"  # a running import's folder: kept
    live.mkdir()
    unowned_recent = temp / f"{COPY_PREFIX}qwerty"
    unowned_recent.mkdir()
    out = io.StringIO()
    good = write_json(tmp_path / "good.json", document(agent_trace()))
    assert main(["--db", str(tmp_path / "d.duckdb"), "import", str(good)], out) == 0
    assert not stale.exists()
    assert live.exists() and unowned_recent.exists()
    os.utime(unowned_recent, (0, 0))  # an old folder of an older version: its age decides
    assert clean_stale_copies(temp) == 1 and not unowned_recent.exists()


def test_a_file_name_that_is_not_utf8_is_imported(tmp_path: Path) -> None:
    """Before: "Python Conversion Failure: cannot encode str as UTF-8" for a name holding a
    byte that is not UTF-8 (which Linux file systems allow)."""
    folder = tmp_path / "in"
    folder.mkdir()
    name = os.fsdecode(os.path.join(os.fsencode(folder), b"caf\xe9.json"))
    write_json(Path(name), document(agent_trace()))
    path = tmp_path / "names.duckdb"
    out = io.StringIO()
    assert main(["--db", str(path), "import", str(folder)], out) == 0, out.getvalue()
    assert "0 failed" in out.getvalue()
    with Database.open(path) as db:
        assert counts(db) == (4, 1, 1)
        [(stored,)] = db.reader().execute("SELECT path FROM sources").fetchall()
    assert stored.endswith("caf\\xe9.json")
