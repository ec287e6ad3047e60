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


def snippet(body: str | None, text: str, around: int = AROUND) -> str:
    """``…words before MATCH words after…`` for the first place ``body`` holds ``text``
    (case-insensitively), or "" when it does not within its first :data:`SEARCHED` characters."""
    if not body or not text:
        return ""
    found = re.search(re.escape(text), body[:SEARCHED], re.IGNORECASE)
    if found is None:
        return ""
    start, end = found.span()
    before = body[max(0, start - around) : start]
    after = body[end : end + around]
    lead = "…" if start > around else ""
    tail = "…" if end + around < len(body) else ""
    return f"{lead}{before}{found.group()}{after}{tail}"
