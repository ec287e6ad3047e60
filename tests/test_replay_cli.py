"""``spanscope replay`` and ``spanscope endpoints`` against a real loopback model server."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from otlp_builder import LLM, T0, TRACE, agent_trace, document, span, write_json
from replay_server import LoopbackModel, Reply
from spanscope.cli import main
from spanscope.ingest import import_paths
from spanscope.store import Database

CONTRACT = {
    "replay_id",
    "output_text",
    "tool_calls",
    "input_tokens",
    "output_tokens",
    "latency_ms",
    "error",
    "same_as_recorded",
}


@pytest.fixture
def server() -> Iterator[LoopbackModel]:
    with LoopbackModel() as running:
        yield running


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "cli.duckdb"
    second_llm = span(
        TRACE,
        "aaaaaaaaaaaaaaa9",
        "chat gpt-4o",
        start=2000,
        duration_ms=300,
        parent="eee19b7ec3c1b174",
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.input.messages": json.dumps(
                [{"role": "user", "parts": [{"type": "text", "content": "And shipping?"}]}]
            ),
            "gen_ai.output.messages": json.dumps(
                [{"role": "assistant", "parts": [{"type": "text", "content": "3 days."}]}]
            ),
        },
    )
    with Database.open(path) as db:
        doc = document(agent_trace() + [second_llm])
        [result] = list(import_paths(db, [write_json(path.with_suffix(".json"), doc)]))
        assert result.status == "imported"
    assert T0  # the builder's clock
    return path


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_repeat_n_with_a_check_prints_the_contract(
    server: LoopbackModel, db_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOOPBACK_KEY", "sk-cli-test")
    code, text = run(
        "endpoints", "add", "local", "--base-url", server.base_url("openai"),
        "--api-key-env", "LOOPBACK_KEY", "--timeout", "5",
    )  # fmt: skip
    assert code == 0 and "saved local" in text
    server.script(
        Reply(text="Let me look that up.", tool_calls=[("search_kb", {"query": "refund policy"})]),
        Reply(text="Refunds within 30 days."),
        Reply(status=429),
    )
    code, text = run(
        "replay", LLM, "--db", str(db_file), "--endpoint", "local", "-n", "3",
        "--check", "tool-called:search_kb", "--json",
    )  # fmt: skip
    assert code == 1  # one run failed
    runs = [json.loads(line) for line in text.splitlines()]
    assert len(runs) == 3 and all(set(r) >= CONTRACT for r in runs)
    assert [r["same_as_recorded"] for r in runs] == [True, False, None]
    assert [r["check_passed"] for r in runs] == [True, False, None]
    assert runs[1]["output_text"] == "Refunds within 30 days." and runs[1]["input_tokens"] == 11
    assert runs[2]["error"].startswith("429 Too Many Requests")
    assert runs[0]["tool_calls"][0]["name"] == "search_kb"
    assert all(r["replay_id"] for r in runs)
    assert {r.headers["authorization"] for r in server.requests} == {"Bearer sk-cli-test"}

    code, text = run("replay", LLM, "--db", str(db_file), "--list", "--json")
    stored = [json.loads(line) for line in text.splitlines()]
    assert [s["replay_id"] for s in stored] == [r["replay_id"] for r in reversed(runs)]
    assert "sk-cli-test" not in db_file.read_bytes().decode("latin-1")


def test_ad_hoc_endpoint_as_text(server: LoopbackModel, db_file: Path) -> None:
    server.script(Reply(text="Nope."))
    code, text = run(
        "replay", LLM, "--db", str(db_file), "--base-url", server.base_url("anthropic"),
        "--protocol", "anthropic", "--model", "claude-test", "--stream",
    )  # fmt: skip
    assert code == 0, text
    assert "DIFFERS" in text and "'Nope.'" in text and "0 of 1 same as recorded" in text
    assert server.requests[0].body["model"] == "claude-test"


def test_trajectory_reports_the_first_divergence(server: LoopbackModel, db_file: Path) -> None:
    server.script(
        Reply(text="Let me look that up.", tool_calls=[("search_kb", {"query": "refund policy"})]),
        Reply(text="A week."),
    )
    code, text = run(
        "replay", TRACE, "--trajectory", "--db", str(db_file), "--base-url",
        server.base_url("openai"), "--model", "m",
    )  # fmt: skip
    assert code == 0, text
    assert "2 of 2 llm steps re-run; first divergence at step 2 (span aaaaaaaaaaaaaaa9)" in text
    # Step 2 was sent its own recorded context, not step 1's new answer.
    assert server.requests[1].body["messages"] == [{"role": "user", "content": "And shipping?"}]


def test_mistakes_are_explained(
    server: LoopbackModel, db_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("replay", LLM, "--db", str(db_file))[0] == 2
    assert "--endpoint NAME" in capsys.readouterr().err
    assert run("replay", LLM, "--db", str(db_file), "--endpoint", "nope")[0] == 2
    assert "no endpoint named 'nope'" in capsys.readouterr().err
    assert run("replay", "eee19b7ec3c1b174", "--db", str(db_file), "--base-url", "http://x")[0] == 2
    assert "not an llm call" in capsys.readouterr().err
    assert (
        run("replay", LLM, "--db", str(db_file), "--base-url", "http://x", "--check", "regex:x")[0]
        == 2
    )
    assert "unknown check" in capsys.readouterr().err
    assert server.requests == []


def test_missing_sdk_tells_how_to_install(
    db_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "openai", None)
    code, _ = run("replay", LLM, "--db", str(db_file), "--base-url", "http://127.0.0.1:9/v1")
    assert code == 2
    assert "pip install 'spanscope[replay]'" in capsys.readouterr().err


def test_endpoints_work_without_a_database(app_home: Path) -> None:
    code, text = run(
        "endpoints", "add", "ollama", "--base-url", "http://localhost:11434/v1", "--model", "llama3"
    )
    assert code == 0
    code, text = run("endpoints", "list", "--json")
    assert json.loads(text)["model"] == "llama3"
    assert not (app_home / "spanscope.duckdb").exists()
    assert run("endpoints", "remove", "ollama")[0] == 0
    assert run("endpoints", "remove", "ollama")[0] == 2
