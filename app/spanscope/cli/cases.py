"""``spanscope case ...``: incident cases: collect traces and spans, write the timeline of
findings, hand the case over as one file, open a teammate's, and write the report.

``case list --json`` prints one JSON object per case: ``name``, ``traces``, ``spans`` (spans
of its traces), ``notes``, ``annotations``, ``created_at``, ``author``, ``origin``. That shape
is a public contract.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from spanscope import paths
from spanscope.cli.annotate import default_author
from spanscope.core import case_report
from spanscope.core.case_export import collect, export_case, open_case, redact
from spanscope.core.case_file import CaseFileError
from spanscope.core.filters import compile_filter
from spanscope.core.redaction import SecretRedactor, all_rules, export_redactor, secret_rules
from spanscope.store import Database, queries
from spanscope.store.cases import (
    CaseError,
    CaseItem,
    CaseNote,
    add_items,
    add_note,
    add_ref,
    create_case,
    in_transaction,
    list_cases,
    require_case,
    resolve_ids,
)
from spanscope.store.writer import Writer

WRITES = {"case"}  # create, add, note and open write; the others only read
FILTER_LIMIT = 1000  # traces a --filter collects at most: a case is evidence, not a dataset


def add_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = command("case", "incident cases: collect evidence, export it as one file, write the report")
    sub = p.add_subparsers(dest="case_command", metavar="ACTION", required=True)
    c = sub.add_parser("create", help="start a case")
    c.add_argument("name")
    c.add_argument("--filter", default="", help="collect the traces this filter matches")
    c.add_argument("--summary", help="what happened, in a sentence or two")
    a = sub.add_parser("add", help="add traces or spans (by id) to a case")
    a.add_argument("name")
    a.add_argument("ids", nargs="+", metavar="ID", help="trace or span ids")
    n = sub.add_parser("note", help="add a finding to a case's timeline")
    n.add_argument("name")
    n.add_argument("text")
    n.add_argument("--span", action="append", default=[], help="a span the finding points at")
    d = sub.add_parser("diff", help="record a diff of two traces in a case (the report shows it)")
    d.add_argument("name")
    d.add_argument("trace_a")
    d.add_argument("trace_b")
    ls = sub.add_parser("list", help="the cases and what they hold")
    ls.add_argument("--json", action="store_true", help="one JSON object per case")
    e = sub.add_parser("export", help="write a case to a .spanscope-case file")
    e.add_argument("name")
    e.add_argument("-o", "--output", type=Path, required=True)
    e.add_argument("--redact", action="store_true", help="also mask email addresses")
    e.add_argument(
        "--no-redact", action="store_true", help="keep keys and tokens (masked by default)"
    )
    e.add_argument(
        "--preview", action="store_true", help="show what would be masked; write nothing"
    )
    o = sub.add_parser("open", help="import a case file into the database (--db)")
    o.add_argument("file", type=Path)
    r = sub.add_parser("report", help="write a case's report as Markdown (.md) or HTML (.html)")
    r.add_argument("name")
    r.add_argument("-o", "--output", type=Path, required=True)
    r.add_argument(
        "--no-redact", action="store_true", help="keep keys and tokens (masked by default)"
    )


def _case(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    try:
        return _ACTIONS[args.case_command](db, args, out)
    except (CaseError, CaseFileError) as exc:
        print(f"spanscope: {exc}", file=sys.stderr)
        return 1


def _create(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    con = db.writer
    items: list[CaseItem] = []
    if args.filter.strip():
        where = compile_filter(args.filter, "traces")
        page = queries.trace_page(db.reader(), limit=FILTER_LIMIT, where=where)
        items = [CaseItem(t, "", "filter") for t in page.rows.column("trace_id").to_pylist()]
        if page.more:
            print(
                f"spanscope: warning: only the newest {FILTER_LIMIT} traces collected",
                file=sys.stderr,
            )

    def work() -> int:
        case_id = create_case(
            con, args.name, author=default_author(), origin="cli", summary=args.summary
        )
        if args.filter.strip():
            add_ref(con, case_id, "filter", args.filter.strip())
        return add_items(con, case_id, items)

    added = in_transaction(con, work)
    out.write(f"case {args.name!r} created" + (f" with {added} traces" if items else "") + "\n")
    return 0


def _add(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    con = db.writer
    case_id = require_case(con, args.name)
    found, unknown = resolve_ids(con, args.ids)
    if unknown:
        print(f"spanscope: no trace or span with id {', '.join(unknown)}", file=sys.stderr)
        return 1
    items = [CaseItem(i.trace_id, i.span_id, "cli") for i in found]
    added = in_transaction(con, lambda: add_items(con, case_id, items))
    out.write(f"{added} added to {args.name!r} ({len(items) - added} already in it)\n")
    return 0


def _note(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    con = db.writer
    case_id = require_case(con, args.name)
    note = CaseNote(datetime.now(UTC), args.text, tuple(args.span), default_author())
    in_transaction(con, lambda: add_note(con, case_id, note))
    out.write(f"noted on {args.name!r}\n")
    return 0


def _diff(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    con = db.writer
    case_id = require_case(con, args.name)
    found, unknown = resolve_ids(con, [args.trace_a, args.trace_b])
    if unknown or any(i.span_id for i in found):
        print(f"spanscope: a diff needs two trace ids ({', '.join(unknown)})", file=sys.stderr)
        return 1
    items = [CaseItem(i.trace_id, "", "diff") for i in found]

    def work() -> None:
        add_items(con, case_id, items)
        add_ref(con, case_id, "diff", f"{args.trace_a} {args.trace_b}")

    in_transaction(con, work)
    out.write(f"diff of {args.trace_a} and {args.trace_b} recorded in {args.name!r}\n")
    return 0


def _list(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    found = list_cases(db.reader())
    for c in found:
        if args.json:
            record = {
                "name": c.name, "traces": c.traces, "spans": c.spans, "notes": c.notes,
                "annotations": c.annotations,
                "created_at": c.created_at.isoformat() if c.created_at else None,
                "author": c.author, "origin": c.origin,
            }  # fmt: skip
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            out.write(f"{c.name}  {c.traces} traces  {c.spans} spans  {c.notes} notes  "
                      f"{c.annotations} annotations\n")  # fmt: skip
    if not found and not args.json:
        out.write("no cases\n")
    return 0


def _export(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    # Secrets masked unless --no-redact; --redact masks email addresses as well.
    redactor = (
        None if args.no_redact else SecretRedactor(all_rules() if args.redact else secret_rules())
    )
    if args.preview:  # the same masking run over the case, its result dropped
        probe = SecretRedactor(all_rules() if args.redact else secret_rules())
        redact(collect(db.reader(), args.name, created_by=default_author()), probe)
        _masked(probe.counts, probe.examples, out)
        return 0
    outcome = export_case(db.reader(), args.name, args.output, created_by=default_author(),
                          redactor=redactor)  # fmt: skip
    out.write(
        f"wrote {outcome.path}: {outcome.traces} traces, {outcome.spans} spans, "
        f"{outcome.notes} notes, {outcome.annotations} annotations, {outcome.replays} replays\n"
    )
    if redactor is None:
        out.write("nothing masked (--no-redact)\n")
    else:
        _masked(outcome.masked, {}, out)
    return 0


def _masked(counts: dict[str, int], examples: dict[str, list[str]], out: TextIO) -> None:
    if not counts:
        out.write("masked: nothing found\n")
    for rule, n in sorted(counts.items()):
        seen = ", ".join(examples.get(rule, []))
        out.write(f"masked {rule}: {n}" + (f"  (e.g. {seen})" if seen else "") + "\n")


def _open(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    outcome = open_case(db.writer, args.file)
    Writer(db, paths.temp_dir()).index_pending()  # its spans found by text search right away
    if outcome.already_opened:
        out.write(f"{args.file} was opened before; its spans are here\n")
    out.write(
        f"case {outcome.case!r}: {outcome.spans_added} spans added in {outcome.traces} traces, "
        f"{outcome.notes_added} notes, {outcome.annotations_added} annotations added, "
        f"{outcome.annotations_updated} updated, {outcome.replays_added} replays\n"
    )
    return 0


def _report(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    suffix = args.output.suffix.lower()
    if suffix not in (".md", ".html", ".htm"):
        print("spanscope: the report file must end in .md or .html", file=sys.stderr)
        return 2
    report = case_report.build(db.reader(), args.name, export_redactor(not args.no_redact))
    text = case_report.markdown(report) if suffix == ".md" else case_report.html_page(report)
    case_report.write(text, args.output)
    out.write(f"wrote {args.output}\n")
    return 0


_ACTIONS: dict[str, Callable[[Database, argparse.Namespace, TextIO], int]] = {
    "create": _create,
    "add": _add,
    "note": _note,
    "diff": _diff,
    "list": _list,
    "export": _export,
    "open": _open,
    "report": _report,
}

HANDLERS: dict[str, Callable[[Database, argparse.Namespace, TextIO], int]] = {"case": _case}
