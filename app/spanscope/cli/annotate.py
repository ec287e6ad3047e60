"""Commands for annotations and eval sets:

spanscope annotate ID --label hallucination [--score 0] [--note ...] [--expected ...]
spanscope annotations [FILTER] [--json] [-o reviews.jsonl]
spanscope merge-annotations ana.jsonl bo.jsonl
spanscope agreement [FILTER] [--json]
spanscope export --filter 'label:hallucination' --format openai-jsonl -o evals.jsonl
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, TextIO

from spanscope.core import eval_export
from spanscope.core.agreement import agreement_report
from spanscope.core.annotation_file import (
    AnnotationFileError,
    read_annotations,
    to_record,
    write_annotations,
)
from spanscope.core.conflicts import find_conflicts
from spanscope.core.eval_export.formats import FORMATS
from spanscope.core.filters import compile_filter
from spanscope.core.redaction import SecretRedactor, all_rules, export_redactor, secret_rules
from spanscope.model.annotation import Annotation
from spanscope.store import Database, queries, review_queues
from spanscope.store import annotations as stored
from spanscope.store.annotation_merge import merge_annotations
from spanscope.store.write_queue import queue_of


def default_author() -> str:
    """Who annotates when nobody says: ``SPANSCOPE_AUTHOR``, else the login name."""
    try:
        return os.environ.get("SPANSCOPE_AUTHOR") or getpass.getuser()
    except (KeyError, OSError):
        return ""


def add_commands(command: Any) -> None:
    p = command("annotate", "label, score or note a trace or a span (ID: a trace or span id)")
    p.add_argument("id", help="trace id or span id")
    p.add_argument("--trace", help="the trace, when a span id occurs in several traces")
    p.add_argument("--label", action="append", default=[], help="a label (repeat for several)")
    p.add_argument("--score", type=float, help="score (1/0 for pass/fail)")
    p.add_argument("--rubric", default="", help="rubric item the score belongs to")
    p.add_argument("--note", help="free-text note")
    p.add_argument("--expected", help="the correct output, for eval sets")
    p.add_argument("--author", help="who annotates (default: $SPANSCOPE_AUTHOR or login)")
    p.add_argument("--replace", action="store_true", help="replace the labels instead of adding")
    p.add_argument("--json", action="store_true", help="print the saved annotation as JSON")

    p = command("annotations", "list annotations, or write them to a file for another reviewer")
    p.add_argument("filter", nargs="*", help="filter terms, e.g. 'label:hallucination'")
    p.add_argument("--author", help="only this reviewer's")
    p.add_argument("--json", action="store_true", help="JSON Lines")
    p.add_argument("-o", "--output", type=Path, help="write an annotation file (JSONL)")
    p.add_argument(
        "--no-redact",
        action="store_true",
        help="keep keys and tokens in notes, printed or written (masked by default)",
    )

    p = command("merge-annotations", "merge annotation files written by other reviewers")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--json", action="store_true")

    p = command("agreement", "how far reviewers agree, per label, and where they disagree")
    p.add_argument("filter", nargs="*", help="filter terms")
    p.add_argument("--json", action="store_true")

    p = command("export", "export annotated traces and spans as an eval set")
    p.add_argument("--filter", default="", help="which ones, e.g. 'label:hallucination'")
    p.add_argument("--queue", type=int, help="the items of this review queue instead")
    p.add_argument("--format", required=True, choices=sorted(FORMATS), help="file format")
    p.add_argument("-o", "--output", type=Path, required=True, help="file to write")
    p.add_argument("--redact", action="store_true", help="also mask email addresses")
    p.add_argument(
        "--no-redact", action="store_true", help="keep API keys and tokens (masked by default)"
    )
    p.add_argument(
        "--json", action="store_true", help="print the outcome (written, skipped, masked) as JSON"
    )


def _annotate(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    cur = db.reader()
    target = _resolve(cur, args.id, args.trace)
    if isinstance(target, str):
        print(f"spanscope: {target}", file=sys.stderr)
        return 1
    trace_id, span_id = target
    author = args.author if args.author is not None else default_author()
    mine = [
        a
        for a in stored.annotations_of(cur, trace_id, span_id)
        if a.author == author and a.rubric == args.rubric and not a.adjudicated
    ]
    base = mine[0] if mine else Annotation(trace_id, span_id, rubric=args.rubric, author=author)
    labels = tuple(args.label) if args.replace else (*base.labels, *args.label)
    annotation = replace(
        base,
        labels=tuple(dict.fromkeys(labels)),
        score=args.score if args.score is not None else base.score,
        note=args.note if args.note is not None else base.note,
        expected=args.expected if args.expected is not None else base.expected,
        origin="cli",
        updated_at=None,
    )
    saved = queue_of(db).run(stored.save_annotation, annotation)
    if args.json:
        out.write(
            json.dumps(to_record(replace(annotation, annotation_id=saved.annotation_id))) + "\n"
        )
    else:
        what = f"span {span_id} of trace {trace_id}" if span_id else f"trace {trace_id}"
        shown = ", ".join(annotation.labels) or "no labels"
        out.write(f"annotated {what} ({shown}) as {author or 'anonymous'}\n")
    return 0


def _resolve(cur: Any, given: str, trace: str | None) -> tuple[str, str] | str:
    """(trace_id, span_id) of an id the user typed, or why it cannot be used."""
    if trace is not None:
        return (trace, "" if given == trace else given)
    if queries.trace_summary(cur, given) is not None:
        return (given, "")
    traces = queries.find_span(cur, given)
    if len(traces) == 1:
        return (traces[0], given)
    if traces:
        return f"span {given} is in {len(traces)} traces; name one with --trace"
    return f"no trace or span {given}"


def _annotations(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    cur = db.reader()
    found = _selected(cur, " ".join(t.strip() for t in args.filter), args.author)
    redactor = export_redactor(not args.no_redact)
    if redactor is not None:  # notes and expected outputs can quote a key from a trace
        found = [
            replace(a, note=redactor.value(a.note), expected=redactor.value(a.expected))
            for a in found
        ]
    if args.output:
        count = write_annotations(args.output, found)
        print(f"wrote {count} annotations to {args.output}", file=out)
        return 0
    if args.json:
        for a in found:
            out.write(json.dumps(to_record(a), ensure_ascii=False) + "\n")
        return 0
    for a in found:
        where = f"{a.trace_id}/{a.span_id}" if a.span_id else a.trace_id
        score = f" {a.rubric or 'score'}={a.score:g}" if a.score is not None else ""
        note = f"  “{a.note}”" if a.note else ""
        out.write(f"{where}  {a.author or '-'}  {', '.join(a.labels) or '-'}{score}{note}\n")
    out.write(f"{len(found)} annotations\n")
    return 0


def _selected(cur: Any, filter_text: str, author: str | None = None) -> list[Annotation]:
    if not filter_text.strip():
        found = stored.list_annotations(cur)
        return [a for a in found if author is None or a.author == author]
    return stored.annotations_in(cur, compile_filter(filter_text, "spans"), "spans", author)


def _merge(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    writes = queue_of(db)
    status = 0
    for path in args.files:
        try:
            found = read_annotations(path)
        except (OSError, AnnotationFileError) as exc:
            print(f"spanscope: {exc}", file=sys.stderr)
            status = 1
            continue
        outcome = writes.run(merge_annotations, found, origin=path.name)
        if args.json:
            out.write(json.dumps({"file": str(path), **asdict(outcome)}) + "\n")
        else:
            out.write(
                f"{path.name}: {outcome.added} added, {outcome.updated} updated, "
                f"{outcome.unchanged} unchanged\n"
            )
    return status


def _agreement(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    cur = db.reader()
    found = _selected(cur, " ".join(t.strip() for t in args.filter))
    report = agreement_report(found)
    conflicts = find_conflicts(found)
    if args.json:
        record = asdict(report)
        record["conflicts"] = [
            {
                "trace_id": c.item[0],
                "span_id": c.item[1],
                "labels_in_dispute": list(c.labels_in_dispute),
                "settled": c.settled is not None,
            }
            for c in conflicts
        ]
        out.write(json.dumps(record) + "\n")
        return 0
    out.write(f"reviewers  {', '.join(report.reviewers) or '-'}\n")
    out.write(f"items reviewed by two or more: {report.items}\n")
    out.write(f"{'label':24} {'items':>5} {'agreed':>6} {'cohen':>6} {'fleiss':>6} {'alpha':>6}\n")
    for row in report.labels:
        out.write(
            f"{row.label[:24]:24} {row.items:5d} {row.agreed:6d} {_stat(row.cohen)} "
            f"{_stat(row.fleiss)} {_stat(row.alpha)}\n"
        )
    open_ones = sum(c.settled is None for c in conflicts)
    out.write(f"{len(conflicts)} items in conflict, {open_ones} not yet adjudicated\n")
    return 0


def _stat(value: float | None) -> str:
    return f"{value:6.3f}" if value is not None else f"{'-':>6}"


def _export(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    cur = db.reader()
    if args.queue is not None:
        items = [(i.trace_id, i.span_id) for i in review_queues.items(cur, args.queue)]
        records = eval_export.collect_items(cur, items)
    elif args.filter.strip():
        records = eval_export.collect(cur, compile_filter(args.filter, "spans"), "spans")
    else:
        records = eval_export.records_for(cur, stored.list_annotations(cur))
    # Secrets are masked unless --no-redact; --redact masks email addresses as well.
    redactor = (
        None if args.no_redact else SecretRedactor(all_rules() if args.redact else secret_rules())
    )
    outcome = eval_export.export(records, args.format, args.output, redactor=redactor)
    if args.json:
        record = {
            "path": str(outcome.path),
            "records": outcome.records,
            "masked": outcome.masked,
            "skipped": outcome.skipped,
        }
        out.write(json.dumps(record) + "\n")
    else:
        out.write(outcome.summary() + "\n")
    return 0


HANDLERS = {
    "annotate": _annotate,
    "annotations": _annotations,
    "merge-annotations": _merge,
    "agreement": _agreement,
    "export": _export,
}
WRITES = {"annotate", "merge-annotations"}
