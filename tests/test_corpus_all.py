"""The whole shared corpus imported as one folder: every file gets one result line, each trace
file is recognised as its own format, and the files that are not traces are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from spanscope.model import ImportStatus
from spanscope.store import Database
from store_checks import run

# The format each trace file was written in, by folder (SOURCES.md).
FORMAT_BY_FOLDER = {
    "inspect": "inspect",
    "langfuse": "langfuse",
    "langsmith": "langsmith",
    "mlflow": "mlflow",
    "openai": "provider-log",
    "other/anthropic-http": "provider-log",
    "other/atif": "atif",
    "other/braintrust": "braintrust",
    "other/vercel-ai-sdk": "otel-console",
}
# Files whose format is not their folder's.
FORMAT_BY_FILE = {
    "openinference/phoenix-tutorial-2023_trace.jsonl": "phoenix",
    "openinference/phoenix_pxi_turn_trace.json": "phoenix",
    "openinference/phoenix-tutorial_llamaindex-rag_traces.parquet": "phoenix-parquet",
    "openinference/phoenix-tutorial_llamaindex-rag_evals_relevance.parquet": "phoenix-evals",
    "otlp/langwatch-dogfood_claude_code.otlp.json": "otlp-json",
    "otlp/langwatch-dogfood_raw_otlp_advanced.otlp.json": "otlp-json",
    "otlp/otel-proto_examples_trace.json": "otlp-json",
}
# Attribute samples, JSON schemas and the corpus's own notes (SOURCES.md): not trace files.
NOT_TRACES = ("oi-genai-fixture_", "langwatch-canon-fixture_", "semconv-genai-json-schemas/", ".md")


def expected_format(relative: str) -> str | None:
    if any(marker in relative for marker in NOT_TRACES):
        return None
    if relative in FORMAT_BY_FILE:
        return FORMAT_BY_FILE[relative]
    folder = relative.rsplit("/", 1)[0]
    return FORMAT_BY_FOLDER[folder]


@pytest.mark.corpus
def test_the_whole_corpus_as_one_folder(corpus: Path, db: Database) -> None:
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    results = run(db, corpus)
    assert sorted(Path(r.path) for r in results) == files  # one line per file
    # the evaluations come after the traces they annotate, whatever the names sort as
    order = [Path(r.path).name for r in results]
    assert order.index("phoenix-tutorial_llamaindex-rag_evals_relevance.parquet") > order.index(
        "phoenix-tutorial_llamaindex-rag_traces.parquet"
    )
    for result in results:
        relative = Path(result.path).relative_to(corpus).as_posix()
        expected = expected_format(relative)
        if expected is None:
            assert result.status is ImportStatus.FAILED, relative
            assert "format not recognised" in (result.error or ""), relative
        else:
            assert (result.status, result.format) == (ImportStatus.IMPORTED, expected), (
                relative,
                result.error,
            )
    imported = [r for r in results if r.status is ImportStatus.IMPORTED]
    assert len(imported) == 40 and len(results) == 55
