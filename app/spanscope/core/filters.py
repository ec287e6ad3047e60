"""The filter language of the query bar, the CLI and saved views.

    kind:llm model:gpt-4o* status:error duration>2s cost>0.01 -tag:test "refund policy"

Terms AND together; ``OR`` between terms; parentheses group; ``-`` negates. A filter is parsed
into data (:class:`Term`, :class:`Not`, :class:`And`, :class:`Or`) and compiled to SQL with
bound parameters only: user text never becomes SQL. Errors point at the offending term.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from spanscope.core.filter_dialect import Dialect
from spanscope.core.filter_fields import (
    DUCKDB,
    FIELDS,
    Field,
    FilterError,
    compile_term,
    level_of,
)
from spanscope.store.queries import Where


@dataclass(frozen=True)
class Term:
    """One condition: ``field op value``; field None means free text."""

    field: str | None
    op: str  # ':', '>', '<', '>=', '<=', '='
    value: str
    position: int
    length: int
    # "trace" or "span" when the field was spelled with that prefix (``trace.duration>2s``)
    prefix: str = ""


@dataclass(frozen=True)
class Not:
    inner: Node


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


Node = Term | Not | And | Or


def term_level(term: Term, on_spans: bool = False) -> str:
    """Where one term is read: "span" (on a span), "trace" (on the trace row), "both" (a
    field both have: its group decides), "own" (annotations and ids: the same either way)."""
    return term.prefix or level_of(term.field, term.value, on_spans)


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lparen>\() | (?P<rparen>\)) |
        (?P<quoted>-?"(?:[^"\\]|\\.)*"?) |
        (?P<word>[^\s()"]+(?:"(?:[^"\\]|\\.)*"?)?)
    )""",
    re.VERBOSE,
)
_FIELD_TERM = re.compile(r"^(?P<field>[A-Za-z_][\w.]*)(?P<op>:|>=|<=|>|<|=)(?P<value>.*)$", re.S)


MAX_NESTING = 100  # brackets and negations around one term


def parse(text: str) -> Node | None:
    """The syntax tree of a filter, or None for an empty one."""
    tokens = _tokens(text)
    if not tokens:
        return None
    parser = _Parser(tokens, text)
    node = parser.expression()
    if parser.index < len(tokens):
        kind, _, pos, length = tokens[parser.index]
        raise FilterError("unexpected ')'" if kind == "rparen" else "unexpected term", pos, length)
    return node


def _tokens(text: str) -> list[tuple[str, str, int, int]]:
    out: list[tuple[str, str, int, int]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            if text[pos:].strip() == "":
                break
            raise FilterError("cannot read this", pos)
        kind = match.lastgroup or ""
        value = match.group(kind)
        start = match.start(kind)
        out.append((kind, value, start, len(value)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int, int]], text: str) -> None:
        self.tokens, self.text, self.index = tokens, text, 0
        self.depth = 0  # brackets and negations open around the term being read

    def expression(self) -> Node:
        parts = [self.conjunction()]
        while self._peek_word("OR"):
            self.index += 1
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self) -> Node:
        parts: list[Node] = []
        while self.index < len(self.tokens):
            kind, value, pos, length = self.tokens[self.index]
            if kind == "rparen" or self._peek_word("OR"):
                break
            if self._peek_word("AND"):
                self.index += 1
                continue
            parts.append(self.unary())
        if not parts:
            where = self.tokens[self.index][2] if self.index < len(self.tokens) else len(self.text)
            raise FilterError("expected a term", where)
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node:
        # Each bracket or negation is a level of recursion here and when compiling: bounded,
        # so a pasted wall of "(((" is a filter error, not a crash.
        self.depth += 1
        try:
            if self.depth > MAX_NESTING + 1:  # the term itself is one level
                pos = self.tokens[self.index][2]
                raise FilterError(f"nested more than {MAX_NESTING} levels deep", pos)
            return self._unary()
        finally:
            self.depth -= 1

    def _unary(self) -> Node:
        kind, value, pos, length = self.tokens[self.index]
        if kind == "word" and value == "-" or (kind == "word" and value.upper() == "NOT"):
            self.index += 1
            if self.index >= len(self.tokens):
                raise FilterError("nothing to negate", pos)
            return Not(self.unary())
        if kind == "lparen":
            self.index += 1
            inner = self.expression()
            if self.index >= len(self.tokens) or self.tokens[self.index][0] != "rparen":
                raise FilterError("missing ')'", pos)
            self.index += 1
            return inner
        if kind == "rparen":
            raise FilterError("unexpected ')'", pos)
        self.index += 1
        negated = value.startswith("-") and len(value) > 1
        if negated:
            value, pos, length = value[1:], pos + 1, length - 1
        term = _term(value, pos, length)
        return Not(term) if negated else term

    def _peek_word(self, word: str) -> bool:
        if self.index >= len(self.tokens):
            return False
        kind, value, _, _ = self.tokens[self.index]
        return kind == "word" and value == word


