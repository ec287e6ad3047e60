"""The applied filter is one value every screen reads: the line under the query bar says what
the list shows, "Review these" and Costs follow the applied filter (never the text still being
typed), and a trace-level term such as ``errors>2`` works in "Review these" on either list."""

from __future__ import annotations

from spanscope.store import Database, review_queues


def scalar(db: Database, sql: str) -> int:
    return int(db.reader().execute(sql).fetchall()[0][0])


def test_the_line_under_the_query_bar_says_what_the_list_shows(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    finder = window.finder
    assert finder.meaning.isHidden()  # no filter: nothing to explain
    window.query_bar.set_text("kind:tool duration>2s")
    assert finder.meaning.text() == "traces with a span matching kind:tool duration>2s"
    assert finder.meaning.textFormat().name == "PlainText"
    window.query_bar.set_text("duration>2s")
    assert finder.meaning.text() == "traces with trace.duration>2s"
    finder.show_list("spans")
    assert finder.meaning.text() == "spans matching duration>2s"
    window.runner.wait()


def test_review_these_takes_the_applied_filter_with_a_trace_level_term(
    qtbot, window, demo_db: Database
) -> None:  # type: ignore[no-untyped-def]
    expected = scalar(demo_db, "SELECT count(*) FROM traces WHERE error_count > 0")
    assert expected > 0
    window.query_bar.set_text("errors>0")
    window.query_bar.edit.setText("kind:nothing-applied")  # typed, never applied
    feature = window.features["review"]
    window.finder.show_list("spans")  # "Review these" on the span list: spans of such traces
    feature.review_filter()
    qtbot.waitUntil(lambda: len(feature.queues) == 1, timeout=10000)
    [queue] = review_queues.queues(demo_db.reader())
    spans = scalar(
        demo_db,
        "SELECT count(*) FROM spans WHERE trace_id IN "
        "(SELECT trace_id FROM traces WHERE error_count > 0)",
    )
    assert (queue.name, queue.total) == ("errors>0", spans)
    for review in list(feature.queues):
        review.close()
    window.runner.wait()


def test_costs_follow_the_applied_filter_not_the_edit_box(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.query_bar.set_text("service:returns-bot")
    window.query_bar.edit.setText("service:checkout-assistant")  # typed, never applied
    costs = window.features["costs"].open()
    qtbot.waitUntil(lambda: costs.report is not None, timeout=10000)
    assert costs.filter.text == "service:returns-bot"
    assert "service:returns-bot" in costs.filter_label.text()
    costs.close()
    window.runner.wait()
