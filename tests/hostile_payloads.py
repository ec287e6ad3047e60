"""Hostile text for the views: markup, links, terminal escapes, bidi tricks, huge lines.

:func:`write_hostile_otlp` writes an OTLP JSON file whose span names, attributes, messages,
tool arguments and results, retrieved chunks, service, user, model names and tags carry these
payloads, so a test can open every view on it and check that each is shown as the text it is.
Remote addresses are in TEST-NET-2 (198.51.100.0/24), which nothing answers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from otlp_builder import T0, attrs

HTML = (
    '<b>bold</b><script>alert("x")</script>'
    '<img src="http://198.51.100.7/pixel.png"><img src="file:///etc/hostname">'
)
LINKS = (
    '<a href="javascript:alert(1)">click me</a> '
    '<a href="file:///etc/passwd">passwd</a> javascript:alert(2) file:///etc/shadow'
)
MARKDOWN = "# Heading\n**bold** _it_ [link](http://198.51.100.7/) ![img](http://198.51.100.7/i.png)"
ANSI = "\x1b[31mred\x1b[0m \x1b[2J\x1b]8;;http://198.51.100.7/\x07osc link\x1b]8;;\x07 end"
RTL = "invoice_\u202egnp.exe\u202c and \u2067isolate\u2069"
ZERO_WIDTH = "ad\u200bmin\u200c\u200d\u2060\ufeffuser"
# A first line that Qt's rich-text sniffer takes for HTML (it only looks at the first tag).
TAG_FIRST = '<table><tr><td><img src="http://198.51.100.7/t.png">cell</td></tr></table>'

PAYLOADS: dict[str, str] = {
    "html": HTML,
    "links": LINKS,
    "markdown": MARKDOWN,
    "ansi": ANSI,
    "rtl": RTL,
    "zero_width": ZERO_WIDTH,
    "tag_first": TAG_FIRST,
}

# Markers that rich-text interpretation would swallow: if the source has one, the screen must.
MARKUP = ("<script>", "<img src=", "<a href=", "<b>", "<table>")

LONG_CHARS = 10_000_000
HOSTILE_TRACE = "0123456789abcdef0123456789abcdef"
LONG_TRACE = "fedcba9876543210fedcba9876543210"
ROOT = "1000000000000001"
LLM = "1000000000000002"
TOOL = "1000000000000003"
CHUNKS = "1000000000000004"
LONG_ROOT = "2000000000000001"
LONG_LLM = "2000000000000002"


def long_line(chars: int = LONG_CHARS) -> str:
    """One line of ``chars`` characters, with markup in it so interpretation would show."""
    unit = '<i>x</i> <a href="javascript:go()">y</a> \u200b\u202e '
    return (unit * (chars // len(unit) + 1))[:chars]


def everything(payloads: dict[str, str] = PAYLOADS) -> str:
    """All payloads on separate lines, for fields that show one text."""
    return "\n".join(payloads.values())


def _span(
    trace: str,
    span_id: str,
    name: str,
    attributes: dict[str, Any],
    *,
    parent: str | None = None,
    start_ms: int = 0,
    status_message: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "traceId": trace,
        "spanId": span_id,
        "name": name,
        "kind": 1,
        "startTimeUnixNano": str(T0 + start_ms * 1_000_000),
        "endTimeUnixNano": str(T0 + (start_ms + 100) * 1_000_000),
        "attributes": attrs(attributes),
    }
    if parent:
        out["parentSpanId"] = parent
    if status_message is not None:
        out["status"] = {"code": 2, "message": status_message}
    return out


def _messages(texts: list[str], role: str) -> str:
    return json.dumps([{"role": role, "parts": [{"type": "text", "content": t}]} for t in texts])


def _llm_attributes(model: str, text: str) -> dict[str, Any]:
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": model,
        "gen_ai.response.model": model,
        "gen_ai.usage.input_tokens": 10,
        "gen_ai.usage.output_tokens": 5,
        "gen_ai.input.messages": _messages(list(PAYLOADS.values()), "user"),
        "gen_ai.output.messages": _messages([text], "assistant"),
    }


def hostile_spans(trace: str = HOSTILE_TRACE, text: str = HTML) -> list[dict[str, Any]]:
    """A root, a model call, a tool and a retriever, every text field hostile; ``text`` is the
    one that goes where a single value is shown (names, model, tool result)."""
    tags = list(PAYLOADS.values())
    payload_attrs = {f"payload.{k}": v for k, v in PAYLOADS.items()}
    return [
        _span(
            trace,
            ROOT,
            text,
            {
                "gen_ai.operation.name": "invoke_agent",
                "user.id": ZERO_WIDTH,
                "session.id": RTL,
                "tag.tags": tags,
                **payload_attrs,
                HTML: LINKS,  # a hostile attribute key too
            },
        ),
        _span(trace, LLM, LINKS, _llm_attributes(text, text), parent=ROOT, start_ms=10),
        _span(
            trace,
            TOOL,
            ANSI,
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": TAG_FIRST,
                "gen_ai.tool.call.id": RTL,
                "gen_ai.tool.call.arguments": json.dumps({"q": text, "md": MARKDOWN}),
                "gen_ai.tool.call.result": text,
            },
            parent=LLM,
            start_ms=20,
            status_message=TAG_FIRST,
        ),
        _span(
            trace,
            CHUNKS,
            TAG_FIRST,
            {
                "gen_ai.operation.name": "retrieval",
                "gen_ai.retrieval.query.text": MARKDOWN,
                "gen_ai.retrieval.documents": json.dumps(
                    [
                        {"id": TAG_FIRST, "score": 0.9, "content": text},
                        {"id": "doc-2", "score": 0.5, "content": everything()},
                    ]
                ),
            },
            parent=ROOT,
            start_ms=30,
        ),
    ]


def _envelope(service: str, spans: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": attrs({"service.name": service})},
                "scopeSpans": [{"scope": {"name": LINKS}, "spans": spans}],
            }
        ]
    }


def hostile_documents(*, long_chars: int = LONG_CHARS) -> list[dict[str, Any]]:
    """OTLP documents: one trace of short payloads (service ``HTML``), then, when
    ``long_chars``, a trace whose single values are a huge line, one span a document (a JSON
    object stays under the reader's per-object limit)."""
    docs = [_envelope(HTML, hostile_spans())]
    if long_chars:
        docs += [
            _envelope(TAG_FIRST, [s]) for s in hostile_spans(LONG_TRACE, long_line(long_chars))
        ]
    return docs


def write_hostile_otlp(path: Path, *, long_chars: int = LONG_CHARS) -> Path:
    """Write the hostile corpus as OTLP JSON Lines at ``path``."""
    with path.open("w", encoding="utf-8") as out:
        for doc in hostile_documents(long_chars=long_chars):
            out.write(json.dumps(doc) + "\n")
    return path


# Substrings that mark a text as coming from this corpus.
FINGERPRINTS = ("198.51.100.7", "javascript:", "\x1b[", "\u202e", "\u200b", "<script>", "<i>x</i>")

# Secrets an instrumented app may have recorded; no export may carry them unless asked to.
OPENAI_KEY = "sk-proj-Zq8f3LkPq0aB7cD9eF1gH2iJ3kL4mN5o"
ANTHROPIC_KEY = "sk-ant-api03-Xy7Wv6Ut5Sr4Qp3On2Ml1Kj0Ih9Gf8Ed"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
BEARER = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJlLXZhbHVl"
PASSWORD = "correct-horse-battery-staple"
PLAIN_TOKEN = "tok_4f9a8b7c6d5e"  # looks like nothing: only its attribute name gives it away
SECRETS = (OPENAI_KEY, ANTHROPIC_KEY, AWS_KEY, BEARER, PASSWORD, PLAIN_TOKEN)
SECRET_TRACE = "5ec2e75ec2e75ec2e75ec2e75ec2e75e"
SECRET_SPAN = "5ec2e75ec2e70001"


def secret_document() -> dict[str, Any]:
    """One model call whose attributes and messages hold keys, a bearer token and a password."""
    attributes = {
        **_llm_attributes("gpt-4o", f"my key is {OPENAI_KEY}, the other {ANTHROPIC_KEY}"),
        "http.request.header.authorization": f"Bearer {BEARER}",
        "api_key": OPENAI_KEY,
        "db.password": PASSWORD,
        "auth.token": PLAIN_TOKEN,
        "aws.access_key_id": AWS_KEY,
        "gen_ai.request.max_tokens": 256,
    }
    return _envelope("billing", [_span(SECRET_TRACE, SECRET_SPAN, "chat gpt-4o", attributes)])


def leaked(data: bytes | str) -> list[str]:
    """The secrets found in ``data``."""
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    return [s for s in SECRETS if s in text]
