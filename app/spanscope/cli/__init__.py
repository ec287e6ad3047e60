"""Headless commands: import, ls, spans, show, stats, sql, and the commands of the modules in
:data:`COMMAND_MODULES`. The same core as the window.

``--json`` output is for scripts; its field names are a public contract.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

import pyarrow as pa
import pyarrow.csv as pa_csv

from spanscope import __version__, ingest, paths
from spanscope.cli import annotate as annotate_commands
from spanscope.cli import cases as case_commands
from spanscope.cli import compare as compare_commands
from spanscope.cli import costs as cost_commands
from spanscope.cli import diff as diff_commands
from spanscope.cli import evaluate as eval_commands
from spanscope.cli import groups as group_commands
from spanscope.cli import prompts as prompt_commands
from spanscope.cli import remote as remote_commands
from spanscope.cli import repair as repair_commands
from spanscope.cli import replay as replay_commands
from spanscope.cli.lists import duration as _ms
from spanscope.cli.lists import iso as _iso
from spanscope.cli.lists import write_page
from spanscope.cli.output import db_path, print_table
from spanscope.cli.terminal import raw_stream, visible, visible_output
from spanscope.core import free_space
from spanscope.core.filters import FilterError, compile_filter
from spanscope.core.redaction import export_redactor, mask_table
from spanscope.core.tree import build_tree
from spanscope.model import ImportResult, ImportStatus
from spanscope.store import Database, StoreError, queries
from spanscope.store.console import Console, ConsoleError, schema_docs
from spanscope.store.database import describe_failure
from spanscope.store.errors import DatabaseError
from spanscope.store.writer import Writer

# Modules adding commands: each has ``add_commands(command)``, which declares its parsers with
# the ``command(name, help)`` factory below, and ``HANDLERS`` (name -> ``handler(db, args,
# out)``) and ``WRITES`` (names of its commands that change the database).
COMMAND_MODULES: tuple[ModuleType, ...] = (
    annotate_commands,
    replay_commands,
    cost_commands,
    diff_commands,
    group_commands,
    compare_commands,
    prompt_commands,
    eval_commands,
    repair_commands,
    case_commands,
    remote_commands,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spanscope",
        description="Investigate LLM application incidents from exported traces, offline. "
        "Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"spanscope {__version__}")
    parser.add_argument(
        "--db", type=Path, help="database file (default: $SPANSCOPE_DB or the user data folder)"
    )
    parser.add_argument("--demo", action="store_true", help="open the window with the demo dataset")
    parser.add_argument("--read-only", action="store_true", help="open the database read-only")
    parser.add_argument(
        "--quit-after",
        type=float,
        metavar="SECONDS",
        help="close the window SECONDS after it opens (with --demo: after the demo import), "
        "as the user would; for checking an installation",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="database file")
        return p

    p = command("import", "import trace files and folders (format recognised from content)")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--json", action="store_true", help="one JSON object per file")
    p.add_argument(
        "--skip-bad-records",
        action="store_true",
        help="skip lines of JSON Lines files that are not JSON (listed as warnings) "
        "instead of failing the file",
    )
    for name, what in (("ls", "traces, newest first"), ("spans", "spans, newest first")):
        p = command(name, f"list {what}, optionally filtered (e.g. 'kind:llm status:error')")
        p.add_argument("filter", nargs="*", help="filter terms")
        p.add_argument("--sort", default="start", help="start, duration, cost, tokens, errors")
        p.add_argument("--asc", action="store_true", help="ascending order")
        p.add_argument("-n", "--limit", type=int, default=50, help="rows to print (default 50)")
        p.add_argument("--json", action="store_true", help="JSON Lines")
    p = command("show", "print one trace's span tree")
    p.add_argument("trace_id")
    p.add_argument("--json", action="store_true", help="the spans as JSON Lines")
    p = command("stats", "what the database holds")
    p.add_argument("--json", action="store_true")
    p = command("sql", "run read-only SQL over the documented tables (see 'sql --schema')")
    p.add_argument(
        "query", nargs="?", help="SQL, e.g. 'SELECT kind, count(*) FROM spans GROUP BY 1'"
    )
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="JSON Lines, every row")
    shape.add_argument("--csv", action="store_true", help="CSV with a header, every row")
    p.add_argument("-n", "--limit", type=int, default=100, help="rows to print as a table")
    p.add_argument(
        "--no-redact", action="store_true", help="keep keys and tokens (masked by default)"
    )
    p.add_argument("--schema", action="store_true", help="list the tables and columns")
    for module in COMMAND_MODULES:
        module.add_commands(command)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run a command; returns the exit code (1 when any imported file failed)."""
    out = out or sys.stdout
    return run_command(build_parser().parse_args(protect_negations(argv)), out)


_NEGATED_TERM = re.compile(r'^-(?:[A-Za-z_][\w.]*(?::|>=|<=|>|<|=)|")')


def protect_negations(argv: Sequence[str] | None) -> list[str]:
    """Let ``spanscope ls -status:error`` mean a negated filter term, not an unknown option:
    argparse takes anything starting with '-' for an option, so such terms get a leading
    space (stripped again when the filter is read)."""
    args = list(sys.argv[1:] if argv is None else argv)
    return [f" {a}" if _NEGATED_TERM.match(a) else a for a in args]


