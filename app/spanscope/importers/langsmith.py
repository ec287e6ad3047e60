"""LangSmith runs: an exported run object, a JSON list of runs, run JSON Lines, ``{runs:[…]}``
query results, and the SDK's ``/runs/batch`` payloads ``{post:[…], patch:[…]}`` (plain, gzip or
zstd; one payload, a list of them or JSON Lines of them).

Every run becomes one span. A batch payload's ``post`` (run created) and ``patch`` (run ended)
records are merged by run id; the JS SDK's patches carry no ``id``, so they are matched by the
run id at the end of their ``dotted_order`` (then by ``trace_id`` + ``dotted_order``). A run
split across two payloads or lines is merged the same way: a batch run that has not ended is held
back until its patch arrives (or the file ends).

``dotted_order`` (``<YYYYMMDDTHHMMSSffffff>Z<run id>`` segments from the root down) supplies
the trace id, parent and start time when the run itself does not. The JS SDK fills the last
three of those six digits with a counter rather than microseconds, so a start time taken from
a JS run's dotted_order keeps millisecond precision only.

Mapping: ``run_type`` gives ``spanscope.kind`` (parser → chain, unknown types → other);
``extra.metadata.ls_provider / ls_model_name / ls_temperature / ls_max_tokens`` give provider,
model and parameters; model inputs and outputs (OpenAI chat, LangChain serialised messages,
generations) become ``gen_ai.input.messages`` / ``gen_ai.output.messages``; usage comes from
``usage_metadata`` (LangChain semantics: input tokens include cached ones, output tokens include
reasoning), else OpenAI/Anthropic ``usage``, else the run's token aggregates. Run-level token and
cost aggregates are used for llm and embedding runs only (on chains they sum their children).
Retriever ``documents`` become retrieval documents, tool ``input``/``output`` a tool call.
Everything else the run holds is kept under ``langsmith.run.*``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from spanscope.importers.base import ArrowSource, ImportError_, Sample
from spanscope.importers.langfuse import (
    JsonRecords,
    batched,
    decode_json_text,
    first_record,
    is_plain_rendering,
    is_truncated,
    mapping,
    retrieval_documents,
    text_of,
    time_ns,
    to_messages,
)
from spanscope.model.raw import RawEvent, RawSpan, json_text

RUN_KINDS = {
    "llm": "llm",
    "chain": "chain",
    "tool": "tool",
    "retriever": "retriever",
    "embedding": "embedding",
    "prompt": "prompt",
    "parser": "chain",
}
_MODEL_KINDS = ("llm", "embedding")

# Run fields mapped explicitly; every other field is kept as langsmith.run.<field>.
_MAPPED_FIELDS = {
    "id",
    "trace_id",
    "parent_run_id",
    "name",
    "run_type",
    "start_time",
    "end_time",
    "inputs",
    "outputs",
    "extra",
    "tags",
    "error",
    "events",
    "session_name",
    "child_runs",
    "status",
}
_PARAMETER_KEYS = (
    "temperature",
    "top_p",
    "top_k",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "n",
    "stream",
    "reasoning_effort",
    "tool_choice",
    "response_format",
    "parallel_tool_calls",
)
_BATCH_START = re.compile(rb'\s*\[?\s*\{\s*"(post|patch)"\s*:\s*\[\s*\{')
_DOTTED = re.compile(r"(\d{8}T\d{6})(\d{1,9})Z(.+)")


def _is_run(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("run_type"), str)
        and any(k in value for k in ("id", "trace_id", "dotted_order"))
    )


def _is_partial_run(value: Any) -> bool:
    """A post or patch record of a batch payload (JS patches have neither id nor run_type)."""
    return isinstance(value, dict) and any(
        k in value for k in ("id", "dotted_order", "trace_id", "run_type")
    )


def _is_batch(value: Any) -> bool:
    if not isinstance(value, dict) or not ({"post", "patch"} & set(value)):
        return False
    if not set(value) <= {"post", "patch", "upsert"}:
        return False
    items = []
    for key in ("post", "patch", "upsert"):
        part = value.get(key)
        if part is None:
            continue
        if not isinstance(part, list):
            return False
        items.extend(part[:3])
    return bool(items) and all(_is_partial_run(i) for i in items)


def _is_query_result(value: Any) -> bool:
    runs = value.get("runs") if isinstance(value, dict) else None
    return isinstance(runs, list) and bool(runs) and _is_run(runs[0])


def _is_record(value: Any) -> bool:
    return _is_run(value) or _is_batch(value) or _is_query_result(value)


class LangSmithRuns:
    """LangSmith run exports and /runs/batch payloads."""

    name = "langsmith"

    def sniff(self, sample: Sample) -> bool:
        record = first_record(sample)
        if is_truncated(record):  # the first record is larger than the sample, or cut off
            head = sample.text.encode()
            return sample.first_char() in ("{", "[") and (
                bool(_BATCH_START.match(head))
                or (b'"dotted_order"' in head and (b'"run_type"' in head or b'"trace_id"' in head))
            )
        return _is_record(record)

    def source(self, sample: Sample, workdir: Path) -> ArrowSource:
        records = JsonRecords(sample)
        return ArrowSource(batches=batched(self._spans(records)), progress=records.progress)

    def _spans(self, records: JsonRecords) -> Iterator[RawSpan]:
        resolver = _TraceResolver()
        # Runs of batch payloads still waiting for their other half (a post without its patch
        # or a patch before its post): only these are held, until the other half arrives.
        waiting: dict[str, tuple[str, dict[str, Any]]] = {}

        def emit(where: str, run: dict[str, Any]) -> Iterator[RawSpan]:
            try:
                span = run_span(run)
            except (ValueError, TypeError) as exc:
                raise ImportError_(f"{records.path}: {exc} at {where}") from exc
            yield from resolver.add(span, run)

        for position, record in records:
            try:
                runs = runs_of(record)
            except ValueError as exc:
                raise ImportError_(f"{records.path}: {exc} at {position}") from exc
            if runs is None:
                raise ImportError_(
                    f"{records.path}: not a LangSmith run or batch payload at {position}"
                )
            batch = _is_batch(record)
            for number, run in enumerate(runs, 1):
                where = position if len(runs) == 1 else f"{position} run {number}"
                if batch:
                    key = _run_key(run)
                    if key is not None and key in waiting:
                        where, earlier = waiting.pop(key)
                        run = _merge_run(earlier, run)
                    if key is not None and not _complete(run):
                        waiting[key] = (where, run)
                        continue
                yield from emit(where, run)
        for where, run in waiting.values():
            yield from emit(where, run)
        yield from resolver.finish()


class _TraceResolver:
    """Gives runs that name neither their trace nor their dotted_order the trace of their
    parent, holding back only the runs whose parent has not been seen yet."""

    def __init__(self) -> None:
        self.trace_of: dict[str, str] = {}
        self.parent_of: dict[str, str | None] = {}
        self.pending: list[RawSpan] = []

    def add(self, span: RawSpan, run: dict[str, Any]) -> Iterator[RawSpan]:
        if span.span_id is not None:
            self.parent_of.setdefault(span.span_id, span.parent_span_id)
        if span.trace_id is None and span.parent_span_id in self.trace_of:
            span.trace_id = self.trace_of[span.parent_span_id]
        if span.trace_id is None:
            self.pending.append(span)
            return
        if span.span_id is not None:
            self.trace_of.setdefault(span.span_id, span.trace_id)
        yield span

    def finish(self) -> Iterator[RawSpan]:
        for span in self.pending:
            node, seen = span.span_id, set()
            while node is not None and node not in self.trace_of and node not in seen:
                seen.add(node)
                parent = self.parent_of.get(node)
                if parent is None:
                    break
                node = parent
            span.trace_id = self.trace_of.get(node) if node is not None else None
            if span.trace_id is None:
                span.trace_id = node or span.span_id
            yield span


def runs_of(record: Any) -> list[dict[str, Any]] | None:
    """The complete runs of one record (post and patch merged; nested ``child_runs`` flattened).
    None when the record is not a LangSmith run record."""
    if _is_batch(record):
        merged = merge_batch(record)
    elif _is_query_result(record):
        merged = [r for r in record["runs"] if isinstance(r, dict)]
    elif _is_run(record):
        merged = [record]
    else:
        return None
    out: list[dict[str, Any]] = []
    for run in merged:
        _flatten_children(run, out)
    return out


def _flatten_children(run: dict[str, Any], out: list[dict[str, Any]]) -> None:
    out.append(run)
    children = run.get("child_runs")
    if isinstance(children, list):
        for child in children:
            if isinstance(child, dict) and _is_partial_run(child):
                if child.get("parent_run_id") is None and run.get("id") is not None:
                    child = {**child, "parent_run_id": run["id"]}
                if child.get("trace_id") is None and run.get("trace_id") is not None:
                    child = {**child, "trace_id": run["trace_id"]}
                _flatten_children(child, out)


def merge_batch(batch: dict[str, Any]) -> list[dict[str, Any]]:
    """``post`` and ``patch`` records merged by run id (patches without an id by the id in
    their dotted_order, then by trace_id + dotted_order)."""
    merged: dict[str, dict[str, Any]] = {}
    by_order: dict[tuple[Any, Any], str] = {}
    for part in ("post", "upsert", "patch"):
        for number, record in enumerate(batch.get(part) or [], 1):
            if not isinstance(record, dict):
                raise ValueError(f"{part} record {number} is not a JSON object")
            key = _run_key(record)
            if key is None:
                key = by_order.get((record.get("trace_id"), record.get("dotted_order")))
            if key is None:
                raise ValueError(f"{part} record {number} has neither an id nor a dotted_order")
            if key in merged:
                merged[key] = _merge_run(merged[key], record)
            else:
                merged[key] = dict(record)
            if record.get("dotted_order") is not None:
                by_order[(record.get("trace_id"), record.get("dotted_order"))] = key
    return list(merged.values())


def _complete(run: dict[str, Any]) -> bool:
    """Both halves of a batch run are in: it was created (run_type) and has ended."""
    return run.get("run_type") is not None and (
        run.get("end_time") is not None or run.get("error") is not None
    )


def _run_key(record: dict[str, Any]) -> str | None:
    if record.get("id") is not None:
        return str(record["id"])
    segments = dotted_segments(record.get("dotted_order"))
    return segments[-1][2] if segments else None


def _merge_run(created: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """A run as created, updated by a patch: the patch's non-empty values win; ``extra`` and its
    ``metadata`` are merged key by key."""
    out = dict(created)
    for key, value in update.items():
        if value is None:
            continue
        previous = out.get(key)
        if key == "extra" and isinstance(previous, dict) and isinstance(value, dict):
            extra = {**previous, **value}
            if isinstance(previous.get("metadata"), dict) and isinstance(
                value.get("metadata"), dict
            ):
                extra["metadata"] = {**previous["metadata"], **value["metadata"]}
            out[key] = extra
        elif value in ({}, []) and previous not in (None, {}, []):
            continue
        else:
            out[key] = value
    return out


def dotted_segments(value: Any) -> list[tuple[str, str, str]]:
    """``dotted_order`` as (date-time, sub-second digits, run id) per level, root first."""
    if not isinstance(value, str) or not value:
        return []
    out = []
    for segment in value.split("."):
        match = _DOTTED.fullmatch(segment)
        if match is None:
            raise ValueError(f"unreadable dotted_order segment {segment!r}")
        out.append((match.group(1), match.group(2), match.group(3)))
    return out


def _dotted_time(stamp: str, digits: str, js: bool) -> int:
    day, clock = stamp.split("T")
    iso = f"{day[:4]}-{day[4:6]}-{day[6:]}T{clock[:2]}:{clock[2:4]}:{clock[4:]}Z"
    base = time_ns(iso) or 0
    if js:  # milliseconds, then a 3-digit counter that only orders runs within the millisecond
        return base + int(digits[:3].ljust(3, "0")) * 1_000_000
    return base + int(digits[:9].ljust(9, "0"))


def run_span(run: dict[str, Any]) -> RawSpan:
    """One run as a raw span. Raises ValueError for a value that cannot be read."""
    segments = dotted_segments(run.get("dotted_order"))
    run_id = _text(run.get("id")) or (segments[-1][2] if segments else None)
    if run_id is None:
        raise ValueError("a run has no id")
    parent = _text(run.get("parent_run_id"))
    if parent is None and len(segments) > 1:
        parent = segments[-2][2]
    trace_id = _text(run.get("trace_id")) or (segments[0][2] if segments else None)
    if trace_id is None and parent is None:
        trace_id = run_id
    extra = mapping(run.get("extra"))
    runtime = mapping(extra.get("runtime"))
    metadata = mapping(extra.get("metadata"))
    js = str(runtime.get("sdk") or "").startswith("langsmith-js") or runtime.get("runtime") in (
        "node",
        "deno",
        "bun",
    )

    start = _time(run.get("start_time"), "start_time")
    if start is None and segments:
        start = _dotted_time(segments[-1][0], segments[-1][1], js)
    end = _time(run.get("end_time"), "end_time")

    run_type = run.get("run_type")
    kind = (
        RUN_KINDS.get(run_type.lower(), "other") if isinstance(run_type, str) and run_type else None
    )
    inputs = decode_json_text(run.get("inputs"))
    outputs = decode_json_text(run.get("outputs"))
    if (
        kind is None
        and isinstance(outputs, dict)
        and ("choices" in outputs or "generations" in outputs)
    ):
        kind_for_payload: str | None = "llm"  # a patch alone: its outputs say it was a model call
    else:
        kind_for_payload = kind

    attributes: dict[str, Any] = {}
    for key, value in run.items():
        if key not in _MAPPED_FIELDS and value not in (None, "", [], {}):
            attributes[f"langsmith.run.{key}"] = value
    if isinstance(run.get("child_runs"), list):
        ids = [c for c in run["child_runs"] if isinstance(c, str)]
        if ids:
            attributes["langsmith.run.child_runs"] = ids
    if run_type is not None:
        attributes["langsmith.run.run_type"] = run_type
    if run.get("status") is not None:
        attributes["langsmith.run.status"] = run["status"]
    if isinstance(run.get("session_name"), str):
        attributes["langsmith.session_name"] = run["session_name"]
    if kind is not None:
        attributes["spanscope.kind"] = kind
    tags = run.get("tags")
    if isinstance(tags, list) and tags:
        attributes["tag.tags"] = [str(t) for t in tags]
    _context_attributes(attributes, metadata)
    kept_extra = {k: v for k, v in extra.items() if k != "invocation_params"}
    if kept_extra:
        attributes["langsmith.run.extra"] = kept_extra

    if kind_for_payload in _MODEL_KINDS:
        _model_attributes(attributes, run, inputs, outputs, metadata, extra)
    elif kind_for_payload == "tool":
        _tool_attributes(attributes, run, inputs, outputs)
    elif kind_for_payload == "retriever":
        _retriever_attributes(attributes, inputs, outputs)
    else:
        if inputs not in (None, {}, ""):
            attributes["input.value"] = text_of(inputs)
        if outputs not in (None, {}, ""):
            attributes["output.value"] = text_of(outputs)

    status, message, events = "unset", None, _events(run.get("events"))
    error = run.get("error")
    if error not in (None, ""):
        status = "error"
        error_type, message, stack = _parse_error(str(error))
        exception: dict[str, Any] = {"exception.message": message}
        if error_type:
            exception["exception.type"] = error_type
            attributes["error.type"] = error_type
        if stack:
            exception["exception.stacktrace"] = stack
        events.append(RawEvent("exception", end or start, exception))
    elif str(run.get("status") or "").lower() == "error":
        status = "error"
    elif str(run.get("status") or "").lower() == "success":
        status = "ok"

    return RawSpan(
        trace_id=trace_id,
        span_id=run_id,
        parent_span_id=parent,
        name=run.get("name") or None,
        start_ns=start,
        end_ns=end,
        status=status,
        status_message=message,
        attributes=attributes,
        events=events,
    )


def _context_attributes(attributes: dict[str, Any], metadata: dict[str, Any]) -> None:
    for key in ("thread_id", "session_id", "conversation_id"):
        if isinstance(metadata.get(key), (str, int)) and metadata[key] != "":
            attributes["session.id"] = str(metadata[key])
            break
    for key in ("user_id", "userId"):
        if isinstance(metadata.get(key), (str, int)) and metadata[key] != "":
            attributes["user.id"] = str(metadata[key])
            break


def _model_attributes(
    attributes: dict[str, Any],
    run: dict[str, Any],
    inputs: Any,
    outputs: Any,
    metadata: dict[str, Any],
    extra: dict[str, Any],
) -> None:
    if isinstance(metadata.get("ls_provider"), str):
        attributes["gen_ai.provider.name"] = metadata["ls_provider"]
    request_model = metadata.get("ls_model_name")
    if not request_model and isinstance(inputs, dict):
        request_model = inputs.get("model") or inputs.get("model_name")
    if isinstance(request_model, str) and request_model:
        attributes["gen_ai.request.model"] = request_model
    response_model = _response_model(outputs)
    if response_model:
        attributes["gen_ai.response.model"] = response_model
    for source, target in (
        ("ls_temperature", "temperature"),
        ("ls_max_tokens", "max_tokens"),
        ("ls_stop", "stop_sequences"),
    ):
        if metadata.get(source) is not None:
            attributes[f"gen_ai.request.{target}"] = metadata[source]
    parameters = extra.get("invocation_params")
    if not isinstance(parameters, dict) and isinstance(inputs, dict):
        parameters = {k: inputs[k] for k in _PARAMETER_KEYS if inputs.get(k) is not None}
    if isinstance(parameters, dict) and parameters:
        attributes["llm.invocation_parameters"] = json_text(parameters)

    for side, payload, role, key in (
        ("input", inputs, "user", "messages"),
        ("output", outputs, "assistant", "choices"),
    ):
        if payload in (None, {}, ""):
            continue
        messages = to_messages(payload, role)
        if messages:
            attributes[f"gen_ai.{side}.messages"] = json_text(messages)
        rest = _remainder(payload, messages, key)
        if rest not in (None, {}, ""):
            attributes[f"langsmith.run.{side}s"] = rest

    attributes.update(_usage(run, outputs))
    cost = run.get("total_cost")
    if isinstance(cost, str):
        try:
            cost = float(cost)
        except ValueError:
            cost = None
    if isinstance(cost, (int, float)) and not isinstance(cost, bool):
        attributes["llm.cost.total"] = cost


def _remainder(payload: Any, messages: list[dict[str, Any]] | None, key: str) -> Any:
    """What of ``payload`` the messages do not already say: nothing when they render it
    exactly, the payload without its plain message list, or the whole payload."""
    if messages is None:
        return payload
    if is_plain_rendering(payload, messages):
        return None
    if isinstance(payload, dict):
        inner = payload.get(key)
        if key == "messages" and is_plain_rendering(inner, messages):
            return {k: v for k, v in payload.items() if k != key} or None
        if key == "choices" and _plain_choices(inner, messages):
            return {k: v for k, v in payload.items() if k != key} or None
    return payload


def _plain_choices(choices: Any, messages: list[dict[str, Any]]) -> bool:
    if not isinstance(choices, list) or len(choices) != len(messages):
        return False
    rendered = []
    for choice in choices:
        if not isinstance(choice, dict) or not set(choice) <= {
            "index",
            "message",
            "finish_reason",
            "logprobs",
        }:
            return False
        if choice.get("logprobs") is not None or not isinstance(choice.get("message"), dict):
            return False
        message = dict(choice["message"])
        if choice.get("finish_reason") is not None:
            message["finish_reason"] = choice["finish_reason"]
        rendered.append(message)
    return is_plain_rendering(rendered, messages)


def _response_model(outputs: Any) -> str | None:
    if not isinstance(outputs, dict):
        return None
    model = outputs.get("model") or mapping(outputs.get("llm_output")).get("model_name")
    if isinstance(model, str):
        return model
    message = _first_generation_message(outputs)
    metadata = message.get("response_metadata") if message else None
    if isinstance(metadata, dict):
        model = metadata.get("model_name") or metadata.get("model")
        if isinstance(model, str):
            return model
    return None


def _first_generation_message(outputs: dict[str, Any]) -> dict[str, Any] | None:
    """The kwargs (or dict) of the first generated LangChain message, if any."""
    candidates: list[Any] = []
    generations = outputs.get("generations")
    if isinstance(generations, list):
        flat = [g for row in generations for g in (row if isinstance(row, list) else [row])]
        candidates.extend(g.get("message") for g in flat if isinstance(g, dict))
    candidates.append(outputs.get("output"))
    for message in candidates:
        if isinstance(message, dict):
            if message.get("lc") == 1 and isinstance(message.get("kwargs"), dict):
                return mapping(message["kwargs"])
            if "content" in message:
                return message
    return None


def _usage(run: dict[str, Any], outputs: Any) -> dict[str, Any]:
    """GenAI usage from the run's outputs, or from its own token counts."""
    outputs = outputs if isinstance(outputs, dict) else {}
    usage = outputs.get("usage_metadata")
    if not isinstance(usage, dict):
        message = _first_generation_message(outputs)
        usage = message.get("usage_metadata") if message else None
    if isinstance(usage, dict):  # LangChain UsageMetadata: totals include their details
        input_details = mapping(usage.get("input_token_details"))
        output_details = mapping(usage.get("output_token_details"))
        return _usage_attributes(
            usage.get("input_tokens"),
            usage.get("output_tokens"),
            usage.get("total_tokens"),
            input_details.get("cache_read"),
            input_details.get("cache_creation"),
            output_details.get("reasoning"),
        )
    llm_output = mapping(outputs.get("llm_output"))
    for usage in (llm_output.get("token_usage"), llm_output.get("usage"), outputs.get("usage")):
        if not isinstance(usage, dict):
            continue
        if (
            "prompt_tokens" in usage or "completion_tokens" in usage
        ):  # OpenAI: totals include details
            prompt = mapping(usage.get("prompt_tokens_details"))
            completion = mapping(usage.get("completion_tokens_details"))
            return _usage_attributes(
                usage.get("prompt_tokens"),
                usage.get("completion_tokens"),
                usage.get("total_tokens"),
                prompt.get("cached_tokens"),
                None,
                completion.get("reasoning_tokens"),
            )
        if "input_tokens" in usage or "output_tokens" in usage:
            read, write = (
                usage.get("cache_read_input_tokens"),
                usage.get("cache_creation_input_tokens"),
            )
            details = mapping(usage.get("input_tokens_details"))
            out_details = mapping(usage.get("output_tokens_details"))
            inputs = _number(usage.get("input_tokens"))
            if (read is not None or write is not None) and inputs is not None:
                inputs += (_number(read) or 0) + (
                    _number(write) or 0
                )  # Anthropic: input excludes cache
            return _usage_attributes(
                inputs,
                usage.get("output_tokens"),
                usage.get("total_tokens"),
                read if read is not None else details.get("cached_tokens"),
                write,
                out_details.get("reasoning_tokens"),
            )
    if RUN_KINDS.get(str(run.get("run_type") or "").lower()) in _MODEL_KINDS:
        prompt = mapping(run.get("prompt_token_details"))
        completion = mapping(run.get("completion_token_details"))
        return _usage_attributes(
            run.get("prompt_tokens"),
            run.get("completion_tokens"),
            run.get("total_tokens"),
            prompt.get("cache_read"),
            prompt.get("cache_creation"),
            completion.get("reasoning"),
        )
    return {}


