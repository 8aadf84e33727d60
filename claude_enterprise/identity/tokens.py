"""Where the user's OIDC ID token is found, in the Bedrock guidance's order.

1. `CLAUDE_CODE_MONITORING_TOKEN` (the guidance's credential process exports it for its session);
2. its session file `~/.claude-code-session/<profile>-monitoring.json` (`{"token", "expires", "email",
   "profile"}`, written 0600);
3. the OS keyring (service `claude-code-with-bedrock`, key `<profile>-monitoring`, same JSON), only when
   the optional `keyring` package is installed.

Finding a token says nothing about trusting it: every token is verified afterwards.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

ENV_VAR = "CLAUDE_CODE_MONITORING_TOKEN"
KEYRING_SERVICE = "claude-code-with-bedrock"
SESSION_DIR_NAME = ".claude-code-session"
# What the guidance writes over a token when the user logs out.
CLEARED_SENTINEL = "EXPIRED"
MAX_FILE_BYTES = 128 * 1024
# AWS profile names in practice; anything with a path separator or leading dot is refused so the
# profile can never steer the file read outside the session directory.
_PROFILE_NAME = re.compile(r"[A-Za-z0-9_+=,@-][A-Za-z0-9_.+=,@-]*")


class FoundToken(NamedTuple):
    token: str
    # "env CLAUDE_CODE_MONITORING_TOKEN", "file ~/.claude-code-session/X-monitoring.json" or "keyring"
    source: str


class TokenSearch(NamedTuple):
    found: FoundToken | None
    warnings: tuple[str, ...]


def session_file(home: Path, aws_profile: str) -> Path:
    return home / SESSION_DIR_NAME / f"{aws_profile}-monitoring.json"


def _token_from_json(text: str, where: str, warnings: list[str]) -> str | None:
    """The `token` member of the guidance's JSON record; None (with a warning) when unusable."""
    try:
        record = json.loads(text)
    except (ValueError, RecursionError):  # bad JSON, over-long integers, absurd nesting
        warnings.append(f"{where} is not valid JSON; ignored")
        return None
    token = record.get("token") if isinstance(record, dict) else None
    if not isinstance(token, str) or not token.strip():
        warnings.append(f"{where} has no 'token' string; ignored")
        return None
    if token.strip() == CLEARED_SENTINEL:
        return None
    return token.strip()


def _from_file(path: Path, display: str, warnings: list[str]) -> str | None:
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None
    except OSError as exc:
        warnings.append(f"cannot read {display}: {exc.strerror}")
        return None
    with handle:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode):
            warnings.append(f"{display} is not a regular file; ignored")
            return None
        mode = stat.S_IMODE(st.st_mode)
        if mode & 0o077:
            warnings.append(f"{display} is mode {mode:04o}, readable by others; run: chmod 600 {display}")
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        warnings.append(f"{display} is larger than {MAX_FILE_BYTES} bytes; ignored")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        warnings.append(f"{display} is not UTF-8; ignored")
        return None
    return _token_from_json(text, display, warnings)


def _from_keyring(aws_profile: str, warnings: list[str]) -> str | None:
    # Optional dependency, imported only here: importing keyring loads its backends, which is slow
    # and on some desktops prompts the user, so it is never touched unless earlier sources are empty.
    if importlib.util.find_spec("keyring") is None:
        return None
    try:
        import keyring

        value = keyring.get_password(KEYRING_SERVICE, f"{aws_profile}-monitoring")
    except Exception as exc:  # any backend failure (locked, no backend) means "no token here"
        warnings.append(f"keyring unavailable: {type(exc).__name__}: {exc}")
        return None
    if not isinstance(value, str) or not value:
        return None
    return _token_from_json(value, "keyring entry", warnings)


def find_token(aws_profile: str, *, env: Mapping[str, str], home: Path, use_keyring: bool = True) -> TokenSearch:
    """The first token found, in the order above, with warnings about anything odd on the way."""
    warnings: list[str] = []
    env_token = env.get(ENV_VAR, "").strip()
    if env_token:
        return TokenSearch(FoundToken(env_token, f"env {ENV_VAR}"), tuple(warnings))
    if not _PROFILE_NAME.fullmatch(aws_profile):
        warnings.append(f"AWS profile name {aws_profile!r} cannot name a token file; file and keyring skipped")
        return TokenSearch(None, tuple(warnings))
    display = f"~/{SESSION_DIR_NAME}/{aws_profile}-monitoring.json"
    file_token = _from_file(session_file(home, aws_profile), display, warnings)
    if file_token:
        return TokenSearch(FoundToken(file_token, f"file {display}"), tuple(warnings))
    if use_keyring:
        keyring_token = _from_keyring(aws_profile, warnings)
        if keyring_token:
            return TokenSearch(FoundToken(keyring_token, "keyring"), tuple(warnings))
    return TokenSearch(None, tuple(warnings))
