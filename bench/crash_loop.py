"""Kill an import, a rebuild or a check at random moments, and cut the database short at random
sizes; check that nothing is half-done or lost and that damage is always reported.

    python bench/crash_loop.py [--runs 200] [--files 4] [--spans 400] [--seed 1] [--json]
                               [--modes import,rebuild,check,truncate]

Each run starts a child process that opens the database, imports generated OTLP files
(through ``ingest.import_paths``, as ``spanscope import`` does) and, in another thread, saves
annotations through the writer connection, printing each one once its save returned. The
parent SIGKILLs the child at a random moment between "ready" and the end it measured on a
first, unkilled run, then checks:

* the database opens (replaying the log the killed process left);
* every file is imported whole or not at all: a file's stored spans equal the spans the file
  itself holds (counted from its JSON), and no span belongs to no file;
* every annotation whose save returned before the kill is present.

A database is used across runs until every file is in it, then a new one starts, so kills
land in first imports, later imports, search indexing, checkpoints and idle moments alike.

Other runs, drawn at random among the ``--modes``:

* ``rebuild``: ``spanscope rebuild --yes`` is SIGKILLed at a random moment; the database must
  then open, every file be whole or absent, and every annotation it held before be there;
* ``check``: ``spanscope check`` is SIGKILLed at a random moment; the same checks follow;
* ``truncate``: a copy of the database is cut to a random size and ``spanscope check --json``
  run on it: it must say "damaged", or else the copy must hold every file and annotation of
  the original (a whole database); never a crash, never "ok" on a copy that lost something.

Prints the figures (runs of each kind, consistent, kills inside a file's import, annotations
confirmed before a kill, annotations lost, truncations reported damaged / found whole).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CHILD = """
import sys, threading, time
from pathlib import Path
from typing import Any
from spanscope import ingest
from spanscope.model.annotation import Annotation
from spanscope.store import Database
from spanscope.store.annotations import save_annotation

db_path, run, files = sys.argv[1], sys.argv[2], sys.argv[3:]
said = threading.Lock()

def say(text):
    # one write per line under a lock: two threads' lines never interleave
    with said:
        sys.stdout.write(text + "\\n")
        sys.stdout.flush()

db = Database.open(db_path)
say("ready")
stop = threading.Event()

def annotate():
    cur = db.writer.cursor()
    i = 0
    while not stop.is_set():
        key = f"crash-{run}-{i}"
        save_annotation(cur, Annotation(key, "", ("hallucination",), note=key, author="loop"))
        say(f"saved {key}")
        i += 1
        time.sleep(0.01)

saver = threading.Thread(target=annotate, daemon=True)
saver.start()
seen = []

def progress(p):
    if p.path.name.endswith(".jsonl") and (not seen or seen[-1] != p.path):
        seen.append(p.path)
        say(f"start {p.path}")

for result in ingest.import_paths(db, [Path(f) for f in files], progress=progress):
    say(f"imported {result.path} {result.status} {result.spans}")
stop.set()
saver.join()
db.close()
say("done")
"""


@dataclass
class Figures:
    runs: int = 0
    consistent: int = 0
    runs_by_mode: dict[str, int] = field(default_factory=dict)
    truncations_reported_damaged: int = 0
    truncations_found_whole: int = 0
    kills_inside_an_import: int = 0
    kills_after_the_end: int = 0
    annotations_confirmed: int = 0
    annotations_lost: int = 0
    files_found_whole: int = 0
    databases: int = 0
    problems: list[str] = field(default_factory=list)


def make_files(folder: Path, count: int, spans: int, seed: int) -> dict[str, int]:
    """Generated OTLP files with disjoint span ids; returns path -> spans the file holds."""
    from spanscope.demo import write_otlp_jsonl

    expected: dict[str, int] = {}
    seen: set[tuple[str, str]] = set()
    for n in range(count):
        path = folder / f"part-{n}.jsonl"
        write_otlp_jsonl(path, spans, seed=seed * 1000 + n)
        ids = _span_ids(path)
        if ids & seen:
            raise SystemExit(f"{path} shares span ids with another file; pick another seed")
        seen |= ids
        expected[str(path.resolve())] = len(ids)
    return expected


def _span_ids(path: Path) -> set[tuple[str, str]]:
    ids = set()
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            for resource in json.loads(line)["resourceSpans"]:
                for scope in resource["scopeSpans"]:
                    ids |= {(s["traceId"], s["spanId"]) for s in scope["spans"]}
    return ids


def run_child(
    db: Path, run: int, files: list[str], kill_after: float | None
) -> tuple[list[str], float]:
    """Run the child; kill it ``kill_after`` seconds after "ready" (None: let it finish).
    Returns its output lines and the seconds from "ready" to its end."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(run), *files],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stderr is not None
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            if not line.endswith("\n"):
                break  # cut off by the kill: the child never finished saying it
            lines.append(line.rstrip("\n"))
            if line.startswith("ready"):
                ready.set()
        ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ready.wait(120)
    started = time.monotonic()
    if kill_after is not None:
        try:
            child.wait(kill_after)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
    child.wait()
    ended = time.monotonic() - started
    reader.join()
    errors = child.stderr.read()
    child.stderr.close()
    if child.returncode not in (0, -signal.SIGKILL):
        raise SystemExit(f"the child failed ({child.returncode}):\n{errors}")
    return lines, ended


