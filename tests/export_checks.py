"""What each eval-set format's consumer demands, checked with the consumer's own loader where it
is installed (skipped otherwise) and with OpenAI's documented chat fine-tuning rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

FINE_TUNING_KEYS = {"messages", "tools", "parallel_tool_calls", "functions"}
ROLES = {"system", "developer", "user", "assistant", "tool"}


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def fine_tuning_problems(line: dict[str, Any]) -> list[str]:
    """The rules OpenAI's chat fine-tuning format documents (and its data checks enforce):
    known top-level keys only, non-empty messages, known roles, every tool message answers an
    earlier assistant tool call by id, every call (each of parallel calls) has its reply before
    the conversation goes on, no empty ids, weight only 0/1 and only on assistant messages,
    something to learn from, tool definitions without null fields."""
    problems = [f"unknown key {k}" for k in line if k not in FINE_TUNING_KEYS]
    messages = line.get("messages")
    if not isinstance(messages, list) or not messages:
        return [*problems, "no messages"]
    open_ids: set[str] = set()
    for n, m in enumerate(messages):
        role = m.get("role")
        if role not in ROLES:
            problems.append(f"message {n}: role {role!r}")
        if "weight" in m and (role != "assistant" or m["weight"] not in (0, 1)):
            problems.append(f"message {n}: weight {m['weight']!r} on {role}")
        if role == "tool":
            call_id = m.get("tool_call_id")
            if not call_id:
                problems.append(f"message {n}: tool reply without an id")
            elif call_id not in open_ids:
                problems.append(f"message {n}: tool reply to no earlier call {call_id}")
            open_ids.discard(call_id or "")
            if not isinstance(m.get("content"), str):
                problems.append(f"message {n}: tool reply without text")
            continue
        if open_ids:
            problems.append(f"message {n}: calls {sorted(open_ids)} have no reply")
            open_ids.clear()
        calls = m.get("tool_calls") or []
        if calls and role != "assistant":
            problems.append(f"message {n}: tool calls on a {role} message")
        for call in calls:
            if not call.get("id"):
                problems.append(f"message {n}: tool call without an id")
            if call.get("type") != "function" or not call.get("function", {}).get("name"):
                problems.append(f"message {n}: tool call without a function name")
            if n < len(messages) - 1:
                open_ids.add(call.get("id") or "")
        if not calls and not (isinstance(m.get("content"), str) and m["content"]):
            problems.append(f"message {n}: {role} message without content")
    if open_ids:
        problems.append(f"calls {sorted(open_ids)} have no reply")
    if not any(m.get("role") == "assistant" and m.get("weight", 1) == 1 for m in messages):
        problems.append("no assistant message to learn from")
    for tool in line.get("tools") or []:
        function = tool.get("function") or {}
        if tool.get("type") != "function" or not function.get("name"):
            problems.append("tool without a function name")
        problems += [f"tool {function.get('name')}: {k} is null" for k, v in function.items()
                     if v is None]  # fmt: skip
    return problems


def check_openai_types(lines: list[dict[str, Any]]) -> None:
    """Every message and tool validates against the OpenAI SDK's own request types."""
    pydantic = pytest.importorskip("pydantic")
    chat = pytest.importorskip("openai.types.chat")
    messages = pydantic.TypeAdapter(chat.ChatCompletionMessageParam)
    tools = pydantic.TypeAdapter(chat.ChatCompletionToolParam)
    for line in lines:
        for m in line["messages"]:
            messages.validate_python({k: v for k, v in m.items() if k != "weight"})
        for t in line.get("tools") or []:
            tools.validate_python(t)


def check_openai_evals(path: Path) -> list[dict[str, Any]]:
    pydantic = pytest.importorskip("pydantic")
    source = pytest.importorskip("openai.types.evals.create_eval_jsonl_run_data_source")
    lines = jsonl(path)
    adapter = pydantic.TypeAdapter(list[source.SourceFileContentContent])
    adapter.validate_python(lines)
    for line in lines:
        assert set(line) <= {"item", "sample"}
        assert line["item"]["question"] and line["item"]["expected"], line
    return lines


def check_inspect(path: Path) -> list[Any]:
    """Inspect's own loader reads every line; no sample without input; every target is a
    real answer, so a scorer cannot count an empty target as matched."""
    dataset = pytest.importorskip("inspect_ai.dataset")
    samples = list(dataset.json_dataset(str(path)))
    for sample in samples:
        assert sample.input, sample.id
        assert isinstance(sample.target, str) and sample.target.strip(), sample.id
        if not isinstance(sample.input, str):
            for message in sample.input:
                if message.role == "tool":
                    assert message.tool_call_id and message.tool_call_id != "None"
    return samples


def check_ragas(path: Path) -> list[Any]:
    ragas = pytest.importorskip("ragas")
    dataset = ragas.EvaluationDataset.from_jsonl(str(path))
    samples = list(dataset)
    for sample in samples:
        assert sample.user_input, sample
        assert sample.retrieved_contexts or sample.response, sample
    return samples


def check_deepeval(path: Path) -> list[Any]:
    dataset_module = pytest.importorskip("deepeval.dataset")
    dataset = dataset_module.EvaluationDataset()
    dataset.add_goldens_from_jsonl_file(
        str(path),
        input_key_name="user_input",
        actual_output_key_name="response",
        expected_output_key_name="reference",
        retrieval_context_key_name="retrieved_contexts",
        additional_metadata_key_name="metadata",
    )
    for golden in dataset.goldens:
        assert golden.input
    return list(dataset.goldens)


def check_promptfoo(path: Path) -> list[dict[str, Any]]:
    """A config promptfoo runs as it is: a prompt, and tests that each assert something
    against a real expected output and carry the question the factuality grader needs."""
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert config["prompts"] == ["{{ messages }}"]
    for test in config["tests"]:
        assert test["vars"]["question"].strip()
        assert json.loads(test["vars"]["messages"])
        assert test["assert"] and all(a["value"].strip() for a in test["assert"])
    return list(config["tests"])
