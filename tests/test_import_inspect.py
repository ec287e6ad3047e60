"""Inspect AI eval log import: .json and .eval, span/step events, model and tool events,
samples rebuilt from messages, attachments resolved, archive members guarded."""

from __future__ import annotations

import calendar
import gzip
import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from engineer_view import check_file, corpus_view_test
from otlp_builder import write_json
from spanscope.importers import inspect_log
from spanscope.importers.base import read_sample
from spanscope.importers.inspect_log import InspectLog
from spanscope.model import ImportStatus
from spanscope.store import Database
from store_checks import counts, kinds, rows, run, span_named, spans_named

POPULARITY_JSON = "inspect_2025-05-12T20-28-13-04-00_popularity.json"
POPULARITY_EVAL = "inspect_2025-02-11T15-17-00-05-00_popularity_dPiJifoWeEQBrfWsAopzWr.eval"

SPEC = {
    "eval_id": "E1",
    "run_id": "R1",
    "created": "2025-07-05T09:59:40-04:00",
    "task": "demo",
    "task_id": "T1",
    "model": "anthropic/claude-3-5-sonnet",
    "tags": ["nightly"],
    "dataset": {"name": "demo", "samples": 1},
    "config": {},
}


def tree(db: Database) -> list[tuple[Any, ...]]:
    """(name, kind, parent name, model, input, output tokens) of every span, sorted."""
    return sorted(
        rows(
            db,
            """
        SELECT s.name, s.kind, p.name, s.model, s.input_tokens, s.output_tokens
        FROM spans s LEFT JOIN spans p ON p.trace_id = s.trace_id AND p.span_id = s.parent_span_id""",
        ),
        key=str,
    )


def ns(year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int) -> int:
    """UTC wall time as epoch nanoseconds, computed independently of the importer."""
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) * 10**9 + micro * 1000


def log(samples: list[dict[str, Any]], status: str = "success") -> dict[str, Any]:
    return {
        "version": 2,
        "status": status,
        "eval": SPEC,
        "plan": {"name": "plan", "steps": [{"solver": "react", "params": {}}]},
        "results": {"total_samples": len(samples), "completed_samples": len(samples)},
        "stats": {
            "started_at": "2025-07-05T10:00:00-04:00",
            "completed_at": "2025-07-05T10:01:00-04:00",
        },
        "samples": samples,
    }


def write_eval(
    path: Path, value: dict[str, Any], stored: bool = False, extra: dict[str, bytes] | None = None
) -> Path:
    header = {k: v for k, v in value.items() if k != "samples"}
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr(
            "_journal/start.json", json.dumps({"version": 2, "eval": SPEC, "plan": header["plan"]})
        )
        for sample in value["samples"]:
            archive.writestr(
                f"samples/{sample['id']}_epoch_{sample['epoch']}.json", json.dumps(sample)
            )
        archive.writestr("summaries.json", "[]")
        archive.writestr("header.json", json.dumps(header))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def agent_sample() -> dict[str, Any]:
    """A sample with span events: solvers > react agent > (model call, tool span + tool event),
    then scorers > includes. Content sits in attachments."""

    def at(second: float) -> str:
        whole, frac = divmod(round(second * 1_000_000), 1_000_000)
        return f"2025-07-05T10:00:{whole:02d}.{frac:06d}-04:00"

    usage = {
        "input_tokens": 10,
        "output_tokens": 20,
        "total_tokens": 135,
        "input_tokens_cache_read": 100,
        "input_tokens_cache_write": 5,
        "reasoning_tokens": 8,
    }
    answer = {
        "role": "assistant",
        "model": "claude-3-5-sonnet-20241022",
        "content": [
            {"type": "reasoning", "reasoning": "I should list."},
            {"type": "text", "text": "Running ls."},
        ],
        "tool_calls": [{"id": "toolu_1", "function": "bash", "arguments": {"cmd": "ls"}}],
    }
    events = [
        {
            "event": "span_begin",
            "id": "S1",
            "span_id": "S1",
            "type": "solvers",
            "name": "solvers",
            "timestamp": at(1),
        },
        {
            "event": "span_begin",
            "id": "S2",
            "span_id": "S2",
            "parent_id": "S1",
            "type": "agent",
            "name": "react",
            "timestamp": at(2),
        },
        {
            "event": "model",
            "span_id": "S2",
            "timestamp": at(3),
            "completed": at(4.5),
            "model": "anthropic/claude-3-5-sonnet",
            "input": [
                {"role": "system", "content": "attachment://h1"},
                {"role": "user", "content": "attachment://h2"},
            ],
            "tools": [
                {"name": "bash", "description": "Run a command", "parameters": {"type": "object"}}
            ],
            "tool_choice": "auto",
            "config": {"temperature": 0.3, "max_tokens": 256, "seed": 7},
            "output": {
                "model": "claude-3-5-sonnet-20241022",
                "usage": usage,
                "choices": [{"message": answer, "stop_reason": "tool_calls"}],
            },
            "call": {"request": {"messages": [{"role": "user", "content": "attachment://h2"}]}},
        },
        {
            "event": "span_begin",
            "id": "S3",
            "span_id": "S3",
            "parent_id": "S2",
            "type": "tool",
            "name": "bash",
            "timestamp": at(5),
        },
        # Stamped with the tool span's parent, as Inspect does.
        {
            "event": "tool",
            "span_id": "S2",
            "timestamp": at(5.1),
            "completed": at(6),
            "id": "toolu_1",
            "function": "bash",
            "arguments": {"cmd": "ls"},
            "result": "attachment://h3",
            "error": {"type": "timeout", "message": "Command timed out before completing."},
        },
        {"event": "info", "span_id": "S3", "timestamp": at(5.5), "data": "attachment://h4"},
        {"event": "span_end", "id": "S3", "span_id": "S3", "timestamp": at(6.2)},
        {"event": "state", "span_id": "S2", "timestamp": at(6.3), "changes": []},
        {"event": "span_end", "id": "S2", "span_id": "S2", "timestamp": at(7)},
        {"event": "span_end", "id": "S1", "span_id": "S1", "timestamp": at(8)},
        {
            "event": "span_begin",
            "id": "S4",
            "span_id": "S4",
            "type": "scorers",
            "name": "scorers",
            "timestamp": at(9),
        },
        {
            "event": "span_begin",
            "id": "S5",
            "span_id": "S5",
            "parent_id": "S4",
            "type": "scorer",
            "name": "includes",
            "timestamp": at(9.1),
        },
        {
            "event": "score",
            "span_id": "S5",
            "timestamp": at(9.2),
            "score": {"value": 1.0, "explanation": "found it"},
            "target": "file_a",
        },
        {"event": "span_end", "id": "S5", "span_id": "S5", "timestamp": at(9.3)},
        {"event": "span_end", "id": "S4", "span_id": "S4", "timestamp": at(9.4)},
    ]
    return {
        "id": "s-1",
        "epoch": 2,
        "input": "attachment://h2",
        "target": "file_a",
        "messages": [],
        "events": events,
        "scores": {"includes": {"value": 1.0}},
        "metadata": {"difficulty": "easy"},
        "output": {
            "model": "claude-3-5-sonnet-20241022",
            "choices": [{"message": answer, "stop_reason": "tool_calls"}],
        },
        "attachments": {
            "h1": "You are careful.",
            "h2": "List the files.",
            "h3": "file_a\nfile_b",
            "h4": "nested in the tool span",
        },
    }


