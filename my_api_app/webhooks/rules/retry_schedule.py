"""When to attempt a webhook delivery again, and whether a response calls for it.

The default schedule is Svix's: the first attempt at once, then retries 5 seconds, 5 minutes,
30 minutes, 2 hours, 5 hours, 10 hours and 10 hours after each failure, eight attempts over
about 28 hours. Delays get random jitter (+-10% by default) so that deliveries failed by one
outage do not all come back at the same instant. A receiver's ``Retry-After`` is honoured
when it asks for longer than the schedule would wait, up to a day.
"""

import email.utils
import random
import re
import time
from collections.abc import Callable, Sequence
from datetime import timezone
from typing import Literal

# The delay before each attempt, in seconds: index 0 is the first attempt.
DEFAULT_SCHEDULE: tuple[float, ...] = (0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
MAX_RETRY_AFTER = 24 * 3600

Outcome = Literal["delivered", "retry", "disable"]
DELIVERED: Outcome = "delivered"
RETRY: Outcome = "retry"
DISABLE: Outcome = "disable"

_SECONDS = re.compile(r"\d+")


def next_attempt_delay(
	attempt_number: int,
	*,
	schedule: Sequence[float] = DEFAULT_SCHEDULE,
	jitter: float = 0.1,
	rng: Callable[[], float] = random.random,
	retry_after: float | None = None,
) -> float | None:
	"""Seconds to wait before attempt ``attempt_number`` (1 is the first delivery, made at
	once), counted from the previous attempt's failure; None when the schedule is exhausted.

	The scheduled delay is scaled by a factor in ``[1 - jitter, 1 + jitter)`` drawn with
	``rng`` (uniform in [0, 1)). A larger ``retry_after`` replaces it, capped at a day."""
	if attempt_number < 1:
		raise ValueError("attempt numbers start at 1")
	if not 0 <= jitter < 1:
		raise ValueError("jitter is a fraction in [0, 1)")
	if attempt_number > len(schedule):
		return None
	delay = schedule[attempt_number - 1] * (1 + jitter * (2 * rng() - 1))
	if retry_after is not None and retry_after > delay:
		return max(delay, min(retry_after, MAX_RETRY_AFTER))
	return delay


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
	"""Seconds a ``Retry-After`` value asks to wait (delta-seconds or HTTP-date form), never
	negative; None when absent or unreadable."""
	if not value:
		return None
	value = value.strip()
	if _SECONDS.fullmatch(value):
		return float(value)
	try:
		moment = email.utils.parsedate_to_datetime(value)
	except (TypeError, ValueError, IndexError):
		return None
	if moment.tzinfo is None:  # "-0000": UTC by RFC 5322
		moment = moment.replace(tzinfo=timezone.utc)
	now = time.time() if now is None else now
	return max(0.0, moment.timestamp() - now)


def classify(status_code: int | None, error: str | None = None) -> Outcome:
	"""What an attempt's result means: a status code, or no status and the error that stopped it.

	2xx is delivered. 410 Gone disables the endpoint: its owner has said it is gone for good.
	Everything else is retried, as Svix does: 408, 429, 5xx, timeouts and connection errors
	are plainly transient, and so often enough are other 4xx (a receiver deployed with a bug,
	an expired certificate on a proxy, a 404 during a deploy); retrying them costs a few
	requests, while dropping them would lose events nobody can resend. Redirects are not
	followed (the new address has not been vetted) and are retried like any failure."""
	if status_code is None:
		if not error:
			raise ValueError("an attempt has a status code or an error")
		return RETRY
	if 200 <= status_code < 300:
		return DELIVERED
	if status_code == 410:
		return DISABLE
	return RETRY
