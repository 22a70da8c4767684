"""The brute-force guard's counts: failed authentications per (address, account) and per address.

Two buckets of the rate limiter's engine (``rate_limits.rules.gcra``, GCRA) count each failure: the
pair of the client address and the account it was against (a user name, an API key id), with a
low limit, and the address alone, with a much higher one. So failures from one address against
one account cannot lock that account out for anyone else, and a spray of failures against many
accounts from one address is still stopped. Checking is one round trip (the engine's dry run);
so is recording a failure.

What each bucket refuses is the guard's policy (``rate_limits.brute_force``); this module only
counts and answers.
"""

import hashlib
from dataclasses import dataclass

from my_api_app.rate_limits.rules.gcra import GcraLimiter, Limit, Policy

DEFAULT_LIMIT = 20  # failures per (address, account) per window
DEFAULT_ADDRESS_LIMIT = 200  # failures per address per window, whatever the account
DEFAULT_WINDOW = 600  # seconds


@dataclass(frozen=True)
class Standing:
	"""Whether another failure would still be within each bucket's limit, and when it would be
	again (seconds) if not."""

	account_retry_after: int | None
	address_retry_after: int | None

	@property
	def retry_after(self) -> int | None:
		"""When the more distant of the exhausted buckets admits again; None if neither is."""
		waits = [wait for wait in (self.account_retry_after, self.address_retry_after) if wait is not None]
		return max(waits) if waits else None


class AuthFailureGuard:
	def __init__(
		self,
		limiter: GcraLimiter,
		prefix: str,
		*,
		limit: int = DEFAULT_LIMIT,
		address_limit: int = DEFAULT_ADDRESS_LIMIT,
		window: int = DEFAULT_WINDOW,
	):
		if limit < 1 or address_limit < 1 or window < 1:
			raise ValueError("the failure limits and window must be at least 1")
		self._limiter = limiter
		self._prefix = prefix
		self.limit = limit
		self.address_limit = address_limit
		self.window = window

	def buckets(self, address: str | None, account: str) -> list[Limit]:
		"""The (address, account) bucket and the address bucket. The account is hashed: a key
		of the cache holds no user name or key id."""
		where = address or "unknown"
		digest = hashlib.sha256(account.encode()).hexdigest()[:32]
		return [
			Limit(f"{self._prefix}acct:{where}|{digest}", Policy("account", self.limit, self.window)),
			Limit(f"{self._prefix}addr:{where}", Policy("address", self.address_limit, self.window)),
		]

	def standing(self, address: str | None, account: str) -> Standing:
		"""Whether a failure now would be within both limits (one round trip, nothing counted)."""
		return _standing(self._limiter.check_all(self.buckets(address, account), record=False))

	def record_failure(self, address: str | None, account: str) -> Standing:
		"""One more failure (one round trip); the standing after it: a bucket that this
		failure filled, or that was already full, says when it admits again."""
		decisions = self._limiter.check_all(self.buckets(address, account))
		if all(decision.allowed for decision in decisions):
			decisions = [decision if decision.remaining > 0 else _full(decision) for decision in decisions]
		return _standing(decisions)


def _full(decision):
	"""A bucket this failure just filled: it admits again after one emission interval."""
	from dataclasses import replace

	return replace(
		decision, allowed=False, retry_after=max(decision.retry_after, decision.period / decision.limit)
	)


def _standing(decisions) -> Standing:
	account, address = decisions
	return Standing(_wait(account), _wait(address))


def _wait(decision) -> int | None:
	return None if decision.allowed else max(1, int(-(-decision.retry_after // 1)))
