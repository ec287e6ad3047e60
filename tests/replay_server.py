"""A real HTTP server on loopback that answers like the OpenAI chat-completions API and the
Anthropic Messages API, streaming or not, with scripted answers and scripted failures.

The replay code under test talks to it through the real ``openai`` and ``anthropic`` SDKs:

    with LoopbackModel() as server:
        server.script(Reply(text="hello"), Reply(status=429))
        endpoint = server.endpoint("openai")

Answers are served in the order scripted, then ``default`` for every further request. Every
request is recorded (path, headers, JSON body) so tests can check what was sent, and that
nothing was sent at all. The server thread and its request threads end on ``close()``; a
delayed answer (to make the client time out) waits on an event that ``close()`` sets, so no
thread outlives the test.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from spanscope.core.replay_transport import Endpoint


@dataclass
class Reply:
    """One scripted answer."""

    text: str = "scripted answer"
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    delay_s: float = 0.0  # wait this long before answering (longer than the client's timeout)
    raw: bytes | None = None  # a body sent as is with status 200: a malformed answer
    headers: dict[str, str] = field(default_factory=dict)
    input_tokens: int = 11
    output_tokens: int = 7
    echo_key: bool = False  # put the key the request carried into the error or the answer
    echoed: str = ""


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class LoopbackModel:
    """The server. Use as a context manager."""

    def __init__(self, default: Reply | None = None) -> None:
        self.default = default or Reply()
        self.requests: list[Request] = []
        self._script: list[Reply] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        owner = self

        class Handler(_Handler):
            server_owner = owner

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = False  # joined on close: no thread outlives the test
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def base_url(self, protocol: str) -> str:
        # The OpenAI SDK appends /chat/completions to a base URL ending in /v1; the Anthropic
        # SDK appends /v1/messages to the bare host.
        root = f"http://127.0.0.1:{self.port}"
        return root + "/v1" if protocol == "openai" else root

    def endpoint(self, protocol: str = "openai", **options: Any) -> Endpoint:
        values: dict[str, Any] = {
            "name": f"loopback-{protocol}",
            "protocol": protocol,
            "base_url": self.base_url(protocol),
            "timeout_s": 5.0,
        }
        values.update(options)
        return Endpoint(**values)

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    def next_reply(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            return self._script.pop(0) if self._script else self.default

    def __enter__(self) -> LoopbackModel:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()  # joins the request threads
        self._thread.join(timeout=10)

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, less when the server closes; True when closed."""
        return self._stop.wait(seconds)


class _Handler(BaseHTTPRequestHandler):
    server_owner: LoopbackModel
    protocol_version = "HTTP/1.0"  # one request per connection: nothing lingers
    timeout = 10  # a client that connects and says nothing cannot hold a thread for long

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass  # quiet test output

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("content-length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            body = {}
        headers = {k.lower(): v for k, v in self.headers.items()}
        owner = self.server_owner
        reply = owner.next_reply(Request(self.path, headers, body))
        if reply.delay_s and owner.wait(reply.delay_s):
            return  # closing: the client has long given up
        anthropic = self.path.rstrip("/").endswith("/messages")
        if reply.echo_key:  # as some endpoints do: "Invalid API key provided: sk-…"
            sent = headers.get("authorization", "").removeprefix("Bearer ")
            sent = sent or headers.get("x-api-key", "")
            reply = replace(reply, text=f"{reply.text} (you sent {sent})", echoed=sent)
        try:
            if reply.raw is not None:
                self._send(200, reply.raw, reply.headers)
            elif reply.status != 200:
                self._send(reply.status, _error_body(reply, anthropic), reply.headers)
            elif body.get("stream"):
                events = (
                    _anthropic_events(reply, body) if anthropic else _openai_chunks(reply, body)
                )
                self._stream(events)
            else:
                answer = (
                    _anthropic_message(reply, body) if anthropic else _openai_answer(reply, body)
                )
                self._send(200, json.dumps(answer).encode(), reply.headers)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout or cancel)

    def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    def _stream(self, events: list[tuple[str | None, str]]) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for event, data in events:
            head = f"event: {event}\n" if event else ""
            self.wfile.write(f"{head}data: {data}\n\n".encode())
            self.wfile.flush()


