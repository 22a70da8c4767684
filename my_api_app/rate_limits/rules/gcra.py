"""GCRA rate limiting, atomic in Redis with one round trip per check.

The generic cell rate algorithm keeps one number per key, the theoretical arrival time
(TAT). A limit of ``limit`` requests per ``period`` seconds emits one request every
``period / limit`` seconds; ``burst`` (default ``limit``) requests may arrive at once. The
whole decision runs in one Lua script, so concurrent checks from any number of processes
and machines sharing the Redis are exact. Time is Redis's own clock unless a test passes
``now``.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

# KEYS: one key per limit. ARGV: now (ms, or "" for Redis TIME), cost, record (1, or 0 to only
# look), then per limit its emission interval (ms) and burst. A request is admitted only if
# every limit admits it, and only then (when recording) is it counted against all of them.
# Returns per limit {allowed, remaining, retry_after_ms, reset_after_ms}, flattened.
GCRA_SCRIPT = """
local now = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local record = ARGV[3] == '1'
if not now then
	local t = redis.call('TIME')
	now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local n = #KEYS
local tats, new_tats, tolerances, intervals = {}, {}, {}, {}
local admitted = true
for i = 1, n do
	local interval = tonumber(ARGV[2 + 2 * i])
	local tolerance = interval * tonumber(ARGV[3 + 2 * i])
	local tat = tonumber(redis.call('GET', KEYS[i]) or now)
	if tat < now then tat = now end
	intervals[i], tolerances[i], tats[i] = interval, tolerance, tat
	new_tats[i] = tat + interval * cost
	if now < new_tats[i] - tolerance then admitted = false end
end
local out = {}
for i = 1, n do
	local interval, tolerance = intervals[i], tolerances[i]
	if admitted then
		if record then
			redis.call('SET', KEYS[i], new_tats[i], 'PX', math.max(1, math.ceil(new_tats[i] - now)))
		end
		out[#out + 1] = 1
		out[#out + 1] = math.floor((now - (new_tats[i] - tolerance)) / interval)
		out[#out + 1] = 0
		out[#out + 1] = new_tats[i] - now
	else
		local remaining = math.floor((now - (tats[i] - tolerance)) / interval)
		if remaining < 0 then remaining = 0 end
		local allow_at = new_tats[i] - tolerance
		out[#out + 1] = (now < allow_at) and 0 or 1
		out[#out + 1] = remaining
		out[#out + 1] = math.max(0, allow_at - now)
		out[#out + 1] = tats[i] - now
	end
end
return out
"""


# Whose requests share a counter: the API key (else the user, else the client address), the
# user (guests by address), the client address, or everyone together.
COUNTED_PER = ("principal", "user", "ip", "everyone")


@dataclass(frozen=True)
class Policy:
	"""``limit`` requests per ``period`` seconds, ``burst`` at once (default: the limit), counted
	per ``per`` caller; ``name`` names it in the RateLimit headers. Declared by a Desk rule, an
	endpoint, or the brute-force guard; keyed to one counter by ``for_caller``."""

	name: str
	limit: int
	period: int
	burst: int | None = None
	per: str = "principal"

	def __post_init__(self):
		if self.limit < 1 or self.period < 1 or (self.burst is not None and self.burst < 1):
			raise ValueError("limit, period and burst must be positive")
		if self.per not in COUNTED_PER:
			raise ValueError(f"per must be one of {', '.join(COUNTED_PER)}, got {self.per!r}")

	def for_caller(self, prefix: str, identity: str) -> "Limit":
		return Limit(f"{prefix}{self.name}:{identity}", self)


@dataclass(frozen=True)
class Limit:
	"""A policy on one counter: the Redis ``key`` its requests are counted under."""

	key: str
	policy: Policy


@dataclass(frozen=True)
class Decision:
	allowed: bool  # this limit alone would admit the request
	limit: int
	period: int
	remaining: int
	retry_after: float  # seconds until this limit would admit the request (0 when it does)
	reset_after: float  # seconds until the full burst is available again
	policy: str = "default"


class GcraLimiter:
	def __init__(self, redis_client):
		self._script = redis_client.register_script(GCRA_SCRIPT)

	def check_all(
		self, limits: Sequence[Limit], *, cost: int = 1, now: float | None = None, record: bool = True
	) -> list[Decision]:
		"""Every limit in one atomic round trip. The request is admitted when every decision
		allows it; then (and only then) it has been counted against each limit. With
		``record=False`` nothing is counted: the decisions say what a request would get now."""
		if cost < 1:
			raise ValueError("cost must be positive")
		if not limits:
			return []
		args = ["" if now is None else int(now * 1000), cost, 1 if record else 0]
		for limit in limits:
			policy = limit.policy
			args += [policy.period * 1000 / policy.limit, policy.burst or policy.limit]
		flat = self._script(keys=[limit.key for limit in limits], args=args)
		return [
			Decision(
				allowed=bool(flat[4 * i]),
				limit=limit.policy.limit,
				period=limit.policy.period,
				remaining=int(flat[4 * i + 1]),
				retry_after=max(0.0, float(flat[4 * i + 2]) / 1000),
				reset_after=max(0.0, float(flat[4 * i + 3]) / 1000),
				policy=limit.policy.name,
			)
			for i, limit in enumerate(limits)
		]

	def check(
		self,
		key: str,
		*,
		limit: int,
		period: int,
		burst: int | None = None,
		cost: int = 1,
		now: float | None = None,
	) -> Decision:
		return self.check_all([Limit(key, Policy("default", limit, period, burst))], cost=cost, now=now)[0]


def admitted(decisions: Sequence[Decision]) -> bool:
	return all(decision.allowed for decision in decisions)


def rate_limit_headers(decisions: Decision | Sequence[Decision]) -> dict[str, str]:
	"""IETF draft-ietf-httpapi-ratelimit-headers fields and the common X-RateLimit-* trio.

	``RateLimit-Policy`` lists every policy; ``RateLimit`` and ``X-RateLimit-*`` describe the
	closest one (fewest remaining, then longest reset). ``Retry-After`` when refused. Times are
	whole seconds, rounded up."""
	if isinstance(decisions, Decision):
		decisions = [decisions]
	closest = min(decisions, key=lambda d: (d.remaining, -d.reset_after))
	reset = math.ceil(closest.reset_after)
	headers = {
		"RateLimit-Policy": ", ".join(f'"{d.policy}";q={d.limit};w={d.period}' for d in decisions),
		"RateLimit": f'"{closest.policy}";r={closest.remaining};t={reset}',
		"X-RateLimit-Limit": str(closest.limit),
		"X-RateLimit-Remaining": str(closest.remaining),
		"X-RateLimit-Reset": str(reset),
	}
	if not admitted(decisions):
		headers["Retry-After"] = str(max(1, math.ceil(max(d.retry_after for d in decisions))))
	return headers
