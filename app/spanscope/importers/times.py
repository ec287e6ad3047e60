"""Times as the formats write them, as integer nanoseconds since the epoch (UTC).

Every reader here is exact: integers and decimal fractions never pass through a float, and
ISO fractions are kept to the nanosecond. They differ in what they accept, as the formats
that use them do:

- :func:`to_ns` (provider logs, ATIF, Braintrust) reads ISO or epoch numbers and says None for
  anything else, so a placeholder such as ``<timestamp>`` is simply no time;
- :func:`time_ns` (Langfuse, LangSmith) reads the same and dates alone, and refuses anything
  else with ValueError;
- :func:`iso_ns` (MLflow, Inspect) reads whatever :meth:`datetime.fromisoformat` does;
- :func:`sdk_time_ns` (SDK span dumps) also reads JS hrtime ``[seconds, nanoseconds]``, checks
  dates and refuses times outside the int64 range.

Epoch numbers are told apart by magnitude (:func:`epoch_ns`; the SDK reader compares floats).
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_FRACTION = re.compile(r"\.(\d+)")


def epoch_ns(number: Decimal) -> int:
    """An epoch number in seconds, milliseconds, microseconds or nanoseconds (told apart by
    magnitude) as nanoseconds."""
    magnitude = abs(number)
    if magnitude < Decimal(10) ** 11:
        scale = 1_000_000_000  # seconds
    elif magnitude < Decimal(10) ** 14:
        scale = 1_000_000  # milliseconds
    elif magnitude < Decimal(10) ** 17:
        scale = 1_000  # microseconds
    else:
        scale = 1
    return int((number * scale).to_integral_value())


# -- lenient: None for what is not a time ----------------------------------------------------

_LENIENT_ISO = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d+))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)


def to_ns(value: Any) -> int | None:
    """Nanoseconds since the epoch (UTC) of a time as formats write it: ISO 8601 with or without
    an offset (naive means UTC), or epoch seconds / ms / µs / ns told apart by magnitude.
    Integers are converted exactly; anything else (placeholders such as ``<timestamp>``)
    is no time."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return epoch_ns(Decimal(value))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return epoch_ns(Decimal(repr(value)))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _NUMBER.fullmatch(text):
        try:
            return epoch_ns(Decimal(text))
        except InvalidOperation:
            return None
    match = _LENIENT_ISO.fullmatch(text)
    if not match:
        return None
    day, clock, fraction, offset = match.groups()
    try:
        base = datetime.fromisoformat(f"{day}T{clock}")
    except ValueError:
        return None
    if offset and offset.upper() != "Z":
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) >= 4 else 0)
        base_ns = _utc_ns(base) - sign * minutes * 60 * 1_000_000_000
    else:
        base_ns = _utc_ns(base)
    if fraction:
        base_ns += int(fraction[:9].ljust(9, "0"))
    return base_ns


def _utc_ns(naive: datetime) -> int:
    delta = naive.replace(tzinfo=UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


# -- strict: ValueError for what is not a time -----------------------------------------------

_STRICT_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?"
)


