"""Replay protection in Redis: the event ids of a source seen recently.

A key ``my_api_app:inbound:<source>:<event id>`` (site-prefixed) is claimed with SET NX as
``pending`` for a short while when a verified delivery arrives, and becomes ``stored``, with
the scheme's replay window as expiry, once the event is committed. A delivery that finds
``stored`` is a duplicate without touching the database. One that finds ``pending`` (another
request is storing it, or one died before committing) goes on to the insert, where the unique
(source, event id) index decides; so does every delivery when Redis is down or has lost the
key. Redis is the fast path, the database is the guarantee.
"""

import frappe
from redis.exceptions import RedisError

PENDING = b"pending"
STORED = b"stored"
PENDING_SECONDS = 120


def redis_key(source: str, event_id: str) -> str:
	return frappe.cache.make_key(f"my_api_app:inbound:{source}:{event_id}")


def already_stored(source: str, event_id: str) -> bool:
	"""True when Redis remembers this event as stored; otherwise claims it as pending."""
	key = redis_key(source, event_id)
	try:
		if frappe.cache.set(key, PENDING, nx=True, ex=PENDING_SECONDS):
			return False
		return frappe.cache.get(key) == STORED
	except RedisError:
		frappe.logger("my_api_app").warning("inbound webhooks: Redis unavailable, deduplicating in MariaDB")
		return False


def remember(source: str, event_id: str, window: int) -> None:
	"""Mark the event stored for ``window`` seconds (call after the commit)."""
	try:
		frappe.cache.set(redis_key(source, event_id), STORED, ex=window)
	except RedisError:
		frappe.logger("my_api_app").warning("inbound webhooks: could not remember %s in Redis", event_id)
