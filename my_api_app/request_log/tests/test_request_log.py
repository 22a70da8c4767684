"""Bench tests of the request log through Frappe's real request pipeline: one record per /api/
request of every kind with the right fields, none while off, no secret or body, the flush,
a Redis outage, retention through Log Settings, and the usage view."""

import base64
import json
import os
import random
import unittest
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import frappe
from frappe.core.doctype.log_settings.log_settings import run_log_clean_up
from frappe.deferred_insert import save_to_db
from frappe.utils import add_to_date, get_datetime, get_system_timezone, now_datetime
from frappe.utils.background_jobs import get_job

from my_api_app.request_log import buffer, settings, usage
from my_api_app.request_log.rules.records import make_record
from my_api_app.shared import frappe_compat
from my_api_app.shared.rules.dispatch import resolve
from my_api_app.testing import api_request
from my_api_app.tests.factories import ApiUsersTestCase, set_request_log, site_config

OWNER = "reqlog-owner@example.com"
OTHER = "reqlog-other@example.com"
PING = "/api/method/my_api_app.tests.endpoints.ping"
ECHO = "/api/method/my_api_app.tests.endpoints.echo"
FAIL = "/api/method/my_api_app.tests.endpoints.write_then_fail"
LIMITED = "/api/method/my_api_app.tests.endpoints.limited_in_code"
WHOAMI = "/api/method/my_api_app.api.auth.whoami"
USAGE = "/api/method/my_api_app.api.usage.key_usage"
BODY_MARKER = "body-marker-that-must-never-be-logged"


def records(prefix: str) -> list[dict]:
	"""The flushed records whose request id starts with ``prefix``, oldest first."""
	buffer.flush()
	return frappe.get_all(
		"API Call Log", filters={"request_id": ("like", f"{prefix}%")}, fields=["*"], order_by="creation asc"
	)


class RequestLogTestCase(ApiUsersTestCase):
	USERS = {"owner_frappe_key": (OWNER, ()), "other_frappe_key": (OTHER, ())}

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		settings.ensure_setting()
		frappe.db.commit()
		set_request_log(True)

	@classmethod
	def tearDownClass(cls):
		set_request_log(False)
		super().tearDownClass()

	def setUp(self):
		self.prefix = f"rl{uuid.uuid4().hex[:10]}"
		self.sent = 0

	def send(self, method, path, **kwargs):
		"""A request with this test's request id (prefix + a counter)."""
		self.sent += 1
		headers = {"X-Request-Id": f"{self.prefix}-{self.sent:03d}", **kwargs.pop("headers", {})}
		return api_request(method, path, headers=headers, **kwargs)

	def create_key(self) -> tuple[str, str]:
		response = api_request(
			"POST",
			"/api/method/my_api_app.api.keys.create_key",
			json={"label": "request log test", "scopes": ["*"]},
			auth=self.owner_frappe_key,
		)
		self.assertEqual(response.status_code, 201, response.get_data(as_text=True))
		frappe.db.commit()
		data = response.get_json()["message"]["data"]
		return data["name"], data["secret"]


