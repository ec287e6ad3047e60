"""The cost chart: bars placed by time (not as categories), round y ticks, a legend above the
plot, an empty-state message, day/hour/month scales, hover text shown literally."""

from __future__ import annotations

from datetime import UTC, datetime

from spanscope.ui.cost_chart import CostChart, money_label, money_ticks, time_ticks


def _rows(bucket: str, *items: tuple[str, str, float]) -> list[dict]:
    return [{bucket: b, "model": m, "cost_usd": c} for b, m, c in items]


def test_bars_are_placed_by_time(qtbot) -> None:
    chart = CostChart()
    qtbot.addWidget(chart)
    chart.resize(800, 400)
    chart.show_rows(
        _rows(
            "day",
            ("2025-12-06", "gpt-4o", 0.5),
            ("2025-12-07", "gpt-4o", 0.2),
            ("2026-06-14", "gpt-4o", 0.3),
        ),
        "day",
        "model",
    )
    chart.grab()  # paint
    (a, _), (b, _), (c, _) = chart._bars
    # 6 Dec and 7 Dec sit side by side; 14 Jun is half a year to the right
    assert b.left() - a.left() < 10 and c.left() - b.left() > 500
    assert chart.x_labels[0] == "Jan 2026" and chart.x_labels[1] == "Feb"  # the year once


def test_y_ticks_are_round_amounts(qtbot) -> None:
    assert money_ticks(0.23) == (0.05, [0.0, 0.05, 0.1, 0.15, 0.2, 0.25])
    assert money_ticks(1.07) == (0.5, [0.0, 0.5, 1.0, 1.5])
    assert money_label(0.1, 0.05) == "$0.10" and money_label(0.002, 0.001) == "$0.002"
    chart = CostChart()
    qtbot.addWidget(chart)
    chart.resize(600, 400)
    chart.show_rows(
        _rows("day", ("2025-12-06", "a", 0.11), ("2025-12-07", "a", 0.23)), "day", "model"
    )
    chart.grab()
    assert chart.y_labels == ["$0.00", "$0.05", "$0.10", "$0.15", "$0.20", "$0.25"]


def test_an_empty_result_says_so_instead_of_an_empty_plot(qtbot) -> None:
    chart = CostChart()
    qtbot.addWidget(chart)
    chart.resize(600, 400)
    chart.show_rows([], "day", "model")
    chart.grab()
    assert chart.is_empty() and chart.y_labels == [] and chart._bars == []
    chart.show_rows(_rows("day", ("2025-12-06", "a", 0.0)), "day", "model")  # unpriced only
    assert chart.is_empty()


def test_many_groups_become_top_eight_and_other(qtbot) -> None:
    chart = CostChart()
    qtbot.addWidget(chart)
    rows = _rows("hour", *[("2025-12-06 14:00", f"model-{i}", 1.0 + i) for i in range(12)])
    chart.show_rows(rows, "hour", "model")
    assert len(chart.groups) == 9 and chart.groups[-1] == "other"


def test_time_ticks_at_each_scale() -> None:
    lo = datetime(2025, 12, 6, 0, tzinfo=UTC)
    hours = time_ticks(lo, datetime(2025, 12, 6, 23, tzinfo=UTC), 8)
    assert [label for _, label in hours][:2] == ["06 Dec 00:00", "03:00"]
    days = time_ticks(lo, datetime(2025, 12, 20, tzinfo=UTC), 8)
    assert days[0][1] == "06 Dec 2025" and all(t.hour == 0 for t, _ in days)
    months = time_ticks(lo, datetime(2026, 7, 1, tzinfo=UTC), 8)
    assert [label for _, label in months][:3] == ["Jan 2026", "Feb", "Mar"]


def test_hover_shows_group_names_as_written(qtbot) -> None:
    chart = CostChart()
    qtbot.addWidget(chart)
    chart.show_rows(_rows("month", ("2025-12", "<b>x</b>", 1.5)), "month", "model")
    tip = chart.bucket_tip(0)
    assert "&lt;b&gt;x&lt;/b&gt;" in tip and "2025-12: $1.50" in tip
