"""The fields of the filter language and the SQL each compiles to.

Every field knows its SQL over ``spans`` and, where the trace row has it, over ``traces``.
Span-level conditions asked of a trace list mean "the trace has such a span".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from spanscope.core.filter_dialect import Dialect
from spanscope.model.kinds import KINDS
from spanscope.store import failure_groups, prompt_versions, search


class FilterError(ValueError):
    """A query that cannot be understood; ``position`` and ``length`` mark the bad part."""

    def __init__(
        self, message: str, position: int, length: int = 1, suggestion: str | None = None
    ) -> None:
        self.position, self.length, self.suggestion = position, length, suggestion
        hint = f" (did you mean {suggestion}?)" if suggestion else ""
        super().__init__(f"{message}{hint} at character {position + 1}")


Span = tuple[int, int]  # where the term is in the query text, for errors


@dataclass(frozen=True)
class Field:
    """A filterable property. ``span_sql`` / ``trace_sql`` are column expressions; None means
    the field exists only at the other level."""

    name: str
    span_sql: str | None
    trace_sql: str | None = None
    kind: str = "text"  # text, glob, number, duration, tokens, time, has, choice
    comparisons: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = field(default=())


_NUMERIC = (">", "<", ">=", "<=", "=")

_FIELD_LIST = [
    Field("kind", "kind", kind="choice", choices=KINDS),
    Field("model", "model", kind="glob"),
    Field("provider", "provider", kind="glob"),
    Field("service", "service", "service", kind="glob"),
    Field("status", "status", kind="choice", choices=("ok", "error", "unset")),
    Field("name", "name", "root_name", kind="glob"),
    Field("tool", "tool_name", kind="glob"),
    Field("operation", "operation", kind="glob"),
    Field("user", "user_id", "user_id", kind="glob"),
    Field("session", "session_id", "session_id", kind="glob"),
    Field("trace", "trace_id", "trace_id", kind="glob"),
    Field("span", "span_id", kind="glob"),
    Field("tag", "tags", kind="tag"),
    Field("duration", "duration_ns", "duration_ns", kind="duration", comparisons=_NUMERIC),
    Field(
        "cost",
        "coalesce(recorded_cost, computed_cost)",
        "cost",
        kind="number",
        comparisons=_NUMERIC,
    ),
    Field(
        "tokens",
        "(coalesce(input_tokens, 0) + coalesce(output_tokens, 0))",
        "(input_tokens + output_tokens)",
        kind="number",
        comparisons=_NUMERIC,
    ),
    Field("input_tokens", "input_tokens", "input_tokens", kind="number", comparisons=_NUMERIC),
    Field("output_tokens", "output_tokens", "output_tokens", kind="number", comparisons=_NUMERIC),
    Field("errors", None, "error_count", kind="number", comparisons=_NUMERIC),
    Field("spans", None, "span_count", kind="number", comparisons=_NUMERIC),
    Field("label", None, None, kind="label"),
    Field("annotated", None, None, kind="annotated", choices=("yes", "no")),
    Field("author", None, None, kind="author"),
    Field("score", None, None, kind="score", comparisons=_NUMERIC),  # an annotation's score
    Field("group", None, None, kind="group"),  # a failure group's id (spanscope groups)
    Field("prompt", None, None, kind="prompt"),  # a prompt version's id (spanscope prompts)
    # the file a span was imported from, by name ("export.jsonl") or path, globs allowed
    Field("source", None, None, kind="source"),
    Field("after", "start_ns", "start_ns", kind="time"),
    Field("before", "start_ns", "start_ns", kind="time"),
    Field(
        "has",
        None,
        None,
        kind="has",
        choices=(
            "tool",
            "tools",
            "documents",
            "error",
            "messages",
            "cost",
            "model",
            "note",
            "expected",
            "score",
        ),
    ),
]

FIELDS: dict[str, Field] = {f.name: f for f in _FIELD_LIST}

# has:X at span level; at trace level "some span has X" (errors from the trace row).
_HAS_SPAN: dict[str, str] = {
    "tool": "(kind = 'tool' OR len(tool_calls) > 0)",
    "tools": "(kind = 'tool' OR len(tool_calls) > 0)",
    "documents": "len(documents) > 0",
    "error": "status = 'error'",
    "messages": "(len(input_messages) > 0 OR len(output_messages) > 0)",
    "cost": "coalesce(recorded_cost, computed_cost) IS NOT NULL",
    "model": "model IS NOT NULL",
}
_HAS_TRACE: dict[str, str] = {"error": "error_count > 0", "cost": "cost IS NOT NULL"}

# Fields a trace list reads on the trace row even beside span terms: they name the trace.
_NAMES_THE_TRACE = frozenset({"user", "session", "trace"})


def level_of(name: str | None, value: str, on_spans: bool = False) -> str:
    """Where a term on field ``name`` is read in a trace list: "span", "trace", "both" (on
    the span when its group has a span-only term, else on the trace row) or "own" (its own
    meaning at either level: annotations). ``on_spans``: in the span list, where "trace" is
    only for fields spans lack."""
    if name is None:
        return "span"  # quoted text
    fld = FIELDS[name]
    if fld.kind == "has":
        key = value.lower()
        if key in _HAS_ANNOTATION:
            return "own"
        return "both" if key in _HAS_TRACE else "span"
    if fld.kind in ("label", "annotated", "author") or fld.span_sql == fld.trace_sql is None:
        return "own"  # compiled to its own SQL at each level (annotations, groups, prompts)
    if fld.span_sql is None:
        return "trace"
    if fld.trace_sql is None:
        return "span"
    if name in _NAMES_THE_TRACE and not on_spans:
        return "trace"
    return "both"


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|min|h)?$")
_DURATION_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "min": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_NUMBER = re.compile(r"^\$?(\d+(?:\.\d+)?)([kKmM])?$")
_RELATIVE = re.compile(r"^(\d+)(m|h|d|w)$")
_MAX_NS = 2**63 - 1  # durations are BIGINT nanoseconds


def compile_term(
    name: str | None,
    op: str,
    value: str,
    table: str,
    params: list[object],
    now: datetime,
    where: Span,
    dialect: Dialect | None = None,
) -> str:
    """SQL for one term over ``table`` (traces or spans) in ``dialect`` (the local
    database's when None), appending its parameters."""
    dialect = dialect or DUCKDB
    _check_answerable(dialect, name, value, where)
    if name is None:
        return dialect.text_search(value, table, params)
    fld = FIELDS[name]
    at_trace = table == "traces"
    column = fld.trace_sql if at_trace else fld.span_sql
    if fld.kind == "has" and value.lower() in _HAS_ANNOTATION:
        return _annotation_exists(at_trace, _HAS_ANNOTATION[value.lower()])
    if fld.kind == "has":
        return _has(value, at_trace, where, dialect)
    if fld.kind == "annotated":
        return _annotated(value, at_trace, where)
    if fld.kind == "group":
        if not re.fullmatch(r"[0-9a-fA-F]{1,32}", value):
            raise FilterError(f"'{value}' is not a failure group id (see spanscope groups)", *where)
        return dialect.group_member(value, at_trace, params)
    if fld.kind == "prompt":
        if not re.fullmatch(r"[0-9a-fA-F]{1,32}", value):
            raise FilterError(
                f"'{value}' is not a prompt version id (see spanscope prompts)", *where
            )
        return prompt_versions.member_condition(value, at_trace, params)
    if fld.kind == "score":
        params.append(_number(value, where))
        return _annotation_exists(at_trace, f"a.score {'=' if op == ':' else op} ?")
    if fld.kind == "author":
        return _annotation_exists(at_trace, _glob("a.author", value, params))
    if fld.kind == "source":
        return _source(value, at_trace, params)
    if fld.kind == "label":
        # a trace matches when it or any of its spans carries the label; a span when it or
        # its trace does
        params.append(value)
        owner = "traces.trace_id" if at_trace else "spans.trace_id"
        span_match = "" if at_trace else " AND a.span_id IN ('', spans.span_id)"
        return (
            f"EXISTS (SELECT 1 FROM annotation_labels a WHERE a.trace_id = {owner}"
            f"{span_match} AND lower(a.label) = lower(?))"
        )
    if column is None:
        if not at_trace:
            raise FilterError(f"'{name}' applies to traces, not spans", *where)
        inner = compile_term(name, op, value, "spans", params, now, where, dialect)
        return dialect.some_span.format(inner=inner)
    return _condition(fld, column, op, value, params, now, where, dialect)


def _check_answerable(dialect: Dialect, name: str | None, value: str, where: Span) -> None:
    """A term the store cannot answer is an error at that term, never a silent TRUE."""
    kind = "text" if name is None else FIELDS[name].kind
    if kind == "has" and value.lower() in _HAS_ANNOTATION:
        kind = "annotated"
    if kind in dialect.local_only:
        shown = f"has:{value}" if kind == "annotated" and name == "has" else name or "quoted text"
        raise FilterError(
            f"'{shown}' is known only in the local database: pull the traces first", *where
        )


def _condition(
    fld: Field,
    column: str,
    op: str,
    value: str,
    params: list[object],
    now: datetime,
    where: Span,
    dialect: Dialect,
) -> str:
    if fld.kind in ("duration", "number"):
        number = _duration_ns(value, where) if fld.kind == "duration" else _number(value, where)
        params.append(number)
        sql_op = "=" if op == ":" else op
        return f"{column} {sql_op} ?"
    if fld.kind == "time":
        params.append(_time_ns(value, now, where))
        return f"{column} {'>=' if fld.name == 'after' else '<'} ?"
    if fld.kind == "choice":
        if value.lower() not in fld.choices:
            close = difflib.get_close_matches(value.lower(), fld.choices, n=1, cutoff=0.5)
            raise FilterError(
                f"'{value}' is not a {fld.name}",
                *where,
                suggestion=f"{fld.name}:{close[0]}" if close else None,
            )
        params.append(value.lower())
        return f"{column} = ?"
    if fld.kind == "tag":
        params.append(value)
        return dialect.tag.format(column=column)
    return _glob(column, value, params, dialect.like_escape)


def _source(value: str, at_trace: bool, params: list[object]) -> str:
    """Spans imported from the file named ``value`` (its name, or its whole path); a trace
    when any of its spans was. Unqualified ``source_id`` / ``trace_id`` are the outer
    table's: the subqueries name their own."""
    by_name = _glob("regexp_extract(path, '[^/\\\\]+$')", value, params)
    by_path = _glob("path", value, params)
    files = f"SELECT source_id FROM sources WHERE {by_name} OR {by_path}"
    if at_trace:
        return f"trace_id IN (SELECT trace_id FROM spans WHERE source_id IN ({files}))"
    return f"source_id IN ({files})"


_ESCAPE = " ESCAPE '\\'"  # DuckDB's LIKE has no escape character unless told


def _glob(column: str, value: str, params: list[object], escape: str = _ESCAPE) -> str:
    if "*" in value or "?" in value:
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(escaped.replace("*", "%").replace("?", "_"))
        return f"{column} ILIKE ?{escape}"
    params.append(value)
    return f"lower({column}) = lower(?)"


# has:X about annotations: a condition on the annotation row `a`.
_HAS_ANNOTATION: dict[str, str] = {
    "note": "coalesce(a.note, '') <> ''",
    "expected": "coalesce(a.expected, '') <> ''",
    "score": "a.score IS NOT NULL",
}


def _annotation_exists(at_trace: bool, condition: str) -> str:
    """Annotations are matched like ``label:``: a trace by its own or any of its spans'
    annotations, a span by its own or its trace's."""
    owner = "traces.trace_id" if at_trace else "spans.trace_id"
    span_match = "" if at_trace else " AND a.span_id IN ('', spans.span_id)"
    return f"EXISTS (SELECT 1 FROM annotations a WHERE a.trace_id = {owner}{span_match} AND {condition})"


def _annotated(value: str, at_trace: bool, where: Span) -> str:
    key = value.lower()
    if key in ("yes", "true", "any", "*", "1"):
        return _annotation_exists(at_trace, "TRUE")
    if key in ("no", "false", "none", "0"):
        return f"NOT {_annotation_exists(at_trace, 'TRUE')}"
    raise FilterError(
        f"annotated:{value} is not known", *where, suggestion="annotated:yes, -annotated:yes"
    )


def _has(value: str, at_trace: bool, where: Span, dialect: Dialect) -> str:
    key = value.lower()
    if key not in dialect.has_span:
        raise FilterError(
            f"has:{value} is not known",
            *where,
            suggestion="has:" + ", has:".join(sorted(set(_HAS_SPAN) | set(_HAS_ANNOTATION))),
        )
    if at_trace and key in dialect.has_trace:
        return dialect.has_trace[key]
    span_sql = dialect.has_span[key]
    return dialect.some_span.format(inner=span_sql) if at_trace else span_sql


def _text_search(value: str, table: str, params: list[object]) -> str:
    """Quoted text: span names, message contents, tool arguments and results, and retrieved
    chunk contents, case-insensitively. The search index answers it (a subquery on the search
    tables); text without a word the index holds (e.g. "a" or "!!") falls back to a scan."""
    indexed = search.matching_spans_sql(value, params)
    span_sql, scan_params = search.text_test(value)
    params.extend(scan_params)
    if indexed is not None:
        # files imported but not yet indexed (search_pending) are scanned, so results are
        # complete while the index catches up. The CASE on a column of the pending side keeps
        # the text test above the join, so only their spans' text is read (none at all when
        # every file is indexed); `p.source_id IS NOT NULL` would be folded to TRUE and the test
        # pushed into a scan of every span.
        unindexed = (
            "(SELECT s.trace_id, s.span_id FROM search_pending p"
            " JOIN spans s ON s.source_id = p.source_id"
            f" WHERE CASE WHEN p.rowid >= 0 THEN {span_sql} END)"
        )
        if table == "traces":
            return (
                f"(trace_id IN (SELECT trace_id FROM ({indexed})) OR trace_id IN "
                f"(SELECT trace_id FROM {unindexed}))"
            )
        return (
            f"((trace_id, span_id) IN (SELECT trace_id, span_id FROM ({indexed})) OR "
            f"(trace_id, span_id) IN {unindexed})"
        )
    if table == "traces":
        return f"EXISTS (SELECT 1 FROM spans s WHERE s.trace_id = traces.trace_id AND {span_sql})"
    return span_sql


def parse_duration_ns(value: str) -> int:
    """A duration as the filter language writes it (``2s``, ``500ms``), in nanoseconds;
    ValueError when it is not one."""
    try:
        return _duration_ns(value, (0, len(value)))
    except FilterError as exc:
        raise ValueError(str(exc).split(" at character")[0]) from None


def parse_number(value: str) -> float:
    """A number as the filter language writes it (``8k``, ``$0.05``); ValueError otherwise."""
    try:
        return _number(value, (0, len(value)))
    except FilterError as exc:
        raise ValueError(str(exc).split(" at character")[0]) from None


def _duration_ns(value: str, where: Span) -> int:
    match = _DURATION.match(value.strip().lower())
    if not match:
        raise FilterError(f"'{value}' is not a duration (try 2s, 500ms, 1.5m)", *where)
    nanoseconds = float(match.group(1)) * _DURATION_NS[match.group(2) or "ms"]
    if not nanoseconds <= _MAX_NS:  # also false for infinity
        raise FilterError(f"'{value}' is too long a duration", *where)
    return int(nanoseconds)


def _number(value: str, where: Span) -> float:
    match = _NUMBER.match(value.strip())
    if not match:
        raise FilterError(f"'{value}' is not a number", *where)
    scale = {"k": 1_000, "m": 1_000_000}.get((match.group(2) or "").lower(), 1)
    return float(match.group(1)) * scale


def _time_ns(value: str, now: datetime, where: Span) -> int:
    relative = _RELATIVE.match(value)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        unit_name = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[unit]
        try:
            moment = now - timedelta(**{unit_name: amount})
        except OverflowError:
            raise FilterError(f"'{value}' is too far back", *where) from None
    else:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise FilterError(
                f"'{value}' is not a time (try 2026-11-01T14:00, 2026-11-01 or 2h)", *where
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1_000


Compiler = Callable[[str], str]

# The local database's dialect: DuckDB over the store's own tables.
DUCKDB = Dialect(
    name="duckdb",
    has_span=_HAS_SPAN,
    has_trace=_HAS_TRACE,
    tag="list_contains({column}, ?)",
    some_span="EXISTS (SELECT 1 FROM spans s WHERE s.trace_id = traces.trace_id AND {inner})",
    text_search=_text_search,
    like_escape=_ESCAPE,
    group_member=failure_groups.member_condition,
)
