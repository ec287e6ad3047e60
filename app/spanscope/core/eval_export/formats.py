"""The eval-set file formats. Each turns :class:`EvalRecord` s into one file, written
atomically, with the record's provenance in ``metadata`` where the format has no field for it.

- ``jsonl``: generic: input, tools, output, expected, labels, scores, note, contexts, metadata
- ``openai-jsonl``: OpenAI chat fine-tuning / evals lines: ``messages`` (the expected answer,
  else the recorded one, last), ``tools``, ``metadata``
- ``promptfoo-yaml``: promptfoo test cases: ``vars`` (question, messages), ``assert``
  (factuality against the expected output), ``metadata``
- ``inspect-jsonl``: Inspect AI samples: ``id``, ``input`` (chat messages), ``target``,
  ``metadata``
- ``rag-jsonl``: question, contexts, answer, ground_truth (Ragas / DeepEval), metadata
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
from spanscope.core.eval_export.records import EvalRecord, Message

Progress = Callable[[int, int], None]  # (records written, of how many)


def generic(r: EvalRecord) -> dict[str, Any]:
    return {
        "input": r.input,
        "tools": r.tools,
        "output": r.output,
        "expected": r.expected,
        "labels": r.labels,
        "scores": r.scores,
        "note": r.note,
        "contexts": r.contexts,
        "metadata": {**r.metadata(), "reviews": r.reviews},
    }


def openai_chat(r: EvalRecord) -> dict[str, Any]:
    target: list[Message] = (
        [{"role": "assistant", "content": r.expected}] if r.expected else list(r.output)
    )
    record: dict[str, Any] = {"messages": [*r.input, *target]}
    if r.tools:
        record["tools"] = r.tools
    record["metadata"] = r.metadata()
    return record


def inspect_sample(r: EvalRecord) -> dict[str, Any]:
    return {
        "id": f"{r.trace_id}:{r.span_id}" if r.span_id else r.trace_id,
        "input": [_inspect_message(m) for m in r.input],
        "target": r.expected or "",
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
        out["tool_call_id"] = m.get("tool_call_id") or None
    return out


def _arguments(text: str) -> dict[str, Any]:
    """Inspect wants tool arguments as an object; text that is not one is kept under _raw."""
    try:
        value = json.loads(text)
    except ValueError:
        return {"_raw": text}
    return value if isinstance(value, dict) else {"_raw": value}


def rag(r: EvalRecord) -> dict[str, Any]:
    return {
        "question": r.question,
        "contexts": r.contexts,
        "answer": r.answer,
        "ground_truth": r.expected,
        "metadata": r.metadata(),
    }


def promptfoo(r: EvalRecord) -> dict[str, Any]:
    test: dict[str, Any] = {
        "description": _description(r),
        "vars": {"question": r.question, "messages": json.dumps(r.input, ensure_ascii=False)},
    }
    if r.expected:
        test["assert"] = [{"type": "factuality", "value": r.expected}]
    test["metadata"] = r.metadata()
    return test


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


def _write_yaml(records: Sequence[EvalRecord], path: Path, progress: Progress | None) -> None:
    tests = []
    for n, r in enumerate(records, 1):
        tests.append(promptfoo(r))
        _tick(progress, n, len(records))
    with atomic_text(path) as out:
        out.write("# promptfoo test cases exported by Spanscope; use with `tests: file://")
        out.write(f"{path.name}`\n")
        yaml.safe_dump(tests, out, allow_unicode=True, sort_keys=False, width=100)


def _write_parquet(records: Sequence[EvalRecord], path: Path, progress: Progress | None) -> None:
    rows = []
    for n, r in enumerate(records, 1):
        rows.append(flat_row(r))
        _tick(progress, n, len(records))
    table = pa.Table.from_pylist(rows, schema=FLAT_SCHEMA)
    with atomic_path(path) as temporary:
        pq.write_table(table, temporary, compression="zstd")


def _write_csv(records: Sequence[EvalRecord], path: Path, progress: Progress | None) -> None:
    with atomic_text(path) as out:
        writer = csv.DictWriter(out, fieldnames=FLAT_SCHEMA.names)
        writer.writeheader()
        for n, r in enumerate(records, 1):
            row = flat_row(r)
            for name in ("labels", "reviewers"):
                row[name] = "; ".join(row[name])
            row["contexts"] = json.dumps(row["contexts"], ensure_ascii=False)
            writer.writerow(row)
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


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("jsonl", "Generic JSONL", ".jsonl", _jsonl(generic)),
        Format(
            "openai-jsonl", "OpenAI chat fine-tuning / evals JSONL", ".jsonl", _jsonl(openai_chat)
        ),
        Format("promptfoo-yaml", "promptfoo test cases (YAML)", ".yaml", _write_yaml),
        Format("inspect-jsonl", "Inspect AI dataset (JSONL)", ".jsonl", _jsonl(inspect_sample)),
        Format(
            "rag-jsonl", "RAG set: question, contexts, answer, ground truth", ".jsonl", _jsonl(rag)
        ),
        Format("parquet", "Parquet", ".parquet", _write_parquet),
        Format("csv", "CSV", ".csv", _write_csv),
    )
}
