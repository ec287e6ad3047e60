"""What is new in a model call's prompt: agents resend the whole conversation at every call,
so the messages that matter at step N are those the previous call had not seen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_SAME = ("role", "content", "name", "tool_call_id")


def _key(message: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(repr(message.get(k)) for k in _SAME)


def repeated_prefix(before: Sequence[dict[str, Any]], now: Sequence[dict[str, Any]]) -> int:
    """How many of ``now``'s first messages repeat ``before`` (the previous call's prompt
    followed by its answer) in order: the part of the prompt nothing new is in."""
    count = 0
    for old, new in zip(before, now, strict=False):
        if _key(old) != _key(new):
            break
        count += 1
    return count