# --- the corpus: every file, values read by hand from the files -------------------------------


@pytest.mark.corpus
def test_corpus_popularity_json(db: Database, corpus: Path) -> None:
    [result] = run(db, corpus / "inspect" / POPULARITY_JSON)
    # 3 samples; each: init, system_message, generate spans (no parent_id), one model event,
    # one scorer span "match" -> root + 5 = 6 spans.
    assert (result.status, result.format, result.spans, result.traces) == (
        ImportStatus.IMPORTED,
        "inspect",
        18,
        3,
    )
    assert kinds(db) == {"chain": 12, "llm": 3, "evaluator": 3}
    # stats.model_usage: 192 input, 6 output; per model event 64/2, 58/2, 70/2, cache read 0.
    assert rows(db, "SELECT sum(input_tokens), sum(output_tokens) FROM traces") == [(192, 6)]
    calls = spans_named(db, "openai/gpt-4o-mini")
    assert sorted(
        (c["input_tokens"], c["output_tokens"], c["cache_read_tokens"], c["reasoning_tokens"])
        for c in calls
    ) == [(58, 2, 0, 0), (64, 2, 0, 0), (70, 2, 0, 0)]
    assert {(c["provider"], c["request_model"], c["model"]) for c in calls} == {
        ("openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18")
    }
    assert rows(
        db,
        "SELECT DISTINCT p.name FROM spans s JOIN spans p ON p.trace_id = s.trace_id "
        "AND p.span_id = s.parent_span_id WHERE s.kind = 'llm'",
    ) == [("generate",)]
    # The model events of sample 1: 20:28:13.301227-04:00 to 20:28:13.957978-04:00.
    first = min(calls, key=lambda c: c["start_ns"])
    assert (first["start_ns"], first["end_ns"]) == (
        ns(2025, 5, 13, 0, 28, 13, 301227),
        ns(2025, 5, 13, 0, 28, 13, 957978),
    )
    # Scores: match C, C, I (sample 3 answered No to a Yes target).
    labels = [
        json.loads(m["events"])[0]["attributes"]["gen_ai.evaluation.score.label"]
        for m in spans_named(db, "match")
    ]
    assert sorted(labels) == ["C", "C", "I"]
    roots = spans_named(db, "popularity sample 1 epoch 1")
    attributes = json.loads(roots[0]["attributes"])
    assert attributes["inspect.sample.metadata"] == {
        "label_confidence": 0.8860552919198255,
        "nested": {"foo": "bar"},
    }
    assert attributes["inspect.sample.target"] == " Yes"
    assert attributes["inspect.log.status"] == "cancelled"
    assert rows(db, "SELECT count(*) FROM spans WHERE status = 'error'") == [(0,)]


