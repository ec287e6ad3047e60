"""ATIF agent trajectories (Agent Trajectory Interchange Format, from Harbor / terminal-bench).

A file holds one trajectory ``{schema_version: "ATIF-v1.x", session_id, agent{name, version,
model_name, tool_definitions, extra}, steps[...], notes, final_metrics, extra}`` (also a JSON
list of them, or one per line as JSON Lines; plain, gzip or zstd). ATIF has no span ids or
parent links; the tree is built from the steps:

- one trace per trajectory, its id the ``session_id`` as written;
- a root agent span (``invoke_agent <agent name>``, span id ``agent``) covering the trajectory,
  with the agent's name, version and tool definitions; its own fields (schema version, notes,
  final metrics, extra) are kept under ``atif.*``;
- an llm span per agent step (span id ``step-<step_id>``, child of the root): its input is the
  conversation so far (every earlier system, user and agent step, and the tool results, as
  GenAI messages), its output the step's message, ``reasoning_content`` and tool calls, its
  model the step's ``model_name`` or else the agent's; ``metrics`` give the usage
  (``prompt_tokens`` already includes ``cached_tokens`` in ATIF, ``completion_tokens``
  includes reasoning; ``metrics.extra.reasoning_tokens`` and
  ``cache_creation_input_tokens`` are read too) and ``cost_usd`` the recorded cost;
- a tool span per tool call (span id ``step-<step_id>.tool-<n>``, child of the root beside
  the llm span that asked for it, as in the OTel GenAI agent conventions) with its arguments
  and the observation result whose ``source_call_id`` names the call (several are joined).
  Observation results that name no call stay on the step's llm span (``atif.observation``).

System and user steps are not spans: they are the messages the later llm spans received
(a system step's observation results follow it as tool messages).

ATIF 1.7 additions:

- ``llm_call_count: 0`` on an agent step is a deterministic dispatch: no model was called, so
  the step is a chain span (``dispatch``), never an llm span; its tool calls are tool spans as
  usual. A count above 1 stays one llm span with the step's summed usage (``atif.llm_call_count``
  is kept).
- ``extra.context_management`` (``{type: compaction, boundary: replace}``) marks a step that
  rewrote the context window: it becomes an event span (``context compaction``), and the
  conversation the later llm spans received restarts from that step's message and observation
  (the summary) when the boundary is ``replace`` (the default), or continues with them otherwise.
- ``subagent_trajectories`` embeds child trajectories in the file: each becomes an agent span
  with its own llm and tool spans (span ids prefixed ``<trajectory_id>/``) in the parent's
  trace, under the tool span (or step) whose observation result names it in
  ``subagent_trajectory_ref`` (by ``trajectory_id``, or ``session_id`` as 1.5/1.6 wrote it);
  one named by no step hangs under the parent's agent span, with a warning. Their tokens and
  cost count in the trace. ``session_id`` is optional from 1.7: the trace id is the session id,
  else the trajectory id.

Knowingly not read: subagent trajectories kept in other files (``trajectory_path``) stay
references (``atif.subagent_trajectory_ref`` on the tool span); import those files too. A
summarisation hand-off written without ``context_management`` (Harbor's terminus-2 before it
wrote the field) is read as ordinary steps.
Times: ATIF stamps each step once (``timestamp``), so a step's llm span and tool spans run
from its timestamp to the next step's; the last step's end is unknown (NULL). The root runs
from the first step's timestamp to the last one's. Steps without timestamps leave times
NULL. A step repeated with the same ``step_id`` gets its position appended to its span id.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from spanscope.importers.atif_messages import (
    agent_output,
    compacted_context,
    context_management,
    plain_message,
    result_messages,
    step_results,
)
from spanscope.importers.atif_spans import (
    context_span,
    dispatch_span,
    llm_span,
    root_span,
    tool_span,
)
from spanscope.importers.base import ArrowSource, BuiltinFormat, ImportError_, Sample
from spanscope.importers.json_head import head_records
from spanscope.importers.records import JsonRecords, Record, describe_value, records_source
from spanscope.importers.times import to_ns
from spanscope.importers.values import JsonDict, as_dict
from spanscope.model.raw import RawSpan

_SOURCES = ("user", "agent", "system")


def is_trajectory(value: Any) -> bool:
    """True for an ATIF trajectory (or the head of one, cut off by the end of a sample)."""
    if not isinstance(value, dict):
        return False
    version = value.get("schema_version")
    if isinstance(version, str) and version.upper().startswith("ATIF-"):
        # (steps may lie beyond the end of a sample, after a long agent definition)
        return any(k in value for k in ("steps", "session_id", "agent"))
    steps = value.get("steps")
    first = steps[0] if isinstance(steps, list) and steps else None
    return (
        isinstance(first, dict)
        and "step_id" in first
        and first.get("source") in _SOURCES
        and "session_id" in value
        and isinstance(value.get("agent"), dict)
    )


class AtifTrajectory:
    """ATIF trajectories: a root agent span, an llm span per agent step, a tool span per call."""

    name = "atif"

    def sniff(self, sample: Sample) -> bool:
        records = head_records(sample, limit=5)
        return bool(records) and all(is_trajectory(r) for r in records)

    def source(self, sample: Sample, workdir: Path) -> ArrowSource:
        return records_source(sample, self._spans)

    def _spans(self, records: JsonRecords, warnings: list[str]) -> Iterator[RawSpan]:
        for record in records:
            try:
                if not is_trajectory(record.value):
                    raise ValueError(f"not an ATIF trajectory ({describe_value(record.value)})")
                yield from trajectory_spans(record, warnings)
            except ValueError as exc:
                raise ImportError_(f"{records.path}: {exc} at {record.where}") from None


def trajectory_spans(record: Record, warnings: list[str] | None = None) -> Iterator[RawSpan]:
    """The spans of one trajectory and of the subagent trajectories embedded in it."""
    traj: JsonDict = record.value
    trace_id = _trajectory_key(traj)
    if trace_id is None:
        raise ValueError("the trajectory has no session_id (nor trajectory_id)")
    yield from _walk(traj, trace_id, "", None, warnings if warnings is not None else [])


def _trajectory_key(traj: JsonDict) -> str | None:
    for key in ("session_id", "trajectory_id"):
        value = traj.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


def _checked_steps(traj: JsonDict, where: str) -> list[JsonDict]:
    steps = traj.get("steps")
    if not isinstance(steps, list):
        raise ValueError(f"steps{where} is not a list")
    for i, step in enumerate(steps, 1):
        if not isinstance(step, dict):
            raise ValueError(f"step {i}{where} is not an object")
        if step.get("source") not in _SOURCES:
            raise ValueError(
                f"step {i}{where} has source {step.get('source')!r}, not user, agent or system"
            )
    return steps


def _walk(
    traj: JsonDict, trace_id: str, prefix: str, parent: str | None, warnings: list[str]
) -> Iterator[RawSpan]:
    """One trajectory's spans under ``parent``; ``prefix`` keeps a subagent's span ids apart
    from its parent's."""
    where = f" of subagent {prefix.rstrip('/')}" if prefix else ""
    steps = _checked_steps(traj, where)
    agent = as_dict(traj.get("agent"))
    times = [to_ns(s.get("timestamp")) for s in steps]
    known = [t for t in times if t is not None]
    root_id = f"{prefix}agent"
    default_model = agent.get("model_name") if isinstance(agent.get("model_name"), str) else None
    yield root_span(traj, trace_id, root_id, parent, agent, known)

    conversation: list[JsonDict] = []
    seen: set[str] = set()
    referrers: dict[str, str] = {}  # subagent trajectory id -> the span that started it
    for index, step in enumerate(steps):
        source = step["source"]
        start = times[index]
        end = (
            next((t for t in times[index + 1 :] if t is not None), None)
            if start is not None
            else None
        )
        step_key = f"{prefix}step-{step.get('step_id', index + 1)}"
        if step_key in seen:
            step_key = f"{step_key}-{index + 1}"
        seen.add(step_key)
        results = step_results(step)
        handling = context_management(step)
        if handling is not None:
            # The context was rewritten here: later calls saw the rewrite, not what went before.
            yield context_span(trace_id, root_id, step_key, step, handling, start, end)
            rewritten = compacted_context(step, results)
            if handling.get("boundary", "replace") == "replace":
                conversation = rewritten
            else:
                conversation.extend(rewritten)
            _note_refs(results, step_key, referrers)
            continue
        if source != "agent":
            conversation.append(plain_message(source, step))
            conversation.extend(result_messages(results))
            _note_refs(results, root_id, referrers)
            continue
        output, calls = agent_output(step)
        if step.get("llm_call_count") == 0:
            # Deterministic dispatch (ATIF 1.7): no model was called, so no llm span.
            yield dispatch_span(trace_id, root_id, step_key, step, start, end)
        else:
            yield llm_span(
                trace_id,
                root_id,
                step_key,
                step,
                default_model,
                conversation,
                output,
                results,
                start,
                end,
            )
        conversation.append(output)
        for n, call in enumerate(calls, 1):
            call_id = call.get("tool_call_id")
            matched = [
                r for r in results if call_id is not None and r.get("source_call_id") == call_id
            ]
            tool_id = f"{step_key}.tool-{n}"
            _note_refs(matched, tool_id, referrers)
            yield tool_span(trace_id, root_id, tool_id, call, matched, start, end)
        _note_refs(results, step_key, referrers)
        conversation.extend(result_messages(results))
    yield from _subagents(traj, trace_id, prefix, root_id, referrers, warnings)


