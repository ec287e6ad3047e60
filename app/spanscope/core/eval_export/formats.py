"""The eval-set file formats. Each turns :class:`EvalRecord` s into one file, written
atomically, for the current version of the tool that reads it (README, "Eval sets": which
version each targets), leaving out the records that tool cannot use (:mod:`.rules`).

- ``jsonl``: generic: input, tools, output, expected, labels, scores, note, contexts, metadata
- ``openai-jsonl``: OpenAI chat fine-tuning lines: ``messages`` (the expected answer, else the
  recorded one, last, ``weight`` 1; earlier assistant turns ``weight`` 0) and ``tools``; the
  format allows no other key, so provenance goes line by line to ``NAME.provenance.jsonl``
- ``openai-evals``: OpenAI Evals data source lines: ``{"item": {...}, "sample": {...}}``
- ``promptfoo-yaml``: a promptfoo config: a chat prompt, and tests with ``vars`` (question,
  messages), a ``factuality`` assertion against the expected output, ``metadata``
- ``inspect-jsonl``: Inspect AI samples: ``id``, ``input`` (chat messages), ``target``,
  ``metadata``
- ``rag-jsonl``: Ragas ``EvaluationDataset`` lines (``user_input``, ``retrieved_contexts``,
  ``response``, ``reference``), which DeepEval reads as goldens with those key names
- ``parquet`` and ``csv``: one flat row per record
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from spanscope.core.atomic_file import atomic_path, atomic_text
from spanscope.core.eval_export import rules
from spanscope.core.eval_export.messages import Message
from spanscope.core.eval_export.records import EvalRecord
from spanscope.core.eval_export.rules import Rule, training_target

Progress = Callable[[int, int], None]  # (records written, of how many)


def generic(r: EvalRecord) -> dict[str, Any]:
    return {
        "input": r.input,
        "tools": r.tools,
        "output": r.output,
        "question": r.question,
        "expected": r.expected,
        "labels": r.labels,
        "scores": r.scores,
        "note": r.note,
        "failures": r.failures,
        "contexts": r.contexts,
        "metadata": {**r.metadata(), "reviews": r.reviews},
    }


def openai_chat(r: EvalRecord) -> dict[str, Any]:
    """A fine-tuning line: only the keys the format defines. Earlier assistant turns are the
    trace's, not reviewed, so they are context (weight 0); the last one is the example."""
    history = [_chat_message(m, weight=0) for m in r.input if _says_something(m)]
    target = [_chat_message(m, weight=None) for m in training_target(r) if _says_something(m)]
    if target and target[-1]["role"] == "assistant":
        target[-1]["weight"] = 1
    for m in target[:-1]:
        if m["role"] == "assistant":
            m["weight"] = 0
    record: dict[str, Any] = {"messages": [*history, *target]}
    if r.tools:
        record["tools"] = r.tools
    return record


def _says_something(m: Message) -> bool:
    return m["role"] == "tool" or bool(m.get("content") or m.get("tool_calls"))


def _chat_message(m: Message, *, weight: int | None) -> Message:
    out = {k: v for k, v in m.items() if v is not None or k == "content"}
    if out["role"] == "assistant" and weight is not None:
        out["weight"] = weight
    return out


def openai_provenance(r: EvalRecord) -> dict[str, Any]:
    return r.metadata()


def openai_eval_item(r: EvalRecord) -> dict[str, Any]:
    """An OpenAI Evals line: the item graders read as ``{{item.question}}``,
    ``{{item.expected}}``; the recorded answer as the sample (``{{sample.output_text}}``)."""
    item = {
        "question": r.question,
        "messages": r.input,
        "expected": r.expected,
        "contexts": r.contexts,
        **r.metadata(),
    }
    return {"item": item, "sample": {"output_text": r.answer, "model": r.model}}