class TestCapture(RequestLogTestCase):
	def test_every_kind_of_request_is_one_record_with_the_right_fields(self):
		# first: a password saved with "log out from all devices" stops the user's tokens
		password = self.owner_password()
		key, secret = self.create_key()
		token_response = api_request(
			"POST",
			"/api/method/my_api_app.api.auth.issue_token",
			json={"expires_in": 300},
			headers={"Authorization": f"token {key}:{secret}"},
		)
		self.assertEqual(token_response.status_code, 200, token_response.get_data(as_text=True))
		jwt = token_response.get_json()["message"]["data"]["access_token"]
		login = api_request("POST", "/api/method/login", json={"usr": OWNER, "pwd": password})
		self.assertEqual(login.status_code, 200)
		# the session id goes in the query: the test client sends only its own (empty) cookie jar
		sid = next(c for c in login.headers.getlist("Set-Cookie") if c.startswith("sid=")).split(";")[0][4:]
		frappe_key = self.owner_frappe_key
		address = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
		cases = [
			# (method, path, kwargs, status, user, auth, api_key, route, target)
			("GET", PING, {}, 200, "Guest", "Guest", None, "method", "my_api_app.tests.endpoints.ping"),
			("GET", USAGE, {"query": {"api_key": key}}, 401, "Guest", "Guest", None, "method", None),
			(
				"GET",
				ECHO,
				{"query": {"count": "x"}, "auth": frappe_key},
				400,
				OWNER,
				"Frappe Key",
				None,
				"method",
				None,
			),
			(
				"POST",
				FAIL,
				{"json": {"marker": BODY_MARKER, "failure": "crash"}, "auth": frappe_key},
				500,
				OWNER,
				"Frappe Key",
				None,
				"method",
				None,
			),
			(
				"GET",
				"/api/method/frappe.auth.get_logged_user",
				{"query": {"sid": sid}},
				200,
				OWNER,
				"Session",
				None,
				"method",
				"frappe.auth.get_logged_user",
			),
			("GET", WHOAMI, {"auth": frappe_key}, 200, OWNER, "Frappe Key", None, "method", None),
			(
				"GET",
				"/api/resource/ToDo",
				{"headers": {"Authorization": f"token {key}:{secret}"}},
				200,
				OWNER,
				"API Key",
				key,
				"resource",
				"ToDo",
			),
			(
				"GET",
				"/api/v2/method/my_api_app.api.auth.whoami",
				{"headers": {"Authorization": f"Bearer {jwt}"}},
				200,
				OWNER,
				"JWT",
				key,
				"method",
				"my_api_app.api.auth.whoami",
			),
			(
				"GET",
				WHOAMI,
				{"headers": {"Authorization": f"token {key}:mas_{'x' * 38}"}},
				401,
				"Guest",
				"API Key",
				None,  # a key that did not authenticate is not the caller's: no usage against it
				"method",
				None,
			),
			(
				"GET",
				"/api/resource/ToDo/does-not-exist",
				{"auth": frappe_key},
				404,
				OWNER,
				"Frappe Key",
				None,
				"resource",
				"ToDo",
			),
			# no v1 route takes PATCH on a collection: nothing runs, so the record names no target
			("PATCH", "/api/resource/ToDo", {}, 405, "Guest", "Guest", None, "other", None),
		]
		responses = [self.send(m, p, **dict(kw)) for m, p, kw, *_ in cases]
		for _ in range(3):  # the endpoint's own limit: 3 an hour per address; the 4th is refused
			self.send("GET", LIMITED, remote_addr=address)
		limited = self.send("GET", LIMITED, remote_addr=address)
		self.assertEqual(limited.status_code, 429)

		rows = records(self.prefix)
		self.assertEqual(len(rows), self.sent)
		by_id = {row.request_id: row for row in rows}
		for n, (case, response) in enumerate(zip(cases, responses, strict=True), start=1):
			method, path, _, status, user, auth, api_key, route, target = case
			row = by_id[f"{self.prefix}-{n:03d}"]
			with self.subTest(case=n, path=path, status=status):
				self.assertEqual(response.status_code, status, response.get_data(as_text=True)[:300])
				self.assertEqual(row.status_code, status)
				self.assertEqual((row.http_method, row.path, row.route), (method, path, route))
				self.assertEqual((row.user, row.auth, row.api_key), (user, auth, api_key))
				self.assertEqual(row.client_ip, "127.0.0.1")
				if target:
					self.assertEqual(row.target, target)
				self.assertGreater(row.duration_ms, 0)
				if method != "PATCH":  # werkzeug's own 405 response is not visible to the hooks
					self.assertEqual(row.response_size, len(response.get_data()))
				self.assertEqual(row.token_id, self.jti(jwt) if auth == "JWT" else None)
				self.assertLessEqual(
					abs((get_datetime(row.requested_at) - now_datetime()).total_seconds()), 120
				)
		self.assertEqual([r.status_code for r in rows[-4:]], [200, 200, 200, 429])
		self.assertEqual({r.client_ip for r in rows[-4:]}, {address})

		# No secret, token, password, cookie or body anywhere.
		dumped = json.dumps([dict(row) for row in rows], default=str)
		for forbidden in (secret, jwt, frappe_key[1], self.owner_password(), sid, BODY_MARKER):
			self.assertNotIn(forbidden, dumped)

	def test_switched_off_nothing_is_recorded(self):
		set_request_log(False)
		try:
			for _ in range(5):
				self.assertEqual(self.send("GET", PING).status_code, 200)
			self.send("GET", WHOAMI, auth=self.owner_frappe_key)
			self.assertEqual(records(self.prefix), [])
		finally:
			set_request_log(True)
		self.send("GET", PING)
		self.assertEqual(len(records(self.prefix)), 1)

	@unittest.skipIf(frappe_compat.FRAPPE_API_LOG_SWITCH is None, "Frappe 15 keeps no request log of its own")
	def test_a_request_is_logged_once_frappes_own_log_staying_off(self):
		"""Frappe 16 keeps a request log of its own (API Request Log), switched by a field of its own
		in System Settings: the app's switch is another field, so with the app's log on a request is
		one API Call Log record and nothing in Frappe's."""
		self.assertFalse(frappe.db.get_single_value("System Settings", frappe_compat.FRAPPE_API_LOG_SWITCH))
		path = f"/api/resource/ToDo/{self.prefix}"
		self.send("GET", path)
		self.assertEqual([row.path for row in records(self.prefix)], [path])
		save_to_db()  # Frappe's deferred inserts, its request log's among them
		self.assertFalse(frappe.db.exists("API Request Log", {"path": path}))

	def test_secret_shaped_parts_of_a_path_are_redacted(self):
		self.send("GET", f"/api/resource/ToDo/mas_{'s' * 38}")
		(row,) = records(self.prefix)
		self.assertEqual(row.path, "/api/resource/ToDo/mas_[redacted]")

	def test_a_redis_outage_never_fails_a_request_and_the_record_goes_to_the_log_file(self):
		with site_config(my_api_app_request_log_redis="redis://127.0.0.1:1/0"):
			response = self.send("GET", PING)
		self.assertEqual(response.status_code, 200)
		self.assertEqual(records(self.prefix), [])
		log_file = os.path.join(frappe.get_site_path("logs"), "my_api_app.request_log.log")
		with open(log_file) as f:
			self.assertIn(f'"request_id":"{self.prefix}-001"', f.read())

	def test_queued_records_survive_frappe_clear_cache(self):
		for _ in range(3):
			self.send("GET", PING)
		frappe.clear_cache()  # deletes every key of the site but persistent_cache_keys
		self.assertEqual(len(records(self.prefix)), 3)

	def test_a_burst_enqueues_a_flush_at_the_threshold(self):
		job_id = "my_api_app_request_log_flush"
		if job := get_job(job_id):
			job.delete()
		buffer.flush()
		with site_config(my_api_app_request_log_flush_threshold=3):
			for _ in range(3):
				self.send("GET", PING)
		job = get_job(job_id)
		self.assertIsNotNone(job, "the third record should have enqueued a flush")
		self.assertEqual(job.kwargs["method"], buffer.FLUSH_JOB)
		self.assertEqual(len(records(self.prefix)), 3)

	def owner_password(self) -> str:
		if not getattr(RequestLogTestCase, "_password", None):
			RequestLogTestCase._password = f"Pw-{uuid.uuid4().hex}"
			user = frappe.get_doc("User", OWNER)
			user.new_password = RequestLogTestCase._password
			user.save(ignore_permissions=True)
			frappe.db.commit()
		return RequestLogTestCase._password

	@staticmethod
	def jti(jwt: str) -> str:
		payload = jwt.split(".")[1]
		return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"]


