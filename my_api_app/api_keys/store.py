"""API Key records as authentication reads them: from Redis, never from the database twice.

A request authenticated by an API key reads the key's record from the site cache. The record
is invalidated once any change to the key commits (revoke, roll, edit, delete), so a
revocation takes effect on the very next request (``shared.committed_cache``). Unknown key
ids are cached as absent too, so guessing keys does not reach the database on every attempt.

The secret hashes are encrypted in ``__Auth`` (Password fields). The cached record holds their
ciphertexts, and authentication decrypts the one it compares, per request (``secret_hash``), as
the inbound receiver does with source secrets: no plaintext hash is in Redis, in a process's
copy, or in the frames of a failed load that Frappe's Error Log prints.

Last use (time and address) is buffered in a Redis hash and written to the API Key rows by
the scheduler every minute, so a request never writes to the database to record it.
"""

from dataclasses import dataclass, field
from datetime import datetime

import frappe
from frappe.utils import get_datetime, now_datetime
from frappe.utils.password import decrypt, encrypt, get_decrypted_password
from redis.exceptions import ResponseError

from my_api_app.shared import committed_cache
from my_api_app.shared.rules import api_key_format, client_ip
from my_api_app.shared.rules.scopes import ScopeError, parse_scope

# The record's shape is in the name: processes of an older release (during an upgrade) never
# read a record with fields they do not know, nor this release one without those it needs.
RECORD_CACHE = "my_api_app:api_key_record:v2:"  # v2: tokens_valid_after
RECORD_SECONDS = 24 * 3600  # idle keys leave the cache; changes invalidate at once
LAST_USED = "my_api_app:api_key_last_used"
LAST_USED_FLUSHING = "my_api_app:api_key_last_used:flushing"


@dataclass(frozen=True)
class KeyRecord:
	"""What authentication needs of an API Key, as cached: the hashes as their ``__Auth``
	ciphertexts, kept out of its ``repr`` too (what Frappe's Error Log prints of a frame)."""

	name: str
	user: str
	encrypted_secret_hash: str = field(repr=False)
	encrypted_previous_secret_hash: str | None = field(repr=False)
	previous_secret_valid_until: datetime | None
	expires_at: datetime | None
	enabled: bool
	revoked: bool
	allowed_networks: tuple
	scopes: tuple[str, ...]
	tokens_valid_after: datetime | None = None  # tokens issued before it no longer work

	def usable(self, now: datetime) -> bool:
		"""Enabled, not revoked and not expired."""
		return self.enabled and not self.revoked and (self.expires_at is None or now < self.expires_at)

	def previous_secret_usable(self, now: datetime) -> bool:
		return bool(
			self.encrypted_previous_secret_hash
			and self.previous_secret_valid_until
			and now < self.previous_secret_valid_until
		)


def get(key_id: str) -> KeyRecord | None:
	"""The record of ``key_id``, or None for a key that does not exist."""
	record = committed_cache.get(RECORD_CACHE + key_id, lambda: _load(key_id), expires_in_sec=RECORD_SECONDS)
	return KeyRecord(**record) if record else None


def secret_hash(record: KeyRecord | None) -> str:
	"""The hash to compare a presented secret with, decrypted for that comparison only: the key's
	current one; for no key (or no stored hash) a dummy's, decrypted the same way, so that an
	unknown key costs what a wrong secret does and matches nothing."""
	return decrypt(record.encrypted_secret_hash if record and record.encrypted_secret_hash else _dummy())


def previous_secret_hash(record: KeyRecord) -> str:
	"""The previous secret's hash, decrypted for one comparison (``previous_secret_usable`` first)."""
	return decrypt(record.encrypted_previous_secret_hash)


_dummies: dict[str, str] = {}  # per process, by site: the dummy hash's ciphertext


def _dummy() -> str:
	site = frappe.local.site
	if site not in _dummies:
		_dummies[site] = encrypt(api_key_format.DUMMY_HASH)
	return _dummies[site]


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
	across code versions. The hashes stay encrypted (``secret_hash`` decrypts one)."""
	rows = committed_cache.latest_rows(
		"""select k.name, k.user, k.previous_secret_valid_until, k.expires_at, k.never_expires,
			k.enabled, k.revoked, k.allowed_ip_ranges, k.tokens_valid_after,
			current.password as secret_hash, previous.password as previous_secret_hash
		from `tabAPI Key` k
		left join `__Auth` current on current.doctype = 'API Key' and current.name = k.name
			and current.fieldname = 'secret_hash' and current.encrypted = 1
		left join `__Auth` previous on previous.doctype = 'API Key' and previous.name = k.name
			and previous.fieldname = 'previous_secret_hash' and previous.encrypted = 1
		where k.name = %s""",
		(key_id,),
	)
	if not rows:
		return {}
	row = rows[0]
	stored = committed_cache.latest_rows(
		"select scope from `tabAPI Key Scope` where parent = %s and parenttype = 'API Key'", (key_id,)
	)
	scopes = _granting_scopes(key_id, [scope.scope for scope in stored])
	try:
		networks = client_ip.parse_networks(row.allowed_ip_ranges or "")
	except ValueError as error:  # stored behind the app's back: the key works from nowhere
		frappe.logger("my_api_app").warning("API Key %s: stored IP ranges do not parse: %s", key_id, error)
		networks, row.enabled = (), False
	return {
		"name": row.name,
		"user": row.user,
		"encrypted_secret_hash": row.secret_hash or "",
		"encrypted_previous_secret_hash": row.previous_secret_hash or None,
		"previous_secret_valid_until": _datetime(row.previous_secret_valid_until),
		"expires_at": None if row.never_expires else _datetime(row.expires_at) or now_datetime(),
		"enabled": bool(row.enabled),
		"revoked": bool(row.revoked),
		"allowed_networks": networks,
		"scopes": tuple(sorted(scopes)),
		"tokens_valid_after": _datetime(row.tokens_valid_after),
	}


def stored_hash(key_id: str, fieldname: str) -> str | None:
	"""A key's ``secret_hash`` or ``previous_secret_hash`` as stored (decrypted from ``__Auth``):
	for authentication and rolling only; ``APIKey.get_password`` refuses every caller."""
	return get_decrypted_password("API Key", key_id, fieldname, raise_exception=False)


def _granting_scopes(key_id: str, stored: list[str | None]) -> list[str]:
	"""The stored scopes that parse, canonical. Saving a key refuses a scope that does not parse,
	but one can still be stored behind the app's back (raw SQL, a grammar that changed): it
	grants nothing, and the key's other scopes keep working (never a 500 on every request)."""
	scopes = []
	for text in stored:
		try:
			scopes.append(str(parse_scope(text or "")))
		except ScopeError as error:
			frappe.logger("my_api_app").warning("API Key %s: stored scope grants nothing: %s", key_id, error)
	return scopes


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
