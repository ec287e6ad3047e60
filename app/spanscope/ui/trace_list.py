"""The trace list: one row per trace, paged lazily from the ``traces`` table.

Pages come from a worker (keyset paging, 200 rows each) already formatted as text, so ``data``
only indexes lists. Sorting re-queries the database; nothing is sorted in memory.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMenu, QWidget

from spanscope.ui.paged_list import PagedList, PagedListModel
from spanscope.ui.trace_actions import TraceActions
from spanscope.ui.trace_page import COLUMNS, TraceRows, load_page
from spanscope.ui.workers import QueryRunner


class TraceListModel(PagedListModel):
    """Traces, fetched page by page as the view scrolls (``canFetchMore``/``fetchMore``)."""

    table = "traces"
    group = "trace"
    columns = COLUMNS
    rows_type = TraceRows
    load_page = staticmethod(load_page)
    _rows: TraceRows

    def trace_id(self, row: int) -> str | None:
        return self._rows.trace_ids[row] if 0 <= row < len(self._rows) else None

    def row_id(self, row: int) -> str:
        return self._rows.trace_ids[row]

    def header_tip(self, sortable: bool) -> str | None:
        return (
            "Click to sort (the database sorts every trace, not only those loaded)"
            if sortable
            else None
        )


class TraceList(PagedList):
    """The trace list panel: a table over :class:`TraceListModel`; header clicks sort."""

    trace_selected = Signal(str)

    model_type = TraceListModel
    model: TraceListModel
    settings_key = "columns/traces"

    def __init__(self, runner: QueryRunner, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent)
        self.trace_actions = TraceActions(runner, self)

    def add_own_actions(self, menu: QMenu, ids: list[str]) -> None:
        self.trace_actions.add_to(menu, ids)

    def _row_selected(self, row: int) -> None:
        trace_id = self.model.trace_id(row)
        if trace_id:
            self.trace_selected.emit(trace_id)