def _term(value: str, pos: int, length: int) -> Term:
    if value.startswith('"'):
        if len(value) < 2 or not value.endswith('"'):
            raise FilterError("unclosed quote", pos, length)
        return Term(None, ":", _unquote(value[1:-1]), pos, length)
    match = _FIELD_TERM.match(value)
    if not match:
        return Term(None, ":", value, pos, length)
    name, op, raw = match.group("field"), match.group("op"), match.group("value")
    prefix, _dot, bare = name.lower().partition(".")
    if bare and prefix in ("trace", "span"):
        return _prefixed(prefix, name, bare, op, raw, pos, length)
    if raw.startswith('"'):
        if len(raw) < 2 or not raw.endswith('"'):
            raise FilterError("unclosed quote", pos, length)
        raw = _unquote(raw[1:-1])
    field = FIELDS.get(name.lower())
    if field is None:
        close = difflib.get_close_matches(name.lower(), FIELDS, n=1, cutoff=0.5)
        raise FilterError(
            f"unknown field '{name}'", pos, len(name), f"{close[0]}:" if close else None
        )
    if raw == "":
        raise FilterError(f"'{name}{op}' needs a value", pos, length)
    if op != ":" and op not in field.comparisons:
        raise FilterError(f"'{name}' cannot be compared with '{op}'", pos, length)
    return Term(field.name, op, raw, pos, length)


def _prefixed(prefix: str, name: str, bare: str, op: str, raw: str, pos: int, length: int) -> Term:
    """``trace.duration>2s`` / ``span.duration>2s``: a field read on the trace row or on the
    matching span, whatever else its group holds."""
    term = _term(name[len(prefix) + 1 :] + op + raw, pos, length)
    fld = FIELDS[term.field or ""] if term.field else None
    if fld is None or fld.kind in ("has", "label", "annotated", "author"):
        raise FilterError(
            f"'{name}' cannot be spelled with '{prefix}.'", pos, length, f"{bare}{op}"
        )
    if (fld.trace_sql if prefix == "trace" else fld.span_sql) is None:
        other = "span" if prefix == "trace" else "trace"
        raise FilterError(
            f"'{bare}' has no {prefix}-level value", pos, length, f"{other}.{bare}{op}"
        )
    return Term(term.field, term.op, term.value, pos, length, prefix)


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def compile_filter(text: str, table: str = "traces", now: datetime | None = None) -> Where:
    """SQL for a WHERE over ``traces`` or ``spans``, with its parameters."""
    return compile_tree(parse(text), table, now)


def compile_tree(
    node: Node | None, table: str, now: datetime | None = None, dialect: Dialect | None = None
) -> Where:
    """SQL for a parsed filter over ``traces`` or ``spans``. This is the one place a filter
    becomes SQL (``core.filter_value.Filter`` holds both results for the screens).

    Over traces, the positive span terms of one AND-group hold on the same span ("traces with
    a span matching kind:tool service:x duration>2s"); a field both levels have is read on that
    span when its group has a span-only term, else on the trace row; ``trace.``/``span.`` spell
    the level out; negated terms exclude traces ("no span matching"). Over spans, a trace-level
    term keeps the spans whose trace matches it. ``dialect`` is the store's SQL (the local
    database's when None); the meaning is the same in every dialect."""
    if node is None:
        return Where()
    params: list[object] = []
    compiler = _Compiler(params, now or datetime.now(UTC), dialect or DUCKDB)
    sql = compiler.traces(node) if table == "traces" else compiler.spans(node)
    texts = searched_texts(node)
    return Where(sql, tuple(params), texts[0] if texts else "")


