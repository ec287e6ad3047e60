"""Trajectory replay: every llm step of a trace sent again, in order, each with the context it
had in the recording (recorded tool results included, no live tool runs), to find the first
step whose new answer differs from the recorded one.

Each step is independent of the new answers before it: the question is "would the model,
given exactly what it saw then, have done the same?", which pins a divergence to one step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spanscope.core.replay_request import recorded_output, request_from_span
from spanscope.core.replay_runs import Run, new_batch_id, run_once
from spanscope.core.replay_transport import Endpoint


@dataclass
class TrajectoryReport:
    runs: list[Run] = field(default_factory=list)
    steps: int = 0  # llm steps in the trace
    first_divergence: Run | None = None  # first run whose answer differs from the recording
    stopped_by: str | None = None  # why it ended early: an error, cancel, or the divergence

    def text(self) -> str:
        done = len(self.runs)
        head = f"{done} of {self.steps} llm steps re-run"
        if self.first_divergence is not None:
            run = self.first_divergence
            return f"{head}; first divergence at step {run.index} (span {run.span_id})"
        if self.stopped_by:
            return f"{head}; stopped: {self.stopped_by}"
        return f"{head}; every answer matched the recording"


def run_trajectory(
    endpoint: Endpoint,
    spans: Sequence[Mapping[str, Any]],
    *,
    on_run: Callable[[Run], None],
    keep_going: bool = False,
    cancelled: Callable[[], bool] = lambda: False,
) -> TrajectoryReport:
    """Re-run each llm span of ``spans`` (``store.replays.llm_spans`` rows, start order).
    Stops at the first divergence unless ``keep_going``; stops at a failed run either way
    (a divergence after an error would say nothing)."""
    batch = new_batch_id()
    report = TrajectoryReport(steps=len(spans))
    for index, span in enumerate(spans, 1):
        if cancelled():
            report.stopped_by = "cancelled"
            break
        run = run_once(
            endpoint,
            request_from_span(span),
            recorded_output(span),
            trace_id=str(span["trace_id"]),
            span_id=str(span["span_id"]),
            index=index,
            batch_id=batch,
            run_kind="trajectory",
            cancelled=cancelled,
        )
        report.runs.append(run)
        on_run(run)
        if run.outcome.error is not None:
            report.stopped_by = f"step {index} failed: {run.outcome.error}"
            break
        if run.same_as_recorded is False and report.first_divergence is None:
            report.first_divergence = run
            if not keep_going:
                break
    return report
