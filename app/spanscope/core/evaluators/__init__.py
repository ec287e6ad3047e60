"""Evaluators: score model calls automatically, with code checks (no network) or LLM judges
(through a replay endpoint), and write each verdict as an annotation whose author is the
evaluator (``evaluator:NAME@VERSION``), so reviewers, filters, badges, agreement reports and
eval-set exports treat it like any other annotation.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from spanscope.core.evaluators.checks import Check, CheckError, check_needs, parse_check
from spanscope.core.evaluators.judges import (
    TEMPLATES,
    JudgeTemplate,
    judge_request,
    parse_verdict,
    rubric_template,
)
from spanscope.core.evaluators.verdicts import Verdict, error
from spanscope.core.replay_transport import Endpoint, send

CHECKS_VERSION = 1  # bump when a code check's meaning changes: cached verdicts are then redone
RATE_LIMIT_RETRIES = 3
_RETRY_AFTER = re.compile(r"Retry after (\d+(?:\.\d+)?) s")

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Evaluator:
    """A code check or an LLM judge, by the name the user gave (``contains:refund``,
    ``faithfulness``, ``rubric:cites a source``)."""

    name: str
    version: str
    check: Check | None = None
    judge: JudgeTemplate | None = None
    needs: frozenset[str] = frozenset()  # what it reads beyond messages: attributes, finish_reason

    @property
    def author(self) -> str:
        return f"evaluator:{self.name}@{self.version}"

    @property
    def needs_endpoint(self) -> bool:
        return self.judge is not None

    @property
    def failure_labels(self) -> tuple[str, ...]:
        """The verdict labels that mean the call failed."""
        return (self.judge.labels[1],) if self.judge else ("fail",)


def evaluator(name: str, model: str = "") -> Evaluator:
    """The evaluator a name stands for; :class:`CheckError` when none. A judge's version
    includes the model that judges, so a verdict of another model is not taken from cache."""
    judge = (
        rubric_template(name.partition(":")[2])
        if name.startswith("rubric:")
        else TEMPLATES.get(name)
    )
    if judge is not None:
        suffix = f"-{model}" if model else ""
        return Evaluator(name, f"{judge.version}{suffix}", judge=judge)
    return Evaluator(name, str(CHECKS_VERSION), check=parse_check(name), needs=check_needs(name))


def describe() -> list[tuple[str, str]]:
    """Every built-in evaluator and what it checks, for ``eval list``."""
    checks = [
        ("contains:TEXT / not-contains:TEXT", "the answer (does not) contain TEXT, any case"),
        ("regex:PATTERN", "the answer matches a regular expression"),
        ("json", "the answer is valid JSON"),
        ("json-schema:FILE", "the answer is JSON matching the schema in FILE"),
        ("tool-called:NAME / tool-not-called:NAME", "the model (did not) call tool NAME"),
        ("tool-args-valid", "tool arguments match the tools' declared JSON schemas"),
        ("latency<2s / tokens<8000 / cost<0.05", "the call stayed under a threshold"),
        ("grounded[:0.6]", "share of the answer's content words found in the retrieved chunks"),
        ("no-refusal / not-truncated", "finish reason and answer show no refusal / cut"),
    ]
    judges = [(f"{t.name} (LLM judge)", t.description) for t in TEMPLATES.values()]
    return [*checks, *judges, ("rubric:TEXT (LLM judge)", "your own rubric, pass or fail")]


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    errors: int


def run(
    ev: Evaluator,
    rows: Iterable[Row],
    *,
    endpoint: Endpoint | None = None,
    api_key: str = "",
    concurrency: int = 4,
    cancelled: threading.Event | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[tuple[Row, Verdict]]:
    """Judge every row, yielding verdicts as they come (a judge's in completion order).
    Stops early when ``cancelled`` is set; verdicts already yielded stand."""
    stop = cancelled or threading.Event()
    todo = list(rows)
    errors = 0
    if ev.check is not None:
        for done, row in enumerate(todo, 1):
            if stop.is_set():
                return
            try:
                verdict = ev.check(row)
            except (ValueError, TypeError, KeyError) as exc:
                verdict = error(f"{type(exc).__name__}: {exc}")
            errors += verdict.error is not None
            if on_progress:
                on_progress(Progress(done, len(todo), errors))
            yield row, verdict
        return
    if endpoint is None or ev.judge is None:
        raise CheckError(f"{ev.name} is an LLM judge: choose an endpoint (--endpoint NAME)")
    judge, model = ev.judge, endpoint.model or "judge"
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        pending: dict[Future[Verdict], Row] = {}
        queue = iter(todo)
        done = 0

        def start_one() -> bool:
            row = next(queue, None)
            if row is None or stop.is_set():
                return False
            pending[pool.submit(_judge_one, judge, row, endpoint, api_key, model, stop, sleep)] = (
                row
            )
            return True

        for _ in range(max(1, concurrency)):
            if not start_one():
                break
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                row = pending.pop(future)
                verdict = future.result()
                done += 1
                errors += verdict.error is not None
                if on_progress:
                    on_progress(Progress(done, len(todo), errors))
                yield row, verdict
                start_one()


def _judge_one(
    judge: JudgeTemplate,
    row: Row,
    endpoint: Endpoint,
    api_key: str,
    model: str,
    stop: threading.Event,
    sleep: Callable[[float], None],
) -> Verdict:
    request = judge_request(judge, row, model)
    for attempt in range(RATE_LIMIT_RETRIES + 1):
        outcome = send(endpoint, request, api_key, cancelled=stop.is_set)
        if outcome.ok and outcome.output is not None:
            return parse_verdict(outcome.output.text, judge)
        if (
            outcome.error_kind == "rate_limit"
            and attempt < RATE_LIMIT_RETRIES
            and not stop.is_set()
        ):
            after = _RETRY_AFTER.search(outcome.error or "")
            sleep(min(60.0, float(after.group(1))) if after else 2.0**attempt)
            continue
        return error(outcome.error or "no answer")
    return error("rate limited")


__all__ = [
    "CheckError",
    "Evaluator",
    "Progress",
    "Verdict",
    "describe",
    "evaluator",
    "run",
]
