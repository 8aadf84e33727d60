"""RS256 verification and claim checks against tokens signed by `cryptography`."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from claude_enterprise.identity.jwt import (
    JwtError,
    RsaPublicKey,
    Verification,
    check_claims,
    header_kid,
    parse_compact,
    rs256_signature_valid,
    rsa_key_from_jwk,
    verify,
)

from .helpers import AUDIENCE, NOW, SigningKey, b64url, b64url_json, claims_for

ISSUER = "https://idp.example.com/oauth2/default"


def _verify(token: str, key: SigningKey) -> Verification:
    jws = parse_compact(token)
    assert header_kid(jws.header) == key.kid
    return verify(jws, rsa_key_from_jwk(key.jwk()), issuer=ISSUER, audience=AUDIENCE, now=NOW, skew_s=60)


def test_valid_token_verifies_and_returns_claims(idp_key: SigningKey) -> None:
    outcome = _verify(idp_key.sign(claims_for(ISSUER)), idp_key)
    assert outcome.status == "valid"
    assert outcome.claims["email"] == "dev@example.com"


def test_token_signed_by_another_key_with_same_kid_is_invalid(idp_key: SigningKey, attacker_key: SigningKey) -> None:
    forged = attacker_key.sign(claims_for(ISSUER, **{"https://aws.amazon.com/tags": {}}))
    outcome = _verify(forged, idp_key)
    assert outcome.status == "invalid"
    assert "signature" in (outcome.reason or "")
    assert outcome.claims == {}


def test_tampered_payload_is_invalid(idp_key: SigningKey) -> None:
    header, _, signature = idp_key.sign(claims_for(ISSUER)).split(".")
    widened = b64url_json(claims_for(ISSUER, email="admin@example.com"))
    assert _verify(f"{header}.{widened}.{signature}", idp_key).status == "invalid"


def test_forged_expired_token_is_invalid_not_expired(idp_key: SigningKey, attacker_key: SigningKey) -> None:
    forged = attacker_key.sign(claims_for(ISSUER, exp=NOW - 7200, iat=NOW - 9000))
    assert _verify(forged, idp_key).status == "invalid"


@pytest.mark.parametrize("alg", ["none", "None", "HS256", "RS384", "PS256", "ES256", None])
def test_only_rs256_is_accepted(alg: str | None) -> None:
    header = {"alg": alg, "kid": "key-1"} if alg is not None else {"kid": "key-1"}
    with pytest.raises(JwtError, match="only RS256"):
        header_kid(header)


def test_hs256_with_public_key_as_secret_is_refused(idp_key: SigningKey) -> None:
    """Algorithm confusion: an attacker MACs with the public key; the header check stops it first."""
    public_secret = json.dumps(idp_key.jwk()).encode()
    head = b64url_json({"alg": "HS256", "kid": idp_key.kid})
    body = b64url_json(claims_for(ISSUER))
    mac = hmac.new(public_secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    jws = parse_compact(f"{head}.{body}.{b64url(mac)}")
    with pytest.raises(JwtError, match="HS256"):
        header_kid(jws.header)


def test_alg_none_with_empty_signature_is_refused() -> None:
    jws = parse_compact(f"{b64url_json({'alg': 'none', 'kid': 'key-1'})}.{b64url_json(claims_for(ISSUER))}.")
    assert jws.signature == b""
    with pytest.raises(JwtError):
        header_kid(jws.header)


@pytest.mark.parametrize(
    "header, message",
    [({"alg": "RS256"}, "no key id"), ({"alg": "RS256", "kid": ""}, "no key id"),
     ({"alg": "RS256", "kid": "k", "crit": ["exp"]}, "critical")],
)  # fmt: skip
def test_header_without_kid_or_with_crit_is_refused(header: dict[str, object], message: str) -> None:
    with pytest.raises(JwtError, match=message):
        header_kid(header)


@pytest.mark.parametrize(
    "token, message",
    [
        ("a.b", "3 dot-separated"),
        ("a.b.c.d", "3 dot-separated"),
        ("e30=.e30.AA", "header is not base64url"),  # padding is not allowed in JWS
        ("e30.e30.A+/A", "signature is not base64url"),
        ("e30.e30.A", "signature is not base64url"),  # impossible length
        (f"{b64url(b'not json')}.e30.AA", "header is not JSON"),
        (f"{b64url(b'[1]')}.e30.AA", "header is not a JSON object"),
        (f"e30.{b64url(b'{}')[:-1]}x.AA", "payload"),
        ("e30." + b64url(b'{"a":1,"a":2}') + ".AA", "duplicate"),
        pytest.param("x" * 70_000, "longer than", id="too-long"),
        pytest.param("e30." + b64url(b'{"exp": ' + b"9" * 5000 + b"}") + ".AA", "payload is not JSON", id="huge-int"),
        pytest.param("e30." + b64url(b"[" * 20_000 + b"]" * 20_000) + ".AA", "payload is not JSON", id="deep-nesting"),
    ],
)
def test_malformed_tokens_are_refused_with_a_reason(token: str, message: str) -> None:
    with pytest.raises(JwtError, match=message):
        parse_compact(token)


def test_signature_of_wrong_size_or_out_of_range_is_rejected(idp_key: SigningKey) -> None:
    token = idp_key.sign(claims_for(ISSUER))
    jws = parse_compact(token)
    key = rsa_key_from_jwk(idp_key.jwk())
    assert rs256_signature_valid(key, jws.signing_input, jws.signature)
    assert not rs256_signature_valid(key, jws.signing_input, jws.signature[1:])
    assert not rs256_signature_valid(key, jws.signing_input, b"\x00" + jws.signature)
    too_big = (key.n + 1).to_bytes(key.size_bytes, "big")
    assert not rs256_signature_valid(key, jws.signing_input, too_big)


def test_claim_checks() -> None:
    def status(**overrides: object) -> tuple[str, str | None]:
        claims = claims_for(ISSUER, **overrides)
        outcome = check_claims(claims, issuer=ISSUER, audience=AUDIENCE, now=NOW, skew_s=60)
        return outcome.status, outcome.reason

    assert status() == ("valid", None)
    assert status(aud=["other", AUDIENCE]) == ("valid", None)
    assert status(token_use=None) == ("valid", None)
    assert status(exp=NOW - 30) == ("valid", None)  # inside the skew
    assert status(exp=NOW - 61)[0] == "expired"
    assert status(iss=ISSUER + "/")[0] == "invalid"
    assert status(aud="someone-else")[0] == "invalid"
    assert status(aud=["someone-else"])[0] == "invalid"
    assert status(aud=None)[0] == "invalid"
    assert status(token_use="access")[0] == "invalid"
    assert status(exp=None) == ("invalid", "token has no 'exp' claim")
    assert status(exp=True)[0] == "invalid"
    assert status(exp="1900000000")[0] == "invalid"
    assert status(nbf=NOW + 600)[0] == "invalid"
    assert status(nbf=NOW + 30)[0] == "valid"
    assert status(iat=NOW + 600)[0] == "invalid"


def test_expired_with_wrong_audience_is_invalid() -> None:
    claims = claims_for(ISSUER, aud="other", exp=NOW - 3600)
    assert check_claims(claims, issuer=ISSUER, audience=AUDIENCE, now=NOW, skew_s=60).status == "invalid"


def test_unusable_jwks_entries_are_refused(idp_key: SigningKey) -> None:
    good = idp_key.jwk()
    small = SigningKey("small", rsa.generate_private_key(public_exponent=65537, key_size=1024)).jwk()
    ec_key = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    cases: list[tuple[dict[str, Any], str]] = [
        ({**good, "kty": "EC", "crv": "P-256", "x": b64url(ec_key.x.to_bytes(32, "big"))}, "not RSA"),
        (small, "1024 bits"),
        ({**good, "use": "enc"}, "not a signature key"),
        ({**good, "alg": "RS512"}, "not RS256"),
        ({**good, "key_ops": ["encrypt"]}, "does not allow verify"),
        ({**good, "e": "Ag"}, "not a valid RSA"),
        ({k: v for k, v in good.items() if k != "kid"}, "no kid"),
        ({k: v for k, v in good.items() if k != "n"}, "'n' is missing"),
    ]
    for jwk, message in cases:
        with pytest.raises(JwtError, match=message):
            rsa_key_from_jwk(jwk)


@settings(max_examples=25, deadline=None)
@given(message=st.binary(max_size=512), flip=st.integers(min_value=0, max_value=255))
def test_agrees_with_cryptography(idp_key: SigningKey, message: bytes, flip: int) -> None:
    """Our pure-Python verifier accepts exactly what `cryptography` accepts, and rejects a bit flip."""
    signature = idp_key.private.sign(message, padding.PKCS1v15(), hashes.SHA256())
    numbers = idp_key.private.public_key().public_numbers()
    key = RsaPublicKey("k", numbers.n, numbers.e)
    assert rs256_signature_valid(key, message, signature)
    damaged = bytearray(signature)
    damaged[flip % len(damaged)] ^= 1 << (flip % 8)
    ours = rs256_signature_valid(key, message, bytes(damaged))
    try:
        idp_key.private.public_key().verify(bytes(damaged), message, padding.PKCS1v15(), hashes.SHA256())
        theirs = True
    except InvalidSignature:
        theirs = False
    assert ours is theirs is False
