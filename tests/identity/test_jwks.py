"""JWKS discovery, caching and offline behaviour against a real HTTP issuer on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest

from claude_enterprise.identity.jwks import (
    DEFAULT_MAX_AGE_S,
    MIN_REFETCH_INTERVAL_S,
    JwksUnavailable,
    allowed_url,
    cache_path,
    load_keys,
    parse_jwks,
)

from .helpers import NOW, Issuer, SigningKey


def test_discovery_fetches_keys_and_writes_a_private_cache(issuer: Issuer, state: Path) -> None:
    keys = load_keys(issuer.url, None, cache_dir=state / "jwks", now=NOW)
    assert set(keys.keys) == {"key-1"}
    assert keys.from_network
    assert issuer.requests == ["/.well-known/openid-configuration", "/jwks.json"]
    path = state / "jwks" / f"{hashlib.sha256(issuer.url.encode()).hexdigest()}.json"
    assert cache_path(state / "jwks", issuer.url) == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    stored = json.loads(path.read_text())
    assert stored["issuer"] == issuer.url and stored["jwks_uri"] == issuer.jwks_uri and stored["fetched_at"] == NOW


def test_fresh_cache_needs_no_network(issuer: Issuer, state: Path) -> None:
    load_keys(issuer.url, issuer.jwks_uri, cache_dir=state, now=NOW)
    issuer.requests.clear()
    keys = load_keys(issuer.url, issuer.jwks_uri, cache_dir=state, now=NOW + 3600, need_kid="key-1")
    assert issuer.requests == []
    assert not keys.from_network
    assert keys.origin.startswith("cache ")


def test_stale_cache_is_refetched(issuer: Issuer, state: Path) -> None:
    load_keys(issuer.url, issuer.jwks_uri, cache_dir=state, now=NOW)
    issuer.requests.clear()
    keys = load_keys(issuer.url, issuer.jwks_uri, cache_dir=state, now=NOW + DEFAULT_MAX_AGE_S + 1)
    assert issuer.requests == ["/jwks.json"]
    assert keys.from_network


def test_unknown_kid_triggers_one_refresh(
    issuer: Issuer, state: Path, idp_key: SigningKey, rotated_key: SigningKey
) -> None:
    load_keys(issuer.url, issuer.jwks_uri, cache_dir=state, now=NOW)
    issuer.publish(idp_key, rotated_key)
    issuer.requests.clear()
    later = NOW + MIN_REFETCH_INTERVAL_S + 1
    keys = load_keys(issuer.url, issuer.jwks_uri, cache_dir=state, now=later, need_kid="key-2")
    assert issuer.requests == ["/jwks.json"]
    assert set(keys.keys) == {"key-1", "key-2"}


def test_unknown_kid_right_after_a_fetch_does_not_hammer_the_issuer(issuer: Issuer, state: Path) -> None:
    load_keys(issuer.url, issuer.jwks_uri, cache_dir=state, now=NOW)
    issuer.requests.clear()
    keys = load_keys(issuer.url, issuer.jwks_uri, cache_dir=state, now=NOW + 5, need_kid="made-up")
    assert issuer.requests == []
    assert "made-up" not in keys.keys


def test_offline_uses_the_cache_with_a_warning(issuer: Issuer, state: Path, offline_url: str) -> None:
    load_keys(issuer.url, issuer.jwks_uri, cache_dir=state, now=NOW)
    keys = load_keys(issuer.url, f"{offline_url}/jwks.json", cache_dir=state, now=NOW + DEFAULT_MAX_AGE_S + 10)
    assert set(keys.keys) == {"key-1"}
    assert not keys.from_network
    assert "unreachable" in keys.warnings[0]


def test_offline_without_cache_is_unavailable(state: Path, offline_url: str) -> None:
    with pytest.raises(JwksUnavailable, match="no cached keys"):
        load_keys(offline_url, None, cache_dir=state, now=NOW)


def test_damaged_cache_counts_as_no_cache(issuer: Issuer, state: Path, offline_url: str) -> None:
    cache_path(state, offline_url).write_text("{not json")
    with pytest.raises(JwksUnavailable):
        load_keys(offline_url, None, cache_dir=state, now=NOW)


def test_cache_of_another_issuer_is_not_used(issuer: Issuer, state: Path, offline_url: str) -> None:
    load_keys(issuer.url, issuer.jwks_uri, cache_dir=state, now=NOW)
    cache_path(state, issuer.url).rename(cache_path(state, offline_url))
    with pytest.raises(JwksUnavailable):
        load_keys(offline_url, None, cache_dir=state, now=NOW)


def test_discovery_naming_another_issuer_is_refused(issuer: Issuer, state: Path) -> None:
    issuer.discovery_issuer = "https://evil.example.com"
    with pytest.raises(JwksUnavailable, match="names issuer"):
        load_keys(issuer.url, None, cache_dir=state, now=NOW)


def test_redirect_to_a_disallowed_url_is_not_followed(issuer: Issuer, state: Path) -> None:
    with pytest.raises(JwksUnavailable, match="refused"):
        load_keys(issuer.url, f"{issuer.url}/redirect-away", cache_dir=state, now=NOW)


def test_plain_http_outside_loopback_is_refused(state: Path) -> None:
    with pytest.raises(JwksUnavailable, match="only https"):
        load_keys("https://idp.example.com", "http://idp.example.com/jwks.json", cache_dir=state, now=NOW)


@pytest.mark.parametrize(
    "url, allowed",
    [("https://idp.example.com/jwks", True), ("http://127.0.0.1:8080/jwks", True),
     ("http://localhost/jwks", True), ("http://[::1]:9/jwks", True), ("http://10.0.0.1/jwks", False),
     ("http://idp.example.com/jwks", False), ("file:///etc/jwks.json", False), ("https:///x", False),
     ("ftp://127.0.0.1/jwks", False)],
)  # fmt: skip
def test_allowed_urls(url: str, allowed: bool) -> None:
    assert allowed_url(url) is allowed


def test_duplicate_kids_are_dropped_and_foreign_keys_skipped(idp_key: SigningKey, rotated_key: SigningKey) -> None:
    twin = {**rotated_key.jwk(), "kid": "key-1"}
    keys = parse_jwks({"keys": [idp_key.jwk(), twin, rotated_key.jwk(), {"kty": "EC", "kid": "ec"}, "junk"]})
    assert set(keys) == {"key-2"}
    with pytest.raises(JwksUnavailable):
        parse_jwks({"no": "keys"})
