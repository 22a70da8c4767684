"""What the API workspace's number cards and charts read beyond plain counts: the error rate
and the requests per hour by status class. The log is the System Manager's (its read
permission is checked); both read the last 24 hours through the ``creation`` index, named
outright: after a bulk of inserts MariaDB's statistics may lag and it would scan the table."""

from datetime import timedelta
from typing import Literal

import frappe
from frappe.utils import now_datetime
from typing_extensions import TypedDict

from my_api_app.shared import untrusted_proxy as proxy_warning
from my_api_app.toolkit.decorator import endpoint

STATUS_CLASSES = (2, 3, 4, 5)
Arg = str | int | None  # what Desk sends a card or chart source: text, a 0/1 flag, or nothing


class CardValue(TypedDict):
	value: float
	fieldtype: Literal["Percent"]


class CardCount(TypedDict):
	value: int
	fieldtype: Literal["Int"]


class ChartLine(TypedDict):
	name: str
	values: list[int]


class Chart(TypedDict):
	labels: list[str]
	datasets: list[ChartLine]


# Desk's number cards and chart sources read the value itself in ``message`` (envelope=False).
DESK = {"methods": ("GET", "POST"), "envelope": False, "include_in_schema": False}


@endpoint(**DESK)
def error_rate(filters: Arg = None) -> CardValue:
	"""Number card: the share of the last 24 hours' API calls answered with 400 or more."""
	frappe.has_permission("API Call Log", "read", throw=True)
	since = now_datetime() - timedelta(days=1)
	total, errors = frappe.db.sql(
		"""select count(*), coalesce(sum(status_code >= 400), 0)
		from `tabAPI Call Log` force index (creation_index) where creation >= %s""",
		(since,),
	)[0]
	return {"value": round(100 * float(errors) / total, 1) if total else 0, "fieldtype": "Percent"}


@endpoint(**DESK)
def untrusted_proxy(filters: Arg = None) -> CardCount:
	"""Number card: 1 while requests arrive through a proxy the site does not trust
	(``shared.untrusted_proxy``; the Error Log says how to set ``my_api_app_trusted_proxies``)."""
	frappe.has_permission("API Call Log", "read", throw=True)
	return {"value": int(proxy_warning.is_reported()), "fieldtype": "Int"}


@endpoint(**DESK)
def requests_per_hour(
	chart_name: Arg = None,
	chart: Arg = None,
	no_cache: Arg = None,
	refresh: Arg = None,
	filters: Arg = None,
	from_date: Arg = None,
	to_date: Arg = None,
	timespan: Arg = None,
	time_interval: Arg = None,
	heatmap_year: Arg = None,
) -> Chart:
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