def _usage_attributes(
    inputs: Any, outputs: Any, total: Any, cache_read: Any, cache_write: Any, reasoning: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (
        ("gen_ai.usage.input_tokens", inputs),
        ("gen_ai.usage.output_tokens", outputs),
        ("gen_ai.usage.total_tokens", total),
        ("gen_ai.usage.cache_read.input_tokens", cache_read),
        ("gen_ai.usage.cache_creation.input_tokens", cache_write),
        ("gen_ai.usage.reasoning.output_tokens", reasoning),
    ):
        number = _number(value)
        if number is not None:
            out[key] = number
    return out


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d+", value.strip()):
        return int(value)
    return None


def _tool_attributes(
    attributes: dict[str, Any], run: dict[str, Any], inputs: Any, outputs: Any
) -> None:
    if run.get("name"):
        attributes["gen_ai.tool.name"] = run["name"]
    if isinstance(inputs, dict) and set(inputs) == {"input"}:
        inputs = inputs["input"]
    if inputs not in (None, {}, ""):
        attributes["gen_ai.tool.call.arguments"] = text_of(inputs)
    if isinstance(outputs, dict) and set(outputs) == {"output"}:
        outputs = outputs["output"]
    if (
        isinstance(outputs, dict)
        and outputs.get("lc") == 1
        and isinstance(outputs.get("kwargs"), dict)
    ):
        message = outputs["kwargs"]  # a serialised ToolMessage
        if isinstance(message.get("tool_call_id"), str):
            attributes["gen_ai.tool.call.id"] = message["tool_call_id"]
        if "content" in message:
            outputs = message["content"]
    if outputs not in (None, {}, ""):
        attributes["gen_ai.tool.call.result"] = text_of(outputs)


def _retriever_attributes(attributes: dict[str, Any], inputs: Any, outputs: Any) -> None:
    query = inputs
    if isinstance(inputs, dict):
        query = inputs.get("query") or inputs.get("input") or inputs.get("question")
    if isinstance(query, str):
        attributes["gen_ai.retrieval.query.text"] = query
        rest = {k: v for k, v in inputs.items() if v != query} if isinstance(inputs, dict) else None
        if rest:
            attributes["langsmith.run.inputs"] = rest
    elif inputs not in (None, {}, ""):
        attributes["input.value"] = text_of(inputs)
    documents = retrieval_documents(outputs)
    if documents is not None:
        attributes["gen_ai.retrieval.documents"] = json_text(documents)
    elif outputs not in (None, {}, ""):
        attributes["output.value"] = text_of(outputs)


def _events(events: Any) -> list[RawEvent]:
    out: list[RawEvent] = []
    if not isinstance(events, list):
        return out
    for event in events:
        if not isinstance(event, dict):
            continue
        try:
            when = time_ns(event.get("time"))
        except ValueError:
            when = None
        attributes = {
            f"langsmith.event.{k}": v for k, v in event.items() if k not in ("name", "time")
        }
        out.append(RawEvent(str(event.get("name") or "event"), when, attributes))
    return out


_CALL_FORM = re.compile(r"([A-Za-z_][\w.]*)\((.*)\)", re.S)
_TRACEBACK_LINE = re.compile(
    r"([A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|Warning|Timeout)\w*)(?::\s*(.*))?"
)


def _parse_error(error: str) -> tuple[str | None, str, str | None]:
    """(type, message, stack) from a LangSmith error string: ``ValueError('boom')`` or
    ``ValueError('boom')\\n\\nTraceback …`` or a plain traceback / message."""
    text = error.strip()
    lines = text.splitlines() or [text]
    stack = text if len(lines) > 1 else None
    head = lines[0].strip()
    match = _CALL_FORM.fullmatch(head)
    if match:
        message = match.group(2).strip()
        if len(message) >= 2 and message[0] == message[-1] and message[0] in "'\"":
            message = message[1:-1]
        return match.group(1), message or head, stack
    for line in reversed(lines):
        found = _TRACEBACK_LINE.fullmatch(line.strip())
        if found:
            return found.group(1), (found.group(2) or line.strip()), stack
    return None, head, stack


def _time(value: Any, what: str) -> int | None:
    try:
        return time_ns(value)
    except ValueError:
        raise ValueError(f"unreadable {what} {value!r}") from None


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"an id is not a string: {value!r}")


__all__ = ["LangSmithRuns", "dotted_segments", "merge_batch", "run_span", "runs_of"]