def inspect_sample(r: EvalRecord) -> dict[str, Any]:
    return {
        "id": f"{r.trace_id}:{r.span_id}" if r.span_id else r.trace_id,
        "input": [_inspect_message(m) for m in r.input if _says_something(m)],
        "target": r.expected,
        "metadata": r.metadata(),
    }


def _inspect_message(m: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"role": m["role"], "content": m.get("content") or ""}
    if m.get("tool_calls"):
        out["tool_calls"] = [
            {
                "id": c["id"],
                "function": c["function"]["name"],
                "arguments": _arguments(c["function"]["arguments"]),
                "type": "function",
            }
            for c in m["tool_calls"]
        ]
    if m["role"] == "tool":
        out["tool_call_id"] = m["tool_call_id"]
    return out


def _arguments(text: str) -> dict[str, Any]:
    """Inspect wants tool arguments as an object; text that is not one is kept under _raw."""
    try:
        value = json.loads(text)
    except ValueError:
        return {"_raw": text}
    return value if isinstance(value, dict) else {"_raw": value}


def rag(r: EvalRecord) -> dict[str, Any]:
    """A Ragas ``SingleTurnSample``: the user's question, the chunks the model was given."""
    return {
        "user_input": r.question,
        "retrieved_contexts": r.contexts,
        "response": r.answer or None,
        "reference": r.expected,
        "metadata": r.metadata(),
    }


def promptfoo(r: EvalRecord) -> dict[str, Any]:
    return {
        "description": _description(r),
        "vars": {"question": r.question, "messages": json.dumps(r.input, ensure_ascii=False)},
        "assert": [{"type": "factuality", "value": r.expected}],
        "metadata": r.metadata(),
    }


def _description(r: EvalRecord) -> str:
    where = f"trace {r.trace_id}" + (f" span {r.span_id}" if r.span_id else "")
    return f"{', '.join(r.labels) or 'reviewed'} — {where}"


def flat_row(r: EvalRecord) -> dict[str, Any]:
    """The columns of the Parquet and CSV exports."""
    return {
        "trace_id": r.trace_id,
        "span_id": r.span_id,
        "exported_span_id": r.exported_span_id,
        "source_file": r.source_file,
        "model": r.model,
        "labels": r.labels,
        "scores": json.dumps(r.scores),
        "note": r.note,
        "expected": r.expected,
        "reviewers": r.reviewers,
        "adjudicated": r.adjudicated,
        "question": r.question,
        "answer": r.answer,
        "failures": r.failures,
        "input": json.dumps(r.input, ensure_ascii=False),
        "output": json.dumps(r.output, ensure_ascii=False),
        "tools": json.dumps(r.tools, ensure_ascii=False),
        "contexts": r.contexts,
    }


FLAT_SCHEMA = pa.schema(
    [
        ("trace_id", pa.string()),
        ("span_id", pa.string()),
        ("exported_span_id", pa.string()),
        ("source_file", pa.string()),
        ("model", pa.string()),
        ("labels", pa.list_(pa.string())),
        ("scores", pa.string()),
        ("note", pa.string()),
        ("expected", pa.string()),
        ("reviewers", pa.list_(pa.string())),
        ("adjudicated", pa.bool_()),
        ("question", pa.string()),
        ("answer", pa.string()),
        ("failures", pa.list_(pa.string())),
        ("input", pa.string()),
        ("output", pa.string()),
        ("tools", pa.string()),
        ("contexts", pa.list_(pa.string())),
    ]
)


def _jsonl(shape: Callable[[EvalRecord], dict[str, Any]]) -> Writer:
    def write(records: Sequence[EvalRecord], path: Path, progress: Progress | None) -> None:
        with atomic_text(path) as out:
            for n, r in enumerate(records, 1):
                out.write(json.dumps(shape(r), ensure_ascii=False) + "\n")
                _tick(progress, n, len(records))

    return write


