"""What the API workspace's number cards and charts read beyond plain counts: the error rate
and the requests per hour by status class. The log is the System Manager's (its read
permission is checked); both read the last 24 hours through the ``creation`` index, named
outright: after a bulk of inserts MariaDB's statistics may lag and it would scan the table."""

from datetime import timedelta

import frappe
from frappe.utils import now_datetime

STATUS_CLASSES = (2, 3, 4, 5)


@frappe.whitelist()
def error_rate(filters: str | None = None) -> dict:
	"""Number card: the share of the last 24 hours' API calls answered with 400 or more."""
	frappe.has_permission("API Call Log", "read", throw=True)
	since = now_datetime() - timedelta(days=1)
	total, errors = frappe.db.sql(
		"""select count(*), coalesce(sum(status_code >= 400), 0)
		from `tabAPI Call Log` force index (creation_index) where creation >= %s""",
		(since,),
	)[0]
	return {"value": round(100 * float(errors) / total, 1) if total else 0, "fieldtype": "Percent"}


@frappe.whitelist()
def requests_per_hour(
	chart_name: str | None = None,
	chart: str | None = None,
	no_cache: str | None = None,
	filters: str | None = None,
	from_date: str | None = None,
	to_date: str | None = None,
	timespan: str | None = None,
	time_interval: str | None = None,
	heatmap_year: str | None = None,
) -> dict:
	"""Chart source: API calls of each of the last 24 hours, one line per status class."""
	frappe.has_permission("API Call Log", "read", throw=True)
	last = now_datetime().replace(minute=0, second=0, microsecond=0)
	hours = [last - timedelta(hours=back) for back in range(23, -1, -1)]
	rows = frappe.db.sql(
		"""select date_format(creation, '%%Y-%%m-%%d %%H') as hour, floor(status_code / 100) as class,
			count(*) as calls
		from `tabAPI Call Log` force index (creation_index) where creation >= %s group by hour, class""",
		(hours[0],),
		as_dict=True,
	)
	calls = {(row.hour, int(row["class"])): row.calls for row in rows}
	keys = [hour.strftime("%Y-%m-%d %H") for hour in hours]
	return {
		"labels": [hour.strftime("%H:00") for hour in hours],
		"datasets": [
			{"name": f"{status_class}xx", "values": [calls.get((key, status_class), 0) for key in keys]}
			for status_class in STATUS_CLASSES
		],
	}
