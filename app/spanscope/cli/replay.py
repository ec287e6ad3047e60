"""``spanscope replay``: re-run a recorded model call (N times, with a check) or every llm step
of a trace, against an endpoint from settings or one named on the command line; and
``spanscope endpoints``: list, add and remove those endpoints.

``replay --json`` prints one object per run; its fields are a public contract: ``replay_id``,
``output_text``, ``tool_calls``, ``input_tokens``, ``output_tokens``, ``latency_ms``, ``error``,
``same_as_recorded`` (plus ``span_id``, ``run`` and ``check_passed``).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

from spanscope.core import replay_endpoints as settings
from spanscope.core.replay_request import recorded_output, request_from_span
from spanscope.core.replay_runs import Run, run_repeats
from spanscope.core.replay_sameness import Check, summarise
from spanscope.core.replay_trajectory import run_trajectory
from spanscope.core.replay_transport import PROTOCOLS, Endpoint, ReplayUnavailable
from spanscope.store import Database, queries
from spanscope.store.replays import list_replays, llm_spans, save_replay
from spanscope.store.write_queue import queue_of

WRITES = {"replay"}
NO_DATABASE = {"endpoints"}  # settings only: works before any database exists


def add_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = command(
        "replay",
        "re-run a recorded llm span against a model endpoint you configured (sends requests)",
    )
    p.add_argument("span_id", help="the llm span to re-run (a trace id with --trajectory)")
    p.add_argument("--trace", help="the span's trace, when the span id is in several traces")
    p.add_argument("--endpoint", help="endpoint name from 'spanscope endpoints'")
    p.add_argument("--base-url", help="ad hoc endpoint URL, e.g. http://localhost:11434/v1")
    p.add_argument("--model", help="model to ask for (default: the endpoint's, else the recorded)")
    p.add_argument("--api-key-env", default="", help="environment variable holding the key")
    p.add_argument(
        "--protocol", choices=PROTOCOLS, default="openai", help="ad hoc endpoint protocol"
    )
    p.add_argument("--stream", action="store_true", help="ask for a streamed answer")
    p.add_argument("--timeout", type=float, default=None, help="seconds to wait for an answer")
    p.add_argument("-n", "--repeat", type=int, default=1, help="how many times to send it")
    p.add_argument(
        "--check",
        help="count answers that pass: contains:TEXT, not-contains:TEXT, equals-recorded, "
        "tool-called:NAME",
    )
    p.add_argument(
        "--trajectory",
        action="store_true",
        help="re-run every llm step of the trace SPAN_ID names, each with its recorded context, "
        "and report the first step that answers differently",
    )
    p.add_argument("--keep-going", action="store_true", help="trajectory: go on after a divergence")
    p.add_argument("--list", action="store_true", help="list stored re-runs of the span instead")
    p.add_argument("--json", action="store_true", help="one JSON object per run")

    p = command("endpoints", "list or change the endpoints used to re-run model calls")
    actions = p.add_subparsers(dest="endpoints_action", metavar="ACTION")
    actions.add_parser("list", help="list endpoints (the default)").add_argument(
        "--json", action="store_true"
    )
    add = actions.add_parser("add", help="add or replace an endpoint")
    add.add_argument("name")
    add.add_argument("--protocol", choices=PROTOCOLS, default="openai")
    add.add_argument("--base-url", required=True)
    add.add_argument("--model", default="", help="model to ask for (default: the recorded one)")
    add.add_argument("--api-key-env", default="", help="environment variable holding the key")
    add.add_argument("--keyring", action="store_true", help="the key is in the system keyring")
    add.add_argument("--timeout", type=float, default=60.0, help="seconds (default 60)")
    add.add_argument("--stream", action="store_true", help="ask for streamed answers")
    remove = actions.add_parser("remove", help="remove an endpoint")
    remove.add_argument("name")
    set_key = actions.add_parser("set-key", help="store an endpoint's key in the system keyring")
    set_key.add_argument("name")


def _replay(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    try:
        check = Check.parse(args.check) if args.check else None
    except ValueError as exc:
        return _fail(str(exc))
    if args.list:
        return _list(db, args, out)
    cur = db.reader()
    try:
        endpoint = _endpoint(args)
    except settings.EndpointError as exc:
        return _fail(str(exc))
    cancel = threading.Event()
    runs: list[Run] = []

    def keep(run: Run) -> None:
        run.replay_id = queue_of(db).run(save_replay, run.record)
        runs.append(run)
        if args.json:
            out.write(json.dumps(run_record(run)) + "\n")
            out.flush()

    try:
        if args.trajectory:
            spans = llm_spans(cur, args.span_id)
            if not spans:
                return _fail(f"no llm spans in trace {args.span_id}")
            report = run_trajectory(
                endpoint, spans, on_run=keep, keep_going=args.keep_going, cancelled=cancel.is_set
            )
            if not args.json:
                _print_runs(runs, out)
                out.write(report.text() + "\n")
            return 1 if any(r.outcome.error for r in runs) else 0
        detail = _span(cur, args)
        if detail is None:
            return 2
        if detail.get("kind") != "llm":
            return _fail(f"span {args.span_id} is a {detail.get('kind')} span, not an llm call")
        recorded = recorded_output(detail)
        run_repeats(
            endpoint,
            request_from_span(detail),
            recorded,
            max(1, args.repeat),
            trace_id=str(detail["trace_id"]),
            span_id=str(detail["span_id"]),
            on_run=keep,
            check=check,
            cancelled=cancel.is_set,
        )
    except ReplayUnavailable as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        cancel.set()
        print(f"\ncancelled; {len(runs)} runs stored", file=sys.stderr)
        return 130
    if not args.json:
        _print_runs(runs, out)
        summary = summarise([r.outcome.output for r in runs], recorded, check)
        out.write(summary.text() + "\n")
        for group in summary.groups:
            same = " (same as recorded)" if group.same_as_recorded else ""
            text = " ".join(group.example.text.split())[:100] or _calls(group.example.tool_calls)
            out.write(f"  {len(group.runs)}× {text!r}{same}\n")
    return 1 if any(r.outcome.error for r in runs) else 0


def run_record(run: Run) -> dict[str, Any]:
    """The public ``replay --json`` object of one run."""
    output = run.outcome.output
    return {
        "replay_id": run.replay_id,
        "span_id": run.span_id,
        "run": run.index,
        "output_text": output.text if output else None,
        "tool_calls": output.tool_calls if output else [],
        "input_tokens": output.input_tokens if output else None,
        "output_tokens": output.output_tokens if output else None,
        "latency_ms": round(run.outcome.latency_ms, 1),
        "error": run.outcome.error,
        "same_as_recorded": run.same_as_recorded,
        "check_passed": run.check_passed,
    }


def _endpoint(args: argparse.Namespace) -> Endpoint:
    if args.endpoint and args.base_url:
        raise settings.EndpointError("name an endpoint or give --base-url, not both")
    if args.endpoint:
        endpoint = settings.find_endpoint(args.endpoint)
    elif args.base_url:
        endpoint = Endpoint(
            name="ad hoc",
            protocol=args.protocol,
            base_url=args.base_url,
            api_key_env=args.api_key_env,
        )
    else:
        raise settings.EndpointError(
            "say where to send it: --endpoint NAME (see 'spanscope endpoints') or --base-url URL"
        )
    changes: dict[str, Any] = {}
    if args.model:
        changes["model"] = args.model
    if args.stream:
        changes["stream"] = True
    if args.timeout:
        changes["timeout_s"] = args.timeout
    values = {**endpoint.__dict__, **changes}
    return settings.validate(Endpoint(**values))


def _span(cur: Any, args: argparse.Namespace) -> dict[str, Any] | None:
    traces = [args.trace] if args.trace else queries.find_span(cur, args.span_id)
    if not traces:
        _fail(f"no span {args.span_id}")
        return None
    if len(traces) > 1:
        _fail(
            f"span {args.span_id} is in {len(traces)} traces; choose one with --trace: "
            + ", ".join(traces)
        )
        return None
    detail = queries.span_detail(cur, traces[0], args.span_id)
    if detail is None:
        _fail(f"no span {args.span_id} in trace {traces[0]}")
    return detail


def _list(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    cur = db.reader()
    traces = [args.trace] if args.trace else queries.find_span(cur, args.span_id)
    rows = [r for t in traces for r in list_replays(cur, t, args.span_id)]
    if args.json:
        for row in rows:
            out.write(json.dumps(row, default=str) + "\n")
        return 0
    for row in rows:
        status = f"ERROR {row['error_kind'] or ''}" if row["error"] else "ok"
        same = {True: "same", False: "differs", None: "-"}[row["same_as_recorded"]]
        text = " ".join((row["error"] or row["output_text"] or "").split())[:70]
        out.write(
            f"{row['replay_id']:>5}  {str(row['created_at'])[:19]}  {row['endpoint'] or ''}  "
            f"{row['model'] or ''}  {status}  {same}  {text}\n"
        )
    out.write(f"{len(rows)} stored re-runs\n")
    return 0


def _print_runs(runs: list[Run], out: TextIO) -> None:
    for run in runs:
        output = run.outcome.output
        same = {True: "same", False: "DIFFERS", None: "-"}[run.same_as_recorded]
        check = {True: "pass", False: "fail", None: ""}[run.check_passed]
        if output is None:
            text = f"ERROR: {run.outcome.error}"
        else:
            text = " ".join(output.text.split())[:80] or _calls(output.tool_calls)
        tokens = f"{output.input_tokens or 0}/{output.output_tokens or 0}" if output else "-"
        out.write(
            f"#{run.index:<3} replay {run.replay_id}  {run.span_id}  {same:<7} {check:<4} "
            f"{tokens:>9}  {run.outcome.latency_ms:7.0f} ms  {text}\n"
        )


def _calls(calls: list[dict[str, Any]]) -> str:
    return "; ".join(f"→ {c.get('name')}({c.get('arguments')})" for c in calls)


def _endpoints(_db: Database | None, args: argparse.Namespace, out: TextIO) -> int:
    action = args.endpoints_action or "list"
    try:
        known = settings.load_endpoints()
        if action == "list":
            if getattr(args, "json", False):
                for e in known:
                    out.write(json.dumps(e.__dict__) + "\n")
                return 0
            for e in known:
                key = (
                    f"key ${e.api_key_env}"
                    if e.api_key_env
                    else "key in keyring"
                    if e.keyring
                    else "no key"
                )
                out.write(
                    f"{e.name}  {e.protocol}  {e.base_url}  {e.model or '(recorded model)'}  {key}\n"
                )
            out.write(f"{len(known)} endpoints in {settings.endpoints_file()}\n")
            return 0
        if action == "add":
            endpoint = settings.validate(
                Endpoint(
                    name=args.name,
                    protocol=args.protocol,
                    base_url=args.base_url,
                    model=args.model,
                    api_key_env=args.api_key_env,
                    keyring=args.keyring,
                    timeout_s=args.timeout,
                    stream=args.stream,
                )
            )
            kept = [e for e in known if e.name != args.name]
            path = settings.save_endpoints([*kept, endpoint])
            out.write(f"saved {args.name} in {path}\n")
            return 0
        if action == "remove":
            kept = [e for e in known if e.name != args.name]
            if len(kept) == len(known):
                return _fail(f"no endpoint named {args.name!r}")
            settings.save_endpoints(kept)
            out.write(f"removed {args.name}\n")
            return 0
        settings.find_endpoint(args.name)
        key = getpass.getpass(f"key for {args.name} (not shown): ")
        if not key:
            return _fail("no key given")
        settings.store_key(args.name, key)
        out.write(f"stored the key for {args.name} in the system keyring\n")
        return 0
    except settings.EndpointError as exc:
        return _fail(str(exc))


def _fail(message: str) -> int:
    print(f"spanscope: {message}", file=sys.stderr)
    return 2


HANDLERS = {"replay": _replay, "endpoints": _endpoints}
