"""Deterministic demo/benchmark traces: a day of the Acme support agent fleet as OTLP JSON Lines.

The output is what the OpenTelemetry collector file exporter writes: one ``TracesData`` object
per line, each line one export batch holding several whole traces of one service. At 14:02 UTC
a refund question is answered from an outdated policy chunk ("90 days" instead of "30 days").

    python -m spanscope.demo.generator OUT.jsonl --spans 100000 [--seed 7] [--gzip]
"""

from __future__ import annotations

import argparse
import bisect
import gzip as gzip_module
import json
import math
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spanscope.demo import encode as enc
from spanscope.demo import kb, story, tools
from spanscope.demo.encode import JSON
from spanscope.demo.trace import TraceBuilder
from spanscope.model import conventions

DEFAULT_START = datetime(2026, 11, 28, tzinfo=UTC)
_MS, _MIN = 10**6, 60 * 10**9
_INCIDENT = (13 * 60 + 58, 14 * 60 + 41)  # minutes of the day the outdated chunk ranks first
_SCRIPTED_INCIDENT = 14 * 60 + 2
_SCRIPT = {_SCRIPTED_INCIDENT: "incident", 16 * 60 + 20: "loop"}  # scripted traces, by minute
_CONVENTIONS, _CONV_WEIGHTS = ("genai", "oi", "legacy"), (80, 10, 10)
_SCOPES = {
    "genai": ("acme.agents.otel", "2.14.0"),
    "oi": ("openinference.instrumentation.openai_agents", "1.2.0"),
    "legacy": ("opentelemetry.instrumentation.langchain", "0.38.7"),
}


@dataclass(frozen=True)
class GeneratedSummary:
    path: Path
    spans: int
    traces: int
    bytes: int


def _minute_cdf() -> list[float]:
    """Cumulative share of the day's traffic per minute: quiet nights, a peak around 14:00."""
    acc, out = 0.0, []
    for minute in range(1440):
        h = minute / 60
        acc += 0.08 + math.exp(-(((h - 14) / 3.2) ** 2)) + 0.4 * math.exp(-(((h - 10) / 1.8) ** 2))
        out.append(acc)
    return [v / acc for v in out]


