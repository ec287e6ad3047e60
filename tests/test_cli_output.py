"""What the commands print: terminal escapes from a trace shown as text by every command,
keys masked in ``sql`` output and ``annotations``, list columns in ``sql --csv``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from otlp_builder import document, span, write_json
from spanscope.cli import main
from spanscope.cli.terminal import visible
from spanscope.model.annotation import Annotation
from spanscope.store import Database
from spanscope.store.annotations import save_annotation

CLIPBOARD = "\x1b]52;c;ZXZpbA==\x07"  # write "evil" to the clipboard
TITLE = "\x1b]0;owned\x07"
CLEAR = "\x1b[2J"
HOSTILE = f"{CLIPBOARD}{TITLE}{CLEAR}\x9b31m\u202e"
TRACE = "ee" * 16
KEY = "sk-proj-Qw3rTy9UiOp1AsDfGhJkL0zXcVbNm"


@pytest.fixture
def hostile_db(tmp_path: Path) -> Path:
    spans = [
        span(
            TRACE,
            "e" * 16,
            f"name {HOSTILE}",
            attributes={
                "gen_ai.request.model": f"model {HOSTILE}",
                "gen_ai.operation.name": "chat",
                "api_key": KEY,
                "tags": ["a", "b"],
            },
            status=2,
            message=f"status {HOSTILE} key {KEY}",
        )
    ]
    trace_file = write_json(
        tmp_path / f"file {TITLE}.json", document(spans, service=f"svc {HOSTILE}")
    )
    path = tmp_path / "hostile.duckdb"
    out = io.StringIO()
    assert main(["--db", str(path), "import", str(trace_file)], out) == 0, out.getvalue()
    assert "\x1b" not in out.getvalue()
    with Database.open(path) as db:
        note = f"note {HOSTILE} the key was {KEY}"
        save_annotation(db.writer.cursor(), Annotation(TRACE, "", ("x",), note=note))
    return path


COMMANDS = [
    ["ls"],
    ["spans"],
    ["spans", "--json"],
    ["show", TRACE],
    ["stats"],
    ["sql", "SELECT name, model, service, status_message FROM spans"],
    ["sql", "--csv", "SELECT name, model, service, status_message FROM spans"],
    ["sql", "--json", "SELECT name, model, service, status_message FROM spans"],
    ["annotations"],
    ["annotations", "--json"],
    ["check"],
    ["show", f"missing{CLEAR}"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c)[:30] for c in COMMANDS])
def test_every_command_shows_terminal_escapes_as_text(
    hostile_db: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, `ls`, `spans`, `show`, `stats`, `sql`, `annotations` and the import table
    printed ESC ]52 (clipboard), ESC ]0 (title) and ESC [2J raw."""
    out = io.StringIO()
    main(["--db", str(hostile_db), *command], out)
    printed = out.getvalue() + capsys.readouterr().err
    assert printed.strip()
    assert visible(printed) == printed  # no control character but newline and tab


def test_visible_writes_escapes_and_keeps_lines() -> None:
    assert visible(f"a{CLEAR}b\tc\nd\r\u202e") == "a\\x1b[2Jb\tc\nd\\x0d\\u202e"


def test_sql_output_masks_keys_and_writes_list_columns(hostile_db: Path) -> None:
    """Before, `sql --csv`/`--json` masked nothing and `--csv` crashed on a list column
    ("Unsupported Type: list<string>")."""
    query = "SELECT status_message, attributes, tags, [name, 'x'] AS pair FROM spans"
    for shape in ("--csv", "--json", None):
        out = io.StringIO()
        args = ["--db", str(hostile_db), "sql", *([shape] if shape else []), query]
        assert main(args, out) == 0
        assert KEY not in out.getvalue()
        assert shape is None or "[REDACTED:" in out.getvalue()  # the table cuts long cells
    out = io.StringIO()
    assert main(["--db", str(hostile_db), "sql", "--csv", query], out) == 0
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert json.loads(row["pair"])[1] == "x"
    out = io.StringIO()
    assert main(["--db", str(hostile_db), "sql", "--csv", "--no-redact", query], out) == 0
    assert KEY in out.getvalue()


def test_annotations_mask_keys_written_in_notes(hostile_db: Path) -> None:
    for extra in ([], ["--json"]):
        out = io.StringIO()
        assert main(["--db", str(hostile_db), "annotations", *extra], out) == 0
        assert KEY not in out.getvalue() and "the key was [REDACTED:" in out.getvalue()


def test_a_long_import_prints_progress_lines_without_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, a folder of many files printed nothing until the end when stdout was not a
    terminal (40 minutes of silence for 10,000 files)."""
    import spanscope.cli as cli
    from hostile_files import one_span_doc

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(1, 4):
        write_json(folder / f"{i}.json", one_span_doc(i))
    monkeypatch.setattr(cli._ProgressLines, "EVERY", 0.0)  # a line after every file
    assert main(["--db", str(tmp_path / "p.duckdb"), "import", str(folder)], io.StringIO()) == 0
    err = capsys.readouterr().err
    assert "spanscope: 3 of 3 files, 3 spans imported, 0 failed" in err
