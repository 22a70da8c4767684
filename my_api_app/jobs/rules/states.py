"""Background jobs without a database: statuses and their transitions, the size limit of a
result, when to poll again, Idempotency-Key rules, and the 202 answer of a started job.

The Frappe side (``my_api_app.jobs``) stores the record and talks to RQ; everything here is
plain Python.
"""

import hashlib
import json
import math
from dataclasses import dataclass

QUEUED = "queued"
STARTED = "started"
FINISHED = "finished"
FAILED = "failed"
CANCELED = "canceled"
STATUSES = (QUEUED, STARTED, FINISHED, FAILED, CANCELED)
FINAL_STATUSES = frozenset({FINISHED, FAILED, CANCELED})
UNFINISHED_STATUSES = (QUEUED, STARTED)

# From -> the statuses it may move to. A final status never changes again.
TRANSITIONS: dict[str, frozenset[str]] = {
	QUEUED: frozenset({STARTED, FAILED, CANCELED}),
	STARTED: frozenset({FINISHED, FAILED, CANCELED}),
	FINISHED: frozenset(),
	FAILED: frozenset(),
	CANCELED: frozenset(),
}

DEFAULT_MAX_RESULT_BYTES = 64 * 1024
MAX_ERROR_CHARS = 1000
MAX_PROGRESS_MESSAGE_CHARS = 500
IDEMPOTENCY_KEY_MAX_LENGTH = 255
DEFAULT_RETENTION_DAYS = 7


def can_move(current: str, new: str) -> bool:
	"""Whether a job in ``current`` may move to ``new``."""
	return new in TRANSITIONS[current]


def is_final(status: str) -> bool:
	return status in FINAL_STATUSES


class ResultTooLarge(ValueError):
	def __init__(self, size: int, limit: int):
		self.size = size
		self.limit = limit
		super().__init__(f"The job's result is {size} bytes of JSON; the limit is {limit} bytes.")


def encode_result(value, limit: int = DEFAULT_MAX_RESULT_BYTES) -> str:
	"""The result as compact JSON, or ``ResultTooLarge`` when it exceeds ``limit`` bytes (UTF-8).

	Values JSON cannot represent (sets, objects, NaN) are a ``TypeError`` / ``ValueError``:
	a job returns plain data.
	"""
	text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
	size = len(text.encode())
	if size > limit:
		raise ResultTooLarge(size, limit)
	return text


def error_message(error: BaseException) -> str:
	"""What the caller learns of a failure: the exception's class and message, one paragraph,
	never a traceback (that goes to the Error Log)."""
	text = " ".join(str(error).split())
	name = type(error).__name__
	message = f"{name}: {text}" if text else name
	return message if len(message) <= MAX_ERROR_CHARS else message[: MAX_ERROR_CHARS - 1] + "…"


def progress_values(percent: float, message: str | None) -> tuple[float, str]:
	"""Progress as stored: a percentage clamped to 0..100 (rounded to 2 places) and a message
	of at most 500 characters. A non-number or NaN is a ``ValueError``."""
	if isinstance(percent, bool) or not isinstance(percent, int | float) or math.isnan(percent):
		raise ValueError(f"progress percent must be a number, got {percent!r}")
	clamped = round(min(100.0, max(0.0, float(percent))), 2)
	text = " ".join(str(message or "").split())
	return clamped, text[:MAX_PROGRESS_MESSAGE_CHARS]


def retry_after(status: str, age_seconds: float) -> int | None:
	"""Seconds a poller should wait (the ``Retry-After`` value), or None once the job is final.

	Young jobs are polled every second; the interval grows with the job's age, up to 30 seconds.
	"""
	if is_final(status):
		return None
	if age_seconds < 10:
		return 1
	if age_seconds < 60:
		return 2
	if age_seconds < 600:
		return 5
	return 30


def valid_idempotency_key(value: str) -> bool:
	"""1 to 255 visible ASCII characters (no spaces or controls), as Stripe and the IETF
	draft allow: a UUID is the usual choice."""
	return 1 <= len(value) <= IDEMPOTENCY_KEY_MAX_LENGTH and all("!" <= c <= "~" for c in value)


def idempotency_digest(user: str, endpoint: str, key: str) -> str:
	"""The stored identity of a key: the same key from another caller or for another endpoint
	is a different job."""
	return hashlib.sha256("\x00".join((user, endpoint, key)).encode()).hexdigest()


def request_digest(arguments: dict) -> str:
	"""A fingerprint of the job's arguments; a retried key must come with the same ones."""
	canonical = json.dumps(arguments, sort_keys=True, separators=(",", ":"), default=str)
	return hashlib.sha256(canonical.encode()).hexdigest()


def retention_days(configured) -> int:
	"""The configured retention in days (at least 1), or the default of 7 when unset."""
	if configured in (None, ""):
		return DEFAULT_RETENTION_DAYS
	days = int(configured)
	if days < 1:
		raise ValueError(f"job retention must be at least 1 day, got {configured!r}")
	return days


@dataclass(frozen=True)
class JobAccepted:
	"""What an endpoint returns when it started a job: the toolkit answers 202 with
	``{"job_id", "status_url"}`` and ``Location: <status_url>``."""

	job_id: str
	status_url: str

	def as_dict(self) -> dict:
		return {"job_id": self.job_id, "status_url": self.status_url}
