"""Bench tests of what a key may become (issue 17): a key or token makes and changes only keys
within itself (scopes, expiry, IP ranges), users who are not System Managers make keys with a
capped lifetime, a user has a capped number of usable keys, every route that changes a key's
rows drops its cached record, a stored scope that does not parse grants nothing (never a 500),
rows stay with their key, and limiter and lockout state survive ``frappe.clear_cache()``."""

import frappe
from frappe.installer import update_site_config
from frappe.utils import add_to_date, get_datetime, now_datetime

from my_api_app.api_keys import store, tokens
from my_api_app.api_keys.tests.test_api_keys import OWNER, APIKeyTestCase, token_header
from my_api_app.testing import api_request

CREATE = "/api/method/my_api_app.api.keys.create_key"
ROLL = "/api/method/my_api_app.api.keys.roll_secret"
WHOAMI = "/api/method/my_api_app.api.auth.whoami"
ISSUE = "/api/method/my_api_app.api.auth.issue_token"


def site_time(answered: str):
	"""A datetime the API answered (RFC 3339, in the site's zone) as Frappe compares them: naive."""
	value = get_datetime(answered)
	assert value.tzinfo is not None, answered
	return value.replace(tzinfo=None)


def days(n: float) -> str:
	return str(add_to_date(now_datetime(), days=n))


class KeyLimitsTestCase(APIKeyTestCase):
	def setUp(self):
		super().setUp()
		self.saved_config = {
			name: frappe.get_site_config().get(name)
			for name in ("my_api_app_key_max_lifetime_days", "my_api_app_max_active_keys_per_user")
		}

	def tearDown(self):
		for name, value in self.saved_config.items():
			update_site_config(name, "None" if value is None else value)
		super().tearDown()

	def create(self, headers=None, auth=None, **fields):
		auth = auth or (None if headers else self.owner_frappe_key)
		response = api_request(
			"POST", CREATE, json={"label": "t", "scopes": ["*"], **fields}, headers=headers, auth=auth
		)
		frappe.db.commit()
		return response, response.get_json(silent=True) or {}

	def whoami_scopes(self, key: str, secret: str) -> list[str]:
		response, body = self.call(WHOAMI, token_header(key, secret))
		self.assertEqual(response.status_code, 200, body)
		return body["message"]["data"]["scopes"]


class TestGrantsOfACredential(KeyLimitsTestCase):
	def test_a_key_with_ip_ranges_makes_only_keys_within_them(self):
		key, secret, _ = self.create_key(allowed_ip_ranges=["10.0.0.0/8"])  # full scopes: still bound
		headers = token_header(key, secret)
		before = frappe.db.count("API Key")
		for ranges in ([], ["0.0.0.0/0"], ["10.0.0.0/7"], ["10.1.0.0/16", "192.168.0.0/16"], ["::/0"]):
			response = api_request(
				"POST",
				CREATE,
				json={"label": "wider", "scopes": ["*"], "allowed_ip_ranges": ranges},
				headers=headers,
				remote_addr="10.1.2.3",
			)
			with self.subTest(ranges=ranges):
				self.assertStructured(response, response.get_json(), 403, "forbidden")
		self.assertEqual(frappe.db.count("API Key"), before)
		response = api_request(
			"POST",
			CREATE,
			json={"label": "within", "scopes": ["*"], "allowed_ip_ranges": ["10.1.0.0/16"]},
			headers=headers,
			remote_addr="10.1.2.3",
		)
		self.assertEqual(response.status_code, 201, response.get_json())
		# nor can it lift its own ranges, by any route
		response = api_request(
			"PUT",
			f"/api/resource/API Key/{key}",
			json={"allowed_ip_ranges": ""},
			headers=headers,
			remote_addr="10.1.2.3",
		)
		self.assertEqual(response.status_code, 403, response.get_data(as_text=True))
		frappe.db.commit()
		self.assertEqual(frappe.db.get_value("API Key", key, "allowed_ip_ranges"), "10.0.0.0/8")

	def test_a_token_makes_only_keys_that_end_before_it_does(self):
		key, secret, _ = self.create_key()
		response = api_request("POST", ISSUE, json={"expires_in": 300}, headers=token_header(key, secret))
		self.assertEqual(response.status_code, 200, response.get_json())
		token_data = response.get_json()["message"]["data"]
		bearer = {"Authorization": f"Bearer {token_data['access_token']}"}
		token_end = tokens.from_timestamp(token_data["expires_at"])
		for fields in ({"expires_at": days(1)}, {"never_expires": True}):
			response, body = self.create(headers=bearer, **fields)
			with self.subTest(fields=fields):
				self.assertStructured(response, body, 403)
		# rolling hands out the key's 90-day secret: not from a 5-minute token
		response = api_request("POST", ROLL, json={"api_key": key}, headers=bearer)
		self.assertStructured(response, response.get_json(), 403)
		# without an expiry, the new key ends when the token does
		response, body = self.create(headers=bearer)
		self.assertEqual(response.status_code, 201, body)
		self.assertLessEqual(site_time(body["message"]["data"]["expires_at"]), token_end)

	def test_a_key_cannot_lengthen_its_own_life(self):
		key, secret, _ = self.create_key(expires_at=days(10))
		headers = token_header(key, secret)
		for fields in ({"expires_at": days(30)}, {"never_expires": 1}):
			response = api_request("PUT", f"/api/resource/API Key/{key}", json=fields, headers=headers)
			with self.subTest(fields=fields):
				self.assertEqual(response.status_code, 403, response.get_data(as_text=True))
		response = api_request(
			"PUT", f"/api/resource/API Key/{key}", json={"expires_at": days(5)}, headers=headers
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))

	def test_a_revocation_needs_no_grant(self):
		wide, _, _ = self.create_key()
		narrow, secret, _ = self.create_key(
			["method:my_api_app.api.keys.*", "doctype:API Key:write", "doctype:API Key:read"],
			expires_at=days(1),
		)
		response = api_request(
			"POST",
			"/api/method/my_api_app.api.keys.revoke_key",
			json={"api_key": wide, "reason": "narrow key revokes"},
			headers=token_header(narrow, secret),
		)
		self.assertEqual(response.status_code, 200, response.get_json())