def run_command(db: Path, command: list[str], kill_after: float | None) -> tuple[str, float]:
    """Run ``spanscope --db DB COMMAND`` in a child; SIGKILL it ``kill_after`` seconds after it
    started (None: let it finish). Returns its output and its seconds."""
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-m", "spanscope", "--db", str(db), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        output, _ = child.communicate(timeout=kill_after)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        output, _ = child.communicate()
    return output, time.monotonic() - started


def loop_annotations(db_path: Path) -> set[str]:
    """The keys of the loop's annotations in a database (none when there is no file yet)."""
    from spanscope.store import Database

    if not db_path.exists():
        return set()
    with Database.open(db_path) as db:
        return loop_annotations_of(db)


def truncated_copy_is_reported(db_path: Path, rng: random.Random, figures: Figures) -> bool:
    """Cut a copy of the (closed) database at a random size and run ``check --json`` on it: it
    must report "damaged", or the copy must hold everything the original holds."""
    from spanscope.store import Database
    from spanscope.store.recovery import file_counts

    if not db_path.exists():
        return True
    folder = Path(tempfile.mkdtemp(prefix="cut-", dir=db_path.parent))
    try:
        copy = folder / db_path.name
        shutil.copy(db_path, copy)
        size = copy.stat().st_size
        os.truncate(copy, rng.randrange(0, size))
        output, _ = run_command(copy, ["check", "--json"], None)
        try:
            status = json.loads(output.strip().splitlines()[-1])["status"]
        except (ValueError, IndexError, KeyError):
            figures.problems.append(f"check crashed on a cut copy of {db_path.name}: {output}")
            return False
        if status == "damaged":
            figures.truncations_reported_damaged += 1
            return True
        # "ok": then the copy must be the whole database
        with Database.open(db_path) as db:
            want = (file_counts(db.reader()), loop_annotations_of(db))
        with Database.open(copy) as db:
            have = (file_counts(db.reader()), loop_annotations_of(db))
        if status == "ok" and have == want:
            figures.truncations_found_whole += 1
            return True
        figures.problems.append(f"check said {status} on a cut copy that lost data")
        return False
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def loop_annotations_of(db: Any) -> set[str]:
    rows = db.reader().execute("SELECT trace_id FROM annotations WHERE author = 'loop'")
    return {str(row[0]) for row in rows.fetchall()}


