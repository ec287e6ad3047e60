"""Diff benchmark rows: opening the diff of two 1,000-span traces and of two 10,000-span
traces (reading both, aligning, comparing, and diffing the first divergence's pair word by
word: what the diff window waits for before it shows).

    python bench/diff_bench.py [--workdir bench/work] [--runs 5]

The traces are generated runs of the demo agent hung under one root span each; the second
run of each pair has some tool calls dropped and some answers reworded.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "app"))

SIZES = (1_000, 10_000)
TARGETS = {1_000: "<= 500 ms", 10_000: "off the UI thread, with progress"}


def trace_pair(size: int, seed: int) -> list[dict[str, Any]]:
    """Spans of two traces of ``size`` spans: run A, and run B with a few changes."""
    from spanscope.demo.generator import iter_traces

    spans_a: list[dict[str, Any]] = []
    for trace in iter_traces(size - 1, seed=seed):
        spans_a.extend(trace)
        if len(spans_a) >= size - 1:
            break
    spans_a = spans_a[: size - 1]
    ids = {s["spanId"] for s in spans_a}
    start = min(int(s["startTimeUnixNano"]) for s in spans_a)
    end = max(int(s.get("endTimeUnixNano") or s["startTimeUnixNano"]) for s in spans_a)
    out = []
    for side in ("a", "b"):
        trace_id = (side * 8 + f"{size:08d}") * 2
        root_id = side * 8 + f"{size:08x}"
        out.append(
            {
                "traceId": trace_id,
                "spanId": root_id,
                "name": "invoke_agent fleet-run",
                "kind": 1,
                "startTimeUnixNano": str(start),
                "endTimeUnixNano": str(end),
                "attributes": [
                    {"key": "gen_ai.operation.name", "value": {"stringValue": "invoke_agent"}}
                ],
            }
        )
        for k, span in enumerate(spans_a):
            copy = json.loads(json.dumps(span))
            if side == "b" and copy["name"].startswith("execute_tool") and k % 53 == 0:
                continue  # a tool call the second run did not make
            if side == "b" and copy["name"].startswith("chat") and k % 41 == 0:
                for attribute in copy["attributes"]:
                    if attribute["key"] == "gen_ai.output.messages":
                        text = attribute["value"]["stringValue"]
                        attribute["value"]["stringValue"] = text.replace("order", "parcel")
            copy["traceId"] = trace_id
            parent = copy.get("parentSpanId")
            copy["parentSpanId"] = parent if parent in ids else root_id
            out.append(copy)
    return out


def build(workdir: Path, seed: int) -> Path:
    from spanscope.ingest import import_paths
    from spanscope.store import Database

    db_path = workdir / f"diff-seed{seed}.duckdb"
    if db_path.exists():
        return db_path
    spans = [s for size in SIZES for s in trace_pair(size, seed)]
    document = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "bench"}}]
                },
                "scopeSpans": [{"scope": {"name": "bench"}, "spans": spans}],
            }
        ]
    }
    file = workdir / f"diff-seed{seed}.json"
    file.write_text(json.dumps(document), encoding="utf-8")
    partial = db_path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    database = Database.open(partial)
    try:
        (result,) = list(import_paths(database, [file]))
        assert str(result.status) == "imported", result.error
    finally:
        database.close()
    partial.rename(db_path)
    return db_path


def measure_diff(workdir: Path, seed: int = 7, runs: int = 5) -> list[Any]:
    """The benchmark rows, as ``bench.Row``-shaped tuples (measure, value, unit, target)."""
    from spanscope.core.span_diff import diff_spans
    from spanscope.store import Database, diff_reads
    from spanscope.ui.trace_diff_window import DiffProgress, compute_trace_diff

    db_path = build(workdir, seed)
    database = Database.open(db_path, read_only=True)
    rows = []
    try:
        cur = database.reader()
        for size in SIZES:
            trace_a, trace_b = (("a" * 8 + f"{size:08d}") * 2, ("b" * 8 + f"{size:08d}") * 2)
            times, pairs = [], 0
            for _ in range(runs):
                started = time.perf_counter()
                diff = compute_trace_diff(cur, trace_a, trace_b, DiffProgress())
                first = diff.first_divergence
                if first is not None:
                    a, b = diff_reads.pair_detail(cur, trace_a, first.a, trace_b, first.b)
                    diff_spans(a or {}, b or {})
                times.append((time.perf_counter() - started) * 1000)
                pairs = len(diff.statuses)
            rows.append(
                (
                    f"(k) open the diff of two {size:,}-span traces ({pairs:,} rows, "
                    f"median of {runs})",
                    statistics.median(times),
                    "ms",
                    TARGETS[size],
                )
            )
    finally:
        database.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=REPO / "bench" / "work")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    for measure, value, unit, target in measure_diff(args.workdir, args.seed, args.runs):
        print(f"{measure:<70} {value:>10.1f} {unit:<4} {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
