"""``spanscope eval list | run | agreement``: evaluators over the model calls of a filter.

``eval run --json`` prints JSON Lines, one evaluated call per line: ``span_id``,
``trace_id``, ``evaluator``, ``label``, ``score``, ``explanation``, ``error`` (calls already judged on the same content are not asked again
nor printed).
``eval agreement --json`` prints one line per reviewer: ``reviewer``, ``items``,
``both_failed``, ``only_judge_failed``, ``only_reviewer_failed``, ``both_passed``, ``cohen``,
``disagreements``. Those shapes are public contracts.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TextIO

from spanscope.core.evaluators import CheckError, Evaluator, Progress, describe, evaluator, run
from spanscope.core.evaluators.trust import flip_rate, judge_agreement
from spanscope.core.filters import compile_filter
from spanscope.core.redaction import export_redactor
from spanscope.core.replay_endpoints import EndpointError, api_key, find_endpoint
from spanscope.core.replay_transport import Endpoint, ReplayUnavailable
from spanscope.store import Database
from spanscope.store import evaluations as stored
from spanscope.store.write_queue import queue_of

WRITES = {"eval"}
BATCH = 500  # verdicts saved per transaction: a cancelled run keeps what it judged


def add_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = command("eval", "score model calls with code checks or LLM judges; trust the judge")
    sub = p.add_subparsers(dest="eval_command", metavar="ACTION", required=True)
    sub.add_parser("list", help="the built-in evaluators")
    r = sub.add_parser("run", help="run an evaluator over the model calls of a filter")
    r.add_argument("name", help="e.g. contains:refund, json, grounded:0.6, faithfulness")
    r.add_argument("--filter", default="", help="the calls to judge (kind:llm is implied)")
    r.add_argument("--endpoint", help="replay endpoint an LLM judge asks (spanscope endpoints)")
    r.add_argument("--limit", type=int, help="judge at most this many calls (oldest first)")
    r.add_argument("--concurrency", type=int, default=4, help="requests at once (judges)")
    r.add_argument("--estimate", action="store_true", help="say what it would cost, run nothing")
    r.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="ask a judge N times per call and report how often it changes its verdict "
        "(nothing is stored)",
    )
    r.add_argument("--json", action="store_true", help="one JSON object per evaluated call")
    r.add_argument(
        "--no-redact", action="store_true", help="keep keys and tokens in what is printed"
    )
    a = sub.add_parser("agreement", help="an evaluator against the human reviewers")
    a.add_argument("name", help="the evaluator (as given to eval run)")
    a.add_argument("--endpoint", help="the endpoint a judge ran on (its model is in its version)")
    a.add_argument("--label", help="the reviewers' label that means failed (default: any label)")
    a.add_argument("--json", action="store_true", help="one JSON object per reviewer")


def _eval(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    if args.eval_command == "list":
        for name, what in describe():
            print(f"{name:44} {what}", file=out)
        return 0
    try:
        endpoint = find_endpoint(args.endpoint) if getattr(args, "endpoint", None) else None
        ev = evaluator(args.name, endpoint.model if endpoint else "")
    except (CheckError, EndpointError) as exc:
        print(f"spanscope: {exc}", file=sys.stderr)
        return 2
    if args.eval_command == "agreement":
        return _agreement(db, ev, args, out)
    return _run(db, ev, endpoint, args, out)


def _run(
    db: Database, ev: Evaluator, endpoint: Endpoint | None, args: argparse.Namespace, out: TextIO
) -> int:
    if ev.needs_endpoint and endpoint is None:
        print(f"spanscope: {ev.name} is an LLM judge: give --endpoint NAME", file=sys.stderr)
        return 2
    cur = db.reader()
    rows = stored.calls_to_judge(cur, compile_filter(args.filter, "spans"), args.limit, ev.needs)
    done_before = stored.judged(cur, ev.author)
    cur.close()
    fresh = [r for r in rows if done_before.get((r["trace_id"], r["span_id"])) != r["content_hash"]]
    cached = len(rows) - len(fresh)
    if args.estimate or ev.needs_endpoint and not fresh:
        calls = len(fresh) * max(1, args.repeat) if ev.needs_endpoint else 0
        print(
            f"{len(rows)} calls selected, {cached} already judged on the same content; "
            f"{len(fresh)} to judge with {ev.author}"
            + (f", {calls} requests to {endpoint.name}" if endpoint else " (no network)"),
            file=out,
        )
        if args.estimate or not fresh:
            return 0
    key = ""
    if endpoint is not None:
        lookup = api_key(endpoint)
        if lookup.key is None:
            print(f"spanscope: {lookup.problem}", file=sys.stderr)
            return 2
        key = lookup.key
    try:
        if args.repeat > 1:
            return _stability(ev, fresh, endpoint, key, args, out)
        return _judge(db, ev, fresh, endpoint, key, args, out, cached)
    except ReplayUnavailable as exc:
        print(f"spanscope: {exc}", file=sys.stderr)
        return 2


def _judge(
    db: Database,
    ev: Evaluator,
    rows: list[dict[str, Any]],
    endpoint: Endpoint | None,
    key: str,
    args: argparse.Namespace,
    out: TextIO,
    cached: int,
) -> int:
    writes = queue_of(db)  # verdicts are annotations: the one write queue
    batch, counts = [], {"pass": 0, "fail": 0, "error": 0}
    stop = threading.Event()
    # what is printed can quote the judged answer; what is stored is the store's business
    shown = export_redactor(not args.no_redact)

    def progress(p: Progress) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"\r{p.done}/{p.total} judged, {p.errors} errors", end="", file=sys.stderr)

    try:
        for row, verdict in run(
            ev,
            rows,
            endpoint=endpoint,
            api_key=key,
            concurrency=args.concurrency,
            cancelled=stop,
            on_progress=progress,
        ):
            batch.append(
                stored.verdict_annotation(
                    row, ev.author, verdict.label, verdict.score, verdict.explanation, verdict.error
                )
            )
            bad = verdict.error is not None or verdict.label in ev.failure_labels
            counts["error" if verdict.error else "fail" if bad else "pass"] += 1
            if args.json:
                out.write(
                    json.dumps(
                        {
                            "span_id": row["span_id"],
                            "trace_id": row["trace_id"],
                            "evaluator": ev.author,
                            "label": verdict.label,
                            "score": verdict.score,
                            "explanation": shown.text(verdict.explanation)
                            if shown
                            else verdict.explanation,
                            "error": verdict.error,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
            if len(batch) >= BATCH:
                writes.run(stored.save_verdicts, batch)
                batch = []
    except KeyboardInterrupt:
        stop.set()
        print("\ncancelled: the verdicts so far are kept", file=sys.stderr)
    finally:
        if batch:
            writes.run(stored.save_verdicts, batch)
    if not args.json:
        print(
            f"{ev.author}: {counts['pass']} passed, {counts['fail']} failed, "
            f"{counts['error']} evaluator errors; {cached} already judged",
            file=out,
        )
    return 0


def _stability(
    ev: Evaluator,
    rows: list[dict[str, Any]],
    endpoint: Endpoint | None,
    key: str,
    args: argparse.Namespace,
    out: TextIO,
) -> int:
    labels: dict[tuple[str, str], list[str | None]] = {}
    for _ in range(args.repeat):
        for row, verdict in run(
            ev, rows, endpoint=endpoint, api_key=key, concurrency=args.concurrency
        ):
            labels.setdefault((row["trace_id"], row["span_id"]), []).append(verdict.label)
    rate = flip_rate(list(labels.values()))
    changed = sum(len({x for x in v if x is not None}) > 1 for v in labels.values())
    record = {
        "evaluator": ev.author,
        "items": len(labels),
        "repeats": args.repeat,
        "changed": changed,
        "flip_rate": rate,
    }
    if args.json:
        out.write(json.dumps(record) + "\n")
    else:
        shown = "-" if rate is None else f"{rate:.1%}"
        print(
            f"{ev.author}: asked {args.repeat} times about {len(labels)} calls; the verdict "
            f"changed on {changed} ({shown})",
            file=out,
        )
    return 0


def _agreement(db: Database, ev: Evaluator, args: argparse.Namespace, out: TextIO) -> int:
    cur = db.reader()
    annotations = stored.verdicts_and_reviews(cur, ev.author)
    cur.close()
    rows = judge_agreement(annotations, ev.author, ev.failure_labels, args.label)
    if args.json:
        for row in rows:
            record = asdict(row)
            record["disagreements"] = [list(i) for i in row.disagreements]
            out.write(json.dumps(record) + "\n")
        return 0
    if not rows:
        print(f"no reviewer labelled the calls {ev.author} judged", file=out)
        return 0
    print(
        f"{ev.author} against the reviewers (failed = "
        f"{args.label or 'any label'} for a reviewer, {'/'.join(ev.failure_labels)} for the "
        "evaluator)",
        file=out,
    )
    print(
        f"{'reviewer':24} {'items':>5} {'agreed':>6} {'both':>5} {'judge':>5} {'human':>5} "
        f"{'pass':>5} {'kappa':>6}",
        file=out,
    )
    for row in rows:
        kappa = f"{row.cohen:6.3f}" if row.cohen is not None else f"{'-':>6}"
        print(
            f"{row.reviewer[:24]:24} {row.items:5d} {row.agreed:6d} {row.both_failed:5d} "
            f"{row.only_judge_failed:5d} {row.only_reviewer_failed:5d} {row.both_passed:5d} "
            f"{kappa}",
            file=out,
        )
        for trace_id, span_id in row.disagreements[:20]:
            print(f"    disagree: {trace_id}/{span_id}", file=out)
    return 0


HANDLERS: dict[str, Callable[[Database, argparse.Namespace, TextIO], int]] = {"eval": _eval}
