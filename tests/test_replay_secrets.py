"""A replay sends the key it was given and keeps it nowhere: not in the database file (nor its
write-ahead log), not in the app's folder, not in any log record, not in what it prints; a
failed call's error names no key either."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostile_payloads import SECRET_SPAN, secret_document
from otlp_builder import write_json
from replay_server import LoopbackModel, Reply
from spanscope.cli import main
from spanscope.ingest import import_paths
from spanscope.store import Database

KEY = "sk-replay-Qw3rTy9UiOp1AsDfGhJkL0zXcVbNm"


@pytest.fixture
def server() -> Iterator[LoopbackModel]:
    with LoopbackModel() as running:
        yield running


def every_file(*folders: Path) -> Iterator[Path]:
    for folder in folders:
        if folder.exists():
            yield from (p for p in folder.rglob("*") if p.is_file())


def test_a_replay_stores_no_key(
    server: LoopbackModel,
    tmp_path: Path,
    app_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # the SDKs' and the app's records, at every level
    path = tmp_path / "replay.duckdb"
    with Database.open(path) as db:
        [result] = list(import_paths(db, [write_json(tmp_path / "t.json", secret_document())]))
        assert result.status == "imported"
    monkeypatch.setenv("LOOPBACK_KEY", KEY)
    out = io.StringIO()
    add = ["endpoints", "add", "local", "--base-url", server.base_url("openai"),
           "--api-key-env", "LOOPBACK_KEY", "--timeout", "5"]  # fmt: skip
    assert main(add, out=out) == 0
    # Two endpoints echo the key back, in a 401's message and in an answer; before, the 401's
    # key landed in `replays.error` and on stdout.
    server.script(
        Reply(text="fine"),
        Reply(status=401),
        Reply(status=500),
        Reply(status=401, echo_key=True),
        Reply(text="echo", echo_key=True),
    )
    code = main(
        ["replay", SECRET_SPAN, "--db", str(path), "--endpoint", "local", "-n", "5", "--json"],
        out=out,
    )
    assert code == 1  # three of the five calls failed: their errors are stored too
    # The key did travel, to the endpoint and nowhere else.
    assert {r.headers["authorization"] for r in server.requests} == {f"Bearer {KEY}"}
    with Database.open(path) as db:
        stored = db.reader().execute("SELECT count(*) FROM replays").fetchall()
    assert stored == [(5,)]
    with Database.open(path) as db:
        texts = db.reader().execute("SELECT error, output_text FROM replays").fetchall()
    said = " ".join(str(t) for t in texts)
    assert "Invalid API key provided: [REDACTED:replay key]" in said
    assert "(you sent [REDACTED:replay key])" in said
    files = list(every_file(tmp_path, app_home))
    assert path in files
    holding = [str(p) for p in files if KEY.encode() in p.read_bytes()]
    assert holding == []
    assert KEY not in out.getvalue()
    assert [r.getMessage() for r in caplog.records if KEY in r.getMessage()] == []
    assert all(KEY not in str(r.args) for r in caplog.records)