def check(
    db_path: Path,
    expected: dict[str, int],
    lines: list[str],
    figures: Figures,
    held: set[str] | None = None,
) -> tuple[bool, bool]:
    """After a kill: the database opens, files are whole or absent, saved annotations exist
    (those the child said it saved, and ``held``: those the database held before the run).
    Returns (consistent, every file is in)."""
    from spanscope.store import Database
    from spanscope.store.recovery import file_counts, spans_without_file

    saved = {line.split()[1] for line in lines if line.startswith("saved ")}
    figures.annotations_confirmed += len(saved)
    saved |= held or set()
    problems = []
    try:
        db = Database.open(db_path)
    except Exception as exc:  # the figure to report, not a crash of the loop
        figures.problems.append(f"{db_path}: does not open: {exc}")
        figures.annotations_lost += len(saved)
        return False, False
    try:
        cur = db.reader()
        for count in file_counts(cur):
            want = expected.get(count.path)
            if want is None or count.stored != want or count.recorded != want:
                problems.append(f"{count.path}: {count.stored} spans stored, file holds {want}")
            else:
                figures.files_found_whole += 1
        loose = spans_without_file(cur)
        if loose:
            problems.append(f"{loose} spans belong to no file")
        keys = {
            row[0]
            for row in cur.execute(
                "SELECT trace_id FROM annotations WHERE author = 'loop'"
            ).fetchall()
        }
        lost = saved - keys
        figures.annotations_lost += len(lost)
        if lost:
            problems.append(f"{len(lost)} saved annotations missing, e.g. {sorted(lost)[0]}")
        complete = {c.path for c in file_counts(cur)} == set(expected)
    finally:
        db.close()
    figures.problems.extend(f"run in {db_path.name}: {p}" for p in problems)
    return not problems, complete


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--spans", type=int, default=400, help="spans per file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, help="keep the files here (default: a temp dir)")
    parser.add_argument("--json", action="store_true", help="print the figures as one object")
    parser.add_argument(
        "--modes",
        default="import,rebuild,check,truncate",
        help="kinds of run to draw from: import, rebuild, check, truncate",
    )
    args = parser.parse_args(argv)
    modes = [m for m in args.modes.split(",") if m]
    # imports are the common case; the others are drawn as often as each other
    weights = [3 if m == "import" else 1 for m in modes]
    rng = random.Random(args.seed)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="spanscope-crash-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SPANSCOPE_HOME", str(work / "home"))
    try:
        expected = make_files(work, args.files, args.spans, args.seed)
        files = list(expected)
        # one unkilled run tells how long a whole run takes: kills are spread over it
        _lines, whole = run_child(work / "calibrate.duckdb", -1, files, None)
        timings = {}
        if "rebuild" in modes:
            _out, timings["rebuild"] = run_command(
                work / "calibrate.duckdb", ["rebuild", "--yes"], None
            )
        if "check" in modes:
            _out, timings["check"] = run_command(work / "calibrate.duckdb", ["check"], None)
        figures = Figures()
        db_path = work / "db-0.duckdb"
        figures.databases = 1
        started = time.monotonic()
        for run in range(args.runs):
            mode = rng.choices(modes, weights)[0] if db_path.exists() else "import"
            figures.runs += 1
            figures.runs_by_mode[mode] = figures.runs_by_mode.get(mode, 0) + 1
            if mode == "truncate":
                figures.consistent += int(truncated_copy_is_reported(db_path, rng, figures))
                continue
            if mode in ("rebuild", "check"):
                held = loop_annotations(db_path)
                command = ["rebuild", "--yes"] if mode == "rebuild" else ["check"]
                run_command(db_path, command, rng.uniform(0, timings[mode] * 1.1))
                consistent, complete = check(db_path, expected, [], figures, held)
                figures.consistent += int(consistent)
                continue
            order = rng.sample(files, len(files))
            lines, _ = run_child(db_path, run, order, rng.uniform(0, whole * 1.1))
            last = [
                w for w in (line.split(" ", 1)[0] for line in lines) if w in ("start", "imported")
            ]
            if last and last[-1] == "start":
                figures.kills_inside_an_import += 1
            if any(line == "done" for line in lines):
                figures.kills_after_the_end += 1
            consistent, complete = check(db_path, expected, lines, figures)
            figures.consistent += int(consistent)
            if (run + 1) % 20 == 0:
                print(f"{run + 1} runs, {figures.consistent} consistent", file=sys.stderr)
            if complete:  # every file is in: start a new database
                figures.databases += 1
                db_path = work / f"db-{figures.databases - 1}.duckdb"
        seconds = time.monotonic() - started
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    report = asdict(figures) | {"seconds": round(seconds, 1), "whole_run_seconds": round(whole, 2)}
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            if key != "problems":
                print(f"{key:28} {value}")
        for problem in figures.problems:
            print(f"problem: {problem}")
    return 0 if figures.consistent == figures.runs and figures.annotations_lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
