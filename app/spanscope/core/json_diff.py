"""Key-by-key differences between two JSON values (tool arguments, request parameters).

Objects are compared key by key and lists index by index, so ``{"a": 1, "b": 2}`` and
``{"b": 2, "a": 1}`` are the same and a changed filter shows as ``filters.date: "2024" → "2025"``
rather than as a reshuffled line of text. Text that is not JSON is compared as one value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

Change = Literal["added", "removed", "changed", "same"]
MISSING: Any = object()  # a key one side does not have (distinct from JSON null)
MAX_ENTRIES = 2_000  # keys reported per value; a huge payload is summarised past this


@dataclass(frozen=True)
class KeyChange:
    """One leaf key: its path (``filters.date``, ``items[2]``), what happened and both values
    as compact JSON text ('' when that side lacks the key)."""

    path: str
    change: Change
    a: str
    b: str


def parse(value: Any) -> Any:
    """A JSON text parsed; anything else (including text that is not JSON) as it is."""
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def compact(value: Any) -> str:
    if value is MISSING:
        return ""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def json_diff(a: Any, b: Any, *, keep_same: bool = False) -> list[KeyChange]:
    """Leaf differences between two JSON values (texts are parsed first). With
    ``keep_same`` the unchanged leaves are listed too, so a view can show them greyed."""
    out: list[KeyChange] = []
    _walk("", parse(a), parse(b), out, keep_same)
    return out


def same_json(a: Any, b: Any) -> bool:
    """Whether two JSON values are equal once parsed (key order does not matter)."""
    return bool(parse(a) == parse(b))


def _walk(path: str, a: Any, b: Any, out: list[KeyChange], keep_same: bool) -> None:
    if len(out) >= MAX_ENTRIES:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        keys = list(a) + [k for k in b if k not in a]
        for key in keys:
            _walk(_join(path, str(key)), a.get(key, MISSING), b.get(key, MISSING), out, keep_same)
        if not keys and keep_same:
            out.append(KeyChange(path or "(value)", "same", "{}", "{}"))
        return
    if isinstance(a, list) and isinstance(b, list) and a and b:
        for i in range(max(len(a), len(b))):
            left = a[i] if i < len(a) else MISSING
            right = b[i] if i < len(b) else MISSING
            _walk(f"{path}[{i}]", left, right, out, keep_same)
        return
    if a is MISSING and b is MISSING:
        return
    if a is MISSING:
        change: Change = "added"
    elif b is MISSING:
        change = "removed"
    elif a == b and type(a) is type(b):
        change = "same"
    else:
        change = "changed"
    if change != "same" or keep_same:
        out.append(KeyChange(path or "(value)", change, compact(a), compact(b)))


def _join(path: str, key: str) -> str:
    plain = key.replace("_", "a").replace("-", "a").isalnum()
    if plain:
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"
