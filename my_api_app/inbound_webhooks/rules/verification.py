"""Receiving webhooks: which deliveries to trust, the event id each carries, how long to remember it.

``verify`` checks a delivery with the scheme a source is configured for (over the raw body)
and returns what the receiver stores and deduplicates on:

- Standard Webhooks: the signed ``webhook-id`` header; signed timestamp within the tolerance.
- Stripe: the event's ``id`` in the signed body; signed timestamp within the tolerance.
- GitHub: the body's SHA-256, and no event type. GitHub signs only the body and sends no
  timestamp; its ``X-GitHub-Delivery`` and ``X-GitHub-Event`` headers are not signed, so a
  captured delivery could be sent again under a new delivery id, or relabelled as another
  event type, and still verify. Nothing unsigned is believed: a body already received is a
  duplicate under any delivery id, and the event type is left empty (GitHub's bodies do not
  name their event; a handler tells events apart by the payload's own fields).
- Frappe: Frappe 15 signs only the body and sends no id or timestamp, so the id is the body's
  SHA-256: an identical body is a duplicate, however much later it arrives.

No frappe here; the Frappe side is ``my_api_app.inbound_webhooks``.
"""

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from my_api_app.shared.rules import webhook_signing
from my_api_app.shared.rules.webhook_signing import InvalidSignature

STANDARD = "Standard Webhooks"
STRIPE = "Stripe"
GITHUB = "GitHub"
FRAPPE = "Frappe"
SCHEMES = (STANDARD, STRIPE, GITHUB, FRAPPE)
TIMED_SCHEMES = frozenset({STANDARD, STRIPE})

MAX_EVENT_ID = 140  # the length of the stored column; longer ids are stored as their hash
MAX_EVENT_TYPE = 140
# How long a seen id of a scheme without a signed timestamp is remembered in Redis; the
# database's unique (source, event id) keeps refusing it after that.
UNTIMED_REPLAY_WINDOW = 86400
_PRINTABLE_ID = re.compile(r"[\x21-\x7e]+")


@dataclass(frozen=True)
class Delivery:
	"""A verified delivery: the id it is deduplicated on and its event type when known."""

	event_id: str
	event_type: str | None


def verify(
	scheme: str,
	secret_headers: Mapping[str, str],
	body: bytes,
	secrets: Sequence[str],
	*,
	tolerance: int = webhook_signing.DEFAULT_TOLERANCE,
	now: float | None = None,
) -> Delivery:
	"""The delivery, when ``body`` and the request's headers carry a valid signature by one of
	``secrets``; ``InvalidSignature`` otherwise (``ValueError`` for an unknown scheme or no
	secrets). The headers may carry the sender's credentials: their name is one Frappe's
	traceback printer masks, as ``secrets``' is."""
	if scheme == STANDARD:
		webhook_signing.verify_standard(secret_headers, body, secrets, tolerance=tolerance, now=now)
		return Delivery(_event_id(_header(secret_headers, webhook_signing.ID_HEADER)), _payload_type(body))
	if scheme == STRIPE:
		header = _header(secret_headers, webhook_signing.STRIPE_HEADER)
		webhook_signing.verify_stripe(header, body, secrets, tolerance=tolerance, now=now)
		return Delivery(_event_id(_payload_value(body, "id")) or body_id(body), _payload_type(body))
	if scheme == GITHUB:
		webhook_signing.verify_github(_header(secret_headers, webhook_signing.GITHUB_HEADER), body, secrets)
		return Delivery(body_id(body), None)  # only the body is signed (see the module docstring)
	if scheme == FRAPPE:
		webhook_signing.verify_frappe(_header(secret_headers, webhook_signing.FRAPPE_HEADER), body, secrets)
		return Delivery(body_id(body), None)
	raise ValueError(f"unknown verification scheme {scheme!r}")


def check_secret(scheme: str, secret: str) -> None:
	"""ValueError when ``secret`` cannot verify ``scheme`` (Standard Webhooks wants a whsec_ key)."""
	if not secret or secret != secret.strip():
		raise ValueError("a secret is not empty and has no surrounding spaces")
	if scheme == STANDARD:
		webhook_signing.secret_key(secret)


def replay_window(scheme: str, tolerance: int) -> int:
	"""Seconds to remember a seen event id: a timestamped delivery is valid for ``tolerance``
	either side of its timestamp, so ``2 * tolerance`` (and a minute of clock skew) covers
	every moment it could be replayed; untimed schemes get ``UNTIMED_REPLAY_WINDOW``."""
	if scheme in TIMED_SCHEMES:
		return 2 * tolerance + 60
	return UNTIMED_REPLAY_WINDOW


def body_id(body: bytes) -> str:
	"""The id of a delivery that carries none: the SHA-256 of its body."""
	return "sha256:" + hashlib.sha256(body).hexdigest()


def scrub(text: str, secrets: Sequence[str]) -> str:
	"""``text`` with every secret (and, for whsec_ secrets, their base64 part) redacted."""
	for secret in secrets:
		for secret_text in (secret, secret.removeprefix(webhook_signing.SECRET_PREFIX)):
			if len(secret_text) >= 8:
				text = text.replace(secret_text, webhook_signing.REDACTED)
	return text


def _header(secret_headers: Mapping[str, str], name: str) -> str | None:
	name = name.lower()
	return next((value for key, value in secret_headers.items() if key.lower() == name), None)


def _event_id(value: str | None) -> str | None:
	"""A usable id as it is; one too long or with spaces or control characters, as its hash."""
	if not value:
		return None
	if len(value) <= MAX_EVENT_ID and _PRINTABLE_ID.fullmatch(value):
		return value
	return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()


def _event_type(value: str | None) -> str | None:
	if not value:
		return None
	value = " ".join(value.split())
	return value[:MAX_EVENT_TYPE] or None


def _payload_value(body: bytes, key: str) -> str | None:
	try:
		payload = json.loads(body)
	except ValueError:
		return None
	value = payload.get(key) if isinstance(payload, dict) else None
	return value if isinstance(value, str) else None


def _payload_type(body: bytes) -> str | None:
	return _event_type(_payload_value(body, "type"))


__all__ = [
	"FRAPPE",
	"GITHUB",
	"SCHEMES",
	"STANDARD",
	"STRIPE",
	"Delivery",
	"InvalidSignature",
	"body_id",
	"check_secret",
	"replay_window",
	"scrub",
	"verify",
]
