"""Secrets stay out of exports unless the user opts out: eval sets, annotation files, OTLP
documents, copies and console results mask API keys, bearer tokens and the values of fields
named like ``api_key``, ``password`` or ``token``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pytest

from hostile_payloads import (
    ANTHROPIC_KEY,
    AWS_KEY,
    BEARER,
    OPENAI_KEY,
    PASSWORD,
    PLAIN_TOKEN,
    SECRET_SPAN,
    SECRET_TRACE,
    leaked,
    secret_document,
)
from otlp_builder import write_json
from spanscope.cli import main
from spanscope.core.otlp_export import export_trace
from spanscope.core.redaction import (
    FIELD_MASK,
    SecretRedactor,
    export_redactor,
    is_secret_field,
)
from spanscope.core.transcript import span_json, span_markdown, trace_json
from spanscope.ingest import import_paths
from spanscope.store import Database, queries
from spanscope.store.console import Console


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


@pytest.fixture
def secret_db(tmp_path: Path) -> Path:
    path = tmp_path / "secrets.duckdb"
    with Database.open(path) as db:
        source = write_json(tmp_path / "secrets.json", secret_document())
        [result] = list(import_paths(db, [source]))
        assert result.status == "imported", result.error
    return path


def test_secret_fields_are_told_by_name() -> None:
    secret = ["api_key", "x-api-key", "db.password", "auth.token", "Authorization", "apiKey"]
    harmless = ["max_tokens", "gen_ai.usage.input_tokens", "tokenizer", "author", "keyword"]
    assert [n for n in secret if not is_secret_field(n)] == []
    assert [n for n in harmless if is_secret_field(n)] == []


def test_redactor_masks_patterns_fields_and_json_in_text() -> None:
    redactor = SecretRedactor()
    attributes = json.dumps(
        {
            "api_key": "abc123",
            "gen_ai.request.max_tokens": 256,
            "note": f"use {ANTHROPIC_KEY} or {AWS_KEY}",
            "http.request.header.authorization": f"Bearer {BEARER}",
        }
    )
    row = {
        "attributes": attributes,
        "pairs": [{"key": "password", "value": {"stringValue": PASSWORD}}],
    }
    masked = redactor.record(row)
    assert leaked(json.dumps(masked)) == []
    inner = json.loads(masked["attributes"])
    assert inner["api_key"] == FIELD_MASK and inner["gen_ai.request.max_tokens"] == 256
    assert masked["pairs"][0]["value"]["stringValue"] == FIELD_MASK
    assert redactor.counts["secret field"] == 3 and redactor.counts["api key"] == 2
    assert export_redactor(False) is None
    assert SecretRedactor().text("write to ana@example.com") == "write to ana@example.com"


def test_copies_and_otlp_export_mask_secrets(secret_db: Path) -> None:
    with Database.open(secret_db) as db:
        cur = db.reader()
        rows = queries.trace_export_rows(cur, SECRET_TRACE)
        detail = queries.span_detail(cur, SECRET_TRACE, SECRET_SPAN)
    assert detail is not None and leaked(span_json(detail))  # the data does hold them
    redactor = SecretRedactor()
    masked_rows = [redactor.record(r) for r in rows]
    for text in (
        json.dumps(export_trace(masked_rows)),
        trace_json(masked_rows),
        span_json(redactor.record(detail)),
        span_markdown(redactor.record(detail)),
    ):
        assert leaked(text) == []
    document = export_trace(masked_rows)  # still a document Spanscope reads back
    [span] = document["resourceSpans"][0]["scopeSpans"][0]["spans"]
    assert span["spanId"] == SECRET_SPAN
    keys = {a["key"]: a["value"] for a in span["attributes"]}
    assert keys["api_key"] == {"stringValue": FIELD_MASK}
    assert keys["gen_ai.request.max_tokens"] == {"intValue": "256"}


def test_eval_export_masks_by_default_and_no_redact_keeps(secret_db: Path, tmp_path: Path) -> None:
    db = str(secret_db)
    assert run("annotate", SECRET_SPAN, "--label", "leak", "--note", f"saw {OPENAI_KEY}",
               "--db", db)[0] == 0  # fmt: skip
    masked, kept = tmp_path / "masked.jsonl", tmp_path / "kept.jsonl"
    assert run("export", "--format", "openai-jsonl", "-o", str(masked), "--db", db)[0] == 0
    assert masked.stat().st_size > 0 and leaked(masked.read_bytes()) == []
    code, _ = run("export", "--format", "openai-jsonl", "-o", str(kept), "--no-redact", "--db", db)
    assert code == 0 and OPENAI_KEY in kept.read_text()

    notes = tmp_path / "notes.jsonl"
    assert run("annotations", "-o", str(notes), "--db", db)[0] == 0
    assert "leak" in notes.read_text() and leaked(notes.read_bytes()) == []
    assert run("annotations", "-o", str(notes), "--no-redact", "--db", db)[0] == 0
    assert OPENAI_KEY in notes.read_text()


def test_console_export_masks_text_and_secret_columns(secret_db: Path, tmp_path: Path) -> None:
    from spanscope.ui.secret_masking import table_masker

    mask = table_masker(SecretRedactor())
    assert mask is not None and table_masker(None) is None
    console = Console.open(secret_db)
    try:
        sql = (
            "SELECT span_id, attributes, "
            f"'{PLAIN_TOKEN}' AS api_token, 256 AS max_tokens FROM spans"
        )
        for fmt in ("csv", "parquet"):
            path = tmp_path / f"out.{fmt}"
            assert console.export(sql, path, fmt, mask) == 1
            assert leaked(path.read_bytes()) == [], fmt
        plain = tmp_path / "plain.csv"
        console.export(sql, plain, "csv")
        assert PASSWORD in plain.read_text()
    finally:
        console.close()
    table = mask(pa.table({"api_token": [PLAIN_TOKEN], "max_tokens": [256]}))
    assert table.to_pylist() == [{"api_token": FIELD_MASK, "max_tokens": 256}]