def provenance_path(path: Path) -> Path:
    """Where a fine-tuning file's provenance goes: line N describes line N of ``path``."""
    return path.with_name(f"{path.stem}.provenance.jsonl")


def _write_fine_tuning(
    records: Sequence[EvalRecord], path: Path, progress: Progress | None
) -> None:
    _jsonl(openai_provenance)(records, provenance_path(path), None)
    _jsonl(openai_chat)(records, path, progress)


def _write_yaml(records: Sequence[EvalRecord], path: Path, progress: Progress | None) -> None:
    tests = []
    for n, r in enumerate(records, 1):
        tests.append(promptfoo(r))
        _tick(progress, n, len(records))
    config = {
        "description": f"Eval set exported by Spanscope ({len(tests)} tests)",
        # the conversation as the model saw it; a JSON message list is sent as chat messages
        "prompts": ["{{ messages }}"],
        # promptfoo requires one; replace it, or choose another with `-r`
        "providers": ["openai:chat:gpt-4.1-mini"],
        "tests": tests,
    }
    with atomic_text(path) as out:
        out.write("# promptfoo config exported by Spanscope; run it against a model with\n")
        out.write(f"#   promptfoo eval -c {path.name} [-r PROVIDER]\n")
        yaml.safe_dump(config, out, allow_unicode=True, sort_keys=False, width=100)


def _write_parquet(records: Sequence[EvalRecord], path: Path, progress: Progress | None) -> None:
    rows = []
    for n, r in enumerate(records, 1):
        rows.append(flat_row(r))
        _tick(progress, n, len(records))
    table = pa.Table.from_pylist(rows, schema=FLAT_SCHEMA)
    with atomic_path(path) as temporary:
        pq.write_table(table, temporary, compression="zstd")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: Any) -> Any:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading ``'``
    (OWASP's advice on CSV injection); trace text is untrusted."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


def _write_csv(records: Sequence[EvalRecord], path: Path, progress: Progress | None) -> None:
    with atomic_text(path) as out:
        writer = csv.DictWriter(out, fieldnames=FLAT_SCHEMA.names)
        writer.writeheader()
        for n, r in enumerate(records, 1):
            row = flat_row(r)
            for name in ("labels", "reviewers", "failures"):
                row[name] = "; ".join(row[name])
            row["contexts"] = json.dumps(row["contexts"], ensure_ascii=False)
            writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
            _tick(progress, n, len(records))


def _tick(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None and (done == total or done % 50 == 0):
        progress(done, total)


Writer = Callable[[Sequence[EvalRecord], Path, "Progress | None"], None]


@dataclass(frozen=True)
class Format:
    name: str
    title: str
    suffix: str
    write: Writer
    rules: tuple[Rule, ...] = ()  # records breaking one are not written


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("jsonl", "Generic JSONL (every record)", ".jsonl", _jsonl(generic)),
        Format(
            "openai-jsonl",
            "OpenAI chat fine-tuning (JSONL)",
            ".jsonl",
            _write_fine_tuning,
            rules.TRAINING,
        ),
        Format(
            "openai-evals",
            "OpenAI Evals items (JSONL)",
            ".jsonl",
            _jsonl(openai_eval_item),
            rules.SCORED_CHAT,
        ),
        Format(
            "promptfoo-yaml",
            "promptfoo config with tests (YAML)",
            ".yaml",
            _write_yaml,
            rules.SCORED_QUESTION,
        ),
        Format(
            "inspect-jsonl",
            "Inspect AI dataset (JSONL)",
            ".jsonl",
            _jsonl(inspect_sample),
            rules.SCORED_CHAT,
        ),
        Format(
            "rag-jsonl",
            "RAG set for Ragas / DeepEval (JSONL)",
            ".jsonl",
            _jsonl(rag),
            rules.RAG,
        ),
        Format("parquet", "Parquet (every record)", ".parquet", _write_parquet),
        Format("csv", "CSV (every record)", ".csv", _write_csv),
    )
}
