"""Pieces of the Replay call dialog that need no widget: whether an SDK is installed, and the
text of its result and stored re-run rows."""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

from spanscope.core.replay_request import CallOutput
from spanscope.core.replay_runs import Run
from spanscope.core.replay_transport import INSTALL_HINT
from spanscope.ui import display


def sdk_missing(protocol: str) -> str | None:
    """Why a protocol cannot be used here (its SDK is not installed), without importing it."""
    try:
        # A module set to None in sys.modules cannot be imported (how tests hide one).
        missing = protocol in sys.modules and sys.modules[protocol] is None
        missing = missing or importlib.util.find_spec(protocol) is None
    except (ImportError, ValueError):
        missing = True
    if missing:
        return (
            f"Re-running calls needs the {protocol} Python SDK, which is not installed. "
            f"Install the replay extra: {INSTALL_HINT}"
        )
    return None


def answer_text(output: CallOutput | None) -> str:
    if output is None:
        return ""
    calls = "\n".join(
        f"→ tool call {c.get('name')}({c.get('arguments')})" for c in output.tool_calls
    )
    return "\n\n".join(t for t in (output.text, calls) if t)


def result_cells(row: int, run: Run | None, waiting: bool) -> tuple[str, ...]:
    if run is None:
        status = "waiting…" if waiting else "not sent"
        return (str(row + 1), status, "", "", "", "", "")
    outcome = run.outcome
    output = outcome.output
    status = f"failed: {outcome.error_kind}" if outcome.error else "answered"
    if run.not_stored:
        status += " (not stored)"
    same = {True: "same", False: "differs", None: "—"}[run.same_as_recorded]
    check = {True: "passed", False: "failed", None: "—"}[run.check_passed]
    tokens = display.tokens(output.input_tokens, output.output_tokens) if output else ""
    answer = outcome.error or display.one_line(answer_text(output), 200)
    return (str(row + 1), status, same, check, tokens, f"{outcome.latency_ms:,.0f} ms", answer)


def stored_cells(stored: dict[str, Any]) -> tuple[str, ...]:
    status = f"failed: {stored.get('error_kind') or 'error'}" if stored.get("error") else "answered"
    same = {True: "same", False: "differs", None: "—"}[stored.get("same_as_recorded")]
    answer = stored.get("error") or stored.get("output_text") or ""
    return (
        str(stored["replay_id"]),
        str(stored.get("created_at") or "")[:19],
        str(stored.get("endpoint") or ""),
        str(stored.get("model") or ""),
        status,
        same,
        display.one_line(answer, 200),
    )
