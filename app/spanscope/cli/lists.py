"""How a page of traces or spans is printed, by ``ls`` / ``spans`` and by ``remote``: a
table, or with ``--json`` one public record per line (its field names are a contract)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, TextIO

from spanscope.cli.output import print_table
from spanscope.store.queries import Page


def write_page(page: Page, table: str, as_json: bool, out: TextIO) -> None:
    """A page of ``traces`` or ``spans`` list rows."""
    rows = page.rows.to_pylist()
    if as_json:
        for row in rows:
            out.write(json.dumps(_list_record(row, table)) + "\n")
        return
    if table == "traces":
        print_table(
            [
                "start",
                "trace_id",
                "root",
                "service",
                "duration",
                "spans",
                "errors",
                "tokens",
                "cost",
            ],
            [
                (
                    _time(r["start_ns"]),
                    r["trace_id"],
                    r["root_name"] or "",
                    r["service"] or "",
                    duration(r["duration_ns"]),
                    str(r["span_count"]),
                    str(r["error_count"]),
                    f"{r['input_tokens']}/{r['output_tokens']}",
                    cost(r["cost"]),
                )
                for r in rows
            ],
            out,
        )
    else:
        print_table(
            [
                "start",
                "trace_id",
                "span_id",
                "kind",
                "name",
                "model",
                "status",
                "duration",
                "tokens",
            ],
            [
                (
                    _time(r["start_ns"]),
                    r["trace_id"],
                    r["span_id"],
                    r["kind"],
                    r["name"] or "",
                    r["model"] or "",
                    r["status"],
                    duration(r["duration_ns"]),
                    f"{r['input_tokens'] or 0}/{r['output_tokens'] or 0}",
                )
                for r in rows
            ],
            out,
        )
    if page.more:
        out.write(f"(first {len(rows)} shown; use -n for more)\n")


def _list_record(row: dict[str, Any], table: str) -> dict[str, Any]:
    """The public ``ls --json`` / ``spans --json`` record."""
    record: dict[str, Any] = {"trace_id": row["trace_id"]}
    if table == "spans":
        record["span_id"] = row["span_id"]
        record["parent_span_id"] = row["parent_span_id"]
        record["name"] = row["name"]
        record["kind"] = row["kind"]
        record["model"] = row["model"]
        record["status"] = row["status"]
    else:
        record["name"] = row["root_name"]
        record["kind"] = "trace"
        record["model"] = (row["models"] or [None])[0]
        record["models"] = row["models"] or []
        record["status"] = "error" if row["error_count"] else "ok"
        record["service"] = row["service"]
        record["spans"] = row["span_count"]
        record["errors"] = row["error_count"]
    record["start"] = iso(row["start_ns"])
    record["duration_ms"] = row["duration_ns"] / 1e6 if row["duration_ns"] is not None else None
    record["input_tokens"] = row["input_tokens"]
    record["output_tokens"] = row["output_tokens"]
    record["cost_usd"] = row["cost"]
    record["user_id"] = row["user_id"]
    record["session_id"] = row["session_id"]
    return record


def iso(ns: int | None) -> str | None:
    if ns is None:
        return None
    seconds, rest = divmod(ns, 1_000_000_000)
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{rest:09d}"[:7] + "Z"


def _time(ns: int | None) -> str:
    shown = iso(ns)
    return shown[:23].replace("T", " ") if shown else "-"


def duration(ns: int | None) -> str:
    if ns is None:
        return "-"
    ms = ns / 1e6
    return f"{ms / 1000:.2f}s" if ms >= 1000 else f"{ms:.0f}ms"


def cost(value: float | None) -> str:
    return "-" if value is None else f"${value:.4f}"