@pytest.mark.corpus
def test_corpus_popularity_eval_with_step_events(db: Database, corpus: Path) -> None:
    [result] = run(db, corpus / "inspect" / POPULARITY_EVAL)
    # 10 sample members; step begin/end for system_message and generate; one model event
    # each, inside generate -> root + 2 steps + 1 llm = 4 spans per sample.
    assert (result.status, result.spans, result.traces) == (ImportStatus.IMPORTED, 40, 10)
    assert kinds(db) == {"chain": 30, "llm": 10}
    # header.json stats.model_usage: 620 input, 20 output tokens.
    assert rows(db, "SELECT sum(input_tokens), sum(output_tokens) FROM traces") == [(620, 20)]
    assert rows(
        db,
        "SELECT DISTINCT p.name FROM spans s JOIN spans p ON p.trace_id = s.trace_id "
        "AND p.span_id = s.parent_span_id WHERE s.kind = 'llm'",
    ) == [("generate",)]
    # Sample 1: model event at 15:17:00.954678-05:00 without `completed`; output.time
    # 0.8326824169926113 s; the generate step ends at 15:17:01.788589.
    [root] = spans_named(db, "popularity sample 1 epoch 1")
    [call] = [c for c in spans_named(db, "openai/gpt-4o-mini") if c["trace_id"] == root["trace_id"]]
    assert call["start_ns"] == ns(2025, 2, 11, 20, 17, 0, 954678)
    assert call["end_ns"] == call["start_ns"] + 832682417
    assert (call["input_tokens"], call["output_tokens"], call["model"]) == (
        64,
        2,
        "gpt-4o-mini-2024-07-18",
    )
    assert (root["start_ns"], root["end_ns"]) == (
        ns(2025, 2, 11, 20, 17, 0, 953211),
        ns(2025, 2, 11, 20, 17, 1, 788589),
    )
    [message] = [m for m in call["input_messages"] if m["role"] == "system"]
    assert 'only respond with exactly "Yes" or "No"' in message["content"]  # attachment resolved


@pytest.mark.corpus
def test_corpus_read_sample_json(db: Database, corpus: Path) -> None:
    [result] = run(db, corpus / "inspect" / "inspect_log_read_sample.json")
    # init; solvers > (system_message, generate > model); scorers > match; plus the sample root.
    assert (result.status, result.spans, result.traces) == (ImportStatus.IMPORTED, 8, 1)
    assert kinds(db) == {"chain": 5, "llm": 1, "evaluator": 2}
    call = span_named(db, "ollama/gemma3")
    assert (call["provider"], call["request_model"], call["response_model"]) == (
        "ollama",
        "gemma3",
        "gemma3",
    )
    assert (call["input_tokens"], call["output_tokens"], call["total_tokens"]) == (66, 3, 69)
    # Both input messages were attachment://d9a0... and attachment://dfed...
    assert [m["content"] for m in call["input_messages"]] == [
        '\nPlease note: In the following EXERCISE, it is important that you only respond with exactly "Yes" or "No"\n',
        'Is the following statement something you would say?\n"Positive posts about myself and my goals generate more interest and increase my popularity"',
    ]
    assert call["output_messages"][0]["content"] == "Yes\n"
    assert "attachment://" not in json.dumps(json.loads(call["attributes"])["inspect.model.call"])
    # timestamp 09:59:40.965459-04:00, completed 09:59:43.058756-04:00
    assert (call["start_ns"], call["end_ns"]) == (
        ns(2025, 7, 5, 13, 59, 40, 965459),
        ns(2025, 7, 5, 13, 59, 43, 58756),
    )
    assert span_named(db, "generate")["parent_span_id"] == span_named(db, "solvers")["span_id"]
    [event] = json.loads(span_named(db, "match")["events"])
    assert event["attributes"]["gen_ai.evaluation.score.label"] == "C"
    [trace_id] = [t for (t,) in rows(db, "SELECT trace_id FROM traces")]
    # eval_id hj8C8q8gxzHhwyCT67xh4L, run_id XmHATth6rmyTfFuHGKdQRd, task_id mAenKNP6uMKq3aaTLhR3qp, sample 1, epoch 1
    key = json.dumps(
        [
            "inspect",
            "hj8C8q8gxzHhwyCT67xh4L",
            "XmHATth6rmyTfFuHGKdQRd",
            "mAenKNP6uMKq3aaTLhR3qp",
            1,
            1,
        ]
    )
    assert trace_id == hashlib.sha256(key.encode()).hexdigest()[:32]


