"""Signing outgoing webhooks and verifying incoming ones.

Ours are signed the Standard Webhooks way (https://www.standardwebhooks.com), as Svix does:
``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` headers, the signature an
HMAC-SHA256 over ``{id}.{timestamp}.{body}`` keyed with the base64-decoded part of a
``whsec_`` secret. While a secret is being rotated, every current secret signs and the
signatures go space-separated in one header, so a receiver holding either one verifies.

Incoming webhooks may also be signed as Stripe, GitHub or Frappe 15's own Webhook doctype
sign theirs; each has a ``sign_*`` (for tests and for sending in that scheme) and a
``verify_*``. Every verification compares in constant time, accepts any of several secrets
and raises ``InvalidSignature`` with a reason; schemes with a timestamp refuse one more than
``tolerance`` seconds away from now in either direction, which bounds replays.
"""

import base64
import binascii
import hashlib
import hmac
import re
import secrets as _secrets
import time
from collections.abc import Mapping, Sequence

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the spec asks for 24 to 64 random bytes
MIN_SECRET_BYTES = 24
DEFAULT_TOLERANCE = 300  # seconds, as the spec and Stripe advise

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
STRIPE_HEADER = "Stripe-Signature"
GITHUB_HEADER = "X-Hub-Signature-256"
FRAPPE_HEADER = "X-Frappe-Webhook-Signature"

REDACTED = "[redacted]"
# What an inbound event keeps of a delivery's headers: values only for these (lowercase), which
# say what the body is, who sent it, and the signature scheme's id and timestamp; every other
# value (a signature, a credential, a cookie, anything unknown) is redacted.
KEPT_HEADERS = frozenset(
	(
		"content-type",
		"content-length",
		"user-agent",
		ID_HEADER,
		TIMESTAMP_HEADER,
		"svix-id",
		"svix-timestamp",
		"x-github-delivery",
		"x-github-event",
		"x-github-hook-id",
		"stripe-version",
	)
)

_TIMESTAMP = re.compile(r"\d{1,12}")


class InvalidSignature(Exception):
	"""A webhook that must not be trusted; ``reason`` says why (safe to log, not to echo)."""

	def __init__(self, reason: str):
		super().__init__(reason)
		self.reason = reason


def new_secret() -> str:
	"""A new Standard Webhooks secret: ``whsec_`` and base64 of 32 random bytes."""
	return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
	"""The HMAC key a ``whsec_`` secret stands for; ValueError when it is not one."""
	if not secret.startswith(SECRET_PREFIX):
		raise ValueError(f"a webhook secret starts with {SECRET_PREFIX}")
	try:
		key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
	except binascii.Error:
		raise ValueError("a webhook secret is base64 after its prefix")
	if len(key) < MIN_SECRET_BYTES:
		raise ValueError(f"a webhook secret holds at least {MIN_SECRET_BYTES} bytes")
	return key


def _hmac(key: bytes, message: bytes) -> bytes:
	return hmac.new(key, message, hashlib.sha256).digest()


def _any_match(expected: Sequence[bytes], presented: Sequence[bytes]) -> bool:
	matched = False
	for mine in expected:
		for theirs in presented:
			matched |= hmac.compare_digest(mine, theirs)
	return matched


def _require_secrets(secrets: Sequence[str]) -> None:
	if not secrets or isinstance(secrets, str):
		raise ValueError("pass a non-empty sequence of secrets")


def _check_timestamp(timestamp: int, tolerance: int, now: float | None) -> None:
	now = time.time() if now is None else now
	if timestamp < now - tolerance:
		raise InvalidSignature("timestamp too old")
	if timestamp > now + tolerance:
		raise InvalidSignature("timestamp too new")


def _parse_timestamp(value: str) -> int:
	if not _TIMESTAMP.fullmatch(value.strip()):
		raise InvalidSignature("malformed timestamp")
	return int(value)


def _standard_signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> bytes:
	return _hmac(key, f"{msg_id}.{timestamp}.".encode() + body)


def sign(msg_id: str, timestamp: int, body: bytes, secrets: Sequence[str]) -> dict[str, str]:
	"""The Standard Webhooks headers for a message, one ``v1`` signature per secret."""
	_require_secrets(secrets)
	signatures = (
		"v1," + base64.b64encode(_standard_signature(secret_key(secret), msg_id, timestamp, body)).decode()
		for secret in secrets
	)
	return {
		ID_HEADER: msg_id,
		TIMESTAMP_HEADER: str(int(timestamp)),
		SIGNATURE_HEADER: " ".join(signatures),
	}


def _header(secret_headers: Mapping[str, str], name: str) -> str | None:
	name = name.lower()
	return next((value for key, value in secret_headers.items() if key.lower() == name), None)


