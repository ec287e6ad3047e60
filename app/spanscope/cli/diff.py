"""``spanscope diff TRACE_A TRACE_B``: the two traces' span trees aligned, with markers, and
the first divergence. ``--json`` prints one object (a public contract):
``{"first_divergence": {"a", "b", "reason"} | null, "pairs": [{"a", "b", "status",
"changes"}]}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

from spanscope.core.trace_diff import TraceDiff, diff_traces
from spanscope.store import Database, diff_reads

MARKERS = {"same": "=", "changed": "~", "added": "+", "removed": "-"}


def add_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = command("diff", "compare two traces: aligned span trees and where they first diverge")
    p.add_argument("trace_a", help="the first trace (e.g. the run that worked)")
    p.add_argument("trace_b", help="the second trace")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.add_argument("--all", action="store_true", help="list identical spans too")


def _diff(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    cur = db.reader()
    try:
        for trace in (args.trace_a, args.trace_b):
            if not diff_reads.trace_exists(cur, trace):
                print(f"spanscope: no trace {trace} in {db.path}", file=sys.stderr)
                return 2
        diff = diff_traces(
            args.trace_a,
            args.trace_b,
            diff_reads.diff_rows(cur, args.trace_a),
            diff_reads.diff_rows(cur, args.trace_b),
        )
    finally:
        cur.close()
    if args.json:
        out.write(json.dumps(diff.to_json(), ensure_ascii=False) + "\n")
        return 0
    write_text(diff, out, show_same=args.all)
    return 0


def write_text(diff: TraceDiff, out: TextIO, show_same: bool = False) -> None:
    """The merged tree with a marker per row (= same, ~ changed, + only in B, - only in A),
    then the totals and the first divergence."""
    first = diff.first_divergence
    print(f"A {diff.trace_a}\nB {diff.trace_b}\n", file=out)
    rows = diff.alignment.rows
    hidden = 0
    for row, entry in enumerate(rows):
        status = diff.statuses[row]
        is_first = first is not None and first.row == row
        if (
            not show_same
            and not status.differs
            and not is_first
            and not _above_difference(diff, row)
        ):
            hidden += 1
            continue
        span = diff.span(row)
        a, b = diff.span_ids(row)
        name = _one_line(span.get("name")) or "(unnamed span)"
        what = [str(span.get("kind") or "")]
        if status.changes:
            what.append(", ".join(c.replace("_", " ") for c in status.changes))
        if status.moved:
            what.append("moved")
        ids = f"{a or '-'} -> {b or '-'}"
        flag = "  <== first divergence" if is_first else ""
        indent = "  " * entry.depth
        print(
            f"{MARKERS[status.status]} {indent}{name}  [{'; '.join(what)}]  {ids}{flag}", file=out
        )
    counts = diff.counts()
    print(
        f"\n{counts['changed']} changed, {counts['added']} only in B, {counts['removed']} only in "
        f"A, {counts['same']} identical"
        + (f" ({hidden} identical not listed; --all)" if hidden else ""),
        file=out,
    )
    for metric in diff.totals:
        print(
            f"  {metric.label}: {_metric(metric.name, metric.a)} -> {_metric(metric.name, metric.b)}"
            + (f"  (x{metric.ratio:.2f})" if metric.ratio is not None and metric.delta else ""),
            file=out,
        )
    if first is None:
        print("\nFirst divergence: none", file=out)
    else:
        print(
            f"\nFirst divergence: {first.reason}  (A {first.a or '-'}, B {first.b or '-'})",
            file=out,
        )


def _above_difference(diff: TraceDiff, row: int) -> bool:
    """Whether a row encloses one that differs (kept so the tree still reads as a tree)."""
    rows = diff.alignment.rows
    stack = list(rows[row].children)
    while stack:
        child = stack.pop()
        if diff.statuses[child].differs:
            return True
        stack.extend(rows[child].children)
    return False


def _one_line(text: Any) -> str:
    return " ".join(str(text or "").split())[:100]


def _metric(name: str, value: float | None) -> str:
    if value is None:
        return "-"
    if name == "duration_ns":
        return f"{value / 1e6:,.0f} ms" if value < 1e9 else f"{value / 1e9:,.2f} s"
    if name == "cost":
        return f"${value:.5f}"
    return f"{value:,.0f}"


HANDLERS = {"diff": _diff}
WRITES: set[str] = set()
