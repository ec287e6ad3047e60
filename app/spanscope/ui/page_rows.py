"""What the trace and span lists share on the worker side: columns, page requests and rows.

A page loader (``trace_page.load_page``, ``span_page.load_page``) reads one keyset page and
formats it as text, so the model's ``data`` only indexes lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from spanscope.core.snippets import snippet
from spanscope.store import queries
from spanscope.ui import display

PAGE_SIZE = 200


# A page as read: the values of each selected column (and computed ones such as "labels").
PageColumns = dict[str, list[Any]]


def _no_cells(page: PageColumns) -> list[str]:
    return []


@dataclass(frozen=True)
class Column:
    """One column of a list, declared once in its list's table (``trace_page.COLUMNS``,
    ``span_page.COLUMNS``): the header, the page columns it reads (each must be in the page
    query's SELECT, ``store.queries``; a test checks), how its cells are written, its sort
    key (``store.queries.TRACE_SORTS`` / ``SPAN_SORTS``), a typical text that sizes it, and
    how it looks. Nothing else counts columns by position."""

    title: str
    reads: tuple[str, ...] = ()
    cells: Callable[[PageColumns], list[str]] = _no_cells
    sort: str | None = None  # the server-side sort key, when the column can sort
    numeric: bool = False
    width: str = ""  # typical text, to size the column; "" leaves the default width
    marks_errors: bool = False  # drawn in the error colour on a row with an error
    hidden: bool = False  # hidden until the user chooses it (right-click on the header)
    kind_icon: bool = False  # the span kind's icon beside the text (span list)
    kind_colour: bool = False  # the text in the span kind's colour (span list)
    # Shown only while the filter searches for text, at this place on screen (a column added
    # later keeps the numbers of the others): not chosen by the user, never saved.
    while_searching_at: int | None = None


def cells_of(columns: tuple[Column, ...], page: PageColumns) -> list[list[str]]:
    """Every column's cells for a page, in table order."""
    return [column.cells(page) for column in columns]


def one_line(name: str, cap: int) -> Callable[[PageColumns], list[str]]:
    """Cells of trace text: one line, capped (trace text is untrusted and may be huge)."""
    return lambda page: [display.one_line(v, cap) for v in page[name]]


@dataclass(frozen=True)
class PageRequest:
    """Which page to read: the server-side sort, where the last page ended, and the filter."""

    sort: str
    descending: bool
    after: tuple[Any, str] | None  # keyset of the last row loaded; None for the first page
    where: queries.Where | None

    def read(
        self, cur: Any, query: Callable[..., queries.Page]
    ) -> tuple[dict[str, list[Any]], bool]:
        """Run ``query`` (``queries.trace_page`` or ``queries.span_page``) for this page: the
        rows as lists by column name, and whether more rows follow."""
        page = query(
            cur,
            sort=self.sort,
            descending=self.descending,
            after=self.after,
            limit=PAGE_SIZE,
            where=self.where,
        )
        return page.rows.to_pydict(), page.more

    def snippets(
        self, cur: Any, trace_ids: list[str], span_keys: list[str] | None = None
    ) -> list[str]:
        """The "Match" cells of a page read by :meth:`read`: where each row holds the text the
        filter searches for (its first matching span, on the trace list); empty without one."""
        text = self.where.search_text if self.where is not None else ""
        if not text or not trace_ids:
            return [""] * len(trace_ids)
        found = queries.matching_text(cur, text, trace_ids, span_keys or ())
        rows = span_keys if span_keys is not None else trace_ids
        return [snippet(found.get(key), text, around=120, before=20) for key in rows]


@dataclass
class PageRows:
    """Rows as display text, column by column, plus one value a row in each other list field.

    Subclasses add their own per-row lists (ids, kinds); :meth:`extend` appends every one.
    """

    text: list[list[str]] = field(default_factory=list)
    errors: list[bool] = field(default_factory=list)
    after: tuple[Any, str] | None = None  # keyset of the last row: (sort value, row key)
    more: bool = False

    def __len__(self) -> int:
        return len(self.errors)

    def extend(self, page: PageRows) -> None:
        """Append ``page``'s rows; the next page starts after its last one."""
        for mine, theirs in zip(self.text, page.text, strict=True):
            mine.extend(theirs)
        for f in fields(self):
            values = getattr(self, f.name)
            if f.name != "text" and isinstance(values, list):
                values.extend(getattr(page, f.name))
        self.after = page.after


def last_key(rows: dict[str, list[Any]], key: str) -> tuple[Any, str] | None:
    """Where the next page starts: the last row's sort value and ``key`` (None when empty)."""
    return (rows["sort_key"][-1], rows[key][-1]) if rows[key] else None


# Columns both lists show, declared once.
TIME = Column(
    "Time",
    ("start_ns",),
    lambda p: [display.local_time(v) for v in p["start_ns"]],
    sort="start",
    width="2026-11-28 14:02:13.512",
)
DURATION = Column(
    "Duration",
    ("duration_ns",),
    lambda p: [display.duration(v) for v in p["duration_ns"]],
    sort="duration",
    numeric=True,
    width="12.34 s",
)
TOKENS = Column(
    "Tokens in / out",
    ("input_tokens", "output_tokens"),
    lambda p: [
        display.tokens(i, o) for i, o in zip(p["input_tokens"], p["output_tokens"], strict=True)
    ],
    sort="tokens",
    numeric=True,
    width="12,345 / 1,234",
)
# Where the row holds the searched text; sorting by it ranks rows by relevance (BM25).
MATCH = Column(
    "Match",
    ("match",),
    one_line("match", 200),
    sort="relevance",
    width="…help center says the refund policy allows returns within 90 days of…",
    while_searching_at=2,  # beside the name
)
COST = Column(
    "Cost",
    ("cost",),
    lambda p: [display.cost(v) for v in p["cost"]],
    sort="cost",
    numeric=True,
    width="$0.0012",
)
