"""The costs screen: switching the breakdown changes chart and table; it follows the filter;
exports; price overrides re-price the calls."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from spanscope.store import costs as store_costs
from spanscope.ui.price_settings import PriceSettings


def _loaded(costs) -> bool:  # type: ignore[no-untyped-def]
    return costs.report is not None and costs.totals_label.text() != "Loading…"


def test_switching_the_dimension_changes_chart_and_table(qtbot, window, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    costs = window.features["costs"].open()
    qtbot.waitUntil(lambda: _loaded(costs), timeout=10000)
    model = costs.table_model
    qtmodeltester.check(model)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Model"
    models = {row["model"] for row in model.rows}
    assert {"gpt-4o-2024-08-06", "claude-sonnet-4-5-20250929"} <= models
    assert set(costs.chart.groups) & models
    assert costs.chart.buckets == ["2026-11-28"]
    assert "model calls" in costs.totals_label.text()

    costs.dimension.setCurrentIndex(costs.dimension.findData("provider"))
    qtbot.waitUntil(
        lambda: model.headerData(0, Qt.Orientation.Horizontal) == "Provider", timeout=10000
    )
    qtbot.waitUntil(lambda: "anthropic" in costs.chart.groups, timeout=10000)
    assert {row["provider"] for row in model.rows} >= {"openai", "anthropic"}
    assert not set(costs.chart.groups) & models

    costs.bucket.setCurrentIndex(costs.bucket.findData("hour"))
    qtbot.waitUntil(lambda: len(costs.chart.buckets) > 10, timeout=10000)
    assert all(b.startswith("2026-11-28 ") for b in costs.chart.buckets)
    assert costs.runaway_model.rowCount() > 0


def test_the_screen_follows_the_query_bar_and_exports(qtbot, window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    costs = window.features["costs"].open()
    qtbot.waitUntil(lambda: _loaded(costs), timeout=10000)
    everything = costs.report["totals"]["calls"]
    window.query_bar.set_text("service:returns-bot")
    qtbot.waitUntil(
        lambda: _loaded(costs) and costs.report["totals"]["calls"] < everything, timeout=10000
    )
    assert "service:returns-bot" in costs.filter_label.text()
    assert costs.chart.save_png(str(tmp_path / "chart.png"))
    assert (tmp_path / "chart.png").stat().st_size > 1000
    costs.table_model.write_csv(str(tmp_path / "table.csv"))
    header = (tmp_path / "table.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("model,calls,input_tokens")


def test_an_override_reprices_the_calls(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    costs = window.features["costs"].open()
    qtbot.waitUntil(lambda: _loaded(costs), timeout=10000)
    before = costs.report["totals"]["cost_usd"]
    settings = PriceSettings(window, on_changed=costs.refresh, parent=costs)
    qtbot.addWidget(settings)
    settings.pattern.setText("gpt-4o*")
    settings.fields["input"].setText("100")
    settings.fields["output"].setText("100")
    settings.add()
    qtbot.waitUntil(lambda: settings.table.rowCount() == 1, timeout=10000)
    qtbot.waitUntil(
        lambda: _loaded(costs) and costs.report["totals"]["override_calls"] > 0, timeout=10000
    )
    assert costs.report["totals"]["cost_usd"] > before
    assert "priced by your overrides" in costs.totals_label.text()
    assert [o.model_pattern for o in store_costs.overrides(window.db.reader())] == ["gpt-4o*"]
