"""Time exporting a 50-trace case (``spanscope case export``) on a large database.

Without ``--db``, builds one: the demo generator's spans imported once, then copied under new
trace ids until the database holds ``--spans`` spans (real span contents, in a few minutes
rather than the hour a full import of that many would take). With ``--db``, a copy of that
file is used (the original is only read), so a database another program writes is left alone.

    python bench/case_bench.py --spans 1000000
    python bench/case_bench.py --db /path/to/big.duckdb
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from spanscope.core.case_export import export_case, open_case
from spanscope.core.redaction import SecretRedactor
from spanscope.demo.generator import write_otlp_jsonl
from spanscope.ingest import import_paths
from spanscope.store import Database
from spanscope.store.cases import CaseItem, add_items, create_case, in_transaction


def build(path: Path, spans: int, work: Path) -> None:
    seed_spans = min(spans, 20_000)
    source = work / "seed.jsonl"
    write_otlp_jsonl(source, spans=seed_spans, seed=7)
    with Database.open(path) as db:
        list(import_paths(db, [source]))
        con = db.writer
        copies = max(1, spans // seed_spans)
        con.execute(
            "INSERT INTO spans SELECT x.* REPLACE (x.trace_id || '-' || k AS trace_id) "
            "FROM spans x, range(1, ?) AS r(k)",
            [copies],
        )
        con.execute(
            "INSERT INTO traces SELECT x.* REPLACE (x.trace_id || '-' || k AS trace_id) "
            "FROM traces x, range(1, ?) AS r(k)",
            [copies],
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="a database to copy and measure on")
    parser.add_argument("--traces", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "case-bench")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.workdir / "bench.duckdb"
    if args.db:
        shutil.copy2(args.db, path)
    elif not path.exists():
        started = time.perf_counter()
        build(path, args.spans, args.workdir)
        print(f"built {path} in {time.perf_counter() - started:.0f} s")
    with Database.open(path) as db:
        con = db.writer
        total = con.execute("SELECT count(*) FROM spans").fetchall()[0][0]
        traces = [
            r[0]
            for r in con.execute(
                "SELECT trace_id FROM traces ORDER BY hash(trace_id) LIMIT ?",
                [args.traces],
            ).fetchall()
        ]
        con.execute("DELETE FROM case_items")
        con.execute("DELETE FROM cases")
        in_transaction(con, lambda: add_items(con, create_case(con, "bench"), [
            CaseItem(t, "", "bench") for t in traces]))  # fmt: skip
        seconds = []
        for _ in range(args.runs):
            started = time.perf_counter()
            outcome = export_case(db.reader(), "bench", args.workdir / "bench.spanscope-case",
                                  created_by="bench", redactor=SecretRedactor())  # fmt: skip
            seconds.append(time.perf_counter() - started)
    size = (args.workdir / "bench.spanscope-case").stat().st_size
    print(
        f"{total} spans in the database; case of {outcome.traces} traces, {outcome.spans} spans, "
        f"file {size / 1e6:.1f} MB; export median {statistics.median(seconds):.2f} s, "
        f"max {max(seconds):.2f} s over {args.runs} runs"
    )
    fresh = args.workdir / "fresh.duckdb"
    fresh.unlink(missing_ok=True)
    with Database.open(fresh) as db:
        started = time.perf_counter()
        opened = open_case(db.writer, args.workdir / "bench.spanscope-case")
        print(f"open on a fresh database: {opened.spans_added} spans in "
              f"{time.perf_counter() - started:.2f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