def time_ns(value: Any) -> int | None:
    """Nanoseconds since the epoch (UTC) from an ISO-8601 string (any offset; naive = UTC) or an
    epoch number in s, ms, µs or ns (told apart by magnitude). Integers never pass through a
    float. Raises ValueError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, int):
        return epoch_ns(Decimal(value))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"not a time: {value!r}")
        return epoch_ns(Decimal(repr(value)))
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return epoch_ns(Decimal(text))
        match = _STRICT_ISO.fullmatch(text)
        if match is None:
            raise ValueError(f"not a time: {value!r}")
        year, month, day, hour, minute, second, fraction, zone = match.groups()
        seconds = calendar.timegm(
            (int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
        )
        nanos = int((fraction or "0")[:9].ljust(9, "0"))
        offset = 0
        if zone and zone not in ("Z", "z", "UTC"):
            digits = zone[1:].replace(":", "")
            offset = int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60
            offset = offset if zone[0] == "+" else -offset
        return (seconds - offset) * 1_000_000_000 + nanos
    raise ValueError(f"not a time: {value!r}")


def field_time_ns(value: Any, what: str) -> int | None:
    """:func:`time_ns` of a field, the error naming the field."""
    try:
        return time_ns(value)
    except ValueError:
        raise ValueError(f"unreadable {what} {value!r}") from None


# -- whatever fromisoformat reads ------------------------------------------------------------


def iso_ns(text: str, *, lowercase_z: bool = False) -> int:
    """An ISO 8601 time as exact integer nanoseconds (fractions beyond microseconds kept); an
    offset is applied, naive means UTC. With ``lowercase_z`` a ``z`` is read as ``Z``."""
    fraction = _FRACTION.search(text)
    digits = fraction.group(1) if fraction else ""
    base = text[: fraction.start()] + text[fraction.end() :] if fraction else text
    try:
        base = base.strip()
        when = datetime.fromisoformat(base.replace("z", "Z") if lowercase_z else base)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = when - _EPOCH
    seconds = delta.days * 86_400 + delta.seconds
    return seconds * 10**9 + int((digits + "000000000")[:9])


# -- as OpenTelemetry SDKs print them: also JS hrtime [seconds, nanoseconds] ------------------

_SDK_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"\s*(?:([Zz])|([+-])(\d{2}):?(\d{2}))?"
)


def sdk_time_ns(value: Any) -> int | None:
    """Nanoseconds since the epoch from an ISO-8601 text (offset or Z; naive means UTC), a JS
    hrtime ``[seconds, nanoseconds]`` or an epoch number (s, ms, µs or ns by magnitude)."""
    ns = _sdk_time_ns(value)
    if ns is not None and not -(1 << 63) <= ns < 1 << 63:
        raise ValueError(f"time {value!r} is out of range")
    return ns


def _sdk_time_ns(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, list):
        if len(value) != 2:
            raise ValueError(f"time {value!r} is not [seconds, nanoseconds]")
        seconds, nanos = int(value[0]), int(value[1])
        return None if seconds == 0 and nanos == 0 else seconds * 1_000_000_000 + nanos
    if isinstance(value, bool):
        raise ValueError(f"time {value!r} is not a time")
    if isinstance(value, int):
        return _float_scaled_ns(value)
    if isinstance(value, float):
        return (
            _float_scaled_ns(int(value))
            if value.is_integer()
            else int(round(value * _float_scale(value)))
        )
    if isinstance(value, str):
        return sdk_iso_ns(value)
    raise ValueError(f"time {value!r} is not a time")


def sdk_iso_ns(text: str) -> int:
    """An ISO-8601 time as exact nanoseconds (fractions kept to 9 digits, never via float)."""
    m = _SDK_ISO.fullmatch(text.strip())
    if not m:
        raise ValueError(f"time {text!r} is not ISO-8601")
    year, month, day, hour, minute = (int(m.group(i)) for i in range(1, 6))
    second = int(m.group(6) or 0)
    fraction = int((m.group(7) or "")[:9].ljust(9, "0"))
    try:
        datetime(year, month, day, hour, minute, min(second, 59))  # rejects 2025-13-45
    except ValueError as exc:
        raise ValueError(f"time {text!r} is not a date: {exc}") from exc
    offset = 0
    if m.group(9):
        offset = (int(m.group(10)) * 60 + int(m.group(11))) * 60
        offset = -offset if m.group(9) == "-" else offset
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) - offset
    return seconds * 1_000_000_000 + fraction


def _float_scale(value: float) -> int:
    magnitude = abs(value)
    if magnitude >= 1e17:
        return 1
    if magnitude >= 1e14:
        return 1_000
    if magnitude >= 1e11:
        return 1_000_000
    return 1_000_000_000


def _float_scaled_ns(value: int) -> int:
    return value * _float_scale(float(value))