def _note_refs(results: list[JsonDict], span_id: str, referrers: dict[str, str]) -> None:
    for result in results:
        refs = result.get("subagent_trajectory_ref")
        for ref in refs if isinstance(refs, list) else []:
            key = _trajectory_key_of_ref(ref)
            if key is not None:
                referrers.setdefault(key, span_id)


def _trajectory_key_of_ref(ref: Any) -> str | None:
    """ATIF 1.7 resolves a reference by ``trajectory_id``; 1.5 and 1.6 by ``session_id``."""
    if not isinstance(ref, dict):
        return None
    for key in ("trajectory_id", "session_id"):
        if isinstance(ref.get(key), str) and ref[key]:
            return str(ref[key])
    return None


def _subagents(
    traj: JsonDict,
    trace_id: str,
    prefix: str,
    root_id: str,
    referrers: dict[str, str],
    warnings: list[str],
) -> Iterator[RawSpan]:
    embedded = traj.get("subagent_trajectories")
    if embedded is None:
        return
    if not isinstance(embedded, list):
        raise ValueError("subagent_trajectories is not a list")
    for n, child in enumerate(embedded, 1):
        if not isinstance(child, dict):
            raise ValueError(f"subagent trajectory {n} is not an object")
        ids = [child.get("trajectory_id"), child.get("session_id")]
        key = next((str(i) for i in ids if isinstance(i, str) and i), f"subagent-{n}")
        parent = referrers.get(key)
        if parent is None and isinstance(child.get("session_id"), str):
            parent = referrers.get(child["session_id"])
        if parent is None:
            warnings.append(
                f"subagent trajectory {key} is referred to by no step; shown under its parent agent"
            )
        yield from _walk(child, trace_id, f"{prefix}{key}/", parent or root_id, warnings)


# Found by the format registry, which asks the formats by rising asked_at (importers/registry.py).
FORMAT = BuiltinFormat(AtifTrajectory, asked_at=150)