class TestWriteRecords(RequestLogTestCase):
	def test_a_batch_is_written_field_for_field_once_however_often_it_is_written(self):
		zone = ZoneInfo(get_system_timezone())
		# Either side of the site's daylight saving change, where a fixed offset would be wrong.
		times = [datetime(2026, 1, 15, 9, 30, 0, 123456, zone), datetime(2026, 7, 15, 9, 30, 0, 654321, zone)]
		batch = [
			make_record(
				at=at.timestamp(),
				http_method="POST",
				path=f"/api/resource/Ünïcödé '\"\\ 名前/{self.prefix}-{i}",
				user=None,
				auth="Guest",
				status=500 + i,
				duration_ms=12.3456 + i,
				response_size=None,
				request_id=f"{self.prefix}-{i}",
				client_ip=None,
				call=resolve("POST", f"/api/resource/Ünïcödé '\"\\ 名前/{self.prefix}-{i}", {}),
			)
			for i, at in enumerate(times)
		]
		buffer.write_records(batch)
		buffer.write_records(batch)  # a batch written again after a flush that died: no duplicate
		rows = records(self.prefix)
		self.assertEqual([row.name for row in rows], [record["id"] for record in batch])
		for i, (row, at) in enumerate(zip(rows, times, strict=True)):
			expected = {
				"requested_at": at.replace(tzinfo=None),
				"creation": at.replace(tzinfo=None),
				"modified": at.replace(tzinfo=None),
				"owner": "Administrator",
				"http_method": "POST",
				# quotes percent-encoded (no Desk view takes them for markup); the rest as sent
				"path": f"/api/resource/Ünïcödé %27%22\\ 名前/{self.prefix}-{i}",
				"route": "resource",
				"target": "Ünïcödé %27%22\\ 名前",
				"user": "Guest",
				"auth": "Guest",
				"api_key": None,
				"token_id": None,
				"client_ip": None,
				"status_code": 500 + i,
				"duration_ms": round(12.3456 + i, 3),
				"response_size": 0,
				"request_id": f"{self.prefix}-{i}",
			}
			self.assertEqual({field: row[field] for field in expected}, expected)


