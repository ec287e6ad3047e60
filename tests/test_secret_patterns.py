"""Default masking catches real keys: Spanscope's own rules and the gitleaks rule set, each
tested on a secret of its kind, with what surrounds the secret kept and ordinary text left
alone."""

from __future__ import annotations

import pytest

from spanscope.core import secret_patterns
from spanscope.core.redaction import OWN_RULES, SecretRedactor, all_rules
from spanscope.core.secret_patterns import entropy, gitleaks_rules, to_python

# (text, what must be gone, what must stay, rule expected to mask it). Before, every one of
# these but the OpenAI key and the PEM block came out unmasked.
CASES = [
    (
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz9KEYab",
        "wJalrXUtnFEMI/K7MDENG",
        "AWS_SECRET_ACCESS_KEY=",
        "secret assignment",
    ),
    (
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz9KEYab",
        "wJalrXUtnFEMI",
        "aws_secret_access_key = ",
        "secret assignment",
    ),
    ("DB_PASSWORD=hunter2hunter2", "hunter2", "DB_PASSWORD=", "secret assignment"),
    ('{"db_password": "Tr0ub4dor&3x"}', "Tr0ub4dor", "db_password", "secret assignment"),
    (
        "dsn postgres://admin:s3cr3tPass@db.example.com:5432/app",
        "s3cr3tPass",
        "postgres://admin:",
        "url password",
    ),
    ("key sk_live_51H8abcdEFGHijklMNOPqrst", "sk_live_51H8", "key ", "api key"),
    ("token hf_abcdefghijklmnopqrstuvwxyzABCDEFGH", "hf_abcdefghij", "token ", "api key"),
    (
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
        "github_pat_11ABCDEFG",
        "",
        "api key",
    ),
    ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghij", "", "api key"),
    (
        "Authorization: Basic dXNlcjpwYXNzd29yZA==",
        "dXNlcjpwYXNzd29yZA",
        "Authorization: Basic ",
        "basic auth",
    ),
    (
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
        "-----END OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXktdjEAAAAA",
        "",
        "private key",
    ),
    ("sk-proj-abcdefghijklmnopqrstuvwxyz0123", "sk-proj-abcdefghij", "", "api key"),
    ("Authorization: Bearer abcdef0123456789xyz", "abcdef0123456789xyz", "", "bearer token"),
    # rules only gitleaks has
    (
        "SENDGRID=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",
        "ngeVfQFYQlKU0ufo8x5d1A",
        "SENDGRID=",
        "sendgrid-api-token",
    ),
    (
        "npm token npm_abcdefghijklmnopqrstuvwxyz0123456789",
        "npm_abcdefghij",
        "npm token ",
        "npm-access-token",
    ),
    (
        "curl https://hooks.slack.com/services/T0000AAAA/B0000BBBB/abcdefghijklmnopqrstuvwx",
        "abcdefghijklmnopqrstuvwx",
        "curl ",
        "slack-webhook-url",
    ),
]


@pytest.mark.parametrize(("text", "secret", "kept", "rule"), CASES, ids=[c[3] for c in CASES])
def test_each_kind_of_secret_is_masked(text: str, secret: str, kept: str, rule: str) -> None:
    redactor = SecretRedactor()
    masked = redactor.text(text)
    assert secret not in masked, masked
    assert kept in masked and "[REDACTED:" in masked
    assert redactor.counts[rule] >= 1, dict(redactor.counts)


@pytest.mark.parametrize(
    "text",
    [
        "max_tokens=1024, input_tokens: 5, output_tokens=7",
        "the basic information about passwords is here",
        "password reset instructions were sent",
        "PASSWORD_FILE=/run/secrets/db",
        "see https://example.com:8080/path?x=1",
        "a key_id of 12 and a primary_key of 'id'",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert SecretRedactor().text(text) == text


def test_every_gitleaks_rule_compiles_and_runs() -> None:
    """The vendored rule file: every rule with a pattern compiles in Python's syntax."""
    rules = gitleaks_rules()
    assert len(rules) > 200
    for rule in rules:
        assert rule.pattern.search("") is None or rule.pattern.pattern
    assert secret_patterns.SKIPPED == {}
    names = {r.name for r in all_rules()}
    assert {r.name for r in OWN_RULES} <= names and "email" in names


def test_go_syntax_is_translated() -> None:
    assert to_python(r"abc(?i)def") == "abc(?i:def)"
    assert to_python(r"(x(?i)y|z)w") == "(x(?i:y|z))w"
    assert to_python(r"[[:alnum:]]\z") == r"[a-zA-Z0-9]\Z"
    assert entropy("aaaa") == 0.0 and entropy("abcd") == 2.0


def test_a_secret_below_its_rule_entropy_is_kept() -> None:
    """gitleaks' generic rule wants a random-looking value: 'aaaaaaaaaaaa' is no secret."""
    generic = next(r for r in gitleaks_rules() if r.name == "generic-api-key")
    redactor = SecretRedactor(rules=(generic,))
    assert redactor.text("client_token = aaaaaaaaaaaaaaaa") == "client_token = aaaaaaaaaaaaaaaa"
    assert "Zx81" not in redactor.text("client_token = Zx81Qw9LmN2pR7tY4vB6")
