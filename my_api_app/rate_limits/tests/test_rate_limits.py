"""Bench tests of rate limiting through Frappe's real request pipeline and Redis."""

import frappe
from frappe.installer import update_site_config

from my_api_app.api_keys.tests.test_api_keys import token_header
from my_api_app.rate_limits import desk_rules as rules
from my_api_app.rate_limits import enforcement
from my_api_app.testing import api_request
from my_api_app.tests.factories import ApiUsersTestCase, make_api_key

PING = "/api/method/my_api_app.tests.endpoints.ping"
IN_CODE = "/api/method/my_api_app.tests.endpoints.limited_in_code"
ALICE = "limits-alice@example.com"
BOB = "limits-bob@example.com"


class TestRateLimits(ApiUsersTestCase):
	USERS = {"alice": (ALICE, ()), "bob": (BOB, ())}

	def setUp(self):
		self.tearDown()
		frappe.cache.delete_keys(enforcement.KEY_PREFIX)

	def tearDown(self):
		frappe.db.delete("API Rate Limit", {"rule_name": ("like", "test-%")})
		frappe.db.commit()
		rules.forget()

	def rule(self, **fields) -> str:
		name = f"test-{frappe.generate_hash(length=8)}"
		frappe.get_doc(
			{"doctype": "API Rate Limit", "rule_name": name, "path_pattern": PING, "period": 3600, **fields}
		).insert()
		frappe.db.commit()
		return name

	def ping(self, n=1, **kwargs):
		return [api_request("GET", PING, **kwargs) for _ in range(n)]

	def test_limit_then_429_with_headers(self):
		name = self.rule(limit=3)
		responses = self.ping(4, remote_addr="10.0.0.1")
		self.assertEqual([r.status_code for r in responses], [200, 200, 200, 429])
		first, refused = responses[0], responses[-1]
		self.assertEqual(first.headers["RateLimit-Policy"], f'"{name}";q=3;w=3600')
		self.assertEqual(first.headers["RateLimit"], f'"{name}";r=2;t=1200')
		self.assertEqual(first.headers["X-RateLimit-Limit"], "3")
		self.assertEqual(first.headers["X-RateLimit-Remaining"], "2")
		self.assertEqual(first.headers["X-RateLimit-Reset"], "1200")
		self.assertEqual(refused.headers["Retry-After"], "1200")
		body = refused.get_json()
		self.assertEqual(body["error"]["type"], "rate_limited")
		self.assertEqual(body["error"]["request_id"], refused.headers["X-Request-Id"])
		self.assertIn(name, body["error"]["detail"])
		self.assertNotIn("Traceback", refused.get_data(as_text=True))

	def test_callers_are_counted_apart(self):
		self.rule(limit=2)
		self.assertEqual([r.status_code for r in self.ping(3, auth=self.alice)], [200, 200, 429])
		self.assertEqual([r.status_code for r in self.ping(2, auth=self.bob)], [200, 200])
		self.assertEqual([r.status_code for r in self.ping(2, remote_addr="10.0.0.2")], [200, 200])
		self.assertEqual(self.ping(remote_addr="10.0.0.3")[0].status_code, 200)

	def test_api_keys_are_counted_apart_from_their_user(self):
		self.rule(limit=1)
		key, secret = make_api_key(ALICE, label="limits")
		headers = token_header(key.name, secret)
		self.assertEqual([r.status_code for r in self.ping(2, headers=headers)], [200, 429])
		self.assertEqual(self.ping(auth=self.alice)[0].status_code, 200)

	def test_applies_to_and_site_default(self):
		self.rule(limit=1, applies_to="User", user=ALICE)
		self.rule(limit=5, is_default=1)  # only for requests no other rule matches
		self.assertEqual([r.status_code for r in self.ping(2, auth=self.alice)], [200, 429])
		statuses = [r.status_code for r in self.ping(6, auth=self.bob)]
		self.assertEqual(statuses, [200] * 5 + [429])

	def test_the_installed_site_default_is_disabled(self):
		rule = frappe.get_doc("API Rate Limit", "Site default")
		self.assertEqual((rule.enabled, rule.is_default, rule.path_pattern), (0, 1, "/api/*"))

	def test_a_rule_missing_its_limit_is_refused_by_name(self):
		doc = frappe.get_doc(
			{"doctype": "API Rate Limit", "rule_name": "test-no-limit", "path_pattern": PING}
		)
		with self.assertRaises(frappe.MandatoryError):  # not a TypeError (a 500)
			doc.insert()
		with self.assertRaises(frappe.ValidationError):
			self.rule(limit=0)

	def test_disabled_and_unmatched_rules_do_nothing(self):
		self.rule(limit=1, enabled=0)
		self.rule(limit=1, path_pattern="/api/method/other.*")
		responses = self.ping(3)
		self.assertEqual([r.status_code for r in responses], [200] * 3)
		self.assertNotIn("RateLimit", responses[0].headers)

	def test_endpoint_declared_limit(self):
		statuses = [api_request("GET", IN_CODE, remote_addr="10.7.0.1").status_code for _ in range(4)]
		self.assertEqual(statuses, [200, 200, 200, 429])
		self.assertEqual(api_request("GET", IN_CODE, remote_addr="10.7.0.2").status_code, 200)

	def test_forwarded_for_counts_only_behind_trusted_proxies(self):
		self.rule(limit=1, counted_per="IP address")
		spoofed = {"X-Forwarded-For": "198.51.100.1"}
		self.assertEqual(self.ping(headers=spoofed, remote_addr="10.9.0.1")[0].status_code, 200)
		# untrusted: the header is ignored, so the same address is refused despite a new XFF
		other = {"X-Forwarded-For": "198.51.100.2"}
		self.assertEqual(self.ping(headers=other, remote_addr="10.9.0.1")[0].status_code, 429)
		update_site_config("my_api_app_trusted_proxies", ["10.9.0.0/16"])
		try:
			self.assertEqual(
				self.ping(headers={"X-Forwarded-For": "198.51.100.3"}, remote_addr="10.9.0.1")[0].status_code,
				200,
			)
			self.assertEqual(
				self.ping(headers={"X-Forwarded-For": "198.51.100.3"}, remote_addr="10.9.0.2")[0].status_code,
				429,
			)
		finally:
			update_site_config("my_api_app_trusted_proxies", "None")

	def test_redis_down_fails_open_by_default_or_closed_when_configured(self):
		self.rule(limit=1)
		update_site_config("my_api_app_rate_limit_redis", "redis://127.0.0.1:9/0")  # nothing listens
		try:
			self.assertEqual([r.status_code for r in self.ping(3)], [200] * 3)
			update_site_config("my_api_app_rate_limit_fail_closed", 1)
			response = self.ping()[0]
			self.assertEqual(response.status_code, 503)
			self.assertEqual(response.get_json()["error"]["type"], "unavailable")
			self.assertEqual(response.headers["Retry-After"], "5")
		finally:
			update_site_config("my_api_app_rate_limit_redis", "None")
			update_site_config("my_api_app_rate_limit_fail_closed", "None")
