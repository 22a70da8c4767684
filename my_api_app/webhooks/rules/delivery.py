"""What an outgoing webhook delivery sends: event ids, the event envelope, the request headers,
the retry schedule a webhook declares, and what of a response is kept.

The body of an event is fixed when the event happens and stored; every attempt sends those
same bytes under the same ``webhook-id``, with a fresh ``webhook-timestamp`` and signature, as
Standard Webhooks asks, so a receiver can deduplicate retries by id.

The delivery log keeps every header's name but only the values the signature covers
(``webhook-id`` and ``webhook-timestamp``, which are signed with the body): signatures, the
webhook's own headers (often an API key of the receiver's) and everything else are redacted.
"""

import json
import secrets
import string
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone

from my_api_app.shared.rules import webhook_signing
from my_api_app.webhooks.rules.retry_schedule import DEFAULT_SCHEDULE

EVENT_ID_PREFIX = "msg_"
_ALPHABET = string.ascii_letters + string.digits
EVENT_ID_LENGTH = 24  # 143 bits
MAX_ATTEMPTS = 20
MAX_DELAY = 7 * 24 * 3600
EXCERPT_CHARS = 1000
USER_AGENT = "my_api_app-webhooks/1"
# Headers whose values the Standard Webhooks signature covers ("{id}.{timestamp}.{body}").
SIGNED_HEADERS = frozenset({webhook_signing.ID_HEADER, webhook_signing.TIMESTAMP_HEADER})


def new_event_id() -> str:
	return EVENT_ID_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(EVENT_ID_LENGTH))


def event_type(doctype: str, docevent: str) -> str:
	"""``todo.after_insert`` for a ToDo insert: the DocType in snake case, then the event."""
	return f"{doctype.strip().lower().replace(' ', '_')}.{docevent}"


def envelope_body(event_type: str, data: object, occurred_at: datetime) -> str:
	"""The JSON body: ``{"type", "timestamp", "data"}`` (the Standard Webhooks envelope)."""
	if occurred_at.tzinfo is None:
		raise ValueError("occurred_at must be timezone-aware")
	moment = occurred_at.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
	return json.dumps(
		{"type": event_type, "timestamp": moment, "data": data}, default=str, separators=(",", ":")
	)


def bare_body(data: object) -> str:
	"""The body without an envelope: the data alone, as Frappe's own webhooks send it."""
	return json.dumps(data, default=str, separators=(",", ":"))


def parse_schedule(text: str | None) -> tuple[float, ...]:
	"""A schedule written as comma-separated seconds (``"0, 5, 300"``): the delay before each
	attempt, the first usually 0. Empty means the default. Raises ValueError with a reason."""
	if not text or not text.strip():
		return DEFAULT_SCHEDULE
	delays: list[float] = []
	for part in text.split(","):
		part = part.strip()
		try:
			delay = float(part)
		except ValueError:
			raise ValueError(f"{part!r} is not a number of seconds") from None
		if not 0 <= delay <= MAX_DELAY:
			raise ValueError(f"{part} is outside 0 to {MAX_DELAY} seconds")
		delays.append(delay)
	if len(delays) > MAX_ATTEMPTS:
		raise ValueError(f"at most {MAX_ATTEMPTS} attempts")
	return tuple(delays)


def request_headers(
	*,
	event_id: str,
	timestamp: int,
	body: bytes,
	secrets: Sequence[str],
	frappe_secret: str | None = None,
	extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
	"""Headers of one attempt: the webhook's own headers, then ours: content type, user agent,
	the Standard Webhooks trio signed with every current secret, and Frappe's
	``X-Frappe-Webhook-Signature`` over the same body when the webhook has a Frappe secret.
	Names are case-insensitive, so there is one header per name in any spelling: ours win over
	the webhook's, and of two webhook headers the last wins (as ``requests`` would send them)."""
	ours = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
	ours.update(webhook_signing.sign(event_id, timestamp, body, secrets))
	if frappe_secret:
		ours[webhook_signing.FRAPPE_HEADER] = webhook_signing.sign_frappe(body, frappe_secret)
	taken = {name.lower() for name in ours}
	own: dict[str, tuple[str, str]] = {}
	for name, value in (extra or {}).items():
		if name and value and name.lower() not in taken:
			own.pop(name.lower(), None)
			own[name.lower()] = (name, value)
	return {**dict(own.values()), **ours}


def logged_headers(headers: Mapping[str, str]) -> dict[str, str]:
	"""The headers of an attempt as the delivery log keeps them: every name, and the value only
	of the headers the signature covers (``SIGNED_HEADERS``); every other value is redacted."""
	return {
		name: value if name.lower() in SIGNED_HEADERS else webhook_signing.REDACTED
		for name, value in headers.items()
	}


def excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str:
	"""The start of a response body, for the delivery log."""
	if not text:
		return ""
	return text if len(text) <= limit else text[:limit] + "…"
