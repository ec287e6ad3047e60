"""Database files as earlier versions of Spanscope wrote them, to test upgrades on.

``fixtures/schema2.sql`` is the schema as released at version 2 (tables, views, macros),
kept verbatim: upgrades must work on what users really have, not on today's schema with
pieces dropped.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from spanscope.sqlfiles import statements

FIXTURES = Path(__file__).parent / "fixtures"

# A trace with an llm span and a tool span, an annotation and a replay, as version 2 held them.
SCHEMA2_ROWS = (
    "INSERT INTO sources (source_id, path, sha256, format, size_bytes, span_count) "
    "VALUES (1, '/data/old.json', 'ab12', 'otlp-json', 100, 2)",
    "INSERT INTO spans (trace_id, span_id, parent_span_id, source_id, name, kind, start_ns, "
    "end_ns, duration_ns, status, request_model, provider, input_tokens, output_tokens, "
    "input_messages) VALUES ('t1', 's1', NULL, 1, 'chat gpt-4o', 'llm', 1000, 2000, 1000, 'ok', "
    "'gpt-4o', 'openai', 100, 20, [{'role': 'user', 'content': 'what is the refund policy', "
    "'name': NULL, 'tool_call_id': NULL}])",
    "INSERT INTO spans (trace_id, span_id, parent_span_id, source_id, name, kind, start_ns, "
    "end_ns, duration_ns, status) VALUES ('t1', 's2', 's1', 1, 'lookup', 'tool', 1100, 1500, "
    "400, 'error')",
    "INSERT INTO annotations (trace_id, span_id, label, note, author) "
    "VALUES ('t1', 's1', 'hallucination', 'made up a policy', 'ana')",
    "INSERT INTO replays (trace_id, span_id, endpoint, model, output_text) "
    "VALUES ('t1', 's1', 'local', 'gpt-4o', 'the policy is 30 days')",
)


def write_schema2_database(path: Path) -> Path:
    """A database file exactly as version 2 created it, holding :data:`SCHEMA2_ROWS`."""
    con = duckdb.connect(str(path))
    try:
        con.execute("BEGIN TRANSACTION")
        for stmt in statements((FIXTURES / "schema2.sql").read_text(encoding="utf-8")):
            con.execute(stmt)
        con.execute("INSERT INTO meta VALUES ('schema_version', '2')")
        for stmt in SCHEMA2_ROWS:
            con.execute(stmt)
        con.execute("COMMIT")
    finally:
        con.close()
    return path
