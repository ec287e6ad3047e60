"""The incident window on the demo data: failure groups follow the filter and open their spans
in the main window; two cohorts are compared; prompt versions are listed and two are diffed."""

from __future__ import annotations


def test_failure_groups_follow_the_filter_and_open_their_spans(
    qtbot, window, qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    incident = window.features["incident"].open("groups")
    view = incident.groups
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=20000)
    qtmodeltester.check(view.model)
    everything = sum(row["count"] for row in view.model.rows)
    assert view.summary.text().startswith(f"{everything:,} failures in")
    kinds = {row["kind"] for row in view.model.rows}
    assert "tool_error" in kinds or "error" in kinds

    first = view.model.rows[0]
    view.table.selectRow(0)
    assert view.list_button.isEnabled()
    view.list_button.click()
    assert f"group:{first['group_id']}" in window.query_bar.edit.text()
    # the window follows the main filter: now only that group is left
    qtbot.waitUntil(
        lambda: [r["group_id"] for r in view.model.rows] == [first["group_id"]], timeout=20000
    )
    assert view.model.rows[0]["count"] == first["count"]
    assert "group:" in incident.filter_label.text()

    window.query_bar.set_text("service:no-such-service")
    qtbot.waitUntil(lambda: view.summary.text() == "No failures under this filter", timeout=20000)
    assert view.model.rowCount() == 0


def test_compare_two_cohorts_in_the_window(qtbot, window, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    incident = window.features["incident"].open("compare")
    view = incident.compare
    view.a_edit.setText("-status:error")
    view.b_edit.setText("status:error")
    view.compare_button.click()
    qtbot.waitUntil(lambda: view.metrics.rowCount() > 0, timeout=30000)
    qtmodeltester.check(view.metrics)
    rates = {row["metric"]: row for row in view.metrics.rows}
    assert rates["trace_error_rate"]["a"] == 0.0 and rates["trace_error_rate"]["b"] == 1.0
    assert rates["trace_error_rate"]["marker"] == "●"
    assert "significant difference" in view.summary.text()

    view.a_edit.setText("")
    view.b_edit.setText("")
    view.compare_button.click()
    assert "the same" in view.summary.text()


def test_prompt_versions_are_listed_and_two_are_diffed(qtbot, window, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    incident = window.features["incident"].open("prompts")
    view = incident.prompts
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=20000)
    qtmodeltester.check(view.model)
    assert all(row["calls"] > 0 for row in view.model.rows)
    # Through the selection model: a view's selectRow reads the keyboard's modifiers, which a
    # test before this one in the same process may have left pressed.
    selection = view.table.selectionModel()
    selection.select(
        view.model.index(0, 0),
        selection.SelectionFlag.ClearAndSelect | selection.SelectionFlag.Rows,
    )
    qtbot.waitUntil(lambda: view.text.toPlainText() != "", timeout=20000)
    assert view.text.toPlainText() == view.model.rows[0]["example_text"]
    if view.model.rowCount() > 1:
        view.table.selectionModel().select(
            view.model.index(1, 0),
            view.table.selectionModel().SelectionFlag.Select
            | view.table.selectionModel().SelectionFlag.Rows,
        )
        qtbot.waitUntil(lambda: "→" in view.text.toPlainText(), timeout=20000)