class TestRetention(RequestLogTestCase):
	def test_log_settings_clears_records_older_than_its_days(self):
		now = now_datetime().timestamp()
		ages = {"old": 40, "middle": 10, "new": 0}
		buffer.write_records(
			[
				make_record(
					at=now - days * 86400,
					http_method="GET",
					path=f"/api/method/{self.prefix}.{name}",
					user="Guest",
					auth="Guest",
					status=200,
					duration_ms=1.0,
					response_size=1,
					request_id=f"{self.prefix}-{name}",
					client_ip="127.0.0.1",
				)
				for name, days in ages.items()
			]
		)
		self.assertIn("API Call Log", frappe.get_hooks("default_log_clearing_doctypes"))
		self.assertEqual(settings.retention_days(), 30)
		run_log_clean_up()  # what Frappe's daily scheduler runs
		self.assertEqual(
			sorted(r.request_id for r in records(self.prefix)),
			[f"{self.prefix}-middle", f"{self.prefix}-new"],
		)
		log_settings = frappe.get_doc("Log Settings")
		log_settings.register_doctype("API Call Log", 5)
		log_settings.save()
		try:
			run_log_clean_up()
			self.assertEqual([r.request_id for r in records(self.prefix)], [f"{self.prefix}-new"])
		finally:
			log_settings.reload()
			log_settings.register_doctype("API Call Log", settings.DEFAULT_RETENTION_DAYS)
			log_settings.save()
			frappe.db.commit()


class TestUsage(RequestLogTestCase):
	def test_key_usage_counts_and_percentiles_for_the_owner_only(self):
		key, secret = self.create_key()
		headers = {"Authorization": f"token {key}:{secret}"}
		for _ in range(4):
			self.assertEqual(self.send("GET", WHOAMI, headers=headers).status_code, 200)
		self.send("GET", ECHO, headers=headers, query={"count": "bad"})  # 400
		self.send("GET", "/api/resource/ToDo/nope", headers=headers)  # 404
		rows = records(self.prefix)
		self.assertEqual(len(rows), 6)
		durations = sorted(row.duration_ms for row in rows)

		response = api_request("GET", USAGE, query={"api_key": key}, auth=self.owner_frappe_key)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		data = response.get_json()["message"]["data"]
		for window in ("last_24_hours", "last_30_days"):
			got = data[window]
			self.assertEqual((got["requests"], got["errors"], got["server_errors"]), (6, 2, 0))
			self.assertTrue(durations[0] <= got["p50_ms"] <= got["p95_ms"] <= durations[-1] + 0.01)
		self.assertEqual(data["top_paths"][0], {"path": WHOAMI, "requests": 4, "errors": 0})
		per_day = data["per_day"]
		self.assertEqual(len(per_day["labels"]), 30)
		self.assertEqual(per_day["labels"][-1], now_datetime().date().isoformat())
		self.assertEqual((sum(per_day["requests"]), sum(per_day["errors"])), (6, 2))
		self.assertEqual((per_day["requests"][-1], per_day["errors"][-1]), (6, 2))
		self.assertEqual(data["last_request"]["address"], "127.0.0.1")
		self.assertEqual(data["last_request"]["path"], "/api/resource/ToDo/nope")
		self.assertEqual(data["retention_days"], 30)
		self.assertTrue(data["logging_enabled"])

		other = api_request("GET", USAGE, query={"api_key": key}, auth=self.other_frappe_key)
		self.assertIn(other.status_code, (403, 404))

		report_rows = usage.all_keys(add_to_date(now_datetime(), days=-1))
		mine = next(row for row in report_rows if row.api_key == key)
		self.assertEqual((mine.requests, mine.errors, mine.user), (6, 2, OWNER))
		self.assertEqual(mine.last_request_from, "127.0.0.1")
		self.assertEqual(mine.error_rate, round(100 * 2 / 6, 1))
