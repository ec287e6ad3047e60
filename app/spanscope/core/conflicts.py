"""Where reviewers disagree, and what an adjudicated decision settles.

A conflict is an item (trace or span) two or more reviewers reviewed whose label sets, or
scores on the same rubric item, differ. An item with an adjudicated annotation is settled.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from spanscope.model.annotation import Annotation

Item = tuple[str, str]


@dataclass(frozen=True)
class Conflict:
    """One item reviewers disagree on, with each reviewer's annotations side by side."""

    item: Item
    reviews: dict[str, Annotation]  # author -> their rubric-free annotation
    scores: dict[str, dict[str, float | None]]  # rubric item -> author -> score
    labels_in_dispute: tuple[str, ...]  # chosen by some reviewers of the item, not all
    settled: Annotation | None  # the adjudicated decision, when there is one

    @property
    def agreed_labels(self) -> tuple[str, ...]:
        """Labels every reviewer of the item chose."""
        sets = [set(a.labels) for a in self.reviews.values()]
        common = sets[0].intersection(*sets[1:]) if sets else set()
        first = next(iter(self.reviews.values()), None)
        return tuple(x for x in (first.labels if first else ()) if x in common)


def find_conflicts(
    annotations: Sequence[Annotation], include_settled: bool = True
) -> list[Conflict]:
    """Every item reviewers disagree on, in (trace, span) order."""
    reviews: dict[Item, dict[str, Annotation]] = defaultdict(dict)
    scores: dict[Item, dict[str, dict[str, float | None]]] = defaultdict(lambda: defaultdict(dict))
    settled: dict[Item, Annotation] = {}
    for a in annotations:
        if a.adjudicated:
            if a.rubric == "":
                settled[a.item] = a
        elif a.rubric == "":
            reviews[a.item][a.author] = a
        else:
            scores[a.item][a.rubric][a.author] = a.score
    out = []
    for item in sorted(set(reviews) | set(scores)):
        by = reviews.get(item, {})
        rubric = {r: dict(s) for r, s in scores.get(item, {}).items() if len(s) >= 2}
        label_sets = [set(a.labels) for a in by.values()]
        disputed: set[str] = set()
        if len(label_sets) >= 2:
            disputed = set().union(*label_sets) - label_sets[0].intersection(*label_sets[1:])
        score_dispute = any(len(set(s.values())) > 1 for s in rubric.values())
        if not disputed and not score_dispute:
            continue
        if item in settled and not include_settled:
            continue
        out.append(Conflict(item, dict(by), rubric, tuple(sorted(disputed)), settled.get(item)))
    return out


def decision(
    conflict: Conflict, labels: Sequence[str], author: str, note: str | None = None
) -> Annotation:
    """The adjudicated annotation settling ``conflict`` with ``labels``; the reviewers'
    expected outputs are kept when they agree."""
    expected = {a.expected for a in conflict.reviews.values() if a.expected}
    trace_id, span_id = conflict.item
    return Annotation(
        trace_id=trace_id,
        span_id=span_id,
        labels=tuple(labels),
        note=note,
        expected=expected.pop() if len(expected) == 1 else None,
        author=author,
        adjudicated=True,
        origin="adjudication",
    )
