"""Smoke test of a built bundle, run by ``packaging/smoke.sh`` (and so by ``make package``).

Uses the bundled executable only (this script never imports Spanscope): imports one file of
every built-in format from ``packaging/smoke-data/``, checks each is imported with the spans,
warnings and priced calls the source tree gives (``expected.json``), runs a filter, a
full-text search, ``costs --json``, ``diff`` and an ``export``, then opens the window offscreen
with the demo dataset and lets it close itself. Any sign of a module or data file missing from
the bundle in any output fails it.

    python3 packaging/smoke.py build/dist/spanscope/spanscope

``packaging/smoke_data.py`` records ``expected.json`` by running :func:`facts` against the
source tree; ``tests/test_smoke_data.py`` checks it still holds there.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "smoke-data"
# In import order; the trace of the first and of the mlflow file are compared by ``diff``.
FILES = (
    "otlp.json",
    "otlp.pb",
    "phoenix-spans.jsonl",
    "phoenix-spans.parquet",
    "langfuse-trace.json",
    "langsmith-runs.json",
    "mlflow-trace.json",
    "inspect.eval",
    "openai-response.json",
)
DEMO_SPANS = 3000  # what --demo imports
# What a bundle missing a module, package metadata or a data file prints somewhere.
MISSING = re.compile(
    r"ModuleNotFoundError|No module named|PackageNotFoundError|No package metadata"
    r"|FileNotFoundError|could not find|Could not load the Qt platform plugin"
    r"|Traceback \(most recent call last\)",
    re.IGNORECASE,
)

# (exit code, standard output) of ``spanscope ARGS``
Spanscope = Callable[[Sequence[str]], tuple[int, str]]


class SmokeFailure(Exception):
    pass


def facts(spanscope: Spanscope, work: Path) -> dict[str, Any]:
    """What the app makes of the smoke data: import results, priced calls, and the answers of
    a filter, a search, the cost report, a diff and an export. Paths are left out (they
    differ between machines)."""
    db = ["--db", str(work / "smoke.duckdb")]

    def ok(*args: str) -> str:
        code, out = spanscope([*db, *args])
        if code != 0:
            raise SmokeFailure(f"spanscope {' '.join(args)} exited with {code}:\n{out}")
        return out

    def lines(*args: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in ok(*args).splitlines() if line.strip()]

    found: dict[str, Any] = {"files": {}}
    for name in FILES:
        [record] = lines("import", "--json", str(DATA / name))
        keep = ("format", "status", "spans", "traces", "warnings", "error")
        found["files"][name] = {key: record[key] for key in keep}
    priced = lines(
        "sql",
        "--json",
        "SELECT f.path, count(s.computed_cost) AS priced FROM sources f "
        "LEFT JOIN spans s USING (source_id) GROUP BY f.path",
    )
    for row in priced:
        found["files"][Path(row["path"]).name]["priced_calls"] = row["priced"]
    found["filter"] = sorted(
        (r["trace_id"], r["span_id"]) for r in lines("spans", "--json", "-n", "1000", "kind:llm")
    )
    found["search"] = sorted(r["trace_id"] for r in lines("ls", "--json", "-n", "1000", '"refund"'))
    found["costs"] = sorted(
        (r["model"] or "", r["calls"], round(r["cost_usd"] or 0.0, 9), r["unpriced_calls"])
        for r in lines("costs", "--json", "--by", "model")
    )
    first, mlflow = (trace_of(lines, name) for name in ("otlp.json", "mlflow-trace.json"))
    [diff] = lines("diff", "--json", first, mlflow)
    found["diff"] = {
        "first_divergence": diff["first_divergence"],
        "pairs": [pair["status"] for pair in diff["pairs"]],
    }
    lines("annotate", first, "--label", "smoke", "--author", "smoke", "--json")
    target = work / "eval-set.jsonl"
    [outcome] = lines(
        "export", "--filter", "label:smoke", "--format", "jsonl", "-o", str(target), "--json"
    )
    exported = [json.loads(line) for line in target.read_text("utf-8").splitlines()]
    found["export"] = {"records": outcome["records"], "lines": len(exported)}
    # Tool arguments checked against the tools' JSON schemas: the bundled jsonschema and the
    # meta-schemas it reads from its data files.
    found["evaluate"] = sorted(
        (r["trace_id"], r["span_id"], r["label"], r["explanation"], r["error"])
        for r in lines("eval", "run", "tool-args-valid", "--json")
    )
    with LoopbackModel() as model:  # the bundled OpenAI SDK sends a recorded call again
        [replayed] = lines(
            "replay",
            "aaaaaaaaaaaaaaa1",
            "--trace",
            first,
            "--base-url",
            model.base_url,
            "--protocol",
            "openai",
            "--timeout",
            "30",
            "--json",
        )
        found["replay"] = {
            "error": replayed.get("error"),
            "answer": replayed.get("output_text"),
            "model_asked": model.asked,
        }
    return found


class LoopbackModel:
    """An OpenAI-compatible chat-completions server on loopback answering one fixed text."""

    ANSWER = "Refunds are accepted within 30 days."

    def __init__(self) -> None:
        owner = self
        self.asked: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                owner.asked.append(str(request.get("model")))
                body = json.dumps(
                    {
                        "id": "chatcmpl-smoke",
                        "object": "chat.completion",
                        "created": 1_740_000_000,
                        "model": request.get("model"),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": owner.ANSWER},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 9, "completion_tokens": 7, "total_tokens": 16},
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> LoopbackModel:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def trace_of(lines: Callable[..., list[dict[str, Any]]], name: str) -> str:
    """The trace id of a smoke file holding one trace."""
    [row] = lines(
        "sql",
        "--json",
        "SELECT DISTINCT s.trace_id FROM spans s JOIN sources f USING (source_id) "
        f"WHERE f.path LIKE '%/{name}' OR f.path LIKE '%\\{name}'",
    )
    return str(row["trace_id"])


def jsonable(value: Any) -> Any:
    """``value`` as it reads back from JSON (tuples become lists), to compare with the file."""
    return json.loads(json.dumps(value))


# -- running the bundle -------------------------------------------------------------------------
def bundle_runner(exe: Path, env: dict[str, str], problems: list[str]) -> Spanscope:
    """Runs the bundled executable; anything a missing module or file prints is a problem."""

    def run(args: Sequence[str]) -> tuple[int, str]:
        try:
            done = subprocess.run(
                [str(exe), *args], env=env, capture_output=True, text=True, timeout=300
            )
        except subprocess.TimeoutExpired:
            raise SmokeFailure(f"spanscope {' '.join(args)} did not finish in 300 s") from None
        for stream in (done.stdout, done.stderr):
            for line in stream.splitlines():
                if MISSING.search(line):
                    problems.append(f"spanscope {' '.join(args)}: {line.strip()}")
        if done.stderr.strip():
            print(done.stderr.rstrip(), file=sys.stderr)
        return done.returncode, done.stdout + (done.stderr if done.returncode else "")

    return run


def isolated_env(home: Path) -> dict[str, str]:
    """No display, no user data: the app's folder and every XDG folder under ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPANSCOPE_", "PYTHON"))}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        SPANSCOPE_HOME=str(home / "app"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_RUNTIME_DIR=str(home / "runtime"),
        NO_PROXY="127.0.0.1,localhost",  # the replay's loopback server, whatever proxy is set
        no_proxy="127.0.0.1,localhost",
    )
    (home / "runtime").mkdir(parents=True, exist_ok=True, mode=0o700)
    return env


