"""Usage of API keys, read from API Call Log: per key (the API Key form) and for all keys (the
API Key Usage report). Durations are percentiles of the requests' ``duration_ms``
(MariaDB's PERCENTILE_CONT); errors are statuses of 400 and up. Records reach the log within
about a minute (the flush), and Log Settings decides how far back they go.
"""

from datetime import date, datetime, time, timedelta

import frappe
from frappe.utils import add_to_date, now_datetime

from my_api_app.request_log import buffer, settings

WINDOWS = {"last_24_hours": {"hours": -24}, "last_30_days": {"days": -30}}
TOP_PATHS = 10


def key_usage(api_key: str) -> dict:
	"""Requests, errors and p50/p95 duration of one key over the last 24 hours and 30 days, its
	most used paths (30 days), its requests and errors per day (30 days) and its last request
	(when, from where, what it got)."""
	now = now_datetime()
	since_30_days = add_to_date(now, **WINDOWS["last_30_days"])
	usage = {name: _window(api_key, add_to_date(now, **delta)) for name, delta in WINDOWS.items()}
	usage["top_paths"] = frappe.db.sql(
		"""select path, count(*) as requests, coalesce(sum(status_code >= 400), 0) as errors
		from `tabAPI Call Log` where api_key = %s and creation >= %s
		group by path order by requests desc, path limit %s""",
		(api_key, since_30_days, TOP_PATHS),
		as_dict=True,
	)
	last = frappe.db.sql(
		"""select creation as at, client_ip as address, path, status_code
		from `tabAPI Call Log` where api_key = %s order by creation desc limit 1""",
		(api_key,),
		as_dict=True,
	)
	usage["last_request"] = last[0] if last else None
	usage["per_day"] = _per_day(api_key, now.date())
	usage["retention_days"] = settings.retention_days()
	usage["logging_enabled"] = settings.enabled()
	usage["records_waiting"] = buffer.site_buffer().pending()
	return usage


def _per_day(api_key: str, today: date, days: int = 30) -> dict:
	"""Requests and errors of each of the last ``days`` days (today included), for a chart."""
	first = today - timedelta(days=days - 1)
	rows = frappe.db.sql(
		"""select date(creation) as day, count(*) as requests, coalesce(sum(status_code >= 400), 0) as errors
		from `tabAPI Call Log` where api_key = %s and creation >= %s group by day""",
		(api_key, datetime.combine(first, time.min)),
		as_dict=True,
	)
	by_day = {row.day: row for row in rows}
	dates = [first + timedelta(days=n) for n in range(days)]
	return {
		"labels": [day.isoformat() for day in dates],
		"requests": [int(by_day[day].requests) if day in by_day else 0 for day in dates],
		"errors": [int(by_day[day].errors) if day in by_day else 0 for day in dates],
	}


def _window(api_key: str, since: datetime) -> dict:
	counts = frappe.db.sql(
		"""select count(*) as requests, coalesce(sum(status_code >= 400), 0) as errors,
			coalesce(sum(status_code >= 500), 0) as server_errors
		from `tabAPI Call Log` where api_key = %s and creation >= %s""",
		(api_key, since),
		as_dict=True,
	)[0]
	durations = frappe.db.sql(
		"""select distinct
			percentile_cont(0.5) within group (order by duration_ms) over () as p50,
			percentile_cont(0.95) within group (order by duration_ms) over () as p95
		from `tabAPI Call Log` where api_key = %s and creation >= %s""",
		(api_key, since),
		as_dict=True,
	)
	return {
		"requests": int(counts.requests),
		"errors": int(counts.errors),
		"server_errors": int(counts.server_errors),
		"p50_ms": _ms(durations[0].p50) if durations else None,
		"p95_ms": _ms(durations[0].p95) if durations else None,
	}


def all_keys(since: datetime) -> list[dict]:
	"""Every API Key with its requests since ``since``, most used first."""
	keys = frappe.db.sql(
		"""select k.name as api_key, k.label, k.user, k.enabled, k.revoked,
			count(l.name) as requests, coalesce(sum(l.status_code >= 400), 0) as errors,
			coalesce(sum(l.status_code >= 500), 0) as server_errors, max(l.creation) as last_request_at
		from `tabAPI Key` k left join `tabAPI Call Log` l on l.api_key = k.name and l.creation >= %s
		group by k.name, k.label, k.user, k.enabled, k.revoked
		order by requests desc, k.name""",
		(since,),
		as_dict=True,
	)
	durations = {
		row.api_key: row
		for row in frappe.db.sql(
			"""select distinct api_key,
				percentile_cont(0.5) within group (order by duration_ms) over (partition by api_key) as p50,
				percentile_cont(0.95) within group (order by duration_ms) over (partition by api_key) as p95
			from `tabAPI Call Log` where api_key is not null and creation >= %s""",
			(since,),
			as_dict=True,
		)
	}
	last_addresses = {
		row.api_key: row.client_ip
		for row in frappe.db.sql(
			"""select l.api_key, l.client_ip from `tabAPI Call Log` l
			join (select api_key, max(creation) as creation from `tabAPI Call Log`
				where api_key is not null and creation >= %s group by api_key) latest
				on latest.api_key = l.api_key and latest.creation = l.creation""",
			(since,),
			as_dict=True,
		)
	}
	for key in keys:
		key.requests, key.errors, key.server_errors = (
			int(key.requests),
			int(key.errors),
			int(key.server_errors),
		)
		key.error_rate = round(100.0 * key.errors / key.requests, 1) if key.requests else 0.0
		key.p50_ms = _ms(durations[key.api_key].p50) if key.api_key in durations else None
		key.p95_ms = _ms(durations[key.api_key].p95) if key.api_key in durations else None
		key.last_request_from = last_addresses.get(key.api_key)
	return keys


def _ms(value) -> float | None:
	return None if value is None else round(float(value), 2)
