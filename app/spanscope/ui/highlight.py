"""Marking where the searched text occurs in a span's texts.

Matches are marked with extra selections (a ``QTextCharFormat`` background from the palette)
over the plain-text document: the text itself is never changed or interpreted, and at most
``MATCH_CAP`` matches are marked per view, so a multi-MB payload stays responsive.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QPalette, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit

from spanscope.core.filters import And, FilterError, Node, Or, Term, parse

MATCH_CAP = 500


def filter_phrases(text: str) -> list[str]:
    """The free-text terms of a filter that a match must contain (negated ones excluded)."""
    try:
        node = parse(text)
    except FilterError:
        return []
    found: list[str] = []

    def walk(n: Node | None) -> None:
        if isinstance(n, Term) and n.field is None and n.value.strip():
            found.append(n.value)
        elif isinstance(n, And | Or):
            for part in n.parts:
                walk(part)
        # Not: text that must be absent has nothing to mark

    walk(node)
    return list(dict.fromkeys(found))


def match_format(palette: QPalette) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setBackground(palette.color(QPalette.ColorRole.Highlight))
    fmt.setForeground(palette.color(QPalette.ColorRole.HighlightedText))
    return fmt


def mark_matches(
    editor: QTextEdit | QPlainTextEdit, phrases: Sequence[str], cap: int = MATCH_CAP
) -> int:
    """Mark the first ``cap`` case-insensitive occurrences of ``phrases``; returns how many."""
    doc = editor.document()
    fmt = match_format(editor.palette())
    selections: list[QTextEdit.ExtraSelection] = []
    for phrase in phrases:
        cursor = QTextCursor(doc)
        while len(selections) < cap:
            cursor = doc.find(phrase, cursor)  # no flags: case-insensitive
            if cursor.isNull():
                break
            selection = QTextEdit.ExtraSelection()
            selection.cursor = cursor
            selection.format = fmt
            selections.append(selection)
    editor.setExtraSelections(selections)
    return len(selections)