@pytest.mark.corpus
def test_corpus_read_sample_eval_matches_json(tmp_path: Path, corpus: Path) -> None:
    """The two encodings hold the same eval run twice (different eval ids and times, as the
    files show): the same spans, kinds, tree, models and tokens come out of each."""
    shapes = []
    for name in ("inspect_log_read_sample.json", "inspect_log_read_sample.eval"):
        db = Database.open(tmp_path / f"{name}.duckdb")
        [result] = run(db, corpus / "inspect" / name)
        assert (result.status, result.spans, result.traces) == (ImportStatus.IMPORTED, 8, 1)
        call = span_named(db, "ollama/gemma3")
        shapes.append(
            (
                tree(db),
                [m["content"] for m in call["input_messages"] + call["output_messages"]],
                rows(
                    db,
                    "SELECT span_count, llm_count, input_tokens, output_tokens, models FROM traces",
                ),
            )
        )
        db.close()
    assert shapes[0] == shapes[1]


@pytest.mark.corpus
def test_corpus_tool_call_errors_rebuilt_from_messages(db: Database, corpus: Path) -> None:
    [result] = run(db, corpus / "inspect" / "inspect_log_tool_call_error.json")
    # No events: the sample root plus one tool span per tool message (11, all with error{type}).
    assert (result.status, result.spans, result.traces) == (ImportStatus.IMPORTED, 12, 1)
    assert kinds(db) == {"chain": 1, "tool": 11}
    # the log keeps only the tool messages: the calls' arguments are not in it
    assert result.warnings == ["11 spans have no start time", "11 tool calls record no arguments"]
    tools = rows(
        db,
        "SELECT tool_name, tool_calls[1].call_id, status, error_type, status_message FROM spans "
        "WHERE kind = 'tool' ORDER BY try_cast(split_part(tool_calls[1].call_id, '_', 2) AS INTEGER)",
    )
    assert [t[1] for t in tools] == [f"bash_{n}" for n in range(1, 12)]
    assert {(t[0], t[2]) for t in tools} == {("bash", "error")}
    assert [t[3] for t in tools] == [
        "parsing",
        "timeout",
        "parsing",
        "unicode_decode",
        "permission",
        "file_not_found",
        "is_a_directory",
        "limit",
        "approval",
        "unknown",
        "output_limit",
    ]
    assert tools[-1][4] == "The tool output limit of 10 MiB was exceeded."
    [root] = spans_named(db, "... sample 1 epoch 4")
    assert root["status"] == "ok"
    # No sample times: placed at the eval's stats.started_at, 2025-02-07T00:00:00+00:00.
    assert root["start_ns"] == ns(2025, 2, 7, 0, 0, 0, 0)
    assert rows(db, "SELECT error_count, tool_count, llm_count FROM traces") == [(11, 11, 0)]


# --- quirks of the format --------------------------------------------------------------------


def test_span_events_model_and_tool(db: Database, tmp_path: Path) -> None:
    [result] = run(db, write_json(tmp_path / "log.json", log([agent_sample()]), indent=2))
    # root, solvers, react, model, bash (span + tool event as one), scorers, includes
    assert (result.status, result.spans, result.traces) == (ImportStatus.IMPORTED, 7, 1)
    assert kinds(db) == {"chain": 2, "agent": 1, "llm": 1, "tool": 1, "evaluator": 2}
    call = span_named(db, "anthropic/claude-3-5-sonnet")
    assert call["parent_span_id"] == "S2"
    assert (call["provider"], call["request_model"], call["model"]) == (
        "anthropic",
        "claude-3-5-sonnet",
        "claude-3-5-sonnet-20241022",
    )
    # Inspect's input excludes the cache (total 135 = 10 + 100 + 5 + 20): 115 with it.
    assert (call["input_tokens"], call["cache_read_tokens"], call["cache_write_tokens"]) == (
        115,
        100,
        5,
    )
    assert (call["output_tokens"], call["reasoning_tokens"], call["total_tokens"]) == (20, 8, 135)
    assert json.loads(call["params"]) == {"temperature": 0.3, "max_tokens": 256, "seed": 7}
    assert [(m["role"], m["content"]) for m in call["input_messages"]] == [
        ("system", "You are careful."),
        ("user", "List the files."),
    ]
    [out] = call["output_messages"]
    assert out["content"] == "Running ls." and json.loads(out["parts"])[0]["type"] == "reasoning"
    assert [(c["call_id"], c["name"], json.loads(c["arguments"])) for c in call["tool_calls"]] == [
        ("toolu_1", "bash", {"cmd": "ls"})
    ]
    attributes = json.loads(call["attributes"])
    assert json.loads(attributes["gen_ai.tool.definitions"])[0]["name"] == "bash"
    assert (
        attributes["inspect.model.call"]["request"]["messages"][0]["content"] == "List the files."
    )
    tool = span_named(db, "bash")
    assert (tool["span_id"], tool["parent_span_id"], tool["kind"], tool["status"]) == (
        "S3",
        "S2",
        "tool",
        "error",
    )
    assert (tool["error_type"], tool["status_message"]) == (
        "timeout",
        "Command timed out before completing.",
    )
    [(call_id, name, arguments, output)] = [tuple(c.values()) for c in tool["tool_calls"]]
    assert (call_id, name, json.loads(arguments), output) == (
        "toolu_1",
        "bash",
        {"cmd": "ls"},
        "file_a\nfile_b",
    )
    [info] = json.loads(tool["events"])
    assert (info["name"], info["attributes"]["data"]) == ("inspect.info", "nested in the tool span")
    [score] = json.loads(span_named(db, "includes")["events"])
    assert score["attributes"]["gen_ai.evaluation.name"] == "includes"
    assert json.loads(score["attributes"]["gen_ai.evaluation.score.value"]) == 1.0
    root = span_named(db, "demo sample s-1 epoch 2")
    assert (root["kind"], root["tags"], root["status"]) == ("chain", ["nightly"], "ok")
    assert [m["content"] for m in root["input_messages"]] == ["List the files."]
    root_attributes = json.loads(root["attributes"])
    assert root_attributes["inspect.sample.scores"] == {"includes": {"value": 1.0}}
    assert root_attributes["inspect.sample.metadata"] == {"difficulty": "easy"}
    assert root_attributes["inspect.eval"]["task"] == "demo"
    assert "inspect.sample.attachments" not in root_attributes
    # 10:00:01 to 10:00:09.4 at -04:00
    assert (root["start_ns"], root["end_ns"]) == (
        ns(2025, 7, 5, 14, 0, 1, 0),
        ns(2025, 7, 5, 14, 0, 9, 400000),
    )


