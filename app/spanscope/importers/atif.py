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
Times: ATIF stamps each step once (``timestamp``), so a step's llm span and tool spans run
from its timestamp to the next step's; the last step's end is unknown (NULL). The root runs
from the first step's timestamp to the last one's. Steps without timestamps leave times
NULL. A step repeated with the same ``step_id`` gets its position appended to its span id.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from spanscope.importers.base import ArrowSource, ImportError_, Sample
from spanscope.importers.batches import span_batches
from spanscope.importers.json_head import head_records
from spanscope.importers.records import JsonRecords, Record, describe_value
from spanscope.importers.times import to_ns
from spanscope.importers.values import JsonDict, as_dict, compact_json, whole_number
from spanscope.model import conventions
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
        records = JsonRecords(sample)
        return ArrowSource(batches=span_batches(self._spans(records)), progress=records.progress)

    def _spans(self, records: JsonRecords) -> Iterator[RawSpan]:
        for record in records:
            try:
                if not is_trajectory(record.value):
                    raise ValueError(f"not an ATIF trajectory ({describe_value(record.value)})")
                yield from trajectory_spans(record)
            except ValueError as exc:
                raise ImportError_(f"{records.path}: {exc} at {record.where}") from None


def trajectory_spans(record: Record) -> Iterator[RawSpan]:
    traj: JsonDict = record.value
    session = traj.get("session_id")
    if not isinstance(session, (str, int)) or str(session) == "":
        raise ValueError("the trajectory has no session_id")
    trace_id = str(session)
    agent = as_dict(traj.get("agent"))
    steps = traj.get("steps")
    if not isinstance(steps, list):
        raise ValueError("steps is not a list")
    for i, step in enumerate(steps, 1):
        if not isinstance(step, dict):
            raise ValueError(f"step {i} is not an object")
        if step.get("source") not in _SOURCES:
            raise ValueError(
                f"step {i} has source {step.get('source')!r}, not user, agent or system"
            )

    times = [to_ns(s.get("timestamp")) for s in steps]
    known = [t for t in times if t is not None]
    root_id = "agent"
    agent_name = agent.get("name") if isinstance(agent.get("name"), str) else None
    default_model = agent.get("model_name") if isinstance(agent.get("model_name"), str) else None

    root_attrs: JsonDict = {
        conventions.SPANSCOPE_KIND: "agent",
        conventions.GEN_AI_OPERATION_NAME: "invoke_agent",
        "gen_ai.agent.name": agent_name,
        "gen_ai.agent.version": agent.get("version"),
        conventions.GEN_AI_CONVERSATION_ID: trace_id,
        conventions.SESSION_ID: trace_id,
        "atif.schema_version": traj.get("schema_version"),
        "atif.agent.model_name": default_model,
        "atif.agent.extra": agent.get("extra"),
        "atif.notes": traj.get("notes"),
        "atif.final_metrics": traj.get("final_metrics"),
        "atif.extra": traj.get("extra"),
        "atif.continued_trajectory_ref": traj.get("continued_trajectory_ref"),
    }
    tools = agent.get("tool_definitions")
    if isinstance(tools, list) and tools:
        root_attrs["gen_ai.tool.definitions"] = compact_json(tools)
    others = {
        k: v
        for k, v in agent.items()
        if k not in ("name", "version", "model_name", "tool_definitions", "extra")
    }
    if others:
        root_attrs["atif.agent"] = others
    yield RawSpan(
        trace_id=trace_id,
        span_id=root_id,
        parent_span_id=None,
        name=f"invoke_agent {agent_name}" if agent_name else "invoke_agent",
        start_ns=min(known) if known else None,
        end_ns=max(known) if known else None,
        span_kind="internal",
        attributes=_present(root_attrs),
    )

    conversation: list[JsonDict] = []
    seen: set[str] = set()
    for index, step in enumerate(steps):
        source = step["source"]
        start = times[index]
        end = (
            next((t for t in times[index + 1 :] if t is not None), None)
            if start is not None
            else None
        )
        if source != "agent":
            conversation.append(_plain_message(source, step))
            conversation.extend(_result_messages(_results(step)))
            continue
        step_key = f"step-{step.get('step_id', index + 1)}"
        if step_key in seen:
            step_key = f"{step_key}-{index + 1}"
        seen.add(step_key)
        output, calls = _agent_output(step)
        results = _results(step)
        yield _llm_span(
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
            yield _tool_span(trace_id, root_id, f"{step_key}.tool-{n}", call, matched, start, end)
        conversation.extend(_result_messages(results))


def _result_messages(results: list[JsonDict]) -> list[JsonDict]:
    return [
        {
            "role": "tool",
            "parts": [
                {
                    "type": "tool_call_response",
                    "id": r.get("source_call_id"),
                    "response": _text(r.get("content")),
                }
            ],
        }
        for r in results
    ]


def _llm_span(
    trace_id: str,
    parent: str,
    span_id: str,
    step: JsonDict,
    default_model: str | None,
    conversation: list[JsonDict],
    output: JsonDict,
    results: list[JsonDict],
    start: int | None,
    end: int | None,
) -> RawSpan:
    model = step.get("model_name") if isinstance(step.get("model_name"), str) else default_model
    metrics = as_dict(step.get("metrics"))
    extra = as_dict(metrics.get("extra"))
    attrs: JsonDict = {
        conventions.SPANSCOPE_KIND: "llm",
        conventions.GEN_AI_OPERATION_NAME: "chat",
        conventions.GEN_AI_REQUEST_MODEL: model,
        conventions.GEN_AI_INPUT_MESSAGES: compact_json(conversation) if conversation else None,
        conventions.GEN_AI_OUTPUT_MESSAGES: compact_json([output]),
        conventions.GEN_AI_USAGE_INPUT_TOKENS: whole_number(
            metrics.get("prompt_tokens")
        ),  # includes cached
        conventions.GEN_AI_USAGE_OUTPUT_TOKENS: whole_number(metrics.get("completion_tokens")),
        conventions.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: whole_number(
            metrics.get("cached_tokens")
        ),
        conventions.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: whole_number(
            extra.get("cache_creation_input_tokens")
        ),
        conventions.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: whole_number(
            extra.get("reasoning_tokens")
        ),
        conventions.LLM_COST_TOTAL: _number(metrics.get("cost_usd")),
        "atif.step_id": step.get("step_id"),
        "atif.metrics": metrics or None,
        "atif.step.extra": step.get("extra"),
        "atif.step.timestamp": step.get("timestamp"),
    }
    if step.get("reasoning_effort") is not None:
        attrs["gen_ai.request.reasoning_effort"] = step["reasoning_effort"]
        attrs[conventions.LLM_INVOCATION_PARAMETERS] = compact_json(
            {"reasoning_effort": step["reasoning_effort"]}
        )
    unmatched = [
        r
        for r in results
        if r.get("source_call_id") is None
        or r.get("source_call_id") not in {c.get("tool_call_id") for c in _calls(step)}
    ]
    if unmatched:
        attrs["atif.observation"] = unmatched
    return RawSpan(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=parent,
        name=f"chat {model}" if model else "chat",
        start_ns=start,
        end_ns=end,
        span_kind="client",
        attributes=_present(attrs),
    )


def _tool_span(
    trace_id: str,
    parent: str,
    span_id: str,
    call: JsonDict,
    results: list[JsonDict],
    start: int | None,
    end: int | None,
) -> RawSpan:
    name = call.get("function_name")
    arguments = call.get("arguments")
    texts = [t for t in (_text(r.get("content")) for r in results) if t is not None]
    refs = [
        ref
        for r in results
        for ref in (r.get("subagent_trajectory_ref") or [])
        if isinstance(r.get("subagent_trajectory_ref"), list)
    ]
    errored = any(r.get("is_error") is True for r in results)
    attrs: JsonDict = {
        conventions.SPANSCOPE_KIND: "tool",
        conventions.GEN_AI_OPERATION_NAME: "execute_tool",
        conventions.GEN_AI_TOOL_NAME: name,
        conventions.GEN_AI_TOOL_CALL_ID: call.get("tool_call_id"),
        conventions.GEN_AI_TOOL_CALL_ARGUMENTS: arguments
        if isinstance(arguments, str) or arguments is None
        else compact_json(arguments),
        conventions.GEN_AI_TOOL_CALL_RESULT: "\n".join(texts) if texts else None,
        "atif.subagent_trajectory_ref": refs or None,
        "atif.tool_call.extra": call.get("extra"),
    }
    return RawSpan(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=parent,
        name=f"execute_tool {name}" if name else "execute_tool",
        start_ns=start,
        end_ns=end,
        status="error" if errored else "unset",
        status_message=texts[0][:2000] if errored and texts else None,
        span_kind="internal",
        attributes=_present(attrs),
    )


def _plain_message(source: str, step: JsonDict) -> JsonDict:
    role = "assistant" if source == "agent" else source
    return {"role": role, "parts": _message_parts(step.get("message"))}


def _message_parts(message: Any) -> list[JsonDict]:
    """ATIF messages are strings; later versions also allow a list of content parts."""
    if isinstance(message, str):
        return [{"type": "text", "content": message}] if message else []
    parts: list[JsonDict] = []
    if isinstance(message, list):
        for part in message:
            if isinstance(part, str):
                parts.append({"type": "text", "content": part})
            elif isinstance(part, dict) and part.get("type") in (None, "text"):
                parts.append({"type": "text", "content": part.get("text", part.get("content"))})
            elif isinstance(part, dict):
                parts.append({"type": str(part.get("type")), "content": compact_json(part)})
    elif message is not None:
        parts.append({"type": "text", "content": compact_json(message)})
    return parts


def _calls(step: JsonDict) -> list[JsonDict]:
    calls = step.get("tool_calls")
    return [c for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []


def _agent_output(step: JsonDict) -> tuple[JsonDict, list[JsonDict]]:
    parts: list[JsonDict] = []
    if isinstance(step.get("reasoning_content"), str) and step["reasoning_content"]:
        parts.append({"type": "reasoning", "content": step["reasoning_content"]})
    parts.extend(_message_parts(step.get("message")))
    calls = _calls(step)
    for call in calls:
        parts.append(
            {
                "type": "tool_call",
                "id": call.get("tool_call_id"),
                "name": call.get("function_name"),
                "arguments": call.get("arguments"),
            }
        )
    return {"role": "assistant", "parts": parts}, calls


def _results(step: JsonDict) -> list[JsonDict]:
    observation = step.get("observation")
    if isinstance(observation, str):  # some writers store the observation as JSON text
        try:
            observation = json.loads(observation)
        except ValueError:
            observation = {"results": [{"content": observation}]}
    if not isinstance(observation, dict):
        return []
    results = observation.get("results")
    return [r for r in results if isinstance(r, dict)] if isinstance(results, list) else []


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(
        isinstance(p, dict) and p.get("type") == "text" for p in value
    ):
        return "\n".join(str(p.get("text")) for p in value)
    return compact_json(value)


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return None
    return value if isinstance(value, (int, float)) else None


def _present(attrs: JsonDict) -> JsonDict:
    return {k: v for k, v in attrs.items() if v is not None}
