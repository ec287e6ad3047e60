"""Nothing stale, nothing blank: an empty list says why, results under a filter with an error
are greyed, the annotation panel lets go of a span no longer shown, ids can be copied, a
retrieval's query is in its detail, and "unset" status reads as OK."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu

from spanscope.ui.span_facts import span_facts


def test_an_empty_list_says_why(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    note = window.features["list_states"].trace_note
    assert note.isHidden()
    window.query_bar.set_text("service:no-such-service")
    qtbot.waitUntil(lambda: note.isVisible(), timeout=10000)
    assert "No traces match the filter “service:no-such-service”" in note.text()
    window.query_bar.set_text("")
    qtbot.waitUntil(lambda: note.isHidden(), timeout=10000)


def test_results_under_a_bad_filter_are_greyed_until_a_good_one(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    view = window.trace_list.view
    window.query_bar.set_text("modle:gpt-4o")
    assert not view.isEnabled() and not window.span_tree.view.isEnabled()
    assert "previous" in window.count_label.text()
    assert "filter above has an error" in view.toolTip()
    window.query_bar.set_text("kind:llm")
    assert view.isEnabled() and view.toolTip() == ""
    qtbot.waitUntil(lambda: "match the filter" in window.count_label.text(), timeout=10000)


def test_the_annotation_panel_lets_go_when_the_list_empties(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    panel = window.features["review"].panel
    qtbot.waitUntil(lambda: panel.isEnabled(), timeout=10000)
    window.query_bar.set_text("service:no-such-service")
    qtbot.waitUntil(lambda: not panel.isEnabled(), timeout=10000)
    assert window.features["review"].tab.trace_id is None
    assert panel.note.toPlainText() == "" and "Select a span" in panel.title.text()


def test_copy_ids_from_lists_and_tree(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    states = window.features["list_states"]
    trace_id = window.trace_list.model.trace_id(0)
    menu = QMenu()
    states.trace_menu(menu, [trace_id])
    [copy] = [a for a in menu.actions() if a.text() == "Copy trace id"]
    copy.trigger()
    assert QGuiApplication.clipboard().text() == trace_id
    qtbot.waitUntil(lambda: window.span_tree.current_span_id() is not None, timeout=10000)
    span_id = window.span_tree.current_span_id()
    tree_menu = QMenu()
    states.tree_menu(tree_menu, trace_id, span_id)
    next(a for a in tree_menu.actions() if a.text() == "Copy span id").trigger()
    assert QGuiApplication.clipboard().text() == span_id


def test_the_trace_list_has_a_trace_id_column(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    model = window.trace_list.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    column = headers.index("Trace ID")
    assert model.index(0, column).data() == model.trace_id(0)


def _row(**extra: object) -> dict:
    row = {
        "trace_id": "t",
        "span_id": "s",
        "kind": "retriever",
        "name": "retrieve",
        "status": "unset",
    }
    row.update(extra)
    return row


def test_a_retrievals_query_is_in_its_detail() -> None:
    facts = span_facts(
        _row(
            attributes={"input.value": '{"query": "refund policy for damaged items"}'},
            documents=[{"document_id": "kb-1", "content": "Refunds within 30 days", "score": 0.9}],
        )
    )
    assert facts.query == "refund policy for damaged items"
    assert "query “refund policy for damaged items”" in facts.title
    assert ("Retrieval", "query", "refund policy for damaged items") in facts.usage_rows
    assert facts.chunk_details[0].startswith("Query: refund policy for damaged items")
    assert span_facts(_row(attributes={"retrieval.query": "q2"})).query == "q2"
    assert span_facts(_row(kind="llm", attributes={"input.value": "hi"})).query == ""


def test_unset_status_reads_as_ok_unless_error() -> None:
    rows = span_facts(_row()).usage_rows
    assert ("Status", "status", "OK (status unset: no error recorded)") in rows
    assert ("Status", "status", "error") in span_facts(_row(status="error")).usage_rows
