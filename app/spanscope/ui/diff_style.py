"""Colours of a diff (added, removed, changed, moved), legible on light and dark palettes.

Backgrounds are soft tints so the palette's own text colour stays readable over them; the
markers beside tree rows use the stronger foreground colours.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

from spanscope.ui.display import is_dark

_BACKGROUNDS = {
    # status: (light theme, dark theme)
    "added": ("#d8f3dc", "#1e4a2a"),
    "removed": ("#fbdada", "#5a2426"),
    "changed": ("#fdf0c4", "#4d4215"),
    "absent": ("#eeeeee", "#2c2c2c"),
}
_FOREGROUNDS = {
    "added": ("#1b7a34", "#6fd58a"),
    "removed": ("#b3261e", "#ff8a80"),
    "changed": ("#8a6100", "#f0c75e"),
}
MARKERS = {"same": " ", "changed": "~", "added": "+", "removed": "−", "absent": " "}


def background(status: str, palette: QPalette) -> QColor | None:
    """The tint behind text of this status (None for identical text)."""
    pair = _BACKGROUNDS.get(status)
    return None if pair is None else QColor(pair[1] if is_dark(palette) else pair[0])


def foreground(status: str, palette: QPalette) -> QColor | None:
    """A text colour for markers and labels of this status."""
    pair = _FOREGROUNDS.get(status)
    return None if pair is None else QColor(pair[1] if is_dark(palette) else pair[0])
