"""Inspect logs that keep each message once: newer logs move the messages every model call
re-sends into a pool and leave references behind, so a model event read as written has no input.

Two layouts are read (inspect_ai ``event/_pool.py`` and ``log/_condense.py``):

- ``sample.message_pool``: a list of chat messages; a model event's ``input_refs`` is a list of
  ``[start, end_exclusive]`` ranges into it, in order, standing for its ``input``;
- ``sample.events_data``: ``{"messages": [...], "calls": [...]}``; ``messages`` as above, and a
  model event's ``call.call_refs`` ranges into ``calls``, standing for the provider request's
  ``call.call_key`` field (``messages`` when absent).

Pool entries may hold ``attachment://`` references; the caller resolves attachments over the
whole sample first, pools included.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

POOL_KEYS = ("message_pool", "events_data")


def expand_pools(sample: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The sample with every pooled reference replaced by what it stands for, and how many
    references pointed outside their pool (counted so the import can say so)."""
    data = sample.get("events_data")
    data = data if isinstance(data, dict) else {}
    message_pool = data.get("messages") or sample.get("message_pool") or []
    call_pool = data.get("calls") or []
    events = sample.get("events")
    if not isinstance(events, list) or not (message_pool or call_pool):
        return sample, 0
    missing = 0
    expanded = []
    for event in events:
        if isinstance(event, dict) and event.get("event") == "model":
            event, lost = _expand_model_event(event, message_pool, call_pool)
            missing += lost
        expanded.append(event)
    return {**sample, "events": expanded}, missing


def _expand_model_event(
    event: dict[str, Any], message_pool: Sequence[Any], call_pool: Sequence[Any]
) -> tuple[dict[str, Any], int]:
    missing = 0
    refs = event.get("input_refs")
    if isinstance(refs, list) and not event.get("input"):
        found, missing = _expand(refs, message_pool)
        event = {k: v for k, v in event.items() if k != "input_refs"}
        event["input"] = found
    call = event.get("call")
    if isinstance(call, dict) and isinstance(call.get("call_refs"), list):
        found, lost = _expand(call["call_refs"], call_pool)
        missing += lost
        key = call.get("call_key") or "messages"
        request = call.get("request")
        request = dict(request) if isinstance(request, dict) else {}
        request[str(key)] = found
        rest = {k: v for k, v in call.items() if k not in ("call_refs", "call_key")}
        event = {**event, "call": {**rest, "request": request}}
    return event, missing


def _expand(refs: list[Any], pool: Sequence[Any]) -> tuple[list[Any], int]:
    """``pool[start:end]`` for each ``[start, end]`` range, in order."""
    out: list[Any] = []
    missing = 0
    for ref in refs:
        if not (isinstance(ref, (list, tuple)) and len(ref) == 2):
            missing += 1
            continue
        start, end = ref
        if not (isinstance(start, int) and isinstance(end, int)) or start < 0 or end < start:
            missing += 1
            continue
        out.extend(pool[start:end])
        missing += max(0, end - max(start, len(pool)))
    return out, missing
