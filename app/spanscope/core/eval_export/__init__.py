"""Eval-set export: the annotated traces and spans a filter (or a review queue) selects, as
records with provenance, written in one of :data:`FORMATS`, optionally with secrets masked.
Records a format's consumer cannot use are left out and counted by reason (:func:`plan`).

    records = collect(cursor, compile_filter("label:hallucination", "spans"), "spans")
    export(records, "openai-jsonl", Path("evals.jsonl"), redactor=Redactor())
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from spanscope.core.eval_export.formats import FORMATS, Format, Progress
from spanscope.core.eval_export.records import EvalRecord, Failures, build_records
from spanscope.core.eval_export.rules import split
from spanscope.core.redaction import Redactor
from spanscope.model.annotation import Annotation
from spanscope.store import annotations as stored
from spanscope.store import eval_items, taxonomy
from spanscope.store.queries import Where


@dataclass(frozen=True)
class ExportOutcome:
    path: Path
    records: int
    masked: dict[str, int] = field(default_factory=dict)  # rule -> matches masked
    skipped: dict[str, int] = field(default_factory=dict)  # why -> records not written

    def summary(self) -> str:
        """``wrote 12 records to x.jsonl; skipped 3 (...); masked ...`` for the user."""
        noun = "record" if self.records == 1 else "records"
        text = f"wrote {self.records} {noun} to {self.path}"
        if self.skipped:
            text += f"; {skipped_text(self.skipped)}"
        if self.masked:
            text += "; masked " + ", ".join(f"{k} {v}" for k, v in sorted(self.masked.items()))
        return text


def skipped_text(skipped: dict[str, int]) -> str:
    """``skipped 3: 2 no expected output: ..., 1 ...`` (most common reason first)."""
    total = sum(skipped.values())
    reasons = sorted(skipped.items(), key=lambda kv: (-kv[1], kv[0]))
    return f"skipped {total}: " + "; ".join(f"{n} {why}" for why, n in reasons)


def collect(cur: Any, where: Where, level: str, *, author: str | None = None) -> list[EvalRecord]:
    """Records for every annotated trace (``level`` traces) or span matching ``where``
    (``cur``: a reader cursor)."""
    return records_for(cur, stored.annotations_in(cur, where, level, author))


def collect_items(cur: Any, items: Sequence[tuple[str, str]]) -> list[EvalRecord]:
    """Records for these (trace_id, span_id) items (a review queue's), annotated ones only."""
    wanted = set(items)
    found = stored.list_annotations(
        cur, "trace_id IN (SELECT unnest(?))", [sorted({t for t, _ in items})]
    )
    return records_for(cur, [a for a in found if a.item in wanted])


def records_for(cur: Any, annotations: Sequence[Annotation]) -> list[EvalRecord]:
    items = sorted({a.item for a in annotations})
    failures = Failures(
        labels={label.name for label in taxonomy.labels(cur)},
        pass_fail={item.name for item in taxonomy.rubric(cur) if item.kind == "pass_fail"},
    )
    return build_records(annotations, eval_items.export_spans(cur, items), failures)


def plan(records: Sequence[EvalRecord], fmt: str) -> tuple[list[EvalRecord], dict[str, int]]:
    """The records ``fmt`` will hold, and how many it leaves out, by reason."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    kept, skipped = split(records, FORMATS[fmt].rules)
    return kept, dict(skipped)


def redact_records(records: Sequence[EvalRecord], redactor: Redactor) -> list[EvalRecord]:
    """The records with every text a reviewer or a trace wrote masked; ids, labels and
    provenance are left as they are."""
    return [
        replace(
            r,
            input=redactor.value(r.input),
            output=redactor.value(r.output),
            tools=redactor.value(r.tools),
            contexts=redactor.value(r.contexts),
            note=redactor.value(r.note),
            expected=redactor.value(r.expected),
            reviews=redactor.value(r.reviews),
            question=redactor.value(r.question),
        )
        for r in records
    ]


def export(
    records: Sequence[EvalRecord],
    fmt: str,
    path: Path | str,
    *,
    redactor: Redactor | None = None,
    progress: Progress | None = None,
) -> ExportOutcome:
    """Write the records ``fmt``'s consumer can use to ``path`` (atomically: temporary file,
    then rename); the outcome counts the others by reason."""
    kept, skipped = plan(records, fmt)
    chosen = redact_records(kept, redactor) if redactor is not None else kept
    target = Path(path)
    FORMATS[fmt].write(chosen, target, progress)
    masked = dict(redactor.counts) if redactor is not None else {}
    return ExportOutcome(target, len(chosen), masked, skipped)


__all__ = [
    "FORMATS",
    "EvalRecord",
    "ExportOutcome",
    "Format",
    "collect",
    "collect_items",
    "export",
    "plan",
    "redact_records",
    "skipped_text",
]