def run_command(args: argparse.Namespace, out: TextIO) -> int:
    """Run the parsed command (the window is opened by ``__main__`` when there is none).

    Every line it prints, on ``out`` and on stderr, shows control characters as escapes
    (trace text may hold terminal commands): see cli/terminal.py."""
    with contextlib.redirect_stderr(visible_output(sys.stderr)):
        return _run_command(args, visible_output(out))


def _run_command(args: argparse.Namespace, out: TextIO) -> int:
    if args.command is None:
        build_parser().print_help(out)
        return 2
    if args.command == "sql":
        return _sql(args, out)
    handlers: dict[str, Any] = {
        "import": _import,
        "ls": _ls,
        "spans": _ls,
        "show": _show,
        "stats": _stats,
    }
    writes = {"import"}
    for module in COMMAND_MODULES:
        handlers.update(module.HANDLERS)
        writes.update(module.WRITES)
        # Commands that only touch settings (``NO_DATABASE``) run without opening a file.
        if args.command in getattr(module, "NO_DATABASE", ()):
            return int(module.HANDLERS[args.command](None, args, out))
    try:
        db = Database.open(db_path(args), read_only=args.command not in writes)
    except StoreError as exc:
        print(f"spanscope: {exc}", file=sys.stderr)
        return 2
    try:
        return int(handlers[args.command](db, args, out))
    except FilterError as exc:
        print(f"spanscope: bad filter: {exc}", file=sys.stderr)
        return 2
    except DatabaseError as exc:  # a damaged file, a full disk: said, never a traceback
        print(f"spanscope: {describe_failure(db.path, exc)}", file=sys.stderr)
        return 1
    finally:
        db.close()


def _sql(args: argparse.Namespace, out: TextIO) -> int:
    """Read-only SQL: the file opened read-only with file access and settings locked, or a
    copy of it when the window holds it."""
    if args.schema:
        docs = [(d.table, d.column, d.type, d.meaning) for d in schema_docs()]
        print_table(["table", "column", "type", "meaning"], docs, out)
        return 0
    if not args.query:
        print("spanscope: sql needs a query (or --schema)", file=sys.stderr)
        return 2
    try:
        try:
            console = Console.open(db_path(args))
        except StoreError as exc:
            if "lock" not in str(exc).lower():
                raise
            console = Console.open(db_path(args), copy_into=paths.snapshot_dir())
    except StoreError as exc:
        print(f"spanscope: {exc}", file=sys.stderr)
        return 2
    # Results leave the database like any export: keys and tokens masked unless asked not to.
    redactor = export_redactor(not args.no_redact)
    try:
        if args.json or args.csv:
            pages = console.start(args.query)
            try:
                writer = None
                while not pages.exhausted:
                    page = pages.next_page(10_000)
                    if redactor is not None:
                        page = mask_table(redactor, page)
                    if args.json:
                        for row in page.to_pylist():
                            out.write(json.dumps(row, default=str) + "\n")
                    else:
                        sink = io.BytesIO()
                        options = pa_csv.WriteOptions(include_header=writer is None)
                        pa_csv.write_csv(_flat(page), sink, options)
                        writer = True
                        out.write(sink.getvalue().decode("utf-8"))
            finally:
                pages.close()
            return 0
        rows, more = console.query(args.query, limit=args.limit)
        if redactor is not None:
            rows = mask_table(redactor, rows)
        records = rows.to_pylist()
        cells = [tuple("" if v is None else str(v) for v in r.values()) for r in records]
        print_table(rows.column_names, cells, out)
        note = f" (more than {args.limit}; use --csv or --json for all)" if more else ""
        print(f"{len(records)} rows{note}", file=out)
        return 0
    except ConsoleError as exc:
        print(f"spanscope: {exc}", file=sys.stderr)
        return 1
    finally:
        console.close()


def _flat(page: pa.Table) -> pa.Table:
    """CSV has no lists or structs: such a column is written as JSON text per cell."""
    columns = []
    for column in page.columns:
        if pa.types.is_nested(column.type):
            cells = [None if v is None else json.dumps(v, default=str) for v in column.to_pylist()]
            column = pa.chunked_array([pa.array(cells, pa.string())])
        columns.append(column)
    return pa.Table.from_arrays(columns, names=page.column_names)


