"""``spanscope groups``: the failures of a filter grouped by cause, largest first.

``--json`` prints JSON Lines, one group per line: ``group_id``, ``kind``, ``signature``,
``count``, ``traces``, ``users``, ``sessions``, ``first_seen``, ``last_seen``,
``example_trace_id``, ``example_span_id``, ``models``, ``services``, ``cost``, ``sparkline``.
That shape is a public contract. ``group:ID`` in any filter lists a group's spans.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import replace
from typing import TextIO

from spanscope.core.filters import compile_filter
from spanscope.core.redaction import export_redactor
from spanscope.store import Database
from spanscope.store.failure_groups import FailureGroup, failure_groups

WRITES: set[str] = set()
_SPARK = " ▁▂▃▄▅▆▇█"


def add_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = command("groups", "failures grouped by cause: errors, failed tools, empty retrievals, …")
    p.add_argument("filter", nargs="*", help="filter terms (the spans whose failures count)")
    p.add_argument("--filter", dest="filter_option", default="", help="the same, as one string")
    p.add_argument("--sort", choices=("count", "newest"), default="count")
    p.add_argument("--limit", type=int, default=None, help="at most this many groups")
    p.add_argument("--json", action="store_true", help="one JSON object per group")
    p.add_argument(
        "--no-redact", action="store_true", help="keep keys and tokens (masked by default)"
    )


def _groups(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    text = " ".join([args.filter_option, *args.filter]).strip()
    where = compile_filter(text, "spans")
    cur = db.reader()
    try:
        groups = failure_groups(cur, where, order=args.sort, limit=args.limit)
    finally:
        cur.close()
    redactor = export_redactor(not args.no_redact)
    if redactor is not None:  # a signature quotes an error message, which can quote a key
        groups = [replace(g, signature=redactor.text(g.signature)) for g in groups]
    if args.json:
        for group in groups:
            out.write(json.dumps(group.to_json(), ensure_ascii=False) + "\n")
        return 0
    if not groups:
        print("no failures" + (f" among spans matching {text}" if text else ""), file=out)
        return 0
    for group in groups:
        write_group(group, out)
    return 0


def write_group(group: FailureGroup, out: TextIO) -> None:
    peak = max(group.sparkline) or 1
    spark = "".join(_SPARK[0 if n == 0 else 1 + (n * 7) // peak] for n in group.sparkline)
    seen = group.to_json()
    traces = "trace" if group.traces == 1 else "traces"
    print(
        f"{group.group_id}  {group.kind:<15} {group.count:>7} × in {group.traces} {traces}  "
        f"{spark}  {group.signature}",
        file=out,
    )
    print(
        f"            first {seen['first_seen']}  last {seen['last_seen']}  "
        f"example {group.example_trace_id}/{group.example_span_id}",
        file=out,
    )


HANDLERS: dict[str, Callable[[Database, argparse.Namespace, TextIO], int]] = {"groups": _groups}
