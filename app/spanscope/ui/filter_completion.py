"""What the query bar offers to complete: the token under the cursor, and its candidates.

Plain Python: a field name (``mod`` → ``model:``) or, after ``field:``, a value seen in the
data (``model:gpt`` → ``model:gpt-4o-2024-08-06``). Values with spaces or quotes are quoted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from spanscope.core.filters import FIELDS

# Fields whose values come from the data, and the data they come from.
VALUE_SOURCES = {
    "model": "model",
    "provider": "provider",
    "service": "service",
    "user": "user_id",
    "tool": "tool_name",
    "tag": "tags",
    "label": "labels",
}


def current_token(text: str, cursor: int) -> tuple[int, str]:
    """The start and text of the term being typed: from after the last space or parenthesis
    outside quotes, up to the cursor."""
    start, quoted = 0, False
    for i, ch in enumerate(text[:cursor]):
        if ch == '"':
            quoted = not quoted
        elif not quoted and (ch.isspace() or ch in "()"):
            start = i + 1
    return start, text[start:cursor]


def quote(value: str) -> str:
    """A value as the filter language reads it: quoted when it has spaces, quotes or parens."""
    if value and not any(ch.isspace() or ch in '"()\\' for ch in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def term(field: str, value: str, negate: bool = False) -> str:
    """``field:value`` (``-field:value`` negated), the value quoted when needed."""
    return f"{'-' if negate else ''}{field}:{quote(value)}"


def candidates(
    token: str, field_names: Sequence[str], values: Mapping[str, Sequence[str]]
) -> list[str]:
    """Completions for ``token`` (the completer filters them by prefix)."""
    sign = "-" if token.startswith("-") else ""
    body = token[len(sign) :]
    if ":" not in body:
        return [f"{sign}{name}:" for name in field_names]
    name = body.split(":", 1)[0].lower()
    known = FIELDS.get(name)
    if name in VALUE_SOURCES:
        choices: Sequence[str] = values.get(VALUE_SOURCES[name], ())
    elif known is not None and known.choices:
        choices = known.choices
    else:
        return []
    return [sign + term(name, str(v)) for v in choices]
