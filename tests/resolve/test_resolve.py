"""Profile resolution (DESIGN.md §3): ceiling from tags, groups, config or default; requests; refusals."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from claude_enterprise.profiles import ProfileError
from claude_enterprise.resolve import RefusedError, resolve
from tests.identity.helpers import NOW, claims_for

TAGS = "https://aws.amazon.com/tags"


def _resolve(tmp_path: Path, env: dict[str, str], requested: str | None = None):
    return resolve(requested, env, home=tmp_path / "home", now=NOW)


def _token(key, issuer_url: str, **claims) -> dict[str, str]:
    return {"CLAUDE_CODE_MONITORING_TOKEN": key.sign(claims_for(issuer_url, **claims))}


def test_bundled_default(tmp_path, isolated):
    res = _resolve(tmp_path, {})
    assert res.profile.name == "standard" and res.source == "bundled default"


def test_config_security_profile(tmp_path, isolated, write_config):
    res = _resolve(tmp_path, write_config(security_profile="restricted"))
    assert res.profile.name == "restricted" and "security_profile in" in res.source


def test_session_tag_nested_claim_beats_config(tmp_path, isolated, write_config, issuer, idp_key):
    env = write_config(issuer.url, security_profile="elevated")
    env |= _token(idp_key, issuer.url, **{TAGS: {"principal_tags": {"SecurityProfile": ["restricted"],
                                                                      "Department": ["eng"]}}})
    res = _resolve(tmp_path, env)
    assert res.profile.name == "restricted"
    assert res.source.startswith("session tag SecurityProfile=restricted")
    assert res.identity.status == "valid" and res.attribution()["department"] == "eng"


def test_session_tag_flat_claim(tmp_path, isolated, write_config, issuer, idp_key):
    flat = {f"{TAGS}/principal_tags/SecurityProfile": "elevated"}
    env = write_config(issuer.url) | _token(idp_key, issuer.url, **flat)
    assert _resolve(tmp_path, env).profile.name == "elevated"


def test_custom_tag_key_from_principal_tag_map(tmp_path, isolated, write_config, issuer, idp_key):
    env = write_config(issuer.url, profile_tag_key="Tier", user_attribute_mapping_enabled=True,
                       user_attribute_mapping={"Tier": "custom:tier"})
    env |= _token(idp_key, issuer.url, **{"custom:tier": "plan-only"})
    res = _resolve(tmp_path, env)
    assert res.profile.name == "plan-only" and "session tag Tier=plan-only" in res.source


def test_groups_first_match_in_declared_order(tmp_path, isolated, write_config, issuer, idp_key):
    env = write_config(issuer.url, group_profiles=[{"group": "juniors", "profile": "restricted"},
                                                   {"group": "sre", "profile": "elevated"}])
    env |= _token(idp_key, issuer.url, **{"cognito:groups": ["sre", "juniors"]})
    res = _resolve(tmp_path, env)
    assert res.profile.name == "restricted" and res.source.startswith("group juniors")


@pytest.mark.parametrize(
    ("mutation", "needle"),
    [
        ("forged", "signature"),
        ("audience", "aud"),
        ("issuer", "iss"),
    ],
)
def test_bad_token_gives_narrowest(tmp_path, isolated, write_config, issuer, idp_key, attacker_key, mutation, needle):
    env = write_config(issuer.url)
    tags = {TAGS: {"principal_tags": {"SecurityProfile": ["elevated"]}}}
    if mutation == "forged":
        env |= _token(attacker_key, issuer.url, **tags)
    elif mutation == "audience":
        env |= _token(idp_key, issuer.url, aud="someone-else", **tags)
    else:
        env |= _token(idp_key, issuer.url, iss="https://evil.example", **tags)
    res = _resolve(tmp_path, env)
    assert res.profile.name == "plan-only" and res.identity.status == "invalid"
    assert "failed verification" in res.ceiling_source and needle in res.ceiling_source.lower()
    with pytest.raises(RefusedError):
        _resolve(tmp_path, env, requested="restricted")


def test_expired_token_ignored_with_warning(tmp_path, isolated, write_config, issuer, idp_key):
    env = write_config(issuer.url, security_profile="restricted")
    env |= _token(idp_key, issuer.url, exp=NOW - 3600, iat=NOW - 7200,
                  **{TAGS: {"principal_tags": {"SecurityProfile": ["elevated"]}}})
    res = _resolve(tmp_path, env)
    assert res.profile.name == "restricted" and any("expired" in w for w in res.warnings)
    env = write_config(issuer.url, security_profile="restricted", expired_token="narrowest") | {
        "CLAUDE_CODE_MONITORING_TOKEN": env["CLAUDE_CODE_MONITORING_TOKEN"]}
    assert _resolve(tmp_path, env).profile.name == "plan-only"


def test_request_precedence_flag_env_preference(tmp_path, isolated, write_config):
    env = write_config(security_profile="elevated")
    prefs = Path(os.environ["XDG_CONFIG_HOME"]) / "claude-enterprise"
    prefs.mkdir(parents=True)
    (prefs / "preferences.json").write_text('{"security_profile": "standard"}')
    assert _resolve(tmp_path, env).profile.name == "standard"
    res = _resolve(tmp_path, env | {"CLAUDE_ENTERPRISE_PROFILE": "restricted"})
    assert res.profile.name == "restricted" and res.source.startswith("env CLAUDE_ENTERPRISE_PROFILE")
    res = _resolve(tmp_path, env | {"CLAUDE_ENTERPRISE_PROFILE": "restricted"}, requested="plan-only")
    assert res.profile.name == "plan-only" and res.source.startswith("flag --security-profile")
    assert res.ceiling.name == "elevated"


def test_widening_refused_naming_ceiling_and_source(tmp_path, isolated, write_config):
    env = write_config(security_profile="restricted")
    with pytest.raises(RefusedError) as info:
        _resolve(tmp_path, env, requested="elevated")
    message = str(info.value)
    assert "'elevated'" in message and "ceiling 'restricted'" in message and "security_profile in" in message
    with pytest.raises(RefusedError):
        _resolve(tmp_path, env | {"CLAUDE_ENTERPRISE_PROFILE": "standard"})


def test_unknown_names_are_errors(tmp_path, isolated, write_config, issuer, idp_key):
    with pytest.raises(ProfileError, match="flag --security-profile: unknown security profile 'admin'"):
        _resolve(tmp_path, {}, requested="admin")
    unknown_tag = {TAGS: {"principal_tags": {"SecurityProfile": ["god"]}}}
    env = write_config(issuer.url) | _token(idp_key, issuer.url, **unknown_tag)
    with pytest.raises(ProfileError, match="session tag SecurityProfile=god"):
        _resolve(tmp_path, env)
    with pytest.raises(ProfileError, match="security_profile in"):
        _resolve(tmp_path, write_config(security_profile="nope"))


def test_ci_usage_env_profile(tmp_path, isolated):
    res = _resolve(tmp_path, {"CLAUDE_ENTERPRISE_PROFILE": "restricted"})
    assert res.profile.name == "restricted" and res.ceiling.name == "standard"


def _plant_jwks_cache(issuer_url: str, key) -> None:
    """What a user (or an agent running as the user) can write: the JWKS cache in the state directory."""
    from claude_enterprise.identity.jwks import cache_path
    from claude_enterprise.paths import state_dir

    path = cache_path(state_dir() / "jwks", issuer_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"issuer": issuer_url, "jwks_uri": f"{issuer_url}/jwks.json", "fetched_at": NOW,
                                "jwks": {"keys": [key.jwk()]}}))


def test_planted_jwks_cache_cannot_widen(tmp_path, isolated, write_config, attacker_key):
    offline = "http://127.0.0.1:9"  # nothing listens: only the cache can verify
    _plant_jwks_cache(offline, attacker_key)
    env = write_config(offline, security_profile="restricted")
    env |= _token(attacker_key, offline, **{TAGS: {"principal_tags": {"SecurityProfile": ["elevated"]}}})
    res = _resolve(tmp_path, env)
    assert res.identity.status == "valid" and not res.identity.keys_trusted
    assert res.profile.name == "restricted"
    assert any("wider than restricted" in w and "cached keys" in w for w in res.warnings)
    # ... but it may still narrow.
    env |= _token(attacker_key, offline, **{TAGS: {"principal_tags": {"SecurityProfile": ["plan-only"]}}})
    assert _resolve(tmp_path, env).profile.name == "plan-only"


def test_pinned_jwks_in_admin_config_lets_tags_widen_offline(tmp_path, isolated, write_config, idp_key):
    offline = "http://127.0.0.1:9"
    env = write_config(offline, security_profile="restricted", identity_jwks={"keys": [idp_key.jwk()]})
    env |= _token(idp_key, offline, **{TAGS: {"principal_tags": {"SecurityProfile": ["elevated"]}}})
    res = _resolve(tmp_path, env)
    assert res.identity.keys_trusted and res.profile.name == "elevated"
