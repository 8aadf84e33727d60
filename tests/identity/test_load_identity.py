"""`load_identity` end to end: token sources → JWKS over real HTTP → verification → session tags."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import boto3

from claude_enterprise.identity import Identity, IdentitySettings, load_identity
from claude_enterprise.identity.cachefile import write_json_private
from claude_enterprise.identity.jwks import MIN_REFETCH_INTERVAL_S
from claude_enterprise.identity.jwks import cache_path as jwks_cache_path
from claude_enterprise.identity.tagmap import cache_path, provider_name_for_issuer
from claude_enterprise.identity.tags import TAGS_CLAIM
from claude_enterprise.identity.tokens import ENV_VAR, session_file

from .helpers import AUDIENCE, NOW, Issuer, SigningKey, claims_for

POOL = "us-east-1:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


def settings_for(issuer: str, **overrides: Any) -> IdentitySettings:
    return IdentitySettings(issuer=issuer, audience=AUDIENCE, **overrides)


def load(settings: IdentitySettings, token: str | None, home: Path, state: Path, now: float = NOW) -> Identity:
    env = {ENV_VAR: token} if token is not None else {}
    return load_identity(settings, now=now, env=env, home=home, state=state)


def profile_claims(issuer: str, profile: str = "elevated", **overrides: Any) -> dict[str, Any]:
    tags = {"principal_tags": {"SecurityProfile": [profile], "Department": ["payments"]}}
    return claims_for(issuer, **{TAGS_CLAIM: tags, "cognito:groups": ["devs"], **overrides})


def test_valid_token_gives_tags_groups_and_user(issuer: Issuer, idp_key: SigningKey, home: Path, state: Path) -> None:
    identity = load(settings_for(issuer.url), idp_key.sign(profile_claims(issuer.url)), home, state)
    assert identity.status == "valid", identity.reason
    assert identity.source == f"env {ENV_VAR}"
    assert identity.tags == {
        "SecurityProfile": "elevated",
        "Department": "payments",
        "UserEmail": "dev@example.com",
        "UserId": "0f6c-user",
        "UserName": "Dev User",
    }
    assert identity.tag_sources["SecurityProfile"] == f"token claim {TAGS_CLAIM}"
    assert identity.tag_sources["UserEmail"] == "Bedrock guidance default mapping: claim 'email'"
    assert identity.groups == ("devs",)
    assert identity.user == {"sub": "0f6c-user", "email": "dev@example.com", "name": "Dev User"}
    assert identity.keys_trusted and identity.keys_origin == f"{issuer.jwks_uri} (fetched)"
    assert identity.warnings == ()


def test_second_load_verifies_from_the_cache(issuer: Issuer, idp_key: SigningKey, home: Path, state: Path) -> None:
    token = idp_key.sign(profile_claims(issuer.url))
    load(settings_for(issuer.url), token, home, state)
    issuer.requests.clear()
    identity = load(settings_for(issuer.url), token, home, state, now=NOW + 60)
    assert identity.status == "valid"
    assert issuer.requests == []
    assert not identity.keys_trusted


def test_forged_token_is_invalid_and_carries_nothing(
    issuer: Issuer, attacker_key: SigningKey, home: Path, state: Path
) -> None:
    identity = load(settings_for(issuer.url), attacker_key.sign(profile_claims(issuer.url)), home, state)
    assert identity.status == "invalid"
    assert "signature" in (identity.reason or "")
    assert (identity.claims, identity.tags, identity.groups, identity.user) == ({}, {}, (), {})


def test_expired_token_is_expired_without_tags(issuer: Issuer, idp_key: SigningKey, home: Path, state: Path) -> None:
    token = idp_key.sign(profile_claims(issuer.url, exp=NOW - 3600, iat=NOW - 7200))
    identity = load(settings_for(issuer.url), token, home, state)
    assert identity.status == "expired"
    assert (identity.reason or "").startswith("token expired at")
    assert identity.tags == {} and identity.groups == ()
    assert identity.user["email"] == "dev@example.com"


def test_wrong_audience_and_wrong_issuer_are_invalid(
    issuer: Issuer, idp_key: SigningKey, home: Path, state: Path
) -> None:
    wrong_aud = load(settings_for(issuer.url), idp_key.sign(profile_claims(issuer.url, aud="other")), home, state)
    assert wrong_aud.status == "invalid" and "audience" in (wrong_aud.reason or "")
    foreign = idp_key.sign(profile_claims("https://other-idp.example.com"))
    wrong_iss = load(settings_for(issuer.url), foreign, home, state)
    assert wrong_iss.status == "invalid" and "issuer" in (wrong_iss.reason or "")


def test_malformed_token_is_invalid(issuer: Issuer, home: Path, state: Path) -> None:
    identity = load(settings_for(issuer.url), "not-a-jwt", home, state)
    assert identity.status == "invalid" and "malformed" in (identity.reason or "")


def test_rotated_key_is_picked_up_by_one_refresh(
    issuer: Issuer, idp_key: SigningKey, rotated_key: SigningKey, home: Path, state: Path
) -> None:
    load(settings_for(issuer.url), idp_key.sign(profile_claims(issuer.url)), home, state)
    issuer.publish(idp_key, rotated_key)
    later = NOW + MIN_REFETCH_INTERVAL_S + 1
    identity = load(settings_for(issuer.url), rotated_key.sign(profile_claims(issuer.url)), home, state, now=later)
    assert identity.status == "valid", identity.reason
    assert issuer.requests[-1] == "/jwks.json"


def test_kid_unknown_even_after_refresh_is_invalid(
    issuer: Issuer, rotated_key: SigningKey, home: Path, state: Path
) -> None:
    identity = load(settings_for(issuer.url), rotated_key.sign(profile_claims(issuer.url)), home, state)
    assert identity.status == "invalid"
    assert "unknown key 'key-2'" in (identity.reason or "")


def test_offline_with_cache_still_verifies(
    issuer: Issuer, idp_key: SigningKey, home: Path, state: Path, offline_url: str
) -> None:
    token = idp_key.sign(profile_claims(issuer.url))
    load(settings_for(issuer.url), token, home, state)
    offline = settings_for(issuer.url, jwks_uri=f"{offline_url}/jwks.json", jwks_max_age_s=0)
    identity = load(offline, token, home, state, now=NOW + 10)
    assert identity.status == "valid"
    assert not identity.keys_trusted
    assert any("unreachable" in warning for warning in identity.warnings)


def test_offline_without_cache_is_invalid(idp_key: SigningKey, home: Path, state: Path, offline_url: str) -> None:
    identity = load(settings_for(offline_url), idp_key.sign(profile_claims(offline_url)), home, state)
    assert identity.status == "invalid"
    assert (identity.reason or "").startswith("cannot verify token:")


def test_no_token_is_absent(issuer: Issuer, home: Path, state: Path) -> None:
    identity = load(settings_for(issuer.url), None, home, state)
    assert (identity.status, identity.source, identity.reason) == ("absent", None, None)


def test_token_without_configured_issuer_is_ignored_not_trusted(
    attacker_key: SigningKey, home: Path, state: Path
) -> None:
    token = attacker_key.sign(profile_claims("https://anything.example.com"))
    identity = load(IdentitySettings(issuer=None, audience=None), token, home, state)
    assert identity.status == "absent"
    assert identity.source == f"env {ENV_VAR}"
    assert "no identity issuer configured" in (identity.reason or "")
    assert identity.tags == {}


def test_missing_audience_configuration_fails_closed(
    issuer: Issuer, idp_key: SigningKey, home: Path, state: Path
) -> None:
    identity = load(
        IdentitySettings(issuer=issuer.url, audience=None),
        idp_key.sign(profile_claims(issuer.url)),
        home,
        state,
    )
    assert identity.status == "invalid" and "audience" in (identity.reason or "")


def test_token_from_session_file_with_loose_mode(issuer: Issuer, idp_key: SigningKey, home: Path, state: Path) -> None:
    path = session_file(home, "ClaudeCode")
    path.parent.mkdir()
    path.write_text(json.dumps({"token": idp_key.sign(profile_claims(issuer.url)), "expires": NOW + 3600}))
    os.chmod(path, 0o640)
    identity = load(settings_for(issuer.url), None, home, state)
    assert identity.status == "valid"
    assert identity.source == "file ~/.claude-code-session/ClaudeCode-monitoring.json"
    assert any("mode 0640" in warning for warning in identity.warnings)


def test_flat_tag_claims_and_admin_mapping(issuer: Issuer, idp_key: SigningKey, home: Path, state: Path) -> None:
    claims = claims_for(
        issuer.url,
        **{"https://aws.amazon.com/tags/principal_tags/SecurityProfile": "restricted", "custom:cc": "cc-7"},
    )
    settings = settings_for(issuer.url, user_attribute_mapping={"CostCenter": "custom:cc"})
    identity = load(settings, idp_key.sign(claims), home, state)
    assert identity.tags == {"SecurityProfile": "restricted", "CostCenter": "cc-7"}
    assert identity.tag_sources["CostCenter"] == "config user_attribute_mapping: claim 'custom:cc'"


def _seed_pool_map(state: Path, provider: str, mapping: dict[str, str]) -> None:
    record = {
        "identity_pool_id": POOL,
        "provider_name": provider,
        "principal_tags": mapping,
        "fetched_at": NOW,
    }
    write_json_private(cache_path(state, POOL), record)


def test_cached_pool_map_applies_for_the_same_provider(
    issuer: Issuer, idp_key: SigningKey, home: Path, state: Path
) -> None:
    _seed_pool_map(state, provider_name_for_issuer(issuer.url), {"SecurityProfile": "custom:profile"})
    token = idp_key.sign(profile_claims(issuer.url, **{"custom:profile": "standard"}))
    identity = load(settings_for(issuer.url, identity_pool_id=POOL), token, home, state)
    assert identity.tags["SecurityProfile"] == "standard"  # the pool's map beats the tag claim
    assert identity.tag_sources["SecurityProfile"].startswith("principal-tag map cache ")
    assert "UserEmail" not in identity.tags  # one mapping source, never merged with the defaults


def test_admin_mapping_beats_the_cached_pool_map(issuer: Issuer, idp_key: SigningKey, home: Path, state: Path) -> None:
    _seed_pool_map(state, provider_name_for_issuer(issuer.url), {"SecurityProfile": "custom:profile"})
    token = idp_key.sign(profile_claims(issuer.url, **{"custom:profile": "elevated", "custom:tier": "restricted"}))
    settings = settings_for(
        issuer.url, identity_pool_id=POOL, user_attribute_mapping={"SecurityProfile": "custom:tier"}
    )
    identity = load(settings, token, home, state)
    assert identity.tags["SecurityProfile"] == "restricted"


def test_cached_pool_map_of_another_provider_is_ignored(
    issuer: Issuer, idp_key: SigningKey, home: Path, state: Path
) -> None:
    _seed_pool_map(state, "other-idp.example.com", {"SecurityProfile": "custom:profile"})
    token = idp_key.sign(profile_claims(issuer.url, **{"custom:profile": "elevated"}))
    identity = load(settings_for(issuer.url, identity_pool_id=POOL), token, home, state)
    assert identity.tags["SecurityProfile"] == "elevated"
    assert identity.tag_sources["SecurityProfile"] == f"token claim {TAGS_CLAIM}"
    assert any("other-idp.example.com" in warning for warning in identity.warnings)


def test_real_cognito_id_token_from_moto(moto_endpoint: str, aws_env: None, home: Path, state: Path) -> None:
    """Interoperability: an RS256 ID token minted by moto's Cognito user pool verifies against its JWKS."""
    idp = boto3.session.Session().client("cognito-idp", region_name="us-east-1", endpoint_url=moto_endpoint)
    pool_id = idp.create_user_pool(PoolName="claude")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="cli")["UserPoolClient"]["ClientId"]
    idp.admin_create_user(
        UserPoolId=pool_id, Username="alice", UserAttributes=[{"Name": "email", "Value": "alice@example.com"}]
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password="Passw0rd!x", Permanent=True)
    auth = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_NO_SRP_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": "Passw0rd!x"},
    )
    token = auth["AuthenticationResult"]["IdToken"]
    settings = IdentitySettings(
        issuer=f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}",
        audience=client_id,
        jwks_uri=f"{moto_endpoint}/{pool_id}/.well-known/jwks.json",
    )
    identity = load_identity(settings, now=time.time(), env={ENV_VAR: token}, home=home, state=state)
    assert identity.status == "valid", identity.reason
    assert identity.claims["cognito:username"] == "alice"
    assert identity.tags["UserId"] == identity.claims["sub"]
    wrong_client = IdentitySettings(issuer=settings.issuer, audience="another-client", jwks_uri=settings.jwks_uri)
    assert load_identity(wrong_client, env={ENV_VAR: token}, home=home, state=state).status == "invalid"


