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

The package: :mod:`.runs` maps one run to its span, :mod:`.model_runs` the inputs, outputs
and usage of llm and embedding runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from spanscope.importers.base import ArrowSource, BuiltinFormat, ImportError_, Sample
from spanscope.importers.batches import span_batches
from spanscope.importers.json_head import first_record, is_truncated
from spanscope.importers.langsmith.runs import dotted_segments, run_span
from spanscope.importers.records import PositionedJsonRecords
from spanscope.model.raw import RawSpan

_BATCH_START = re.compile(rb'\s*\[?\s*\{\s*"(post|patch)"\s*:\s*\[\s*\{')


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
        records = PositionedJsonRecords(sample)
        return ArrowSource(batches=span_batches(self._spans(records)), progress=records.progress)

    def _spans(self, records: PositionedJsonRecords) -> Iterator[RawSpan]:
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


# Found by the format registry, which asks the formats by rising asked_at (importers/registry.py).
FORMAT = BuiltinFormat(LangSmithRuns, asked_at=80)


__all__ = ["LangSmithRuns", "dotted_segments", "merge_batch", "run_span", "runs_of"]
