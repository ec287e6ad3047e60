"""How far to trust an evaluator: its verdicts against each human reviewer's labels and the
adjudicated label on the items both judged (a confusion table, Cohen's kappa, the items they
disagree on), and how often a judge changes its verdict when asked again.

A verdict says "failed" when its label is one of the evaluator's failure labels; a reviewer
says "failed" when their annotation carries ``label`` (when given) or any label at all (every
label of the taxonomy names a failure). Items are spans: a trace-level annotation is not
compared with span-level verdicts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from spanscope.core.agreement import cohen_kappa
from spanscope.model.annotation import Annotation

Item = tuple[str, str]
ADJUDICATED = "(adjudicated)"


@dataclass(frozen=True)
class JudgeAgreement:
    """The evaluator against one reviewer (or the adjudicated labels)."""

    reviewer: str
    items: int
    both_failed: int
    only_judge_failed: int
    only_reviewer_failed: int
    both_passed: int
    cohen: float | None
    disagreements: tuple[Item, ...]

    @property
    def agreed(self) -> int:
        return self.both_failed + self.both_passed


def judge_agreement(
    annotations: Sequence[Annotation],
    evaluator_author: str,
    failure_labels: Sequence[str],
    label: str | None = None,
) -> list[JudgeAgreement]:
    """The evaluator ``evaluator_author`` against every reviewer of the same spans."""
    verdicts: dict[Item, bool] = {}
    reviews: dict[str, dict[Item, bool]] = {}
    for a in annotations:
        if a.author == evaluator_author:
            if a.labels:  # an evaluator error has no label: not a verdict
                verdicts[a.item] = any(x in failure_labels for x in a.labels)
            continue
        if a.author.startswith("evaluator:") or a.rubric or a.span_id == "":
            continue
        failed = (label in a.labels) if label else bool(a.labels)
        reviews.setdefault(ADJUDICATED if a.adjudicated else a.author, {})[a.item] = failed
    out = []
    for reviewer in sorted(reviews):
        said = reviews[reviewer]
        items = sorted(set(said) & set(verdicts))
        cells = Counter((verdicts[i], said[i]) for i in items)
        judge = [verdicts[i] for i in items]
        human = [said[i] for i in items]
        out.append(
            JudgeAgreement(
                reviewer=reviewer,
                items=len(items),
                both_failed=cells[(True, True)],
                only_judge_failed=cells[(True, False)],
                only_reviewer_failed=cells[(False, True)],
                both_passed=cells[(False, False)],
                cohen=cohen_kappa(judge, human) if items else None,
                disagreements=tuple(i for i in items if verdicts[i] != said[i]),
            )
        )
    return out


def flip_rate(runs: Sequence[Sequence[str | None]]) -> float | None:
    """Share of items whose label was not the same in every run (``runs``: one sequence of
    labels per item, None for an evaluator error, which is left out). None without items."""
    judged = [[x for x in labels if x is not None] for labels in runs]
    judged = [labels for labels in judged if len(labels) >= 2]
    if not judged:
        return None
    return sum(len(set(labels)) > 1 for labels in judged) / len(judged)