def verify_standard(
	secret_headers: Mapping[str, str],
	body: bytes,
	secrets: Sequence[str],
	*,
	tolerance: int = DEFAULT_TOLERANCE,
	now: float | None = None,
) -> None:
	"""Returns when any ``v1`` signature matches any secret within the time tolerance. The
	request's headers may carry credentials: their name is one Frappe's traceback printer masks."""
	_require_secrets(secrets)
	values = {}
	for name in (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER):
		values[name] = _header(secret_headers, name)
		if not values[name]:
			raise InvalidSignature(f"missing {name} header")
	timestamp = _parse_timestamp(values[TIMESTAMP_HEADER])
	_check_timestamp(timestamp, tolerance, now)
	presented = []
	for item in values[SIGNATURE_HEADER].split():
		version, _, signature = item.partition(",")
		if version != "v1":
			continue
		try:
			presented.append(base64.b64decode(signature, validate=True))
		except binascii.Error:
			continue
	if not presented:
		raise InvalidSignature("no v1 signature")
	expected = [
		_standard_signature(secret_key(secret), values[ID_HEADER], timestamp, body) for secret in secrets
	]
	if not _any_match(expected, presented):
		raise InvalidSignature("no matching signature")


def _stripe_signature(secret: str, timestamp: int, body: bytes) -> str:
	return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign_stripe(timestamp: int, body: bytes, secrets: Sequence[str]) -> str:
	"""A ``Stripe-Signature`` value; Stripe keys the HMAC with the whole secret string."""
	_require_secrets(secrets)
	return ",".join(
		[f"t={int(timestamp)}", *(f"v1={_stripe_signature(secret, timestamp, body)}" for secret in secrets)]
	)


def verify_stripe(
	header: str | None,
	body: bytes,
	secrets: Sequence[str],
	*,
	tolerance: int = DEFAULT_TOLERANCE,
	now: float | None = None,
) -> None:
	"""Returns when any ``v1`` of a ``Stripe-Signature`` matches any secret within the tolerance."""
	_require_secrets(secrets)
	if not header:
		raise InvalidSignature(f"missing {STRIPE_HEADER} header")
	timestamps, presented = [], []
	for item in header.split(","):
		key, _, value = item.strip().partition("=")
		if key == "t":
			timestamps.append(value)
		elif key == "v1":
			presented.append(value.encode())
	if len(timestamps) != 1:
		raise InvalidSignature("malformed timestamp")
	timestamp = _parse_timestamp(timestamps[0])
	_check_timestamp(timestamp, tolerance, now)
	if not presented:
		raise InvalidSignature("no v1 signature")
	expected = [_stripe_signature(secret, timestamp, body).encode() for secret in secrets]
	if not _any_match(expected, presented):
		raise InvalidSignature("no matching signature")


def sign_github(body: bytes, secret: str) -> str:
	"""An ``X-Hub-Signature-256`` value: ``sha256=`` and the hex HMAC of the body."""
	return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_github(header: str | None, body: bytes, secrets: Sequence[str]) -> None:
	"""GitHub signs no timestamp, so this cannot refuse a replay; pair it with a delivery id check."""
	_require_secrets(secrets)
	_verify_one_value(GITHUB_HEADER, header, [sign_github(body, secret) for secret in secrets])


def sign_frappe(body: bytes, secret: str) -> str:
	"""An ``X-Frappe-Webhook-Signature`` value as Frappe 15 computes it: base64 of the HMAC.

	Frappe signs ``json.dumps(data)`` and sends ``json.dumps(data, default=str)``: the same
	bytes whenever signing succeeded, so the received body is what to verify."""
	return base64.b64encode(hmac.new(secret.encode("utf8"), body, hashlib.sha256).digest()).decode()


def verify_frappe(header: str | None, body: bytes, secrets: Sequence[str]) -> None:
	"""Like GitHub's, no timestamp is signed: replays cannot be refused from the signature."""
	_require_secrets(secrets)
	_verify_one_value(FRAPPE_HEADER, header, [sign_frappe(body, secret) for secret in secrets])


def _verify_one_value(name: str, header: str | None, expected: list[str]) -> None:
	"""A header carrying one signature, which must be one of ``expected`` (one a secret)."""
	if not header:
		raise InvalidSignature(f"missing {name} header")
	if not _any_match([value.encode() for value in expected], [header.strip().encode()]):
		raise InvalidSignature("no matching signature")


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
	"""A copy fit for storing: every name, and the value only of ``KEPT_HEADERS`` (an allow-list:
	a credential under a header name nobody listed is redacted too)."""
	return {name: value if name.lower() in KEPT_HEADERS else REDACTED for name, value in headers.items()}
