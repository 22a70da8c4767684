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

KEY_ID_PREFIX = "mak_"
SECRET_PREFIX = "mas_"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KEY_ID_RANDOM_LENGTH = 20
SECRET_RANDOM_LENGTH = 32  # 32 * log2(62) = 190.5 bits
CHECKSUM_LENGTH = 6  # 62**6 > 2**32: any CRC32 fits

_KEY_ID = re.compile(rf"{KEY_ID_PREFIX}[0-9A-Za-z]{{{KEY_ID_RANDOM_LENGTH}}}")
_SECRET = re.compile(rf"{SECRET_PREFIX}[0-9A-Za-z]{{{SECRET_RANDOM_LENGTH + CHECKSUM_LENGTH}}}")
_JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# Compared against when a key id is unknown, so that costs the same as a wrong secret.
_DUMMY_HASH = "sha256$" + "0" * 64


def _random_base62(length: int) -> str:
	return "".join(secrets.choice(BASE62) for _ in range(length))


def _checksum(text: str) -> str:
	value = zlib.crc32(text.encode())
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
	body = SECRET_PREFIX + _random_base62(SECRET_RANDOM_LENGTH)
	return body + _checksum(body)


def is_key_id(value: str) -> bool:
	return _KEY_ID.fullmatch(value) is not None


def is_well_formed_secret(value: str) -> bool:
	"""Prefix, length, alphabet and checksum hold; says nothing about whether the secret is valid."""
	return (
		_SECRET.fullmatch(value) is not None
		and _checksum(value[:-CHECKSUM_LENGTH]) == value[-CHECKSUM_LENGTH:]
	)


def hash_secret(secret: str) -> str:
	return "sha256$" + hashlib.sha256(secret.encode()).hexdigest()


def verify_secret(secret: str, stored_hash: str | None) -> bool:
	"""Constant time; an unknown key (no stored hash) does the same work and answers False."""
	candidate = hash_secret(secret).encode()
	if not stored_hash:
		hmac.compare_digest(candidate, _DUMMY_HASH.encode())
		return False
	return hmac.compare_digest(candidate, stored_hash.encode())


def secret_hint(secret: str) -> str:
	"""What the UI shows of a secret: enough to tell two apart, useless to an attacker."""
	return f"{SECRET_PREFIX}…{secret[-4:]}"


@dataclass(frozen=True)
class ApiKeyCredentials:
	"""A key id and secret presented with our prefix; possibly malformed (see ``well_formed``)."""

	key_id: str
	secret: str

	@property
	def well_formed(self) -> bool:
		return is_key_id(self.key_id) and is_well_formed_secret(self.secret)


@dataclass(frozen=True)
class BearerToken:
	token: str


def _credentials(value: str) -> ApiKeyCredentials:
	key_id, _, secret = value.partition(":")
	return ApiKeyCredentials(key_id=key_id, secret=secret)


def parse_authorization(header: str | None) -> ApiKeyCredentials | BearerToken | None:
	"""Our credentials in an Authorization header value, or None when they are not ours.

	``token <key>:<secret>`` and ``Basic base64(<key>:<secret>)`` are ours when the key starts
	with ``mak_``, malformed or not (the caller answers 401 for those); any other key is a
	Frappe User key and stays Frappe's. ``Bearer`` is ours when the token has the shape of a
	JWT; Frappe's OAuth bearer tokens have no dots and stay Frappe's.
	"""
	if not header:
		return None
	scheme, _, value = header.strip().partition(" ")
	scheme, value = scheme.lower(), value.strip()
	if scheme == "token":
		return _credentials(value) if value.startswith(KEY_ID_PREFIX) else None
	if scheme == "basic":
		try:
			decoded = base64.b64decode(value, validate=True)
		except (binascii.Error, ValueError):
			return None
		if not decoded.startswith(KEY_ID_PREFIX.encode()):
			return None
		return _credentials(decoded.decode(errors="replace"))
	if scheme == "bearer" and _JWT_SHAPE.fullmatch(value):
		return BearerToken(value)
	return None
