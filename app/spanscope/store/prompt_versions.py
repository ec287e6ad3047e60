"""Prompt versions found in the traces (``sql/prompt_refresh.sql`` says what a version is): for
the Prompts screen, ``spanscope prompts`` and the ``prompt:`` filter term. Every function takes
the caller's own cursor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from spanscope.sqlfiles import nestable
from spanscope.store import members
from spanscope.store.queries import Where


@dataclass(frozen=True)
class PromptVersion:
    """One version of a service's prompt and the calls that used it. ``template`` is the
    prompt with its variable parts masked; ``example_text`` the prompt of its first call."""

    prompt_id: str
    service: str | None
    version: int
    source: str
    template: str
    example_text: str
    calls: int
    traces: int
    first_seen_ns: int | None
    last_seen_ns: int | None
    models: tuple[str, ...]
    example_trace_id: str
    example_span_id: str

    @property
    def label(self) -> str:
        """How the screens name it: ``checkout v2``."""
        return f"{self.service or '(no service)'} v{self.version}"

    def to_json(self) -> dict[str, Any]:
        """The ``spanscope prompts --json`` record (its field names are a public contract)."""
        return {
            "prompt_id": self.prompt_id,
            "service": self.service,
            "version": self.version,
            "source": self.source,
            "calls": self.calls,
            "traces": self.traces,
            "first_seen": members.iso_time(self.first_seen_ns),
            "last_seen": members.iso_time(self.last_seen_ns),
            "models": list(self.models),
            "example_trace_id": self.example_trace_id,
            "example_span_id": self.example_span_id,
            "template": self.template,
        }


_USAGE = "SELECT trace_id, span_id, prompt_id FROM prompt_usage"


def member_condition(prompt_id: str, at_trace: bool, params: list[object]) -> str:
    """SQL for the ``prompt:ID`` filter term: the call used that version (a trace: one of its
    calls did)."""
    return members.member_condition(_USAGE, [], "prompt_id", prompt_id, at_trace, params)


def prompt_versions(
    cur: duckdb.DuckDBPyConnection, where: Where | None = None
) -> list[PromptVersion]:
    """The prompt versions of the calls ``where`` selects, by service and version (read from
    what import kept: :mod:`spanscope.store.prompt_calls`)."""
    where = where or Where()
    selected = "TRUE"  # no filter: every call, without a pass over the spans
    if where.sql.strip() != "TRUE":
        selected = (
            "(c.trace_id, c.span_id) IN (SELECT trace_id, span_id FROM spans "
            f"WHERE kind = 'llm' AND ({where.sql}))"
        )
    sql = nestable("spanscope.store", "prompt_versions.sql").replace("{selected}", selected)
    sql = f"SELECT * FROM ({sql}) ORDER BY service NULLS LAST, version"
    cur.execute(sql, list(where.params))
    names = [d[0] for d in cur.description or ()]
    return [_version(dict(zip(names, row, strict=True))) for row in cur.fetchall()]


def _version(row: dict[str, Any]) -> PromptVersion:
    return PromptVersion(
        prompt_id=str(row["prompt_id"]),
        service=row["service"],
        version=int(row["version"]),
        source=str(row["prompt_source"]),
        template=str(row["template"]),
        example_text=str(row["example_text"]),
        calls=int(row["calls"]),
        traces=int(row["traces"]),
        first_seen_ns=row["first_seen_ns"],
        last_seen_ns=row["last_seen_ns"],
        models=tuple(row["models"] or ()),
        example_trace_id=str(row["example_trace_id"]),
        example_span_id=str(row["example_span_id"]),
    )