class Fleet:
    """Generates whole traces in time order; one instance per output file."""

    def __init__(self, seed: int, start: datetime | None) -> None:
        self.rng = random.Random(seed)
        self.day_ns = int((start or DEFAULT_START).timestamp()) * 10**9
        self.cdf = _minute_cdf()
        self.sessions: dict[str, list[Any]] = {}
        self.script = dict(_SCRIPT)
        self.systems = {name: story.system_instructions(name) for name in story.SERVICES}
        self.kb = {
            t: [
                (f"kb-{t}-{k:02d}#{self.rng.randint(1, 9)}", story.kb_chunk(self.rng, t))
                for k in range(6)
            ]
            for t in kb.KB_SENTENCES
        }

    def traces(self, total: int) -> Iterator[tuple[str, str, list[JSON]]]:
        done = 0
        while done < total:
            u = (done + self.rng.random()) / total
            k = min(bisect.bisect_left(self.cdf, u), 1439)
            lo = self.cdf[k - 1] if k else 0.0
            frac = min(1.0, max(0.0, (u - lo) / ((self.cdf[k] - lo) or 1.0)))
            service, conv, spans = self._trace(total - done, self.day_ns + int((k + frac) * _MIN))
            done += len(spans)
            yield service, conv, spans

    # -- one trace -------------------------------------------------------------------------
    def _trace(self, budget: int, start: int) -> tuple[str, str, list[JSON]]:
        rng, minute = self.rng, (start - self.day_ns) // _MIN
        due = [m for m in self.script if m <= minute]
        scripted = self.script.pop(due[0]) if due else None
        service = (
            "support-agent"
            if scripted
            else story.weighted(rng, {k: v["weight"] for k, v in story.SERVICES.items()})
        )
        cfg = story.SERVICES[service]
        conv = "genai" if scripted else rng.choices(_CONVENTIONS, _CONV_WEIGHTS)[0]
        r = rng.random()
        shape = scripted or ("loop" if r < 0.015 else "long" if r < 0.045 else "normal")
        topic = {"incident": "refund", "loop": "order_status"}.get(shape) or story.weighted(
            rng, cfg["topics"]
        )
        if scripted == "incident":  # the chat the customer complained about
            start = self.day_ns + _SCRIPTED_INCIDENT * _MIN + rng.randint(3, 50) * 10**9
        incident = scripted == "incident" or (
            topic == "refund"
            and service != "checkout-assistant"
            and _INCIDENT[0] <= minute < _INCIDENT[1]
        )
        days = 47 if scripted == "incident" else rng.randint(31, 88) if incident else None
        slots = tools.order_slots(rng, days)
        rounds = self._rounds(shape, topic, incident, slots)
        retrieval = shape != "loop" and (service != "checkout-assistant" or rng.random() < 0.5)
        embedding = retrieval and rng.random() < 0.15
        size = 1 + retrieval + embedding + sum(1 + len(tl) + fail for tl, fail in rounds)
        if size > budget:  # the last trace of the file: shrink it to fill the count exactly
            shape, embedding, retrieval = "fit", False, budget > 1 and budget % 2 == 1
            rounds = [(["lookup_order"], False)] * ((budget - 2 - retrieval) // 2) + [([], False)]
        t = TraceBuilder(self, service, conv, start, topic, slots)
        if scripted == "incident":  # keep the headline trace free of unrelated failures
            t.tool_error_rate, rounds = 0.0, [(tools_, False) for tools_, _ in rounds]
        spans = t.build(shape, retrieval, embedding, rounds, incident, root=budget > 1)
        return service, conv, spans

    def _rounds(
        self, shape: str, topic: str, incident: bool, slots: dict[str, str]
    ) -> list[tuple[list[str], bool]]:
        rng = self.rng
        if shape == "loop":
            plan = [["lookup_order"]] + [["get_shipping_status"]] * rng.randint(5, 8)
        elif shape == "long":
            plan = [["lookup_order", "get_shipping_status"]] * rng.randint(9, 19) + [[]]
        elif topic == "refund":
            eligible = int(slots["days"]) <= (90 if incident else 30)
            plan = [["lookup_order"], ["issue_refund"], []] if eligible else [["lookup_order"], []]
        else:
            plan = {
                "order_status": [["lookup_order", "get_shipping_status"], []],
                "damaged": [
                    ["lookup_order"],
                    [rng.choice(("issue_refund", "escalate_to_human"))],
                    [],
                ],
                "cancel": [["lookup_order"], ["escalate_to_human"], []],
                "payment": [["search_kb"], ["escalate_to_human"], []],
                "promo": [["search_kb"], []],
                "return_label": [["lookup_order"], ["search_kb"], []],
            }[topic]
            if rng.random() < 0.15:
                plan = [["search_kb"]] + plan
        return [(list(tl), rng.random() < 0.01) for tl in plan]

    def session(self, user: str) -> str:
        current = self.sessions.get(user)
        if not current or current[1] <= 0:
            current = self.sessions[user] = [
                f"s_{self.rng.getrandbits(64):016x}",
                self.rng.randint(1, 6),
            ]
        current[1] -= 1
        return str(current[0])


def iter_traces(
    spans: int, *, seed: int = 7, start: datetime | None = None
) -> Iterator[list[JSON]]:
    """The OTLP span dicts of each generated trace, in time order; ``spans`` in total exactly."""
    for _, _, trace in Fleet(seed, start).traces(spans):
        yield trace


def _resource_spans(service: str, conv: str, spans: list[JSON]) -> JSON:
    cfg = story.SERVICES[service]
    version = cfg["version"] if conv == "genai" else cfg["version"].rsplit(".", 2)[0] + ".9.0"
    resource = [
        enc.s(conventions.SERVICE_NAME, service),
        enc.s("service.version", version),
        enc.s("deployment.environment", "production"),
        enc.s("telemetry.sdk.language", "python"),
        enc.s("telemetry.sdk.name", "opentelemetry"),
        enc.s("telemetry.sdk.version", "1.38.0"),
    ]
    name, scope_version = _SCOPES[conv]
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": resource},
                "scopeSpans": [{"scope": {"name": name, "version": scope_version}, "spans": spans}],
            }
        ]
    }


def write_otlp_jsonl(
    path: Path, spans: int, *, seed: int = 7, start: datetime | None = None, gzip: bool = False
) -> GeneratedSummary:
    """Write exactly ``spans`` spans as collector-style OTLP JSON Lines to ``path``."""
    path = Path(path)
    batch_rng = random.Random(seed * 7919 + 13)
    pending: dict[tuple[str, str], list[JSON]] = {}
    targets: dict[tuple[str, str], int] = {}
    traces = 0
    stream = gzip_module.open if gzip else open
    with stream(path, "wt", encoding="utf-8", newline="\n") as out:

        def flush(key: tuple[str, str]) -> None:
            out.write(json.dumps(_resource_spans(*key, pending.pop(key)), separators=(",", ":")))
            out.write("\n")

        for service, conv, trace in Fleet(seed, start).traces(spans):
            traces += 1
            key = (service, conv)
            pending.setdefault(key, []).extend(trace)
            if len(pending[key]) >= targets.setdefault(key, batch_rng.randint(20, 60)):
                flush(key)
                targets[key] = batch_rng.randint(20, 60)
        for key in list(pending):
            flush(key)
    return GeneratedSummary(path, spans, traces, path.stat().st_size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m spanscope.demo.generator", description="Write demo OTLP JSON Lines traces."
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--spans", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--gzip", action="store_true")
    args = parser.parse_args(argv)
    if args.spans < 1:
        parser.error("--spans must be at least 1")
    summary = write_otlp_jsonl(args.out, args.spans, seed=args.seed, gzip=args.gzip)
    print(f"{summary.path}: {summary.spans} spans, {summary.traces} traces, {summary.bytes} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
