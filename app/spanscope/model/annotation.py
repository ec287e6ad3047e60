"""Annotations: what a reviewer says about a trace or a span.

An annotation is keyed by (trace_id, span_id, rubric, author): one per author per rubric item
on each trace or span (span_id '' is the whole trace). Adjudicated annotations settle a
disagreement between reviewers and are kept apart from the reviewers' own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Annotation:
    """One reviewer's labels, score, note and expected output on one trace or span."""

    trace_id: str
    span_id: str = ""  # '' for the trace itself
    labels: tuple[str, ...] = ()
    rubric: str = ""  # rubric item the score belongs to; '' for none
    score: float | None = None
    note: str | None = None
    expected: str | None = None
    author: str = ""
    adjudicated: bool = False
    origin: str | None = None  # app, cli, or the file it was merged from
    created_at: datetime | None = None
    updated_at: datetime | None = None
    annotation_id: int | None = None

    @property
    def key(self) -> tuple[str, str, str, str, bool]:
        """What makes an annotation unique: one per author per rubric item per trace/span."""
        return (self.trace_id, self.span_id, self.rubric, self.author, self.adjudicated)

    @property
    def item(self) -> tuple[str, str]:
        """The trace or span annotated."""
        return (self.trace_id, self.span_id)

    @property
    def empty(self) -> bool:
        """True when it says nothing (saving it removes the annotation)."""
        return not self.labels and self.score is None and not self.note and not self.expected


@dataclass(frozen=True)
class LabelDef:
    """A label of the taxonomy, with its badge colour and the number key that toggles it."""

    name: str
    colour: str = "#7f7f7f"
    shortcut: int | None = None  # 0-9
    description: str | None = None
    position: int = 0


@dataclass(frozen=True)
class RubricItem:
    """An item scored on every reviewed trace or span: pass/fail (1/0) or a number."""

    name: str
    kind: str = "pass_fail"  # pass_fail or numeric
    min_score: float | None = 0.0
    max_score: float | None = 1.0
    description: str | None = None
    position: int = 0


@dataclass(frozen=True)
class ReviewItem:
    """One entry of a review queue."""

    queue_id: int
    position: int
    trace_id: str
    span_id: str
    state: str = "pending"  # pending, done or skipped


@dataclass(frozen=True)
class ReviewQueue:
    """A frozen list of traces or spans chosen by a filter, and where the reviewer is."""

    queue_id: int
    name: str
    filter: str
    level: str  # traces or spans
    position: int
    total: int
    done: int = 0
    skipped: int = 0
