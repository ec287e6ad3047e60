"""Import and query benchmark on a generated OTLP JSON Lines file.

    python bench/bench.py [--spans 100000] [--seed 7] [--workdir bench/work] [--runs 20]

Measures, in one run, and prints a plain text table (measure, value, unit, target):

(a) ``../shared/perf/duck_flat.py``: DuckDB's own fast path, the file flattened to a row per
    span (the baseline), as a whole process;
(b) ``spanscope import FILE`` into a fresh database, the whole process until the data is
    listed, priced and searchable, and its ratio to (a) measured in the same run;
(c) the peak resident memory of (a) and (b), each run in a child process;
(d) the median time of the trace list's first page and of opening a ~50-span trace;
(e) full-text search through the index and through the scan it replaces;
(g) facet counts, each facet of the sidebar under no filter and under ``kind:llm``;
(h) opening a 1,000-span trace (a dedicated file imported into the same database);
(i) the first page of a filtered span list and trace list;
(j) the longest stall of the UI event loop while ``ui_stall.py`` works the main window;
(l) building the step-through (replay) of the 1,000-span trace;
(m) annotations: a durable save, a save during an import, list badges, eval export, agreement;
(o) failure groups, a cohort comparison and prompt versions;
(p) a code-check evaluator over up to 100,000 model calls.

Parts the app does not provide yet are reported as "not available".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spanscope.store.database import first_row

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "app"))  # run from a checkout without installing

NOT_AVAILABLE = "not available"
MB = 1024 * 1024


@dataclass(frozen=True)
class Row:
    measure: str
    value: float | str | None
    unit: str = ""
    target: str = ""


# -- the input file --------------------------------------------------------------------------
def generator_fingerprint() -> str:
    """Changes whenever the generator's code does, so a stale cached file is not reused."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "app" / "spanscope" / "demo").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def generated_file(workdir: Path, spans: int, seed: int) -> tuple[Path, float | None]:
    """The cached input file for this size and seed; generated (and timed) when missing."""
    from spanscope.demo import write_otlp_jsonl

    path = workdir / f"otlp-{spans}-seed{seed}-{generator_fingerprint()}.jsonl"
    if path.exists():
        return path, None
    partial = path.with_suffix(".partial")
    started = time.perf_counter()
    write_otlp_jsonl(partial, spans, seed=seed)
    seconds = time.perf_counter() - started
    partial.rename(path)
    return path, seconds


def fresh_database(path: Path) -> Path:
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(path.with_name(path.name + ".search"), ignore_errors=True)  # its index
    return path


# -- child processes: each measurement runs alone so its peak memory is its own ---------------
def child_flat(file: Path, db: Path) -> dict[str, Any]:
    """The baseline: ``../shared/perf/duck_flat.py`` (DuckDB's read_json with an explicit
    schema, flattened to a row per span), run as that script runs it."""
    import duckdb

    if not DUCK_FLAT.is_file():
        return {"error": f"{NOT_AVAILABLE} ({DUCK_FLAT} is absent)"}
    namespace: dict[str, Any] = {}
    exec(compile(DUCK_FLAT.read_text(encoding="utf-8"), str(DUCK_FLAT), "exec"), namespace)
    started = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute(namespace["flatten_sql"](str(file)))
    rows = first_row(con.execute("SELECT count(*) FROM s"))
    con.close()
    return {"seconds": time.perf_counter() - started, "spans": rows[0] if rows else 0}


def child_cli(file: Path, db: Path) -> dict[str, Any]:
    """The whole ``spanscope import FILE`` command: until listed, priced and searchable."""
    import io

    from spanscope.cli import main as spanscope

    out = io.StringIO()
    code = spanscope(["--db", str(db), "import", "--json", str(file)], out=out)
    results = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
    if code != 0 or len(results) != 1:
        return {"error": f"spanscope import exited {code}: {out.getvalue()[-300:]}"}
    (result,) = results
    return {
        "status": result["status"],
        "spans": result["spans"],
        "traces": result["traces"],
        "error": result["error"],
        "result_seconds": result["seconds"],
    }


