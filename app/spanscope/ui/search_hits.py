"""Under a text search ("refund policy" in the filter), opening a trace goes to the span that
matched: it is selected (its detail highlights the words), and the span tree's header says
which spans matched and shows the words in their context, e.g.
``“refund policy” in 2 spans · chat gpt-4o: …our refund policy allows 30 days…``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spanscope.core import snippets
from spanscope.store import queries, search
from spanscope.ui import display
from spanscope.ui.highlight import filter_phrases
from spanscope.ui.tooltips import literal_tip
from spanscope.ui.window_surface import WindowSurface

SNIPPET_AROUND = 60  # characters either side of the match


@dataclass(frozen=True)
class SearchHit:
    trace_id: str
    phrase: str
    span_ids: list[str]
    span_name: str
    snippet: str

    def describe(self) -> str:
        noun = "span" if len(self.span_ids) == 1 else "spans"
        where = f"“{display.one_line(self.phrase, 40)}” in {len(self.span_ids):,} {noun}"
        return f"{where} · {display.one_line(self.span_name, 60)}: {self.snippet}"


def snippet(texts: list[str], phrase: str, around: int = SNIPPET_AROUND) -> str:
    """The first place ``phrase`` occurs (any case) with ``around`` characters either side,
    on one line; '' when it does not occur."""
    for text in texts:
        found = snippets.snippet(text, phrase, around)
        if found:
            return display.one_line(found, 2 * around + len(phrase) + 10)
    return ""


def _texts(detail: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for key in ("input_messages", "output_messages"):
        out += [str(m.get("content") or "") for m in detail.get(key) or []]
    for call in detail.get("tool_calls") or []:
        out += [str(call.get("arguments") or ""), str(call.get("result") or "")]
    out += [str(d.get("content") or "") for d in detail.get("documents") or []]
    return out


def find_hit(cur: Any, trace_id: str, phrase: str) -> SearchHit | None:
    """The spans of ``trace_id`` whose text holds ``phrase``, and a snippet of the first."""
    rows = search.spans_matching_in_trace(cur, trace_id, phrase)
    if not rows:
        return None
    detail = queries.span_detail(cur, trace_id, rows[0][0]) or {}
    return SearchHit(
        trace_id,
        phrase,
        [r[0] for r in rows],
        str(rows[0][1] or ""),
        snippet(_texts(detail), phrase),
    )


class SearchHits:
    """Kept as ``window.features["search_hits"]``; ``last`` is the hit shown."""

    def __init__(self, surface: WindowSurface) -> None:
        self.surface = surface
        self.last: SearchHit | None = None
        surface.trace_loaded.connect(lambda _n: self.trace_shown())

    def trace_shown(self) -> None:
        phrases = filter_phrases(self.surface.filter.text)
        trace_id = self.surface.trace_id()
        self.last = None
        if not phrases or trace_id is None:
            return
        phrase = phrases[0]
        self.surface.runner.submit(
            "search-hit", lambda cur: find_hit(cur, trace_id, phrase), self._found, lambda _m: None
        )

    def _found(self, hit: SearchHit | None) -> None:
        if hit is None or hit.trace_id != self.surface.trace_id():
            return
        self.last = hit
        # trace text, shown as written
        self.surface.set_tree_summary(hit.describe(), literal_tip(hit.describe()))
        self.surface.select_span(hit.span_ids[0])

    def shutdown(self) -> None:
        """Its reads run in the window's runner, which the window stops."""


def install(surface: WindowSurface) -> SearchHits:
    return SearchHits(surface)
