"""Test helpers: signing real RS256 tokens with `cryptography` and describing a loopback issuer."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

NOW = 1_800_000_000.0
AUDIENCE = "test-client-id"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode("utf-8"))


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey

    def jwk(self) -> dict[str, str]:
        numbers = self.private.public_key().public_numbers()
        size = (numbers.n.bit_length() + 7) // 8
        return {
            "kty": "RSA",
            "kid": self.kid,
            "use": "sig",
            "alg": "RS256",
            "n": b64url(numbers.n.to_bytes(size, "big")),
            "e": b64url(numbers.e.to_bytes(3, "big")),
        }

    def sign(self, claims: dict[str, Any], header: dict[str, Any] | None = None) -> str:
        head = {"alg": "RS256", "typ": "JWT", "kid": self.kid} if header is None else header
        signing_input = f"{b64url_json(head)}.{b64url_json(claims)}".encode("ascii")
        signature = self.private.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input.decode('ascii')}.{b64url(signature)}"


def new_key(kid: str) -> SigningKey:
    return SigningKey(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048))


def claims_for(issuer: str, **overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": "0f6c-user",
        "email": "dev@example.com",
        "name": "Dev User",
        "token_use": "id",
        "iat": NOW - 60,
        "exp": NOW + 3600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


@dataclass
class Issuer:
    """A real OIDC issuer on loopback serving discovery and JWKS from mutable state."""

    url: str
    jwks: dict[str, Any]
    requests: list[str] = field(default_factory=list)
    discovery_issuer: str | None = None  # what openid-configuration claims; defaults to `url`

    @property
    def jwks_uri(self) -> str:
        return f"{self.url}/jwks.json"

    def publish(self, *keys: SigningKey) -> None:
        self.jwks["keys"] = [key.jwk() for key in keys]
