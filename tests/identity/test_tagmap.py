"""Principal-tag map refresh and cache: a real moto server (which lacks GetPrincipalTagAttributeMap, so
it exercises the failure path) and a loopback endpoint speaking the Cognito JSON protocol for success."""

from __future__ import annotations

import json
import stat
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from claude_enterprise.identity.cachefile import write_json_private
from claude_enterprise.identity.tagmap import (
    COGNITO_DEFAULT_MAP,
    cache_path,
    provider_name_for_issuer,
    read_cached_map,
    refresh_principal_tag_map,
)

from .helpers import NOW

REGION = "us-east-1"
PROVIDER = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
POOL = "us-east-1:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


@pytest.fixture
def moto_pool(moto_endpoint: str, aws_env: None) -> str:
    client = boto3.client("cognito-identity", region_name=REGION, endpoint_url=moto_endpoint)
    pool = client.create_identity_pool(IdentityPoolName="claude", AllowUnauthenticatedIdentities=False)
    return str(pool["IdentityPoolId"])


class CognitoStub:
    """Answers GetPrincipalTagAttributeMap as the Cognito JSON API does; records what it was asked."""

    def __init__(self) -> None:
        self.response: dict[str, Any] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []


@pytest.fixture
def cognito_stub(aws_env: None) -> Iterator[tuple[str, CognitoStub]]:
    stub = CognitoStub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            stub.calls.append((self.headers["X-Amz-Target"], body))
            data = json.dumps(stub.response).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _seed_cache(state: Path, pool: str, mapping: dict[str, str]) -> Path:
    path = cache_path(state, pool)
    record = {
        "identity_pool_id": pool,
        "provider_name": PROVIDER,
        "principal_tags": mapping,
        "fetched_at": NOW,
    }
    write_json_private(path, record)
    return path


def test_successful_refresh_is_cached_privately(cognito_stub: tuple[str, CognitoStub], state: Path) -> None:
    endpoint, stub = cognito_stub
    tags = {"SecurityProfile": "custom:profile", "UserEmail": "email"}
    stub.response = {
        "IdentityPoolId": POOL,
        "IdentityProviderName": PROVIDER,
        "UseDefaults": False,
        "PrincipalTags": tags,
    }
    result = refresh_principal_tag_map(POOL, PROVIDER, REGION, endpoint, state=state, now=NOW)
    assert (result.refreshed, result.reason) == (True, None)
    assert result.mapping == {"SecurityProfile": "custom:profile", "UserEmail": "email"}
    assert stub.calls == [
        (
            "AWSCognitoIdentityService.GetPrincipalTagAttributeMap",
            {"IdentityPoolId": POOL, "IdentityProviderName": PROVIDER},
        )
    ]
    path = state / "principal-tag-map" / f"{POOL}.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    cached = read_cached_map(state, POOL)
    assert cached is not None
    assert (cached.mapping, cached.provider_name, cached.fetched_at, cached.path) == (
        result.mapping,
        PROVIDER,
        NOW,
        path,
    )


def test_use_defaults_without_custom_tags_stores_cognito_defaults(
    cognito_stub: tuple[str, CognitoStub], state: Path
) -> None:
    endpoint, stub = cognito_stub
    stub.response = {"IdentityPoolId": POOL, "IdentityProviderName": PROVIDER, "UseDefaults": True}
    result = refresh_principal_tag_map(POOL, PROVIDER, REGION, endpoint, state=state)
    assert result.mapping == COGNITO_DEFAULT_MAP


def test_malformed_map_keeps_the_cache(cognito_stub: tuple[str, CognitoStub], state: Path) -> None:
    endpoint, stub = cognito_stub
    _seed_cache(state, POOL, {"Team": "custom:team"})
    stub.response = {"PrincipalTags": {"Team": ""}}
    result = refresh_principal_tag_map(POOL, PROVIDER, REGION, endpoint, state=state)
    assert (result.refreshed, result.mapping) == (False, {"Team": "custom:team"})
    assert "malformed" in (result.reason or "")


def test_moto_failure_without_cache_reports_the_reason(moto_pool: str, moto_endpoint: str, state: Path) -> None:
    result = refresh_principal_tag_map(moto_pool, PROVIDER, REGION, moto_endpoint, state=state)
    assert result.mapping is None and not result.refreshed
    assert result.reason is not None
    assert result.reason.startswith("cannot refresh principal-tag map:") and result.reason.endswith("no cached map")
    assert "\n" not in result.reason
    assert not cache_path(state, moto_pool).exists()


def test_moto_failure_keeps_the_existing_cache(moto_pool: str, moto_endpoint: str, state: Path) -> None:
    path = _seed_cache(state, moto_pool, {"SecurityProfile": "custom:profile"})
    before = path.read_bytes()
    result = refresh_principal_tag_map(moto_pool, PROVIDER, REGION, moto_endpoint, state=state)
    assert result.mapping == {"SecurityProfile": "custom:profile"}
    assert not result.refreshed
    assert (result.reason or "").endswith("keeping the cached map")
    assert path.read_bytes() == before


def test_no_credentials_is_a_reason_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, state: Path, offline_url: str
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-metadata lookups off loopback
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    result = refresh_principal_tag_map(POOL, PROVIDER, REGION, offline_url, state=state)
    assert result.mapping is None
    assert "credentials" in (result.reason or "").lower()


def test_bad_pool_id_is_refused(state: Path) -> None:
    result = refresh_principal_tag_map("../../etc", PROVIDER, REGION, state=state)
    assert result.mapping is None and "region:uuid" in (result.reason or "")
    assert read_cached_map(state, "../../etc") is None
    with pytest.raises(ValueError):
        cache_path(state, "../../etc")


def test_damaged_or_foreign_cache_is_ignored(state: Path) -> None:
    path = _seed_cache(state, POOL, {"A": "b"})
    path.write_text(json.dumps({"identity_pool_id": "us-east-1:0000", "provider_name": PROVIDER,
                                "principal_tags": {"A": "b"}, "fetched_at": NOW}))  # fmt: skip
    assert read_cached_map(state, POOL) is None
    path.write_text("[]")
    assert read_cached_map(state, POOL) is None


def test_provider_name_for_issuer() -> None:
    issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
    assert provider_name_for_issuer(issuer) == PROVIDER
    assert provider_name_for_issuer("https://dev.okta.com/oauth2/default/") == "dev.okta.com/oauth2/default"
