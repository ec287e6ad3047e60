"""The small interface between the ClickHouse source and a ClickHouse client.

The source writes SQL with ``?`` placeholders (as every compiled filter does); an executor
binds them as ClickHouse query parameters (``{p0:String}``: the server substitutes typed
values, user text never becomes SQL) and returns Arrow. ``client.ClientExecutor`` is the
implementation (clickhouse-connect, to a server or to ClickHouse in-process); the source
depends only on this interface. Every failure reaches the caller as :class:`RemoteError`
with a sentence to show, never a client's traceback.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import pyarrow as pa


class RemoteError(Exception):
    """A ClickHouse source that cannot answer: unreachable, refused, missing table, wrong
    schema … ``str()`` is a sentence for the user."""


class QueryExecutor(Protocol):
    """Runs read-only SQL on one ClickHouse and returns Arrow."""

    def arrow(
        self,
        sql: str,
        params: tuple[Any, ...] | list[Any] = (),
        time_limit_s: float | None = None,
    ) -> pa.Table:
        """The rows of one SELECT; :class:`RemoteError` when it fails, or when it runs longer
        than ``time_limit_s`` (the server stops it: a facet's time budget)."""
        ...

    def cancel(self) -> None:
        """Stop the query running now, if any (from another thread)."""
        ...

    def close(self) -> None: ...


# ? outside string literals and comments; our SQL never has ? inside a literal, but a
# pattern literal such as '^a?$' must not become a parameter
_PLACEHOLDER = re.compile(r"'(?:[^'\\]|\\.)*'|\?")
_READ_ONLY = re.compile(r"^\s*(WITH|SELECT)\b", re.IGNORECASE)


def bind(sql: str, params: tuple[Any, ...] | list[Any]) -> tuple[str, dict[str, Any]]:
    """``?`` placeholders as ClickHouse typed parameters ``{p0:Type}``, and their values."""
    if not _READ_ONLY.match(sql):
        raise RemoteError("only SELECT queries are sent to a ClickHouse source")
    values = list(params)
    bound: dict[str, Any] = {}

    def replace(match: re.Match[str]) -> str:
        if match.group(0) != "?":
            return match.group(0)
        index = len(bound)
        if index >= len(values):
            raise ValueError("more placeholders than parameters")
        name = f"p{index}"
        bound[name] = values[index]
        return "{" + f"{name}:{_type_of(values[index])}" + "}"

    text = _PLACEHOLDER.sub(replace, sql)
    if len(bound) != len(values):
        raise ValueError("more parameters than placeholders")
    return text, bound


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "Bool"
    if isinstance(value, int):
        return "Int64"
    if isinstance(value, float):
        return "Float64"
    if value is None:
        return "Nullable(String)"
    if isinstance(value, list | tuple):
        return "Array(String)"  # lists of ids
    return "String"


# ClickHouse's error codes, as its HTTP interface and chdb report them ("Code: 60. …")
_CODE = re.compile(r"Code:\s*(\d+)")
_MEANINGS = {
    516: "the user name or password was refused",
    192: "the user name or password was refused",
    194: "the user name or password was refused",
    81: "the database does not exist",
    60: "the table does not exist",
    47: "the table lacks a column the OpenTelemetry exporter's schema has (is it otel_traces?)",
    16: "the table lacks a column the OpenTelemetry exporter's schema has (is it otel_traces?)",
    497: "the user may not read this table",
    164: "the server refused a setting because the user is read-only",
    159: "the query took longer than the time limit",
    394: "the query was cancelled",
    241: "the server ran out of memory for this query",
}


def describe(where: str, message: str) -> str:
    """A ClickHouse error as a sentence naming the source, from its code when it has one."""
    match = _CODE.search(message)
    first = message.strip().splitlines()[0] if message.strip() else "no answer"
    meaning = _MEANINGS.get(int(match.group(1))) if match else None
    detail = first if len(first) <= 300 else first[:300] + "…"
    return f"{where}: {meaning} ({detail})" if meaning else f"{where}: {detail}"