def _import(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    bar = _ProgressBar(raw_stream(sys.stderr)) if sys.stderr.isatty() and not args.json else None
    # without a terminal (a log, a pipe, CI) long imports say how far they are in plain lines
    lines = _ProgressLines(sys.stderr, len(ingest.expand(args.paths))) if bar is None else None
    cancel = threading.Event()
    results: list[ImportResult] = []
    writer = Writer(db, paths.temp_dir())
    low_space = free_space.shortfall(db.path.parent, free_space.sizes(ingest.expand(args.paths)))
    if low_space:  # said before the import starts; it goes ahead (see core/free_space.py)
        print(f"spanscope: warning: {low_space}", file=sys.stderr)
    try:
        for result in ingest.import_paths(
            db,
            args.paths,
            progress=bar.update if bar else None,
            cancel=cancel,
            writer=writer,
            skip_bad_records=args.skip_bad_records,
        ):
            results.append(result)
            if lines is not None:
                lines.update(results)
            if args.json:
                out.write(json.dumps(result.as_json()) + "\n")
                out.flush()
    except KeyboardInterrupt:
        cancel.set()
        print("\ncancelled", file=sys.stderr)
        return 130
    finally:
        if bar:
            bar.close()
    if not args.json:
        _print_import_table(results, out)
    return 1 if any(r.status is ImportStatus.FAILED for r in results) else 0


def _print_import_table(results: list[ImportResult], out: TextIO) -> None:
    rows = [
        (r.path, r.format or "-", str(r.status), str(r.spans), str(r.traces), f"{r.seconds:.1f}s")
        for r in results
    ]
    print_table(["file", "format", "status", "spans", "traces", "time"], rows, out)
    for r in results:
        for warning in r.warnings:
            out.write(f"warning: {Path(r.path).name}: {warning}\n")
        if r.error:
            out.write(f"error: {r.error}\n")
    total = sum(r.spans for r in results if r.status is ImportStatus.IMPORTED)
    failed = sum(r.status is ImportStatus.FAILED for r in results)
    out.write(f"{len(results)} files, {total} spans imported, {failed} failed\n")


def _ls(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    table = "traces" if args.command == "ls" else "spans"
    where = compile_filter(" ".join(term.strip() for term in args.filter), table)
    pager = queries.trace_page if table == "traces" else queries.span_page
    page = pager(
        db.reader(), sort=args.sort, descending=not args.asc, limit=args.limit, where=where
    )
    write_page(page, table, args.json, out)
    return 0


def _show(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    cur = db.reader()
    spans = queries.trace_spans(cur, args.trace_id).to_pylist()
    if not spans:
        print(f"spanscope: no trace {args.trace_id}", file=sys.stderr)
        return 1
    if args.json:
        for span in spans:
            out.write(json.dumps({**span, "start": _iso(span["start_ns"])}, default=str) + "\n")
        return 0
    tree = build_tree(spans)
    for node in tree.walk():
        span = node.span
        tokens = (
            f"  tokens {span['input_tokens'] or 0}/{span['output_tokens'] or 0}"
            if span["input_tokens"] or span["output_tokens"]
            else ""
        )
        model = f"  {span['model']}" if span["model"] else ""
        status = "  ERROR " + (span["status_message"] or "") if span["status"] == "error" else ""
        note = "  (orphan)" if node.orphan else "  (cycle broken here)" if node.cycle else ""
        out.write(
            f"{'  ' * node.depth}{span['name']}  [{span['kind']}]{model}  "
            f"{_ms(span['duration_ns'])}{tokens}{status}{note}\n"
        )
    return 0


def _stats(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    stats = queries.stats(db.reader())
    if args.json:
        out.write(json.dumps(stats) + "\n")
        return 0
    out.write(f"database   {db.path}\n")
    out.write(
        f"files      {stats['sources']}\ntraces     {stats['traces']}\nspans      {stats['spans']}\n"
    )
    out.write(f"errors     {stats['error_spans']} spans\n")
    out.write(
        f"tokens     {stats['input_tokens']} in / {stats['output_tokens']} out (model calls)\n"
    )
    out.write("kinds      " + ", ".join(f"{k} {v}" for k, v in stats["by_kind"].items()) + "\n")
    out.write("models     " + (", ".join(stats["models"]) or "-") + "\n")
    return 0


class _ProgressLines:
    """Progress of a long import as plain lines (when stderr is no terminal): one every
    :attr:`EVERY` seconds at most, none for an import shorter than that."""

    EVERY = 10.0

    def __init__(self, stream: TextIO, total: int) -> None:
        self.stream, self.total = stream, total
        self.started = self.last = time.monotonic()

    def update(self, results: list[ImportResult]) -> None:
        now = time.monotonic()
        if now - self.last < self.EVERY:
            return
        self.last = now
        spans = sum(r.spans for r in results if r.status is ImportStatus.IMPORTED)
        failed = sum(r.status is ImportStatus.FAILED for r in results)
        self.stream.write(
            f"spanscope: {len(results):,} of {self.total:,} files, {spans:,} spans imported, "
            f"{failed:,} failed ({now - self.started:.0f} s)\n"
        )
        self.stream.flush()


class _ProgressBar:
    """A one-line progress bar on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream, self.last = stream, ""

    def update(self, progress: ingest.Progress) -> None:
        width = 30
        filled = int(width * min(max(progress.overall, 0.0), 1.0))
        line = (
            f"\r[{'#' * filled}{'.' * (width - filled)}] {progress.index + 1}/{progress.count} "
            f"{visible(progress.path.name[:40])} {progress.stage}"
        )
        if line != self.last:
            self.stream.write(line.ljust(90))
            self.stream.flush()
            self.last = line

    def close(self) -> None:
        if self.last:
            self.stream.write("\r" + " " * 90 + "\r")
            self.stream.flush()
