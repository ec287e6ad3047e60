"""How values read on screen: times, durations, tokens, costs, and the colours of span kinds.

The text formatters are plain Python so workers can run them off the UI thread; the colour
helpers read the palette so light and dark themes both stay legible.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QIcon, QPainter, QPalette, QPixmap

NONE = "—"

# One hue per kind, mid-saturation so they read on light and dark backgrounds alike.
KIND_COLOURS: dict[str, str] = {
    "llm": "#8e6cef",
    "embedding": "#b48ae8",
    "tool": "#e8891c",
    "retriever": "#16a394",
    "reranker": "#4cb8a8",
    "agent": "#3a86d8",
    "chain": "#6a78cf",
    "guardrail": "#a8a81e",
    "evaluator": "#b07a5a",
    "prompt": "#7b95a6",
    "event": "#8fa3ad",
    "other": "#9a9a9a",
}

ROLE_COLOURS: dict[str, str] = {
    "system": "#8a8f98",
    "developer": "#8a8f98",
    "user": "#3a86d8",
    "assistant": "#1f9d55",
    "tool": "#e8891c",
}

_SPACES = re.compile(r"\s+")


def local_time(ns: int | None) -> str:
    """A Unix time in nanoseconds as local wall time with milliseconds."""
    if ns is None:
        return NONE
    moment = datetime.fromtimestamp(ns / 1e9)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def duration(ns: int | None) -> str:
    """A duration at the precision a person reads it: 412 µs, 37 ms, 9.77 s, 2 m 03 s."""
    if ns is None:
        return NONE
    if ns < 0:
        return "-" + duration(-ns)
    if ns < 1_000_000:
        return f"{ns / 1000:.0f} µs"
    if ns < 1_000_000_000:
        return f"{ns / 1e6:.0f} ms"
    seconds = ns / 1e9
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} m {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} m"


def number(value: int | float | None) -> str:
    """A count with thousands separators; empty for missing values."""
    if value is None:
        return ""
    return f"{int(value):,}"


def tokens(input_tokens: int | None, output_tokens: int | None) -> str:
    """Input / output tokens, e.g. ``5,036 / 511``; empty when neither is known."""
    if not input_tokens and not output_tokens:
        return ""
    return f"{number(input_tokens or 0)} / {number(output_tokens or 0)}"


def cost(value: float | None) -> str:
    """A USD cost with enough digits to compare small calls."""
    if value is None:
        return ""
    if value == 0:
        return "$0"
    if abs(value) < 0.01:
        return f"${value:.5f}"
    return f"${value:,.4f}" if abs(value) < 10 else f"${value:,.2f}"


def one_line(text: str | None, limit: int = 240) -> str:
    """Untrusted text squeezed onto one line (whitespace collapsed), at most ``limit`` chars."""
    if not text:
        return ""
    flat = _SPACES.sub(" ", text[: limit * 4]).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# JSON text longer than this is shown as written, not parsed and re-indented: parsing
# megabytes is one long call holding the interpreter lock, which freezes the window even when
# a worker does it.
PARSE_LIMIT = 1_000_000


def pretty_json(text: str | None) -> str:
    """Indented JSON when ``text`` parses (and is under ``PARSE_LIMIT``), else the text
    unchanged."""
    if not text:
        return ""
    if len(text) > PARSE_LIMIT:
        return text
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, TypeError):
        return text


def size(chars: int) -> str:
    """A character count as a size: 812 characters, 48 KB, 1.3 MB."""
    if chars < 1000:
        return f"{chars} characters"
    if chars < 1_000_000:
        return f"{chars / 1000:.0f} KB"
    return f"{chars / 1e6:.1f} MB"


def is_dark(palette: QPalette) -> bool:
    """Whether the current theme is dark (window colour darker than mid-grey)."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def error_colour(palette: QPalette) -> QColor:
    """Red that stays readable on the palette's base colour."""
    return QColor("#ff6b6b") if is_dark(palette) else QColor("#c62828")


def muted_colour(palette: QPalette) -> QColor:
    """Secondary text: the placeholder colour of the theme."""
    return palette.color(QPalette.ColorRole.PlaceholderText)


def kind_colour(kind: str | None) -> QColor:
    """The colour of a span kind (grey for unknown kinds)."""
    return QColor(KIND_COLOURS.get(kind or "other", KIND_COLOURS["other"]))


def role_colour(role: str | None, palette: QPalette) -> QColor:
    """The colour of a message role, lightened on dark themes."""
    colour = QColor(ROLE_COLOURS.get((role or "").lower(), "#8a8f98"))
    return colour.lighter(135) if is_dark(palette) else colour


@cache
def kind_icon(kind: str | None) -> QIcon:
    """A small rounded square in the kind's colour, used beside span names."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(kind_colour(kind))
    painter.drawRoundedRect(QRectF(1, 1, 10, 10), 3, 3)
    painter.end()
    return QIcon(pixmap)


def mono_font() -> QFont:
    """The system's fixed-width font, for JSON and ids."""
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
