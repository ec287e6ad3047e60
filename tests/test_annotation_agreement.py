"""Agreement statistics against published worked examples and hand-computed kappas, and the
conflicts between reviewers."""

from __future__ import annotations

import pytest

from spanscope.core.agreement import (
    agreement_report,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
)
from spanscope.core.conflicts import decision, find_conflicts
from spanscope.model.annotation import Annotation


def test_cohen_kappa_wikipedia_example() -> None:
    # 50 proposals: both yes 20, A yes B no 5, A no B yes 10, both no 15: po .7, pe .5, κ .4
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_cohen_kappa_by_hand() -> None:
    # 10 items: agree on 8 (yes 3, no 5), A yes/B no 1, A no/B yes 1.
    # po = .8; pA(yes) = .4, pB(yes) = .4; pe = .16 + .36 = .52; κ = .28 / .48 = 0.58333
    a = [1, 1, 1, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 0, 0, 0, 0, 1]
    assert cohen_kappa(a, b) == pytest.approx(0.28 / 0.48)
    assert cohen_kappa([1, 1], [1, 1]) is None  # one category throughout: undefined
    assert cohen_kappa([], []) is None


def test_fleiss_kappa_wikipedia_example() -> None:
    # 10 subjects, 14 raters, 5 categories: κ = 0.210
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    assert fleiss_kappa(table) == pytest.approx(0.2099, abs=5e-5)
    with pytest.raises(ValueError):
        fleiss_kappa([[1, 1], [2, 1]])


def test_krippendorff_alpha_published_nominal_example() -> None:
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C:
    # 4 observers, 12 units, missing values; nominal α = 0.743
    n = None
    observers = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    units = list(zip(*observers, strict=True))
    assert krippendorff_alpha(units) == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha([[1, 1], [1, 1]]) is None


def review(item: str, author: str, *labels: str) -> Annotation:
    return Annotation("t", item, tuple(labels), author=author)


def test_report_per_label_for_two_reviewers() -> None:
    # hallucination: ana yes on s1 s2 s3, bo yes on s1 s2 s4; 6 items both reviewed
    # po = 4/6; p(yes) ana .5 bo .5 -> pe .5; κ = (2/3 - .5) / .5 = 1/3
    notes = []
    for item, ana, bo in [
        ("s1", True, True),
        ("s2", True, True),
        ("s3", True, False),
        ("s4", False, True),
        ("s5", False, False),
        ("s6", False, False),
    ]:
        notes.append(review(item, "ana", *(["hallucination"] if ana else ["latency"])))
        notes.append(review(item, "bo", *(["hallucination"] if bo else [])))
    notes.append(review("s7", "ana", "hallucination"))  # only one reviewer: not compared
    report = agreement_report(notes, ["hallucination"])
    assert report.reviewers == ("ana", "bo") and report.items == 6
    [row] = report.labels
    assert (row.items, row.agreed) == (6, 4)
    assert row.cohen == pytest.approx(1 / 3)
    assert row.fleiss is not None and row.alpha is not None
    # Krippendorff's alpha with two coders and no missing data: 1 - (n-1) Do / De, n = 12
    assert row.alpha == pytest.approx(1 - 11 * (4 / 12) / (2 * 6 * 6 / 12 * 1))


def test_three_reviewers_use_fleiss_and_alpha_not_cohen() -> None:
    notes = [
        review("s1", "a", "x"),
        review("s1", "b", "x"),
        review("s1", "c", "x"),
        review("s2", "a"),
        review("s2", "b"),
        review("s2", "c", "x"),
        review("s3", "a"),
        review("s3", "b"),
        review("s3", "c"),
    ]
    [row] = agreement_report(notes, ["x"]).labels
    assert row.cohen is None
    # table yes/no per item: [3,0], [1,2], [0,3]; P_i = 1, 1/3, 1; P̄ = 7/9
    # p(yes) = 4/9, p(no) = 5/9; Pe = 41/81; κ = (7/9 - 41/81) / (1 - 41/81) = 22/40
    assert row.fleiss == pytest.approx((7 / 9 - 41 / 81) / (1 - 41 / 81))
    assert row.alpha is not None and 0 < row.alpha < 1


def test_conflicts_and_their_decision() -> None:
    notes = [
        Annotation("t", "s1", ("hallucination", "latency"), author="ana", expected="A"),
        Annotation("t", "s1", ("latency",), author="bo", expected="A"),
        Annotation("t", "s2", ("refusal",), author="ana"),
        Annotation("t", "s2", ("refusal",), author="bo"),
        Annotation("t", "s3", rubric="correct", score=1.0, author="ana"),
        Annotation("t", "s3", rubric="correct", score=0.0, author="bo"),
    ]
    found = find_conflicts(notes)
    assert [c.item for c in found] == [("t", "s1"), ("t", "s3")]
    first = found[0]
    assert first.labels_in_dispute == ("hallucination",) and first.agreed_labels == ("latency",)
    assert found[1].scores == {"correct": {"ana": 1.0, "bo": 0.0}}
    settled = decision(first, ["latency"], "cy", "only slow")
    assert (settled.adjudicated, settled.expected, settled.labels) == (True, "A", ("latency",))
    assert [c.settled for c in find_conflicts([*notes, settled]) if c.item == ("t", "s1")] == [
        settled
    ]
    assert [c.item for c in find_conflicts([*notes, settled], include_settled=False)] == [
        ("t", "s3")
    ]
