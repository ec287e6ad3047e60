"""Masking secrets and personal data in exported text: API keys, bearer tokens, JWTs, emails.

Each rule is a pattern and a name; a match (or the part of it that is the secret, keeping
e.g. ``password=``) becomes ``[REDACTED:<name>]``. The rules are a few of Spanscope's own
(the shapes LLM traces hold most: provider keys, bearer and basic authorization, secrets
assigned in environment dumps, passwords in URLs) followed by the rules of gitleaks, an
established secret scanner (:mod:`spanscope.core.secret_patterns`). A :class:`Redactor`
counts what each rule masked, so an export can show a preview ("emails: 12") before writing
and report the counts after.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pyarrow as pa

from spanscope.core.secret_patterns import Rule, gitleaks_rules

__all__ = ["Redactor", "Rule", "SecretRedactor", "all_rules", "secret_rules"]

# Each own rule's keywords are text its pattern cannot match without (lower case): the rule is
# skipped on text holding none of them, as gitleaks' rules are; a case export relies on them
# to skip masking texts no rule could touch. A new rule must list its own.
# The name of a secret in an assignment: ``DB_PASSWORD=``, ``aws_secret_access_key:``; the
# name may be part of a longer one joined by ``_`` or ``-`` (a word boundary would not see
# ``_PASSWORD``), but not a longer word (``passwords``, ``PASSWORD_FILE``).
_SECRET_NAME = (
    r"(?<![a-z0-9])(?:api[_-]?key|secret[_-]?access[_-]?key|secret[_-]?key|secret|"
    r"client[_-]?secret|password|passwd|pwd|access[_-]?token|auth[_-]?token|private[_-]?key)"
    r"(?![a-z0-9])"
)

OWN_RULES: tuple[Rule, ...] = (
    Rule(
        "private key",
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"),
        "PEM private keys",
        keywords=("-----begin",),
    ),
    Rule(
        "api key",
        re.compile(
            r"\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_\-]{20,}|AKIA[0-9A-Z]{16}|"
            r"gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}|"
            r"xox[abprs]-[A-Za-z0-9\-]{10,}|AIza[0-9A-Za-z_\-]{35}|"
            r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|hf_[A-Za-z0-9]{30,})"
        ),
        "OpenAI, Anthropic, AWS, GitHub, Slack, Google, Stripe and Hugging Face keys",
        keywords=(
            "sk-",
            "akia",
            "ghp_",
            "gho_",
            "ghu_",
            "ghs_",
            "ghr_",
            "github_pat_",
            "xox",
            "aiza",
            "sk_live_",
            "sk_test_",
            "rk_live_",
            "rk_test_",
            "hf_",
        ),
    ),
    Rule(
        "bearer token",
        re.compile(r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]{12,}=*"),
        "Authorization: Bearer ... values",
        keywords=("bearer",),
    ),
    Rule(
        "basic auth",
        re.compile(r"(?i)\bauthorization[\"']?\s*[:=]\s*[\"']?basic\s+([A-Za-z0-9+/]{6,}={0,2})"),
        "Authorization: Basic ... values (a user and password in base64)",
        keywords=("authorization",),
        secret_group=1,
    ),
    Rule(
        "url password",
        re.compile(r"(?i)\b[a-z][a-z0-9+.\-]{1,20}://[^\s:/?#@\"'<>]+:([^\s/?#@\"'<>]+)@"),
        "passwords in URLs (postgres://user:password@host)",
        keywords=("://",),
        secret_group=1,
    ),
    Rule(
        "jwt",
        re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
        "JSON Web Tokens",
        keywords=("eyj",),
    ),
    Rule(
        "secret assignment",
        re.compile(rf"(?i){_SECRET_NAME}[\"']?\s*[:=]\s*[\"']?([^\s\"',;]{{6,}})"),
        "api_key=..., DB_PASSWORD=..., aws_secret_access_key: ... and the like",
        keywords=(
            "api_key",
            "api-key",
            "apikey",
            "secret",
            "password",
            "passwd",
            "pwd",
            "access_token",
            "access-token",
            "accesstoken",
            "auth_token",
            "auth-token",
            "authtoken",
            "private_key",
            "private-key",
            "privatekey",
        ),
        secret_group=1,
    ),
)
EMAIL = Rule(
    "email",
    re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b"),
    "email addresses",
    keywords=("@",),
)


# gitleaks' catch-all for ``<something key/token/secret> = <random value>`` costs as much as
# all the other rules together (about 0.5 s per MB of text that mentions keys or tokens, as
# LLM traces do everywhere: max_tokens, input_tokens); "secret assignment" above covers the
# names that say a secret, so exports stay fast.
LEFT_OUT = frozenset({"generic-api-key"})


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule, emails included (read on first use: a command that masks nothing never
    loads the 200 gitleaks rules)."""
    return (*OWN_RULES, *(r for r in gitleaks_rules() if r.name not in LEFT_OUT), EMAIL)


