"""Compact JWS parsing and RS256 verification with the standard library only.

The hook resolves identity on every tool call when no wrapper runs, so this module must not pull in
`cryptography` or any other third-party code. Everything here is pure: no I/O, no clock (the caller
passes `now`).

RS256 verification follows RFC 8017 §8.2.2 "encode and compare": the expected EMSA-PKCS1-v1_5 block is
built from the SHA-256 of the signing input and compared, as a whole, with `sig^e mod n`. Parsing the
decrypted block instead (finding the 0x00 separator, reading the DigestInfo) is what made Bleichenbacher
style forgeries possible in many libraries; comparing whole blocks leaves nothing to parse.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

# DER prefix of DigestInfo{ AlgorithmIdentifier{ id-sha256, NULL }, OCTET STRING (32 bytes) } (RFC 8017 §9.2).
_SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")

# Tokens are small (an ID token is a few KiB); a cap keeps a hostile value from costing time or memory.
MAX_TOKEN_CHARS = 64 * 1024
# Keys shorter than this are factorable in practice; an IdP never issues them.
MIN_RSA_BITS = 2048
MAX_RSA_BITS = 8192

_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class JwtError(ValueError):
    """A token or key that cannot be used; the message is a one-line reason for the user."""


class RsaPublicKey(NamedTuple):
    kid: str
    n: int
    e: int

    @property
    def size_bytes(self) -> int:
        return (self.n.bit_length() + 7) // 8


class CompactJws(NamedTuple):
    header: Mapping[str, Any]
    claims: Mapping[str, Any]
    signing_input: bytes
    signature: bytes


class Verification(NamedTuple):
    """Outcome of checking one token against one key.

    `expired` is only ever reported for a token whose signature, issuer and audience all check out:
    a forged token is `invalid` whatever its `exp` says.
    """

    status: Literal["valid", "expired", "invalid"]
    reason: str | None
    claims: Mapping[str, Any]


def b64url_decode(segment: str, what: str) -> bytes:
    """Strict base64url without padding (RFC 7515 §2): anything else is a malformed token."""
    if not _B64URL.fullmatch(segment) or len(segment) % 4 == 1:
        raise JwtError(f"malformed token: {what} is not base64url")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise JwtError(f"malformed token: {what} is not base64url") from exc


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two parsers reading one object differently (first vs last duplicate) is a classic confusion;
    # a signed object with duplicate names is refused outright.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JwtError(f"malformed token: duplicate JSON member {key!r}")
        result[key] = value
    return result


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=_reject_duplicate_keys)
    except JwtError:
        raise
    # ValueError covers bad UTF-8, bad JSON and integers beyond Python's digit limit; RecursionError
    # absurd nesting. All are a hostile or broken token, never a crash.
    except (ValueError, RecursionError) as exc:
        raise JwtError(f"malformed token: {what} is not JSON") from exc
    if not isinstance(value, dict):
        raise JwtError(f"malformed token: {what} is not a JSON object")
    return value


def parse_compact(token: str) -> CompactJws:
    """Split and decode `header.payload.signature`; no trust is implied by a successful parse."""
    token = token.strip()
    if len(token) > MAX_TOKEN_CHARS:
        raise JwtError(f"malformed token: longer than {MAX_TOKEN_CHARS} characters")
    parts = token.split(".")
    if len(parts) != 3:
        raise JwtError(f"malformed token: expected 3 dot-separated parts, found {len(parts)}")
    header_b64, payload_b64, signature_b64 = parts
    header = _json_object(b64url_decode(header_b64, "header"), "header")
    claims = _json_object(b64url_decode(payload_b64, "payload"), "payload")
    signature = b64url_decode(signature_b64, "signature")
    return CompactJws(
        header=header,
        claims=claims,
        signing_input=f"{header_b64}.{payload_b64}".encode("ascii"),
        signature=signature,
    )


def header_kid(header: Mapping[str, Any]) -> str:
    """The key id to verify with, after refusing every algorithm but RS256.

    Checking `alg` before looking up a key is what stops `none` and HS256-with-the-public-key confusion:
    the key type is never chosen by the token.
    """
    alg = header.get("alg")
    if alg != "RS256":
        raise JwtError(f"unsupported token algorithm {alg!r}: only RS256 is accepted")
    if "crit" in header:
        raise JwtError("token header has critical extensions this verifier does not implement")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise JwtError("token header has no key id (kid)")
    return kid


def _b64url_uint(value: Any, field: str) -> int:
    if not isinstance(value, str) or not value:
        raise JwtError(f"JWK field {field!r} is missing")
    raw = b64url_decode(value, f"JWK field {field!r}")
    return int.from_bytes(raw, "big")


def rsa_key_from_jwk(jwk: Mapping[str, Any]) -> RsaPublicKey:
    """An RSA signature-verification key from one JWKS entry, or JwtError saying why it is unusable."""
    if jwk.get("kty") != "RSA":
        raise JwtError(f"JWK kty {jwk.get('kty')!r} is not RSA")
    kid = jwk.get("kid")
    if not isinstance(kid, str) or not kid:
        raise JwtError("JWK has no kid")
    if jwk.get("use", "sig") != "sig":
        raise JwtError(f"JWK {kid!r} is not a signature key (use={jwk.get('use')!r})")
    if jwk.get("alg", "RS256") != "RS256":
        raise JwtError(f"JWK {kid!r} is for {jwk.get('alg')!r}, not RS256")
    key_ops = jwk.get("key_ops")
    if key_ops is not None and (not isinstance(key_ops, list) or "verify" not in key_ops):
        raise JwtError(f"JWK {kid!r} does not allow verify")
    n = _b64url_uint(jwk.get("n"), "n")
    e = _b64url_uint(jwk.get("e"), "e")
    if not MIN_RSA_BITS <= n.bit_length() <= MAX_RSA_BITS:
        raise JwtError(f"JWK {kid!r} modulus is {n.bit_length()} bits; need {MIN_RSA_BITS}-{MAX_RSA_BITS}")
    if n % 2 == 0 or e < 3 or e % 2 == 0 or e >= n:
        raise JwtError(f"JWK {kid!r} is not a valid RSA public key")
    return RsaPublicKey(kid=kid, n=n, e=e)


def _emsa_pkcs1_v1_5_sha256(message: bytes, size: int) -> bytes:
    digest_info = _SHA256_DIGEST_INFO_PREFIX + hashlib.sha256(message).digest()
    padding = size - len(digest_info) - 3
    if padding < 8:
        raise JwtError("RSA key too small for SHA-256 signatures")
    return b"\x00\x01" + b"\xff" * padding + b"\x00" + digest_info


def rs256_signature_valid(key: RsaPublicKey, signing_input: bytes, signature: bytes) -> bool:
    """RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2.2), comparing the whole encoded block."""
    size = key.size_bytes
    if len(signature) != size:
        return False
    s = int.from_bytes(signature, "big")
    if s >= key.n:
        return False
    recovered = pow(s, key.e, key.n).to_bytes(size, "big")
    expected = _emsa_pkcs1_v1_5_sha256(signing_input, size)
    return hmac.compare_digest(recovered, expected)


def _numeric_date(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    # bool is an int subclass: `"exp": true` must not read as 1970-01-01T00:00:01.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise JwtError(f"token claim {name!r} is not a number")
    return float(value)


def _audience_matches(aud: Any, audience: str) -> bool:
    if isinstance(aud, str):
        return hmac.compare_digest(aud, audience)
    if isinstance(aud, list):
        return any(isinstance(item, str) and item == audience for item in aud)
    return False


def check_claims(claims: Mapping[str, Any], *, issuer: str, audience: str, now: float, skew_s: float) -> Verification:
    """Issuer, audience, token use and time window of claims whose signature already verified.

    Identity mistakes (issuer, audience, token use, malformed dates) are `invalid`; only a past `exp`
    is `expired`. A token that is not yet valid (`nbf`/`iat` in the future beyond the skew) is
    `invalid`: treating it as merely expired would let it fall back to the no-token ceiling, and
    only the issuer can mint such a token, so refusing it costs a user with a wrong clock a narrow
    profile, not a wider one.
    """
    try:
        if claims.get("iss") != issuer:
            return Verification("invalid", f"token issuer {claims.get('iss')!r} is not {issuer!r}", {})
        if not _audience_matches(claims.get("aud"), audience):
            reason = f"token audience {claims.get('aud')!r} does not include {audience!r}"
            return Verification("invalid", reason, {})
        token_use = claims.get("token_use")
        if token_use is not None and token_use != "id":
            return Verification("invalid", f"token_use is {token_use!r}; an ID token is required", {})
        exp = _numeric_date(claims, "exp")
        nbf = _numeric_date(claims, "nbf")
        iat = _numeric_date(claims, "iat")
    except JwtError as exc:
        return Verification("invalid", str(exc), {})
    if exp is None:
        return Verification("invalid", "token has no 'exp' claim", {})
    if nbf is not None and now + skew_s < nbf:
        return Verification("invalid", f"token not valid before {int(nbf)} (check the clock)", {})
    if iat is not None and now + skew_s < iat:
        return Verification("invalid", f"token issued in the future at {int(iat)} (check the clock)", {})
    if now - skew_s >= exp:
        return Verification("expired", f"token expired at {int(exp)}", claims)
    return Verification("valid", None, claims)


def verify(
    jws: CompactJws, key: RsaPublicKey, *, issuer: str, audience: str, now: float, skew_s: float
) -> Verification:
    """Signature first, then claims: nothing in the payload is read as fact before the signature holds."""
    if not rs256_signature_valid(key, jws.signing_input, jws.signature):
        return Verification("invalid", f"token signature does not verify with key {key.kid!r}", {})
    return check_claims(jws.claims, issuer=issuer, audience=audience, now=now, skew_s=skew_s)
