"""Whether re-runs answered the same: grouping outputs, comparing with the recording, and the
simple check a person chooses to count how often a failure reproduces.

Two answers are "the same" when their text is equal after collapsing whitespace and their
tool calls name the same tools with the same arguments (compared as JSON, so key order and
spacing do not matter). Case and punctuation do count: a model that starts answering
differently is what a replay is meant to notice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from spanscope.core.replay_request import CallOutput

CHECK_KINDS = ("contains", "not-contains", "equals-recorded", "tool-called")


def sameness_key(output: CallOutput) -> str:
    """A key equal for answers that count as the same."""
    calls = sorted(
        (str(c.get("name") or ""), _canonical(c.get("arguments"))) for c in output.tool_calls
    )
    return json.dumps([" ".join(output.text.split()), calls], ensure_ascii=False)


def same_as(output: CallOutput | None, recorded: CallOutput) -> bool | None:
    """True/False for an answer, None for a run that failed."""
    if output is None:
        return None
    return sameness_key(output) == sameness_key(recorded)


@dataclass(frozen=True)
class Check:
    """A check on one answer: ``contains`` / ``not-contains`` a text (case-insensitive),
    ``equals-recorded``, or ``tool-called`` a tool name."""

    kind: str
    value: str = ""

    @classmethod
    def parse(cls, text: str) -> Check:
        """From ``contains:TEXT``, ``not-contains:TEXT``, ``equals-recorded``, ``tool-called:NAME``."""
        kind, _, value = text.partition(":")
        kind = kind.strip().lower().replace("_", "-")
        aliases = {"tool": "tool-called", "equals": "equals-recorded", "same": "equals-recorded"}
        kind = aliases.get(kind, kind)
        if kind not in CHECK_KINDS:
            raise ValueError(
                f"unknown check {text!r}: use contains:TEXT, not-contains:TEXT, "
                "equals-recorded or tool-called:NAME"
            )
        if kind != "equals-recorded" and not value:
            raise ValueError(f"the check {kind} needs a value, e.g. {kind}:refund")
        return cls(kind, value)

    def describe(self) -> str:
        if self.kind == "equals-recorded":
            return "answer equals the recorded one"
        if self.kind == "tool-called":
            return f"tool {self.value} is called"
        negation = "does not contain" if self.kind == "not-contains" else "contains"
        return f"answer {negation} “{self.value}”"

    def passed(self, output: CallOutput | None, recorded: CallOutput) -> bool | None:
        """None for a failed run (it answered nothing to check)."""
        if output is None:
            return None
        if self.kind == "equals-recorded":
            return same_as(output, recorded)
        if self.kind == "tool-called":
            return any(c.get("name") == self.value for c in output.tool_calls)
        found = self.value.casefold() in output.text.casefold()
        return found if self.kind == "contains" else not found


@dataclass
class Group:
    """Answers that are the same, with the runs (positions in the batch) that gave them."""

    key: str
    example: CallOutput
    runs: list[int] = field(default_factory=list)
    same_as_recorded: bool = False


@dataclass
class BatchSummary:
    runs: int
    errors: int
    groups: list[Group]
    same_as_recorded: int
    check: Check | None = None
    check_passed: int = 0

    def text(self) -> str:
        """One line for a status bar or a terminal."""
        answered = self.runs - self.errors
        parts = [f"{self.runs} runs"]
        if self.errors:
            parts.append(f"{self.errors} failed")
        if answered:
            distinct = len(self.groups)
            parts.append(f"{distinct} distinct answer{'s' if distinct != 1 else ''}")
            parts.append(f"{self.same_as_recorded} of {answered} same as recorded")
        if self.check is not None and answered:
            parts.append(
                f"check ({self.check.describe()}) passed {self.check_passed} of {answered}"
            )
        return ", ".join(parts)


def summarise(
    outputs: Sequence[CallOutput | None], recorded: CallOutput, check: Check | None = None
) -> BatchSummary:
    """Group a batch's answers (most frequent first) and count checks; failed runs are None."""
    groups: dict[str, Group] = {}
    for position, output in enumerate(outputs):
        if output is None:
            continue
        key = sameness_key(output)
        group = groups.setdefault(key, Group(key, output))
        group.runs.append(position)
    recorded_key = sameness_key(recorded)
    for group in groups.values():
        group.same_as_recorded = group.key == recorded_key
    ordered = sorted(groups.values(), key=lambda g: (-len(g.runs), g.runs[0]))
    passed = 0
    if check is not None:
        passed = sum(1 for o in outputs if check.passed(o, recorded))
    return BatchSummary(
        runs=len(outputs),
        errors=sum(1 for o in outputs if o is None),
        groups=ordered,
        same_as_recorded=sum(len(g.runs) for g in ordered if g.same_as_recorded),
        check=check,
        check_passed=passed,
    )


def _canonical(arguments: Any) -> str:
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            return " ".join(arguments.split())
    return json.dumps(arguments, sort_keys=True, ensure_ascii=False)