def child_import(file: Path, db: Path) -> dict[str, Any]:
    try:
        from spanscope.ingest import import_paths, index_for_search
        from spanscope.store import Database
        from spanscope.store.writer import Writer
    except ImportError as exc:
        return {"error": f"{NOT_AVAILABLE} ({exc})"}
    started = time.perf_counter()
    database = Database.open(db)
    try:
        # The import is done when the file's spans are committed and on screen; the search
        # index follows in its own transaction and is timed on its own.
        writer = Writer(database)
        results = list(import_paths(database, [file], writer=writer, index=False))
        seconds = time.perf_counter() - started
        indexed_at = time.perf_counter()
        index_for_search(writer)
        index_seconds = time.perf_counter() - indexed_at
        pricing_seconds = writer.pricing_seconds
    finally:
        database.close()
    (result,) = results
    return {
        "seconds": seconds,
        "index_seconds": index_seconds,
        "pricing_seconds": pricing_seconds,
        "status": str(result.status),
        "spans": result.spans,
        "traces": result.traces,
        "error": result.error,
    }


CHILDREN: dict[str, Callable[[Path, Path], dict[str, Any]]] = {
    "--child-flat": child_flat,
    "--child-cli": child_cli,
    "--child-import": child_import,
}
# The baseline script; SPANSCOPE_PERF names its folder when the checkout is not beside shared/.
DUCK_FLAT = Path(os.environ.get("SPANSCOPE_PERF", REPO.parent / "shared" / "perf")) / "duck_flat.py"


def peak_rss_bytes(usage: resource.struct_rusage) -> int:
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    return usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024


def run_child(flag: str, file: Path, db: Path) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; returns its JSON report plus peak RSS and
    the child's whole life, start to exit (``process_seconds``)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), flag, str(file), str(db)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"child failed (exit {done.returncode}): {tail}"}
    report: dict[str, Any] = json.loads(lines[-1])
    report["process_seconds"] = time.perf_counter() - started
    return report


def child_entry(flag: str, file: str, db: str) -> int:
    report = CHILDREN[flag](Path(file), Path(db))
    # The child's own high-water mark: the same number the parent would read from
    # getrusage(RUSAGE_CHILDREN) after waiting for this single child.
    report["peak_rss"] = peak_rss_bytes(resource.getrusage(resource.RUSAGE_SELF))
    print(json.dumps(report))
    return 0


# -- measurements --------------------------------------------------------------------------
def throughput_rows(label: str, report: dict[str, Any], size: int) -> list[Row]:
    seconds = report["seconds"]
    return [
        Row(f"{label}: time", seconds, "s"),
        Row(f"{label}: spans/s", report["spans"] / seconds if seconds else None, "spans/s"),
        Row(f"{label}: throughput", size / MB / seconds if seconds else None, "MB/s"),
        Row(f"{label}: peak RSS", report["peak_rss"] / MB, "MB"),
    ]


def measure_raw(file: Path, workdir: Path) -> tuple[list[Row], dict[str, Any]]:
    """(a) the baseline the import is held against: ``duck_flat.py``, the whole process."""
    label = "(a) duck_flat.py (DuckDB's fast path)"
    report = run_child("--child-flat", file, fresh_database(workdir / "flat.duckdb"))
    if "error" in report:
        return [Row(label, report["error"])], report
    report["seconds"] = report["process_seconds"]
    rows = throughput_rows(label, report, file.stat().st_size)
    return [Row(f"{label}: rows", report["spans"], "spans"), *rows], report


def measure_import(file: Path, db: Path, raw: dict[str, Any]) -> tuple[list[Row], bool]:
    """(b) ``spanscope import FILE``, the whole process until the data is listed, priced and
    searchable, against (a) measured in the same run."""
    label = "(b) spanscope import"
    report = run_child("--child-cli", file, fresh_database(db))
    if report.get("error") and "status" not in report:
        return [Row(label, report["error"])], False
    if report.get("status") != "imported":
        return [Row(label, f"{report.get('status')}: {report.get('error')}")], False
    report["seconds"] = report["process_seconds"]
    rows = [
        Row(f"{label}: spans", report["spans"], "spans"),
        Row(f"{label}: traces", report["traces"], "traces"),
        Row(
            f"{label}: the file's result line (before the search index)",
            report["result_seconds"],
            "s",
        ),
        *throughput_rows(label, report, file.stat().st_size),
    ]
    rows[-1] = Row(rows[-1].measure, rows[-1].value, "MB", "<= 2048 MB")
    if raw.get("seconds"):
        ratio = report["seconds"] / raw["seconds"]
        rows.append(Row(f"{label}: whole process / (a)", ratio, "x", "<= 1.5x"))
    return rows, True


