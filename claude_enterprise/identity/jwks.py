"""The issuer's signing keys: a JWKS cached under the state directory, fetched only when needed.

Network is touched only when the cache is missing, older than its maximum age, or lacks the token's
`kid`; an unreachable issuer falls back to the cache. With neither, the token cannot be verified and
the caller must treat it as invalid.

Trust note: the cache lives in the user's state directory, which the user (or an agent running
commands as the user) can write. Keys read from it are therefore reported with `from_network=False`
so the resolver can decide how far a token verified only against cached keys may be trusted; keys
fetched over HTTPS in this call are `from_network=True`.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from claude_enterprise.identity.cachefile import read_json_object, write_json_private
from claude_enterprise.identity.defaults import DEFAULT_MAX_AGE_S, DEFAULT_TIMEOUT_S
from claude_enterprise.identity.jwt import JwtError, RsaPublicKey, rsa_key_from_jwk

# A token naming an unknown kid forces a refetch; this floor stops a hostile token from making every
# hook call wait on the network.
MIN_REFETCH_INTERVAL_S = 60.0
MAX_DOCUMENT_BYTES = 512 * 1024
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


class JwksUnavailable(Exception):
    """No usable keys: neither the network nor the cache could provide them. One-line reason."""


class KeySet(NamedTuple):
    keys: Mapping[str, RsaPublicKey]
    origin: str  # where the keys came from, for provenance ("https://… (fetched)" or a cache path)
    fetched_at: float
    from_network: bool
    warnings: tuple[str, ...] = ()


def allowed_url(url: str) -> bool:
    """HTTPS only; plain HTTP solely to the loopback interface (local test issuers)."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme == "https":
        return bool(parsed.hostname)
    return parsed.scheme == "http" and parsed.hostname in _LOOPBACK_HOSTS


def cache_path(cache_dir: Path, issuer: str) -> Path:
    """One file per issuer, named by hash so an issuer URL never becomes a path."""
    return cache_dir / f"{hashlib.sha256(issuer.encode('utf-8')).hexdigest()}.json"


def _get_json(url: str, timeout_s: float) -> dict[str, Any]:
    # Imported here: urllib.request pulls in http.client, email and ssl, which the hook does not need
    # on the common path where the cache is fresh.
    import urllib.error
    import urllib.request

    class CheckedRedirects(urllib.request.HTTPRedirectHandler):
        """Follow redirects only to URLs that would have been allowed in the first place (no downgrade)."""

        def redirect_request(self, req, fp, code, msg, headers, newurl):
            if not allowed_url(newurl):
                raise urllib.error.HTTPError(newurl, code, f"redirect to {newurl} refused", headers, fp)
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    if not allowed_url(url):
        raise JwksUnavailable(f"refusing to fetch {url}: only https (or http to loopback) is allowed")
    opener = urllib.request.build_opener(CheckedRedirects)
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with opener.open(request, timeout=timeout_s) as response:
            raw = response.read(MAX_DOCUMENT_BYTES + 1)
    except (OSError, ValueError) as exc:  # URLError, HTTPError, timeouts and TLS errors are OSErrors
        raise JwksUnavailable(f"cannot fetch {url}: {exc}") from exc
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise JwksUnavailable(f"{url} returned more than {MAX_DOCUMENT_BYTES} bytes")
    try:
        value = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # bad UTF-8/JSON, over-long integers, absurd nesting
        raise JwksUnavailable(f"{url} did not return JSON") from exc
    if not isinstance(value, dict):
        raise JwksUnavailable(f"{url} did not return a JSON object")
    return value


def discover_jwks_uri(issuer: str, timeout_s: float) -> str:
    """`jwks_uri` from the issuer's OpenID configuration, which must name the same issuer (OIDC §4.3)."""
    document = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration", timeout_s)
    if document.get("issuer") != issuer:
        raise JwksUnavailable(
            f"openid-configuration of {issuer} names issuer {document.get('issuer')!r}; refusing its keys"
        )
    jwks_uri = document.get("jwks_uri")
    if not isinstance(jwks_uri, str) or not allowed_url(jwks_uri):
        raise JwksUnavailable(f"openid-configuration of {issuer} has no usable jwks_uri")
    return jwks_uri


def parse_jwks(document: Mapping[str, Any]) -> dict[str, RsaPublicKey]:
    """RSA signing keys by kid. Keys of other types are skipped; a kid listed twice is dropped.

    A duplicated kid is ambiguous: verifying against "whichever comes first" would let a second,
    injected entry shadow or be shadowed silently, so neither is used.
    """
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise JwksUnavailable("JWKS has no 'keys' list")
    keys: dict[str, RsaPublicKey] = {}
    duplicated: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        try:
            key = rsa_key_from_jwk(entry)
        except JwtError:
            continue
        if key.kid in keys:
            duplicated.add(key.kid)
        keys[key.kid] = key
    for kid in duplicated:
        del keys[kid]
    return keys


def _read_cache(path: Path, issuer: str) -> KeySet | None:
    stored = read_json_object(path)
    if stored is None or stored.get("issuer") != issuer:
        return None
    fetched_at = stored.get("fetched_at")
    jwks = stored.get("jwks")
    if isinstance(fetched_at, bool) or not isinstance(fetched_at, (int, float)) or not isinstance(jwks, dict):
        return None
    try:
        keys = parse_jwks(jwks)
    except JwksUnavailable:
        return None
    return KeySet(keys=keys, origin=f"cache {path}", fetched_at=float(fetched_at), from_network=False)


def load_keys(
    issuer: str,
    jwks_uri: str | None,
    *,
    cache_dir: Path,
    now: float,
    need_kid: str | None = None,
    max_age_s: float = DEFAULT_MAX_AGE_S,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> KeySet:
    """Keys for `issuer`: the cache when fresh (and holding `need_kid`), else a fetch, else the cache.

    Raises JwksUnavailable when there is no cache and the fetch fails.
    """
    path = cache_path(cache_dir, issuer)
    cached = _read_cache(path, issuer)
    if cached is not None:
        age = now - cached.fetched_at
        fresh = 0 <= age <= max_age_s
        kid_known = need_kid is None or need_kid in cached.keys
        recently_fetched = 0 <= age < MIN_REFETCH_INTERVAL_S
        if fresh and (kid_known or recently_fetched):
            return cached
    try:
        uri = jwks_uri or discover_jwks_uri(issuer, timeout_s)
        document = _get_json(uri, timeout_s)
        keys = parse_jwks(document)
    except JwksUnavailable as exc:
        if cached is None:
            raise JwksUnavailable(f"{exc}; no cached keys for {issuer}") from exc
        return KeySet(
            keys=cached.keys,
            origin=cached.origin,
            fetched_at=cached.fetched_at,
            from_network=False,
            warnings=(f"issuer keys unreachable ({exc}); using keys cached at {int(cached.fetched_at)}",),
        )
    warnings: tuple[str, ...] = ()
    try:
        stored = {"issuer": issuer, "jwks_uri": uri, "fetched_at": now, "jwks": {"keys": document["keys"]}}
        write_json_private(path, stored)
    except OSError as exc:
        warnings = (f"cannot write JWKS cache {path}: {exc}",)
    return KeySet(keys=keys, origin=f"{uri} (fetched)", fetched_at=now, from_network=True, warnings=warnings)