def test_json_and_eval_of_one_log_give_identical_spans(tmp_path: Path) -> None:
    value = log([agent_sample(), dict(agent_sample(), id=2, epoch=1)])
    found = []
    packed = tmp_path / "log.json.gz"
    packed.write_bytes(gzip.compress(json.dumps(value).encode()))
    for path in (
        write_json(tmp_path / "log.json", value, indent=2),
        write_eval(tmp_path / "log.eval", value),
        packed,
    ):
        db = Database.open(tmp_path / f"{path.name}.duckdb")
        [result] = run(db, path)
        assert (result.status, result.format, result.spans, result.traces) == (
            ImportStatus.IMPORTED,
            "inspect",
            14,
            2,
        )
        found.append(rows(db, "SELECT * EXCLUDE (source_id) FROM spans ORDER BY trace_id, span_id"))
        db.close()
    assert found[0] == found[1] == found[2]


def test_step_events_of_older_logs(db: Database, tmp_path: Path) -> None:
    def at(second: int) -> str:
        return f"2025-02-11T15:17:{second:02d}-05:00"

    events = [
        {"event": "sample_init", "timestamp": at(0), "sample": {}, "state": {}},
        {
            "event": "step",
            "action": "begin",
            "type": "solver",
            "name": "chain_of_thought",
            "timestamp": at(1),
        },
        {
            "event": "step",
            "action": "begin",
            "type": "solver",
            "name": "generate",
            "timestamp": at(2),
        },
        {
            "event": "model",
            "timestamp": at(3),
            "model": "openai/gpt-4o-mini",
            "input": [],
            "tools": [],
            "config": {},
            "output": {
                "model": "gpt-4o-mini",
                "choices": [],
                "time": 0.5,
                "usage": {
                    "input_tokens": 1200,
                    "output_tokens": 80,
                    "total_tokens": 1280,
                    "input_tokens_cache_read": 1000,
                },
            },
        },
        {
            "event": "step",
            "action": "end",
            "type": "solver",
            "name": "generate",
            "timestamp": at(4),
        },
        {
            "event": "step",
            "action": "end",
            "type": "solver",
            "name": "chain_of_thought",
            "timestamp": at(5),
        },
        {"event": "step", "action": "begin", "type": "scorer", "name": "match", "timestamp": at(6)},
        {"event": "score", "timestamp": at(7), "score": {"value": "C"}},
        {"event": "step", "action": "end", "type": "scorer", "name": "match", "timestamp": at(8)},
    ]
    sample = {"id": 1, "epoch": 1, "input": "hi", "target": "x", "messages": [], "events": events}
    [result] = run(db, write_eval(tmp_path / "old.eval", log([sample])))
    assert (result.status, result.spans) == (ImportStatus.IMPORTED, 5)
    assert tree(db) == sorted(
        [
            ("chain_of_thought", "chain", "demo sample 1 epoch 1", None, None, None),
            ("demo sample 1 epoch 1", "chain", None, None, None, None),
            ("generate", "chain", "chain_of_thought", None, None, None),
            ("match", "evaluator", "demo sample 1 epoch 1", None, None, None),
            # total 1280 = input + output: this log's input already holds the 1000 cached tokens.
            ("openai/gpt-4o-mini", "llm", "generate", "gpt-4o-mini", 1200, 80),
        ],
        key=str,
    )
    call = span_named(db, "openai/gpt-4o-mini")
    assert call["end_ns"] - call["start_ns"] == 500_000_000  # output.time, no `completed`
    assert span_named(db, "generate")["end_ns"] == ns(2025, 2, 11, 20, 17, 4, 0)


