"""API Key records as authentication reads them: from Redis, never from the database twice.

A request authenticated by an API key reads the key's record from the site cache. The record
is invalidated once any change to the key commits (revoke, roll, edit, delete), so a
revocation takes effect on the very next request (``toolkit.committed_cache``). Unknown key
ids are cached as absent too, so guessing keys does not reach the database on every attempt.

Last use (time and address) is buffered in a Redis hash and written to the API Key rows by
the scheduler every minute, so a request never writes to the database to record it.
"""

from dataclasses import dataclass
from datetime import datetime

import frappe
from frappe.utils import get_datetime, now_datetime
from redis.exceptions import ResponseError

from my_api_app.core import client_ip
from my_api_app.toolkit import committed_cache

RECORD_CACHE = "my_api_app:api_key:"
RECORD_SECONDS = 24 * 3600  # idle keys leave the cache; changes invalidate at once
LAST_USED = "my_api_app:api_key_last_used"
LAST_USED_FLUSHING = "my_api_app:api_key_last_used:flushing"


@dataclass(frozen=True)
class KeyRecord:
	"""What authentication needs of an API Key, as cached."""

	name: str
	user: str
	secret_hash: str
	previous_secret_hash: str | None
	previous_secret_valid_until: datetime | None
	expires_at: datetime | None
	enabled: bool
	revoked: bool
	allowed_networks: tuple
	scopes: tuple[str, ...]

	def usable(self, now: datetime) -> bool:
		"""Enabled, not revoked and not expired."""
		return self.enabled and not self.revoked and (self.expires_at is None or now < self.expires_at)

	def previous_secret_usable(self, now: datetime) -> bool:
		return bool(
			self.previous_secret_hash
			and self.previous_secret_valid_until
			and now < self.previous_secret_valid_until
		)


def get(key_id: str) -> KeyRecord | None:
	"""The record of ``key_id``, or None for a key that does not exist."""
	record = committed_cache.get(RECORD_CACHE + key_id, lambda: _load(key_id), expires_in_sec=RECORD_SECONDS)
	return KeyRecord(**record) if record else None


def active(record: KeyRecord | None) -> bool:
	"""The key exists, is usable now, and its user is enabled."""
	return bool(
		record and record.usable(now_datetime()) and frappe.get_cached_value("User", record.user, "enabled")
	)


def forget(key_id: str) -> None:
	"""The key changed: readers reload it once the change commits."""
	committed_cache.invalidate_on_commit(RECORD_CACHE + key_id)


def _load(key_id: str) -> dict:
	"""The record as a plain dict ({} when there is no such key); plain data pickles safely
	across code versions."""
	rows = committed_cache.latest_rows(
		"""select name, user, secret_hash, previous_secret_hash, previous_secret_valid_until,
			expires_at, never_expires, enabled, revoked, allowed_ip_ranges
		from `tabAPI Key` where name = %s""",
		(key_id,),
	)
	if not rows:
		return {}
	row = rows[0]
	scopes = [
		scope.scope
		for scope in committed_cache.latest_rows(
			"select scope from `tabAPI Key Scope` where parent = %s and parenttype = 'API Key'", (key_id,)
		)
	]
	return {
		"name": row.name,
		"user": row.user,
		"secret_hash": row.secret_hash or "",
		"previous_secret_hash": row.previous_secret_hash or None,
		"previous_secret_valid_until": _datetime(row.previous_secret_valid_until),
		"expires_at": None if row.never_expires else _datetime(row.expires_at) or now_datetime(),
		"enabled": bool(row.enabled),
		"revoked": bool(row.revoked),
		"allowed_networks": client_ip.parse_networks(row.allowed_ip_ranges or ""),
		"scopes": tuple(sorted(scopes)),
	}


def _datetime(value) -> datetime | None:
	return get_datetime(value) if value else None


def record_use(key_id: str, address: str | None) -> None:
	"""Remember that ``key_id`` was used now from ``address`` (written out by ``flush_last_used``)."""
	frappe.cache.hset(LAST_USED, key_id, (now_datetime(), address))


def pending_use(key_id: str) -> tuple[datetime, str | None] | None:
	"""The use not yet written to the database, for showing it in Desk right away."""
	return frappe.cache.hget(LAST_USED, key_id)


def flush_last_used() -> None:
	"""Scheduler (every minute): write the buffered last uses to their API Keys.

	The hash is renamed before it is read, so uses recorded while this runs land in a fresh
	hash and are written next time instead of being lost.
	"""
	flushing = frappe.cache.make_key(LAST_USED_FLUSHING)
	if not frappe.cache.exists(LAST_USED_FLUSHING):  # else finish the flush that was cut short
		try:
			frappe.cache.rename(frappe.cache.make_key(LAST_USED), flushing)
		except ResponseError:  # nothing was used since the last flush
			return
		frappe.local.cache.pop(frappe.cache.make_key(LAST_USED), None)  # this process's copy
	uses = frappe.cache.hgetall(LAST_USED_FLUSHING)
	for key_id, (used_at, address) in uses.items():
		key_id = frappe.safe_decode(key_id)
		if frappe.db.exists("API Key", key_id):
			frappe.db.set_value(
				"API Key",
				key_id,
				{"last_used_at": used_at, "last_used_ip": address},
				update_modified=False,
			)
	frappe.db.commit()
	frappe.cache.delete_value(LAST_USED_FLUSHING)
