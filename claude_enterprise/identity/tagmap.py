"""The identity pool's principal-tag map (tag key → claim name), cached under the state directory.

Reading the live map needs the signed call `cognito-identity:GetPrincipalTagAttributeMap`, so it is
refreshed only by commands that may talk to AWS (the launcher, `--check-policy`, admin commands) and
cached for the hook, which must not import boto3. A failed refresh keeps the previous cache.

Trust note: the cache is user-writable. The resolver is told when a tag came from it (see
`tags.DerivedTags.sources`) and an administrator's `user_attribute_mapping` always takes precedence.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from claude_enterprise.identity.cachefile import read_json_object, write_json_private

# Cognito's own default mapping for a user-pool provider when `UseDefaults` is set.
COGNITO_DEFAULT_MAP: Mapping[str, str] = {"username": "sub", "client": "aud"}
# IdentityPoolId pattern from the Cognito API reference; also keeps the id from acting as a path.
_POOL_ID = re.compile(r"[\w-]+:[0-9a-f-]+")
TIMEOUT_S = 3.0


class CachedMap(NamedTuple):
    mapping: Mapping[str, str]
    provider_name: str
    fetched_at: float
    path: Path


class RefreshResult(NamedTuple):
    """`mapping` is the freshest map known (new or still cached); `reason` says why a refresh failed."""

    mapping: Mapping[str, str] | None
    refreshed: bool
    reason: str | None


def valid_pool_id(pool_id: str) -> bool:
    return bool(_POOL_ID.fullmatch(pool_id))


def cache_path(state: Path, pool_id: str) -> Path:
    if not valid_pool_id(pool_id):
        raise ValueError(f"identity pool id {pool_id!r} is not of the form region:uuid")
    return state / "principal-tag-map" / f"{pool_id}.json"


def provider_name_for_issuer(issuer: str) -> str:
    """The identity-pool provider name of an OIDC issuer: its URL without the scheme.

    For a Cognito user pool this is `cognito-idp.<region>.amazonaws.com/<user pool id>`.
    """
    return re.sub(r"^https?://", "", issuer).rstrip("/")


def _string_map(value: object) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) and k and v for k, v in value.items()):
        return None
    return dict(value)


def read_cached_map(state: Path, pool_id: str) -> CachedMap | None:
    """The cached map for `pool_id`, or None when absent or damaged."""
    if not valid_pool_id(pool_id):
        return None
    path = cache_path(state, pool_id)
    stored = read_json_object(path)
    if stored is None or stored.get("identity_pool_id") != pool_id:
        return None
    mapping = _string_map(stored.get("principal_tags"))
    provider = stored.get("provider_name")
    fetched_at = stored.get("fetched_at")
    if mapping is None or not isinstance(provider, str):
        return None
    if isinstance(fetched_at, bool) or not isinstance(fetched_at, (int, float)):
        return None
    return CachedMap(mapping=mapping, provider_name=provider, fetched_at=float(fetched_at), path=path)


def refresh_principal_tag_map(
    pool_id: str,
    provider_name: str,
    region: str,
    endpoint_url: str | None = None,
    *,
    state: Path | None = None,
    now: float | None = None,
) -> RefreshResult:
    """Fetch the live map with GetPrincipalTagAttributeMap and cache it; on failure keep the cache.

    Uses the caller's ambient AWS credentials (profile, environment, SSO). `UseDefaults` with no
    custom tags is stored as Cognito's default mapping.
    """
    if state is None:
        from claude_enterprise.paths import state_dir

        state = state_dir()
    if not valid_pool_id(pool_id):
        return RefreshResult(None, False, f"identity pool id {pool_id!r} is not of the form region:uuid")
    cached = read_cached_map(state, pool_id)
    kept = cached.mapping if cached is not None else None
    keeping = "; keeping the cached map" if cached is not None else "; no cached map"
    try:
        # Lazy: boto3 costs hundreds of milliseconds and is never needed by the hook.
        import boto3.session
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError as exc:
        return RefreshResult(kept, False, f"cannot refresh principal-tag map: {exc}{keeping}")
    try:
        # A fresh session per call: boto3's default session would keep whatever credentials it
        # resolved first, for the life of the process.
        client = boto3.session.Session().client(
            "cognito-identity",
            region_name=region,
            endpoint_url=endpoint_url,
            config=Config(connect_timeout=TIMEOUT_S, read_timeout=TIMEOUT_S, retries={"max_attempts": 1}),
        )
        response = client.get_principal_tag_attribute_map(IdentityPoolId=pool_id, IdentityProviderName=provider_name)
    except (BotoCoreError, ClientError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return RefreshResult(kept, False, f"cannot refresh principal-tag map: {reason}{keeping}")
    mapping = _string_map(response.get("PrincipalTags") or {})
    if mapping is None:
        return RefreshResult(kept, False, f"GetPrincipalTagAttributeMap returned a malformed map{keeping}")
    if not mapping and response.get("UseDefaults"):
        mapping = dict(COGNITO_DEFAULT_MAP)
    record = {
        "identity_pool_id": pool_id,
        "provider_name": provider_name,
        "principal_tags": mapping,
        "use_defaults": bool(response.get("UseDefaults")),
        "fetched_at": time.time() if now is None else now,
    }
    try:
        write_json_private(cache_path(state, pool_id), record)
    except OSError as exc:
        return RefreshResult(mapping, True, f"principal-tag map refreshed but not cached: {exc}")
    return RefreshResult(mapping, True, None)
