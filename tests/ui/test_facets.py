"""The facets sidebar: counts under the filter, click to add a term, a per-facet time budget."""

from __future__ import annotations

from PySide6.QtCore import Qt

from spanscope.store import Database
from spanscope.store import facets as store_facets
from spanscope.store.queries import Where


def scalar(db: Database, sql: str, params: list | None = None):  # type: ignore[no-untyped-def]
    cur = db.reader()
    try:
        return cur.execute(sql, params or []).fetchone()[0]
    finally:
        cur.close()


def settled(window) -> bool:  # type: ignore[no-untyped-def]
    return not window.facets._waiting


def click_value(qtbot, box, row: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    view = box.view
    rect = view.visualRect(box.model.index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def test_facet_counts_follow_the_filter(qtbot, window, demo_db: Database, qtmodeltester) -> None:
    qtbot.waitUntil(lambda: settled(window), timeout=10000)
    kinds = window.facets.boxes["kind"]
    assert kinds.header.text().startswith("Kind  ·  spans")
    assert window.facets.boxes["service"].header.text().startswith("Service  ·  traces")
    total_llm = scalar(demo_db, "SELECT count(*) FROM spans WHERE kind = 'llm'")
    assert dict(kinds.model.values)["llm"] == total_llm
    qtmodeltester.check(kinds.model)

    failing = scalar(demo_db, "SELECT count(*) FROM traces WHERE error_count > 0")
    window.query_bar.edit.setFocus()
    with qtbot.waitSignal(window.trace_list.model.count_changed, timeout=10000) as counted:
        qtbot.keyClicks(window.query_bar.edit, "status:error")  # applied after the pause
    assert counted.args == [failing]
    qtbot.waitUntil(lambda: settled(window), timeout=10000)
    assert [v for v, _ in window.facets.boxes["status"].model.values] == ["error"]
    error_spans = scalar(demo_db, "SELECT count(*) FROM spans WHERE status = 'error'")
    assert sum(n for _, n in kinds.model.values) == error_spans
    services = window.facets.boxes["service"].model.values
    assert sum(n for _, n in services) == failing  # services count traces
    window.runner.wait()


def test_clicking_a_value_adds_the_term_and_narrows_the_list(
    qtbot, window, demo_db: Database
) -> None:
    qtbot.waitUntil(lambda: settled(window), timeout=10000)
    models = window.facets.boxes["model"]
    model, n = models.model.values[0]
    expected = scalar(
        demo_db,
        "SELECT count(DISTINCT trace_id) FROM spans WHERE lower(model) = lower(?)",
        [model],
    )
    with qtbot.waitSignal(window.trace_list.model.count_changed, timeout=10000) as counted:
        click_value(qtbot, models, 0)
    assert window.query_bar.edit.text() == f"model:{model}"
    assert counted.args == [expected]
    qtbot.waitUntil(lambda: settled(window), timeout=10000)
    assert models.model.values[0] == (model, n)  # the span count of that model is unchanged

    kinds = window.facets.boxes["kind"]
    kind = kinds.model.values[0][0]
    with qtbot.waitSignal(window.trace_list.model.count_changed, timeout=10000):
        click_value(qtbot, kinds, 0, Qt.KeyboardModifier.ControlModifier)
    assert window.query_bar.edit.text() == f"model:{model} -kind:{kind}"
    qtbot.waitUntil(lambda: settled(window), timeout=10000)
    assert kind not in dict(kinds.model.values)
    window.runner.wait()


def test_values_with_spaces_are_quoted(qtbot, window) -> None:
    qtbot.waitUntil(lambda: settled(window), timeout=10000)
    window.facets._pick("user", "ann lee", False)
    assert window.query_bar.edit.text() == 'user:"ann lee"'
    window.runner.wait()


def test_a_facet_over_its_budget_says_it_timed_out(
    qtbot, window, monkeypatch, demo_db: Database
) -> None:
    qtbot.waitUntil(lambda: settled(window), timeout=10000)
    real = store_facets.facet_counts

    def slow_model_facet(cur, field, where, k=8):  # type: ignore[no-untyped-def]
        if field == "model":  # a query that runs until interrupted
            cur.execute("SELECT count(*) FROM range(1000000000000) a, range(1000) b").fetchall()
        return real(cur, field, where, k)

    monkeypatch.setattr(store_facets, "facet_counts", slow_model_facet)
    # The model facet runs until interrupted, so it is over any budget; the others must finish
    # within theirs on a machine busy with other tests, so the budget is not a tight one.
    window.facets.budget_ms = 2000
    failing = scalar(demo_db, "SELECT count(*) FROM traces WHERE error_count > 0")
    with qtbot.waitSignal(window.facets.settled, timeout=10000):
        window.query_bar.set_text("status:error")
    box = window.facets.boxes["model"]
    assert box.timed_out and box.state.text().startswith("timed out")
    assert box.model.rowCount() == 0
    assert not window.facets.boxes["kind"].timed_out  # the others still counted
    qtbot.waitUntil(lambda: window.count_label.text().startswith(f"{failing:,} traces"))
    window.runner.wait()  # the interrupted query has ended


def test_store_facets_report_more_and_accept_trace_only_filters(demo_db: Database) -> None:
    cur = demo_db.reader()
    try:
        tools = store_facets.facet_counts(cur, "kind", Where(), k=2)
        assert len(tools.values) == 2 and tools.more
        everything = store_facets.facet_counts(cur, "status", Where(), k=10)
        assert not everything.more
        from spanscope.core.filters import compile_filter

        where = store_facets.spans_of_traces(compile_filter("errors>0", "traces"))
        statuses = dict(store_facets.facet_counts(cur, "status", where).values)
        assert statuses.get("error", 0) > 0
        tags = store_facets.facet_counts(cur, "tag", Where())
        assert tags.values and all(isinstance(v, str) for v, _ in tags.values)
        assert not store_facets.has_labels(cur)
    finally:
        cur.close()


def test_label_facet_counts_traces_with_labels(demo_db: Database) -> None:
    cur = demo_db.reader()
    trace = cur.execute("SELECT trace_id FROM traces LIMIT 1").fetchone()[0]
    cur.close()
    demo_db.writer.execute(
        "INSERT INTO annotations (trace_id, label) VALUES (?, 'hallucination')", [trace]
    )
    cur = demo_db.reader()
    try:
        assert store_facets.has_labels(cur)
        counts = store_facets.facet_counts(cur, "label", Where())
        assert counts.values == (("hallucination", 1),)
    finally:
        cur.close()
