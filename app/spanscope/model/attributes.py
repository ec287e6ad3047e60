"""The attributes of one raw span, as an importer builds them.

Keys the mapping reads are set by their name in :mod:`spanscope.model.conventions`
(``attributes[conventions.GEN_AI_USAGE_INPUT_TOKENS] = 12``): mypy refuses a bare string there,
and the run refuses a key the table does not declare. What else the format recorded is kept
under its own name with :meth:`SpanAttributes.keep` (it stays a raw attribute, shown and
searchable but not mapped). The result is a plain mapping for :class:`~spanscope.model.raw.RawSpan`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from spanscope.model.conventions import KEYS, PREFIXES, Key, Prefix, is_known

# Spanscope's own namespace: every key in it is declared, so anything else there is a typo.
OWN_NAMESPACE = "spanscope."


class UnknownKey(KeyError):
    """A key set as a convention that ``model/conventions.py`` does not declare."""

    def __str__(self) -> str:
        return str(self.args[0])


class SpanAttributes(Mapping[str, Any]):
    """A raw span's attributes: declared keys by name, the format's own fields kept raw."""

    def __init__(self, declared: Mapping[Key, Any] | None = None) -> None:
        """``declared``: keys the mapping reads, by their names in ``model/conventions.py``
        (``SpanAttributes({conventions.SPANSCOPE_KIND: "llm"})``), set in their order."""
        self._values: dict[str, Any] = {}
        self.update(declared or {})

    def __setitem__(self, key: Key, value: Any) -> None:
        if KEYS.get(key) != key or not isinstance(key, Key):
            raise UnknownKey(
                f"{key!r} is not a key the mapping reads (model/conventions.py declares them); "
                "keep a format's own field with keep()"
            )
        self._values[key] = value

    def update(self, declared: Mapping[Key, Any]) -> None:
        """Set several keys the mapping reads, in their order."""
        for key, value in declared.items():
            self[key] = value

    def setdefault(self, key: Key, value: Any) -> None:
        """Set a key the mapping reads unless the span already has it (an earlier, better
        source of the same fact wins)."""
        if key not in self._values:
            self[key] = value

    def set_in(self, family: Prefix, path: str, value: Any) -> None:
        """One key of a family the mapping reads by prefix: ``set_in(GEN_AI_REQUEST,
        "temperature", 0.2)`` sets ``gen_ai.request.temperature``, ``set_in(LLM_INPUT_MESSAGES,
        "0.message.role", "user")`` sets ``llm.input_messages.0.message.role``."""
        if PREFIXES.get(family) != family or not isinstance(family, Prefix) or not path:
            raise UnknownKey(f"{family!r} is not a family of keys in model/conventions.py")
        self._values[f"{family}{path}"] = value

    def setdefault_in(self, family: Prefix, path: str, value: Any) -> None:
        """:meth:`set_in` unless the span already has that key."""
        if f"{family}{path}" not in self._values:
            self.set_in(family, path, value)

    def keep(self, name: str, value: Any) -> None:
        """Keep a field the format recorded under its own name (not mapped, never lost)."""
        if name.startswith(OWN_NAMESPACE) and name not in KEYS:
            raise UnknownKey(
                f"{name!r} is in Spanscope's own namespace but not a key the mapping reads "
                "(model/conventions.py declares them)"
            )
        self._values[name] = value

    def set_all(self, values: Mapping[str, Any]) -> None:
        """Set keys a helper computed (usage, say); each must be one the mapping reads."""
        unknown = sorted(k for k in values if not is_known(k))
        if unknown:
            raise UnknownKey(f"{unknown} are not keys the mapping reads (model/conventions.py)")
        self._values.update(values)

    def keep_each(self, fields: Mapping[str, Any]) -> None:
        """:meth:`keep` each of a format's own fields, in their order."""
        for name, value in fields.items():
            self.keep(name, value)

    def keep_all(self, recorded: Mapping[str, Any]) -> None:
        """Keep attributes the file recorded itself (OTel attributes carried inside another
        format) under their own names; the mapping reads those it knows, as from any span."""
        self._values.update(recorded)

    def merge(self, other: SpanAttributes, *, recorded_only: bool = False) -> None:
        """Add what another builder holds (helpers build parts of a span's attributes);
        ``recorded_only`` leaves out its None values (what the file did not record), so they
        cannot clear a value this span has."""
        for name, value in other._values.items():
            if value is not None or not recorded_only:
                self._values[name] = value

    def fill(self, derived: SpanAttributes) -> None:
        """Add what ``derived`` holds where this span recorded nothing: derived values never
        replace what the file itself recorded."""
        for name, value in derived._values.items():
            if value is not None and name not in self._values:
                self._values[name] = value

    def present(self) -> dict[str, Any]:
        """The attributes for a :class:`~spanscope.model.raw.RawSpan`, leaving out what the
        file did not record (None values)."""
        return {name: value for name, value in self._values.items() if value is not None}

    def recorded(self) -> SpanAttributes:
        """A builder of the values the file recorded (None values left out), to merge."""
        found = SpanAttributes()
        found.merge(self, recorded_only=True)
        return found

    def pop(self, name: str, default: Any = None) -> Any:
        return self._values.pop(name, default)

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"SpanAttributes({self._values!r})"


__all__ = ["SpanAttributes", "UnknownKey"]
