"""Eval-set export: annotate → export → every format's records checked field by field;
provenance on every record; redaction with per-rule counts; atomic writes."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import yaml

from otlp_builder import LLM, RETRIEVER, TOOL, TRACE, agent_trace, document, write_json
from spanscope.core import eval_export
from spanscope.core.atomic_file import atomic_text
from spanscope.core.eval_export.records import offered_tools
from spanscope.core.filters import compile_filter
from spanscope.core.redaction import Redactor, preview
from spanscope.model.annotation import Annotation
from spanscope.store import Database
from spanscope.store import annotations as stored
from store_checks import imported

EXPECTED = "Refunds are accepted within 30 days; write to help@example.com"
TOOLS = [{"name": "search_kb", "description": "search", "input_schema": {"type": "object"}}]


@pytest.fixture
def annotated(tmp_path: Path) -> Database:
    spans = agent_trace()
    for s in spans:
        if s["spanId"] == LLM:
            s["attributes"].append(
                {"key": "gen_ai.tool.definitions", "value": {"stringValue": json.dumps(TOOLS)}}
            )
    db = Database.open(tmp_path / "export.duckdb")
    imported(db, write_json(tmp_path / "agent.json", document(spans)))
    cur = db.writer.cursor()
    stored.save_annotation(
        cur,
        Annotation(
            TRACE,
            LLM,
            ("hallucination",),
            note="key sk-abcdefghijklmnopqrstuvwx leaked",
            expected=EXPECTED,
            author="ana",
        ),
    )
    stored.save_annotation(cur, Annotation(TRACE, LLM, rubric="correct", score=0.0, author="ana"))
    stored.save_annotation(cur, Annotation(TRACE, TOOL, ("bad tool arguments",), author="bo"))
    yield db
    db.close()


def records(db: Database, query: str = "") -> list[eval_export.EvalRecord]:
    return eval_export.collect(db.reader(), compile_filter(query, "spans"), "spans")


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_records_carry_messages_tools_and_provenance(annotated: Database) -> None:
    found = records(annotated, "label:hallucination")
    [r] = found
    assert (r.trace_id, r.span_id, r.exported_span_id) == (TRACE, LLM, LLM)
    assert r.source_file is not None and r.source_file.endswith("agent.json")
    assert r.input == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is your refund policy?"},
    ]
    assert r.output[0]["role"] == "assistant"
    assert r.output[0]["tool_calls"][0]["function"]["name"] == "search_kb"
    assert json.loads(r.output[0]["tool_calls"][0]["function"]["arguments"]) == {
        "query": "refund policy"
    }
    assert r.tools == [
        {
            "type": "function",
            "function": {
                "name": "search_kb",
                "description": "search",
                "parameters": {"type": "object"},
            },
        }
    ]
    assert r.contexts and all(isinstance(c, str) for c in r.contexts)  # the retrieval before it
    assert (r.labels, r.scores, r.expected, r.reviewers) == (
        ["hallucination"],
        {"correct": 0.0},
        EXPECTED,
        ["ana"],
    )
    assert {x.span_id for x in records(annotated)} == {LLM, TOOL}


@pytest.mark.parametrize("fmt", sorted(eval_export.FORMATS))
def test_every_format_round_trips_field_by_field(
    annotated: Database, tmp_path: Path, fmt: str
) -> None:
    path = tmp_path / f"out{eval_export.FORMATS[fmt].suffix}"
    outcome = eval_export.export(records(annotated, "label:hallucination"), fmt, path)
    assert outcome.records == 1 and path.exists()
    assert not list(tmp_path.glob(".*.part"))  # the temporary file was renamed
    provenance = {"trace_id": TRACE, "span_id": LLM, "labels": ["hallucination"]}

    def check_metadata(meta: dict[str, Any]) -> None:
        for key, value in provenance.items():
            assert meta[key] == value
        assert meta["source_file"].endswith("agent.json")
        assert meta["reviewers"] == ["ana"]
        assert meta["note"] == "key sk-abcdefghijklmnopqrstuvwx leaked"

    if fmt == "jsonl":
        [r] = lines(path)
        assert r["input"][-1] == {"role": "user", "content": "What is your refund policy?"}
        assert r["tools"][0]["function"]["name"] == "search_kb"
        assert r["expected"] == EXPECTED and r["labels"] == ["hallucination"]
        assert r["scores"] == {"correct": 0.0}
        check_metadata(r["metadata"])
        assert r["metadata"]["reviews"][0]["author"] == "ana"
    elif fmt == "openai-jsonl":
        [r] = lines(path)
        assert r["messages"][:2] == [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What is your refund policy?"},
        ]
        assert r["messages"][-1] == {"role": "assistant", "content": EXPECTED, "weight": 1}
        assert r["tools"][0]["type"] == "function"
        assert set(r) == {"messages", "tools"}  # the format defines no other key
        [meta] = lines(path.with_name("out.provenance.jsonl"))
        check_metadata(meta)
    elif fmt == "openai-evals":
        [r] = lines(path)
        assert r["item"]["question"] == "What is your refund policy?"
        assert r["item"]["expected"] == EXPECTED
        assert r["sample"]["output_text"] == "Let me look that up."
        check_metadata(r["item"])
    elif fmt == "promptfoo-yaml":
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert config["prompts"] == ["{{ messages }}"]
        [test] = config["tests"]
        assert test["vars"]["question"] == "What is your refund policy?"
        assert json.loads(test["vars"]["messages"])[-1]["role"] == "user"
        assert test["assert"] == [{"type": "factuality", "value": EXPECTED}]
        assert "hallucination" in test["description"]
        check_metadata(test["metadata"])
    elif fmt == "inspect-jsonl":
        [r] = lines(path)
        assert r["id"] == f"{TRACE}:{LLM}"
        assert r["input"] == [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What is your refund policy?"},
        ]
        assert r["target"] == EXPECTED
        check_metadata(r["metadata"])
    elif fmt == "rag-jsonl":
        [r] = lines(path)
        assert r["user_input"] == "What is your refund policy?"
        assert r["response"] == "Let me look that up."
        assert r["reference"] == EXPECTED
        assert r["retrieved_contexts"] == ["Refunds within 30 days.", "Shipping takes 3 days."]
        check_metadata(r["metadata"])
    elif fmt == "parquet":
        [r] = pq.read_table(path).to_pylist()
        assert (r["trace_id"], r["span_id"], r["labels"], r["expected"]) == (
            TRACE,
            LLM,
            ["hallucination"],
            EXPECTED,
        )
        assert r["source_file"].endswith("agent.json") and r["reviewers"] == ["ana"]
        assert json.loads(r["input"])[-1]["content"] == "What is your refund policy?"
    else:
        with open(path, newline="", encoding="utf-8") as f:
            [r] = list(csv.DictReader(f))
        assert (r["trace_id"], r["span_id"], r["labels"], r["expected"]) == (
            TRACE,
            LLM,
            "hallucination",
            EXPECTED,
        )
        assert r["source_file"].endswith("agent.json") and r["reviewers"] == "ana"


def test_redaction_masks_and_counts(annotated: Database, tmp_path: Path) -> None:
    redactor = Redactor()
    outcome = eval_export.export(
        records(annotated, "label:hallucination"), "jsonl", tmp_path / "r.jsonl", redactor=redactor
    )
    # the key is in the note and in the reviewer's own entry of the provenance; the email in
    # the expected output and in that entry
    assert outcome.masked == {"api key": 2, "email": 2}
    [r] = lines(tmp_path / "r.jsonl")
    assert r["expected"] == "Refunds are accepted within 30 days; write to [REDACTED:email]"
    assert r["note"] == "key [REDACTED:api key] leaked"
    assert r["metadata"]["trace_id"] == TRACE  # provenance untouched


def test_redaction_rules_and_preview() -> None:
    text = (
        "Authorization: Bearer abcdef1234567890XYZ, AKIAABCDEFGHIJKLMNOP, "
        'password="hunter2hunter2", ana@corp.io, token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlMTIz'
    )
    found = preview([{"a": text}, [text]])
    assert found.counts == {
        "api key": 2,
        "bearer token": 2,
        "jwt": 2,
        "secret assignment": 2,
        "email": 2,
    }
    masked = Redactor().text(text)
    assert "hunter2" not in masked and 'password="[REDACTED:secret assignment]' in masked
    assert all("…" in e for e in found.examples["email"])  # previews never show the whole value


def test_offered_tools_from_openinference_attributes() -> None:
    attrs = {
        "llm.tools.1.tool.json_schema": json.dumps({"type": "function", "function": {"name": "b"}}),
        "llm.tools.0.tool.json_schema": json.dumps({"name": "a", "parameters": {}}),
    }
    assert [t["function"]["name"] for t in offered_tools(json.dumps(attrs))] == ["a", "b"]


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "evals.jsonl"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_text(target) as out:
        out.write("half")
        raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert not list(tmp_path.glob(".*.part"))


def test_a_trace_annotation_exports_its_last_model_call(
    annotated: Database, tmp_path: Path
) -> None:
    stored.save_annotation(
        annotated.writer.cursor(), Annotation(TRACE, "", ("latency",), author="cy")
    )
    [r] = [x for x in records(annotated, "label:latency") if x.span_id == ""]
    assert r.exported_span_id == LLM
    assert r.contexts  # the retriever's chunks
    assert r.exported_span_id != RETRIEVER
