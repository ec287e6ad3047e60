"""The Evaluate window on the demo data: an estimate, then a run with progress whose verdicts
land as annotations the list can filter; a second estimate finds nothing left to judge; the
judge against a reviewer, with a disagreement that opens the span."""

from __future__ import annotations

from spanscope.core.filters import compile_filter
from spanscope.model.annotation import Annotation
from spanscope.store import queries
from spanscope.store.annotations import save_annotation


def test_estimate_run_and_nothing_left_to_judge(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.query_bar.set_text("service:returns-bot")
    evaluate = window.features["evaluate"].open()
    evaluate.name.setCurrentText("no-refusal")
    evaluate.limit.setValue(40)
    evaluate.estimate_button.click()
    qtbot.waitUntil(lambda: evaluate.run_button.isEnabled(), timeout=20000)
    assert "40 calls selected" in evaluate.status.text()
    assert "no network" in evaluate.status.text()
    with qtbot.waitSignal(evaluate.run.finished, timeout=30000):
        evaluate.run_button.click()
    assert "passed" in evaluate.status.text() and "Cancelled" not in evaluate.status.text()
    judged = queries.span_page(
        window.db.reader(), where=compile_filter("author:evaluator:no-refusal@1", "spans")
    )
    assert judged.rows.num_rows == 40
    assert set(r["service"] for r in judged.rows.to_pylist()) == {"returns-bot"}
    evaluate.estimate_button.click()
    qtbot.waitUntil(lambda: "0 to judge" in evaluate.status.text(), timeout=20000)
    assert not evaluate.run_button.isEnabled()


def test_a_judge_needs_an_endpoint(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    evaluate = window.features["evaluate"].open()
    evaluate.name.setCurrentText("faithfulness")
    evaluate.estimate_button.click()
    assert "choose an endpoint" in evaluate.status.text()
    assert not evaluate.run_button.isEnabled()


def test_trust_the_judge_lists_disagreements(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    evaluate = window.features["evaluate"].open()
    evaluate.name.setCurrentText("latency<2s")
    evaluate.limit.setValue(10)
    evaluate.estimate_button.click()
    qtbot.waitUntil(lambda: evaluate.run_button.isEnabled(), timeout=20000)
    with qtbot.waitSignal(evaluate.run.finished, timeout=30000):
        evaluate.run_button.click()
    first = evaluate.status.text()
    assert "passed" in first
    calls = queries.span_page(
        window.db.reader(), where=compile_filter("author:evaluator:latency<2s@1", "spans")
    ).rows.to_pylist()
    writer = window.db.writer.cursor()
    for row in calls:  # the reviewer fails every call: disagrees wherever the check passed
        save_annotation(
            writer, Annotation(row["trace_id"], row["span_id"], ("latency",), author="ana")
        )
    evaluate.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: evaluate.agreement.rowCount() == 1, timeout=20000)
    row = evaluate.agreement.rows[0]
    assert row["reviewer"] == "ana" and row["items"] == 10
    assert row["both_failed"] + row["only_reviewer_failed"] == 10
    assert len(row["disagreements"]) == row["only_reviewer_failed"]
    # the first reviewer's disagreements are listed
    listed = [evaluate.disagreements.item(i).text() for i in range(evaluate.disagreements.count())]
    assert listed == [f"{t}/{s}" for t, s in row["disagreements"]], (listed, row)
    if evaluate.disagreements.count():
        item = evaluate.disagreements.item(0)
        evaluate._open_disagreement(item)
        trace_id = item.text().split("/")[0]
        qtbot.waitUntil(lambda: window.span_tree.trace_id == trace_id, timeout=10000)
