"""Small conversions of JSON values that several importers make the same way."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from spanscope.model.raw import json_text

JsonDict = dict[str, Any]


def compact_json(value: Any) -> str:
    """JSON text without spaces; non-ASCII kept, anything unencodable as its ``str``."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def text_or_json(value: Any) -> str | None:
    """Text as it is, None as None, anything else as JSON text."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def as_dict(value: Any) -> JsonDict:
    """The value when it is an object, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """The value when it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def whole_number(value: Any) -> int | None:
    """An integer, or a float with no fraction, as an int; anything else (booleans too) None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def digest(*parts: Any) -> str:
    """A stable hex digest of JSON-able parts, for ids derived from a record's content."""
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def id_text(value: Any) -> str | None:
    """An id as text (strings and integers); empty is none. Raises ValueError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"an id is not a string: {value!r}")


def decode_json_text(value: Any, depth: int = 4) -> Any:
    """A value that may be JSON inside a string, possibly encoded more than once, decoded until
    it is no longer a string holding JSON (plain text stays as it is)."""
    while depth > 0 and isinstance(value, str):
        text = value.strip()
        if not text or text[0] not in '{["':
            break
        try:
            value = json.loads(text)
        except ValueError:
            break
        depth -= 1
    return value


def text_of(value: Any) -> str | None:
    """A payload as text: strings as written (one level of string-in-string encoding removed),
    structures as JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        inner = value
        while True:
            stripped = inner.strip()
            if not stripped.startswith('"'):
                return inner
            try:
                decoded = json.loads(stripped)
            except ValueError:
                return inner
            if not isinstance(decoded, str):
                return inner
            inner = decoded
    return json_text(value)


def optional_text(value: Any) -> str | None:
    """The value as text; None stays None."""
    return None if value is None else str(value)