class TestLifetimeCap(KeyLimitsTestCase):
	def test_users_who_are_not_system_managers_make_keys_within_the_cap(self):
		update_site_config("my_api_app_key_max_lifetime_days", 30)
		response, body = self.create(expires_at=days(31))
		self.assertStructured(response, body, 403)
		self.assertIn("30 days", body["error"]["detail"])
		response, body = self.create()  # the 90-day default is capped
		self.assertEqual(response.status_code, 201, body)
		expires = site_time(body["message"]["data"]["expires_at"])
		self.assertAlmostEqual((expires - now_datetime()).total_seconds() / 86400, 30, delta=0.01)
		key = body["message"]["data"]["name"]
		response = api_request(
			"PUT", f"/api/resource/API Key/{key}", json={"expires_at": days(60)}, auth=self.owner_frappe_key
		)
		self.assertEqual(response.status_code, 403, response.get_data(as_text=True))
		response, body = self.create(auth=self.manager_frappe_key, user=OWNER, expires_at=days(400))
		self.assertEqual(response.status_code, 201, body)


class TestActiveKeyCap(KeyLimitsTestCase):
	def test_a_user_has_at_most_the_cap_of_usable_keys(self):
		update_site_config("my_api_app_max_active_keys_per_user", 2)
		first, _, _ = self.create_key()
		second, _, _ = self.create_key()
		response, body = self.create()
		self.assertStructured(response, body, 409, "conflict")
		self.assertEqual(frappe.db.count("API Key", {"user": OWNER}), 2)
		# nor for a System Manager making keys for the user (the generic routes make no key)
		response, body = self.create(auth=self.manager_frappe_key, user=OWNER)
		self.assertStructured(response, body, 409, "conflict")
		# a disabled key frees its place, and taking it back needs one
		response = api_request(
			"PUT", f"/api/resource/API Key/{first}", json={"enabled": 0}, auth=self.owner_frappe_key
		)
		self.assertEqual(response.status_code, 200)
		self.create_key()  # the freed place is taken
		response = api_request(
			"PUT", f"/api/resource/API Key/{first}", json={"enabled": 1}, auth=self.owner_frappe_key
		)
		self.assertEqual(response.status_code, 409, response.get_data(as_text=True))
		# a revoked key frees its place; other users are counted on their own
		frappe.get_doc("API Key", second).revoke("make room")
		frappe.db.commit()
		self.assertEqual(self.create()[0].status_code, 201)
		self.assertEqual(self.create(auth=self.other_frappe_key)[0].status_code, 201)


