"""Tool tips that show trace text as written.

QToolTip has no text-format switch: it renders a tip as HTML whenever ``Qt.mightBeRichText``
finds a tag on its first line, so a span named ``<img src="file:///...">`` would become an image
(and a ``<script>`` would simply vanish). :func:`literal_tip` escapes the text into a paragraph
that keeps its line breaks and spaces, and caps it, since laying out megabytes of text in a tip
freezes the window while the mouse rests on a cell.
"""

from __future__ import annotations

import html

TIP_CAP = 2000  # characters of trace text a tool tip shows; the detail views show the rest


def literal_tip(text: str | None, limit: int = TIP_CAP) -> str:
    """``text`` (untrusted) as a tool tip showing exactly its characters, at most ``limit``."""
    if not text:
        return ""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return '<p style="white-space:pre-wrap">' + html.escape(text, quote=False) + "</p>"
