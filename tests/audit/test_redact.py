"""Secret redaction: what must disappear, and ordinary text that must survive."""

from __future__ import annotations

import pytest

from claude_enterprise.audit.redact import MASK, redact, redact_value

SECRETS = [
    ("AKIAIOSFODNN7EXAMPLE", "aws s3 ls # AKIAIOSFODNN7EXAMPLE"),
    ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
     "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY aws s3 ls"),
    ("abc.def.ghi123", "curl -H 'Authorization: Bearer abc.def.ghi123' https://api"),
    ("tok_0123456789", "curl -H \"Authorization: tok_0123456789\" https://api"),
    ("hunter2", "psql postgres://admin:hunter2@db:5432/app"),
    ("hunter2", "mysql --password=hunter2 -u root"),
    ("hunter2", "mysql --password hunter2 -u root"),
    ("hunter2", "mysql -uroot -phunter2 app"),
    ("hunter2", "curl -u alice:hunter2 https://x"),
    ("s3cret-value", "export API_KEY=s3cret-value && run"),
    ("s3cret-value", "DB_PASSWORD='s3cret-value' ./manage.py"),
    ("s3cret-value", '{"client_secret": "s3cret-value"}'),
    ("s3cret-value", "--token s3cret-value"),
    ("s3cret-value", "curl -H 'X-Api-Key: s3cret-value' https://x"),
    ("ghp_" + "A" * 36, "git clone https://ghp_" + "A" * 36 + "@github.com/x/y"),
    ("sk-ant-api03-" + "x" * 30, "ANTHROPIC=sk-ant-api03-" + "x" * 30),
    ("xoxb-1234567890-abcdef", "notify xoxb-1234567890-abcdef"),
    ("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl",
     "token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"),
    ("MIIEowIBAAKCAQEA", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"),
]


@pytest.mark.parametrize(("secret", "text"), SECRETS)
def test_secret_is_masked(secret: str, text: str) -> None:
    out = redact(text)
    assert secret not in out
    assert MASK in out


@pytest.mark.parametrize("text", [
    "git status --short",
    "pytest -q tests/ -k 'not slow'",
    "mkdir -p build && cp -r src build/",
    "docker run -p 8080:80 nginx",
    "cat ~/.aws/credentials",
    "npm run test -- --coverage",
    "echo max_tokens is 8000",
    "CLAUDE_MAX_TOKENS=8000 claude",
])
def test_ordinary_commands_survive(text: str) -> None:
    assert redact(text) == text


def test_context_kept_around_the_mask() -> None:
    assert redact("psql postgres://admin:pw1234@db/app") == f"psql postgres://admin:{MASK}@db/app"
    assert redact("run --password=abc123 now") == f"run --password={MASK} now"


def test_redact_value_walks_structures_and_secret_keys() -> None:
    value = {"cmd": ["--token", "zzz", "--token=yyy"], "api_key": "k1", "inner": {"secret": 5, "a": None},
             "tool_use_id": "toolu_x"}
    out = redact_value(value)
    assert out == {"cmd": ["--token", MASK, f"--token={MASK}"], "api_key": MASK,
                   "inner": {"secret": 5, "a": None}, "tool_use_id": "toolu_x"}


def test_argv_lists_are_redacted_element_wise() -> None:
    assert redact_value(["/usr/bin/mysql", "-uroot", "-phunter2", "-p"]) == [
        "/usr/bin/mysql", "-uroot", f"-p{MASK}", "-p"]
    assert redact_value(["tar", "-pcf", "x.tar"]) == ["tar", "-pcf", "x.tar"]
    assert redact_value(["gh", "auth", "login", "--with-token", "t0k"]) == [
        "gh", "auth", "login", "--with-token", MASK]
