"""The secret patterns of gitleaks (an established secret scanner), read from its own rule file.

``secret_rules/gitleaks.toml`` is gitleaks' default configuration, vendored unchanged (MIT;
source and commit in ``secret_rules/README.md``). Each rule there has a regular expression
(Go RE2 syntax), keywords (the rule runs only on text containing one of them, which keeps 200
rules cheap), the group holding the secret, a minimum entropy, and allowlists (stopwords and
regexes that say a match is not a secret). This module turns them into
:class:`spanscope.core.redaction.Rule` values. Rules that Python's ``re`` cannot express are
left out and named in :data:`SKIPPED`.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Any

RULE_FILE = "gitleaks.toml"
_NOTHING = re.compile(r"(?!)")  # what a rule Python cannot compile matches
SKIPPED: dict[str, str] = {}  # rule id -> why it could not be compiled

# Go's POSIX classes, inside brackets, as Python ranges.
_POSIX = {
    "[:alnum:]": "a-zA-Z0-9",
    "[:alpha:]": "a-zA-Z",
    "[:digit:]": "0-9",
    "[:xdigit:]": "0-9a-fA-F",
    "[:upper:]": "A-Z",
    "[:lower:]": "a-z",
    "[:space:]": r"\s",
    "[:word:]": r"\w",
}


def to_python(pattern: str) -> str:
    """A Go RE2 pattern in Python's syntax: ``\\z`` is ``\\Z``, POSIX classes spelled out, and
    a ``(?i)`` in the middle (Go: to the end of its group) made a scoped ``(?i:...)``."""
    pattern = pattern.replace(r"\z", r"\Z")
    for name, spelled in _POSIX.items():
        pattern = pattern.replace(name, spelled)
    while (at := pattern.find("(?i)", 1)) > 0:
        end = _group_end(pattern, at + 4)
        pattern = pattern[:at] + "(?i:" + pattern[at + 4 : end] + ")" + pattern[end:]
    return pattern


def _group_end(pattern: str, start: int) -> int:
    """Where the group around ``start`` closes (its ``)``), or the end of the pattern."""
    depth, i, in_class = 0, start, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return len(pattern)


def entropy(text: str) -> float:
    """Shannon entropy in bits per character (gitleaks' measure of randomness)."""
    if not text:
        return 0.0
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


Allowed = Callable[[str, str], bool]  # (secret, whole match) -> True when it is no secret


@dataclass(frozen=True)
class Rule:
    """One kind of secret: a pattern, and a match becomes ``[REDACTED:<name>]``.

    ``keywords``: the rule runs only on text holding one of them (lower case). ``secret_group``:
    the group that is the secret (the rest of the match, e.g. ``password=``, is kept); None
    masks the whole match, 0 the first group that matched (gitleaks' default). A candidate
    below ``entropy`` bits per character, or ``allowed``, is left as it is."""

    name: str
    regex: re.Pattern[str] | str  # compiled on first use: 200 rules take a second to compile
    description: str
    keywords: tuple[str, ...] = ()
    secret_group: int | None = None
    entropy: float = 0.0
    allowed: Allowed | None = None

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        if isinstance(self.regex, re.Pattern):
            return self.regex
        try:
            return re.compile(to_python(self.regex))
        except re.error as exc:
            SKIPPED[self.name] = str(exc)
            return _NOTHING

    def secret_span(self, match: re.Match[str]) -> tuple[int, int] | None:
        """Where the secret is in ``match`` (absolute positions), or None when it is no
        secret (too regular, or allowed)."""
        start, end = match.span()
        if self.secret_group is not None:
            groups = range(1, (match.re.groups or 0) + 1)
            chosen = self.secret_group or next((g for g in groups if match.group(g)), 0)
            if chosen and match.group(chosen) is not None:
                start, end = match.span(chosen)
        secret = match.string[start:end]
        if not secret:
            return None
        if self.entropy and entropy(secret) < self.entropy:
            return None
        if self.allowed is not None and self.allowed(secret, match.group(0)):
            return None
        return start, end


def _allowlist(spec: Mapping[str, Any]) -> Allowed:
    regexes = []
    for pattern in spec.get("regexes", []):
        try:
            regexes.append(re.compile(to_python(pattern)))
        except re.error:
            continue
    stopwords = [w.lower() for w in spec.get("stopwords", [])]
    target = spec.get("regexTarget", "secret")
    every = spec.get("condition", "OR") == "AND"

    def allowed(secret: str, match: str) -> bool:
        text = match if target in ("match", "line") else secret
        checks = []
        if regexes:
            checks.append(any(r.search(text) for r in regexes))
        if stopwords:
            lowered = secret.lower()
            checks.append(any(w in lowered for w in stopwords))
        if not checks:
            return False
        return all(checks) if every else any(checks)

    return allowed


def _any_of(allowlists: list[Allowed]) -> Allowed | None:
    if not allowlists:
        return None
    return lambda secret, match: any(a(secret, match) for a in allowlists)


@cache
def gitleaks_rules() -> tuple[Rule, ...]:
    """Every gitleaks rule Python can run, named by the rule's id."""
    text = (resources.files("spanscope.core") / "secret_rules" / RULE_FILE).read_text("utf-8")
    rules: list[Rule] = []
    for spec in tomllib.loads(text)["rules"]:
        pattern = spec.get("regex")
        if not pattern:
            continue  # rules on file names only (e.g. a .p12 file): nothing to find in text
        rules.append(
            Rule(
                spec["id"],
                pattern,
                spec.get("description", ""),
                keywords=tuple(k.lower() for k in spec.get("keywords", [])),
                secret_group=int(spec.get("secretGroup", 0)),
                entropy=float(spec.get("entropy", 0.0)),
                allowed=_any_of([_allowlist(a) for a in spec.get("allowlists", [])]),
            )
        )
    return tuple(rules)
