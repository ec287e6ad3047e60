"""The span list: one row per span across traces (e.g. every llm call of the last hour),
paged lazily by keyset from ``spans`` and sorted by the database.

Selecting a row shows its trace with that span selected; Enter or a double-click also moves
the focus there. Columns are chosen from the header's context menu.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import QWidget

from spanscope.ui import display
from spanscope.ui.paged_list import PagedList, PagedListModel
from spanscope.ui.span_page import COLUMNS, SpanRows, load_page
from spanscope.ui.workers import QueryRunner


class SpanListModel(PagedListModel):
    """Spans, fetched page by page as the view scrolls (``canFetchMore``/``fetchMore``)."""

    table = "spans"
    group = "span"
    columns = COLUMNS
    rows_type = SpanRows
    load_page = staticmethod(load_page)
    _rows: SpanRows

    def span_at(self, row: int) -> tuple[str, str] | None:
        """(trace_id, span_id) of a row."""
        if 0 <= row < len(self._rows):
            return self._rows.trace_ids[row], self._rows.span_ids[row]
        return None

    def row_id(self, row: int) -> str:
        return self._rows.span_ids[row]

    def spans_at(self, rows: list[int]) -> list[tuple[str, str]]:
        """(trace id, span id) of each of ``rows`` that is loaded."""
        return [span for span in map(self.span_at, rows) if span is not None]

    def cell_style(self, row: int, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and self.columns[column].kind_colour:
            return display.kind_colour(self._rows.kinds[row])
        if role == Qt.ItemDataRole.DecorationRole and self.columns[column].kind_icon:
            return display.kind_icon(self._rows.kinds[row])
        return None

    def header_tip(self, sortable: bool) -> str | None:
        tip = "Right-click to choose columns"
        return "Click to sort (the database sorts every span). " + tip if sortable else tip


class SpanList(PagedList):
    """The span list panel: a table over :class:`SpanListModel`; header clicks sort."""

    span_selected = Signal(str, str)  # trace_id, span_id
    span_opened = Signal(str, str)

    model_type = SpanListModel
    model: SpanListModel
    settings_key = "columns/spans"

    def __init__(self, runner: QueryRunner, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent)
        self.view.activated.connect(self._activated)

    def selected_spans(self) -> list[tuple[str, str]]:
        """(trace id, span id) of the selected rows, top to bottom (span ids alone are not
        unique across traces, so extenders of this list's menu should use this)."""
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return self.model.spans_at(rows)

    def _row_selected(self, row: int) -> None:
        span = self.model.span_at(row)
        if span:
            self.span_selected.emit(*span)

    def _activated(self, index: QModelIndex) -> None:
        span = self.model.span_at(index.row())
        if span:
            self.span_opened.emit(*span)