def median_ms(call: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        fetch = getattr(result, "fetchall", None)  # materialise lazy results
        if callable(fetch):
            fetch()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def trace_near_50_spans(cursor: Any) -> str | None:
    row = first_row(
        cursor.execute(
            "SELECT trace_id FROM spans GROUP BY trace_id ORDER BY abs(count(*) - 50), trace_id LIMIT 1"
        )
    )
    return row[0] if row else None


def measure_queries(db: Path, runs: int) -> list[Row]:
    page, trace = "(d) trace list first page", "(d) open a 50-span trace"
    try:
        from spanscope.store import Database, queries  # type: ignore[attr-defined]
    except ImportError as exc:
        return [Row(page, f"{NOT_AVAILABLE} ({exc})"), Row(trace, NOT_AVAILABLE)]
    database = Database.open(db, read_only=True)
    try:
        cursor = database.reader()

        def first_page() -> object:
            return queries.trace_page(cursor, sort="start", descending=True, after=None, limit=200)

        trace_id = trace_near_50_spans(cursor)
        rows = [Row(f"{page} (median of {runs})", median_ms(first_page, runs), "ms", "<= 50 ms")]
        if trace_id is None:
            return [*rows, Row(trace, "no trace in the database")]
        spans = len(cursor.execute("SELECT 1 FROM spans WHERE trace_id = ?", [trace_id]).fetchall())
        ms = median_ms(lambda: queries.trace_spans(cursor, trace_id), runs)
        return [*rows, Row(f"{trace} ({spans} spans, median of {runs})", ms, "ms", "<= 50 ms")]
    finally:
        database.close()


def index_mb(cursor: Any, tables: tuple[str, ...]) -> float:
    """Disk blocks the tables occupy (DuckDB blocks are 256 kB)."""
    blocks = 0
    for table in tables:  # fixed names: pragma_storage_info takes no parameter
        row = first_row(
            cursor.execute(
                f"SELECT count(DISTINCT block_id) FROM pragma_storage_info('{table}') "
                "WHERE block_id >= 0"
            )
        )
        blocks += int(row[0]) if row else 0
    return blocks * 262_144 / MB


def measure_search(db: Path, runs: int) -> list[Row]:
    """(e) full-text search: the index's size and a rare phrase / a common word, each through
    the index and through the ILIKE scan it replaces (same filter, index switched off)."""
    label = "(e) search"
    try:
        from spanscope.core import filter_fields
        from spanscope.core.filters import compile_filter
        from spanscope.store import Database, queries, search  # type: ignore[attr-defined]
    except ImportError as exc:
        return [Row(label, f"{NOT_AVAILABLE} ({exc})")]
    database = Database.open(db, read_only=True)
    try:
        cursor = database.reader()
        folder = db.with_name(db.name + ".search")  # the index beside the database
        beside = sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) / MB
        rows = [Row(f"{label} index size", index_mb(cursor, ("search_docs",)) + beside, "MB")]
        for text, what in (
            ('"kb-refund-policy-v5"', "rare phrase"),
            ('"90 days"', "phrase of common words"),
            ("refund", "common word"),
        ):
            where = compile_filter(text, "traces")
            found = queries.count(cursor, "traces", where)
            indexed = median_ms(lambda w=where: queries.count(cursor, "traces", w), runs)
            original = search.matching_spans_sql
            filter_fields.search.matching_spans_sql = lambda *_: None  # type: ignore[assignment]
            try:
                scan_where = compile_filter(text, "traces")
            finally:
                filter_fields.search.matching_spans_sql = original  # type: ignore[assignment]
            scan = median_ms(lambda w=scan_where: queries.count(cursor, "traces", w), runs)
            rows += [
                Row(
                    f"{label} {what} {text}, {found} traces, index (median of {runs})",
                    indexed,
                    "ms",
                    "<= 200 ms",
                ),
                Row(f"{label} {what} {text}, ILIKE scan (median of {runs})", scan, "ms"),
            ]
        return rows
    finally:
        database.close()


