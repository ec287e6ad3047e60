"""``spanscope costs``, ``spanscope price`` and ``spanscope price-override``.

``costs --json`` prints JSON Lines, one group per line: the group keys, ``calls``,
``input_tokens``, ``output_tokens``, ``cache_read_tokens``, ``reasoning_tokens``,
``cost_usd``, ``unpriced_calls`` (input includes cached input, as in ``stats --json``). That
shape is a public contract.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from spanscope.cli.output import db_path, print_table
from spanscope.core import pricing
from spanscope.core.cost_analysis import runaways, scope
from spanscope.store import Database, StoreError
from spanscope.store import costs as store_costs
from spanscope.store.cost_reports import DIMENSIONS, breakdown, cache_efficiency, totals
from spanscope.store.write_queue import queue_of

JSON_FIELDS = (
    "calls",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "reasoning_tokens",
    "cost_usd",
    "unpriced_calls",
)
WRITES = {"price-override"}
NO_DATABASE = {"price"}  # opens the database itself, read-only and only when it exists


def add_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = command("costs", "cost of the model calls, grouped (e.g. --by model,day)")
    p.add_argument(
        "--by", default="model", help=f"comma-separated dimensions: {', '.join(DIMENSIONS)}"
    )
    p.add_argument("--filter", default="", help="filter of the calls, as in the query bar")
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="JSON Lines, one group per line")
    shape.add_argument("--csv", action="store_true", help="CSV with a header, every column")
    p.add_argument("--runaways", action="store_true", help="list runaway traces instead")
    p.add_argument("--cache", action="store_true", help="cache efficiency by model instead")
    p = command("price", "what a model costs per million tokens (bundled data and overrides)")
    p.add_argument("model")
    p.add_argument("--provider", help="provider, e.g. openai, anthropic, gcp.gemini")
    p.add_argument("--at", help="date or time to price at (default: now)")
    p.add_argument("--json", action="store_true")
    p = command("price-override", "list, add or remove your own prices (stored in the database)")
    p.add_argument("action", choices=("list", "add", "remove"))
    p.add_argument("model_pattern", nargs="?", help="glob over model names (add), or id (remove)")
    p.add_argument("--provider", help="only for this provider")
    for name in ("input", "output", "cache-read", "cache-write"):
        p.add_argument(f"--{name}", type=float, help=f"USD per million {name} tokens")
    p.add_argument("--from", dest="valid_from", help="first date or time it applies")
    p.add_argument("--to", dest="valid_to", help="first date or time it no longer applies")
    p.add_argument("--json", action="store_true")


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise SystemExit(f"spanscope: not a date or time: {text!r} (use 2026-03-01)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _costs(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    cur = db.reader()
    where = scope(args.filter.strip())
    if store_costs.pending(cur):
        print(
            "spanscope: this database comes from an older version and its calls are not "
            "priced yet; open it in the app or import into it once",
            file=sys.stderr,
        )
    if args.runaways:
        return _runaways(cur, args, out)
    if args.cache:
        rows = cache_efficiency(cur, where.spans).to_pylist()
        return _write(rows, list(rows[0]) if rows else ["model"], args, out)
    by = [b.strip() for b in args.by.split(",") if b.strip()]
    try:
        table = breakdown(cur, by, where.spans)
    except ValueError as exc:
        print(f"spanscope: {exc}", file=sys.stderr)
        return 2
    rows = table.to_pylist()
    if args.json:
        for row in rows:
            record = {k: row[k] for k in by}
            record.update({k: row[k] for k in JSON_FIELDS})
            out.write(json.dumps(record) + "\n")
        return 0
    if args.csv:
        return _write(rows, table.column_names, args, out)
    total = totals(cur, where.spans)
    header = [*by, "calls", "in", "out", "cached", "reasoning", "cost", "share", "p95/call"]
    lines = [
        (
            *(_text(row[k]) for k in by),
            str(row["calls"]),
            str(row["input_tokens"]),
            str(row["output_tokens"]),
            str(row["cache_read_tokens"]),
            str(row["reasoning_tokens"]),
            _usd(row["cost_usd"])
            + (f" ({row['unpriced_calls']} unpriced)" if row["unpriced_calls"] else ""),
            "-" if row["share"] is None else f"{100 * row['share']:.1f}%",
            _usd(row["p95_call_usd"]),
        )
        for row in rows
    ]
    print_table(header, lines, out)
    out.write(
        f"total {_usd(total['cost_usd'])} over {total['calls']} calls in {total['traces']} "
        f"traces; {total['unpriced_calls']} unpriced, {total['mismatched_calls']} where the "
        "recorded cost disagrees\n"
    )
    return 0


def _runaways(cur: Any, args: argparse.Namespace, out: TextIO) -> int:
    found = runaways(cur, args.filter.strip())
    if args.json:
        for r in found:
            out.write(
                json.dumps(
                    {
                        "trace_id": r.trace_id,
                        "root_name": r.root_name,
                        "service": r.service,
                        "cost_usd": r.cost,
                        "llm_calls": r.llm_count,
                        "loop": r.loop,
                        "reasons": list(r.reasons),
                    }
                )
                + "\n"
            )
        return 0
    for r in found:
        out.write(f"{r.trace_id}  {r.root_name or '-'}  {_usd(r.cost)}\n")
        for reason in r.reasons:
            out.write(f"    {reason}\n")
    if not found:
        out.write("no runaway traces\n")
    return 0


def _write(
    rows: list[dict[str, Any]], columns: list[str], args: argparse.Namespace, out: TextIO
) -> int:
    if args.json:
        for row in rows:
            out.write(json.dumps(row, default=str) + "\n")
        return 0
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return 0


def _price(_: Database | None, args: argparse.Namespace, out: TextIO) -> int:
    overrides: list[store_costs.PriceOverride] = []
    path = Path(db_path(args))
    if path.exists():
        try:
            with Database.open(path, read_only=True) as db:
                overrides = store_costs.overrides(db.reader())
        except StoreError as exc:
            print(f"spanscope: overrides not read: {exc}", file=sys.stderr)
    moment = _when(args.at) or datetime.now(UTC)
    found = pricing.quote(args.provider, args.model, moment, overrides)
    if found is None:
        print(
            f"spanscope: no price known for {args.model}; add one with price-override add",
            file=sys.stderr,
        )
        return 1
    bands = [{"input_above": above, **vars(prices)} for above, prices in found.bands]
    if args.json:
        record = {
            "model": args.model,
            "provider": args.provider,
            "at": moment.isoformat(),
            "origin": found.origin,
            "matched": found.reference,
            "bands": bands,
        }
        out.write(json.dumps(record) + "\n")
        return 0
    out.write(
        f"{args.model}: {found.origin} price ({found.reference}) at {moment:%Y-%m-%d %H:%M} UTC, USD per million tokens\n"
    )
    for band in bands:
        if len(bands) > 1:
            out.write(
                f"  input above {band['input_above']:,} tokens:\n"
                if band["input_above"] >= 0
                else "  base:\n"
            )
        for name in ("input", "output", "cache_read", "cache_write", "reasoning"):
            value = band[name]
            out.write(
                f"    {name.replace('_', ' '):<12} {'-' if value is None else f'${value:g}'}\n"
            )
        if band["request"]:
            out.write(f"    per request  ${band['request']:g}\n")
    return 0


def _override(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    writes = queue_of(db)
    if args.action == "list":
        rows = [vars(o) for o in store_costs.overrides(db.reader())]
        if args.json:
            for row in rows:
                out.write(json.dumps(row, default=str) + "\n")
            return 0
        print_table(
            [
                "id",
                "model",
                "provider",
                "input",
                "output",
                "cache read",
                "cache write",
                "from",
                "to",
            ],
            [
                (
                    str(r["override_id"]),
                    r["model_pattern"],
                    r["provider"] or "any",
                    *(
                        _per(r[k])
                        for k in (
                            "input_per_mtok",
                            "output_per_mtok",
                            "cache_read_per_mtok",
                            "cache_write_per_mtok",
                        )
                    ),
                    _text(r["valid_from"]),
                    _text(r["valid_to"]),
                )
                for r in rows
            ],
            out,
        )
        return 0
    if not args.model_pattern:
        print("spanscope: give a model pattern (add) or an override id (remove)", file=sys.stderr)
        return 2
    if args.action == "remove":
        if not args.model_pattern.isdigit() or not writes.run(
            store_costs.remove_override, int(args.model_pattern)
        ):
            print(f"spanscope: no override {args.model_pattern}", file=sys.stderr)
            return 1
    else:
        try:
            new_id = writes.run(
                store_costs.add_override,
                args.model_pattern,
                provider=args.provider,
                input_per_mtok=args.input,
                output_per_mtok=args.output,
                cache_read_per_mtok=args.cache_read,
                cache_write_per_mtok=args.cache_write,
                valid_from=_when(args.valid_from),
                valid_to=_when(args.valid_to),
            )
        except ValueError as exc:
            print(f"spanscope: {exc}", file=sys.stderr)
            return 2
        out.write(f"override {new_id} added\n")
    priced = writes.run(store_costs.reprice, pricing.cost_rules())
    out.write(f"{priced} calls priced again\n")
    return 0


def _text(value: Any) -> str:
    return "(none)" if value is None else str(value)


def _usd(value: float | None) -> str:
    return "-" if value is None else f"${value:.4f}"


def _per(value: float | None) -> str:
    return "-" if value is None else f"${value:g}"


HANDLERS: dict[str, Callable[..., int]] = {
    "costs": _costs,
    "price": _price,
    "price-override": _override,
}
