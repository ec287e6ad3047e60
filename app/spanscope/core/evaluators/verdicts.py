"""What an evaluator says of one model call."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """A label (``pass``/``fail`` for code checks; the template's labels for a judge), a score,
    an explanation, or an error: the evaluator could not judge (a malformed verdict, no
    answer from the endpoint, nothing to judge), never a guess."""

    label: str | None
    score: float | None
    explanation: str
    error: str | None = None


def passed(explanation: str) -> Verdict:
    return Verdict("pass", 1.0, explanation)


def fail(explanation: str) -> Verdict:
    return Verdict("fail", 0.0, explanation)


def error(message: str) -> Verdict:
    return Verdict(None, None, "", error=message)