FACET_FILTERS = ("", "kind:llm")
LIST_FILTER = "kind:llm status:error"
BIG_TRACE_SPANS = 1000
BIG_TRACE_ID = "b16b16b16b16b16b16b16b16b16b16b1"
BIG_TRACE_ROOT = "b16b16b16b16b16b"


def facet_wheres(text: str) -> dict[str, Any]:
    """The filter compiled per counted table, as the sidebar does."""
    from spanscope.core.filters import compile_for_facets

    return compile_for_facets(text)


def measure_facets(db: Path, runs: int) -> list[Row]:
    """(g) every sidebar facet under each filter of FACET_FILTERS; the slowest is reported."""
    label = "(g) facet counts"
    try:
        from spanscope.store import Database, facets
    except ImportError as exc:
        return [Row(label, f"{NOT_AVAILABLE} ({exc})")]
    database = Database.open(db, read_only=True)
    try:
        cursor = database.reader()
        shown = [*facets.FACETS, *([facets.LABEL] if facets.has_labels(cursor) else [])]
        rows = []
        for text in FACET_FILTERS:
            wheres = facet_wheres(text)
            times = {
                f.field: median_ms(
                    lambda f=f, w=wheres[f.table]: facets.facet_counts(cursor, f.field, w), runs
                )
                for f in shown
            }
            slowest = max(times, key=lambda field: times[field])
            rows.append(
                Row(
                    f"{label} under {text or 'no filter'!r}: slowest of {len(times)} "
                    f"({slowest}, median of {runs})",
                    times[slowest],
                    "ms",
                    "<= 300 ms",
                )
            )
        return rows
    finally:
        database.close()


def big_trace_file(workdir: Path, seed: int) -> Path:
    """One trace of BIG_TRACE_SPANS spans: the generator's traces, one after another, each
    hung under a single agent root span (an agent run that handled many conversations)."""
    from spanscope.demo.generator import iter_traces

    path = workdir / f"trace-{BIG_TRACE_SPANS}-seed{seed}-{generator_fingerprint()}.jsonl"
    if path.exists():
        return path
    spans: list[dict[str, Any]] = []
    cursor: int | None = None
    for trace in iter_traces(BIG_TRACE_SPANS - 1, seed=seed + 1):
        first = min(int(span["startTimeUnixNano"]) for span in trace)
        cursor = first if cursor is None else cursor
        shift = cursor - first
        for span in trace:
            span = dict(span, traceId=BIG_TRACE_ID)
            span["parentSpanId"] = span.get("parentSpanId") or BIG_TRACE_ROOT
            for key in ("startTimeUnixNano", "endTimeUnixNano"):
                if span.get(key):
                    span[key] = str(int(span[key]) + shift)
            spans.append(span)
        cursor = max(
            int(span.get("endTimeUnixNano") or span["startTimeUnixNano"]) for span in spans
        )
    start = min(int(span["startTimeUnixNano"]) for span in spans)
    root = {
        "traceId": BIG_TRACE_ID,
        "spanId": BIG_TRACE_ROOT,
        "name": "invoke_agent fleet-run",
        "kind": 1,
        "startTimeUnixNano": str(start),
        "endTimeUnixNano": str(cursor),
        "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "invoke_agent"}}],
        "status": {},
    }
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "bench-agent"}}]}
    document = {
        "resourceSpans": [
            {
                "resource": resource,
                "scopeSpans": [{"scope": {"name": "bench"}, "spans": [root, *spans]}],
            }
        ]
    }
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")
    partial.rename(path)
    return path


def import_big_trace(db: Path, workdir: Path, seed: int) -> str | None:
    """Import the 1,000-span trace file into ``db``; an error message, or None."""
    try:
        from spanscope.ingest import import_paths
        from spanscope.store import Database
    except ImportError as exc:
        return f"{NOT_AVAILABLE} ({exc})"
    file = big_trace_file(workdir, seed)
    database = Database.open(db)
    try:
        (result,) = list(import_paths(database, [file]))
    finally:
        database.close()
    if str(result.status) not in ("imported", "unchanged"):
        return f"{result.status}: {result.error}"
    return None


