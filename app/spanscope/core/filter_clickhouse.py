"""The filter language compiled for a ClickHouse trace store.

The ClickHouse source (``store/clickhouse``) names its tables and columns as the local store
does (``spans``: kind, model, duration_ns, …; ``traces``: root_name, error_count, …), defined
over the team's own table, so every field's SQL in ``core/filter_fields.py`` is read there as
here. Only what differs is declared below. Annotations, prompt versions and imported files
live in the local database alone: a term on one is a filter error that says so.
"""

from __future__ import annotations

from spanscope.core.filter_dialect import Dialect
from spanscope.store.clickhouse import failures

# has:X on one span; has_* are columns the ClickHouse ``spans`` table derives from the
# span's attributes (see store/clickhouse/sql/otel_views.sql)
_HAS_SPAN: dict[str, str] = {
    "tool": "(kind = 'tool' OR has_tool_calls)",
    "tools": "(kind = 'tool' OR has_tool_calls)",
    "documents": "has_documents",
    "error": "status = 'error'",
    "messages": "has_messages",
    "cost": "coalesce(recorded_cost, computed_cost) IS NOT NULL",
    "model": "model IS NOT NULL",
}
_HAS_TRACE: dict[str, str] = {"error": "error_count > 0", "cost": "cost IS NOT NULL"}


def _text_search(value: str, table: str, params: list[object]) -> str:
    """Quoted text, case-insensitively, in the span's name and the attribute values that hold
    messages, tool arguments and results and retrieved chunks (``search_text``): ClickHouse
    searches where the data lives, with no index of ours."""
    params.append(value)
    span_sql = "positionCaseInsensitiveUTF8(search_text, ?) > 0"
    if table == "traces":
        return CLICKHOUSE.some_span.format(inner=span_sql)
    return span_sql


CLICKHOUSE = Dialect(
    name="clickhouse",
    has_span=_HAS_SPAN,
    has_trace=_HAS_TRACE,
    tag="has({column}, ?)",
    # ClickHouse decorrelates IN better than EXISTS: the subquery runs once, not per trace
    some_span="trace_id IN (SELECT s.trace_id FROM spans s WHERE {inner})",
    text_search=_text_search,
    like_escape="",  # a backslash escapes in ClickHouse's LIKE already
    group_member=failures.member_condition,  # the same group ids as locally
    local_only=frozenset({"label", "annotated", "author", "score", "prompt", "source"}),
)
