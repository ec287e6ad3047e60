"""What differs between the SQL dialects a filter compiles to.

One parser and one compiler (``core/filters.py``, ``core/filter_fields.py``) serve every store;
a :class:`Dialect` holds only the pieces whose SQL differs: the ``has:`` conditions, a tag
test, "the trace has a span matching …", quoted-text search, and the fields a store cannot
answer. The local database's dialect is ``filter_fields.DUCKDB``; a ClickHouse trace store's
is ``filter_clickhouse.CLICKHOUSE``. Both read the same column names (``kind``, ``model``,
``duration_ns`` … over ``spans``; ``root_name``, ``error_count`` … over ``traces``): the
ClickHouse source defines those tables over its own schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

# quoted text -> SQL over "spans" or "traces", appending its parameters
TextSearch = Callable[[str, str, list[object]], str]
# a failure group's id, at trace level or not -> "the span (trace) is in the group"
GroupMember = Callable[[str, bool, list[object]], str]


@dataclass(frozen=True)
class Dialect:
    """The dialect-specific SQL of the filter language."""

    name: str
    has_span: Mapping[str, str]  # has:X on one span
    has_trace: Mapping[str, str]  # has:X read on the trace row (keys: those of the DuckDB one)
    tag: str  # "{column}" holds a tag list; one ? parameter is the tag
    some_span: str  # "{inner}" is a condition on one span of the trace being tested
    text_search: TextSearch
    like_escape: str  # after "column ILIKE ?": how a pattern escapes % and _ with a backslash
    group_member: GroupMember  # group:ID, the store's failure groups
    # field kinds this store cannot answer (annotations, failure groups, imported files …):
    # a term on one is a filter error pointing at it, never silently true or false
    local_only: frozenset[str] = frozenset()
