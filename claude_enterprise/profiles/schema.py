"""Validation of one raw profile document (after YAML/JSON parsing, before `extends` merging).

Hand-written rather than JSON Schema: every message must name the file and the dotted field and say what to
do, and unknown keys are errors (a typo must never silently drop a restriction).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .errors import ProfileError
from .model import EXEC_MODES, FILE_READ_LEVELS, FILE_WRITE_LEVELS, NETWORK_LEVELS, PERMISSION_MODES, SHELL_MODES

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_TOP_KEYS = {
    "name", "description", "rank", "extends", "env", "max_output_tokens", "models", "permission_mode",
    "files", "network", "shell", "exec", "iam_policy", "sandbox", "mcp", "examples",
}
_SECTIONS: dict[str, dict[str, str]] = {
    # key -> expected kind
    "files": {
        "write": "file_write", "read": "file_read", "read_allow": "strings", "read_allow_add": "strings",
        "deny_read": "strings", "deny_read_add": "strings", "deny_write": "strings", "deny_write_add": "strings",
    },
    "network": {"access": "network", "allowed_domains": "strings", "allowed_domains_add": "strings"},
    "shell": {
        "mode": "shell_mode", "allow": "strings", "deny": "strings", "allow_add": "strings",
        "deny_add": "strings", "block_destructive": "bool", "read_only_utilities": "bool",
    },
    "exec": {"mode": "exec_mode", "deny": "strings", "deny_add": "strings"},
    "sandbox": {"enabled": "bool", "required": "bool"},
    # Shell commands with the decision this profile must give them, checked by `policies compile` and
    # `policies check` (never at run time); they belong to the file that lists them, not to profiles that
    # extend it.
    "examples": {"allow": "strings", "deny": "strings"},
    "mcp": {
        "allowed_servers": "strings", "allowed_servers_add": "strings", "denied_servers": "strings",
        "denied_servers_add": "strings",
    },
}
_ENUMS = {
    "file_write": FILE_WRITE_LEVELS,
    "file_read": FILE_READ_LEVELS,
    "network": NETWORK_LEVELS,
    "shell_mode": SHELL_MODES,
    "exec_mode": EXEC_MODES,
    "permission_mode": PERMISSION_MODES,
}


def _check(kind: str, value: Any, source: str, field: str) -> None:
    if kind == "strings":
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ProfileError(source, field, "must be a list of non-empty strings")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise ProfileError(source, field, "must be true or false")
    elif kind in _ENUMS:
        if value not in _ENUMS[kind]:
            raise ProfileError(source, field, f"must be one of {', '.join(_ENUMS[kind])}, got {value!r}")
    else:  # pragma: no cover - programming error in the tables above
        raise AssertionError(kind)


def validate_document(doc: Any, source: str) -> dict[str, Any]:
    """Check one profile document's shape and return it; raise ProfileError naming file and field."""
    if not isinstance(doc, Mapping):
        raise ProfileError(source, "", "a profile must be a mapping (YAML object) at the top level")
    unknown = sorted(set(doc) - _TOP_KEYS)
    if unknown:
        raise ProfileError(source, unknown[0], f"unknown key; allowed keys are {', '.join(sorted(_TOP_KEYS))}")
    name = doc.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ProfileError(source, "name", "required; lower-case letters, digits, '.', '_' or '-'")
    if "description" in doc and not isinstance(doc["description"], str):
        raise ProfileError(source, "description", "must be a string")
    if "rank" in doc and (not isinstance(doc["rank"], int) or isinstance(doc["rank"], bool) or doc["rank"] < 0):
        raise ProfileError(source, "rank", "must be a non-negative integer (plan-only 0 ... elevated 3)")
    if "extends" in doc and (not isinstance(doc["extends"], str) or not NAME_RE.match(doc["extends"])):
        raise ProfileError(source, "extends", "must name another profile")
    if "env" in doc:
        env = doc["env"]
        if not isinstance(env, Mapping):
            raise ProfileError(source, "env", "must be a mapping of variable name to string value")
        for key, value in env.items():
            if not isinstance(key, str) or not _ENV_NAME_RE.match(key):
                raise ProfileError(source, f"env.{key}", "not a valid environment variable name")
            if not isinstance(value, str):
                raise ProfileError(source, f"env.{key}", 'must be a string; quote it, e.g. "true" or "8000"')
    if "max_output_tokens" in doc:
        value = doc["max_output_tokens"]
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ProfileError(source, "max_output_tokens", "must be a positive integer")
    if "models" in doc:
        _check("strings", doc["models"], source, "models")
    if "permission_mode" in doc:
        _check("permission_mode", doc["permission_mode"], source, "permission_mode")
    if "iam_policy" in doc and not isinstance(doc["iam_policy"], Mapping):
        raise ProfileError(source, "iam_policy", "must be an IAM policy document (a mapping)")
    for section, keys in _SECTIONS.items():
        if section not in doc:
            continue
        body = doc[section]
        if not isinstance(body, Mapping):
            raise ProfileError(source, section, "must be a mapping")
        for key, value in body.items():
            if key not in keys:
                raise ProfileError(
                    source, f"{section}.{key}", f"unknown key; allowed keys are {', '.join(sorted(keys))}"
                )
            _check(keys[key], value, source, f"{section}.{key}")
    return dict(doc)
