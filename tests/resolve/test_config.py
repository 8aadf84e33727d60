"""enterprise-config.json and user preferences: sources, validation, and the admin-owned rule."""

from __future__ import annotations

import json
import os

import pytest

from claude_enterprise import paths
from claude_enterprise.config import ConfigError, load_config, load_preferences


def test_embedded_default_when_nothing_configured(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUDE_ENTERPRISE_MANAGED_DIR", str(tmp_path / "absent"))
    cfg = load_config({})
    assert cfg.source is None and cfg.security_profile is None and not cfg.cloudwatch_enabled


def test_env_config_honoured_without_managed(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUDE_ENTERPRISE_MANAGED_DIR", str(tmp_path / "absent"))
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"security_profile": "restricted", "allowed_bedrock_regions": ["us-east-1"],
                                "group_profiles": [{"group": "sre", "profile": "elevated"}]}))
    cfg = load_config({"CLAUDE_ENTERPRISE_CONFIG": str(path)})
    assert cfg.security_profile == "restricted" and cfg.allowed_bedrock_regions == ("us-east-1",)
    assert cfg.group_profiles[0].profile == "elevated" and not cfg.managed and cfg.source == str(path)


def test_managed_config_wins_over_env(tmp_path, monkeypatch):
    managed = tmp_path / "managed"
    managed.mkdir(mode=0o755)
    (managed / "enterprise-config.json").write_text('{"security_profile": "plan-only"}')
    os.chmod(managed / "enterprise-config.json", 0o644)
    monkeypatch.setenv("CLAUDE_ENTERPRISE_MANAGED_DIR", str(managed))
    user = tmp_path / "u.json"
    user.write_text('{"security_profile": "elevated"}')
    if not paths.is_admin_owned(managed):
        pytest.skip("needs root-owned temp directories (tests run as root in CI)")
    cfg = load_config({"CLAUDE_ENTERPRISE_CONFIG": str(user)})
    assert cfg.managed and cfg.security_profile == "plan-only"


def test_managed_dir_writable_by_others_is_not_trusted(tmp_path, monkeypatch):
    managed = tmp_path / "managed"
    managed.mkdir()
    os.chmod(managed, 0o777)
    (managed / "enterprise-config.json").write_text('{"security_profile": "elevated"}')
    monkeypatch.setenv("CLAUDE_ENTERPRISE_MANAGED_DIR", str(managed))
    assert not paths.is_admin_owned(managed)
    assert load_config({}).security_profile is None


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"security_profil": "x"}, "security_profil"),
        ({"allowed_bedrock_regions": "us-east-1"}, "allowed_bedrock_regions"),
        ({"budget_amount": -5}, "budget_amount"),
        ({"expired_token": "sometimes"}, "expired_token"),
        ({"group_profiles": [{"group": "a"}]}, "group_profiles"),
        ({"cost_tracking_enabled": "yes"}, "cost_tracking_enabled"),
    ],
)
def test_invalid_config_names_file_and_field(tmp_path, monkeypatch, doc, field):
    monkeypatch.setenv("CLAUDE_ENTERPRISE_MANAGED_DIR", str(tmp_path / "absent"))
    path = tmp_path / "c.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ConfigError) as info:
        load_config({"CLAUDE_ENTERPRISE_CONFIG": str(path)})
    assert info.value.field == field and str(path) in str(info.value) and "\n" not in str(info.value)


def test_broken_json_and_missing_file(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUDE_ENTERPRISE_MANAGED_DIR", str(tmp_path / "absent"))
    path = tmp_path / "c.json"
    path.write_text("{nope")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_config({"CLAUDE_ENTERPRISE_CONFIG": str(path)})
    with pytest.raises(ConfigError, match="cannot read"):
        load_config({"CLAUDE_ENTERPRISE_CONFIG": str(tmp_path / "missing.json")})


def test_preferences(tmp_path):
    assert load_preferences(tmp_path).security_profile is None
    (tmp_path / "preferences.json").write_text('{"security_profile": "restricted"}')
    assert load_preferences(tmp_path).security_profile == "restricted"
    (tmp_path / "preferences.json").write_text('{"profile": "restricted"}')
    with pytest.raises(ConfigError, match="profile: unknown key"):
        load_preferences(tmp_path)
