"""Code checks: evaluators that need no network. Each reads one model call (a row of
``store/sql/eval_inputs.sql``) and gives a verdict: label ``pass`` or ``fail``, score 1 or 0,
and an explanation a reviewer can check.

A check is named by a spec, ``name`` or ``name:argument``: ``contains:refund``,
``regex:\\d+ days``, ``json``, ``json-schema:schema.json``, ``tool-called:search_kb``,
``tool-not-called:issue_refund``, ``tool-args-valid``, ``latency<2s``, ``tokens<8000``,
``cost<0.05``, ``grounded:0.6``, ``no-refusal``, ``not-truncated``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from spanscope.core.evaluators.verdicts import Verdict, fail, passed
from spanscope.core.replay_request import tool_definitions

Row = Mapping[str, Any]
Check = Callable[[Row], Verdict]

REFUSAL_REASONS = {"content_filter", "refusal", "safety", "blocked", "prohibited_content"}
TRUNCATION_REASONS = {"length", "max_tokens", "max_output_tokens", "model_length"}
# Opening phrases of answers that decline; checked on the answer's first 200 characters.
_REFUSAL_TEXT = re.compile(
    r"\b(I(?:'m| am) (?:sorry|unable|not able)|I can(?:no|')t (?:help|assist|do|provide|comply)"
    r"|I won't|as an AI\b)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "this",
        "that",
        "as",
        "at",
        "by",
        "from",
        "your",
        "you",
        "we",
        "our",
        "i",
        "not",
        "no",
        "yes",
        "do",
        "does",
        "can",
        "will",
    ]
)
_THRESHOLD = re.compile(r"^(latency|tokens|cost)\s*(<=|<)\s*(.+)$")


class CheckError(ValueError):
    """A check spec that cannot be used; the message says why."""


def answer_text(row: Row) -> str:
    """The text the model answered (all output messages, in order)."""
    return "\n".join(str(m.get("content") or "") for m in row.get("output_messages") or ())


def called_tools(row: Row) -> list[Mapping[str, Any]]:
    """The tool calls the model requested (on the span or in its output messages)."""
    calls = list(row.get("tool_calls") or ())
    for message in row.get("output_messages") or ():
        calls += list(message.get("tool_calls") or ())
    return calls


def check_needs(spec: str) -> frozenset[str]:
    """What a check reads besides the messages, tool calls and numbers of a call."""
    name = spec.strip().partition(":")[0]
    if name == "tool-args-valid":
        return frozenset({"attributes"})
    if name in ("no-refusal", "not-truncated"):
        return frozenset({"finish_reason"})
    return frozenset()


def parse_check(spec: str) -> Check:
    """The check a spec names; :class:`CheckError` when it names none."""
    threshold = _THRESHOLD.match(spec.strip())
    if threshold:
        return _threshold(threshold.group(1), threshold.group(3))
    name, _, argument = spec.strip().partition(":")
    builders: dict[str, Callable[[str], Check]] = {
        "contains": _contains,
        "not-contains": lambda a: _contains(a, False),
        "regex": _regex,
        "json": lambda _a: _json,
        "json-schema": _json_schema,
        "tool-called": lambda a: _tool_called(a, True),
        "tool-not-called": lambda a: _tool_called(a, False),
        "tool-args-valid": lambda _a: _tool_args_valid,
        "grounded": _grounded,
        "no-refusal": lambda _a: _no_refusal,
        "not-truncated": lambda _a: _not_truncated,
    }
    if name not in builders:
        raise CheckError(
            f"unknown check {name!r}; known: {', '.join(sorted(builders))}, "
            "latency<2s, tokens<8000, cost<0.05"
        )
    needs_argument = {
        "contains",
        "not-contains",
        "regex",
        "json-schema",
        "tool-called",
        "tool-not-called",
    }
    if name in needs_argument and not argument:
        raise CheckError(f"{name} needs an argument: {name}:VALUE")
    return builders[name](argument)


def _contains(text: str, wanted: bool = True) -> Check:
    """The answer contains ``text`` (any case); ``wanted`` False: it must not."""

    def check(row: Row) -> Verdict:
        found = text.lower() in answer_text(row).lower()
        said = f"the answer {'contains' if found else 'does not contain'} {text!r}"
        return passed(said) if found == wanted else fail(said)

    return check


def _regex(pattern: str) -> Check:
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise CheckError(f"regex:{pattern} is not a regular expression: {exc}") from None

    def check(row: Row) -> Verdict:
        match = compiled.search(answer_text(row))
        return (
            passed(f"matched {match.group(0)[:80]!r}")
            if match
            else fail(f"no match for /{pattern}/")
        )

    return check


def _json(row: Row) -> Verdict:
    text = answer_text(row).strip()
    try:
        json.loads(text)
    except ValueError as exc:
        return fail(f"the answer is not JSON: {exc}")
    return passed("the answer is valid JSON")


def _json_schema(path: str) -> Check:
    import jsonschema  # only this check needs it

    try:
        schema = json.loads(Path(path).read_text(encoding="utf-8"))
        validator = jsonschema.Draft202012Validator(schema)
    except (OSError, ValueError, jsonschema.SchemaError) as exc:
        raise CheckError(f"json-schema:{path} cannot be used: {exc}") from None

    def check(row: Row) -> Verdict:
        try:
            value = json.loads(answer_text(row).strip())
        except ValueError as exc:
            return fail(f"the answer is not JSON: {exc}")
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
        if errors:
            where = "/".join(str(p) for p in errors[0].path) or "(top)"
            return fail(f"{len(errors)} schema error(s); first at {where}: {errors[0].message}")
        return passed("the answer matches the schema")

    return check


def _tool_called(name: str, wanted: bool) -> Check:
    def check(row: Row) -> Verdict:
        names = [str(c.get("name") or "") for c in called_tools(row)]
        called = name in names
        said = f"{name} was {'called' if called else 'not called'}"
        if names:
            said += f" (called: {', '.join(names)})"
        return passed(said) if called == wanted else fail(said)

    return check


def _tool_args_valid(row: Row) -> Verdict:
    import jsonschema

    attributes = row.get("attributes")
    if isinstance(attributes, str):
        attributes = json.loads(attributes or "{}")
    declared = {t["name"]: t.get("parameters") for t in tool_definitions(attributes or {})}
    calls = called_tools(row)
    if not calls:
        return passed("no tool was called")
    problems = []
    for call in calls:
        name = str(call.get("name") or "")
        if name not in declared:
            problems.append(f"{name or '(no name)'} is not a declared tool")
            continue
        try:
            arguments = json.loads(call.get("arguments") or "{}")
        except ValueError:
            problems.append(f"{name}: arguments are not JSON")
            continue
        schema = declared[name]
        if isinstance(schema, dict):
            error = jsonschema.exceptions.best_match(
                jsonschema.Draft202012Validator(schema).iter_errors(arguments)
            )
            if error is not None:
                problems.append(f"{name}: {error.message}")
    if problems:
        return fail("; ".join(problems))
    return passed(f"{len(calls)} tool call(s) match the declared schemas")


def _threshold(what: str, limit_text: str) -> Check:
    from spanscope.core.filter_fields import parse_duration_ns, parse_number

    try:
        limit = parse_duration_ns(limit_text) if what == "latency" else parse_number(limit_text)
    except ValueError as exc:
        raise CheckError(f"{what}<{limit_text}: {exc}") from None
    column = {"latency": "duration_ns", "tokens": "tokens", "cost": "cost"}[what]

    def shown(value: float) -> str:
        if what == "latency":
            return f"{value / 1e9:.3g} s"
        return f"${value:.4g}" if what == "cost" else f"{value:,.0f}"

    def check(row: Row) -> Verdict:
        value = row.get(column)
        if value is None:
            return Verdict(None, None, f"the call records no {what}", error=f"no {what} recorded")
        if value < limit:
            return passed(f"{what} {shown(value)} under {shown(limit)}")
        return fail(f"{what} {shown(value)} at or over {shown(limit)}")

    return check


def _grounded(argument: str) -> Check:
    try:
        minimum = float(argument) if argument else 0.6
    except ValueError:
        raise CheckError(f"grounded:{argument}: give the share of answer words, e.g. 0.6") from None

    def check(row: Row) -> Verdict:
        chunks = [str(c) for c in row.get("chunks") or () if c]
        answer = _content_words(answer_text(row))
        if not chunks:
            return Verdict(
                None,
                None,
                "no chunks were retrieved before this call",
                error="nothing to ground in",
            )
        if not answer:
            return passed("the answer has no content words")
        source = frozenset().union(*(_chunk_words(c) for c in chunks))
        share = len(answer & source) / len(answer)
        said = f"{share:.0%} of the answer's content words appear in the {len(chunks)} chunk(s)"
        return Verdict("pass" if share >= minimum else "fail", round(share, 4), said)

    return check


@lru_cache(maxsize=4096)  # a trace's chunks are read by each of its model calls
def _chunk_words(text: str) -> frozenset[str]:
    return frozenset(_content_words(text))


def _content_words(text: str) -> set[str]:
    """Words that carry content: not stop words, longer than two letters; every number
    counts (a wrong number is the commonest ungrounded claim)."""
    return {
        w for w in _WORD.findall(text.lower()) if w.isdigit() or (w not in _STOP and len(w) > 2)
    }


def _no_refusal(row: Row) -> Verdict:
    reason = row.get("finish_reason")
    if reason in REFUSAL_REASONS:
        return fail(f"the provider stopped the answer: finish reason {reason}")
    match = _REFUSAL_TEXT.search(answer_text(row)[:200])
    if match:
        return fail(f"the answer declines: {match.group(0)!r}")
    return passed("no refusal")


def _not_truncated(row: Row) -> Verdict:
    reason = row.get("finish_reason")
    if reason in TRUNCATION_REASONS:
        return fail(f"the answer was cut short: finish reason {reason}")
    return passed(f"finish reason {reason}" if reason else "no sign of truncation")
