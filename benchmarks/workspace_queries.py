"""What the API workspace's number cards and charts cost on a big request log: each one's query
time (median of 5) with ROWS records in API Call Log spread over the last 30 days (the default
retention), next to a plain count of the whole table in the same run.

The cards and charts are read the way Desk reads them: Frappe's number card and dashboard chart
functions (the dynamic filters Desk computes in the browser are computed here the same way),
and the app's own error rate and requests-per-hour. The planted records (request id
``wsbench-…``) are deleted at the end.

Run it with the bench's Python from the bench's sites folder, on a site with the app:

	cd ~/frappe-bench/sites && ../env/bin/python /path/to/benchmarks/workspace_queries.py SITE [ROWS]

ROWS defaults to 1,000,000 (about a minute to write).
"""

import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta

import frappe
from frappe.utils import now_datetime

PREFIX = "wsbench-"
BATCH = 5000


def plant(rows: int) -> None:
	from my_api_app.request_log.buffer import write_records

	now = time.time()
	keys = [f"mak_bench{n:016d}" for n in range(50)]
	for start in range(0, rows, BATCH):
		batch = []
		for n in range(start, min(start + BATCH, rows)):
			at = now - random.random() * 30 * 86400
			batch.append(
				{
					"id": f"{int(at * 1000):012x}{os.urandom(10).hex()}",
					"at": at,
					"http_method": "GET",
					"path": "/api/method/my_api_app.api.auth.whoami",
					"route": "method",
					"target": "my_api_app.api.auth.whoami",
					"user": "Administrator",
					"auth": "API Key",
					"api_key": random.choice(keys) if n % 3 else None,
					"token_id": None,
					"client_ip": "127.0.0.1",
					"status": random.choice((200, 200, 200, 200, 201, 304, 400, 404, 429, 500)),
					"duration_ms": random.random() * 50,
					"response_size": 120,
					"request_id": f"{PREFIX}{n}",
				}
			)
		write_records(batch)


def dynamic(filters: str | None) -> list:
	"""Desk's dynamic filters, computed as its JavaScript does."""
	computed = []
	for doctype, field, operator, expression in json.loads(filters or "[]"):
		days = {"-1)": -1, "-30)": -30, "14)": 14}.get(expression.rsplit(", ", 1)[-1], 0)
		computed.append([doctype, field, operator, now_datetime() + timedelta(days=days)])
	return computed


def timed(run) -> float:
	times = []
	for _ in range(5):
		start = time.perf_counter()
		run()
		times.append(time.perf_counter() - start)
	return statistics.median(times) * 1000


def desk_filters(doc) -> str:
	"""A card's or chart's filters with its dynamic ones, as Desk sends them."""
	return json.dumps(json.loads(doc.filters_json or "[]") + dynamic(doc.dynamic_filters_json), default=str)


def card_query(doc, get_result, dashboard):
	"""What Desk runs for a number card."""
	if doc.type == "Custom":
		return dashboard.error_rate
	filters = desk_filters(doc)

	def run():
		return get_result(doc.as_dict(), filters)

	return run


def chart_query(doc, chart_data, dashboard):
	"""What Desk runs for a dashboard chart (not Frappe's cached answer)."""
	if doc.chart_type == "Custom":
		return dashboard.requests_per_hour
	filters = desk_filters(doc)

	def run():
		return chart_data(chart_name=doc.name, filters=filters, refresh=1)

	return run


def main() -> None:
	from frappe.desk.doctype.dashboard_chart.dashboard_chart import get as chart_data
	from frappe.desk.doctype.number_card.number_card import get_result

	from my_api_app.request_log import dashboard

	site, rows = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
	frappe.init(site=site)
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		started = time.perf_counter()
		plant(rows)
		total = frappe.db.count("API Call Log")
		print(f"{site}: planted {rows} records in {time.perf_counter() - started:.0f} s; {total} in the log")
		baseline = timed(lambda: frappe.db.sql("select count(*) from `tabAPI Call Log`"))
		print(f"  {'baseline: count(*) of the whole log':48s} {baseline:8.1f} ms")
		modules = ["in", frappe.get_module_list("my_api_app")]
		for card in frappe.get_all("Number Card", {"module": modules}, pluck="name"):
			ms = timed(card_query(frappe.get_doc("Number Card", card), get_result, dashboard))
			print(f"  card  {card:42s} {ms:8.1f} ms  ({ms / baseline:.2f} x baseline)")
		for chart in frappe.get_all("Dashboard Chart", {"module": modules}, pluck="name"):
			ms = timed(chart_query(frappe.get_doc("Dashboard Chart", chart), chart_data, dashboard))
			print(f"  chart {chart:42s} {ms:8.1f} ms  ({ms / baseline:.2f} x baseline)")
	finally:
		frappe.db.rollback()
		frappe.db.sql("delete from `tabAPI Call Log` where request_id like %s", (f"{PREFIX}%",))
		frappe.db.commit()
		frappe.destroy()


if __name__ == "__main__":
	main()
