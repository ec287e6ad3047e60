"""The spans of one Inspect sample (and epoch): the sample as root, its events as spans and
span events, or, for a sample without events, spans rebuilt from its messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spanscope.importers.inspect_log.events import (
    EVENT_HOUSEKEEPING,
    model_attributes,
    span_event,
    tool_attributes,
    tool_call,
)
from spanscope.importers.inspect_log.model_calls import (
    choice_messages,
    error_text,
    json_unless_empty,
    messages,
    resolve,
    split_model,
)
from spanscope.importers.inspect_log.pools import POOL_KEYS, expand_pools
from spanscope.importers.times import iso_ns
from spanscope.importers.values import as_dict, digest
from spanscope.model import conventions
from spanscope.model.attributes import SpanAttributes
from spanscope.model.raw import RawEvent, RawSpan

SPAN_KINDS = {
    "solvers": "chain",
    "solver": "chain",
    "init": "chain",
    "scorers": "evaluator",
    "scorer": "evaluator",
    "agent": "agent",
    "handoff": "agent",
    "tool": "tool",
    "subtask": "chain",
}
SKIPPED_EVENTS = {"state", "store", "sample_init"}


class SampleTrace:
    """The spans of one sample (and epoch)."""

    def __init__(self, header: Mapping[str, Any], sample: Any, where: str) -> None:
        if not isinstance(sample, dict):
            raise ValueError("a sample must be a JSON object")
        attachments = sample.get("attachments") or {}
        resolved = resolve(
            {k: v for k, v in sample.items() if k != "attachments"},
            attachments if isinstance(attachments, dict) else {},
        )
        # Pooled messages are resolved into each model call, so the pools are not kept twice.
        self.sample, self.missing_refs = expand_pools(resolved)
        self.sample = {k: v for k, v in self.sample.items() if k not in POOL_KEYS}
        self.header = header
        self.spec = as_dict(header.get("eval"))
        epoch = self.sample.get("epoch", 1)
        key = [self.spec.get(k) for k in ("eval_id", "run_id", "task_id")]
        self.trace_id = digest("inspect", *key, self.sample.get("id"), epoch)[:32]
        self.root = digest(self.trace_id, "sample")[:16]
        self._spans: dict[str, RawSpan] = {}
        self._attrs: dict[str, SpanAttributes] = {}
        self._tool_spans: list[str] = []  # spans of type "tool" still waiting for their event
        self._count = 0
        self._times: list[int] = []

    def spans(self) -> list[RawSpan]:
        """The root, then every span below it in the order the log wrote them."""
        sample = self.sample
        task = self.spec.get("task")
        name = f"{task} sample {sample.get('id')} epoch {sample.get('epoch', 1)}"
        self._span(self.root, None, name, "chain", None)
        events = sample.get("events")
        if isinstance(events, list) and events:
            self._walk(events, self.root)
        else:
            self._from_messages(sample.get("messages") or [])
        self._finish_root()
        return list(self._spans.values())

    # events ---------------------------------------------------------------------------------

    def _walk(self, events: list[Any], container: str) -> None:
        steps: list[tuple[Any, Any, str]] = []  # open step events: (type, name, span id)
        for event in events:
            if not isinstance(event, dict):
                raise ValueError("an event must be a JSON object")
            self._count += 1
            kind = event.get("event")
            when = self._time(event.get("timestamp"))
            parent = self._parent(event, steps, container)
            if kind == "span_begin":
                span_id = str(event.get("id") or self._synthetic("span"))
                above = event.get("parent_id")
                self._span(
                    span_id,
                    str(above) if above in self._spans else parent,
                    str(event.get("name") or event.get("type") or "span"),
                    SPAN_KINDS.get(str(event.get("type")), "chain"),
                    when,
                    _kept({"inspect.span.type": event.get("type")}),
                )
                if event.get("type") == "tool":
                    self._tool_spans.append(span_id)
            elif kind == "span_end":
                ended = self._spans.get(str(event.get("id")))
                if ended is not None:
                    ended.end_ns = when
            elif kind == "step":
                self._step(event, when, steps, container)
            elif kind == "model":
                self._model(event, when, parent)
            elif kind == "tool":
                self._tool(event, when, parent)
            elif kind == "subtask":
                span_id = self._synthetic("subtask")
                self._span(
                    span_id,
                    parent,
                    str(event.get("name") or "subtask"),
                    "chain",
                    when,
                    _kept(
                        {
                            f"inspect.subtask.{k}": v
                            for k, v in event.items()
                            if k not in EVENT_HOUSEKEEPING | {"events", "name", "completed"}
                        }
                    ),
                )
                self._spans[span_id].end_ns = self._time(event.get("completed"))
                self._walk(event.get("events") or [], span_id)
            elif kind not in SKIPPED_EVENTS:
                # Scores are recorded inside the span of the scorer that gave them.
                scorer = self._spans[parent].name
                if self._attrs[parent].get(conventions.SPANSCOPE_KIND) != "evaluator":
                    scorer = None
                self._spans[parent].events.append(span_event(event, when, scorer))

    def _parent(
        self, event: Mapping[str, Any], steps: list[tuple[Any, Any, str]], container: str
    ) -> str:
        enclosing = event.get("span_id")
        if enclosing is not None and str(enclosing) in self._spans:
            return str(enclosing)
        return steps[-1][2] if steps else container

    def _step(
        self,
        event: Mapping[str, Any],
        when: int | None,
        steps: list[tuple[Any, Any, str]],
        container: str,
    ) -> None:
        kind, name = event.get("type"), event.get("name")
        if event.get("action") == "begin":
            span_id = self._synthetic("step")
            self._span(
                span_id,
                steps[-1][2] if steps else container,
                str(name or kind or "step"),
                SPAN_KINDS.get(str(kind), "chain"),
                when,
                _kept({"inspect.step.type": kind}),
            )
            steps.append((kind, name, span_id))
            return
        for position in range(len(steps) - 1, -1, -1):
            if steps[position][:2] == (kind, name):
                self._spans[steps.pop(position)[2]].end_ns = when
                return

    def _model(self, event: Mapping[str, Any], when: int | None, parent: str) -> None:
        output = as_dict(event.get("output"))
        usage = as_dict(output.get("usage"))
        end = self._time(event.get("completed"))
        if end is None and when is not None and isinstance(output.get("time"), (int, float)):
            end = when + round(output["time"] * 1e9)
        attributes = model_attributes(event, output, usage)
        error = event.get("error") or output.get("error")
        span_id = self._synthetic("model")
        self._span(
            span_id,
            parent,
            str(event.get("model") or "model"),
            "llm",
            when,
            attributes,
            end=end,
            error=error_text(error),
        )

    def _tool(self, event: Mapping[str, Any], when: int | None, parent: str) -> None:
        function = event.get("function")
        error = event.get("error") if isinstance(event.get("error"), dict) else None
        attributes = tool_attributes(event, error)
        message = str(error.get("message") or error.get("type")) if error else None
        end = self._time(event.get("completed"))
        # Inspect opens a span of type "tool" around the call and stamps the event with that
        # span's parent: the event and the span are the same call.
        opened = [
            s
            for s in self._tool_spans
            if self._spans[s].name == str(function)
            and (
                event.get("span_id") is None
                or self._spans[s].parent_span_id == str(event.get("span_id"))
                or s == parent
            )
        ]
        if opened:
            span_id = opened[-1]
            self._tool_spans.remove(span_id)
            self._attrs[span_id].merge(attributes, recorded_only=True)
            span = self._spans[span_id]
            span.status, span.status_message = ("error", message) if error else ("ok", None)
            if span.end_ns is None:
                span.end_ns = end
        else:
            span_id = self._synthetic("tool")
            self._span(
                span_id,
                parent,
                str(function or "tool"),
                "tool",
                when,
                attributes,
                end=end,
                error=message if error else None,
            )
        self._walk(event.get("events") or [], span_id)  # older logs nest the call's events

    # samples without events -----------------------------------------------------------------

    def _from_messages(self, listed: Any) -> None:
        if not isinstance(listed, list):
            raise ValueError("messages must be a list")
        provider, model = split_model(self.spec.get("model"))
        calls: dict[str, Mapping[str, Any]] = {}
        since: list[Any] = []
        for position, message in enumerate(listed):
            if not isinstance(message, dict):
                raise ValueError(f"message {position + 1} is not a JSON object")
            role = message.get("role")
            span_id = digest(self.trace_id, "message", position)[:16]
            if role == "assistant":
                for call in message.get("tool_calls") or []:
                    if isinstance(call, dict):
                        calls[str(call.get("id"))] = call
                self._span(
                    span_id,
                    self.root,
                    str(message.get("model") or self.spec.get("model")),
                    "llm",
                    None,
                    _reconstructed(
                        SpanAttributes(
                            {
                                conventions.GEN_AI_OPERATION_NAME: "chat",
                                conventions.GEN_AI_PROVIDER_NAME: provider,
                                conventions.GEN_AI_REQUEST_MODEL: model,
                                conventions.GEN_AI_RESPONSE_MODEL: message.get("model"),
                                conventions.GEN_AI_INPUT_MESSAGES: json_unless_empty(
                                    messages(since)
                                ),
                                conventions.GEN_AI_OUTPUT_MESSAGES: json_unless_empty(
                                    messages([message])
                                ),
                            }
                        )
                    ),
                )
                since = []
                continue
            since.append(message)
            if role != "tool":
                continue
            call = calls.get(str(message.get("tool_call_id")), {})
            function = message.get("function") or call.get("function")
            error = message.get("error") if isinstance(message.get("error"), dict) else None
            self._span(
                span_id,
                self.root,
                str(function or "tool"),
                "tool",
                None,
                _reconstructed(
                    tool_call(
                        function,
                        message.get("tool_call_id"),
                        call.get("arguments"),
                        message.get("content"),
                        error,
                    )
                ),
                error=str(error.get("message") or error.get("type")) if error else None,
            )

    # the root -------------------------------------------------------------------------------

    def _finish_root(self) -> None:
        sample, stats = self.sample, self.header.get("stats") or {}
        root = self._spans[self.root]
        first = self._time(sample.get("started_at"))
        last = self._time(sample.get("completed_at"))
        # Without times of its own the sample is placed at the eval's start and end.
        root.start_ns = first if first is not None else min(self._times, default=None)
        root.end_ns = last if last is not None else max(self._times, default=None)
        if root.start_ns is None and isinstance(stats, dict):
            root.start_ns = self._time(stats.get("started_at") or self.spec.get("created"))
            root.end_ns = self._time(stats.get("completed_at")) or root.start_ns
        output = as_dict(sample.get("output"))
        given = sample.get("input")
        attributes = self._attrs[self.root]
        attributes.update(
            {
                conventions.GEN_AI_INPUT_MESSAGES: json_unless_empty(
                    [{"role": "user", "content": given}]
                    if isinstance(given, str)
                    else messages(given)
                ),
                conventions.GEN_AI_OUTPUT_MESSAGES: json_unless_empty(
                    choice_messages(output.get("choices") or [])
                ),
                conventions.TAG_TAGS: self.spec.get("tags") or None,
            }
        )
        attributes.keep_each(
            {
                "inspect.eval": self.spec or None,
                "inspect.plan": self.header.get("plan"),
                "inspect.log.status": self.header.get("status"),
                "inspect.log.version": self.header.get("version"),
                "inspect.log.error": self.header.get("error"),
                # The input and the output's choices are the root's messages; kept once.
                **{
                    f"inspect.sample.{k}": v
                    for k, v in sample.items()
                    if k not in ("messages", "events", "output", "input")
                },
                "inspect.sample.input": None if isinstance(given, str) else given,
                "inspect.sample.output": {k: v for k, v in output.items() if k != "choices"}
                or None,
            }
        )
        error = sample.get("error")
        if error:
            root.status, root.status_message = "error", error_text(error)
            details = error if isinstance(error, dict) else {"message": str(error)}
            # The log's own error event, when it sits on the root, already records it.
            if not any(e.name == "exception" for e in root.events):
                root.events.append(
                    RawEvent(
                        "exception",
                        root.end_ns,
                        {
                            "exception.type": "EvalError",
                            "exception.message": details.get("message"),
                            "exception.stacktrace": details.get("traceback"),
                        },
                    )
                )
        for span_id, span in self._spans.items():
            span.attributes = self._attrs[span_id].present()

    # helpers --------------------------------------------------------------------------------

    def _span(
        self,
        span_id: str,
        parent: str | None,
        name: str,
        kind: str,
        start: int | None,
        attributes: SpanAttributes | None = None,
        *,
        end: int | None = None,
        error: str | None = None,
    ) -> None:
        self._attrs[span_id] = SpanAttributes({conventions.SPANSCOPE_KIND: kind})
        if attributes is not None:
            self._attrs[span_id].merge(attributes)
        self._spans[span_id] = RawSpan(
            trace_id=self.trace_id,
            span_id=span_id,
            parent_span_id=parent,
            name=name,
            start_ns=start,
            end_ns=end,
            status="error" if error else "ok",
            status_message=error,
        )
        if end is not None:
            self._times.append(end)

    def _synthetic(self, label: str) -> str:
        return digest(self.trace_id, label, self._count)[:16]

    def _time(self, value: Any) -> int | None:
        if value in (None, ""):
            return None
        when = iso_ns(str(value))
        self._times.append(when)
        return when


def _kept(fields: Mapping[str, Any]) -> SpanAttributes:
    """Inspect's own fields, kept as raw attributes."""
    attributes = SpanAttributes()
    attributes.keep_each(fields)
    return attributes


def _reconstructed(attributes: SpanAttributes) -> SpanAttributes:
    """A call rebuilt from a sample's messages (the sample has no events), marked so."""
    attributes.keep("inspect.reconstructed", True)
    return attributes