def test_configured_provider_name_selects_the_cached_pool_map(
    issuer: Issuer, idp_key: SigningKey, home: Path, state: Path
) -> None:
    _seed_pool_map(state, "okta-app", {"SecurityProfile": "custom:profile"})
    token = idp_key.sign(profile_claims(issuer.url, **{"custom:profile": "restricted"}))
    settings = settings_for(issuer.url, identity_pool_id=POOL, provider_name="okta-app")
    assert load(settings, token, home, state).tags["SecurityProfile"] == "restricted"


def test_admin_pinned_jwks_is_the_only_key_source(
    idp_key: SigningKey, attacker_key: SigningKey, rotated_key: SigningKey, home: Path, state: Path, offline_url: str
) -> None:
    """With keys pinned in configuration, a planted JWKS cache cannot make a forged token verify."""
    planted = {"issuer": offline_url, "jwks_uri": "x", "fetched_at": NOW, "jwks": {"keys": [attacker_key.jwk()]}}
    write_json_private(jwks_cache_path(state / "jwks", offline_url), planted)
    forged = attacker_key.sign(profile_claims(offline_url))
    # Without pinning, a planted cache verifies the forgery; the result says the keys were not trusted.
    planted_result = load(settings_for(offline_url), forged, home, state)
    assert (planted_result.status, planted_result.keys_trusted) == ("valid", False)
    pinned = settings_for(offline_url, jwks={"keys": [idp_key.jwk()]})
    assert load(pinned, forged, home, state).status == "invalid"
    genuine = load(pinned, idp_key.sign(profile_claims(offline_url)), home, state)
    assert genuine.status == "valid" and genuine.keys_trusted and genuine.keys_origin == "config jwks"
    unknown = load(pinned, rotated_key.sign(profile_claims(offline_url)), home, state)
    assert unknown.status == "invalid" and "unknown key" in (unknown.reason or "")
    broken = load(settings_for(offline_url, jwks={"no": "keys"}), forged, home, state)
    assert broken.status == "invalid" and (broken.reason or "").startswith("cannot verify token")
