"""The spans an ATIF trajectory becomes: its agent, each model call, each tool call, each
dispatch that called no model, and each rewrite of the context window."""

from __future__ import annotations

from spanscope.importers.atif_messages import number, result_text, step_calls, step_results
from spanscope.importers.values import JsonDict, as_dict, compact_json, whole_number
from spanscope.model import conventions
from spanscope.model.attributes import SpanAttributes
from spanscope.model.raw import RawSpan


def root_span(
    traj: JsonDict,
    trace_id: str,
    root_id: str,
    parent: str | None,
    agent: JsonDict,
    known: list[int],
) -> RawSpan:
    agent_name = agent.get("name") if isinstance(agent.get("name"), str) else None
    attributes = SpanAttributes(
        {conventions.SPANSCOPE_KIND: "agent", conventions.GEN_AI_OPERATION_NAME: "invoke_agent"}
    )
    attributes.keep("gen_ai.agent.name", agent_name)
    attributes.keep("gen_ai.agent.version", agent.get("version"))
    attributes.update(
        {conventions.GEN_AI_CONVERSATION_ID: trace_id, conventions.SESSION_ID: trace_id}
    )
    attributes.keep_each(
        {
            "atif.schema_version": traj.get("schema_version"),
            "atif.trajectory_id": traj.get("trajectory_id"),
            "atif.session_id": traj.get("session_id") if parent is not None else None,
            "atif.agent.model_name": agent.get("model_name"),
            "atif.agent.extra": agent.get("extra"),
            "atif.notes": traj.get("notes"),
            "atif.final_metrics": traj.get("final_metrics"),
            "atif.extra": traj.get("extra"),
            "atif.continued_trajectory_ref": traj.get("continued_trajectory_ref"),
        }
    )
    tools = agent.get("tool_definitions")
    if isinstance(tools, list) and tools:
        attributes.keep("gen_ai.tool.definitions", compact_json(tools))
    others = {
        k: v
        for k, v in agent.items()
        if k not in ("name", "version", "model_name", "tool_definitions", "extra")
    }
    if others:
        attributes.keep("atif.agent", others)
    return _span(
        trace_id,
        parent,
        root_id,
        f"invoke_agent {agent_name}" if agent_name else "invoke_agent",
        min(known) if known else None,
        max(known) if known else None,
        attributes,
    )


def context_span(
    trace_id: str,
    parent: str,
    span_id: str,
    step: JsonDict,
    handling: JsonDict,
    start: int | None,
    end: int | None,
) -> RawSpan:
    kind = str(handling.get("type") or "context management")
    attributes = SpanAttributes({conventions.SPANSCOPE_KIND: "event"})
    attributes.keep_each(
        {
            "atif.step_id": step.get("step_id"),
            "atif.source": step.get("source"),
            "atif.context_management": handling,
            "atif.step.extra": step.get("extra"),
        }
    )
    attributes.update(
        {
            conventions.INPUT_VALUE: result_text(step.get("message")),
            conventions.OUTPUT_VALUE: "\n\n".join(
                t for t in (result_text(r.get("content")) for r in step_results(step)) if t
            )
            or None,
        }
    )
    return _span(
        trace_id,
        parent,
        span_id,
        f"context {kind}",
        start,
        start,
        attributes,
    )


def dispatch_span(
    trace_id: str, parent: str, span_id: str, step: JsonDict, start: int | None, end: int | None
) -> RawSpan:
    attributes = SpanAttributes({conventions.SPANSCOPE_KIND: "chain"})
    attributes.keep_each(
        {
            "atif.step_id": step.get("step_id"),
            "atif.llm_call_count": 0,
            "atif.metrics": step.get("metrics"),
            "atif.step.extra": step.get("extra"),
            "atif.step.timestamp": step.get("timestamp"),
        }
    )
    attributes[conventions.OUTPUT_VALUE] = result_text(step.get("message")) or None
    return _span(
        trace_id,
        parent,
        span_id,
        "dispatch",
        start,
        end,
        attributes,
    )


def llm_span(
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
    attributes = SpanAttributes(
        {
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
            conventions.LLM_COST_TOTAL: number(metrics.get("cost_usd")),
        }
    )
    attributes.keep_each(
        {
            "atif.step_id": step.get("step_id"),
            "atif.llm_call_count": step.get("llm_call_count"),
            "atif.metrics": metrics or None,
            "atif.step.extra": step.get("extra"),
            "atif.step.timestamp": step.get("timestamp"),
        }
    )
    if step.get("reasoning_effort") is not None:
        attributes.set_in(conventions.GEN_AI_REQUEST, "reasoning_effort", step["reasoning_effort"])
        attributes[conventions.LLM_INVOCATION_PARAMETERS] = compact_json(
            {"reasoning_effort": step["reasoning_effort"]}
        )
    unmatched = [
        r
        for r in results
        if r.get("source_call_id") is None
        or r.get("source_call_id") not in {c.get("tool_call_id") for c in step_calls(step)}
    ]
    if unmatched:
        attributes.keep("atif.observation", unmatched)
    return _span(
        trace_id,
        parent,
        span_id,
        f"chat {model}" if model else "chat",
        start,
        end,
        attributes,
        span_kind="client",
    )


def tool_span(
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
    texts = [t for t in (result_text(r.get("content")) for r in results) if t is not None]
    refs = [
        ref
        for r in results
        for ref in (r.get("subagent_trajectory_ref") or [])
        if isinstance(r.get("subagent_trajectory_ref"), list)
    ]
    errored = any(r.get("is_error") is True for r in results)
    attributes = SpanAttributes(
        {
            conventions.SPANSCOPE_KIND: "tool",
            conventions.GEN_AI_OPERATION_NAME: "execute_tool",
            conventions.GEN_AI_TOOL_NAME: name,
            conventions.GEN_AI_TOOL_CALL_ID: call.get("tool_call_id"),
            conventions.GEN_AI_TOOL_CALL_ARGUMENTS: arguments
            if isinstance(arguments, str) or arguments is None
            else compact_json(arguments),
            conventions.GEN_AI_TOOL_CALL_RESULT: "\n".join(texts) if texts else None,
        }
    )
    attributes.keep("atif.subagent_trajectory_ref", refs or None)
    attributes.keep("atif.tool_call.extra", call.get("extra"))
    return _span(
        trace_id,
        parent,
        span_id,
        f"execute_tool {name}" if name else "execute_tool",
        start,
        end,
        attributes,
        status="error" if errored else "unset",
        status_message=texts[0][:2000] if errored and texts else None,
    )


def _span(
    trace_id: str,
    parent: str | None,
    span_id: str,
    name: str,
    start: int | None,
    end: int | None,
    attributes: SpanAttributes,
    *,
    span_kind: str = "internal",
    status: str = "unset",
    status_message: str | None = None,
) -> RawSpan:
    return RawSpan(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=parent,
        name=name,
        start_ns=start,
        end_ns=end,
        status=status,
        status_message=status_message,
        span_kind=span_kind,
        attributes=attributes.present(),
    )
