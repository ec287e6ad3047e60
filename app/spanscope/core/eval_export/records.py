"""Eval records: one per annotated trace or span, in plain Python, ready for any format.

A record joins what the reviewers said (labels, scores, notes, the expected output, from every
annotation of the item whether or not it scores a rubric item; an adjudicated decision wins
over the reviewers' own) with what the span recorded (messages in OpenAI chat shape, tools
offered, the recorded answer, the chunks the model was given) and its provenance.

A whole trace is exported as the conversation its user saw: the root's question and the final
answer, not whichever span happened to end last.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any

from spanscope.core.eval_export.messages import (
    ANSWER_KEYS,
    QUESTION_KEYS,
    Message,
    attribute_text,
    offered_tools,
    openai_call,
    openai_message,
    pair_tool_calls,
    plain_text,
)
from spanscope.model.annotation import Annotation

Item = tuple[str, str]

# Attributes holding a span's plain input / output (OpenInference, Langfuse, OpenLLMetry,
# MLflow, the Vercel AI SDK), and a retrieval step's query.
INPUT_ATTRIBUTES = (
    "input.value",
    "langfuse.observation.input",
    "langfuse.trace.input",
    "traceloop.entity.input",
    "mlflow.spanInputs",
    "ai.prompt",
)
OUTPUT_ATTRIBUTES = (
    "output.value",
    "langfuse.observation.output",
    "langfuse.trace.output",
    "traceloop.entity.output",
    "mlflow.spanOutputs",
    "ai.response.text",
)
QUERY_ATTRIBUTES = ("gen_ai.retrieval.query.text", "reranker.query", "input.value")


@dataclass
class EvalRecord:
    """One exported item."""

    trace_id: str
    span_id: str  # the annotated span; '' for a whole trace
    exported_span_id: str | None  # the span whose messages are exported
    source_file: str | None
    source_format: str | None
    model: str | None
    input: list[Message]
    tools: list[dict[str, Any]]
    output: list[Message]
    contexts: list[str]
    labels: list[str]
    scores: dict[str, float]
    note: str | None
    expected: str | None
    reviewers: list[str]
    adjudicated: bool
    reviews: list[dict[str, Any]] = field(default_factory=list)
    question: str = ""  # what the user asked (not the prompt template wrapped around it)
    failures: list[str] = field(default_factory=list)  # why the recorded answer is a bad one

    @property
    def answer(self) -> str:
        """The recorded final answer as text."""
        texts = [str(m["content"]) for m in self.output if m.get("content")]
        return "\n".join(texts)

    def metadata(self) -> dict[str, Any]:
        """Provenance: where the record came from and what the reviewers said."""
        return {
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "exported_span_id": self.exported_span_id,
            "source_file": self.source_file,
            "source_format": self.source_format,
            "model": self.model,
            "labels": list(self.labels),
            "scores": dict(self.scores),
            "note": self.note,
            "expected": self.expected,
            "reviewers": list(self.reviewers),
            "adjudicated": self.adjudicated,
        }


@dataclass(frozen=True)
class Failures:
    """What makes a recorded answer a bad one: the taxonomy's labels (each names a way an
    answer goes wrong) and pass/fail rubric items (a score below 1 is a fail)."""

    labels: Collection[str] = ()
    pass_fail: Collection[str] = ()

    def of(self, labels: Iterable[str], scores: Mapping[str, float]) -> list[str]:
        found = [label for label in labels if label in self.labels]
        found += [f"{name} {score:g}" for name, score in scores.items()
                  if name in self.pass_fail and score < 1]  # fmt: skip
        return found


def build_records(
    annotations: Sequence[Annotation],
    spans: Mapping[Item, Mapping[str, Any]],
    failures: Failures | None = None,
) -> list[EvalRecord]:
    """One record per annotated item, in (trace, span) order. ``spans`` is
    ``store.eval_items.export_spans`` for those items; an item whose spans are not in the
    database is exported with its annotations and empty messages."""
    by_item: dict[Item, list[Annotation]] = defaultdict(list)
    for a in annotations:
        by_item[a.item].append(a)
    judge = failures or Failures()
    return [_record(item, by_item[item], spans.get(item), judge) for item in sorted(by_item)]


def _record(
    item: Item, notes: list[Annotation], span: Mapping[str, Any] | None, judge: Failures
) -> EvalRecord:
    decided = [a for a in notes if a.adjudicated]
    own = [a for a in notes if not a.adjudicated]
    chosen = sorted(decided or own, key=lambda a: (a.updated_at is None, a.updated_at))
    labels = list(dict.fromkeys(label for a in chosen for label in a.labels))
    expected = next((a.expected for a in reversed(chosen) if a.expected), None)
    if expected is None:
        expected = next((a.expected for a in reversed(own) if a.expected), None)
    texts = [(a.author, a.note) for a in chosen if a.note]
    note = (
        texts[0][1]
        if len(texts) == 1
        else "\n".join(f"{author or 'anonymous'}: {text}" for author, text in texts) or None
    )
    scores = _scores(notes)
    row: Mapping[str, Any] = span or {}
    conversation = _conversation(item, row)
    return EvalRecord(
        trace_id=item[0],
        span_id=item[1],
        exported_span_id=row.get("span_id"),
        source_file=row.get("source_path"),
        source_format=row.get("source_format"),
        model=row.get("model"),
        input=conversation.input,
        tools=offered_tools(row.get("attributes")) if item[1] else [],
        output=conversation.output,
        contexts=conversation.contexts,
        labels=labels,
        scores=scores,
        note=note,
        expected=expected,
        reviewers=sorted({a.author for a in notes if a.author}),
        adjudicated=bool(decided),
        reviews=[_review(a) for a in notes],
        question=conversation.question,
        failures=judge.of(labels, scores),
    )


@dataclass
class _Conversation:
    input: list[Message]
    output: list[Message]
    contexts: list[str]
    question: str


def _conversation(item: Item, span: Mapping[str, Any]) -> _Conversation:
    messages_in = [openai_message(m) for m in span.get("input_messages") or []]
    messages_out = _output(span)
    step = _retrieval_before(span)
    contexts = _documents(span) or (_documents(step) if step else [])
    query = attribute_text(step.get("attributes"), QUERY_ATTRIBUTES, QUESTION_KEYS) if step else ""
    root_question = _root_question(span)
    typed = _last_user(messages_in)
    # A prompt template wraps the question in lines of instructions and context; a message of
    # one line is the question itself (a retrieval query is often only part of it).
    templated = "\n" in typed.strip()
    question = next(
        (c for c in (root_question, query) if c and (not typed or (templated and c in typed))),
        typed,
    )
    if not item[1]:  # the whole trace: the user's question and the answer they were given
        question = root_question or question
        answer = _root_answer(span) or "\n".join(
            str(m["content"]) for m in messages_out if m.get("content")
        )
        system = [m for m in messages_in if m["role"] == "system" and m.get("content")]
        messages_in = [*system, {"role": "user", "content": question}] if question else []
        messages_out = [{"role": "assistant", "content": answer}] if answer else []
    elif not messages_in and span.get("kind") != "tool":
        # a step that recorded no messages (a retrieval, a chain, an llm call kept as a prompt
        # template and its variables): what it was asked, and answered, as plain text
        names = QUERY_ATTRIBUTES if span.get("kind") in ("retriever", "reranker") else ()
        asked = attribute_text(span.get("attributes"), (*names, *INPUT_ATTRIBUTES), QUESTION_KEYS)
        messages_in = [{"role": "user", "content": asked}] if asked else []
        question = question or asked
        if not messages_out and not names:  # a retriever's output is its chunks, no answer
            said = attribute_text(span.get("attributes"), OUTPUT_ATTRIBUTES, ANSWER_KEYS)
            messages_out = [{"role": "assistant", "content": said}] if said else []
    paired = pair_tool_calls([*messages_in, *messages_out], f"{item[0]}/{item[1]}")
    return _Conversation(paired[: len(messages_in)], paired[len(messages_in) :], contexts, question)


def _last_user(messages: Sequence[Message]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user" and message.get("content"):
            return plain_text(message["content"], QUESTION_KEYS)
    return ""


def _root_question(span: Mapping[str, Any]) -> str:
    own = _last_user([openai_message(m) for m in span.get("root_input_messages") or []])
    return own or attribute_text(span.get("root_attributes"), INPUT_ATTRIBUTES, QUESTION_KEYS)


def _root_answer(span: Mapping[str, Any]) -> str:
    said = [openai_message(m) for m in span.get("root_output_messages") or []]
    texts = [str(m["content"]) for m in said if m.get("content") and m["role"] == "assistant"]
    if texts:
        return "\n".join(texts)
    return attribute_text(span.get("root_attributes"), OUTPUT_ATTRIBUTES, ANSWER_KEYS)


def _scores(notes: Iterable[Annotation]) -> dict[str, float]:
    given: dict[str, list[float]] = defaultdict(list)
    decided: dict[str, float] = {}
    for a in notes:
        if a.score is None:
            continue
        name = a.rubric or "score"
        if a.adjudicated:
            decided[name] = a.score
        else:
            given[name].append(a.score)
    scores = {name: fmean(values) for name, values in given.items()}
    scores.update(decided)
    return dict(sorted(scores.items()))


def _review(a: Annotation) -> dict[str, Any]:
    return {
        "author": a.author,
        "labels": list(a.labels),
        "rubric": a.rubric,
        "score": a.score,
        "note": a.note,
        "expected": a.expected,
        "adjudicated": a.adjudicated,
        "updated_at": a.updated_at.isoformat() if a.updated_at else None,
    }


def _output(span: Mapping[str, Any]) -> list[Message]:
    messages = [openai_message(m) for m in span.get("output_messages") or []]
    if not messages and span.get("kind") == "llm" and span.get("tool_calls"):
        # the model asked for tools without a message: its answer is the calls
        calls = [openai_call(c) for c in span["tool_calls"]]
        messages = [{"role": "assistant", "content": None, "tool_calls": calls}]
    return messages


def _documents(step: Mapping[str, Any]) -> list[str]:
    """The chunks of a step, without those a reranker was handed (it passes on fewer)."""
    return [
        str(d["content"])
        for d in step.get("documents") or []
        if d.get("content") and d.get("stage") != "reranker_input"
    ]


def _retrieval_before(span: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The last retrieval step that started before the span: the chunks its prompt holds."""
    start = span.get("start_ns")
    before = [
        step
        for step in span.get("retrievals") or []
        if step.get("span_id") != span.get("span_id")
        and (start is None or step.get("start_ns") is None or step["start_ns"] <= start)
    ]
    return before[-1] if before else None
