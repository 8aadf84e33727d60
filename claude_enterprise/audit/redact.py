"""Secret redaction applied to every string of an audit event before it is written anywhere.

Audit records leave the machine (CloudWatch) and are read by people who must not learn credentials a
user typed into a command. Redaction is pattern based and deliberately errs towards hiding: a redacted
non-secret costs an auditor a little context, a leaked secret costs a credential rotation.
Standard library only (hot path).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import lru_cache

MASK = "[REDACTED]"

# Names whose value is a secret wherever it is assigned: env assignments (`GITHUB_TOKEN=...`),
# `export X=...`, JSON/YAML-ish `"password": "..."`. Matched case-insensitively as a word part.
_SECRET_NAME = (
    r"[A-Za-z0-9_.-]*(?:passw(?:or)?d|passwd|secret|token(?!s)|api[_-]?key|apikey|access[_-]?key"
    r"|private[_-]?key|credentials?|auth[_-]?token|session[_-]?key|client[_-]?secret)[A-Za-z0-9_.-]*"
)

# Each pattern keeps its group 1 (the context that tells a reader what was there) and masks the rest.
@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Compiled on first use: most strings hold no hint of a secret, and the hook pays import time."""
    return (
        # PEM private keys, possibly spanning lines.
        (
            re.compile(
                r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)", re.S
            ),
            f"-----BEGIN \\1PRIVATE KEY-----{MASK}",
        ),
        # Passwords in URLs: scheme://user:password@host
        (re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@'\"]*:)[^@\s/'\"]+(@)"), f"\\1{MASK}\\2"),
        # Authorization headers and bearer/basic tokens.
        (
            re.compile(r"(?i)\b(authorization\s*[:=]\s*['\"]?)(?:(?:bearer|basic|token|digest)\s+)?[^\s'\"]+"),
            f"\\1{MASK}",
        ),
        (re.compile(r"(?i)\b((?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}"), f"\\1{MASK}"),
        # Headers like `X-Api-Key: value`, `-H 'Private-Token: value'`.
        (re.compile(rf"(?i)\b({_SECRET_NAME}\s*:\s+)[^\s'\"]+"), f"\\1{MASK}"),
        # Command-line flags: --password VALUE, --password=VALUE, --api-key VALUE, --token VALUE ...
        (re.compile(rf"(?i)(--?{_SECRET_NAME}(?:=|\s+))(?:'[^']*'|\"[^\"]*\"|[^\s'\"]+)"), f"\\1{MASK}"),
        # mysql-style -pSECRET (only for the MySQL clients: elsewhere -pX is an ordinary flag) and
        # curl -u user:password
        (re.compile(r"(\b(?:mysql|mysqldump|mysqladmin|mariadb)\b[^|;&\n]*?\s-p)(?=[^\s-])\S+"), f"\\1{MASK}"),
        (re.compile(r"(?<![\w-])((?:-u|--user)\s+['\"]?[^\s:'\"]+:)[^\s'\"]+"), f"\\1{MASK}"),
        # Assignments: NAME=value, NAME: value, "name": "value" where the name says secret.
        (
            re.compile(rf"(?i)(\b{_SECRET_NAME}['\"]?\s*[=:]\s*)(?:'[^']*'|\"[^\"]*\"|[^\s'\",;&|)}}]+)"),
            f"\\1{MASK}",
        ),
        # Well-known token shapes, wherever they appear.
        (re.compile(r"\b((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{16})\b"), MASK),
        (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), MASK),
        (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})\b"), MASK),
        (re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"), MASK),
        (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), MASK),
        (re.compile(r"\bsk-(?:ant-)?[A-Za-z0-9_-]{20,}"), MASK),
        (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), MASK),
        (re.compile(r"\b(?:sk|rk)_live_[0-9A-Za-z]{16,}"), MASK),
    )

# Cheap pre-filter: most strings (paths, rule ids, short commands) contain none of these hints,
# so the full pattern list only runs when one is present. Keeps record() well under a millisecond.
_HINT = re.compile(
    r"(?i)pass|pwd|secret|token|key|auth|cred|bearer|basic|://|-p|-u|--user|AKIA|ASIA|A[GIRNBC][A-Z]A|eyJ|gh[pousr]_"
    r"|github_pat_|glpat-|xox|sk-|AIza|_live_|PRIVATE"
)

_SECRET_KEY = re.compile(rf"(?i)^{_SECRET_NAME}$")
_SECRET_FLAG = re.compile(rf"(?i)^--?{_SECRET_NAME}$")
_MYSQL = re.compile(r"(?:^|/)(?:mysql|mysqldump|mysqladmin|mariadb)$")
# Keys that name a secret but are known-safe audit fields.
_SAFE_KEYS = frozenset({"tool_use_id", "session_id", "prev_hash", "hash", "event_id", "input_tokens",
                        "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens",
                        "max_tokens", "token_source", "auth_method"})


def redact(text: str) -> str:
    """`text` with every recognised secret replaced by `[REDACTED]`."""
    if not _HINT.search(text):
        return text
    for pattern, replacement in _patterns():
        text = pattern.sub(replacement, text)
    return text


def redact_value(value: object, key: str | None = None) -> object:
    """A JSON-native copy of `value` with every string redacted.

    Non-JSON values (paths, enums, datetimes) become strings *before* redaction, so nothing reaches the
    spool unredacted through a `default=str` at serialisation time. A value under a key that names a
    secret (`password`, `api_key`, ...) is masked whole.
    """
    if (key is not None and key not in _SAFE_KEYS and _SECRET_KEY.match(key) and value not in (None, "")
            and not isinstance(value, (int, float, bool))):
        return MASK
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # NaN/Infinity are not JSON; CloudWatch would reject the event.
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {str(k): redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
        # argv-style lists: the element after a secret flag (`["--token", "x"]`) is the secret, and
        # so is a MySQL client's `-pSECRET`.
        mysql = any(isinstance(v, str) and _MYSQL.search(v) for v in items[:1])
        return [f"-p{MASK}" if mysql and isinstance(v, str) and v.startswith("-p") and len(v) > 2
                else MASK if i and isinstance(items[i - 1], str) and _SECRET_FLAG.match(items[i - 1])
                and isinstance(v, str) else redact_value(v) for i, v in enumerate(items)]
    if isinstance(value, bytes):
        return redact(value.decode("utf-8", "replace"))
    return redact(str(value))