class TestEveryRouteDropsTheCachedRecord(KeyLimitsTestCase):
	def test_changes_to_a_keys_rows_are_seen_on_the_next_request(self):
		key, secret, _ = self.create_key(["method:my_api_app.api.auth.*", "doctype:ToDo:read"])
		self.assertEqual(
			self.whoami_scopes(key, secret), ["doctype:ToDo:read", "method:my_api_app.api.auth.*"]
		)
		row = next(r.name for r in frappe.get_doc("API Key", key).scopes if r.scope == "doctype:ToDo:read")
		changes = [
			(
				"frappe.client.set_value",
				{
					"doctype": "API Key Scope",
					"name": row,
					"fieldname": {"scope_type": "DocType", "document_type": "Note", "access": "read"},
				},
				"doctype:Note:read",
			),
			(
				"frappe.client.insert",
				{
					"doc": {
						"doctype": "API Key Scope",
						"parent": key,
						"parenttype": "API Key",
						"parentfield": "scopes",
						"scope": "doctype:ToDo:write",
					}
				},
				"doctype:ToDo:write",
			),
		]
		for method, args, scope in changes:
			response = api_request("POST", f"/api/method/{method}", json=args, auth=self.owner_frappe_key)
			self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
			self.assertIn(scope, self.whoami_scopes(key, secret), method)
		frappe.db.commit()
		row = next(r.name for r in frappe.get_doc("API Key", key).scopes if r.scope == "doctype:ToDo:write")
		response = api_request(
			"POST",
			"/api/method/frappe.client.delete",
			json={"doctype": "API Key Scope", "name": row},
			auth=self.owner_frappe_key,
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		self.assertNotIn("doctype:ToDo:write", self.whoami_scopes(key, secret))
		response = api_request(
			"PUT",
			f"/api/resource/API Key/{key}",
			json={"scopes": [{"scope": "method:my_api_app.api.auth.*"}]},
			auth=self.owner_frappe_key,
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		self.assertEqual(self.whoami_scopes(key, secret), ["method:my_api_app.api.auth.*"])

	def test_a_row_of_another_key_saved_with_ones_own_stays_where_it_is(self):
		victim, victim_secret, _ = self.create_key(["method:my_api_app.api.auth.*", "doctype:ToDo:read"])
		mine, _, _ = self.create_key(["doctype:Note:read"], caller=self.other_frappe_key)
		victims_row = frappe.get_doc("API Key", victim).scopes[0]
		my_doc = frappe.get_doc("API Key", mine).as_dict(convert_dates_to_str=True)
		my_doc["scopes"].append({"name": victims_row.name, "scope": victims_row.scope})
		response = api_request(
			"POST",
			"/api/method/frappe.client.save",
			json={"doc": frappe.as_json(my_doc)},
			auth=self.other_frappe_key,
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		frappe.db.commit()
		self.assertEqual(frappe.db.get_value("API Key Scope", victims_row.name, "parent"), victim)
		self.assertEqual(len(frappe.get_doc("API Key", victim).scopes), 2)
		self.assertEqual(len(frappe.get_doc("API Key", mine).scopes), 2)
		self.assertIn(victims_row.scope, self.whoami_scopes(victim, victim_secret))


class TestBrokenStoredValues(KeyLimitsTestCase):
	def test_a_stored_scope_that_does_not_parse_grants_nothing_and_is_no_500(self):
		key, secret, _ = self.create_key(["method:my_api_app.api.auth.*", "doctype:ToDo:read"])
		frappe.db.sql(
			"update `tabAPI Key Scope` set scope = 'doctype:ToDo' where parent = %s and scope = 'doctype:ToDo:read'",
			key,
		)
		store.forget(key)  # raw SQL runs no hooks
		frappe.db.commit()
		self.assertEqual(self.whoami_scopes(key, secret), ["method:my_api_app.api.auth.*"])
		response, body = self.call("/api/resource/ToDo", token_header(key, secret))
		self.assertStructured(response, body, 403, "missing_scope")

	def test_stored_ip_ranges_that_do_not_parse_stop_the_key(self):
		key, secret, _ = self.create_key(allowed_ip_ranges=["10.0.0.0/8"])
		frappe.db.set_value("API Key", key, "allowed_ip_ranges", "not an address")
		store.forget(key)
		frappe.db.commit()
		response, body = self.call(WHOAMI, token_header(key, secret), remote_addr="10.1.1.1")
		self.assertStructured(response, body, 401, "unauthenticated")


class TestStateThatSurvivesClearCache(KeyLimitsTestCase):
	def test_limits_and_lockouts_survive_a_cache_clear_and_key_records_do_not(self):
		key, secret, _ = self.create_key()
		self.call(WHOAMI, token_header(key, secret))  # the record is cached
		cache = frappe.cache
		survivors = {
			"my_api_app:rl:t:ip:203.0.113.9": "app rate-limit bucket",
			"my_api_app:auth_failures:203.0.113.9": "app failed authentications",
			"rl:frappe.core.doctype.user.user.reset_password:203.0.113.9": "Frappe @rate_limit counter",
			"rate-limit-counter-1": "Frappe request-time budget",
		}
		for name in survivors:
			cache.set_value(name, 3, expires_in_sec=600)
		cache.hset("login_failed_count", OWNER, 3)
		cache.hset("login_failed_time", OWNER, now_datetime())
		try:
			self.assertTrue(cache.get_keys(store.RECORD_CACHE + key))
			frappe.clear_cache()
			for name, what in survivors.items():
				self.assertEqual(cache.get_value(name), 3, what)
			self.assertEqual(cache.hget("login_failed_count", OWNER), 3)
			self.assertTrue(cache.hget("login_failed_time", OWNER))
			self.assertFalse(cache.get_keys(store.RECORD_CACHE + key))  # reloaded on next use
			self.assertEqual(self.call(WHOAMI, token_header(key, secret))[0].status_code, 200)
		finally:
			cache.delete_value([*survivors, "login_failed_count", "login_failed_time"])
