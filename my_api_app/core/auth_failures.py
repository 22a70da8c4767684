"""Counting failed authentications per client address, for the brute-force guard.

Every failed authentication of an address (a wrong password, an unknown or wrong API key, a
bad JWT, a Frappe key Frappe rejects) adds one to a counter in Redis that lives ``window``
seconds from the first failure. Once it reaches ``limit``, requests from that address that
carry a credential are refused with 429 and ``Retry-After`` (the counter's remaining life)
before the credential is looked at. Checking is one round trip (a script returning the count
and its time to live); so is recording a failure.
"""

from dataclasses import dataclass

from redis import Redis

DEFAULT_LIMIT = 20
DEFAULT_WINDOW = 600  # seconds

_RECORD = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('TTL', KEYS[1])}
"""
_STATE = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
return {count, redis.call('TTL', KEYS[1])}
"""


@dataclass(frozen=True)
class Standing:
	failures: int
	retry_after: int | None  # seconds until the address may try again; None while it may


class AuthFailureGuard:
	def __init__(
		self, client: Redis, prefix: str, *, limit: int = DEFAULT_LIMIT, window: int = DEFAULT_WINDOW
	):
		if limit < 1 or window < 1:
			raise ValueError("the failure limit and window must be at least 1")
		self._client = client
		self._prefix = prefix
		self.limit = limit
		self.window = window
		self._record = client.register_script(_RECORD)
		self._state = client.register_script(_STATE)

	def key(self, address: str | None) -> str:
		return f"{self._prefix}{address or 'unknown'}"

	def standing(self, address: str | None) -> Standing:
		"""Whether ``address`` may present a credential now (one round trip)."""
		count, ttl = self._state(keys=[self.key(address)])
		return self._standing(int(count), int(ttl))

	def record_failure(self, address: str | None) -> Standing:
		"""One more failure of ``address`` (one round trip); its standing after it."""
		count, ttl = self._record(keys=[self.key(address)], args=[self.window])
		return self._standing(int(count), int(ttl))

	def _standing(self, count: int, ttl: int) -> Standing:
		if count < self.limit:
			return Standing(count, None)
		return Standing(count, max(ttl, 1))
