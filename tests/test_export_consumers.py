"""Every eval-set format handed to the tool it is for: annotated traces (a small RAG trace built
here, and the real corpus traces when present) exported in every format, each file loaded by
its consumer's own loader (skipped where that consumer is not installed; `make check-exports`
installs them all) and checked against OpenAI's fine-tuning rules. Records a consumer cannot
use are left out and counted by reason; nothing is left that a scorer counts correct for free."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from export_checks import (
    check_deepeval,
    check_inspect,
    check_openai_evals,
    check_openai_types,
    check_promptfoo,
    check_ragas,
    fine_tuning_problems,
    jsonl,
)
from otlp_builder import document, span, write_json
from spanscope.core import eval_export
from spanscope.core.eval_export.formats import provenance_path
from spanscope.core.eval_export.messages import openai_message, pair_tool_calls
from spanscope.model.annotation import Annotation
from spanscope.store import Database
from spanscope.store import annotations as stored
from store_checks import imported

APP = Path(__file__).resolve().parents[1] / "app"
RAG = "0af7651916cd43dd8448eb211c80319c"
ROOT, RETRIEVE, RERANK, ANSWER, WRAPPER, AGENT = (f"b{n:015x}" for n in range(1, 7))
QUESTION = "How long do refunds take?"
TEMPLATE = (
    f"Context information is below.\n---\nRefunds take 5 days.\n---\nQuery: {QUESTION}\nAnswer: "
)
EXPECTED = "Refunds take 5 business days."


def _messages(*messages: dict[str, Any]) -> str:
    return json.dumps(list(messages))


def rag_trace(RAG: str = RAG) -> list[dict[str, Any]]:  # noqa: N803
    """A LlamaIndex-like run: retrieval, a reranker that keeps one of two chunks, the model
    call with a templated prompt, a wrapper llm span with no messages that ends last, and an
    agent step that made parallel tool calls with one reply and a reply with no id."""
    docs_in = [{"id": "d1", "content": "Refunds take 5 days."}, {"id": "d2", "content": "Ship."}]
    return [
        span(
            RAG,
            ROOT,
            "query",
            duration_ms=3000,
            attributes={
                "openinference.span.kind": "CHAIN",
                "input.value": QUESTION,
                "output.value": '=HYPERLINK("http://x") Refunds take 5 days.',
            },
        ),
        span(
            RAG,
            RETRIEVE,
            "retrieve",
            parent=ROOT,
            start=10,
            attributes={
                "openinference.span.kind": "RETRIEVER",
                "input.value": QUESTION,
                "retrieval.documents.0.document.content": "Refunds take 5 days.",
                "retrieval.documents.1.document.content": "Ship.",
            },
        ),
        span(
            RAG,
            RERANK,
            "rerank",
            parent=ROOT,
            start=200,
            attributes={
                "openinference.span.kind": "RERANKER",
                "reranker.query": QUESTION,
                "reranker.input_documents.0.document.content": docs_in[0]["content"],
                "reranker.input_documents.1.document.content": docs_in[1]["content"],
                "reranker.output_documents.0.document.content": docs_in[0]["content"],
            },
        ),
        span(
            RAG,
            ANSWER,
            "chat",
            parent=ROOT,
            start=400,
            attributes={
                "openinference.span.kind": "LLM",
                "llm.model_name": "gpt-4o",
                "llm.input_messages.0.message.role": "user",
                "llm.input_messages.0.message.content": TEMPLATE,
                "llm.output_messages.0.message.role": "assistant",
                "llm.output_messages.0.message.content": "Refunds take 5 days.",
            },
        ),
        span(
            RAG,
            AGENT,
            "agent step",
            parent=ROOT,
            start=900,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.input.messages": _messages(
                    {"role": "user", "parts": [{"type": "text", "content": QUESTION}]},
                    {
                        "role": "assistant",
                        "parts": [
                            {"type": "tool_call", "id": "c1", "name": "kb", "arguments": {}},
                            {"type": "tool_call", "id": "c2", "name": "faq", "arguments": {}},
                        ],
                    },
                    {
                        "role": "tool",
                        "parts": [{"type": "tool_call_response", "id": "c1", "response": "5 days"}],
                    },
                ),
                "gen_ai.output.messages": _messages(
                    {"role": "assistant", "parts": [{"type": "text", "content": "5 days."}]}
                ),
            },
        ),
        span(
            RAG,
            WRAPPER,
            "llm wrapper",
            parent=ROOT,
            start=2000,
            attributes={"openinference.span.kind": "LLM"},
        ),
    ]


@pytest.fixture
def reviewed(tmp_path: Path) -> Database:
    db = Database.open(tmp_path / "reviewed.duckdb")
    imported(db, write_json(tmp_path / "rag.json", document(rag_trace())))
    cur = db.writer.cursor()
    for a in (
        # labels and a note with a rubric score on the same annotation: none of it may be lost
        Annotation(RAG, ANSWER, ("irrelevant chunk",), rubric="correct", score=1.0,
                   note="@SUM(1+1) fine", expected=EXPECTED, author="ana"),
        Annotation(RAG, AGENT, ("wrong tool",), author="ana"),  # a failure, nothing expected
        Annotation(RAG, WRAPPER, ("formatting",), expected=EXPECTED, author="bo"),
        Annotation(RAG, RETRIEVE, rubric="Retrieval Relevance", score=1.0, author="evals"),
        Annotation(RAG, "", ("latency",), expected=EXPECTED, author="cy"),
    ):  # fmt: skip
        stored.save_annotation(cur, a)
    yield db
    db.close()


def export_all(db: Database, folder: Path) -> dict[str, eval_export.ExportOutcome]:
    records = eval_export.records_for(db.reader(), stored.list_annotations(db.reader()))
    return {
        name: eval_export.export(records, name, folder / f"evals-{name}{fmt.suffix}")
        for name, fmt in eval_export.FORMATS.items()
    }


def check_every_consumer(outcomes: dict[str, eval_export.ExportOutcome]) -> None:
    fine_tuning = jsonl(outcomes["openai-jsonl"].path)
    assert [p for line in fine_tuning for p in fine_tuning_problems(line)] == []
    check_openai_types(fine_tuning)
    provenance = jsonl(provenance_path(outcomes["openai-jsonl"].path))
    assert len(provenance) == len(fine_tuning) and all(p["trace_id"] for p in provenance)
    assert (
        len(check_openai_evals(outcomes["openai-evals"].path)) == outcomes["openai-evals"].records
    )
    assert (
        len(check_promptfoo(outcomes["promptfoo-yaml"].path)) == outcomes["promptfoo-yaml"].records
    )
    for name, check in (("inspect-jsonl", check_inspect), ("rag-jsonl", check_ragas),
                        ("rag-jsonl", check_deepeval)):  # fmt: skip
        try:
            assert len(check(outcomes[name].path)) == outcomes[name].records
        except pytest.skip.Exception:
            continue  # that consumer is not installed here; `make check-exports` runs it


def test_the_rag_trace_exports_what_the_user_asked_and_the_model_saw(
    reviewed: Database,
) -> None:
    records = eval_export.records_for(reviewed.reader(), stored.list_annotations(reviewed.reader()))
    by_span = {r.span_id: r for r in records}
    answer = by_span[ANSWER]
    assert answer.question == QUESTION  # not the templated prompt
    assert answer.contexts == ["Refunds take 5 days."]  # what the reranker kept
    assert (answer.labels, answer.scores, answer.note, answer.expected) == (
        ["irrelevant chunk"], {"correct": 1.0}, "@SUM(1+1) fine", EXPECTED)  # fmt: skip
    trace = by_span[""]
    assert trace.input == [{"role": "user", "content": QUESTION}]
    assert trace.output[0]["content"].endswith("Refunds take 5 days.")  # the root's answer
    assert trace.exported_span_id == AGENT  # the last call with an answer, not the wrapper
    assert by_span[AGENT].failures == ["wrong tool"]
    assert by_span[RETRIEVE].input == [{"role": "user", "content": QUESTION}]


def test_every_format_is_accepted_by_its_consumer(reviewed: Database, tmp_path: Path) -> None:
    outcomes = export_all(reviewed, tmp_path)
    check_every_consumer(outcomes)
    for name in ("jsonl", "parquet", "csv"):
        assert outcomes[name].records == 5 and not outcomes[name].skipped
    # the agent step: labelled a failure, nothing expected, and its parallel calls half answered
    fine_tuning = outcomes["openai-jsonl"]
    assert fine_tuning.skipped == {
        "labelled a failure and no expected output: its recorded answer is the failure, not an "
        "example to learn from": 1,
        "no expected output and no recorded answer to learn from": 1,  # the retrieval step
        "no question or messages to send to the model": 1,  # the wrapper
    }
    assert "a tool call without its reply, or a reply without its call, in the input" not in (
        outcomes["inspect-jsonl"].skipped
    )
    assert (
        outcomes["inspect-jsonl"].skipped[
            "no expected output: a scorer would count any answer as correct"
        ]
        == 2
    )
    [item] = [line for line in jsonl(outcomes["openai-jsonl"].path)
              if line["messages"][0]["content"] == TEMPLATE]  # fmt: skip
    assert item["messages"][-1] == {"role": "assistant", "content": EXPECTED, "weight": 1}
    rag = {r["metadata"]["span_id"]: r for r in jsonl(outcomes["rag-jsonl"].path)}
    assert rag[ANSWER]["user_input"] == QUESTION and rag[ANSWER]["reference"] == EXPECTED
    with open(outcomes["csv"].path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["note"] for r in rows} >= {"'@SUM(1+1) fine"}  # neutralised, not run
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())


def test_parallel_calls_with_one_reply_are_not_training_examples(
    reviewed: Database, tmp_path: Path
) -> None:
    cur = reviewed.writer.cursor()
    stored.save_annotation(cur, Annotation(RAG, AGENT, ("wrong tool",), expected="x", author="ana"))
    records = eval_export.records_for(reviewed.reader(), stored.list_annotations(reviewed.reader()))
    kept, skipped = eval_export.plan(records, "openai-jsonl")
    assert AGENT not in {r.span_id for r in kept}
    assert (
        skipped[
            "a tool call (or one of parallel calls) with no reply before the conversation goes on"
        ]
        == 1
    )


CORPUS_FILES = (
    "openinference/phoenix-tutorial_llamaindex-rag_traces.parquet",
    "openinference/phoenix-tutorial_llamaindex-rag_evals_relevance.parquet",
    "langfuse/langfuse-framework-trace_openai-agents-2025-09-30.trace.json",
    "langfuse/langfuse-framework-trace_llamaindex-2025-06-05.trace.json",
    "langfuse/langfuse-framework-trace_pydantic-ai-tools-2025-12-04.trace.json",
    "langfuse/langfuse-framework-trace_langgraph-python-2025-08-22.trace.json",
    "inspect/inspect_log_tool_call_error.json",
)


def annotate_corpus(db: Database, corpus: Path) -> None:
    """Real traces as a reviewer leaves them: failure labels with and without expected outputs,
    rubric scores on the same items, notes, whole-trace annotations, imported evaluations."""
    for name in CORPUS_FILES:
        imported(db, corpus / name)
    cur = db.writer.cursor()
    calls = cur.execute(
        "SELECT trace_id, span_id FROM spans WHERE kind = 'llm' ORDER BY trace_id, span_id"
    ).fetchall()
    labels = ("hallucination", "wrong tool", "")
    for n, (trace, span_id) in enumerate(calls):
        chosen = tuple(x for x in (labels[n % 3],) if x)
        stored.save_annotation(cur, Annotation(
            trace, span_id, chosen, rubric="correct" if n % 2 else "", score=n % 2 or None,
            note=f"-note {n}", expected=f"answer {n}" if n % 4 else None, author="ana"))  # fmt: skip
    for n, (trace,) in enumerate(cur.execute("SELECT trace_id FROM traces").fetchall()):
        stored.save_annotation(cur, Annotation(
            trace, "", ("latency",), author="cy", expected=f"final {n}" if n % 2 else None))  # fmt: skip


@pytest.mark.corpus
def test_annotated_corpus_traces_in_every_format(corpus: Path, tmp_path: Path) -> None:
    db = Database.open(tmp_path / "corpus.duckdb")
    try:
        annotate_corpus(db, corpus)
        outcomes = export_all(db, tmp_path)
    finally:
        db.close()
    check_every_consumer(outcomes)
    for name, outcome in outcomes.items():
        assert outcome.records > 0, name
    assert outcomes["parquet"].records == outcomes["jsonl"].records  # flat formats keep all


def test_a_closed_pipe_ends_a_command_quietly(tmp_path: Path) -> None:
    db = tmp_path / "pipe.duckdb"
    # far more than a pipe holds, so the writer meets the closed end
    many = [s for n in range(400) for s in rag_trace(f"{n:032x}")]
    source = write_json(tmp_path / "many.json", document(many))
    env = {
        "PYTHONPATH": str(APP),
        "SPANSCOPE_HOME": str(tmp_path / "home"),
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run([sys.executable, "-m", "spanscope", "import", str(source), "--db", str(db)],
                   env=env, check=True, capture_output=True)  # fmt: skip
    reader = subprocess.Popen(
        [sys.executable, "-m", "spanscope", "spans", "--json", "-n", "100000", "--db", str(db)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None
    reader.stdout.readline()
    reader.stdout.close()  # what `| head -1` does
    _, err = reader.communicate()
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err
    assert reader.returncode in (0, 141)


def test_missing_tool_call_ids_are_made_up_the_same_way_every_time() -> None:
    conversation = [
        openai_message({"role": "user", "content": "weather?"}),
        openai_message({"role": "assistant", "tool_calls": [
            {"call_id": None, "name": "weather", "arguments": "{}"},
            {"call_id": "None", "name": "time", "arguments": "{}"}]}),
        openai_message({"role": "tool", "content": "10:00", "name": "time"}),
        openai_message({"role": "tool", "content": "sunny", "tool_call_id": None}),
    ]  # fmt: skip
    paired = pair_tool_calls(conversation, "trace/span")
    weather, clock = paired[1]["tool_calls"]
    assert weather["id"].startswith("call_") and clock["id"] != weather["id"]
    assert [m["tool_call_id"] for m in paired[2:]] == [clock["id"], weather["id"]]
    assert pair_tool_calls(conversation, "trace/span") == paired  # stable
    assert conversation[1]["tool_calls"][0]["id"] == ""  # the input is left as it was


def test_the_command_line_says_what_it_left_out_and_why(reviewed: Database, tmp_path: Path) -> None:
    from spanscope.cli import main

    path = reviewed.path
    reviewed.close()
    out = io.StringIO()
    target = tmp_path / "train.jsonl"
    assert (
        main(["export", "--format", "openai-jsonl", "-o", str(target), "--db", str(path)], out) == 0
    )
    assert out.getvalue().startswith(f"wrote 2 records to {target}; skipped 3: ")
    assert "1 labelled a failure and no expected output" in out.getvalue()
    out = io.StringIO()
    main(["export", "--format", "inspect-jsonl", "-o", str(tmp_path / "i.jsonl"), "--json",
          "--db", str(path)], out)  # fmt: skip
    outcome = json.loads(out.getvalue())
    assert outcome["records"] == 2  # the model call and the trace
    assert outcome["skipped"] == {
        "no expected output: a scorer would count any answer as correct": 2,
        "no question or messages to send to the model": 1,
    }
