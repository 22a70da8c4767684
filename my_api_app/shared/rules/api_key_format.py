"""API key ids and secrets: their format, their hash, and how a request presents them.

Keys look like GitHub's tokens: a fixed prefix that secret scanners can match, base62
randomness from ``secrets``, and for the secret a CRC32 checksum, so a typo or a truncated
copy is refused without a database lookup.

Secrets are stored as one SHA-256, not with a slow password hash. Slow hashes (bcrypt,
scrypt, argon2) make guessing a low-entropy human password expensive; a secret here carries
190 random bits, which no guessing reaches however fast the hash is, while a slow hash would
add tens of milliseconds to every API request. GitHub stores its tokens the same way.
"""

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import zlib
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field

from my_api_app.shared.rules.secret import Secret

KEY_ID_PREFIX = "mak_"
SECRET_PREFIX = "mas_"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KEY_ID_RANDOM_LENGTH = 20
SECRET_RANDOM_LENGTH = 32  # 32 * log2(62) = 190.5 bits
CHECKSUM_LENGTH = 6  # 62**6 > 2**32: any CRC32 fits

_KEY_ID = re.compile(rf"{KEY_ID_PREFIX}[0-9A-Za-z]{{{KEY_ID_RANDOM_LENGTH}}}")
# An API key id as endpoints take it (and the OpenAPI document declares it).
KeyId = Annotated[
	str,
	Field(
		pattern=f"^{_KEY_ID.pattern}$",
		description="An API key's id.",
		examples=[f"{KEY_ID_PREFIX}4hG7kL2mN9pQ3rS5tV8w"],
	),
]
_SECRET = re.compile(rf"{SECRET_PREFIX}[0-9A-Za-z]{{{SECRET_RANDOM_LENGTH + CHECKSUM_LENGTH}}}")
_JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# Compared against when a key id is unknown, so that costs the same as a wrong secret.
DUMMY_HASH = "sha256$" + "0" * 64


def _random_base62(length: int) -> str:
	return "".join(secrets.choice(BASE62) for _ in range(length))


def _checksum(secret_body: str) -> str:
	value = zlib.crc32(secret_body.encode())
	digits = []
	for _ in range(CHECKSUM_LENGTH):
		value, digit = divmod(value, 62)
		digits.append(BASE62[digit])
	return "".join(reversed(digits))


def new_key_id() -> str:
	"""A new public key id (the API Key document's name)."""
	return KEY_ID_PREFIX + _random_base62(KEY_ID_RANDOM_LENGTH)


def new_secret() -> str:
	"""A new secret: prefix, 32 random base62 characters, 6 characters of CRC32."""
	secret_body = SECRET_PREFIX + _random_base62(SECRET_RANDOM_LENGTH)
	return secret_body + _checksum(secret_body)


def is_key_id(value: str) -> bool:
	return _KEY_ID.fullmatch(value) is not None


def is_well_formed_secret(secret: str) -> bool:
	"""Prefix, length, alphabet and checksum hold; says nothing about whether the secret is valid."""
	return (
		_SECRET.fullmatch(secret) is not None
		and _checksum(secret[:-CHECKSUM_LENGTH]) == secret[-CHECKSUM_LENGTH:]
	)


def hash_secret(secret: str) -> str:
	return "sha256$" + hashlib.sha256(secret.encode()).hexdigest()


def verify_secret(secret: str, stored_hash: str | None) -> bool:
	"""Constant time; an unknown key (no stored hash) does the same work and answers False."""
	candidate = hash_secret(secret).encode()
	if not stored_hash:
		hmac.compare_digest(candidate, DUMMY_HASH.encode())
		return False
	return hmac.compare_digest(candidate, stored_hash.encode())


def secret_hint(secret: str) -> str:
	"""What the UI shows of a secret: enough to tell two apart, useless to an attacker."""
	return f"{SECRET_PREFIX}…{secret[-4:]}"


@dataclass(frozen=True)
class ApiKeyCredentials:
	"""A key id and secret presented with our prefix; possibly malformed (see ``well_formed``)."""

	key_id: str
	secret: Secret

	@property
	def well_formed(self) -> bool:
		return is_key_id(self.key_id) and is_well_formed_secret(self.secret.reveal())


@dataclass(frozen=True)
class BearerToken:
	token: Secret


def _credentials(secret_value: str) -> ApiKeyCredentials:
	key_id, _, secret = secret_value.partition(":")
	return ApiKeyCredentials(key_id=key_id, secret=Secret(secret))


def parse_authorization(secret_header: str | None) -> ApiKeyCredentials | BearerToken | None:
	"""Our credentials in an Authorization header value, or None when they are not ours.

	``token <key>:<secret>`` and ``Basic base64(<key>:<secret>)`` are ours when the key starts
	with ``mak_``, malformed or not (the caller answers 401 for those); any other key is a
	Frappe User key and stays Frappe's. ``Bearer`` is ours when the token has the shape of a
	JWT; Frappe's OAuth bearer tokens have no dots and stay Frappe's. The header value and every
	part of it sit in variables whose names Frappe's traceback printer masks; the answer holds
	the secret or token as a ``Secret``.
	"""
	return presented(secret_header).ours if secret_header else None


# What a header credential is (``Presented.kind``).
APP_KEY, APP_TOKEN, FRAPPE_KEY, OAUTH, UNKNOWN = "api_key", "jwt", "frappe_key", "oauth", "unknown"


@dataclass(frozen=True)
class Presented:
	"""The credential an ``Authorization`` header presents, parsed once per request.

	``kind``: this app's key or token, Frappe's own key, an OAuth bearer token, or a header no
	one will accept. ``account``: what a failure of it is counted against (a key id, a Frappe
	key's name; never a secret). ``ours``: this app's credentials, the secret as a ``Secret``.
	"""

	kind: str
	account: str
	ours: ApiKeyCredentials | BearerToken | None = None


def presented(secret_header: str) -> Presented:
	scheme, _, secret_value = secret_header.strip().partition(" ")
	scheme, secret_value = scheme.lower(), secret_value.strip()
	if scheme == "token":
		key_secret = secret_value
	elif scheme == "basic":
		try:
			key_secret = base64.b64decode(secret_value, validate=True).decode(errors="replace")
		except (binascii.Error, ValueError):
			return Presented(UNKNOWN, "basic")
	elif scheme == "bearer":
		if _JWT_SHAPE.fullmatch(secret_value):
			return Presented(APP_TOKEN, "jwt", BearerToken(Secret(secret_value)))
		return Presented(OAUTH, "oauth")
	else:
		return Presented(UNKNOWN, scheme[:20])
	key_id = key_secret.partition(":")[0]
	if key_id.startswith(KEY_ID_PREFIX):
		credentials = _credentials(key_secret)
		return Presented(APP_KEY, f"key:{key_id[:64]}", credentials)
	return Presented(FRAPPE_KEY, f"frappe-key:{key_id[:64]}")
