"""Annotation badges in the trace list, span list and span tree: the labels as short text
(✎ when a note is attached), read for the rows shown only (``store.annotations``)."""

from __future__ import annotations

NOTE_MARK = "✎"


def badge_text(badge: tuple[list[str], bool] | None, limit: int = 3) -> str:
    """``hallucination, wrong tool +1 ✎`` for labels and a note; '' when not annotated."""
    if not badge:
        return ""
    labels, has_note = badge
    shown = ", ".join(labels[:limit])
    if len(labels) > limit:
        shown += f" +{len(labels) - limit}"
    if has_note:
        shown = f"{shown} {NOTE_MARK}".strip()
    return shown or NOTE_MARK
