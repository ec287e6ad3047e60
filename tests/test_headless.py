"""The command line never loads Qt: ``spanscope --help`` and ``spanscope import`` run in a child
process through the installed entry point, and the child reports which modules it loaded.

A headless server or CI box has no display libraries; a stray Qt import below ``ui`` would make
the CLI fail there (and slow every command by the toolkit's start-up). ``make check`` runs this.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb

from otlp_builder import agent_trace, document, write_json

APP = Path(__file__).resolve().parents[1] / "app"

# Runs the ``spanscope`` console script's function as the installed script would, then writes
# its exit code and the Qt modules it loaded to the report file (argv[1]). ``--preload=M``
# imports M first (the test that proves the report would see Qt).
CHILD = """
import json, sys
from importlib.metadata import entry_points

report, sys.argv = sys.argv[1], ["spanscope", *sys.argv[2:]]
preload = [a[len("--preload="):] for a in sys.argv if a.startswith("--preload=")]
sys.argv = [a for a in sys.argv if not a.startswith("--preload=")]
for name in preload:
    __import__(name)
(script,) = entry_points(group="console_scripts", name="spanscope")
try:
    script.load()()
    code = 0
except SystemExit as done:
    code = done.code if isinstance(done.code, int) else 1
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6"))
with open(report, "w", encoding="utf-8") as out:
    json.dump({"code": code, "qt": qt}, out)
"""


def run_child(tmp_path: Path, *argv: str) -> dict[str, Any]:
    """Run ``spanscope *argv`` in a fresh interpreter on this checkout's code; its report."""
    report = tmp_path / "report.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(APP), env.get("PYTHONPATH")]))
    env["SPANSCOPE_HOME"] = str(tmp_path / "home")
    env.pop("SPANSCOPE_DB", None)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(report), *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    result["stdout"] = done.stdout
    return result


def test_help_does_not_load_qt(tmp_path: Path) -> None:
    result = run_child(tmp_path, "--help")
    assert result["code"] == 0
    assert "import" in result["stdout"]  # the help really was printed
    assert result["qt"] == []


def test_import_does_not_load_qt(tmp_path: Path) -> None:
    trace = write_json(tmp_path / "trace.json", document(agent_trace()))
    database = tmp_path / "headless.duckdb"
    result = run_child(tmp_path, "import", "--db", str(database), str(trace))
    assert result["code"] == 0, result["stdout"]
    assert result["qt"] == []
    with duckdb.connect(str(database), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM spans").fetchone()
    assert row is not None and row[0] == len(agent_trace())


def test_the_report_sees_qt_when_it_is_loaded(tmp_path: Path) -> None:
    """The check itself can fail: a child that loads a ui module is caught."""
    result = run_child(tmp_path, "--preload=spanscope.ui.display", "--help")
    assert "PySide6" in [m.split(".")[0] for m in result["qt"]]
