"""Snippets: the words around where a searched text was found, for the lists.

A list row shows where its span (or its trace's first matching span) holds the text, so the
reader sees why it matched without opening it. Text is untrusted: the snippet is cut from it as
plain text, never interpreted, and only a bounded stretch of it is searched.
"""

from __future__ import annotations

import re

# Characters shown on each side of the match.
AROUND = 60
# How much of a span's text is searched for the match: the lists must stay fast on huge spans.
SEARCHED = 200_000
# Separates a span's fields in the text given (store/sql/search_snippets.sql): a snippet stays
# inside the field that matched.
FIELD_END = "\x1e"


def snippet(body: str | None, text: str, around: int = AROUND, before: int | None = None) -> str:
    """``…words before MATCH words after…`` for the first place ``body`` holds ``text``
    (case-insensitively), or "" when it does not within its first :data:`SEARCHED` characters.
    ``around`` characters are kept on each side, or ``before`` of them before it (a list's
    narrow column keeps the match near its start)."""
    if not body or not text:
        return ""
    found = re.search(_pattern(text), body[:SEARCHED], re.IGNORECASE)
    if found is None:
        return ""
    start, end = found.span()
    field_start = body.rfind(FIELD_END, 0, start) + 1
    field_end = body.find(FIELD_END, end)
    field_end = len(body) if field_end < 0 else field_end
    ahead = around if before is None else before
    first, last = max(field_start, start - ahead), min(field_end, end + around)
    lead = "…" if first > field_start else ""
    tail = "…" if last < field_end else ""
    return f"{lead}{body[first:start]}{found.group()}{body[end:last]}{tail}"


_WORDS_APART = re.compile(r"[^\W_]+(?: [^\W_]+)+")


def _pattern(text: str) -> str:
    """What the search finds for ``text``: words one space apart with anything but letters
    and digits between them (inside one field), any other text as written."""
    if _WORDS_APART.fullmatch(text):
        return f"(?:[^\\w{FIELD_END}]|_)+".join(re.escape(w) for w in text.split(" "))
    return re.escape(text)
