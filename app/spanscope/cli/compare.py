"""``spanscope compare``: what changed between two cohorts of traces (drift).

``--json`` prints JSON Lines, one metric per line: ``metric``, ``a``, ``b``, ``delta``,
``ratio``, ``p_value`` (adjusted for the number of metrics), ``significant``, ``effect``,
``test``; then one line per failure group new or grown in B, with ``metric`` ``group:ID``.
That shape is a public contract.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TextIO

from spanscope.core.cohort_compare import Comparison, MetricDiff, compare
from spanscope.core.filters import compile_filter
from spanscope.store import Database
from spanscope.store.cohorts import read_cohorts

WRITES: set[str] = set()


def add_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = command("compare", "what changed between two cohorts of traces (two filters, or a split)")
    p.add_argument("--a", default="", help="filter of cohort A (e.g. the good period)")
    p.add_argument("--b", default="", help="filter of cohort B (e.g. the bad period)")
    p.add_argument("--filter", default="", help="a filter both cohorts share")
    p.add_argument(
        "--split-at",
        metavar="TIME",
        help="A is before TIME, B from TIME on (e.g. 2026-11-28T14:00 or 2h)",
    )
    p.add_argument("--all", action="store_true", help="list metrics that did not change too")
    p.add_argument("--json", action="store_true", help="one JSON object per metric")


def cohort_filters(args: argparse.Namespace) -> tuple[str, str]:
    """The filter text of A and of B."""
    a, b = [" ".join(t for t in (args.filter, side) if t) for side in (args.a, args.b)]
    if args.split_at:
        a = f"{a} before:{args.split_at}".strip()
        b = f"{b} after:{args.split_at}".strip()
    return a, b


def _compare(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    text_a, text_b = cohort_filters(args)
    if text_a == text_b:
        print(
            "spanscope: the two cohorts are the same (give --a and --b, or --split-at)",
            file=sys.stderr,
        )
        return 2
    where_a, where_b = compile_filter(text_a, "traces"), compile_filter(text_b, "traces")
    cur = db.reader()
    try:
        result = compare(*read_cohorts(cur, where_a, where_b))
    finally:
        cur.close()
    if args.json:
        for diff in result.metrics:
            out.write(json.dumps(diff.to_json()) + "\n")
        for change in result.groups:
            record = {
                "metric": f"group:{change.group.group_id}",
                "a": change.traces_a,
                "b": change.traces_b,
                "delta": change.traces_b - change.traces_a,
                "ratio": change.traces_b / change.traces_a if change.traces_a else None,
                "p_value": change.p_value,
                "significant": change.new or change.p_value < 0.05,
                "new": change.new,
                "kind": change.group.kind,
                "signature": change.group.signature,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return 0
    write_text(result, text_a, text_b, out, show_all=args.all)
    return 0


def write_text(
    result: Comparison, text_a: str, text_b: str, out: TextIO, show_all: bool = False
) -> None:
    """The ranked differences, then the failure groups new or grown in B."""
    print(f"A  {text_a or '(all traces)'}: {result.traces_a} traces", file=out)
    print(f"B  {text_b or '(all traces)'}: {result.traces_b} traces\n", file=out)
    shown = [d for d in result.metrics if show_all or d.significant]
    if not shown:
        print("no significant difference", file=out)
    else:
        print(f"{'metric':<32} {'A':>12} {'B':>12} {'change':>9} {'p':>8}", file=out)
        for diff in shown:
            print(_row(diff), file=out)
    if result.groups:
        print("\nfailures new or grown in B", file=out)
        for change in result.groups:
            what = "new" if change.new else f"{change.traces_a} → {change.traces_b} traces"
            print(
                f"  {change.group.group_id}  {change.group.kind:<15} {what:<18} "
                f"{change.group.signature}",
                file=out,
            )


def _row(diff: MetricDiff) -> str:
    ratio = diff.ratio
    change = f"×{ratio:.2f}" if ratio is not None else ("new" if diff.a is None else "")
    mark = "*" if diff.significant else " "
    return (
        f"{mark}{diff.metric:<31} {_number(diff.a):>12} {_number(diff.b):>12} "
        f"{change:>9} {diff.p_value:>8.2g}"
    )


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if value != 0 and abs(value) < 0.01:
        return f"{value:.2e}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


HANDLERS: dict[str, Callable[[Database, argparse.Namespace, TextIO], int]] = {"compare": _compare}
