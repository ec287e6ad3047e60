"""``spanscope source``, ``spanscope remote`` and ``spanscope pull``: a team's ClickHouse trace
store, read where it lives, and its traces copied into the local database.

    spanscope source add prod 'clickhouse://reader@ch.internal:8123/otel?table=otel_traces'
    spanscope remote prod ls model:gpt-4o* status:error
    spanscope remote prod costs --by day
    spanscope remote prod groups 'service:checkout'
    spanscope pull prod 'status:error after:2h' --limit 50

The network is used only by ``remote`` and ``pull``, when they run. Passwords come from the
environment variable the source names (default ``SPANSCOPE_CLICKHOUSE_PASSWORD``) or the
system keyring; ``source add`` refuses a URL holding one.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TextIO

from spanscope import ingest
from spanscope.cli.groups import write_group
from spanscope.cli.lists import write_page
from spanscope.cli.output import print_table
from spanscope.core.filter_clickhouse import CLICKHOUSE
from spanscope.core.filter_value import make_filter
from spanscope.core.filters import FilterError
from spanscope.core.redaction import export_redactor
from spanscope.core.remote_sources import (
    DEFAULT_PASSWORD_ENV,
    RemoteSource,
    check,
    connect,
    fetch_pulled,
    find_source,
    load_sources,
    save_sources,
)
from spanscope.model import ImportResult, ImportStatus
from spanscope.store import Database
from spanscope.store.clickhouse.executor import RemoteError
from spanscope.store.clickhouse.source import COST_DIMENSIONS
from spanscope.store.facets import FACETS, spans_of_traces

WRITES = {"pull"}
NO_DATABASE = {"source", "remote"}  # settings and the remote store only


def add_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = command("source", "trace stores to read where they live (ClickHouse): add, list, remove")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a ClickHouse source by name")
    add.add_argument("name")
    add.add_argument("url", help="clickhouse://USER@HOST:PORT/DATABASE?table=otel_traces")
    add.add_argument(
        "--password-env",
        default=DEFAULT_PASSWORD_ENV,
        help=f"environment variable holding the password (default {DEFAULT_PASSWORD_ENV}; "
        "else the system keyring under the source's name)",
    )
    actions.add_parser("list", help="the sources added")
    remove = actions.add_parser("remove", help="forget a source")
    remove.add_argument("name")

    p = command(
        "remote", "list, count, cost and group the failures of a source's traces where they live"
    )
    p.add_argument("source", help="a name from 'spanscope source list'")
    p.add_argument("what", choices=("ls", "spans", "facets", "costs", "groups"))
    p.add_argument("filter", nargs="*", help="filter terms, as for ls")
    p.add_argument("--sort", default="start", help="start, duration, cost, tokens, errors")
    p.add_argument("--asc", action="store_true", help="ascending order")
    p.add_argument("-n", "--limit", type=int, default=50, help="rows to print (default 50)")
    p.add_argument("--by", choices=sorted(COST_DIMENSIONS), default="model", help="costs by")
    p.add_argument("--json", action="store_true", help="JSON Lines")
    p.add_argument(
        "--no-redact", action="store_true", help="keep keys and tokens (masked by default)"
    )

    p = command("pull", "copy a source's traces matching a filter into the local database")
    p.add_argument("source", help="a name from 'spanscope source list'")
    p.add_argument("filter", nargs="*", help="filter terms: the newest matching traces come")
    p.add_argument("--limit", type=int, default=100, help="at most this many traces (100)")
    p.add_argument("--json", action="store_true", help="the import result as JSON")


def _source(args: argparse.Namespace, out: TextIO) -> int:
    sources = load_sources()
    if args.action == "list":
        rows = [(s.name, s.url, s.password_env) for s in sources]
        print_table(["name", "url", "password from"], rows, out)
        return 0
    if args.action == "remove":
        kept = [s for s in sources if s.name != args.name]
        if len(kept) == len(sources):
            print(f"spanscope: no source named {args.name!r}", file=sys.stderr)
            return 1
        save_sources(kept)
        return 0
    added = check(RemoteSource(args.name, args.url, args.password_env))
    save_sources([s for s in sources if s.name != added.name] + [added])
    out.write(f"added {added.name}; the password comes from {added.password_env} or the keyring\n")
    return 0


def _remote(args: argparse.Namespace, out: TextIO) -> int:
    text = " ".join(term.strip() for term in args.filter)
    traces, spans = make_filter(text).compiled_for(CLICKHOUSE)
    store = connect(find_source(args.source))
    try:
        if args.what in ("ls", "spans"):
            how: dict[str, Any] = {
                "sort": args.sort,
                "descending": not args.asc,
                "limit": args.limit,
            }
            page = (
                store.trace_page(traces, **how)
                if args.what == "ls"
                else store.span_page(spans, **how)
            )
            write_page(page, "traces" if args.what == "ls" else "spans", args.json, out)
        elif args.what == "facets":
            for facet in FACETS:
                where = traces if facet.table == "traces" else spans
                counts = store.facet_counts(facet.field, where)
                _say(
                    args,
                    out,
                    {"facet": facet.field, "values": dict(counts.values), "more": counts.more},
                )
        elif args.what == "groups":
            redactor = export_redactor(not args.no_redact)
            for group in store.failure_groups(spans, limit=args.limit):
                if redactor is not None:  # a signature quotes an error message
                    group = replace(group, signature=redactor.text(group.signature))
                if args.json:
                    out.write(json.dumps(group.to_json(), ensure_ascii=False) + "\n")
                else:
                    write_group(group, out)
        else:
            for row in store.cost_breakdown(args.by, spans_of_traces(traces) if text else spans):
                _say(
                    args,
                    out,
                    {args.by: row.key, **{k: v for k, v in vars(row).items() if k != "key"}},
                )
    finally:
        store.close()
    return 0


def _say(args: argparse.Namespace, out: TextIO, record: dict[str, Any]) -> None:
    if args.json:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        out.write("  ".join(f"{k} {v}" for k, v in record.items()) + "\n")


def pull(db: Database, source: RemoteSource, text: str, limit: int) -> ImportResult | None:
    """Copy the ``limit`` newest traces of ``source`` matching ``text`` into ``db`` through
    the normal import path; None when none match. Pulling the same traces twice imports
    nothing the second time."""
    files = fetch_pulled(source, text, limit)
    return next(iter(ingest.import_paths(db, files))) if files else None


def _pull(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    text = " ".join(term.strip() for term in args.filter)
    result = pull(db, find_source(args.source), text, args.limit)
    if result is None:
        out.write("no traces match" + (f" {text}" if text else "") + "\n")
        return 0
    if args.json:
        out.write(json.dumps(result.as_json()) + "\n")
    else:
        warnings = "".join(f"\n  warning: {w}" for w in result.warnings)
        problem = f": {result.error}" if result.error else ""
        out.write(
            f"{result.status}: {result.spans} spans in {result.traces} traces "
            f"from {args.source}{problem}{warnings}\n"
        )
    return 1 if result.status is ImportStatus.FAILED else 0


def _said(handler: Callable[..., int]) -> Callable[..., int]:
    """A source that cannot answer, or a filter it cannot run, is a sentence on stderr."""

    def run(*args: Any) -> int:
        try:
            return handler(*args)
        except RemoteError as exc:
            print(f"spanscope: {exc}", file=sys.stderr)
            return 1
        except FilterError as exc:
            print(f"spanscope: bad filter: {exc}", file=sys.stderr)
            return 2

    return run


HANDLERS: dict[str, Callable[..., int]] = {
    "source": _said(lambda _db, args, out: _source(args, out)),
    "remote": _said(lambda _db, args, out: _remote(args, out)),
    "pull": _said(_pull),
}
