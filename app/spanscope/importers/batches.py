"""Raw spans gathered into Arrow record batches, the form every Python importer yields."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa

from spanscope.model.raw import RAW_SPAN_SCHEMA, RawSpan, json_text, to_batch

BATCH_SPANS = 2000


def span_batches(spans: Iterable[RawSpan], size: int = BATCH_SPANS) -> Iterator[pa.RecordBatch]:
    """Arrow batches of ``size`` spans (the last one smaller)."""
    chunk: list[RawSpan] = []
    for span in spans:
        chunk.append(span)
        if len(chunk) >= size:
            yield to_batch(chunk)
            chunk = []
    if chunk:
        yield to_batch(chunk)


def with_links(batch: pa.RecordBatch, links: list[list[dict[str, Any]]]) -> pa.RecordBatch:
    """The batch with its ``links`` column filled in (RawSpan has no links field)."""
    if not any(links):
        return batch
    field_index = RAW_SPAN_SCHEMA.get_field_index("links")
    column = pa.array(
        [
            [
                {
                    "trace_id": link["trace_id"],
                    "span_id": link["span_id"],
                    "attributes": [
                        (str(k), json_text(v))
                        for k, v in link["attributes"].items()
                        if v is not None
                    ],
                }
                for link in span_links
            ]
            for span_links in links
        ],
        type=RAW_SPAN_SCHEMA.field("links").type,
    )
    return batch.set_column(field_index, RAW_SPAN_SCHEMA.field("links"), column)
