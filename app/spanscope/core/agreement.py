"""How far reviewers agree: Cohen's kappa for two, Fleiss' kappa and Krippendorff's alpha for
any number, and the per-label report built on them.

Each label is judged as a yes/no question on every item (trace or span) a reviewer reviewed:
a reviewer who annotated the item and did not choose the label said "no". Items one reviewer
did not review are missing data: Cohen's and Fleiss' kappa use the items every reviewer
reviewed, Krippendorff's alpha uses every item at least two reviewed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

from spanscope.model.annotation import Annotation

Item = tuple[str, str]


def cohen_kappa(first: Sequence[Hashable], second: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two raters' categories for the same items, in order. None when it
    is undefined (no items, or both raters used one and the same category throughout)."""
    if len(first) != len(second):
        raise ValueError("both raters must rate the same items")
    n = len(first)
    if n == 0:
        return None
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    count_a, count_b = Counter(first), Counter(second)
    expected = sum(count_a[c] * count_b[c] for c in count_a) / (n * n)
    if expected == 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def fleiss_kappa(counts: Sequence[Sequence[int]]) -> float | None:
    """Fleiss' kappa from a table: one row per item, one column per category, each cell the
    number of raters who put the item in that category (the same number of raters per item).
    None when undefined."""
    rows = [list(r) for r in counts if sum(r)]
    if not rows:
        return None
    raters = sum(rows[0])
    if raters < 2 or any(sum(r) != raters for r in rows):
        raise ValueError("every item needs the same number of raters, at least two")
    n = len(rows)
    totals = [sum(r[j] for r in rows) for j in range(len(rows[0]))]
    p = [t / (n * raters) for t in totals]
    per_item = [(sum(c * c for c in r) - raters) / (raters * (raters - 1)) for r in rows]
    observed = sum(per_item) / n
    expected = sum(x * x for x in p)
    if expected == 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def krippendorff_alpha(units: Sequence[Sequence[Hashable | None]]) -> float | None:
    """Krippendorff's alpha for nominal data. ``units``: one sequence per item of the values
    each rater gave (None where a rater gave none). Units with fewer than two values are not
    pairable and are left out. None when undefined (fewer than two pairable values, or a
    single value used throughout)."""
    coincidences: dict[tuple[Hashable, Hashable], float] = defaultdict(float)
    for unit in units:
        values = [v for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue
        for i, a in enumerate(values):
            for j, b in enumerate(values):
                if i != j:
                    coincidences[(a, b)] += 1.0 / (m - 1)
    total = sum(coincidences.values())
    if total <= 1:
        return None
    marginals: dict[Hashable, float] = defaultdict(float)
    for (a, _b), weight in coincidences.items():
        marginals[a] += weight
    disagreement_observed = sum(w for (a, b), w in coincidences.items() if a != b)
    disagreement_expected = sum(
        marginals[a] * marginals[b] for a in marginals for b in marginals if a != b
    ) / (total - 1)
    if disagreement_expected == 0:
        return None
    return 1.0 - disagreement_observed / disagreement_expected


@dataclass(frozen=True)
class LabelAgreement:
    """Agreement on one label: how many items were compared and the statistics."""

    label: str
    items: int  # items at least two reviewers reviewed
    agreed: int  # of those, items where every reviewer of the item said the same
    cohen: float | None  # two reviewers only
    fleiss: float | None  # over the items every reviewer reviewed (two or more reviewers)
    alpha: float | None  # Krippendorff's alpha, nominal, every item two or more reviewed


@dataclass(frozen=True)
class AgreementReport:
    reviewers: tuple[str, ...]
    items: int  # items at least two reviewers reviewed
    labels: tuple[LabelAgreement, ...]


def reviews_by_item(annotations: Sequence[Annotation]) -> dict[Item, dict[str, Annotation]]:
    """Each reviewer's own (not adjudicated, rubric-free) annotation on each item."""
    out: dict[Item, dict[str, Annotation]] = defaultdict(dict)
    for a in annotations:
        if not a.adjudicated and a.rubric == "":
            out[a.item][a.author] = a
    return dict(out)


def agreement_report(
    annotations: Sequence[Annotation], labels: Sequence[str] | None = None
) -> AgreementReport:
    """Agreement per label between the reviewers (authors) of ``annotations``."""
    reviews = reviews_by_item(annotations)
    reviewers = tuple(sorted({author for by in reviews.values() for author in by}))
    shared = {item: by for item, by in reviews.items() if len(by) >= 2}
    everyone = [item for item, by in shared.items() if len(by) == len(reviewers)]
    chosen = labels or sorted(
        {lab for by in shared.values() for a in by.values() for lab in a.labels}
    )
    out = []
    for label in chosen:
        out.append(_label_agreement(label, reviewers, shared, everyone))
    return AgreementReport(reviewers, len(shared), tuple(out))


def _label_agreement(
    label: str,
    reviewers: tuple[str, ...],
    shared: Mapping[Item, Mapping[str, Annotation]],
    everyone: Sequence[Item],
) -> LabelAgreement:
    def says(a: Annotation | None) -> bool | None:
        return None if a is None else label in a.labels

    units = [[says(by.get(r)) for r in reviewers] for by in shared.values()]
    agreed = sum(len({v for v in unit if v is not None}) == 1 for unit in units)
    cohen = None
    if len(reviewers) == 2 and everyone:
        first = [label in shared[i][reviewers[0]].labels for i in everyone]
        second = [label in shared[i][reviewers[1]].labels for i in everyone]
        cohen = cohen_kappa(first, second)
    fleiss = None
    if everyone:
        table = []
        for item in everyone:
            yes = sum(label in shared[item][r].labels for r in reviewers)
            table.append([yes, len(reviewers) - yes])
        fleiss = fleiss_kappa(table)
    alpha = krippendorff_alpha(units)
    return LabelAgreement(label, len(units), agreed, cohen, fleiss, alpha)
