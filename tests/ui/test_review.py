"""Reviewing with the keyboard: a queue of five traces labelled, noted, skipped and exported
without the mouse; the queue resumes where it was left; the Annotations tab says "Saved" only
once the annotation is on disk; reviewers' conflicts are adjudicated."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from spanscope import paths
from spanscope.model.annotation import Annotation
from spanscope.store import annotations as stored
from spanscope.store import review_queues
from spanscope.ui.eval_export_dialog import Scope, default_path


def _open_queue(qtbot, window, trace_ids):  # type: ignore[no-untyped-def]
    feature = window.features["review"]
    feature.review_traces(trace_ids)
    qtbot.waitUntil(lambda: len(feature.queues) == 1, timeout=10000)
    review = feature.queues[0]
    qtbot.waitUntil(lambda: review.progress.text() == f"1 / {len(trace_ids)}", timeout=10000)
    qtbot.waitUntil(lambda: review.panel.isEnabled() and bool(review.panel.buttons), timeout=10000)
    return review


def _wait_item(qtbot, review, position: int) -> None:  # type: ignore[no-untyped-def]
    item = review.state.items[position]
    qtbot.waitUntil(
        lambda: (
            review.panel.trace_id == item.trace_id
            and review.panel.data is not None
            and review.panel.isEnabled()
        ),
        timeout=10000,
    )
    # the panel has shown this item's annotations (its runner delivered them)
    qtbot.waitUntil(lambda: not review.panel.status.text().startswith("Saving"), timeout=10000)


def test_review_five_items_with_the_keyboard_and_export(qtbot, window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chosen = [window.trace_list.model.row_id(r) for r in range(5)]
    review = _open_queue(qtbot, window, chosen)
    ids = [item.trace_id for item in review.state.items]  # the queue's order: oldest first
    assert sorted(ids) == sorted(chosen)
    review.activateWindow()
    review.setFocus()
    plan = [
        ("1", "the refund window is 30 days"),  # hallucination + expected
        ("2", None),  # wrong tool
        (None, None),  # skipped
        ("13", "escalate to a human"),  # hallucination + bad tool arguments
        ("9", None),  # latency
    ]
    for position, (keys, expected) in enumerate(plan):
        _wait_item(qtbot, review, position)
        assert review.progress.text() == f"{position + 1} / 5"
        if keys is None:
            qtbot.keyClick(review, Qt.Key.Key_S)
            continue
        for key in keys:
            qtbot.keyClick(review, key)
        if expected:
            qtbot.keyClick(review, Qt.Key.Key_E)
            assert review.panel.expected.hasFocus()
            qtbot.keyClicks(review.panel.expected, expected)  # j typed here stays text
            qtbot.keyClick(review.panel.expected, Qt.Key.Key_Escape)
        qtbot.keyClick(review, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: review.progress.text() == "5 / 5 — finished", timeout=10000)
    window.features["review"].writer.wait()
    qtbot.waitUntil(lambda: window.features["review"].writer.pending == 0, timeout=10000)

    cur = window.db.reader()
    got = {a.trace_id: a for a in stored.list_annotations(cur) if a.rubric == ""}
    assert got[ids[0]].labels == ("hallucination",)
    assert got[ids[0]].expected == "the refund window is 30 days"
    assert got[ids[1]].labels == ("wrong tool",)
    assert ids[2] not in got
    assert got[ids[3]].labels == ("hallucination", "bad tool arguments")
    assert got[ids[3]].expected == "escalate to a human"
    assert got[ids[4]].labels == ("latency",)
    assert {a.author for a in got.values()} == {window.features["review"].author}
    [queue] = review_queues.queues(cur)
    assert (queue.done, queue.skipped, queue.position) == (4, 1, 5)

    dialog = window.features["review"].open_export(Scope("queue", queue_id=queue.queue_id))
    qtbot.waitUntil(lambda: dialog.records is not None, timeout=10000)
    assert dialog.labels.count() == 4  # every label given, all ticked
    dialog.set_format("openai-jsonl")
    # a failure label with no expected output is no example to learn from: said before export
    assert "2 of 4 records fit" in dialog.fit.text()
    assert "labelled a failure and no expected output" in dialog.fit.text()
    dialog.set_labels({"hallucination", "bad tool arguments", "wrong tool"})
    assert "2 of 3 records fit" in dialog.fit.text()
    assert Path(dialog.path.text()).parent == paths.export_dir()  # the exports folder
    target = tmp_path / "reviewed.jsonl"
    dialog.path.setText(str(target))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=10000)
    assert dialog.bar.value() == dialog.bar.maximum() == 2
    assert dialog.outcome.skipped == {
        "labelled a failure and no expected output: its recorded answer is the failure, not an "
        "example to learn from": 1
    }
    assert "skipped 1" in dialog.status.text()
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    sidecar = tmp_path / "reviewed.provenance.jsonl"  # line N describes line N
    provenance = [json.loads(line) for line in sidecar.read_text(encoding="utf-8").splitlines()]
    by_trace = {p["trace_id"]: r for p, r in zip(provenance, records, strict=True)}
    assert set(by_trace) == {ids[0], ids[3]}
    first = by_trace[ids[0]]
    assert first["messages"][-1] == {
        "role": "assistant",
        "content": "the refund window is 30 days",
        "weight": 1,
    }
    meta = provenance[[p["trace_id"] for p in provenance].index(ids[0])]
    assert meta["labels"] == ["hallucination"]
    assert meta["source_file"].endswith("demo.jsonl")
    assert meta["reviewers"] == [window.features["review"].author]
    assert default_path("csv").parent == tmp_path  # the next export starts where this one went
    dialog.close()


def test_a_queue_resumes_where_the_reviewer_stopped(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    ids = [window.trace_list.model.row_id(r) for r in range(4)]
    review = _open_queue(qtbot, window, ids)
    _wait_item(qtbot, review, 0)
    qtbot.keyClick(review, Qt.Key.Key_S)
    _wait_item(qtbot, review, 1)
    qtbot.keyClick(review, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: review.progress.text() == "3 / 4", timeout=10000)
    queue_id = review.queue_id
    review.close()
    window.features["review"].writer.wait()
    qtbot.waitUntil(lambda: window.features["review"].writer.pending == 0, timeout=10000)
    again = window.features["review"].open_queue(queue_id)
    qtbot.waitUntil(lambda: again.progress.text() == "3 / 4", timeout=10000)
    qtbot.keyClick(again, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: again.progress.text() == "2 / 4", timeout=10000)
    again.close()


def test_annotations_tab_says_saved_once_on_disk(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    feature = window.features["review"]
    qtbot.waitUntil(lambda: feature.tab.trace_id is not None, timeout=10000)
    feature.annotate()
    panel = feature.panel
    qtbot.waitUntil(lambda: panel.isEnabled() and bool(panel.buttons), timeout=10000)
    panel.note.setPlainText("the answer cites a passage that does not exist")
    assert panel.status.text().startswith("Unsaved")
    with qtbot.waitSignal(panel.saved, timeout=10000):
        panel.buttons["hallucination"].click()
    assert panel.status.text().startswith("Saved")
    [mine] = stored.annotations_of(window.db.reader(), panel.trace_id, panel.span_id)
    assert mine.labels == ("hallucination",)
    assert mine.note == "the answer cites a passage that does not exist"


def test_conflicts_are_shown_side_by_side_and_adjudicated(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    trace = window.trace_list.model.row_id(0)
    cur = window.db.writer.cursor()
    stored.save_annotation(cur, Annotation(trace, "", ("hallucination", "latency"), author="ana"))
    stored.save_annotation(cur, Annotation(trace, "", ("latency",), note="slow only", author="bo"))
    reviewers = window.features["review"].open_reviewers()
    qtbot.waitUntil(
        lambda: reviewers.data is not None and reviewers.conflicts.count() == 1, timeout=10000
    )
    assert reviewers.side_by_side.columnCount() == 2
    assert reviewers.side_by_side.item(0, 0).text() == "hallucination, latency"
    assert reviewers.side_by_side.item(1, 1).text() == "slow only"
    assert reviewers.decision_boxes["latency"].isChecked()
    assert not reviewers.decision_boxes["hallucination"].isChecked()
    reviewers.decision_boxes["hallucination"].setChecked(True)
    reviewers.adjudicate()
    qtbot.waitUntil(lambda: reviewers.status.text().startswith("Decision saved"), timeout=10000)
    qtbot.waitUntil(
        lambda: (
            reviewers.conflicts.count() == 1 and reviewers.conflicts.item(0).text().startswith("✓")
        ),
        timeout=10000,
    )
    [settled] = [a for a in stored.annotations_of(window.db.reader(), trace, "") if a.adjudicated]
    assert settled.labels == ("hallucination", "latency")
    reviewers.close()


def test_badges_in_the_lists_and_the_tree(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    from spanscope.ui.trace_page import COLUMNS

    trace = window.trace_list.model.row_id(0)
    # the tree shows the trace first and selects its span a moment later
    qtbot.waitUntil(
        lambda: (
            window.span_tree.trace_id == trace and window.span_tree.current_span_id() is not None
        ),
        timeout=10000,
    )
    span_id = window.span_tree.current_span_id()
    cur = window.db.writer.cursor()
    stored.save_annotation(cur, Annotation(trace, span_id, ("wrong tool",), note="n", author="ana"))
    labels = [c.title for c in COLUMNS].index("Labels")
    window.finder.reload()
    qtbot.waitUntil(lambda: window.trace_list.model.rowCount() > 0, timeout=10000)
    qtbot.waitUntil(
        lambda: window.trace_list.model.index(0, labels).data() == "wrong tool ✎", timeout=10000
    )
    window.features["review"].refresh_tree_badges()
    qtbot.waitUntil(
        lambda: window.span_tree.model.badges.get(span_id) == "wrong tool ✎", timeout=10000
    )
