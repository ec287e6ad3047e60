"""The query bar: debounced filtering, the bad term marked, completion of the current term."""

from __future__ import annotations

from PySide6.QtCore import Qt

from spanscope.ui.filter_completion import candidates, current_token, quote
from spanscope.ui.query_bar import QueryBar

VALUES = {"model": ["gpt-4o-2024-08-06", "gpt-4o-mini"], "tags": ["beta"], "user_id": ["ann lee"]}


def test_current_token_and_candidates() -> None:
    assert current_token("status:error mod", 16) == (13, "mod")
    assert current_token('user:"ann l', 11) == (0, 'user:"ann l')
    assert current_token("(kind:llm OR mo", 15) == (13, "mo")
    assert "model:" in candidates("mod", ["kind", "model"], VALUES)
    assert candidates("-mo", ["model"], VALUES) == ["-model:"]
    assert candidates("model:gpt", ["model"], VALUES) == [
        "model:gpt-4o-2024-08-06",
        "model:gpt-4o-mini",
    ]
    assert candidates("user:", [], VALUES) == ['user:"ann lee"']
    assert "kind:llm" in candidates("kind:l", [], VALUES)
    assert candidates("duration>2", [], VALUES) == []
    assert quote('say "hi"') == '"say \\"hi\\""'


def test_completion_offers_field_names_then_values(qtbot) -> None:
    bar = QueryBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.set_values(VALUES)
    bar.edit.setFocus()
    qtbot.keyClicks(bar.edit, "mod")
    assert bar.completer.currentCompletion() == "model:"
    bar.insert_completion(bar.completer.currentCompletion())
    assert bar.edit.text() == "model:"
    qtbot.keyClicks(bar.edit, "gpt")
    assert bar.completer.completionCount() == 2
    assert bar.completer.currentCompletion() == "model:gpt-4o-2024-08-06"
    with qtbot.waitSignal(bar.query_changed) as applied:
        bar.insert_completion(bar.completer.currentCompletion())
    assert applied.args == ["model:gpt-4o-2024-08-06"]
    assert bar.edit.text() == "model:gpt-4o-2024-08-06 "
    bar.completer.popup().hide()


def test_enter_in_the_popup_completes_instead_of_applying(qtbot) -> None:
    bar = QueryBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.set_values(VALUES)
    bar.edit.setFocus()
    qtbot.keyClicks(bar.edit, "status:error ta")
    assert bar.completer.popup().isVisible()
    popup = bar.completer.popup()
    popup.setCurrentIndex(bar.completer.completionModel().index(0, 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert bar.edit.text() == "status:error tag:"
    assert bar.applied == ""  # the half-typed filter was not run
    bar.completer.popup().hide()


def test_typing_applies_after_a_pause_once(qtbot) -> None:
    bar = QueryBar()
    qtbot.addWidget(bar)
    seen: list[str] = []
    bar.query_changed.connect(seen.append)
    with qtbot.waitSignal(bar.query_changed, timeout=10000):
        qtbot.keyClicks(bar.edit, "kind:llm")
    assert seen == ["kind:llm"]  # one query for the whole word, not one per key
    bar.completer.popup().hide()


def test_a_bad_term_is_underlined_and_explained(qtbot) -> None:
    bar = QueryBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.edit.setText("status:error  mdoel:gpt-4o")
    assert not bar.apply()
    assert bar.error_range == (14, 5)  # "mdoel"
    assert bar.edit.selectedText() == "mdoel"
    assert "unknown field 'mdoel'" in bar.problem.text()
    assert "did you mean model:" in bar.problem.text()
    assert bar.problem.textFormat() == Qt.TextFormat.PlainText and bar.problem.isVisible()
    # While typing the term is only underlined: a selection would be typed over.
    bar.edit.setText("kind:lmm")
    bar.edit.setCursorPosition(8)
    assert not bar.apply(select=False)
    assert bar.error_range == (0, 8) and not bar.edit.hasSelectedText()
    assert "kind:llm" in bar.problem.text()
    qtbot.keyClicks(bar.edit, "x")
    assert bar.error_range is None and not bar.problem.isVisible()
    bar.completer.popup().hide()


def test_facet_terms_are_added_once(qtbot) -> None:
    bar = QueryBar()
    qtbot.addWidget(bar)
    bar.add_term("kind:llm")
    bar.add_term("kind:llm")
    bar.add_term('user:"ann lee"')
    assert bar.edit.text() == 'kind:llm user:"ann lee"'
    assert bar.applied == 'kind:llm user:"ann lee"'