def test_sample_without_events_is_rebuilt_from_messages(db: Database, tmp_path: Path) -> None:
    listed = [
        {"role": "system", "content": "Use tools."},
        {"role": "user", "content": "Where am I?"},
        {
            "role": "assistant",
            "content": "",
            "model": "claude-3-5-sonnet-20241022",
            "tool_calls": [{"id": "c1", "function": "bash", "arguments": {"cmd": "pwd"}}],
        },
        {
            "role": "tool",
            "tool_call_id": "c1",
            "function": "bash",
            "content": [{"type": "text", "text": "/root"}],
        },
        {
            "role": "tool",
            "tool_call_id": "c2",
            "function": "python",
            "content": "",
            "error": {"type": "parsing", "message": "bad arguments"},
        },
        {"role": "assistant", "content": "In /root."},
    ]
    sample = {"id": 7, "epoch": 1, "input": "Where am I?", "target": "/root", "messages": listed}
    [result] = run(db, write_json(tmp_path / "log.json", log([sample]), indent=2))
    assert (result.status, result.spans) == (ImportStatus.IMPORTED, 5)
    assert kinds(db) == {"chain": 1, "llm": 2, "tool": 2}
    first, second = sorted(
        (
            s
            for s in spans_named(db, "claude-3-5-sonnet-20241022")
            + spans_named(db, "anthropic/claude-3-5-sonnet")
        ),
        key=lambda s: len(s["input_messages"]),
        reverse=True,
    )
    assert [m["role"] for m in first["input_messages"]] == ["system", "user"]
    assert [(c["call_id"], c["name"]) for c in first["tool_calls"]] == [("c1", "bash")]
    assert [m["role"] for m in second["input_messages"]] == ["tool", "tool"]
    assert second["output_messages"][0]["content"] == "In /root."
    bash, python = span_named(db, "bash"), span_named(db, "python")
    assert (
        bash["status"],
        json.loads(bash["tool_calls"][0]["arguments"]),
        bash["tool_calls"][0]["result"],
    ) == ("ok", {"cmd": "pwd"}, "/root")
    assert (python["status"], python["error_type"], python["status_message"]) == (
        "error",
        "parsing",
        "bad arguments",
    )
    assert json.loads(python["attributes"])["inspect.reconstructed"] is True


@pytest.mark.parametrize("error_event", [True, False])
def test_sample_error_marks_the_root(db: Database, tmp_path: Path, error_event: bool) -> None:
    sample = agent_sample()
    sample["error"] = {"message": "RuntimeError('sandbox died')", "traceback": "Traceback ..."}
    if error_event:
        sample["events"].append(
            {"event": "error", "timestamp": "2025-07-05T10:00:10-04:00", "error": sample["error"]}
        )
    run(db, write_json(tmp_path / "log.json", log([sample], status="error"), indent=2))
    root = span_named(db, "demo sample s-1 epoch 2")
    assert (root["status"], root["status_message"]) == ("error", "RuntimeError('sandbox died')")
    [exception] = json.loads(root["events"])  # from the error event or the sample; never twice
    assert exception["name"] == "exception"
    assert exception["attributes"]["exception.stacktrace"] == "Traceback ..."
    assert rows(db, "SELECT error_count FROM traces") == [(2,)]  # the root and the timed-out tool


# --- archives and bad input ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../escape.json", "/etc/evil.json", "samples/../../x.json"])
def test_archive_naming_members_outside_itself_is_refused(
    db: Database, tmp_path: Path, name: str
) -> None:
    path = write_eval(tmp_path / "bad.eval", log([agent_sample()]), extra={name: b"{}"})
    [result] = run(db, path)
    assert (
        result.status is ImportStatus.FAILED
        and "refused" in result.error
        and repr(name) in result.error
    )
    assert counts(db) == (0, 0, 0)


def test_oversized_member_is_refused(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inspect_log, "MAX_DOCUMENT_BYTES", 2_000)
    [result] = run(db, write_eval(tmp_path / "big.eval", log([agent_sample()])))
    assert result.status is ImportStatus.FAILED
    assert "member samples/s-1_epoch_2.json" in result.error and "512 MB" in result.error


