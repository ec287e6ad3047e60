"""``spanscope prompts``: the prompt versions found in the traces, and ``--diff A B`` between two.

``--json`` prints JSON Lines, one version per line: ``prompt_id``, ``service``, ``version``,
``source`` (template or system message), ``calls``, ``traces``, ``first_seen``, ``last_seen``,
``models``, ``example_trace_id``, ``example_span_id``, ``template``. That shape is a public
contract. ``prompt:ID`` in any filter lists a version's calls; ``spanscope compare --a
prompt:ID --b prompt:ID`` compares two.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import TextIO

from spanscope.core.filters import compile_filter
from spanscope.core.redaction import export_redactor
from spanscope.core.word_diff import word_diff
from spanscope.store import Database
from spanscope.store.prompt_versions import PromptVersion, prompt_versions

WRITES: set[str] = set()


def add_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = command(
        "prompts", "prompt versions found in the traces: when each was live, by how many calls"
    )
    p.add_argument("filter", nargs="*", help="filter terms (the calls to count)")
    p.add_argument("--diff", nargs=2, metavar=("A", "B"), help="word diff of two versions' prompts")
    p.add_argument("--json", action="store_true", help="one JSON object per version")
    p.add_argument(
        "--no-redact", action="store_true", help="keep keys and tokens (masked by default)"
    )


def _prompts(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    where = compile_filter(" ".join(args.filter).strip(), "spans")
    cur = db.reader()
    try:
        versions = prompt_versions(cur, where)
    finally:
        cur.close()
    redactor = export_redactor(not args.no_redact)
    if redactor is not None:  # a system prompt can hold a key pasted into it
        versions = [
            replace(
                v, template=redactor.text(v.template), example_text=redactor.text(v.example_text)
            )
            for v in versions
        ]
    if args.diff:
        return _diff(versions, args.diff, out)
    if args.json:
        for version in versions:
            out.write(json.dumps(version.to_json(), ensure_ascii=False) + "\n")
        return 0
    if not versions:
        print(
            "no prompts found (no model call has a system message or a prompt template)", file=out
        )
    for version in versions:
        seen = version.to_json()
        calls = "call" if version.calls == 1 else "calls"
        print(
            f"{version.prompt_id}  {version.label:<28} {version.calls:>7} {calls}  "
            f"{seen['first_seen']} … {seen['last_seen']}  ({version.source})",
            file=out,
        )
        print(f"            {version.template[:160]}", file=out)
    return 0


def _diff(versions: list[PromptVersion], ids: list[str], out: TextIO) -> int:
    by_id = {v.prompt_id: v for v in versions}
    missing = [i for i in ids if i.lower() not in by_id]
    if missing:
        print(f"spanscope: no prompt version {', '.join(missing)}", file=sys.stderr)
        return 2
    a, b = (by_id[i.lower()] for i in ids)
    print(f"--- {a.prompt_id} {a.label}\n+++ {b.prompt_id} {b.label}", file=out)
    marks = {"=": ("", ""), "-": ("[-", "-]"), "+": ("{+", "+}")}
    text = "".join(
        marks[p.op][0] + p.text + marks[p.op][1] for p in word_diff(a.template, b.template)
    )
    print(text, file=out)
    return 0


HANDLERS: dict[str, Callable[[Database, argparse.Namespace, TextIO], int]] = {"prompts": _prompts}
