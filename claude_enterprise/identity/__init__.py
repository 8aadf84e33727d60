"""Who the user is, as far as a verified ID token says: token → verification → session tags.

Standard library only at import time: the hook calls `load_identity` on every tool call when no
wrapper session serves it. boto3 is imported solely inside `refresh_principal_tag_map`.

Outcomes and why (threat model: a forged token must never widen; an unverifiable token must not
give a wider profile than having no token):
- `absent`: no token, or a token that no configured issuer could ever verify (no `issuer` in the
  configuration). Ignoring such a token yields exactly the no-token result, which the user could get
  anyway by deleting it, so it grants nothing; treating it as invalid instead would drop every user
  of a deployment without identity configuration to the narrowest profile merely because the
  Bedrock guidance left its token on disk. `source` and `warnings` still say a token was seen.
- `valid`: signature (RS256, issuer's JWKS), `iss`, `aud`, `token_use`, time window all check out.
  Only then are `claims`, `tags` and `groups` filled.
- `expired`: authentic but past `exp` (beyond the skew); the resolver ignores it with a warning.
  `claims`/`user` are kept for the message, `tags`/`groups` stay empty.
- `invalid`: anything else, including a token that cannot be verified because the issuer's keys are
  unreachable and uncached. The resolver answers with the narrowest profile.

Caches live in the user's state directory, which the user, or an agent running commands as the user,
can write. Two fields let the resolver weigh that: `keys_trusted` is False when the signing key was
read from the JWKS cache rather than fetched by this call or pinned in configuration (`jwks`), and
`tag_sources` names the principal-tag map cache for every tag it produced. Pinning `jwks` in the
admin-owned configuration removes the cache from the trust path entirely.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple

from claude_enterprise.identity.defaults import DEFAULT_MAX_AGE_S, DEFAULT_TIMEOUT_S
from claude_enterprise.identity.tags import (
    GUIDANCE_DEFAULT_MAP,
    derive_tags,
    groups_from_claims,
    user_from_claims,
)
from claude_enterprise.identity.tokens import find_token
from claude_enterprise.records import EMPTY

# Verification (jwks, jwt) and the pool's tag map are imported only when a token or a pool calls for them:
# the hook resolves on every tool call when no wrapper serves it, and most machines have neither.

__all__ = [
    "Identity",
    "IdentitySettings",
    "load_identity",
]

IdentityStatus = Literal["absent", "valid", "expired", "invalid"]


class IdentitySettings(NamedTuple):
    """The identity part of the (admin-owned) configuration."""

    issuer: str | None
    audience: str | None
    jwks_uri: str | None = None
    aws_profile: str = "ClaudeCode"  # names the token cache file and keyring key
    user_attribute_mapping: Mapping[str, str] = EMPTY  # tag key -> claim name
    identity_pool_id: str | None = None
    # The pool's name for the IdP (GetPrincipalTagAttributeMap's IdentityProviderName); when unset,
    # derived from the issuer as Cognito does (`provider_name_for_issuer`).
    provider_name: str | None = None
    region: str | None = None
    clock_skew_s: int = 60
    jwks_max_age_s: float = DEFAULT_MAX_AGE_S
    # A JWKS document pinned in the admin-owned configuration. When set it is the only source of keys:
    # no network, no cache, so nothing the user can write decides which signatures are accepted.
    jwks: Mapping[str, Any] | None = None
    jwks_timeout_s: float = DEFAULT_TIMEOUT_S


class Identity(NamedTuple):
    status: IdentityStatus
    # "env CLAUDE_CODE_MONITORING_TOKEN", "file ~/.claude-code-session/X-monitoring.json" or "keyring"
    source: str | None
    reason: str | None  # one line: why invalid / expired / ignored
    claims: Mapping[str, Any] = EMPTY  # trusted only when status == "valid"
    tags: Mapping[str, str] = EMPTY  # empty unless valid
    groups: tuple[str, ...] = ()
    user: Mapping[str, str] = EMPTY  # sub, email, name
    tag_sources: Mapping[str, str] = EMPTY  # tag key -> where it came from
    keys_origin: str | None = None  # JWKS used for the signature check
    # True when the key came from the admin-pinned JWKS or an issuer fetch made by this call; False when
    # it was read from the JWKS cache, which the user (or an agent running as the user) can write.
    keys_trusted: bool = False
    warnings: tuple[str, ...] = ()


def _tag_mapping(settings: IdentitySettings, state: Path, warnings: list[str]) -> tuple[Mapping[str, str], str]:
    """The claim→tag map in force and where it came from.

    Administrator configuration first (it is admin-owned), then the pool's cached live map, then the
    Bedrock guidance defaults; never a merge, so one source describes the whole mapping.
    """
    if settings.user_attribute_mapping:
        return settings.user_attribute_mapping, "config user_attribute_mapping"
    if settings.identity_pool_id and settings.issuer:
        from claude_enterprise.identity.tagmap import provider_name_for_issuer, read_cached_map

        cached = read_cached_map(state, settings.identity_pool_id)
        expected_provider = settings.provider_name or provider_name_for_issuer(settings.issuer)
        if cached is not None and cached.provider_name == expected_provider:
            return cached.mapping, f"principal-tag map cache {cached.path}"
        if cached is not None:
            warnings.append(
                f"cached principal-tag map is for provider {cached.provider_name!r}, not {expected_provider!r}; ignored"
            )
    return GUIDANCE_DEFAULT_MAP, "Bedrock guidance default mapping"


def load_identity(
    settings: IdentitySettings,
    *,
    now: float | None = None,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    state: Path | None = None,
) -> Identity:
    """Find, verify and interpret the user's ID token. Never raises for bad input: it reports it."""
    now = time.time() if now is None else now
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    if state is None:
        from claude_enterprise.paths import state_dir

        state = state_dir()

    search = find_token(settings.aws_profile, env=env, home=home, use_keyring=settings.issuer is not None)
    warnings = list(search.warnings)
    found = search.found
    if found is None:
        return Identity("absent", None, None, warnings=tuple(warnings))
    if not settings.issuer:
        return Identity(
            "absent",
            found.source,
            "no identity issuer configured; token ignored (cannot verify it)",
            warnings=tuple(warnings),
        )

    def invalid(reason: str, **extra: Any) -> Identity:
        return Identity("invalid", found.source, reason, warnings=tuple(warnings), **extra)

    if not settings.audience:
        return invalid("no identity audience configured; cannot check the token's audience")
    from claude_enterprise.identity.jwks import JwksUnavailable, KeySet, load_keys, parse_jwks
    from claude_enterprise.identity.jwt import JwtError, header_kid, parse_compact, verify

    try:
        jws = parse_compact(found.token)
        kid = header_kid(jws.header)
    except JwtError as exc:
        return invalid(str(exc))
    try:
        if settings.jwks is not None:
            keyset = KeySet(parse_jwks(settings.jwks), "config jwks", now, from_network=False)
        else:
            keyset = load_keys(
                settings.issuer,
                settings.jwks_uri,
                cache_dir=state / "jwks",
                now=now,
                need_kid=kid,
                max_age_s=settings.jwks_max_age_s,
                timeout_s=settings.jwks_timeout_s,
            )
    except JwksUnavailable as exc:
        return invalid(f"cannot verify token: {exc}")
    warnings.extend(keyset.warnings)
    trusted = settings.jwks is not None or keyset.from_network
    provenance: dict[str, Any] = {"keys_origin": keyset.origin, "keys_trusted": trusted}
    key = keyset.keys.get(kid)
    if key is None:
        return invalid(f"token signed with unknown key {kid!r} (not in the issuer's JWKS)", **provenance)

    outcome = verify(
        jws, key, issuer=settings.issuer, audience=settings.audience, now=now, skew_s=settings.clock_skew_s
    )
    if outcome.status == "invalid":
        return invalid(outcome.reason or "token rejected", **provenance)
    if outcome.status == "expired":
        return Identity(
            "expired",
            found.source,
            outcome.reason,
            claims=outcome.claims,
            user=user_from_claims(outcome.claims),
            warnings=tuple(warnings),
            **provenance,
        )

    mapping, mapping_source = _tag_mapping(settings, state, warnings)
    derived = derive_tags(
        outcome.claims,
        mapping=mapping,
        mapping_source=mapping_source,
        pool_configured=settings.identity_pool_id is not None,
    )
    warnings.extend(derived.warnings)
    return Identity(
        "valid",
        found.source,
        None,
        claims=outcome.claims,
        tags=derived.tags,
        groups=groups_from_claims(outcome.claims),
        user=user_from_claims(outcome.claims),
        tag_sources=derived.sources,
        warnings=tuple(warnings),
        **provenance,
    )