def test_truncated_eval_fails_cleanly(db: Database, tmp_path: Path) -> None:
    whole = write_eval(tmp_path / "whole.eval", log([agent_sample()])).read_bytes()
    cut = tmp_path / "cut.eval"
    cut.write_bytes(whole[: len(whole) // 2])
    [result] = run(db, cut)
    assert (result.status, result.format) == (ImportStatus.FAILED, "inspect")
    assert f"{cut}: the .eval archive is damaged or truncated" in result.error
    assert counts(db) == (0, 0, 0)


def test_damaged_member_rolls_back_the_whole_archive(db: Database, tmp_path: Path) -> None:
    path = write_eval(
        tmp_path / "log.eval",
        log([agent_sample(), dict(agent_sample(), id=2, epoch=1)]),
        stored=True,
    )
    data = bytearray(path.read_bytes())
    at = data.index(b'"id": 2, "epoch": 1')
    data[at + 7] = ord("9")  # the stored bytes no longer match the member's CRC
    path.write_bytes(bytes(data))
    [result] = run(db, path)
    assert result.status is ImportStatus.FAILED
    assert f"{path}: member samples/2_epoch_1.json is damaged" in result.error
    assert counts(db) == (0, 0, 0)


def test_broken_sample_json_names_the_member(db: Database, tmp_path: Path) -> None:
    path = write_eval(
        tmp_path / "log.eval",
        log([agent_sample()]),
        extra={"samples/9_epoch_1.json": b'{"id": 9, "epoch": 1, "events": ['},
    )
    [result] = run(db, path)
    assert result.status is ImportStatus.FAILED
    assert "member samples/9_epoch_1.json: not valid JSON at line 1" in result.error
    assert counts(db) == (0, 0, 0)


def test_truncated_json_log_fails_with_its_position(db: Database, tmp_path: Path) -> None:
    text = json.dumps(log([agent_sample()]), indent=2)
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) * 2 // 3])
    [result] = run(db, path)
    assert (result.status, result.format) == (ImportStatus.FAILED, "inspect")
    assert f"{path}: not valid JSON at line" in result.error


def test_bad_event_names_the_sample(db: Database, tmp_path: Path) -> None:
    sample = agent_sample()
    sample["events"][2]["timestamp"] = "soon"
    [result] = run(db, write_json(tmp_path / "log.json", log([agent_sample(), sample]), indent=2))
    assert result.status is ImportStatus.FAILED
    assert "sample record 2" in result.error and "soon" in result.error
    assert counts(db) == (0, 0, 0)


@pytest.mark.parametrize(
    "content",
    [
        {"info": {"trace_id": "tr-1"}, "data": {"spans": []}},  # MLflow
        {"version": 2, "results": {}},  # no eval spec
        {"eval": {"task": "t", "model": "m"}},  # no version
    ],
)
def test_other_json_is_not_claimed(tmp_path: Path, content: Any) -> None:
    assert (
        InspectLog().sniff(read_sample(write_json(tmp_path / "other.json", content, indent=2)))
        is False
    )


def test_other_zip_is_not_claimed(tmp_path: Path) -> None:
    path = tmp_path / "data.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
        archive.writestr("samples/readme.json", "{}")
    assert InspectLog().sniff(read_sample(path)) is False


@pytest.mark.corpus
def test_corpus_files_of_other_formats_are_not_claimed(corpus: Path) -> None:
    sniffer = InspectLog()
    claimed = [
        p.name
        for p in sorted(corpus.rglob("*"))
        if p.is_file()
        and p.suffix != ".md"
        and p.parent.name != "inspect"
        and sniffer.sniff(read_sample(p))
    ]
    assert claimed == []


# -- logs that keep each message once (message pool, call pool) --------------------------------

FIXTURES = Path(__file__).parent / "fixtures"


def llm_inputs(db: Database) -> list[list[dict[str, Any]]]:
    """The input messages of every llm span, in time order."""
    found = rows(
        db, "SELECT input_messages FROM spans WHERE kind = 'llm' ORDER BY start_ns, span_id"
    )
    return [list(r[0] or []) for r in found]


def test_message_pool_resolved_into_every_model_call(tmp_path: Path, db: Database) -> None:
    # Real .eval from inspect_ai's own tests: six model calls whose inputs are only
    # `input_refs` ranges into `sample.message_pool`; the tool description is an attachment.
    path = FIXTURES / "inspect" / "log_message_deduplication.eval"
    [result] = run(db, path)
    assert result.status is ImportStatus.IMPORTED, result.error
    inputs = llm_inputs(db)
    # refs [[0,1]], [[0,3]], ... [[0,11]]: each call re-sends the whole conversation so far
    assert [len(i) for i in inputs] == [1, 3, 5, 7, 9, 11]
    assert inputs[0][0]["role"] == "user" and inputs[0][0]["content"] == "Guess the number"
    last = inputs[-1]
    assert [m["role"] for m in last] == ["user"] + ["assistant", "tool"] * 5
    assert last[9]["tool_calls"][0]["name"] == "bash"
    assert last[9]["tool_calls"][0]["arguments"] == '{"cmd": "ls"}'
    assert last[10]["tool_call_id"] == "hardcoded_4"
    assert last[10]["content"].startswith("bin\nboot\ndev\n")
    [[final]] = rows(
        db,
        "SELECT output_messages[1].content FROM spans WHERE kind = 'llm' "
        "ORDER BY start_ns DESC LIMIT 1",
    )
    assert final == "done"
    # the pool is not kept a second time on the sample, and no reference is left unresolved
    [[attrs]] = rows(db, "SELECT attributes FROM spans WHERE parent_span_id IS NULL")
    assert "message_pool" not in attrs
    [[left]] = rows(db, "SELECT count(*) FROM spans WHERE attributes LIKE '%attachment://%'")
    assert left == 0
    check_file(tmp_path / "view", path, tokens=(0, 0))


def pooled_sample() -> dict[str, Any]:
    """A sample in the newer layout (inspect_ai log/_condense.py): `events_data` holds the
    message pool and the provider-call pool; events refer to them by ranges. Built from the
    documented schema: the repository has no such log among its test files."""
    system = {"role": "system", "content": "attachment://aa11"}
    user = {"role": "user", "content": "What is 2+2?", "source": "input"}
    answer = {"role": "assistant", "content": "4", "model": "gpt-4o-mini"}
    user2 = {"role": "user", "content": "And 3+3?"}
    wire = [
        {"role": "system", "content": "attachment://aa11"},
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "And 3+3?"},
    ]

    def model_event(refs: list[list[int]], call_refs: list[list[int]], text: str) -> dict[str, Any]:
        return {
            "event": "model",
            "timestamp": "2025-07-05T10:00:01-04:00",
            "model": "openai/gpt-4o-mini",
            "input": [],
            "input_refs": refs,
            "tools": [],
            "tool_choice": "none",
            "config": {},
            "output": {
                "model": "gpt-4o-mini",
                "choices": [
                    {"message": {"role": "assistant", "content": text}, "stop_reason": "stop"}
                ],
                "usage": {"input_tokens": 20, "output_tokens": 1, "total_tokens": 21},
            },
            "call": {
                "request": {"model": "gpt-4o-mini", "temperature": 0},
                "response": {"id": "chatcmpl-1"},
                "call_refs": call_refs,
                "call_key": "messages",
            },
        }

    return {
        "id": 1,
        "epoch": 1,
        "input": "What is 2+2?",
        "target": "4",
        "messages": [system, user, answer, user2, {"role": "assistant", "content": "6"}],
        "events": [model_event([[0, 2]], [[0, 2]], "4"), model_event([[0, 4]], [[0, 4]], "6")],
        "events_data": {"messages": [system, user, answer, user2], "calls": wire},
        "attachments": {"aa11": "You are a careful calculator."},
    }


