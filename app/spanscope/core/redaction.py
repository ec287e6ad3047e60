"""Masking secrets and personal data in exported text: API keys, bearer tokens, JWTs, emails.

Each rule is a pattern and a name; a match becomes ``[REDACTED:<name>]``. A :class:`Redactor`
counts what each rule masked, so an export can show a preview ("emails: 12") before writing
and report the counts after.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    description: str


RULES: tuple[Rule, ...] = (
    Rule(
        "private key",
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"),
        "PEM private keys",
    ),
    Rule(
        "api key",
        re.compile(
            r"\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_\-]{20,}|AKIA[0-9A-Z]{16}|"
            r"gh[pousr]_[A-Za-z0-9]{30,}|xox[abprs]-[A-Za-z0-9\-]{10,}|AIza[0-9A-Za-z_\-]{35})"
        ),
        "OpenAI, Anthropic, AWS, GitHub, Slack and Google keys",
    ),
    Rule(
        "bearer token",
        re.compile(r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]{12,}=*"),
        "Authorization: Bearer ... values",
    ),
    Rule(
        "jwt",
        re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
        "JSON Web Tokens",
    ),
    Rule(
        "secret assignment",
        re.compile(
            r"(?i)\b(?:api[_-]?key|secret|password|passwd|access[_-]?token)\b"
            r"(?P<sep>[\"']?\s*[:=]\s*[\"']?)[^\s\"',;]{6,}"
        ),
        "api_key=..., password: ... and the like",
    ),
    Rule(
        "email",
        re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b"),
        "email addresses",
    ),
)


def mask(rule: Rule) -> str:
    return f"[REDACTED:{rule.name}]"


@dataclass
class Redactor:
    """Masks text with ``rules`` and counts the masks per rule."""

    rules: tuple[Rule, ...] = RULES
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def text(self, value: str) -> str:
        """``value`` with every match masked (earlier rules first)."""
        for rule in self.rules:
            value = rule.pattern.sub(self._masker(rule), value)
        return value

    def _masker(self, rule: Rule) -> Callable[[re.Match[str]], str]:
        return lambda match: self._masked(rule, match)

    def value(self, value: Any) -> Any:
        """Every string inside ``value`` (dicts, lists) masked; keys and non-text untouched."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.value(v) for v in value)
        return value

    def _masked(self, rule: Rule, match: re.Match[str]) -> str:
        self.counts[rule.name] += 1
        seen = self.examples.setdefault(rule.name, [])
        if len(seen) < 3:
            seen.append(_partly_hidden(match.group(0)))
        if rule.name == "secret assignment":
            # keep the name so the reader knows what was there
            name_end = match.start("sep") - match.start()
            return match.group(0)[:name_end] + match.group("sep") + mask(rule)
        return mask(rule)


def _partly_hidden(found: str) -> str:
    """A match as a preview shows it: enough to recognise, not enough to use."""
    flat = " ".join(found.split())
    if len(flat) <= 8:
        return flat[:2] + "…"
    return flat[:6] + "…" + flat[-2:]


def preview(values: list[Any], rules: tuple[Rule, ...] = RULES) -> Redactor:
    """Run the rules over ``values`` without keeping the result: the counts and examples of
    what an export would mask."""
    redactor = Redactor(rules)
    for value in values:
        redactor.value(value)
    return redactor


# -- secrets in every export --------------------------------------------------------------------
# Exports (eval sets, OTLP files, copies, console results) mask secrets unless the user opts
# out: keys and tokens by pattern, and any value stored under a name that says it is a secret
# (``api_key``, ``password``, ``Authorization``, ``x-api-key``, ``access_token``, ...). Email
# addresses are personal data, not secrets: masked only when asked for (``RULES``).
SECRET_RULES: tuple[Rule, ...] = tuple(r for r in RULES if r.name != "email")
SECRET_FIELD = re.compile(
    r"(?i)(?:^|[._\-\s])(?:api[_\-]?key|apikey|password|passwd|secret|client[_\-]?secret|"
    r"token|access[_\-]?token|refresh[_\-]?token|id[_\-]?token|auth[_\-]?token|authorization|"
    r"x[_\-]api[_\-]key|cookie|set[_\-]cookie)$"
)
FIELD_MASK = "[REDACTED:secret field]"


def is_secret_field(name: str) -> bool:
    """Whether a key, attribute or column name says its value is a secret (``api_key``,
    ``http.request.header.authorization``; not ``max_tokens`` or ``input_tokens``)."""
    return bool(SECRET_FIELD.search(name.strip()))


@dataclass
class SecretRedactor(Redactor):
    """A :class:`Redactor` with :data:`SECRET_RULES` that also masks every text stored under
    a secret-looking name, including OTLP ``{"key": name, "value": {...}}`` pairs and JSON
    held in strings (span attributes are stored as JSON text)."""

    rules: tuple[Rule, ...] = SECRET_RULES

    def value(self, value: Any) -> Any:
        if isinstance(value, dict):
            key = value.get("key")
            if isinstance(key, str) and "value" in value and is_secret_field(key):
                return {**value, "value": self._field(value["value"])}
            return {
                k: self._field(v) if isinstance(k, str) and is_secret_field(k) else self.value(v)
                for k, v in value.items()
            }
        if isinstance(value, str) and value[:1] in ("{", "["):
            try:
                parsed = json.loads(value)
            except ValueError:
                return self.text(value)
            if isinstance(parsed, dict | list):
                return json.dumps(self.value(parsed), ensure_ascii=False)
        return super().value(value)

    def _field(self, value: Any) -> Any:
        """A secret field's value: every text in it masked whole; numbers and flags kept."""
        if isinstance(value, str):
            if not value:
                return value
            self.counts["secret field"] += 1
            return FIELD_MASK
        if isinstance(value, dict):
            return {k: self._field(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self._field(v) for v in value)
        return value

    def record(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """A row (a span, a record) with its secrets masked; column names are kept."""
        return self.value(dict(row))  # type: ignore[no-any-return]


def export_redactor(redact: bool = True) -> SecretRedactor | None:
    """What every export uses: secrets masked unless ``redact`` is False (the user opted out)."""
    return SecretRedactor() if redact else None