def _error_body(reply: Reply, anthropic: bool) -> bytes:
    message = {401: "invalid api key", 429: "rate limit reached", 500: "the server broke"}.get(
        reply.status, f"status {reply.status}"
    )
    if reply.echoed:
        message = f"Invalid API key provided: {reply.echoed}"
    if anthropic:
        return json.dumps(
            {"type": "error", "error": {"type": "api_error", "message": message}}
        ).encode()
    return json.dumps(
        {"error": {"message": message, "type": "server_error", "code": None}}
    ).encode()


def _openai_answer(reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": f"call_{i}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            for i, (name, args) in enumerate(reply.tool_calls)
        ]
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model") or "unknown",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if reply.tool_calls else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": reply.output_tokens,
            "total_tokens": reply.input_tokens + reply.output_tokens,
        },
    }


def _openai_chunks(reply: Reply, body: dict[str, Any]) -> list[tuple[str | None, str]]:
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0}
    base["model"] = body.get("model") or "unknown"

    def chunk(delta: dict[str, Any], finish: str | None = None) -> tuple[None, str]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return None, json.dumps({**base, "choices": [choice]})

    out = [chunk({"role": "assistant", "content": ""})]
    words = reply.text.split(" ")
    for i, word in enumerate(words):
        out.append(chunk({"content": word + (" " if i < len(words) - 1 else "")}))
    for i, (name, args) in enumerate(reply.tool_calls):
        text = json.dumps(args)
        start = {"index": i, "id": f"call_{i}", "type": "function"}
        out.append(chunk({"tool_calls": [{**start, "function": {"name": name, "arguments": ""}}]}))
        for piece in (text[: len(text) // 2], text[len(text) // 2 :]):
            out.append(chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]}))
    out.append(chunk({}, "tool_calls" if reply.tool_calls else "stop"))
    usage = {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": reply.output_tokens,
        "total_tokens": reply.input_tokens + reply.output_tokens,
    }
    out.append((None, json.dumps({**base, "choices": [], "usage": usage})))
    out.append((None, "[DONE]"))
    return out


def _anthropic_message(reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text else []
    content += [
        {"type": "tool_use", "id": f"toolu_{i}", "name": name, "input": args}
        for i, (name, args) in enumerate(reply.tool_calls)
    ]
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": body.get("model") or "unknown",
        "content": content,
        "stop_reason": "tool_use" if reply.tool_calls else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens},
    }


def _anthropic_events(reply: Reply, body: dict[str, Any]) -> list[tuple[str | None, str]]:
    def event(kind: str, data: dict[str, Any]) -> tuple[str, str]:
        return kind, json.dumps({"type": kind, **data})

    start = _anthropic_message(reply, body)
    start.update(content=[], stop_reason=None)
    start["usage"] = {"input_tokens": reply.input_tokens, "output_tokens": 1}
    out = [event("message_start", {"message": start})]
    index = 0
    if reply.text:
        out.append(
            event(
                "content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}
            )
        )
        for i, word in enumerate(reply.text.split(" ")):
            delta = {"type": "text_delta", "text": word if i == 0 else " " + word}
            out.append(event("content_block_delta", {"index": 0, "delta": delta}))
        out.append(event("content_block_stop", {"index": 0}))
        index = 1
    for i, (name, args) in enumerate(reply.tool_calls, index):
        block = {"type": "tool_use", "id": f"toolu_{i}", "name": name, "input": {}}
        out.append(event("content_block_start", {"index": i, "content_block": block}))
        delta = {"type": "input_json_delta", "partial_json": json.dumps(args)}
        out.append(event("content_block_delta", {"index": i, "delta": delta}))
        out.append(event("content_block_stop", {"index": i}))
    stop = "tool_use" if reply.tool_calls else "end_turn"
    out.append(
        event(
            "message_delta",
            {
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": reply.output_tokens},
            },
        )
    )
    out.append(event("message_stop", {}))
    return out