def measure_big_trace(db: Path, runs: int, error: str | None) -> list[Row]:
    """(h) ``queries.trace_spans`` + ``core.tree.build_tree`` on the 1,000-span trace."""
    label = f"(h) open a {BIG_TRACE_SPANS:,}-span trace"
    if error is not None:
        return [Row(label, error)]
    from spanscope.core.tree import build_tree
    from spanscope.store import Database, queries

    database = Database.open(db, read_only=True)
    try:
        cursor = database.reader()
        spans = len(queries.trace_spans(cursor, BIG_TRACE_ID))

        def open_trace() -> object:
            return build_tree(queries.trace_spans(cursor, BIG_TRACE_ID).to_pylist())

        ms = median_ms(open_trace, runs)
        return [Row(f"{label} ({spans} spans, median of {runs})", ms, "ms", "<= 150 ms")]
    finally:
        database.close()


def measure_step_through(db: Path, runs: int, error: str | None) -> list[Row]:
    """(l) The step-through of the 1,000-span trace: ``replays.step_rows`` + ``build_steps``
    (time order, parallel branches, tokens and cost so far, failures)."""
    label = f"(l) step through a {BIG_TRACE_SPANS:,}-span trace"
    if error is not None:
        return [Row(label, error)]
    try:
        from spanscope.core.replay_steps import build_steps
        from spanscope.store import Database
        from spanscope.store.replays import step_rows
    except ImportError as exc:
        return [Row(label, f"{NOT_AVAILABLE} ({exc})")]
    database = Database.open(db, read_only=True)
    try:
        cursor = database.reader()
        steps = len(build_steps(BIG_TRACE_ID, step_rows(cursor, BIG_TRACE_ID)).steps)
        ms = median_ms(lambda: build_steps(BIG_TRACE_ID, step_rows(cursor, BIG_TRACE_ID)), runs)
        return [Row(f"{label} ({steps} steps, median of {runs})", ms, "ms", "<= 150 ms")]
    finally:
        database.close()


def measure_filtered_pages(db: Path, runs: int) -> list[Row]:
    """(i) the first page of the span list and of the trace list under LIST_FILTER."""
    from spanscope.core.filters import compile_filter
    from spanscope.store import Database, queries

    database = Database.open(db, read_only=True)
    try:
        cursor = database.reader()
        rows = []
        for name, table, page in (
            ("span list", "spans", queries.span_page),
            ("trace list", "traces", queries.trace_page),
        ):
            where = compile_filter(LIST_FILTER, table)
            ms = median_ms(
                lambda page=page, where=where: page(cursor, where=where, limit=200), runs
            )
            rows.append(
                Row(
                    f"(i) {name} first page, {LIST_FILTER!r} (median of {runs})",
                    ms,
                    "ms",
                    "<= 50 ms",
                )
            )
        return rows
    finally:
        database.close()


