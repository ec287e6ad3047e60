"""A Langfuse trace and its observations as spans: kinds, the trace's facts, payloads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from spanscope.importers.chat_payloads import is_plain_rendering, retrieval_documents, to_messages
from spanscope.importers.langfuse.usage import recorded_cost, usage_attributes
from spanscope.importers.times import field_time_ns
from spanscope.importers.values import decode_json_text, id_text, text_of
from spanscope.model import conventions
from spanscope.model.attributes import SpanAttributes
from spanscope.model.raw import RawSpan, json_text

OBSERVATION_KINDS = {
    "GENERATION": "llm",
    "SPAN": "chain",
    "EVENT": "event",
    "AGENT": "agent",
    "TOOL": "tool",
    "CHAIN": "chain",
    "RETRIEVER": "retriever",
    "EMBEDDING": "embedding",
    "EVALUATOR": "evaluator",
    "GUARDRAIL": "guardrail",
}
_MODEL_KINDS = ("llm", "embedding")

# Observation fields mapped explicitly; every other field is kept as langfuse.observation.<field>.
_MAPPED_OBSERVATION_FIELDS = {
    "id",
    "traceId",
    "parentObservationId",
    "name",
    "startTime",
    "endTime",
    "type",
    "input",
    "output",
    "metadata",
    "statusMessage",
    "model",
    "level",
    "modelParameters",
}
# Trace fields mapped explicitly; every other field is kept as langfuse.trace.<field>.
_MAPPED_TRACE_FIELDS = {
    "id",
    "name",
    "observations",
    "scores",
    "input",
    "output",
    "metadata",
    "sessionId",
    "userId",
    "tags",
    "htmlPath",
}
_TOOL_NAME_KEYS = (
    conventions.GEN_AI_TOOL_NAME,
    conventions.TOOL_NAME,
    conventions.AI_TOOL_CALL_NAME,
)
_MESSAGES = {
    "input": conventions.GEN_AI_INPUT_MESSAGES,
    "output": conventions.GEN_AI_OUTPUT_MESSAGES,
}
_VALUES = {"input": conventions.INPUT_VALUE, "output": conventions.OUTPUT_VALUE}
_PROVIDER_KEYS = (
    conventions.GEN_AI_PROVIDER_NAME,
    conventions.GEN_AI_SYSTEM,
    conventions.LLM_PROVIDER,
    conventions.LLM_SYSTEM,
    conventions.AI_MODEL_PROVIDER,
)


def is_observation(value: Any) -> bool:
    """A bare Langfuse observation (the flat observations export)."""
    return (
        isinstance(value, dict)
        and "traceId" in value
        and "parentObservationId" in value
        and "startTime" in value
        and isinstance(value.get("type"), str)
    )


def export_spans(record: dict[str, Any]) -> list[RawSpan]:
    """The spans of one Langfuse export record (a trace with its observations, or one bare
    observation). Raises ValueError for a value that cannot be read."""
    if is_observation(record) and "trace" not in record:
        return [_observation_span(record, None, 1)]
    trace = record["trace"] if isinstance(record.get("trace"), dict) else record
    observations: list[dict[str, Any]] = []
    seen: set[str] = set()
    lists = [record.get("observations")]
    if trace is not record:
        lists.append(trace.get("observations"))
    for items in lists:
        for item in items or []:
            if isinstance(item, str):
                continue  # a list of observation ids only (the list-traces API)
            if not isinstance(item, dict):
                raise ValueError("an observation is not a JSON object")
            key = item.get("id")
            if key is not None:
                if str(key) in seen:
                    continue
                seen.add(str(key))
            observations.append(item)
    context = _TraceContext(trace)
    if not observations:
        return [context.trace_span()]
    spans = [_observation_span(o, context, n) for n, o in enumerate(observations, 1)]
    context.decorate_root(spans, observations)
    return spans


class _TraceContext:
    """What a trace says about all of its spans, and about its root."""

    def __init__(self, trace: dict[str, Any]) -> None:
        self.trace = trace
        self.trace_id = id_text(trace.get("id"))
        self.common: dict[str, Any] = {}
        if isinstance(trace.get("sessionId"), str) and trace["sessionId"]:
            self.common[conventions.SESSION_ID] = trace["sessionId"]
        if isinstance(trace.get("userId"), str) and trace["userId"]:
            self.common[conventions.USER_ID] = trace["userId"]
        tags = trace.get("tags")
        if isinstance(tags, list) and tags:
            self.common[conventions.TAG_TAGS] = [str(t) for t in tags]
        metadata = decode_json_text(trace.get("metadata"))
        self.metadata = metadata
        self.resource: dict[str, Any] = {}
        if isinstance(metadata, dict) and isinstance(metadata.get("resourceAttributes"), dict):
            self.resource = metadata["resourceAttributes"]
        self.scores_by_observation: dict[str, list[Any]] = {}
        self.trace_scores: list[Any] = []
        for score in trace.get("scores") or []:
            target = score.get("observationId") if isinstance(score, dict) else None
            if target:
                self.scores_by_observation.setdefault(str(target), []).append(score)
            else:
                self.trace_scores.append(score)

    def root_attributes(self, own_metadata: Any, own_input: Any, own_output: Any) -> dict[str, Any]:
        trace = self.trace
        out: dict[str, Any] = {}
        if trace.get("name"):
            out["langfuse.trace.name"] = trace["name"]
        metadata = self.metadata
        if isinstance(metadata, dict):
            own = own_metadata if isinstance(own_metadata, dict) else {}
            # OTel-ingested traces repeat their root span's attributes, resource and scope.
            metadata = {
                k: v
                for k, v in metadata.items()
                if not (k in ("attributes", "resourceAttributes", "scope") and own.get(k) == v)
            }
        if metadata not in (None, {}, ""):
            out["langfuse.trace.metadata"] = metadata
        for key, own in (("input", own_input), ("output", own_output)):
            value = decode_json_text(trace.get(key))
            if value is not None and value != decode_json_text(own):
                out[f"langfuse.trace.{key}"] = value
        if self.trace_scores:
            out["langfuse.trace.scores"] = self.trace_scores
        for key, value in trace.items():
            if key not in _MAPPED_TRACE_FIELDS and value not in (None, "", [], {}):
                out[f"langfuse.trace.{key}"] = value
        return out

    def trace_span(self) -> RawSpan:
        """A trace exported without observations, as one span."""
        if self.trace_id is None:
            raise ValueError("the trace has no id")
        trace = self.trace
        start = field_time_ns(trace.get("timestamp"), "timestamp")
        latency = trace.get("latency")
        end = None
        if (
            start is not None
            and isinstance(latency, (int, float))
            and not isinstance(latency, bool)
        ):
            end = start + int(Decimal(repr(latency)) * 1_000_000_000)
        attributes = SpanAttributes()
        attributes[conventions.SPANSCOPE_KIND] = "chain"
        attributes.set_all(self.common)
        own_input, own_output = trace.get("input"), trace.get("output")
        if own_input is not None:
            attributes[conventions.INPUT_VALUE] = text_of(own_input)
        if own_output is not None:
            attributes[conventions.OUTPUT_VALUE] = text_of(own_output)
        attributes.keep_all(self.root_attributes(None, own_input, own_output))
        return RawSpan(
            self.trace_id,
            self.trace_id,
            None,
            trace.get("name") or None,
            start,
            end,
            attributes=attributes,
            resource=self.resource,
        )

    def decorate_root(self, spans: list[RawSpan], observations: list[dict[str, Any]]) -> None:
        ids = {s.span_id for s in spans}
        roots = [
            i
            for i, s in enumerate(spans)
            if s.parent_span_id is None or s.parent_span_id not in ids
        ]
        if not roots:
            return
        first = min(roots, key=lambda i: (spans[i].start_ns is None, spans[i].start_ns or 0, i))
        observation = observations[first]
        own_metadata = decode_json_text(observation.get("metadata"))
        attributes = spans[first].attributes
        assert isinstance(attributes, SpanAttributes)  # built by _observation_span
        attributes.keep_all(
            self.root_attributes(own_metadata, observation.get("input"), observation.get("output"))
        )


def _observation_span(o: dict[str, Any], context: _TraceContext | None, number: int) -> RawSpan:
    where = f"observation {number}"
    trace_id = id_text(o.get("traceId")) or (context.trace_id if context else None)
    if trace_id is None:
        raise ValueError(f"{where} has no trace id")
    span_id = id_text(o.get("id")) or f"{trace_id}:{number}"
    obs_type = str(o.get("type") or "").upper()
    kind = OBSERVATION_KINDS.get(obs_type)

    metadata = decode_json_text(o.get("metadata"))
    attributes = SpanAttributes()
    resource: dict[str, Any] = dict(context.resource) if context else {}
    scope: dict[str, Any] | None = None
    rest: Any = metadata
    if isinstance(metadata, dict):
        rest = dict(metadata)
        otel = decode_json_text(rest.pop("attributes", None))
        if isinstance(otel, dict):
            attributes.keep_all(otel)
        elif otel is not None:
            rest["attributes"] = otel
        own_resource = decode_json_text(rest.pop("resourceAttributes", None))
        if isinstance(own_resource, dict):
            resource = own_resource
        own_scope = decode_json_text(rest.pop("scope", None))
        if isinstance(own_scope, dict):
            scope = own_scope
        elif own_scope is not None:
            rest["scope"] = own_scope

    # Langfuse's own fields, kept as they are.
    if rest not in (None, {}, ""):
        attributes.keep("langfuse.observation.metadata", rest)
    for key, value in o.items():
        if key not in _MAPPED_OBSERVATION_FIELDS and value not in (None, "", [], {}):
            attributes.keep(f"langfuse.observation.{key}", value)
    if o.get("type") is not None:
        attributes[conventions.LANGFUSE_OBSERVATION_TYPE] = o["type"]
    if o.get("level") is not None:
        attributes.keep("langfuse.observation.level", o["level"])
    if o.get("model"):
        attributes[conventions.LANGFUSE_OBSERVATION_MODEL_NAME] = o["model"]

    # The conventions the shared mapping reads; these win over the merged OTel attributes.
    if kind is not None:
        attributes[conventions.SPANSCOPE_KIND] = kind
    if context is not None:
        attributes.set_all(context.common)
        scores = context.scores_by_observation.get(span_id)
        if scores:
            attributes.keep("langfuse.observation.scores", scores)
    if conventions.SESSION_ID not in attributes and isinstance(rest, dict):
        thread = rest.get("session_id") or rest.get("thread_id")
        if (
            isinstance(thread, str)
            and thread
            and not attributes.get(conventions.GEN_AI_CONVERSATION_ID)
        ):
            attributes[conventions.SESSION_ID] = thread
    provider = rest.get("ls_provider") if isinstance(rest, dict) else None
    if isinstance(provider, str) and not any(attributes.get(k) for k in _PROVIDER_KEYS):
        attributes[conventions.GEN_AI_PROVIDER_NAME] = provider
    parameters = decode_json_text(o.get("modelParameters"))
    if isinstance(parameters, dict):
        parameters = {k: v for k, v in parameters.items() if v is not None}
        if parameters:
            attributes[conventions.LLM_INVOCATION_PARAMETERS] = json_text(parameters)
    attributes.merge(usage_attributes(o, kind in _MODEL_KINDS))
    if kind in _MODEL_KINDS:
        cost = recorded_cost(o)
        if cost is not None:
            attributes[conventions.LLM_COST_TOTAL] = cost
    _payload_attributes(attributes, kind, o, span_id)

    level = str(o.get("level") or "").upper()
    status = "error" if level == "ERROR" else "unset"
    message = o.get("statusMessage")
    start = field_time_ns(o.get("startTime"), f"{where} startTime")
    end = field_time_ns(o.get("endTime"), f"{where} endTime")
    if end is None and kind == "event":
        end = start
    return RawSpan(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=id_text(o.get("parentObservationId")),
        name=o.get("name") or None,
        start_ns=start,
        end_ns=end,
        status=status,
        status_message=message if isinstance(message, str) and message else None,
        attributes=attributes,
        resource=resource,
        scope=scope,
    )


def _payload_attributes(
    attributes: SpanAttributes, kind: str | None, o: dict[str, Any], span_id: str
) -> None:
    """Input and output in the shape the span's kind calls for."""
    raw_in, raw_out = o.get("input"), o.get("output")
    if kind in _MODEL_KINDS:
        for side, raw, role in (("input", raw_in, "user"), ("output", raw_out, "assistant")):
            if raw is None:
                continue
            if any(k.startswith(f"llm.{side}_messages.") for k in attributes):
                # OpenInference messages recorded by the instrumentation itself are richer than
                # Langfuse's rendering (they keep system instructions and tool call ids).
                _keep(attributes, side, raw)
                continue
            messages = to_messages(raw, role)
            if messages:
                attributes[_MESSAGES[side]] = json_text(messages)
            if not is_plain_rendering(raw, messages):
                _keep(attributes, side, raw)
    elif kind == "tool":
        if raw_in is not None:
            attributes[conventions.GEN_AI_TOOL_CALL_ARGUMENTS] = text_of(raw_in)
        if raw_out is not None:
            attributes[conventions.GEN_AI_TOOL_CALL_RESULT] = text_of(raw_out)
        if not any(attributes.get(k) for k in _TOOL_NAME_KEYS) and o.get("name"):
            attributes[conventions.GEN_AI_TOOL_NAME] = o["name"]
    elif kind == "retriever":
        decoded = decode_json_text(raw_in)
        query = decoded
        if isinstance(query, dict):
            query = query.get("query") or query.get("input") or query.get("question")
        if isinstance(query, str):
            attributes[conventions.GEN_AI_RETRIEVAL_QUERY_TEXT] = query
        if raw_in is not None and decoded != query:
            _keep(attributes, "input", raw_in)
        documents = retrieval_documents(raw_out)
        if documents is not None:
            attributes[conventions.GEN_AI_RETRIEVAL_DOCUMENTS] = json_text(documents)
        elif raw_out is not None:
            _keep(attributes, "output", raw_out)
    else:
        if raw_in is not None:
            _keep(attributes, "input", raw_in)
        if raw_out is not None:
            _keep(attributes, "output", raw_out)


def _keep(attributes: SpanAttributes, side: str, raw: Any) -> None:
    """The raw payload once: as OpenInference ``input.value``/``output.value`` unless the OTel
    attributes already hold a different value there."""
    text = text_of(raw)
    generic = _VALUES[side]
    existing = attributes.get(generic)
    if existing is None:
        attributes[generic] = text
    elif existing != text:
        attributes.keep(f"langfuse.observation.{side}", text)
