"""The ClickHouse source names span kinds as the local mapping does: every vocabulary its
SQL reads (``CASE lower(a['key']) WHEN … THEN …``) holds the same pairs as the local
``kind_of`` macro, so a vocabulary changed on one side fails here until the other follows."""

from __future__ import annotations

import re
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app" / "spanscope" / "store"
LOCAL = APP / "sql" / "mapping_macros.sql"
REMOTE = APP / "clickhouse" / "sql" / "otel_views.sql"
_CASE = re.compile(r"CASE lower\((?:t|a)\['([^']+)'\]\)(.*?)END", re.S)
_PAIR = re.compile(r"WHEN '([^']+)' THEN '([^']+)'")
# Vocabularies of formats whose importers are local (Langfuse, LangSmith exports, the Vercel
# AI SDK): the collector's table does not carry them.
LOCAL_ONLY = {"langfuse.observation.type", "langsmith.span.kind"}


def _vocabularies(path: Path, start: str) -> dict[str, dict[str, str]]:
    text = path.read_text(encoding="utf-8")
    text = text[text.index(start) :]
    return {key: dict(_PAIR.findall(body)) for key, body in _CASE.findall(text)}


def test_every_kind_vocabulary_is_the_local_one() -> None:
    local = _vocabularies(LOCAL, "MACRO kind_of(")
    remote = _vocabularies(REMOTE, "WITH ")
    assert remote, "no vocabulary found in the ClickHouse SQL"
    for key, pairs in remote.items():
        assert pairs == local[key], key
    assert set(local) - set(remote) == LOCAL_ONLY