def measure_costs(db: Path, runs: int) -> list[Row]:
    """(k) Cost breakdowns of the costs screen and ``spanscope costs``, and runaway traces."""
    label = "(k) costs"
    try:
        from spanscope.core.cost_analysis import runaways, scope
        from spanscope.store import Database
        from spanscope.store.cost_reports import breakdown, totals
    except ImportError as exc:
        return [Row(label, f"{NOT_AVAILABLE} ({exc})")]
    database = Database.open(db, read_only=True)
    try:
        cursor = database.reader()
        rows = []
        for by, text in (
            (["model"], ""),
            (["model", "day"], ""),
            (["hour", "service"], "status:error"),
        ):
            where = scope(text).spans
            ms = median_ms(lambda by=by, where=where: breakdown(cursor, by, where), runs)
            name = f"{label}: breakdown by {','.join(by)}" + (f" under {text}" if text else "")
            rows.append(Row(f"{name} (median of {runs})", ms, "ms", "<= 300 ms at 1M spans"))
        ms = median_ms(lambda: totals(cursor, scope("").spans), runs)
        rows.append(Row(f"{label}: totals (median of {runs})", ms, "ms"))
        ms = median_ms(lambda: runaways(cursor), max(3, runs // 4))
        rows.append(Row(f"{label}: runaway traces (median of {max(3, runs // 4)})", ms, "ms"))
        return rows
    finally:
        database.close()


def measure_incident(db: Path, runs: int) -> list[Row]:
    """(o) What went wrong and what changed: failure groups, a cohort comparison (the earlier
    half of the traces against the later), prompt versions; and (p) a code check over up to
    100,000 model calls (read and judged; verdicts not saved)."""
    label = "(o) incident"
    try:
        from spanscope.core.cohort_compare import compare
        from spanscope.core.evaluators import evaluator, run
        from spanscope.core.filters import compile_filter
        from spanscope.store import Database
        from spanscope.store.cohorts import read_cohorts
        from spanscope.store.evaluations import calls_to_judge
        from spanscope.store.failure_groups import failure_groups
        from spanscope.store.prompt_versions import prompt_versions
    except ImportError as exc:
        return [Row(label, f"{NOT_AVAILABLE} ({exc})")]
    database = Database.open(db, read_only=True)
    try:
        cursor = database.reader()
        few = max(3, runs // 4)
        rows = []
        ms = median_ms(lambda: failure_groups(cursor), few)
        rows.append(
            Row(
                f"{label}: failure groups, all spans (median of {few})",
                ms,
                "ms",
                "<= 2,000 ms at 1M spans",
            )
        )
        ms = median_ms(
            lambda: failure_groups(cursor, compile_filter("service:checkout*", "spans")), few
        )
        rows.append(
            Row(
                f"{label}: failure groups under service:checkout* (median of {few})",
                ms,
                "ms",
                "<= 2,000 ms at 1M spans",
            )
        )
        middle = cursor.execute("SELECT median(start_ns) FROM traces").fetchone()
        split = int(middle[0]) if middle and middle[0] is not None else 0
        moment = datetime.fromtimestamp(split / 1e9, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
        a, b = (
            compile_filter(f"before:{moment}", "traces"),
            compile_filter(f"after:{moment}", "traces"),
        )
        ms = median_ms(lambda: compare(*read_cohorts(cursor, a, b)), 3)
        rows.append(
            Row(
                f"{label}: compare the earlier half with the later (median of 3)",
                ms,
                "ms",
                "<= 2,000 ms at 1M spans",
            )
        )
        ms = median_ms(lambda: prompt_versions(cursor), 3)
        rows.append(
            Row(f"{label}: prompt versions (median of 3)", ms, "ms", "<= 5,000 ms at 1M spans")
        )
        check = evaluator("grounded:0.6")

        def code_check() -> int:
            calls = calls_to_judge(cursor, compile_filter("", "spans"), 100_000, check.needs)
            return sum(1 for _ in run(check, calls))

        ms = median_ms(code_check, 1)
        rows.append(
            Row(
                "(p) evaluators: grounded:0.6 over 100,000 model calls",
                ms,
                "ms",
                "<= 30,000 ms at 1M spans",
            )
        )
        return rows
    finally:
        database.close()


def measure_annotations(db: Path, workdir: Path, runs: int, annotated: int = 500) -> list[Row]:
    """(m) Annotations, on a copy of the database: a durable save (committed and checkpointed),
    a save while an import holds its transaction, the trace list's first page with and
    without its label badges, an eval export and the agreement report over ``annotated``
    annotated traces."""
    import shutil

    label = "(m) annotations"
    try:
        from spanscope.core import eval_export
        from spanscope.core.agreement import agreement_report
        from spanscope.model.annotation import Annotation
        from spanscope.store import Database, queries
        from spanscope.store import annotations as stored
    except ImportError as exc:
        return [Row(label, f"{NOT_AVAILABLE} ({exc})")]
    copy = workdir / "annotations.duckdb"
    for stale in (copy, copy.with_name(copy.name + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.copy(db, copy)
    database = Database.open(copy)
    try:
        cur = database.writer.cursor()
        traces = [
            r[0]
            for r in cur.execute(
                "SELECT trace_id FROM traces ORDER BY start_ns DESC LIMIT ?", [annotated]
            ).fetchall()
        ]
        reviewers = ("ana", "bo")
        stored.save_many(
            cur,
            [
                Annotation(t, "", ("hallucination",) if (n + i) % 3 else ("latency",), author=who)
                for n, t in enumerate(traces)
                for i, who in enumerate(reviewers)
            ],
        )
        counter = iter(range(10**9))

        def save() -> object:
            n = next(counter)
            return stored.save_annotation(
                cur, Annotation(traces[n % len(traces)], "", ("refusal",), note=str(n), author="cy")
            )

        rows = [
            Row(
                f"{label}: save, committed + checkpointed (median of {runs})",
                median_ms(save, runs),
                "ms",
                "<= 50 ms",
            )
        ]
        database.writer.execute("BEGIN TRANSACTION")
        database.writer.execute(
            "INSERT INTO spans (trace_id, span_id) VALUES ('bench-import', 's')"
        )
        rows.append(
            Row(
                f"{label}: save during an import transaction (median of {runs})",
                median_ms(save, runs),
                "ms",
                "<= 50 ms",
            )
        )
        database.writer.execute("ROLLBACK")
        reader = database.reader()
        plain = median_ms(lambda: queries.trace_page(reader, limit=200), runs)

        def with_badges() -> object:
            page = queries.trace_page(reader, limit=200)
            return stored.labels_of_traces(reader, page.rows.column("trace_id").to_pylist())

        badged = median_ms(with_badges, runs)
        rows.append(Row(f"{label}: trace list first page, plain (median of {runs})", plain, "ms"))
        rows.append(
            Row(
                f"{label}: same page + label badges, {annotated} traces annotated",
                badged,
                "ms",
                "<= plain + 10 ms",
            )
        )
        records = eval_export.records_for(reader, stored.list_annotations(reader))
        ms = median_ms(lambda: eval_export.records_for(reader, stored.list_annotations(reader)), 3)
        rows.append(Row(f"{label}: collect {len(records)} eval records (median of 3)", ms, "ms"))
        target = workdir / "annotations-export.jsonl"
        ms = median_ms(lambda: eval_export.export(records, "openai-jsonl", target), 3)
        rows.append(Row(f"{label}: write them as openai-jsonl (median of 3)", ms, "ms"))
        found = stored.list_annotations(reader)
        ms = median_ms(lambda: agreement_report(found), 3)
        rows.append(
            Row(f"{label}: agreement report, {len(found)} annotations (median of 3)", ms, "ms")
        )
        return rows
    finally:
        database.close()
        for leftover in (copy, copy.with_name(copy.name + ".wal")):
            leftover.unlink(missing_ok=True)


def measure_ui_stall(db: Path) -> list[Row]:
    """(j) ``ui_stall.py`` in a child process on the offscreen platform."""
    label = "(j) UI longest event-loop stall"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "ui_stall.py"), str(db)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return [Row(label, f"child failed (exit {done.returncode}): {tail}")]
    report = json.loads(lines[-1])
    rows = [Row(f"{label} (in: {report['step']})", report["stall_ms"], "ms", "<= 50 ms")]
    for step, numbers in report["steps"].items():
        rows.append(Row(f"(j)   {step}: longest stall", numbers["stall_ms"], "ms"))
    return rows


# -- output ----------------------------------------------------------------------------------
def format_value(value: float | str | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, int) or abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def print_table(rows: list[Row]) -> None:
    """Long text values (reasons something is not available) go into notes below the table."""
    cells = [("measure", "value", "unit", "target")]
    notes = []
    for r in rows:
        value = format_value(r.value)
        if len(value) > 16:
            notes.append(f"[{len(notes) + 1}] {value}")
            value = f"see [{len(notes)}]"
        cells.append((r.measure, value, r.unit, r.target))
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    for n, cell in enumerate(cells):
        print(f"{cell[0]:<{widths[0]}}  {cell[1]:>{widths[1]}}  {cell[2]:<{widths[2]}}  {cell[3]}")
        if n == 0:
            print("  ".join("-" * w for w in widths))
    for note in notes:
        print(note)


FORMAT_SPANS = 20_000


def format_files(workdir: Path, seed: int) -> dict[str, Path]:
    """The other formats the project's generators write, 20,000 spans (or calls) each."""
    sys.path.insert(0, str(REPO / "bench"))
    from phoenix_fixtures import write_phoenix_jsonl, write_phoenix_parquet
    from provider_fixtures import write_openai_jsonl

    files = {
        "phoenix-jsonl": workdir / f"phoenix-{FORMAT_SPANS}-seed{seed}.jsonl",
        "phoenix-parquet": workdir / f"phoenix-{FORMAT_SPANS}-seed{seed}.parquet",
        "provider-log": workdir / f"openai-{FORMAT_SPANS}-seed{seed}.jsonl",
    }
    writers: dict[str, Callable[[Path], object]] = {
        "phoenix-jsonl": lambda p: write_phoenix_jsonl(p, FORMAT_SPANS, seed=seed),
        "phoenix-parquet": lambda p: write_phoenix_parquet(p, FORMAT_SPANS, seed=seed),
        "provider-log": lambda p: write_openai_jsonl(p, FORMAT_SPANS, seed=seed),
    }
    for name, path in files.items():
        if not path.exists():
            writers[name](path)
    return files


def measure_diffs(workdir: Path, seed: int) -> list[Row]:
    """(k) opening the diff of two 1,000-span and two 10,000-span traces (bench/diff_bench.py,
    which also runs alone)."""
    try:
        from diff_bench import measure_diff
    except ImportError as exc:
        return [Row("(k) diff of two traces", f"{NOT_AVAILABLE} ({exc})")]
    return [Row(*row) for row in measure_diff(workdir, seed)]


def measure_formats(workdir: Path, seed: int) -> list[Row]:
    """(f) import speed per format, each file into a fresh database in its own process."""
    rows = []
    for name, path in format_files(workdir, seed).items():
        report = run_child("--child-import", path, fresh_database(workdir / f"{name}.duckdb"))
        if report.get("status") != "imported":
            rows.append(Row(f"(f) {name}", f"{report.get('status')}: {report.get('error')}"))
            continue
        rows.append(
            Row(
                f"(f) {name} import, {report['spans']:,} spans",
                report["spans"] / report["seconds"],
                "spans/s",
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in CHILDREN:
        return child_entry(*argv[:3])
    parser = argparse.ArgumentParser(description="Spanscope import and query benchmark.")
    parser.add_argument("--spans", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--file",
        type=Path,
        help="an OTLP JSON Lines file to use instead of a generated one "
        "(e.g. ../shared/perf/gen_traces.py --spans 1000000)",
    )
    parser.add_argument("--workdir", type=Path, default=REPO / "bench" / "work")
    parser.add_argument("--runs", type=int, default=20, help="repetitions of each query")
    parser.add_argument(
        "--queries-only",
        action="store_true",
        help="measure queries on the database the last run imported (skips rows a-c)",
    )
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)

    if args.file is not None:
        file, generated_in = args.file.resolve(), None
    else:
        file, generated_in = generated_file(args.workdir, args.spans, args.seed)
    size = file.stat().st_size
    rows = [Row("input file", size / MB, "MB")]
    if args.file is None:
        rows += [
            Row("input spans", args.spans, "spans"),
            Row("input bytes per span", size / args.spans, "B"),
        ]
    if generated_in is not None:
        rows.append(Row("generator", args.spans / generated_in, "spans/s"))
    db = args.workdir / "import.duckdb"
    if args.queries_only and db.exists():
        imported = True  # the database of the last full run, as it was left
    else:
        raw_rows, raw = measure_raw(file, args.workdir)
        rows += raw_rows
        import_rows, imported = measure_import(file, db, raw)
        rows += import_rows
    if imported:
        big_trace_error = import_big_trace(db, args.workdir, args.seed)
        measures: list[tuple[str, Callable[[], list[Row]]]] = [
            ("(d) queries", lambda: measure_queries(db, args.runs)),
            ("(e) search", lambda: measure_search(db, args.runs)),
            ("(g) facets", lambda: measure_facets(db, args.runs)),
            ("(h) big trace", lambda: measure_big_trace(db, args.runs, big_trace_error)),
            ("(l) step-through", lambda: measure_step_through(db, args.runs, big_trace_error)),
            ("(j) filtered pages", lambda: measure_filtered_pages(db, args.runs)),
            ("(k) costs", lambda: measure_costs(db, args.runs)),
            ("(o) incident", lambda: measure_incident(db, args.runs)),
            ("(m) annotations", lambda: measure_annotations(db, args.workdir, args.runs)),
            ("(i) UI stall", lambda: measure_ui_stall(db)),
            ("(f) formats", lambda: measure_formats(args.workdir, args.seed)),
            ("(n) diff", lambda: measure_diffs(args.workdir, args.seed)),
        ]
        for label, measure in measures:
            # One failing measurement is reported in its row; the others still run.
            try:
                rows += measure()
            except Exception as exc:  # noqa: BLE001 - any failure becomes a row
                rows.append(Row(label, f"failed: {type(exc).__name__}: {exc}"))
            print(f"measured {label}", file=sys.stderr, flush=True)
    else:
        rows += [Row("(d) queries", f"{NOT_AVAILABLE} (no imported database)")]
    print(f"file: {file}")
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
