"""Langfuse usage and cost as GenAI usage (input including cached input, output including
reasoning) and ``llm.cost.total``."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from spanscope.importers.values import decode_json_text
from spanscope.model import conventions
from spanscope.model.attributes import SpanAttributes

_EXCLUSIVE_INPUT = re.compile(
    r"^(input_.+|cached_.+|cache_read_input_tokens|cache_creation_input_tokens)$"
)
_INCLUSIVE_INPUT = re.compile(r"^prompt_details\..+$")
_EXCLUSIVE_OUTPUT = re.compile(r"^output_.+$")
_INCLUSIVE_OUTPUT = re.compile(r"^completion_details\..+$")
_CACHE_READ = re.compile(
    r"^(input_cache_read|input_cached_tokens|input_cached|input_cache_read_tokens|cache_read_input_tokens"
    r"|prompt_details\.cache_read|cached_modality_.+)$"
)
_CACHE_WRITE = re.compile(
    r"^(input_cache_creation.*|input_cache_write|cache_creation_input_tokens|prompt_details\.cache_write"
    r"|prompt_details\.cache_creation)$"
)
_REASONING = re.compile(
    r"^(output_reasoning|output_reasoning_tokens|completion_details\.reasoning"
    r"|thoughts|thoughts_tokens|thoughts_token_count|thoughtsTokenCount)$"
)
# Gemini counts thinking apart from the answer (candidates exclude thoughts): added to output.
_THOUGHTS = re.compile(r"^(thoughts|thoughts_tokens|thoughts_token_count|thoughtsTokenCount)$")


def usage_attributes(o: dict[str, Any], model_call: bool) -> SpanAttributes:
    """``gen_ai.usage.*`` from an observation's usageDetails (or legacy usage fields)."""
    details = o.get("usageDetails")
    details = decode_json_text(details)
    if not isinstance(details, dict) or not details:
        legacy = decode_json_text(o.get("usage"))
        details = {}
        if isinstance(legacy, dict) and str(legacy.get("unit") or "TOKENS").upper() == "TOKENS":
            details = {k: v for k, v in legacy.items() if k in ("input", "output", "total")}
        for source, target in (
            ("promptTokens", "input"),
            ("completionTokens", "output"),
            ("totalTokens", "total"),
        ):
            if target not in details and o.get(source) is not None:
                details[target] = o[source]
    numbers = {
        k: v for k, v in details.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
    }
    if not numbers or (not model_call and not any(numbers.values())):
        return SpanAttributes()
    return usage_from_details(numbers)


def usage_from_details(numbers: dict[str, int | float]) -> SpanAttributes:
    """Langfuse usage details as GenAI usage (input incl. cache, output incl. reasoning)."""
    base_in = first_number(numbers, "input", "input_tokens", "prompt_tokens", "promptTokens")
    base_out = first_number(
        numbers, "output", "output_tokens", "completion_tokens", "completionTokens"
    )
    total = first_number(numbers, "total", "total_tokens", "totalTokens")
    excl_in = sum(
        v for k, v in numbers.items() if _EXCLUSIVE_INPUT.match(k) and k != "input_tokens"
    )
    excl_out = sum(
        v
        for k, v in numbers.items()
        if (_EXCLUSIVE_OUTPUT.match(k) and k != "output_tokens") or _THOUGHTS.match(k)
    )
    incl_in = sum(v for k, v in numbers.items() if _INCLUSIVE_INPUT.match(k))
    incl_out = sum(v for k, v in numbers.items() if _INCLUSIVE_OUTPUT.match(k))
    details_in, details_out = excl_in + incl_in, excl_out + incl_out
    plain = (base_in or 0) + (base_out or 0)
    if total is not None and details_in + details_out and plain + details_in + details_out == total:
        exclusive = True
    elif total is not None and plain == total:
        exclusive = False
    else:
        exclusive = bool(excl_in or excl_out) or not (incl_in or incl_out)
    out = SpanAttributes()
    if base_in is not None or (exclusive and details_in):
        out[conventions.GEN_AI_USAGE_INPUT_TOKENS] = _int(
            (base_in or 0) + (details_in if exclusive else 0)
        )
    if base_out is not None or (exclusive and details_out):
        out[conventions.GEN_AI_USAGE_OUTPUT_TOKENS] = _int(
            (base_out or 0) + (details_out if exclusive else 0)
        )
    for pattern, key in (
        (_CACHE_READ, conventions.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
        (_CACHE_WRITE, conventions.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS),
        (_REASONING, conventions.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS),
    ):
        found = [v for k, v in numbers.items() if pattern.match(k)]
        if found:
            out[key] = _int(sum(found))
    if total is not None:
        out[conventions.GEN_AI_USAGE_TOTAL_TOKENS] = _int(total)
    return out


def _int(value: int | float | Decimal) -> int | float:
    if isinstance(value, Decimal):
        value = float(value)
    return int(value) if float(value).is_integer() else value


def recorded_cost(o: dict[str, Any]) -> float | None:
    """The cost Langfuse recorded for an observation (its details' total, or their sum)."""
    details = decode_json_text(o.get("costDetails"))
    if isinstance(details, dict) and details:
        total = details.get("total")
        if isinstance(total, (int, float)) and not isinstance(total, bool):
            return total
        values = [
            v for v in details.values() if isinstance(v, (int, float)) and not isinstance(v, bool)
        ]
        if values:
            return sum(values)
    for key in ("calculatedTotalCost", "totalCost"):
        value = o.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value:
            return value
    return None


def first_number(values: dict[str, Any], *keys: str) -> int | float | None:
    """The first of ``keys`` that holds a number (or numeric text)."""
    for key in keys:
        value = values.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value.strip()):
            return float(value) if "." in value else int(value)
    return None
