"""Raw provider logs for the benchmark: OpenAI Chat Completions request/response pairs as a team
logs them (one JSON object per line), and the import speed of such a file.

    python bench/provider_fixtures.py [--records 100000] [--seed 7] [--workdir bench/work]

writes ``provider-<records>-<seed>.jsonl`` in the work directory (kept between runs), imports it
into a fresh database and prints one line: records, file size, seconds, spans per second and
the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "app"))  # run from a checkout without installing

MODELS = (
    ("gpt-4o", "gpt-4o-2024-08-06"),
    ("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
    ("gpt-4.1-nano", "gpt-4.1-nano-2025-04-14"),
    ("o4-mini", "o4-mini-2025-04-16"),
)
QUESTIONS = (
    "Where is my order {n}? It was supposed to arrive on Tuesday.",
    "Can I change the shipping address for order {n} to 12 Rue de Rivoli, Paris?",
    "What is your refund policy for opened electronics? I bought headphones (order {n}).",
    "Summarise the attached ticket history for customer {n} in three bullet points.",
    "Translate the following product description into German: {n} ergonomic office chairs.",
)
SYSTEM = (
    "You are the support assistant of an online shop. Answer briefly and politely. Use the "
    "tools to look up orders and policies; never invent order data. "
) * 3
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "lookup_order",
            "description": "Find an order by id.",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string"}},
                "required": ["order_id"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "search_policies",
            "description": "Search the policy base.",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string"}, "top_k": {"type": "integer"}},
            },
        },
    },
]
T0_MS = 1_740_000_000_000


def openai_records(count: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """``count`` logged calls: about a third ask for a tool, a third answer after a tool result,
    1 in 50 is a rate-limit error recorded as an HTTP response."""
    rng = random.Random(seed)
    for i in range(count):
        requested, resolved = MODELS[rng.randrange(len(MODELS))]
        order = f"A-{rng.randrange(10**6):06d}"
        question = QUESTIONS[rng.randrange(len(QUESTIONS))].format(n=order)
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": question},
        ]
        shape = rng.random()
        if shape > 0.66:  # the second turn: the tool was called and answered
            messages += [
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": f"call_{i:08x}p",
                            "type": "function",
                            "function": {
                                "name": "lookup_order",
                                "arguments": json.dumps({"order_id": order}),
                            },
                        }
                    ],
                },
                {
                    "role": "tool",
                    "tool_call_id": f"call_{i:08x}p",
                    "content": json.dumps(
                        {
                            "order_id": order,
                            "status": "in transit",
                            "eta": "2025-03-04",
                            "carrier": "DHL",
                        }
                    ),
                },
            ]
        request = {
            "model": requested,
            "messages": messages,
            "tools": TOOLS,
            "tool_choice": "auto",
            "temperature": rng.choice((0, 0.2, 0.7)),
            "max_tokens": rng.choice((256, 512, 1024)),
            "user": f"user-{rng.randrange(5000)}",
        }
        start_ms = T0_MS + i * 900 + rng.randrange(900)
        latency = rng.randrange(250, 9000)
        envelope = {
            "timestamp": start_ms,
            "latency_ms": latency,
            "session_id": f"sess-{i // 6}",
            "metadata": {"service": "support-bot", "region": rng.choice(("eu", "us"))},
        }
        if rng.random() < 0.02:
            yield {
                **envelope,
                "request": request,
                "response": {
                    "status": 429,
                    "headers": {"content-type": "application/json", "x-request-id": f"req_{i}"},
                    "body": json.dumps(
                        {
                            "error": {
                                "message": f"Rate limit reached for {requested}.",
                                "type": "requests",
                                "param": None,
                                "code": "rate_limit_exceeded",
                            }
                        }
                    ),
                },
            }
            continue
        prompt = 300 + sum(len(str(m.get("content") or "")) for m in messages) // 4
        cached = rng.choice((0, 0, 1024)) if prompt > 1024 else 0
        reasoning = rng.randrange(0, 400) if requested == "o4-mini" else 0
        if 0.33 < shape <= 0.66:
            message: dict[str, Any] = {
                "role": "assistant",
                "content": None,
                "refusal": None,
                "tool_calls": [
                    {
                        "id": f"call_{i:08x}",
                        "type": "function",
                        "function": {
                            "name": "lookup_order",
                            "arguments": json.dumps({"order_id": order}),
                        },
                    }
                ],
            }
            finish, completion = "tool_calls", 18 + reasoning
        else:
            text = (
                f"Your order {order} is in transit with DHL and should arrive on 4 March. "
                "You can follow it with the tracking link in your confirmation e-mail."
            )
            message = {"role": "assistant", "content": text, "refusal": None, "annotations": []}
            finish, completion = "stop", len(text) // 4 + reasoning
        response = {
            "id": f"chatcmpl-{seed:x}{i:010x}",
            "object": "chat.completion",
            "created": start_ms // 1000,
            "model": resolved,
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": reasoning,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
            "service_tier": "default",
            "system_fingerprint": f"fp_{rng.randrange(16**8):08x}",
        }
        yield {**envelope, "request": request, "response": response}


def write_openai_jsonl(path: Path, records: int | Iterable[dict[str, Any]], seed: int = 7) -> Path:
    """Write logged OpenAI calls to ``path`` as JSON Lines: ``records`` generated ones when it
    is a number, else the records given. Returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = openai_records(records, seed) if isinstance(records, int) else records
    with open(path, "w", encoding="utf-8") as out:
        for record in rows:
            out.write(json.dumps(record, separators=(",", ":")))
            out.write("\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=REPO / "bench" / "work")
    args = parser.parse_args(argv)

    from spanscope.ingest import import_paths
    from spanscope.store import Database

    source = args.workdir / f"provider-{args.records}-{args.seed}.jsonl"
    if not source.exists():
        write_openai_jsonl(source, args.records, args.seed)
    target = args.workdir / "provider-import.duckdb"
    for leftover in (target, target.with_suffix(".duckdb.wal")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    db = Database.open(target)
    try:
        [result] = list(import_paths(db, [source]))
    finally:
        db.close()
    seconds = time.perf_counter() - started
    if result.error:
        print(f"provider-log import failed: {result.error}", file=sys.stderr)
        return 1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"provider-log import: {result.spans} records, {source.stat().st_size / 2**20:.0f} MB, "
        f"{seconds:.1f} s, {result.spans / seconds:,.0f} spans/s, peak RSS {peak_mb:,.0f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
