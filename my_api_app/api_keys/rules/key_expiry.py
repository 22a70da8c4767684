"""Which expiry notice an API key is due: 14 and 3 days before it expires, once each."""

from collections.abc import Collection
from datetime import datetime, timedelta

NOTICE_DAYS = (14, 3)


def notice_due(expires_at: datetime, now: datetime, sent: Collection[int]) -> int | None:
	"""The notice (days before expiry) to send now, or None. A key found inside several windows
	at once (made with 2 days left, or the scheduler was off) gets only the nearest one; a notice
	already ``sent`` for this expiry is not sent again; an expired key gets none."""
	if expires_at <= now:
		return None
	left = expires_at - now
	within = [days for days in NOTICE_DAYS if left <= timedelta(days=days)]
	if not within or min(within) in sent:
		return None
	return min(within)
