"""How a window names a trace: its root span's name and when it started, which a person
recognises ("invoke_agent returns-bot · 28 Nov 14:02:11"), instead of a hex id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from spanscope.ui import display


def trace_title(spans: Sequence[dict[str, Any]], fallback: str = "") -> str:
    """The root span's name and local start time; ``fallback`` (a trace id) when no span."""
    if not spans:
        return fallback
    roots = [s for s in spans if not s.get("parent_span_id")] or list(spans)
    root = min(roots, key=lambda s: s.get("start_ns") or 0)
    name = display.one_line(root.get("name"), 60) or "(unnamed trace)"
    start = root.get("start_ns")
    if start is None:
        return name
    return f"{name} · {datetime.fromtimestamp(start / 1e9).strftime('%d %b %H:%M:%S')}"
