"""Braintrust log rows and span events.

Files: a JSON list of rows, JSON Lines with one row per line, or the fetch API's envelope
``{"events": [...]}`` (also ``{"data": [...]}`` from BTQL); plain, gzip or zstd.

A row is one span, or an update to one: ``id`` is the row, ``span_id`` the span,
``root_span_id`` the trace (the trace id is the root span's id, as Braintrust uses it),
``span_parents`` the parent span ids (the first is the parent; an empty list or none is a
root). ``span_attributes{name, type}`` name the span and say its kind: ``llm`` → llm,
``tool`` → tool, ``task`` and ``function`` → chain, ``eval`` and ``score`` → evaluator; an
untyped span is a traced block of application code (the SDK gives only root spans the
``task`` type by default), so it is a chain as well; any other type is kept and the kind is
'other'. The normalised span-event summaries some test suites write carry ``name`` and
``type`` at the top level instead (with ``has_input``/``has_output``/``metric_keys``); they are
read the same way.

- ``input``/``output``: on llm spans, a list of chat messages (OpenAI or Anthropic shape)
  becomes the input messages, and the output (OpenAI ``choices``, a message, a list of
  messages or text) the output messages; on tool spans they are the call's arguments and
  result; elsewhere ``input.value``/``output.value``. ``expected`` is kept.
- ``metadata``: ``model`` → request model, ``provider`` → provider, request parameters
  (temperature, max_tokens, ...) → params, ``tools`` → tools offered, ``session_id``/
  ``user_id`` → session and user; all of it is kept as ``braintrust.metadata``.
- ``metrics``: ``start``/``end`` (epoch seconds, fractions kept to the nanosecond);
  ``prompt_tokens`` (Braintrust's SDKs already fold Anthropic cache reads and writes into it,
  so it is the GenAI input count), ``completion_tokens``, ``prompt_cached_tokens``,
  ``prompt_cache_creation_tokens`` (or its 5m/1h split), ``completion_reasoning_tokens``,
  ``tokens`` (total; ``total_tokens`` from the LangChain handlers), ``time_to_first_token`` (seconds), ``estimated_cost`` when recorded.
- ``scores`` become ``gen_ai.evaluation.result`` events; ``error`` (text or object) makes the
  span an error; ``tags`` are tags.

Times: ``metrics.start``/``end``; when there is no start, the row's ``created`` time. A time
of 0 or a placeholder such as ``<timestamp>`` (harness-normalised files) is no time: the
epoch itself is never a real span time. Ids are kept as written, placeholders such as
``<span:1>`` included. Rows that repeat a span id are merged by the store; a row that only
updates a span (no ``span_attributes``) sets no kind, so it never overrides the kind of the
row that created the span. Every field of the row is kept under ``braintrust.*``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from spanscope.importers import braintrust_llm as llm_row
from spanscope.importers.base import ArrowSource, BuiltinFormat, ImportError_, Sample
from spanscope.importers.batches import span_batches
from spanscope.importers.braintrust_merge import RowMerges
from spanscope.importers.json_head import head_records
from spanscope.importers.records import JsonRecords, describe_value
from spanscope.importers.times import to_ns
from spanscope.importers.values import JsonDict, as_dict, compact_json, whole_number
from spanscope.model import conventions
from spanscope.model.attributes import SpanAttributes
from spanscope.model.raw import RawEvent, RawSpan

KINDS = {
    "llm": "llm",
    "tool": "tool",
    "task": "chain",
    "function": "chain",
    "eval": "evaluator",
    "score": "evaluator",
}
_MAPPED = (
    "id",
    "span_id",
    "root_span_id",
    "span_parents",
    "span_attributes",
    "input",
    "output",
    "metadata",
    "metrics",
    "scores",
    "error",
    "tags",
    "name",
    "type",
)


def is_row(value: Any) -> bool:
    """True for a Braintrust row that starts a span (span and trace ids plus span structure)."""
    return (
        isinstance(value, dict)
        and "span_id" in value
        and "root_span_id" in value
        and ("span_attributes" in value or "span_parents" in value)
    )


def is_update(value: Any) -> bool:
    """A row that may only update a span: it still names the span or the row."""
    return isinstance(value, dict) and any(k in value for k in ("span_id", "root_span_id", "id"))


def _rows(value: Any) -> list[Any]:
    if isinstance(value, dict):
        for key in ("events", "data"):
            if isinstance(value.get(key), list):
                return list(value[key])
    return [value]


class BraintrustRows:
    """Braintrust log rows / span events: one span per span id, rows of a span merged."""

    name = "braintrust"

    def sniff(self, sample: Sample) -> bool:
        rows = [r for value in head_records(sample) for r in _rows(value)]
        rows = [r for r in rows if r is not None]
        return bool(rows) and any(is_row(r) for r in rows) and all(is_update(r) for r in rows)

    def source(self, sample: Sample, workdir: Path) -> ArrowSource:
        records = JsonRecords(sample)
        return ArrowSource(batches=span_batches(self._spans(records)), progress=records.progress)

    def _spans(self, records: JsonRecords) -> Iterator[RawSpan]:
        known: dict[str, tuple[str, str]] = {}  # row id -> (trace id, span id)
        merges = RowMerges()
        for record in records:
            rows = _rows(record.value)
            for n, row in enumerate(rows, 1):
                where = (
                    record.where
                    if len(rows) == 1 and rows[0] is record.value
                    else f"{record.where}, event {n}"
                )
                try:
                    if not is_update(row):
                        raise ValueError(f"not a Braintrust row ({describe_value(row)})")
                    yield row_span(merges.complete(row, _row_key(row)), known, own=row)
                except ValueError as exc:
                    raise ImportError_(f"{records.path}: {exc} at {where}") from None


def _row_key(row: JsonDict) -> str | None:
    return _id(row.get("id")) or _id(row.get("span_id"))


def row_span(
    row: JsonDict, known: dict[str, tuple[str, str]], own: JsonDict | None = None
) -> RawSpan:
    """The span a row describes. ``row`` is the row as Braintrust holds it (merge rows
    completed); ``own`` the row as written, whose error and scores are events of their own."""
    own = row if own is None else own
    row_id = _id(row.get("id"))
    span_id = _id(row.get("span_id"))
    trace_id = _id(row.get("root_span_id"))
    if (span_id is None or trace_id is None) and row_id is not None and row_id in known:
        trace_id = trace_id or known[row_id][0]
        span_id = span_id or known[row_id][1]
    span_id = span_id or row_id
    if span_id is None:
        raise ValueError("the row has neither span_id nor id")
    trace_id = trace_id or span_id
    if row_id is not None:
        known.setdefault(row_id, (trace_id, span_id))
    parents = row.get("span_parents")
    parent = (
        _id(parents[0])
        if isinstance(parents, list) and parents
        else _id(parents)
        if isinstance(parents, str)
        else None
    )

    span_attrs = (
        row.get("span_attributes") if isinstance(row.get("span_attributes"), dict) else None
    )
    summary = "span_attributes" not in row and ("name" in row or "type" in row)
    creates = span_attrs is not None or summary
    source = span_attrs if span_attrs is not None else row
    name = source.get("name") if isinstance(source.get("name"), str) else None
    btype = source.get("type") if creates else None
    kind = (
        (KINDS.get(str(btype).lower(), "other") if btype is not None else "chain")
        if creates
        else None
    )

    metadata = as_dict(row.get("metadata"))
    metrics = as_dict(row.get("metrics"))
    attrs = SpanAttributes({conventions.SPANSCOPE_KIND: kind})
    if kind == "llm":
        attrs[conventions.GEN_AI_OPERATION_NAME] = "chat"
    elif kind == "tool":
        attrs[conventions.GEN_AI_OPERATION_NAME] = "execute_tool"
        attrs[conventions.GEN_AI_TOOL_NAME] = name
    if creates:
        attrs[conventions.GEN_AI_REQUEST_MODEL] = (
            llm_row.request_model(metadata) if kind == "llm" else _str(metadata.get("model"))
        )
    if kind == "llm":
        attrs[conventions.GEN_AI_RESPONSE_MODEL] = llm_row.response_model(
            row.get("output"), metadata
        )
        attrs[conventions.GEN_AI_PROVIDER_NAME] = llm_row.provider(metadata)
        llm_row.request_attributes(metadata, attrs)
    else:
        provider = metadata.get("provider")
        attrs[conventions.GEN_AI_PROVIDER_NAME] = (
            provider.lower() if isinstance(provider, str) else None
        )
        plain = {k: v for k, v in metadata.items() if k != "invocation_params"}
        llm_row.request_attributes(plain, attrs)
    for key, target in (("session_id", conventions.SESSION_ID), ("user_id", conventions.USER_ID)):
        if isinstance(metadata.get(key), (str, int)):
            attrs[target] = str(metadata[key])
    _io_attributes(row, kind, attrs)
    _metric_attributes(metrics, attrs)
    if isinstance(row.get("tags"), list):
        attrs[conventions.TAG_TAGS] = [str(t) for t in row["tags"]]

    status, message, events = "unset", None, []
    error = own.get("error")
    if error not in (None, "", {}):
        status = "error"
        if isinstance(error, dict):
            message = str(error.get("message") or compact_json(error))
            etype = error.get("type") or error.get("name")
        else:
            message, etype = str(error), None
        attrs[conventions.ERROR_TYPE] = str(etype) if etype else None
        events.append(
            RawEvent(
                "exception",
                None,
                {"exception.type": attrs[conventions.ERROR_TYPE], "exception.message": message},
            )
        )
    scores = own.get("scores")
    if isinstance(scores, dict):
        for score_name, value in scores.items():
            events.append(
                RawEvent(
                    "gen_ai.evaluation.result",
                    None,
                    {"gen_ai.evaluation.name": score_name, "gen_ai.evaluation.score.value": value},
                )
            )

    for key in (
        "span_attributes",
        "metadata",
        "metrics",
        "scores",
        "error",
        "expected",
        "name",
        "type",
    ):
        if key in row and row[key] is not None:
            attrs.keep(f"braintrust.{key}", row[key])
    attrs.keep("braintrust.id", row.get("id"))
    for key, value in row.items():
        if key not in _MAPPED and key != "expected" and value is not None:
            attrs.keep(f"braintrust.{key}", value)

    start = _time(metrics.get("start"))
    if start is None:
        start = _time(row.get("created"))
    end = _time(metrics.get("end"))
    return RawSpan(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=parent,
        name=name,
        start_ns=start,
        end_ns=end,
        status=status,
        status_message=message,
        span_kind="internal",
        attributes=attrs.present(),
        events=events,
    )


def _io_attributes(row: JsonDict, kind: str | None, attrs: SpanAttributes) -> None:
    value_in, value_out = row.get("input"), row.get("output")
    if kind == "llm":
        messages = llm_row.input_messages(value_in)
        if messages is not None:
            attrs[conventions.GEN_AI_INPUT_MESSAGES] = compact_json(messages)
        elif value_in is not None:
            attrs[conventions.INPUT_VALUE] = _text(value_in)
        outputs = llm_row.output_messages(value_out)
        if outputs is not None:
            attrs[conventions.GEN_AI_OUTPUT_MESSAGES] = compact_json(outputs)
            if isinstance(value_out, list) and any(
                isinstance(c, dict) and c.get("logprobs") for c in value_out
            ):
                attrs[conventions.OUTPUT_VALUE] = _text(
                    value_out
                )  # choices with logprobs, kept whole
        elif value_out is not None:
            attrs[conventions.OUTPUT_VALUE] = _text(value_out)
        return
    if kind == "tool":
        if value_in is not None:
            attrs[conventions.GEN_AI_TOOL_CALL_ARGUMENTS] = _text(value_in)
        if value_out is not None:
            attrs[conventions.GEN_AI_TOOL_CALL_RESULT] = _text(value_out)
        return
    if value_in is not None:
        attrs[conventions.INPUT_VALUE] = _text(value_in)
    if value_out is not None:
        attrs[conventions.OUTPUT_VALUE] = _text(value_out)


def _metric_attributes(metrics: JsonDict, attrs: SpanAttributes) -> None:
    def count(key: str) -> int | None:
        return whole_number(metrics.get(key))

    attrs[conventions.GEN_AI_USAGE_INPUT_TOKENS] = count("prompt_tokens")
    attrs[conventions.GEN_AI_USAGE_OUTPUT_TOKENS] = count("completion_tokens")
    # the LangChain handlers write total_tokens where the SDK's wrappers write tokens
    total = count("tokens")
    attrs[conventions.GEN_AI_USAGE_TOTAL_TOKENS] = (
        total if total is not None else count("total_tokens")
    )
    attrs[conventions.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = count("prompt_cached_tokens")
    write = count("prompt_cache_creation_tokens")
    if write is None and (
        count("prompt_cache_creation_5m_tokens") is not None
        or count("prompt_cache_creation_1h_tokens") is not None
    ):
        write = (count("prompt_cache_creation_5m_tokens") or 0) + (
            count("prompt_cache_creation_1h_tokens") or 0
        )
    attrs[conventions.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = write
    attrs[conventions.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = count("completion_reasoning_tokens")
    ttft = metrics.get("time_to_first_token")
    if isinstance(ttft, (int, float)) and not isinstance(ttft, bool):
        attrs.keep("gen_ai.response.time_to_first_chunk", ttft)
    cost = metrics.get("estimated_cost")
    if isinstance(cost, (int, float)) and not isinstance(cost, bool):
        attrs[conventions.LLM_COST_TOTAL] = cost


def _time(value: Any) -> int | None:
    ns = to_ns(value)
    return ns if ns else None  # 0 is a placeholder, never a span's time


def _id(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int)):
        text = str(value)
        return text if text else None
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else compact_json(value)


# Found by the format registry, which asks the formats by rising asked_at (importers/registry.py).
FORMAT = BuiltinFormat(BraintrustRows, asked_at=160)


__all__ = ["BraintrustRows", "is_row", "row_span"]
