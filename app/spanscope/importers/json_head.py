"""The first JSON records of a file as far as its sample shows them, for sniffing.

The sample is the head of the file, so its last record is usually cut off. :func:`first_record`
says so; :func:`head_records` keeps what the cut record does hold (:func:`partial_json`), so a
file whose first record is larger than the sample is still recognised.
"""

from __future__ import annotations

import json
from typing import Any

from spanscope.importers.base import SAMPLE_BYTES, Sample
from spanscope.importers.records import skip_space
from spanscope.importers.values import JsonDict

SNIFF_RECORDS = 20
_TRUNCATED = object()


def first_record(sample: Sample) -> Any:
    """The first JSON record of the sample: the first element of a top-level array, or the first
    value of an object stream / JSON Lines. ``_TRUNCATED`` when it does not fit in the sample or
    is not valid JSON; None when the content is not JSON at all."""
    if sample.compression == "zip":
        return None
    text = sample.text.lstrip()
    if not text or text[0] not in "[{":
        return None
    decoder = json.JSONDecoder()
    start = 0
    if text[0] == "[":
        start = len(text) - len(text[1:].lstrip())
        if start >= len(text):
            return _TRUNCATED
        if text[start] == "]":
            return None
    try:
        value, _ = decoder.raw_decode(text, start)
    except ValueError:
        return _TRUNCATED
    return value


def is_truncated(value: Any) -> bool:
    return value is _TRUNCATED


def head_records(sample: Sample, limit: int = SNIFF_RECORDS) -> list[Any]:
    """The first records of a file as far as its sample shows them, for sniffing. Records cut
    off by the end of the sample (or of a truncated file) come back partially decoded."""
    if sample.compression == "zip":
        return []
    text = sample.text.lstrip()
    if text[:1] not in ("{", "["):
        return []
    whole = len(sample.head) < SAMPLE_BYTES
    if whole:
        try:
            value = json.loads(text)
        except ValueError:
            pass
        else:
            return (value if isinstance(value, list) else [value])[:limit]
    lines = text.splitlines()
    found: list[Any] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            if found or (i == len(lines) - 1 and not whole and i > 0):
                return found
            break
        found.extend(value if isinstance(value, list) else [value])
        if len(found) >= limit:
            return found[:limit]
    if found:
        return found
    decoder = json.JSONDecoder()
    pos = 0
    while pos < len(text) and len(found) < limit:
        try:
            value, end = decoder.raw_decode(text, pos)
        except ValueError:
            value = partial_json(text[pos:])
            if isinstance(value, list):
                items = [v for v in value if v is not None]
                # the last element is the one the end of the sample cut; keep it only when alone
                found.extend(items[:-1] if len(items) > 1 else items)
            elif value is not None:
                found.append(value)
            break
        found.extend(value if isinstance(value, list) else [value])
        pos = skip_space(text, end)
    return found[:limit]


_DECODER = json.JSONDecoder()


def partial_json(text: str) -> Any:
    """As much of a JSON value as the text holds: a value cut off by the end of the text comes
    back with the members read so far (strings cut short included)."""
    return _partial_value(text, skip_space(text, 0))[0]


def _partial_value(text: str, pos: int) -> tuple[Any, int, bool]:
    if pos >= len(text):
        return None, pos, False
    try:
        value, end = _DECODER.raw_decode(text, pos)
        return value, end, True
    except ValueError:
        pass
    ch = text[pos]
    if ch == "{":
        return _partial_object(text, pos + 1)
    if ch == "[":
        return _partial_array(text, pos + 1)
    if ch == '"':
        return _partial_string(text, pos + 1), len(text), False
    return None, len(text), False


def _partial_object(text: str, pos: int) -> tuple[Any, int, bool]:
    obj: JsonDict = {}
    while True:
        pos = skip_space(text, pos)
        if pos >= len(text):
            return obj, pos, False
        ch = text[pos]
        if ch == "}":
            return obj, pos + 1, True
        if ch == ",":
            pos += 1
            continue
        if ch != '"':
            return obj, len(text), False
        try:
            key, pos = _DECODER.raw_decode(text, pos)
        except ValueError:
            return obj, len(text), False
        pos = skip_space(text, pos)
        if pos >= len(text) or text[pos] != ":":
            return obj, len(text), False
        value, pos, complete = _partial_value(text, skip_space(text, pos + 1))
        obj[str(key)] = value
        if not complete:
            return obj, pos, False


def _partial_array(text: str, pos: int) -> tuple[Any, int, bool]:
    items: list[Any] = []
    while True:
        pos = skip_space(text, pos)
        if pos >= len(text):
            return items, pos, False
        ch = text[pos]
        if ch == "]":
            return items, pos + 1, True
        if ch == ",":
            pos += 1
            continue
        value, pos, complete = _partial_value(text, pos)
        if value is not None or complete:
            items.append(value)
        if not complete:
            return items, pos, False


def _partial_string(text: str, pos: int) -> str | None:
    fragment = text[pos:]
    for cut in range(0, 7):
        candidate = fragment[: len(fragment) - cut] if cut else fragment
        try:
            value = json.loads('"' + candidate + '"')
        except ValueError:
            continue
        return str(value)
    return None
