"""Token sources: environment, the Bedrock guidance's session file, the optional OS keyring."""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

import pytest

from claude_enterprise.identity.tokens import ENV_VAR, find_token, session_file

PROFILE = "ClaudeCode"


def write_session_file(home: Path, token: str, mode: int = 0o600, profile: str = PROFILE) -> Path:
    path = session_file(home, profile)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    path.write_text(json.dumps({"token": token, "expires": 0, "email": "dev@example.com", "profile": profile}))
    os.chmod(path, mode)
    return path


@pytest.fixture
def fake_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An importable `keyring` module backed by a JSON file: stands in for the OS keychain."""
    store = tmp_path / "keyring-store.json"
    store.write_text("{}")
    module_dir = tmp_path / "keyring-module"
    module_dir.mkdir()
    (module_dir / "keyring.py").write_text(
        "import json, os\n"
        "def get_password(service, username):\n"
        "    data = json.load(open(os.environ['TEST_KEYRING_STORE']))\n"
        "    if data.get('locked'):\n"
        "        raise RuntimeError('keychain is locked')\n"
        "    return data.get(service + '/' + username)\n"
    )
    monkeypatch.setenv("TEST_KEYRING_STORE", str(store))
    monkeypatch.syspath_prepend(str(module_dir))
    monkeypatch.delitem(sys.modules, "keyring", raising=False)
    importlib.invalidate_caches()
    return store


def test_environment_wins_over_file(home: Path) -> None:
    write_session_file(home, "from-file")
    search = find_token(PROFILE, env={ENV_VAR: " from-env "}, home=home)
    assert search.found is not None
    assert (search.found.token, search.found.source) == ("from-env", f"env {ENV_VAR}")


def test_session_file_is_read_and_named(home: Path) -> None:
    write_session_file(home, "from-file")
    search = find_token(PROFILE, env={}, home=home)
    assert search.found is not None
    assert search.found.token == "from-file"
    assert search.found.source == "file ~/.claude-code-session/ClaudeCode-monitoring.json"
    assert search.warnings == ()


def test_profile_selects_the_file(home: Path) -> None:
    write_session_file(home, "team-a", profile="TeamA")
    assert find_token(PROFILE, env={}, home=home).found is None
    found = find_token("TeamA", env={}, home=home).found
    assert found is not None and found.token == "team-a"


def test_session_file_readable_by_others_is_warned_about(home: Path) -> None:
    write_session_file(home, "from-file", mode=0o644)
    search = find_token(PROFILE, env={}, home=home)
    assert search.found is not None
    assert "mode 0644" in search.warnings[0] and "chmod 600" in search.warnings[0]


@pytest.mark.parametrize(
    "content",
    ["{broken", "[]", '{"token": 5}', '{"token": ""}', '{"token": 1' + "0" * 5000 + "}", "[" * 50_000],
    ids=["broken", "list", "number", "empty", "huge-int", "deep-nesting"],
)
def test_unusable_session_file_is_skipped_with_a_warning(home: Path, content: str) -> None:
    path = write_session_file(home, "x")
    path.write_text(content)
    search = find_token(PROFILE, env={}, home=home, use_keyring=False)
    assert search.found is None
    assert "ignored" in search.warnings[0]


def test_logged_out_sentinel_means_no_token(home: Path) -> None:
    write_session_file(home, "EXPIRED")
    search = find_token(PROFILE, env={}, home=home, use_keyring=False)
    assert search.found is None and search.warnings == ()


@pytest.mark.parametrize("profile", ["../etc/x", "a/b", ".hidden", ""])
def test_profile_names_cannot_escape_the_session_directory(home: Path, profile: str) -> None:
    search = find_token(profile, env={}, home=home)
    assert search.found is None
    assert "cannot name a token file" in search.warnings[0]


def test_directory_in_place_of_file_is_ignored(home: Path) -> None:
    session_file(home, PROFILE).mkdir(parents=True)
    search = find_token(PROFILE, env={}, home=home, use_keyring=False)
    assert search.found is None
    assert search.warnings


def test_keyring_is_used_after_env_and_file(home: Path, fake_keyring: Path) -> None:
    record = {"token": "from-keyring", "expires": 0, "email": "", "profile": PROFILE}
    fake_keyring.write_text(json.dumps({f"claude-code-with-bedrock/{PROFILE}-monitoring": json.dumps(record)}))
    found = find_token(PROFILE, env={}, home=home).found
    assert found is not None and (found.token, found.source) == ("from-keyring", "keyring")
    write_session_file(home, "from-file")
    found = find_token(PROFILE, env={}, home=home).found
    assert found is not None and found.token == "from-file"


def test_keyring_not_consulted_when_disabled(home: Path, fake_keyring: Path) -> None:
    record = {"token": "from-keyring"}
    fake_keyring.write_text(json.dumps({f"claude-code-with-bedrock/{PROFILE}-monitoring": json.dumps(record)}))
    assert find_token(PROFILE, env={}, home=home, use_keyring=False).found is None


def test_keyring_failure_is_a_warning_not_an_error(home: Path, fake_keyring: Path) -> None:
    fake_keyring.write_text(json.dumps({"locked": True}))
    search = find_token(PROFILE, env={}, home=home)
    assert search.found is None
    assert "keychain is locked" in search.warnings[0]


def test_missing_keyring_package_is_simply_no_source(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    search = find_token(PROFILE, env={}, home=home)
    assert search.found is None and search.warnings == ()