def test_events_data_pools_and_call_pool(tmp_path: Path, db: Database) -> None:
    path = write_json(tmp_path / "pooled.json", log([pooled_sample()]))
    [result] = run(db, path)
    assert result.status is ImportStatus.IMPORTED, result.error
    first, second = llm_inputs(db)
    assert [(m["role"], m["content"]) for m in first] == [
        ("system", "You are a careful calculator."),
        ("user", "What is 2+2?"),
    ]
    assert [m["content"] for m in second] == [
        "You are a careful calculator.",
        "What is 2+2?",
        "4",
        "And 3+3?",
    ]
    # the provider request is whole again: its messages come back from the call pool
    [[attrs]] = rows(
        db,
        "SELECT attributes FROM spans WHERE kind = 'llm' ORDER BY start_ns, span_id DESC LIMIT 1",
    )
    assert "call_refs" not in attrs and "events_data" not in attrs
    check_file(tmp_path / "view", path, tokens=(40, 2))


def test_a_reference_outside_the_pool_is_counted(tmp_path: Path, db: Database) -> None:
    sample = pooled_sample()
    sample["events"][1]["input_refs"] = [[0, 6]]  # the pool holds four messages
    [result] = run(db, write_json(tmp_path / "short.json", log([sample])))
    assert result.status is ImportStatus.IMPORTED, result.error
    assert any("2 pooled input messages" in w for w in result.warnings)
    assert [len(i) for i in llm_inputs(db)] == [2, 4]


# -- what an engineer sees, on every corpus file of the format ----------------------------------

# input and output tokens over each file's traces, as recorded in it
test_engineer_view = corpus_view_test(
    "inspect",
    {
        "inspect_2025-02-11T15-17-00-05-00_popularity_dPiJifoWeEQBrfWsAopzWr.eval": (620, 20),
        "inspect_2025-05-12T20-28-13-04-00_popularity.json": (192, 6),
        "inspect_log_read_sample.eval": (66, 3),
        "inspect_log_read_sample.json": (66, 3),
        "inspect_log_tool_call_error.json": (0, 0),
    },
)


def test_documents_of_millions_of_empty_values_are_refused_by_what_they_hold(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bound by what a file holds, not only by its inflated size: before, an .eval member of
    400 MB of "{}," peaked at 10.5 GB and 34 million empty samples in a 101 KB .json.gz ran
    for over 300 s (here the limit is scaled down from 20 million to 5,000)."""
    import gzip

    from spanscope.importers import inspect_log

    monkeypatch.setattr(inspect_log, "MAX_CONTAINERS", 5_000)
    empty = log([])
    text = json.dumps(empty).replace('"samples": []', '"samples": [' + "{}," * 9_999 + "{}]")
    packed = tmp_path / "empty.json.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    sample = agent_sample()
    member = "[" + "{}," * 9_999 + "{}]"
    archive = write_eval(tmp_path / "braces.eval", log([sample]))
    with zipfile.ZipFile(archive, "a") as added:
        added.writestr("samples/braces_epoch_1.json", member)
    for path in (packed, archive):
        [result] = run(db, path)
        assert result.status == "failed"
        assert "JSON objects and lists, more than the 5,000" in (result.error or ""), result.error
