"""The API workspace's own figures: the error rate card and the requests-per-hour chart source."""

import time
from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from my_api_app.request_log import dashboard
from my_api_app.request_log.buffer import write_records
from my_api_app.request_log.rules.records import make_record
from my_api_app.shared.frappe_compat import IntegrationTestCase
from my_api_app.testing import api_request, make_api_user

PLAIN = "dashboard-plain@example.com"


class TestDashboard(IntegrationTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		self.before = (dashboard.error_rate(), dashboard.requests_per_hour())
		now = time.time()
		statuses = (200, 200, 404, 500, 302)
		write_records(  # commits: removed in tearDown
			[
				make_record(
					at=now - 60 * n,
					http_method="GET",
					path="/api/method/ping",
					user="Guest",
					auth="Guest",
					status=status,
					duration_ms=1.0,
					response_size=10,
					request_id=f"dashboard-test-{n}",
					client_ip=None,
				)
				for n, status in enumerate(statuses)
			]
		)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.delete("API Call Log", {"request_id": ("like", "dashboard-test-%")})
		frappe.db.commit()

	def test_requests_per_hour_counts_each_status_class(self):
		before, after = self.before[1], dashboard.requests_per_hour()
		self.assertEqual(len(after["labels"]), 24)
		self.assertEqual([dataset["name"] for dataset in after["datasets"]], ["2xx", "3xx", "4xx", "5xx"])
		added = [
			sum(a["values"]) - sum(b["values"])
			for a, b in zip(after["datasets"], before["datasets"], strict=True)
		]
		self.assertEqual(added, [2, 1, 1, 1])

	def test_the_error_rate_is_the_share_of_400_and_up(self):
		# the last 24 hours in the site's time zone, as creation is stored (not the database's
		# now(), which may be another zone's); frozen, so no row ages out between the queries
		now = now_datetime()
		with self.freeze_time(now):
			total, errors = frappe.db.sql(
				"""select count(*), sum(status_code >= 400) from `tabAPI Call Log`
				where creation >= %s""",
				(now - timedelta(days=1),),
			)[0]
			self.assertEqual(
				dashboard.error_rate(),
				{"value": round(100 * float(errors) / total, 1), "fieldtype": "Percent"},
			)

	def test_only_who_may_read_the_log_gets_them(self):
		plain = make_api_user(PLAIN)
		for method in ("error_rate", "requests_per_hour", "untrusted_proxy"):
			response = api_request(
				"POST", f"/api/method/my_api_app.request_log.dashboard.{method}", auth=plain
			)
			self.assertEqual(response.status_code, 403, response.get_data(as_text=True))
			self.assertNotIn("value", response.get_json().get("message") or {})
