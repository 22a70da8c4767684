"""Short-lived access tokens: JWTs signed with Ed25519 (``EdDSA``), checked strictly.

Verification trusts nothing in a token before its signature is checked: the header's ``kid``
must name a key we hold, its ``alg`` must be that key's algorithm and an allowed one (so
``none``, HS256 keyed with our public key, RS256 or ES256 under an attacker's key all fail),
and every claim we rely on must be present and of the right type. Time is checked here,
against the caller's clock, so tests can control it.
"""

import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from my_api_app.shared.rules.scopes import scope_claim, scopes_from_claim
from my_api_app.shared.rules.secret import Secret

ALLOWED_ALGORITHMS = frozenset({"EdDSA"})
TOKEN_TYPE = "at+jwt"  # RFC 9068
MAX_TOKEN_LENGTH = 8192
# The shape of a compact JWS (three base64url parts), as the OpenAPI document declares a token.
TOKEN_PATTERN = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
REQUIRED_CLAIMS = ("exp", "nbf", "iat", "iss", "aud", "sub", "jti", "key", "scope")


@dataclass(frozen=True)
class SigningKey:
	"""A signing key; the private key (None for a key that only verifies) is a ``Secret``."""

	kid: str
	algorithm: str
	public_key_pem: str
	private_key_pem: Secret | None = None


@dataclass(frozen=True)
class TokenClaims:
	subject: str
	api_key: str
	scopes: tuple[str, ...]
	jti: str
	issued_at: int
	not_before: int
	expires_at: int
	issuer: str
	audience: str


class InvalidToken(Exception):
	"""``reason`` is for logs and tests; clients are only told the token is not valid."""

	def __init__(self, reason: str):
		self.reason = reason
		super().__init__(reason)


def generate_signing_key() -> SigningKey:
	private_key = Ed25519PrivateKey.generate()
	return SigningKey(
		kid="msk_" + secrets.token_urlsafe(12),
		algorithm="EdDSA",
		public_key_pem=private_key.public_key()
		.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
		.decode(),
		private_key_pem=Secret(
			private_key.private_bytes(
				serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
			).decode()
		),
	)


@lru_cache(maxsize=32)
def _public_key(pem: str):
	"""Parsed once per key, not once per request."""
	return serialization.load_pem_public_key(pem.encode())


@lru_cache(maxsize=8)
def _private_key(private_key_pem: str):
	return serialization.load_pem_private_key(private_key_pem.encode(), password=None)


def issue_token(
	key: SigningKey,
	*,
	issuer: str,
	audience: str,
	subject: str,
	api_key: str,
	scopes: Sequence[str],
	lifetime: int = 900,
	now: int | None = None,
) -> tuple[str, TokenClaims]:
	"""A signed token and the claims it carries; ``lifetime`` in seconds."""
	if key.algorithm not in ALLOWED_ALGORITHMS:
		raise ValueError(f"signing key {key.kid} uses {key.algorithm}; allowed: {sorted(ALLOWED_ALGORITHMS)}")
	if not key.private_key_pem:
		raise ValueError(f"signing key {key.kid} has no private key")
	if lifetime < 1:
		raise ValueError("lifetime must be at least one second")
	issued_at = int(time.time()) if now is None else now
	claims = TokenClaims(
		subject=subject,
		api_key=api_key,
		scopes=tuple(scopes),
		jti=uuid.uuid4().hex,
		issued_at=issued_at,
		not_before=issued_at,
		expires_at=issued_at + lifetime,
		issuer=issuer,
		audience=audience,
	)
	payload = {
		"iss": issuer,
		"aud": audience,
		"sub": subject,
		"iat": issued_at,
		"nbf": issued_at,
		"exp": claims.expires_at,
		"jti": claims.jti,
		"key": api_key,
		"scope": scope_claim(claims.scopes),
	}
	token = jwt.encode(
		payload,
		_private_key(key.private_key_pem.reveal()),
		algorithm=key.algorithm,
		headers={"kid": key.kid, "typ": TOKEN_TYPE},
	)
	return token, claims


def _header(token: str, keys: Mapping[str, SigningKey]) -> SigningKey:
	"""The key a token's header names, if the header is acceptable for it."""
	try:
		header = jwt.get_unverified_header(token)
	except jwt.PyJWTError as error:
		raise InvalidToken(f"malformed token: {error}")
	kid = header.get("kid")
	if not kid or not isinstance(kid, str):
		raise InvalidToken("no kid in the header")
	key = keys.get(kid)
	if key is None:
		raise InvalidToken(f"unknown kid {kid!r}")
	if key.algorithm not in ALLOWED_ALGORITHMS:
		raise InvalidToken(f"key {kid} has algorithm {key.algorithm}, which is not allowed")
	if header.get("alg") != key.algorithm:
		raise InvalidToken(
			f"header alg {header.get('alg')!r} is not {key.algorithm}, the algorithm of key {kid}"
		)
	if str(header.get("typ", "")).lower() not in (TOKEN_TYPE, f"application/{TOKEN_TYPE}"):
		raise InvalidToken(f"header typ {header.get('typ')!r} is not {TOKEN_TYPE}")
	return key


def _claims(payload: dict, issuer: str, audience: str) -> TokenClaims:
	"""Type and exact-value checks PyJWT does not make (iss and aud again: PyJWT's rules vary by version)."""
	for claim in ("iat", "nbf", "exp"):
		if type(payload[claim]) is not int:
			raise InvalidToken(f"claim {claim} is not an integer")
	for claim in ("sub", "jti", "key"):
		if not isinstance(payload[claim], str) or not payload[claim]:
			raise InvalidToken(f"claim {claim} is not a non-empty string")
	if not isinstance(payload["scope"], str):
		raise InvalidToken("claim scope is not a string")
	if payload["iss"] != issuer or payload["aud"] != audience:
		raise InvalidToken("issuer or audience does not match exactly")
	return TokenClaims(
		subject=payload["sub"],
		api_key=payload["key"],
		scopes=scopes_from_claim(payload["scope"]),
		jti=payload["jti"],
		issued_at=payload["iat"],
		not_before=payload["nbf"],
		expires_at=payload["exp"],
		issuer=issuer,
		audience=audience,
	)


def verify_token(
	token: str,
	keys: Mapping[str, SigningKey],
	*,
	issuer: str,
	audience: str,
	leeway: int = 30,
	now: int | None = None,
) -> TokenClaims:
	"""The claims of a valid token; InvalidToken otherwise. ``keys`` maps kid to key (several during rotation)."""
	if len(token) > MAX_TOKEN_LENGTH:
		raise InvalidToken(f"token longer than {MAX_TOKEN_LENGTH} characters")
	key = _header(token, keys)
	try:
		payload = jwt.decode(
			token,
			_public_key(key.public_key_pem),
			algorithms=[key.algorithm],
			issuer=issuer,
			audience=audience,
			options={
				"require": list(REQUIRED_CLAIMS),
				"verify_exp": False,
				"verify_nbf": False,
				"verify_iat": False,
				"strict_aud": True,
			},
		)
	except jwt.PyJWTError as error:
		raise InvalidToken(f"{type(error).__name__}: {error}")
	claims = _claims(payload, issuer, audience)
	now = int(time.time()) if now is None else now
	if now > claims.expires_at + leeway:
		raise InvalidToken("expired")
	if now + leeway < claims.not_before:
		raise InvalidToken("not valid yet (nbf)")
	if claims.issued_at > now + leeway:
		raise InvalidToken("issued in the future (iat)")
	return claims
