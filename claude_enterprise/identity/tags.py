"""Verified ID-token claims → the session tags AWS would attach, plus groups and user fields. Pure.

Two ways tags reach an AWS session, and both are mirrored here:
- direct federation (AssumeRoleWithWebIdentity): the IdP puts them in the token, either nested
  (`"https://aws.amazon.com/tags": {"principal_tags": {"Key": ["value"]}, "transitive_tag_keys": [...]}`)
  or flat (`"https://aws.amazon.com/tags/principal_tags/Key": ["value"]` or `"value"`);
- a Cognito identity pool: its principal-tag map copies claims into tags (tag key → claim name).

Every derived tag records where it came from, so the resolver can say *why* a ceiling applies and
can weigh a tag that came from a user-writable cache differently from one the IdP signed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

TAGS_CLAIM = "https://aws.amazon.com/tags"
FLAT_TAG_PREFIX = "https://aws.amazon.com/tags/principal_tags/"
# The Bedrock guidance's identity-pool mapping (tag key → claim).
GUIDANCE_DEFAULT_MAP: Mapping[str, str] = {"UserEmail": "email", "UserId": "sub", "UserName": "name"}
GROUP_CLAIMS = ("cognito:groups", "groups")
USER_CLAIMS = ("sub", "email", "name")
# AWS session-tag limits (STS and Cognito principal tags).
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256


class DerivedTags(NamedTuple):
    tags: Mapping[str, str]
    # tag key → "token claim https://aws.amazon.com/tags" or "<map source>: claim 'X'"
    sources: Mapping[str, str]
    warnings: tuple[str, ...]


def _valid_key(key: Any) -> bool:
    return isinstance(key, str) and 0 < len(key) <= MAX_TAG_KEY and key.isprintable()


def _tag_value(raw: Any) -> str | None:
    """A single tag value: a string, a one-element list of one, or a scalar rendered as AWS would.

    Multi-valued and structured claims have no single session-tag value; they are skipped rather
    than guessed (taking "the first" would let claim order decide a security ceiling).
    """
    if isinstance(raw, list):
        if len(raw) != 1:
            return None
        raw = raw[0]
    if isinstance(raw, bool):
        value = "true" if raw else "false"
    elif isinstance(raw, (int, float)):
        value = str(raw)
    elif isinstance(raw, str):
        value = raw
    else:
        return None
    if not 0 < len(value) <= MAX_TAG_VALUE or not value.isprintable():
        return None
    return value


def tags_from_tag_claim(claims: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """Session tags the IdP asserted itself, nested form first, flat form filling the rest."""
    tags: dict[str, str] = {}
    warnings: list[str] = []
    nested = claims.get(TAGS_CLAIM)
    if nested is not None:
        principal = nested.get("principal_tags") if isinstance(nested, dict) else None
        if not isinstance(principal, dict):
            warnings.append(f"claim {TAGS_CLAIM} has no principal_tags object; ignored")
            principal = {}
        for key, raw in principal.items():
            value = _tag_value(raw)
            if not _valid_key(key) or value is None:
                warnings.append(f"session tag {key!r} in {TAGS_CLAIM} is not a single valid value; ignored")
                continue
            tags[key] = value
    for claim, raw in claims.items():
        if not claim.startswith(FLAT_TAG_PREFIX):
            continue
        key = claim[len(FLAT_TAG_PREFIX) :]
        value = _tag_value(raw)
        if not _valid_key(key) or value is None:
            warnings.append(f"session tag claim {claim!r} is not a single valid value; ignored")
            continue
        if key in tags:
            if tags[key] != value:
                warnings.append(f"session tag {key!r}: flat claim disagrees with {TAGS_CLAIM}; nested kept")
            continue
        tags[key] = value
    return tags, warnings


def tags_from_map(claims: Mapping[str, Any], mapping: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Tags an identity pool's principal-tag map (tag key → claim name) would set from these claims."""
    tags: dict[str, str] = {}
    warnings: list[str] = []
    for key, claim in mapping.items():
        if claim not in claims:
            continue
        value = _tag_value(claims[claim])
        if not _valid_key(key) or value is None:
            warnings.append(f"claim {claim!r} cannot be session tag {key!r} (not a single valid value); ignored")
            continue
        tags[key] = value
    return tags, warnings


def derive_tags(
    claims: Mapping[str, Any], *, mapping: Mapping[str, str], mapping_source: str, pool_configured: bool
) -> DerivedTags:
    """Merge both tag routes; the route AWS itself uses for this deployment wins a disagreement.

    With an identity pool configured, Cognito sets the session tags from its map and ignores the
    tag claim, so the map wins; in direct federation STS reads the tag claim, so the claim wins.
    The other route only fills keys the first left unset.
    """
    claim_tags, claim_warnings = tags_from_tag_claim(claims)
    map_tags, map_warnings = tags_from_map(claims, mapping)
    routes = [(claim_tags, f"token claim {TAGS_CLAIM}"), (map_tags, mapping_source)]
    if pool_configured:
        routes.reverse()
    tags: dict[str, str] = {}
    sources: dict[str, str] = {}
    for route_tags, source in routes:
        for key, value in route_tags.items():
            if key in tags:
                continue
            tags[key] = value
            sources[key] = source if route_tags is claim_tags else f"{source}: claim {mapping[key]!r}"
    return DerivedTags(tags=tags, sources=sources, warnings=(*claim_warnings, *map_warnings))


def groups_from_claims(claims: Mapping[str, Any]) -> tuple[str, ...]:
    """Group names from `cognito:groups` (Cognito) or `groups` (Okta, Entra ID, Keycloak), in order."""
    for claim in GROUP_CLAIMS:
        raw = claims.get(claim)
        if isinstance(raw, str):
            return (raw,) if raw else ()
        if isinstance(raw, list):
            return tuple(item for item in raw if isinstance(item, str) and item)
    return ()


def user_from_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """The user fields audit events carry (`sub`, `email`, `name`), when present as strings."""
    return {name: claims[name] for name in USER_CLAIMS if isinstance(claims.get(name), str) and claims[name]}