def searched_texts(node: Node) -> list[str]:
    """The texts a filter searches for, in order, leaving out those it excludes."""
    if isinstance(node, Term):
        return [node.value] if node.field is None else []
    if isinstance(node, Not):
        return []
    return [text for part in node.parts for text in searched_texts(part)]


def group_level(node: Node) -> str:
    """Where a node of a trace-list filter is read (see :func:`term_level`): "span" when its
    terms are all span or both-level terms and one is span-only, "both" when all are
    both-level, "trace" when it is one trace-level term, else "apart" (compiled on its own)."""
    if isinstance(node, Term):
        return term_level(node)
    if isinstance(node, Not):
        return "apart"
    levels = {group_level(part) for part in node.parts}
    if levels <= {"span", "both"}:
        return "span" if "span" in levels else "both"
    return "apart"


def span_group(parts: tuple[Node, ...]) -> list[Node]:
    """The parts of an AND-group a trace list tests on one span: every span and both-level
    part, when there are two or more of them and one is span-only; else none."""
    members = [p for p in parts if group_level(p) in ("span", "both")]
    if len(members) < 2 or not any(group_level(p) == "span" for p in members):
        return []
    return members


class _Compiler:
    def __init__(self, params: list[object], now: datetime, dialect: Dialect) -> None:
        self.params, self.now, self.dialect = params, now, dialect

    def term(self, node: Term, table: str) -> str:
        return compile_term(
            node.field,
            node.op,
            node.value,
            table,
            self.params,
            self.now,
            (node.position, node.length),
            self.dialect,
        )

    def spans(self, node: Node) -> str:
        """Over ``spans`` (the span list, and one span inside a trace-list group)."""
        if isinstance(node, Term):
            if term_level(node, on_spans=True) == "trace":
                return (
                    f"trace_id IN (SELECT trace_id FROM traces WHERE {self.term(node, 'traces')})"
                )
            return self.term(node, "spans")
        if isinstance(node, Not):
            return f"NOT coalesce({self.spans(node.inner)}, FALSE)"
        joiner = " AND " if isinstance(node, And) else " OR "
        return "(" + joiner.join(self.spans(p) for p in node.parts) + ")"

    def traces(self, node: Node) -> str:
        """Over ``traces`` (the trace list)."""
        if isinstance(node, Term):
            if node.prefix == "span":
                return self.some_span([node])
            return self.term(node, "traces")
        if isinstance(node, Not):
            return f"NOT coalesce({self.traces(node.inner)}, FALSE)"
        if isinstance(node, Or):
            return "(" + " OR ".join(self.traces(p) for p in node.parts) + ")"
        members = span_group(node.parts)
        pieces = [self.some_span(members)] if members else []
        pieces += [self.traces(p) for p in node.parts if not any(p is m for m in members)]
        return pieces[0] if len(pieces) == 1 else "(" + " AND ".join(pieces) + ")"

    def some_span(self, nodes: list[Node]) -> str:
        inner = " AND ".join(self.spans(n) for n in nodes)
        return self.dialect.some_span.format(inner=inner)


def compile_for_facets(text: str) -> dict[str, Where]:
    """The filter compiled for each table the facets count (a trace-level term such as
    ``errors>2`` keeps the spans of the matching traces); a filter that does not compile
    counts everything (the query bar shows its error). The window hands its facets the
    applied ``Filter`` instead; this is for the benchmark and tests."""
    try:
        node = parse(text)
        return {"traces": compile_tree(node, "traces"), "spans": compile_tree(node, "spans")}
    except FilterError:
        return {"traces": Where(), "spans": Where()}


def field_names() -> list[str]:
    """Fields for completion in the query bar."""
    return sorted(FIELDS)


__all__ = [
    "FIELDS",
    "Field",
    "FilterError",
    "Term",
    "compile_filter",
    "compile_tree",
    "compile_for_facets",
    "field_names",
    "parse",
]
