"""GCRA rate limiting, atomic in Redis with one round trip per check.

The generic cell rate algorithm keeps one number per key, the theoretical arrival time
(TAT). A limit of ``limit`` requests per ``period`` seconds emits one request every
``period / limit`` seconds; ``burst`` (default ``limit``) requests may arrive at once. The
whole decision runs in one Lua script, so concurrent checks from any number of processes
and machines sharing the Redis are exact. Time is Redis's own clock unless a test passes
``now``.
"""

import math
from dataclasses import dataclass

# KEYS[1]: the limit's key. ARGV: emission interval (ms), burst, cost, now (ms, or "" for
# Redis TIME). Returns {allowed, remaining, retry_after_ms, reset_after_ms}.
GCRA_SCRIPT = """
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if not now then
	local t = redis.call('TIME')
	now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local tolerance = interval * burst
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval * cost
local allow_at = new_tat - tolerance
if now < allow_at then
	local remaining = math.floor((now - (tat - tolerance)) / interval)
	if remaining < 0 then remaining = 0 end
	return {0, remaining, allow_at - now, tat - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.max(1, math.ceil(new_tat - now)))
return {1, math.floor((now - allow_at) / interval), 0, new_tat - now}
"""


@dataclass(frozen=True)
class Decision:
	allowed: bool
	limit: int
	period: int
	remaining: int
	retry_after: float  # seconds until this request would be admitted (0 when admitted)
	reset_after: float  # seconds until the full burst is available again


class GcraLimiter:
	def __init__(self, redis_client):
		self._script = redis_client.register_script(GCRA_SCRIPT)

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
		if limit < 1 or period < 1 or cost < 1 or (burst is not None and burst < 1):
			raise ValueError("limit, period, burst and cost must be positive")
		interval_ms = period * 1000 / limit
		allowed, remaining, retry_ms, reset_ms = self._script(
			keys=[key],
			args=[interval_ms, burst or limit, cost, "" if now is None else int(now * 1000)],
		)
		return Decision(
			allowed=bool(allowed),
			limit=limit,
			period=period,
			remaining=int(remaining),
			retry_after=max(0.0, float(retry_ms) / 1000),
			reset_after=max(0.0, float(reset_ms) / 1000),
		)


def rate_limit_headers(decision: Decision, policy: str = "default") -> dict[str, str]:
	"""IETF draft-ietf-httpapi-ratelimit-headers fields and the common X-RateLimit-* trio;
	``Retry-After`` when the request is refused. Times are whole seconds, rounded up."""
	reset = math.ceil(decision.reset_after)
	headers = {
		"RateLimit-Policy": f'"{policy}";q={decision.limit};w={decision.period}',
		"RateLimit": f'"{policy}";r={decision.remaining};t={reset}',
		"X-RateLimit-Limit": str(decision.limit),
		"X-RateLimit-Remaining": str(decision.remaining),
		"X-RateLimit-Reset": str(reset),
	}
	if not decision.allowed:
		headers["Retry-After"] = str(max(1, math.ceil(decision.retry_after)))
	return headers
