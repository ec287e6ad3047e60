"""Which records a format's consumer can use. A record that breaks one of its format's rules is
not written; the export counts it under the rule, and the dialog and the command line say so.

The rules follow what the consumers check: OpenAI's chat fine-tuning format (every tool reply
answers an earlier call by id, every call before the final answer has its reply, something to
train on that is not a known failure), Inspect (no sample without input), and scorers that
compare against a target (a sample without an expected output would pass with any answer).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from spanscope.core.eval_export.messages import Message
from spanscope.core.eval_export.records import EvalRecord


@dataclass(frozen=True)
class Rule:
    """A reason a record is left out of a format, and how to tell that it applies."""

    name: str  # short, for counts: "no input"
    reason: str  # the whole sentence shown to the user
    breaks: Callable[[EvalRecord], bool]


def asks_nothing(r: EvalRecord) -> bool:
    return not any(
        m["role"] != "system" and (m.get("content") or m.get("tool_calls")) for m in r.input
    )


def conversation_problem(messages: Sequence[Message]) -> str | None:
    """Why a chat conversation breaks the pairing of tool calls and replies, or None: a reply
    must answer an earlier call by id, and every call before the final message needs a reply
    (parallel calls one each)."""
    open_ids: set[str] = set()
    for position, m in enumerate(messages):
        if m["role"] == "tool":
            wanted = m.get("tool_call_id") or ""
            if wanted not in open_ids:
                return "reply without call"
            open_ids.discard(wanted)
            continue
        if open_ids:
            return "unanswered call"
        calls = m.get("tool_calls") or []
        if any(not c.get("id") for c in calls):
            return "empty id"
        if position < len(messages) - 1:
            open_ids.update(c["id"] for c in calls)
    return "unanswered call" if open_ids else None


def training_target(r: EvalRecord) -> list[Message]:
    """What a fine-tuning example teaches: the expected output, else the recorded answer."""
    return [{"role": "assistant", "content": r.expected}] if r.expected else list(r.output)


NO_INPUT = Rule("no input", "no question or messages to send to the model", asks_nothing)
NO_QUESTION = Rule(
    "no question", "the user's question is not in the trace", lambda r: not r.question
)
NO_EXPECTED = Rule(
    "no expected output",
    "no expected output: a scorer would count any answer as correct",
    lambda r: not r.expected,
)
FAILED_ANSWER = Rule(
    "failure without expected output",
    "labelled a failure and no expected output: its recorded answer is the failure, not an "
    "example to learn from",
    lambda r: bool(r.failures) and not r.expected,
)
NO_ANSWER = Rule(
    "no answer",
    "no expected output and no recorded answer to learn from",
    lambda r: not any(m.get("content") or m.get("tool_calls") for m in training_target(r)),
)
REPLY_WITHOUT_CALL = Rule(
    "tool reply without a call",
    "a tool reply that answers no earlier tool call",
    lambda r: conversation_problem([*r.input, *training_target(r)]) == "reply without call",
)
UNANSWERED_CALL = Rule(
    "unanswered tool call",
    "a tool call (or one of parallel calls) with no reply before the conversation goes on",
    lambda r: (
        conversation_problem([*r.input, *training_target(r)]) in ("unanswered call", "empty id")
    ),
)
UNPAIRED_INPUT = Rule(
    "unpaired tool call",
    "a tool call without its reply, or a reply without its call, in the input",
    lambda r: conversation_problem([*r.input, {"role": "user", "content": "-"}]) is not None,
)
NOTHING_TO_JUDGE = Rule(
    "nothing to judge",
    "neither retrieved contexts nor an answer",
    lambda r: not (r.contexts or r.answer),
)

TRAINING = (NO_INPUT, FAILED_ANSWER, NO_ANSWER, REPLY_WITHOUT_CALL, UNANSWERED_CALL)
SCORED_CHAT = (NO_INPUT, NO_EXPECTED, UNPAIRED_INPUT)
SCORED_QUESTION = (NO_QUESTION, NO_INPUT, NO_EXPECTED)
RAG = (NO_QUESTION, NOTHING_TO_JUDGE)


def split(
    records: Sequence[EvalRecord], rules: Sequence[Rule]
) -> tuple[list[EvalRecord], Counter[str]]:
    """The records every rule lets through, and how many each rule kept out (the first rule a
    record breaks is the one counted)."""
    kept: list[EvalRecord] = []
    skipped: Counter[str] = Counter()
    for r in records:
        broken = next((rule for rule in rules if rule.breaks(r)), None)
        if broken is None:
            kept.append(r)
        else:
            skipped[broken.reason] += 1
    return kept, skipped
