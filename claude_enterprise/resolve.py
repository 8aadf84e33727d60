"""Which profile a session runs under, and why (DESIGN.md §3 "Profile resolution").

1. Ceiling: the identity's session tag (`profile_tag_key`), else a mapped group, else the managed config's
   `security_profile`, else the bundled default. A token that fails verification gives the narrowest profile.
2. Request: `--security-profile` > `CLAUDE_ENTERPRISE_PROFILE` > the user's preference. A request wider than
   the ceiling is refused, never silently widened or clamped; an unknown name is an error, never a fallback.

Standard library only: the hook and the exec gate resolve on every call when no wrapper is resident.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from claude_enterprise.constants import ENV_PROFILE

from . import paths
from .config import DEFAULT_PROFILE, EnterpriseConfig, load_config, load_preferences, managed_dir_trusted
from .identity import Identity, IdentitySettings, load_identity
from .profiles import Profile, get_profile, load_catalog

if TYPE_CHECKING:
    from .audit import AuditContext
    from .identity.tagmap import RefreshResult

NARROWEST = "plan-only"
PROFILE_ENV = ENV_PROFILE

# Session tags that attribute usage; keys as the Bedrock guidance and IAM conditions spell them.
_ATTRIBUTION_TAGS = {
    "department": ("Department", "department"),
    "cost_center": ("CostCenter", "cost_center", "costcenter"),
    "team": ("Team", "team"),
}


class RefusedError(Exception):
    """The request is wider than the ceiling (exit code 1)."""

    def __init__(self, message: str, requested: str, ceiling: str) -> None:
        super().__init__(message)
        self.requested, self.ceiling = requested, ceiling


class Resolution(NamedTuple):
    profile: Profile
    source: str  # why this profile, one line
    ceiling: Profile
    ceiling_source: str
    identity: Identity
    config: EnterpriseConfig
    catalog: Mapping[str, Profile]
    warnings: tuple[str, ...] = ()

    def attribution(self) -> dict[str, str]:
        """department / cost_center / team from the session tags, for audit and OTEL attributes."""
        found: dict[str, str] = {}
        for name, keys in _ATTRIBUTION_TAGS.items():
            for key in keys:
                if key in self.identity.tags:
                    found[name] = self.identity.tags[key]
                    break
        return found

    def audit_context(self, session_id: str | None) -> AuditContext:
        from .audit import AuditContext

        return AuditContext(
            session_id=session_id,
            profile=self.profile.name,
            user=dict(self.identity.user),
            tags={**dict(self.identity.tags), **self.attribution()},
        )


def identity_settings(config: EnterpriseConfig) -> IdentitySettings:
    mapping = dict(config.user_attribute_mapping) if config.user_attribute_mapping_enabled else {}
    return IdentitySettings(
        issuer=config.identity_issuer,
        audience=config.identity_audience,
        jwks_uri=config.identity_jwks_uri,
        aws_profile=config.aws_profile,
        user_attribute_mapping=mapping,
        identity_pool_id=config.existing_identity_pool_id,
        provider_name=config.identity_provider_name,
        region=config.identity_region,
        jwks=config.identity_jwks,
    )


def refresh_tag_map(config: EnterpriseConfig) -> RefreshResult | None:
    """Refresh the identity pool's principal-tag map cache (a signed AWS call: never on the hook path).

    None when no identity pool is configured. The refreshed map applies from the next resolution; it can
    narrow a ceiling but, being a user-writable cache, never widen one (`_may_widen`).
    """
    pool, issuer = config.existing_identity_pool_id, config.identity_issuer
    if not pool or not issuer:
        return None
    from .identity.tagmap import provider_name_for_issuer, refresh_principal_tag_map

    region = config.identity_region or pool.partition(":")[0]
    return refresh_principal_tag_map(pool, config.identity_provider_name or provider_name_for_issuer(issuer), region)


def _may_widen(identity: Identity, tag_key: str | None) -> bool:
    """Can this identity raise the ceiling above the configured one?

    Only when the signing key came from the network or the admin-pinned JWKS, and the tag did not come from
    the principal-tag map cache: both caches live in the user's state directory, so a user (or an agent the
    user runs) could plant a key or a mapping there. Such an identity may still narrow the ceiling.
    """
    if not identity.keys_trusted:
        return False
    return tag_key is None or not identity.tag_sources.get(tag_key, "").startswith("principal-tag map cache")


def _ceiling(
    identity: Identity, config: EnterpriseConfig, catalog: Mapping[str, Profile], warnings: list[str]
) -> tuple[Profile, str]:
    if identity.status == "invalid":
        reason = f"token from {identity.source} failed verification ({identity.reason})"
        warnings.append(f"{reason}; using the narrowest profile, {NARROWEST}")
        return catalog[NARROWEST], reason
    if identity.status == "expired":
        if config.expired_token == "narrowest":
            reason = f"token from {identity.source} expired ({identity.reason})"
            warnings.append(f"{reason}; the configuration asks for the narrowest profile, {NARROWEST}")
            return catalog[NARROWEST], reason
        warnings.append(f"token from {identity.source} expired ({identity.reason}); ignored — sign in again")
    configured = _configured_ceiling(config, catalog)
    if identity.status != "valid":
        return configured
    found: tuple[Profile, str, str | None] | None = None
    tag = identity.tags.get(config.profile_tag_key)
    if tag:
        where = f"session tag {config.profile_tag_key}={tag} (token from {identity.source})"
        found = get_profile(catalog, tag, where), where, config.profile_tag_key
    else:
        for rule in config.group_profiles:
            if rule.group in identity.groups:
                where = f"group {rule.group} (token from {identity.source}; config {config.source})"
                found = get_profile(catalog, rule.profile, where), where, None
                break
    if found is None:
        return configured
    profile, where, tag_key = found
    if not profile.is_narrower_or_equal(configured[0]) and not _may_widen(identity, tag_key):
        warnings.append(
            f"{where} names {profile.name}, wider than {configured[0].name}, but was verified only against "
            f"cached keys or mappings the user could have written; using {configured[0].name} "
            "(pin identity_jwks in enterprise-config.json, or sign in while online)"
        )
        return configured
    return profile, where


def _configured_ceiling(config: EnterpriseConfig, catalog: Mapping[str, Profile]) -> tuple[Profile, str]:
    if config.security_profile:
        where = f"security_profile in {config.source}"
        return get_profile(catalog, config.security_profile, where), where
    return catalog[DEFAULT_PROFILE], "bundled default"


def _request(requested: str | None, env: Mapping[str, str], user_config_dir: Path) -> tuple[str, str] | None:
    if requested:
        return requested, "flag --security-profile"
    if env.get(PROFILE_ENV):
        return env[PROFILE_ENV], f"env {PROFILE_ENV}"
    prefs = load_preferences(user_config_dir)
    if prefs.security_profile:
        return prefs.security_profile, f"user preference {prefs.source}"
    return None


def resolve(
    requested: str | None,
    env: Mapping[str, str] | None = None,
    *,
    home: Path | None = None,
    now: float | None = None,
) -> Resolution:
    """Resolve the session's profile. Raises ProfileError/ConfigError (exit 2) or RefusedError (exit 1)."""
    env = os.environ if env is None else env
    config = load_config(env)
    managed = managed_dir_trusted()
    catalog = load_catalog(
        paths.bundled_policies_dir() / "profiles", managed / "profiles.d" if managed is not None else None
    )
    identity = load_identity(identity_settings(config), now=now, env=env, home=home)
    warnings: list[str] = list(identity.warnings)
    ceiling, ceiling_source = _ceiling(identity, config, catalog, warnings)
    request = _request(requested, env, paths.user_config_dir())
    if request is None:
        profile, source = ceiling, ceiling_source
    else:
        name, where = request
        profile = get_profile(catalog, name, where)
        if not profile.is_narrower_or_equal(ceiling):
            raise RefusedError(
                f"profile {name!r} ({where}) is wider than your ceiling {ceiling.name!r} "
                f"from {ceiling_source}; ask an administrator, or choose {ceiling.name} or narrower",
                requested=name,
                ceiling=ceiling.name,
            )
        source = f"{where} (ceiling {ceiling.name} from {ceiling_source})"
    return Resolution(
        profile=profile,
        source=source,
        ceiling=ceiling,
        ceiling_source=ceiling_source,
        identity=identity,
        config=config,
        catalog=catalog,
        warnings=tuple(warnings),
    )
