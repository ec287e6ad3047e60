"""Sending requests through the real OpenAI and Anthropic SDKs to a real loopback server:
answers, streaming, tool calls, and every failure a person must be told about."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from replay_server import LoopbackModel, Reply
from spanscope.core import replay_endpoints as settings
from spanscope.core.replay_request import CallOutput, ReplayRequest
from spanscope.core.replay_runs import run_repeats
from spanscope.core.replay_sameness import Check
from spanscope.core.replay_transport import Endpoint, ReplayUnavailable, send

REQUEST = ReplayRequest(
    model="gpt-4o",
    messages=[
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is your refund policy?"},
    ],
    tools=[{"name": "search_kb", "description": "Search", "parameters": {"type": "object"}}],
    params={"temperature": 0.2, "max_tokens": 64},
)


@pytest.fixture
def server() -> Iterator[LoopbackModel]:
    with LoopbackModel() as running:
        yield running


@pytest.mark.parametrize("protocol", ["openai", "anthropic"])
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_answer_with_text_and_tool_call(server: LoopbackModel, protocol: str, stream: bool) -> None:
    server.script(
        Reply(text="Refunds within 30 days.", tool_calls=[("search_kb", {"query": "refund"})])
    )
    outcome = send(server.endpoint(protocol, stream=stream), REQUEST, "sk-local-test")
    assert outcome.ok, outcome.error
    output = outcome.output
    assert output is not None
    assert output.text == "Refunds within 30 days."
    assert [(c["name"], json.loads(c["arguments"])) for c in output.tool_calls] == [
        ("search_kb", {"query": "refund"})
    ]
    assert (output.input_tokens, output.output_tokens) == (11, 7)
    assert outcome.latency_ms > 0
    [sent] = server.requests
    assert sent.body["model"] == "gpt-4o"
    assert sent.body["temperature"] == 0.2  # sent even where the SDK no longer names it
    assert bool(sent.body.get("stream")) is stream
    if protocol == "openai":
        assert sent.path == "/v1/chat/completions"
        assert sent.headers["authorization"] == "Bearer sk-local-test"
        assert sent.body["messages"][0] == {"role": "system", "content": "Be brief."}
        assert sent.body["tools"][0]["function"]["name"] == "search_kb"
    else:
        assert sent.path == "/v1/messages"
        # SDK releases differ in the header they carry the key in.
        assert "sk-local-test" in (
            sent.headers.get("x-api-key"),
            sent.headers.get("authorization", "")[7:],
        )
        assert sent.body["system"] == "Be brief."
        assert sent.body["tools"][0]["name"] == "search_kb"


@pytest.mark.parametrize("protocol", ["openai", "anthropic"])
@pytest.mark.parametrize(
    ("reply", "kind", "words"),
    [
        (Reply(status=401), "auth", "401 Unauthorized"),
        (Reply(status=429, headers={"retry-after": "7"}), "rate_limit", "Retry after 7 s"),
        (Reply(status=500), "server", "HTTP 500"),
        (Reply(raw=b"<html>gateway error</html>"), "malformed", "malformed response"),
        (Reply(raw=b'{"unexpected": true}'), "malformed", "malformed response"),
        (Reply(delay_s=30), "timeout", "within 0.3 s (timeout)"),
    ],
    ids=["401", "429", "500", "not-json", "not-an-answer", "timeout"],
)
def test_failures_are_described(
    server: LoopbackModel, protocol: str, reply: Reply, kind: str, words: str
) -> None:
    server.script(reply)
    outcome = send(server.endpoint(protocol, timeout_s=0.3), REQUEST, "sk-local-test")
    assert outcome.output is None
    assert outcome.error_kind == kind
    assert outcome.error is not None and words in outcome.error
    assert "sk-local-test" not in outcome.error  # a key never appears in a message


def test_no_network() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = Endpoint("gone", "openai", f"http://127.0.0.1:{port}/v1", timeout_s=2)
    outcome = send(endpoint, REQUEST, "k")
    assert outcome.error_kind == "network"
    assert outcome.error is not None and "cannot reach gone" in outcome.error


def test_missing_sdk_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "anthropic", None)  # import anthropic now fails
    endpoint = Endpoint("x", "anthropic", "http://127.0.0.1:9")
    with pytest.raises(ReplayUnavailable, match=r"pip install 'spanscope\[replay\]'"):
        send(endpoint, REQUEST, "k")


def test_importing_spanscope_loads_no_sdk() -> None:
    code = (
        "import sys, spanscope.cli, spanscope.core.replay_trajectory, spanscope.ui.replay;"
        "print(sorted(m for m in ('openai', 'anthropic', 'httpx', 'keyring') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_endpoints_file_round_trip_holds_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    endpoints = [
        Endpoint("local", "openai", "http://localhost:11434/v1", model="llama3"),
        Endpoint("claude", "anthropic", "https://api.anthropic.com", api_key_env="ANTHROPIC_KEY"),
    ]
    path = settings.save_endpoints(endpoints)
    assert path == settings.endpoints_file() and path.parent.name == "home"  # test home folder
    assert settings.load_endpoints() == endpoints
    # A key pasted into the file by hand is ignored, not used.
    doc = json.loads(path.read_text())
    doc["endpoints"][0]["api_key"] = "sk-pasted"
    path.write_text(json.dumps(doc))
    assert settings.load_endpoints()[0] == endpoints[0]
    assert settings.api_key(endpoints[0]).key == settings.NO_KEY
    lookup = settings.api_key(endpoints[1])
    assert lookup.key is None and lookup.problem and "ANTHROPIC_KEY" in lookup.problem
    monkeypatch.setenv("ANTHROPIC_KEY", "sk-from-env")
    assert settings.api_key(endpoints[1]).key == "sk-from-env"
    with pytest.raises(settings.EndpointError, match="protocol must be openai or anthropic"):
        settings.validate(Endpoint("bad", "grpc", "http://x"))
    with pytest.raises(settings.EndpointError, match="configured: local, claude"):
        settings.find_endpoint("nope")


def test_key_from_the_system_keyring() -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            self.saved: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.saved.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.saved[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.saved.pop((service, username), None)

    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    try:
        endpoint = Endpoint("vault", "openai", "http://x/v1", keyring=True)
        assert settings.api_key(endpoint).problem == "no key for vault in the system keyring"
        settings.store_key("vault", "sk-in-keyring")
        assert settings.api_key(endpoint).key == "sk-in-keyring"
        assert memory.saved == {(settings.KEYRING_SERVICE, "vault"): "sk-in-keyring"}
    finally:
        keyring.set_keyring(previous)


def test_repeats_stop_on_cancel_and_send_nothing_without_a_key(
    server: LoopbackModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = CallOutput(text="scripted answer")
    keyless = server.endpoint("openai", api_key_env="SPANSCOPE_TEST_MISSING_KEY")
    monkeypatch.delenv("SPANSCOPE_TEST_MISSING_KEY", raising=False)
    runs = run_repeats(
        keyless, REQUEST, recorded, 5, trace_id="t", span_id="s", on_run=lambda r: None
    )
    assert len(runs) == 1 and runs[0].outcome.error_kind == "setup"
    assert server.requests == []  # nothing left the machine

    seen: list[int] = []
    runs = run_repeats(
        server.endpoint("openai"),
        REQUEST,
        recorded,
        10,
        trace_id="t",
        span_id="s",
        on_run=lambda r: seen.append(r.index),
        check=Check.parse("contains:SCRIPTED"),
        cancelled=lambda: len(seen) >= 3,
    )
    assert [r.index for r in runs] == [1, 2, 3] and len(server.requests) == 3
    assert all(r.same_as_recorded and r.check_passed for r in runs)
    assert {r.record.batch_id for r in runs} == {runs[0].record.batch_id}
    assert runs[0].record.run_kind == "repeat"
    assert runs[0].record.check_text == "contains:SCRIPTED"


def test_endpoint_model_replaces_the_recorded_one(server: LoopbackModel) -> None:
    runs = run_repeats(
        server.endpoint("anthropic", model="local-model"),
        REQUEST,
        CallOutput(text="other"),
        1,
        trace_id="t",
        span_id="s",
        on_run=lambda r: None,
    )
    assert server.requests[0].body["model"] == "local-model"
    assert runs[0].record.model == "local-model"
    assert runs[0].same_as_recorded is False


def test_paths_stay_in_the_test_home(app_home: Path) -> None:
    assert settings.endpoints_file().parent == app_home