@cache
def secret_rules() -> tuple[Rule, ...]:
    """The rules every export applies: keys and tokens, not emails (see below)."""
    return tuple(r for r in all_rules() if r is not EMAIL)


def mask(rule: Rule) -> str:
    return f"[REDACTED:{rule.name}]"


@dataclass
class Redactor:
    """Masks text with ``rules`` and counts the masks per rule."""

    rules: tuple[Rule, ...] = field(default_factory=all_rules)
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def text(self, value: str) -> str:
        """``value`` with every match masked (earlier rules first)."""
        lowered: str | None = None
        for rule in self.rules:
            if rule.keywords:
                # the rule's words must be there first: most rules never run on most text
                lowered = value.lower() if lowered is None else lowered
                if not any(word in lowered for word in rule.keywords):
                    continue
            masked = rule.pattern.sub(self._masker(rule), value)
            if masked != value:
                value, lowered = masked, None
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
        where = rule.secret_span(match)
        if where is None:
            return match.group(0)  # not a secret after all (too regular, or allowed)
        self.counts[rule.name] += 1
        seen = self.examples.setdefault(rule.name, [])
        start, end = where
        if len(seen) < 3:
            seen.append(_partly_hidden(match.string[start:end]))
        # keep what surrounds the secret (``password=``) so the reader knows what was there
        whole = match.group(0)
        offset = match.start()
        return whole[: start - offset] + mask(rule) + whole[end - offset :]


def _partly_hidden(found: str) -> str:
    """A match as a preview shows it: enough to recognise, not enough to use."""
    flat = " ".join(found.split())
    if len(flat) <= 8:
        return flat[:2] + "…"
    return flat[:6] + "…" + flat[-2:]


def preview(values: list[Any], rules: tuple[Rule, ...] | None = None) -> Redactor:
    """Run the rules (all of them unless ``rules``) over ``values`` without keeping the
    result: the counts and examples of what an export would mask."""
    redactor = Redactor(rules if rules is not None else all_rules())
    for value in values:
        redactor.value(value)
    return redactor


# -- secrets in every export --------------------------------------------------------------------
# Exports (eval sets, OTLP files, copies, console results) mask secrets unless the user opts
# out: keys and tokens by pattern, and any value stored under a name that says it is a secret
# (``api_key``, ``password``, ``Authorization``, ``x-api-key``, ``access_token``, ...). Email
# addresses are personal data, not secrets: masked only when asked for (``all_rules()``).
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
    """A :class:`Redactor` with :func:`secret_rules` that also masks every text stored under
    a secret-looking name, including OTLP ``{"key": name, "value": {...}}`` pairs and JSON
    held in strings (span attributes are stored as JSON text)."""

    rules: tuple[Rule, ...] = field(default_factory=secret_rules)

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


def mask_table(redactor: SecretRedactor, table: pa.Table) -> pa.Table:
    """A page of query results with text cells masked and a column whose name says it is a
    secret (``api_key``) masked whole; the schema kept."""
    rows = [redactor.record(row) for row in table.to_pylist()]
    return pa.Table.from_pylist(rows, schema=table.schema)
