"""The significance tests of cohort comparison against SciPy's results for the same data
(``scipy.stats.mannwhitneyu(method="asymptotic")``, ``fisher_exact``,
``false_discovery_control``; values copied from SciPy 1.17.1) and a hand-computed z-test."""

from __future__ import annotations

import math

import pytest

from spanscope.core.significance import (
    benjamini_hochberg,
    fisher_exact,
    mann_whitney,
    two_proportions,
)


@pytest.mark.parametrize(
    ("a", "b", "p", "effect"),
    [
        # SciPy's own documentation example (Conover): U = 17
        ([19, 22, 16, 29, 24], [20, 11, 17, 12], 0.11134688653314041, -0.7),
        # with ties inside and across the samples: U = 15.5
        ([1, 2, 3, 4, 5, 5, 5, 6], [3, 3, 4, 7, 8, 9, 9, 10, 11], 0.05281840077054885, 0.5694444),
        # two values only: heavy ties
        ([0.5] * 10 + [1.5] * 5, [0.5] * 3 + [1.5] * 12, 0.012019612396810661, 0.4666667),
    ],
)
def test_mann_whitney_matches_scipy(
    a: list[float], b: list[float], p: float, effect: float
) -> None:
    result = mann_whitney(a, b)
    assert result.p_value == pytest.approx(p, rel=1e-9)
    assert result.effect == pytest.approx(effect, abs=1e-6)


def test_mann_whitney_of_empty_or_constant_samples_finds_nothing() -> None:
    assert mann_whitney([], [1.0, 2.0]).p_value == 1.0
    assert mann_whitney([3.0, 3.0], [3.0, 3.0, 3.0]).p_value == 1.0


@pytest.mark.parametrize(
    ("table", "p"),
    [
        ((3, 10, 9, 12), 0.0835573095635015),
        ((1, 20, 8, 20), 0.019656019656019652),
        ((40, 1000, 80, 1000), 0.0002144718524374221),
        ((0, 5, 5, 5), 0.007936507936507938),
    ],
)
def test_fisher_exact_matches_scipy(table: tuple[int, int, int, int], p: float) -> None:
    assert fisher_exact(*table) == pytest.approx(p, rel=1e-9)


def test_two_proportions_uses_fisher_for_small_counts_and_z_for_large() -> None:
    small = two_proportions(1, 20, 8, 20)
    assert small.test == "fisher" and small.p_value == pytest.approx(0.019656019656019652)
    large = two_proportions(40, 1000, 80, 1000)
    pooled = 120 / 2000
    z = 0.04 / math.sqrt(pooled * (1 - pooled) * (2 / 1000))  # 3.766
    assert large.test == "proportions"
    assert large.p_value == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-12)
    assert large.effect == pytest.approx(0.04)
    assert two_proportions(0, 0, 3, 10).p_value == 1.0


def test_benjamini_hochberg_matches_scipy() -> None:
    adjusted = benjamini_hochberg([0.01, 0.04, 0.03, 0.2, 0.5])
    assert adjusted == pytest.approx([0.05, 0.0666666667, 0.0666666667, 0.25, 0.5])
    assert benjamini_hochberg([]) == []
