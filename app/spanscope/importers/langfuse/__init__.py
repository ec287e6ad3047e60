"""Langfuse trace exports: the UI's "download trace" JSON ``{trace:{…}, observations:[…]}``,
the public API's trace object with ``observations`` inside it, a JSON list of either, JSON Lines
of either, and JSON Lines / lists of bare observations (the flat observations export).

Every observation becomes one span. Langfuse's own vocabulary is expressed in the conventions
the shared mapping knows: the observation ``type`` gives ``spanscope.kind``; ``usageDetails``
become ``gen_ai.usage.*`` (input including cached tokens, output including reasoning);
``input``/``output`` become messages for generations, tool arguments/results for tools,
a query and documents for retrievers, and ``input.value``/``output.value`` otherwise. For
observations ingested over OpenTelemetry, Langfuse keeps the original span attributes in
``metadata.attributes`` (and the resource and scope beside them); those are merged in first, so
the OpenInference / GenAI / vendor mapping runs on them too, and the keys set here win.

Decisions:
- ``level`` ERROR is an error (status ``error`` + ``statusMessage``). WARNING is not: it keeps
  status ``unset`` and its ``statusMessage``, with the level under ``langfuse.observation.level``.
- ``session.id``, ``user.id`` and ``tag.tags`` of the trace go on every span of the trace; the
  trace's name, metadata, scores, release, version and its input/output (when they differ from
  the root observation's own) go on the first root span under ``langfuse.trace.*``. Scores that
  name an observation go on that span as ``langfuse.observation.scores``.
- A recorded cost becomes ``llm.cost.total`` on generations and embeddings only: Langfuse also
  prices agent/span observations that aggregate their children, which would count twice.
- A trace without observations becomes one span carrying the trace (kind chain).
- Usage: Langfuse splits token types so they add up (``input`` without ``input_cache_read``,
  ``output`` without ``output_reasoning``); OpenInference-style keys (``prompt_details.*``) are
  subsets instead. Which one a record uses is decided from ``total`` when the numbers tell,
  otherwise from the key style.

The package: :mod:`.observations` maps a trace and its observations to spans, :mod:`.usage`
reads usage and cost.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from spanscope.importers.base import ArrowSource, BuiltinFormat, ImportError_, Sample
from spanscope.importers.batches import span_batches
from spanscope.importers.chat_payloads import is_plain_rendering, retrieval_documents, to_messages
from spanscope.importers.json_head import first_record, is_truncated
from spanscope.importers.langfuse.observations import export_spans, is_observation
from spanscope.importers.records import PositionedJsonRecords
from spanscope.importers.times import time_ns
from spanscope.importers.values import decode_json_text, text_of
from spanscope.model.raw import RawSpan


def _is_export(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    trace, observations = value.get("trace"), value.get("observations")
    if isinstance(trace, dict):
        inner = trace.get("observations")
        return "id" in trace and (isinstance(observations, list) or isinstance(inner, list))
    if (
        isinstance(observations, list)
        and "id" in value
        and ("timestamp" in value or "projectId" in value)
    ):
        items = [o for o in observations if not isinstance(o, str)]
        return all(is_observation(o) for o in items[:5]) and (bool(items) or "projectId" in value)
    return is_observation(value)


_EXPORT_START = re.compile(rb'\s*\[?\s*\{\s*"trace"\s*:\s*\{\s*"id"\s*:')


class LangfuseExport:
    """Langfuse trace exports (UI download, public API, JSON Lines, flat observations)."""

    name = "langfuse"

    def sniff(self, sample: Sample) -> bool:
        record = first_record(sample)
        if is_truncated(record):  # the first record is larger than the sample, or cut off
            head = sample.text.encode()
            return bool(_EXPORT_START.match(head)) or (
                sample.first_char() in ("{", "[")
                and b'"parentObservationId"' in head
                and b'"traceId"' in head
                and (b'"observations"' in head or b'"startTime"' in head)
            )
        return _is_export(record)

    def source(self, sample: Sample, workdir: Path) -> ArrowSource:
        records = PositionedJsonRecords(sample)
        return ArrowSource(batches=span_batches(self._spans(records)), progress=records.progress)

    def _spans(self, records: PositionedJsonRecords) -> Iterator[RawSpan]:
        for position, record in records:
            if not _is_export(record):
                raise ImportError_(
                    f"{records.path}: not a Langfuse trace export or observation at {position}"
                )
            try:
                yield from export_spans(record)
            except (ValueError, TypeError) as exc:
                raise ImportError_(f"{records.path}: {exc} at {position}") from exc


# Also importable from here under these names.
JsonRecords = PositionedJsonRecords
batched = span_batches

# Found by the format registry, which asks the formats by rising asked_at (importers/registry.py).
FORMAT = BuiltinFormat(LangfuseExport, asked_at=50)


__all__ = [
    "JsonRecords",
    "LangfuseExport",
    "batched",
    "decode_json_text",
    "export_spans",
    "first_record",
    "is_plain_rendering",
    "is_truncated",
    "retrieval_documents",
    "text_of",
    "time_ns",
    "to_messages",
]