def check_window(spanscope: Spanscope, work: Path) -> None:
    """The window opens over a new database, imports the demo, and closes itself cleanly."""
    db = ["--db", str(work / "window.duckdb")]
    code, out = spanscope([*db, "--demo", "--quit-after", "1"])
    if code != 0:
        raise SmokeFailure(f"the window exited with {code}:\n{out}")
    code, out = spanscope([*db, "stats", "--json"])
    spans = json.loads(out).get("spans") if code == 0 else None
    if spans != DEMO_SPANS:
        raise SmokeFailure(f"the window's demo import left {spans} spans, not {DEMO_SPANS}")


def broken_links(folder: Path) -> list[Path]:
    """Symbolic links in the bundle whose target is not there."""
    return sorted(p for p in folder.rglob("*") if p.is_symlink() and not p.exists())


def main(argv: Sequence[str]) -> int:
    exe = Path(argv[0] if argv else "build/dist/spanscope/spanscope").resolve()
    if not exe.is_file():
        print(f"smoke: no executable at {exe} (build it with: make package)", file=sys.stderr)
        return 1
    expected = json.loads((DATA / "expected.json").read_text("utf-8"))
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="spanscope-smoke-") as tmp:
        work = Path(tmp)
        spanscope = bundle_runner(exe, isolated_env(work / "home"), problems)
        try:
            code, version = spanscope(["--version"])
            if code != 0 or "spanscope" not in version.lower():
                raise SmokeFailure(f"--version exited with {code}: {version}")
            print(f"smoke: {version.strip()}")
            broken = [str(p.relative_to(exe.parent)) for p in broken_links(exe.parent)]
            if broken:
                raise SmokeFailure(f"links to files left out of the bundle: {broken}")
            found = jsonable(facts(spanscope, work))
            for key in expected:
                if found.get(key) != expected[key]:
                    raise SmokeFailure(
                        f"{key} differs from the source tree's:\n  bundle: {found.get(key)}\n"
                        f"  source: {expected[key]}"
                    )
            print(
                f"smoke: {len(FILES)} formats imported as from the source tree; filter, "
                "search, costs, diff, export, evaluation and replay agree"
            )
            check_window(spanscope, work)
            print(f"smoke: the window opened, imported the demo ({DEMO_SPANS} spans), closed")
        except SmokeFailure as exc:
            problems.append(str(exc))
    for problem in problems:
        print(f"smoke: FAILED: {problem}", file=sys.stderr)
    if problems:
        return 1
    print("smoke: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
