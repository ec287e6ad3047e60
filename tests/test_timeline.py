"""The timeline's arithmetic: self time, idle gaps, the critical path, ruler ticks."""

from __future__ import annotations

from spanscope.core.timeline import (
    Gap,
    build_timeline,
    critical_path,
    idle_gaps,
    nice_step,
    self_times,
    ticks,
)

MS = 1_000_000
# root 0-1000 ms; a 0-400 (the long first call); b 100-300 alongside a; c 700-1000 after an
# idle stretch; d 750-800 inside c
STARTS = [0, 0, 100 * MS, 700 * MS, 750 * MS]
ENDS = [1000 * MS, 400 * MS, 300 * MS, 1000 * MS, 800 * MS]
CHILDREN = [[1, 2, 3], [], [], [4], []]


def test_self_time_is_what_no_child_covered() -> None:
    assert self_times(STARTS, ENDS, CHILDREN) == [300 * MS, 400 * MS, 200 * MS, 250 * MS, 50 * MS]


def test_critical_path_skips_the_span_that_ran_alongside() -> None:
    assert critical_path(STARTS, ENDS, CHILDREN, [0]) == [True, True, False, True, True]


def test_a_child_outliving_its_parent_is_cut_at_the_parents_end() -> None:
    # root 0-100; x 0-50; y 40-300 (async, outlives root): y is the last to finish by 100
    on = critical_path([0, 0, 40], [100, 50, 300], [[1, 2], [], []], [0])
    assert on == [True, False, True]


def test_a_deep_chain_does_not_exhaust_the_stack() -> None:
    n = 50_000
    on = critical_path(
        list(range(n)), [2 * n - i for i in range(n)], [[i + 1] for i in range(n - 1)] + [[]], [0]
    )
    assert all(on)


def test_idle_gaps_between_and_after_work() -> None:
    gaps = idle_gaps([0, 10, 50], [5, 20, 60], 0, 100)
    assert gaps == [Gap(5, 10), Gap(20, 50), Gap(60, 100)]
    assert idle_gaps([0, 10], [5, 20], 0, 20, min_ns=6) == []


def test_build_timeline_looks_for_gaps_between_work_spans() -> None:
    timeline = build_timeline(STARTS, ENDS, CHILDREN, [0], 0)
    assert timeline.gaps == [Gap(400 * MS, 700 * MS)]
    assert build_timeline([0], [10], [[]], [0], 0).gaps == []  # one span: nothing idle


def test_ticks_are_nice_values_in_one_unit() -> None:
    assert ticks(0, 1_500_000, 8)[1] == (200_000, "0.2 ms")
    assert [label for _, label in ticks(0, 2 * 10**9, 5)] == [
        "0",
        "0.5 s",
        "1.0 s",
        "1.5 s",
        "2.0 s",
    ]
    assert [label for _, label in ticks(0, 33 * 60 * 10**9, 7)][:3] == ["0", "5 min", "10 min"]
    assert ticks(0, 3 * 3600 * 10**9, 4)[2][1] == "2 h"
    for span in (7, 999, 12_345, 10**7, 3 * 10**10):
        step = nice_step(span, 6)
        digits = str(step).rstrip("0")
        assert digits in ("1", "2", "5") or step % (60 * 10**9) == 0
        assert span / step <= 6


def test_a_trace_spanning_years_still_gets_few_ticks() -> None:
    """A span with a far-future end (a broken clock in a file) must not make thousands of
    ticks: every row paints one line per tick."""
    years = 3 * 365 * 24 * 3600 * 10**9
    marks = ticks(0, years, 8)
    assert 2 <= len(marks) <= 9 and marks[1][1].endswith(" d")
    assert len(ticks(0, 10**18, 8)) <= 9
