"""Running a recorded call again, N times, and keeping each run.

Shared by the command line and the window: :func:`run_repeats` sends one request N times in
order, stops between runs when cancelled, and hands every run (answered or failed) to
``on_run`` as soon as it ends, with the record to store.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from spanscope.core.replay_endpoints import api_key
from spanscope.core.replay_payloads import anthropic_payload, openai_payload
from spanscope.core.replay_request import CallOutput, ReplayRequest
from spanscope.core.replay_sameness import Check, same_as
from spanscope.core.replay_transport import Endpoint, Outcome, send
from spanscope.store.replays import ReplayRecord


@dataclass
class Run:
    """One run of a batch: what came back and how it compares."""

    trace_id: str
    span_id: str
    index: int  # from 1
    outcome: Outcome
    same_as_recorded: bool | None
    check_passed: bool | None
    record: ReplayRecord
    replay_id: int | None = None  # set once stored
    not_stored: str | None = None  # why storing it failed, when it did


def new_batch_id() -> str:
    return uuid.uuid4().hex[:12]


def sent_request(endpoint: Endpoint, request: ReplayRequest) -> ReplayRequest:
    """The request as it will go out: the endpoint's model replaces the recorded one when
    the endpoint names one (a recording of gpt-4o replayed on a local model)."""
    model = request.model if not endpoint.model else endpoint.model
    return ReplayRequest(model, request.messages, request.tools, request.params)


def run_once(
    endpoint: Endpoint,
    request: ReplayRequest,
    recorded: CallOutput,
    *,
    trace_id: str,
    span_id: str,
    index: int = 1,
    batch_id: str | None = None,
    run_kind: str = "call",
    check: Check | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> Run:
    """Send the request once (the key looked up now, from settings only) and describe the run."""
    request = sent_request(endpoint, request)
    key = api_key(endpoint)
    if key.key is None:
        outcome = Outcome(None, 0.0, f"not sent: {key.problem}", "setup")
    elif not request.model:
        outcome = Outcome(None, 0.0, "not sent: no model (name one in the endpoint)", "setup")
    else:
        outcome = send(endpoint, request, key.key, cancelled=cancelled)
    output = outcome.output
    same = same_as(output, recorded)
    passed = check.passed(output, recorded) if check is not None else None
    record = _record(endpoint, request, outcome, trace_id, span_id)
    record.batch_id, record.run_kind, record.run_index = batch_id, run_kind, index
    record.same_as_recorded, record.check_passed = same, passed
    record.check_text = f"{check.kind}:{check.value}" if check is not None else None
    return Run(trace_id, span_id, index, outcome, same, passed, record)


def run_repeats(
    endpoint: Endpoint,
    request: ReplayRequest,
    recorded: CallOutput,
    repeats: int,
    *,
    trace_id: str,
    span_id: str,
    on_run: Callable[[Run], None],
    check: Check | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> list[Run]:
    """Send ``request`` ``repeats`` times, one after another. A setup problem (no key, no SDK
    is raised as :class:`~spanscope.core.replay_transport.ReplayUnavailable`) ends the batch
    after its first run: the next ones would fail the same way without reaching anyone."""
    batch = new_batch_id()
    kind = "repeat" if repeats > 1 else "call"
    runs: list[Run] = []
    for index in range(1, repeats + 1):
        if cancelled():
            break
        run = run_once(
            endpoint,
            request,
            recorded,
            trace_id=trace_id,
            span_id=span_id,
            index=index,
            batch_id=batch,
            run_kind=kind,
            check=check,
            cancelled=cancelled,
        )
        runs.append(run)
        on_run(run)
        if run.outcome.error_kind in ("setup", "cancelled"):
            break
    return runs


def _record(
    endpoint: Endpoint, request: ReplayRequest, outcome: Outcome, trace_id: str, span_id: str
) -> ReplayRecord:
    payload = (openai_payload if endpoint.protocol == "openai" else anthropic_payload)(request)
    output = outcome.output
    return ReplayRecord(
        trace_id=trace_id,
        span_id=span_id,
        endpoint=endpoint.name,
        protocol=endpoint.protocol,
        base_url=endpoint.base_url,
        model=request.model,
        params={k: v for k, v in request.params.items() if k not in payload.dropped},
        request={"messages": request.messages, "tools": request.tools, "dropped": payload.dropped},
        output_text=output.text if output else None,
        output=(
            {"messages": output.messages(), "tool_calls": output.tool_calls} if output else None
        ),
        input_tokens=output.input_tokens if output else None,
        output_tokens=output.output_tokens if output else None,
        latency_ms=outcome.latency_ms,
        error=outcome.error,
        error_kind=outcome.error_kind,
        finish_reason=output.finish_reason if output else None,
        response_model=output.model if output else None,
    )
