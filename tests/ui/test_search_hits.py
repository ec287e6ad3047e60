"""A text search opens each trace at the span that matched, and says where and in what words."""

from __future__ import annotations

from spanscope.ui.search_hits import snippet


def test_a_search_opens_the_trace_at_the_matching_span(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.query_bar.set_text('"refund policy"')
    qtbot.waitUntil(lambda: "match the filter" in window.count_label.text(), timeout=20000)
    qtbot.waitUntil(lambda: window.features["search_hits"].last is not None, timeout=20000)
    hit = window.features["search_hits"].last
    tree = window.span_tree
    assert hit.trace_id == tree.trace_id
    qtbot.waitUntil(lambda: tree.current_span_id() == hit.span_ids[0], timeout=10000)
    text = tree.summary.text()
    assert text.startswith("“refund policy” in ") and "refund policy" in hit.snippet.lower()
    assert hit.span_name and hit.span_name[:20] in text


def test_snippet_shows_the_words_in_context() -> None:
    long = "x" * 200 + " our Refund Policy allows 30 days " + "y" * 200
    cut = snippet(["nothing here", long], "refund policy", around=10)
    assert cut.startswith("…") and cut.endswith("…") and "Refund Policy" in cut
    assert snippet(["abc"], "zzz") == ""
