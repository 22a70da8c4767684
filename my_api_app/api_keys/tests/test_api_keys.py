"""Bench tests of API keys: every authentication path and scope decision, through Frappe's
real request pipeline (hooks, auth, permissions, commit)."""

import base64
import threading
import time

import frappe
from frappe.utils import add_to_date, now_datetime

from my_api_app.api_keys import store
from my_api_app.shared.rules import api_key_format
from my_api_app.testing import api_request
from my_api_app.tests.factories import ApiUsersTestCase

OWNER, OTHER, MANAGER = (f"keys-{who}@example.com" for who in ("owner", "other", "manager"))
WHOAMI = "/api/method/my_api_app.api.auth.whoami"
HELLO = "/api/method/my_api_app.examples.public.hello"
ALL_DOCTYPE = ("doctype:ToDo:read", "doctype:ToDo:create", "doctype:ToDo:write")


def token_header(key: str, secret: str) -> dict:
	return {"Authorization": f"token {key}:{secret}"}


def basic_header(key: str, secret: str) -> dict:
	return {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}


def bearer_header(token: str) -> dict:
	return {"Authorization": f"Bearer {token}"}


class APIKeyTestCase(ApiUsersTestCase):
	USERS = {
		"owner_frappe_key": (OWNER, ()),
		"other_frappe_key": (OTHER, ()),
		"manager_frappe_key": (MANAGER, ("System Manager",)),
	}

	def setUp(self):
		# the guard's counts are the suite's own: a test starts with none (they are cleared
		# again after it), whatever the site's limits are
		frappe.cache.delete_keys("my_api_app:auth_failures:")
		frappe.db.delete("API Key", {"user": ("in", [OWNER, OTHER, MANAGER])})
		frappe.db.delete("API Key Scope", {"parent": ("not in", frappe.get_all("API Key", pluck="name"))})
		frappe.db.set_value("User", OWNER, {"enabled": 1, "restrict_ip": None})
		frappe.db.commit()

	def tearDown(self):
		frappe.cache.delete_keys("my_api_app:auth_failures:")
		super().tearDown()

	def create_key(self, scopes=("*",), caller=None, **fields) -> tuple[str, str, dict]:
		"""A key for the caller (default: OWNER's Frappe key), created over HTTP."""
		response = api_request(
			"POST",
			"/api/method/my_api_app.api.keys.create_key",
			json={"label": "test", "scopes": list(scopes), **fields},
			auth=caller or self.owner_frappe_key,
		)
		self.assertEqual(response.status_code, 201, response.get_data(as_text=True))
		data = response.get_json()["message"]["data"]
		frappe.db.commit()  # a new snapshot: this thread sees what the request committed
		return data["name"], data["secret"], data

	def assertCreateRefused(self, status: int, caller=None, **fields) -> dict:
		"""``create_key`` with ``fields`` (scopes ``*`` unless given) is refused with ``status``."""
		response = api_request(
			"POST",
			"/api/method/my_api_app.api.keys.create_key",
			json={"scopes": ["*"], **fields},
			auth=caller or self.owner_frappe_key,
		)
		body = response.get_json()
		self.assertStructured(response, body, status)
		return body

	def issue_token(self, key: str, secret: str) -> str:
		"""An access token for the key, issued over HTTP."""
		response = api_request(
			"POST", "/api/method/my_api_app.api.auth.issue_token", headers=token_header(key, secret)
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		return response.get_json()["message"]["data"]["access_token"]

	def call(self, path, headers, method="GET", **kwargs):
		response = api_request(method, path, headers=headers, **kwargs)
		return response, response.get_json(silent=True) or {}

	def assertStructured(self, response, body, status, type_=None):
		self.assertEqual(response.status_code, status, body)
		self.assertEqual(body["error"]["status"], status)
		if type_:
			self.assertEqual(body["error"]["type"], type_)
		self.assertNotIn("Traceback", response.get_data(as_text=True))


class TestKeyLifecycle(APIKeyTestCase):
	def test_secret_is_shown_once_and_stored_only_as_a_hash(self):
		key, secret, data = self.create_key()
		self.assertTrue(api_key_format.is_key_id(key))
		self.assertTrue(api_key_format.is_well_formed_secret(secret))
		self.assertEqual(data["authorization"], f"token {key}:{secret}")
		# the hash, encrypted in __Auth; its column holds asterisks (nothing to filter or sort on)
		self.assertEqual(store.stored_hash(key, "secret_hash"), api_key_format.hash_secret(secret))
		self.assertEqual(frappe.db.get_value("API Key", key, "secret_hash"), "*" * 71)
		self.assertNotIn(secret, str(frappe.db.sql("select * from `tabAPI Key` where name=%s", key)))
		auth = frappe.db.sql(
			"select fieldname, password from __Auth where doctype='API Key' and name=%s", key
		)
		self.assertEqual([fieldname for fieldname, _ in auth], ["secret_hash"])
		self.assertNotIn(secret, str(auth))
		self.assertNotIn(api_key_format.hash_secret(secret), str(auth))
		listed = api_request("GET", "/api/method/my_api_app.api.keys.list_keys", auth=self.owner_frappe_key)
		self.assertNotIn(secret, listed.get_data(as_text=True))
		self.assertNotIn("secret_hash", listed.get_data(as_text=True))
		read = api_request("GET", f"/api/resource/API Key/{key}", auth=self.owner_frappe_key)
		self.assertEqual(read.status_code, 200)
		self.assertNotIn("secret_hash", read.get_json()["data"])

	def test_keys_are_made_only_where_the_secret_is_shown(self):
		"""Every generic route that inserts a document is refused for API Key: the secret exists
		only in create_key's answer, never on the document (so no webhook or hook renders it)."""
		before = frappe.db.count("API Key")
		doc = {
			"doctype": "API Key",
			"label": "sneaky",
			"scopes": [{"scope": "*"}],
			"secret_hash": "sha256$00",
		}
		for method, path, body in [
			("POST", "/api/resource/API Key", doc),
			("POST", "/api/v2/document/API Key", doc),
			("POST", "/api/method/frappe.client.insert", {"doc": doc}),
			(
				"POST",
				"/api/method/frappe.desk.form.save.savedocs",
				{"doc": frappe.as_json(doc), "action": "Save"},
			),
		]:
			response = api_request(method, path, json=body, auth=self.owner_frappe_key)
			self.assertEqual(response.status_code, 403, (path, response.get_data(as_text=True)))
			self.assertNotIn("mas_", response.get_data(as_text=True))
		frappe.db.commit()
		self.assertEqual(frappe.db.count("API Key"), before)

	def test_client_cannot_set_server_fields(self):
		key, secret, _ = self.create_key()
		doc = frappe.get_doc("API Key", key)
		response = api_request(
			"PUT",
			f"/api/resource/API Key/{key}",
			json={"secret_hash": "sha256$00", "revoked": 1, "label": "renamed", "tokens_valid_after": None},
			auth=self.owner_frappe_key,
		)
		self.assertEqual(response.status_code, 200)
		self.assertNotIn("secret", response.get_json()["data"].get("__onload") or {})
		response = api_request(
			"PUT", f"/api/resource/API Key/{key}", json={"user": OTHER}, auth=self.owner_frappe_key
		)
		self.assertEqual(response.status_code, 403)  # a key cannot be handed to another user
		frappe.db.commit()
		doc.reload()
		self.assertEqual((doc.label, doc.user, doc.revoked), ("renamed", OWNER, 0))
		self.assertEqual(store.stored_hash(key, "secret_hash"), api_key_format.hash_secret(secret))

	def test_default_expiry_is_90_days_and_never_is_for_system_managers(self):
		_key, _, data = self.create_key()
		expires = frappe.utils.get_datetime(data["expires_at"])
		self.assertIsNotNone(expires.tzinfo)  # stated in the site's time zone
		expires = expires.replace(tzinfo=None)
		self.assertAlmostEqual((expires - now_datetime()).days, 89, delta=1)
		self.assertCreateRefused(403, label="forever", never_expires=True)
		_, _, data = self.create_key(caller=self.manager_frappe_key, never_expires=True, user=OWNER)
		self.assertIsNone(data["expires_at"])
		self.assertTrue(data["never_expires"])

	def test_users_manage_only_their_own_keys(self):
		self.assertCreateRefused(403, label="not mine", user=OTHER)
		key, _, _ = self.create_key()
		# someone else's key is the same 404 as one that does not exist, on every route
		missing = "mak_" + "A" * 20
		for name in (key, missing):
			for method, path, body in [
				("POST", "/api/method/my_api_app.api.keys.revoke_key", {"api_key": name, "reason": "x"}),
				("POST", "/api/method/my_api_app.api.keys.roll_secret", {"api_key": name}),
				("GET", "/api/method/my_api_app.api.usage.key_usage", {"api_key": name}),
				("GET", f"/api/resource/API Key/{name}", None),
			]:
				kwargs = {"json": body} if method == "POST" else {"query": body}
				response = api_request(method, path, auth=self.other_frappe_key, **kwargs)
				self.assertStructured(response, response.get_json(), 404)
				self.assertNotIn("yours", response.get_data(as_text=True))
		listed = api_request("GET", "/api/method/my_api_app.api.keys.list_keys", auth=self.other_frappe_key)
		self.assertNotIn(key, listed.get_data(as_text=True))
		listed = api_request("GET", "/api/method/my_api_app.api.keys.list_keys", auth=self.manager_frappe_key)
		self.assertIn(key, listed.get_data(as_text=True))

	def test_invalid_input_changes_nothing(self):
		before = frappe.db.count("API Key")
		for fields, status in (
			({"label": "x", "scopes": ["method:"]}, 400),
			({"label": "x", "scopes": []}, 400),
			({"label": "x", "scopes": [" *"]}, 400),  # the schema's grammar: canonical scopes only
			({"label": "x", "scopes": ["*"], "allowed_ip_ranges": ["10.0.0.256/8"]}, 400),
			({"label": "x", "scopes": ["*"], "expires_at": "2000-01-01 00:00:00"}, 409),
			({"label": "x", "scopes": ["doctype:No Such DocType:read"]}, 404),
			({"label": "x", "scopes": ["*"], "user": "nobody@example.com"}, 404),
		):
			response = api_request(
				"POST", "/api/method/my_api_app.api.keys.create_key", json=fields, auth=self.owner_frappe_key
			)
			self.assertStructured(response, response.get_json(), status)
		self.assertEqual(frappe.db.count("API Key"), before)

	def test_address_ranges_are_stored_canonical(self):
		response = api_request(
			"POST",
			"/api/method/my_api_app.api.keys.create_key",
			json={"label": "x", "scopes": ["*"], "allowed_ip_ranges": ["10.0.0.1/8", "2001:DB8::1"]},
			auth=self.owner_frappe_key,
		)
		self.assertEqual(response.status_code, 201, response.get_json())
		data = response.get_json()["message"]["data"]
		self.assertEqual(data["allowed_ip_ranges"], ["10.0.0.0/8", "2001:db8::1/128"])


class TestAuthentication(APIKeyTestCase):
	def test_token_and_basic_headers_authenticate(self):
		key, secret, _ = self.create_key()
		for headers in (token_header(key, secret), basic_header(key, secret)):
			response, body = self.call(WHOAMI, headers)
			self.assertEqual(response.status_code, 200, body)
			data = body["message"]["data"]
			self.assertEqual(
				(data["user"], data["authenticated_by"], data["api_key"]), (OWNER, "api_key", key)
			)

	def test_every_bad_credential_is_the_same_401(self):
		key, secret, _ = self.create_key()
		expired, expired_secret, _ = self.create_key()
		frappe.db.set_value("API Key", expired, "expires_at", add_to_date(now_datetime(), minutes=-1))
		store.forget(expired)  # set_value runs no hooks
		frappe.db.commit()
		revoked, revoked_secret, _ = self.create_key()
		frappe.get_doc("API Key", revoked).revoke("test")
		frappe.db.commit()
		disabled, disabled_secret, _ = self.create_key()
		frappe.get_doc("API Key", disabled).update({"enabled": 0}).save(ignore_permissions=True)
		frappe.db.commit()
		attempts = {
			"unknown key": token_header(api_key_format.new_key_id(), secret),
			"wrong secret": token_header(key, api_key_format.new_secret()),
			"bad checksum": token_header(key, secret[:-1] + ("A" if secret[-1] != "A" else "B")),
			"malformed": {"Authorization": f"token {key}:"},
			"expired": token_header(expired, expired_secret),
			"revoked": token_header(revoked, revoked_secret),
			"disabled": token_header(disabled, disabled_secret),
			"basic wrong": basic_header(key, "mas_nope"),
		}
		details = set()
		for name, headers in attempts.items():
			for path in (WHOAMI, "/api/resource/ToDo", "/app/todo"):
				response, body = self.call(path, headers)
				with self.subTest(name, path=path):
					self.assertStructured(response, body, 401, "unauthenticated")
					self.assertEqual(body["exc_type"], "AuthenticationError")
					details.add(body["error"]["detail"])
		self.assertEqual(len(details), 1, details)

	def test_disabled_user_cannot_use_key(self):
		key, secret, _ = self.create_key()
		frappe.get_doc("User", OWNER).update({"enabled": 0}).save(ignore_permissions=True)
		frappe.db.commit()
		try:
			response, body = self.call(WHOAMI, token_header(key, secret))
			self.assertStructured(response, body, 401)
		finally:
			frappe.get_doc("User", OWNER).update({"enabled": 1}).save(ignore_permissions=True)
			frappe.db.commit()

	def test_frappe_credentials_work_as_before(self):
		response, body = self.call(WHOAMI, token_header(*self.owner_frappe_key))
		self.assertEqual(response.status_code, 200, body)
		self.assertEqual(body["message"]["data"]["authenticated_by"], "frappe")
		response, body = self.call(WHOAMI, basic_header(*self.owner_frappe_key))
		self.assertEqual(response.status_code, 200, body)
		response, _ = self.call(WHOAMI, token_header("frappe-unknown", "nope"))
		self.assertEqual(response.status_code, 401)

	def test_frappe_oauth_bearer_tokens_work_as_before(self):
		client = frappe.get_doc(
			{
				"doctype": "OAuth Client",
				"app_name": "keys-test",
				"redirect_uris": "http://localhost",
				"default_redirect_uri": "http://localhost",
				"scopes": "all",
			}
		).insert(ignore_permissions=True)
		token = frappe.get_doc(
			{
				"doctype": "OAuth Bearer Token",
				"client": client.name,
				"user": OWNER,
				"scopes": "all",
				"access_token": frappe.generate_hash(length=30),
				"refresh_token": frappe.generate_hash(length=30),
				"expires_in": 3600,
				"status": "Active",
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		try:
			response, body = self.call(WHOAMI, bearer_header(token.access_token))
			self.assertEqual(response.status_code, 200, body)
			self.assertEqual(body["message"]["data"]["user"], OWNER)
			response, _ = self.call(WHOAMI, bearer_header("opaque-unknown-token"))
			self.assertEqual(response.status_code, 401)
		finally:
			token.delete(ignore_permissions=True)
			client.delete(ignore_permissions=True)
			frappe.db.commit()

	def test_allowed_ip_ranges_ipv4_and_ipv6(self):
		key, secret, _ = self.create_key(allowed_ip_ranges=["10.1.0.0/16", "2001:db8::/32"])
		for address, status in (
			("10.1.2.3", 200),
			("2001:db8::7", 200),
			("10.2.0.1", 403),
			("127.0.0.1", 403),
		):
			response, body = self.call(WHOAMI, token_header(key, secret), remote_addr=address)
			with self.subTest(address):
				self.assertEqual(response.status_code, status, body)
		response, body = self.call(WHOAMI, token_header(key, secret), remote_addr="10.9.9.9")
		self.assertStructured(response, body, 403)
		self.assertIn("10.9.9.9", body["error"]["detail"])

	def test_forwarded_for_only_from_trusted_proxies(self):
		key, secret, _ = self.create_key(allowed_ip_ranges=["203.0.113.7"])
		headers = {**token_header(key, secret), "X-Forwarded-For": "203.0.113.7"}
		response, _ = self.call(WHOAMI, headers, remote_addr="127.0.0.1")
		self.assertEqual(response.status_code, 403)  # no proxy is trusted by default
		frappe.local.conf.my_api_app_trusted_proxies = ["127.0.0.1/32"]
		from frappe.installer import update_site_config

		update_site_config("my_api_app_trusted_proxies", ["127.0.0.1/32"])
		try:
			response, _ = self.call(WHOAMI, headers, remote_addr="127.0.0.1")
			self.assertEqual(response.status_code, 200)
			response, _ = self.call(WHOAMI, headers, remote_addr="192.0.2.1")  # not a trusted proxy
			self.assertEqual(response.status_code, 403)
		finally:
			update_site_config("my_api_app_trusted_proxies", "None")

	def test_users_restrict_ip_applies_to_keys(self):
		key, secret, _ = self.create_key()
		frappe.db.set_value("User", OWNER, "restrict_ip", "10.5.")
		frappe.db.commit()
		frappe.clear_document_cache("User", OWNER)
		response, _ = self.call(WHOAMI, token_header(key, secret), remote_addr="10.6.0.1")
		self.assertEqual(response.status_code, 403)
		response, _ = self.call(WHOAMI, token_header(key, secret), remote_addr="10.5.0.1")
		self.assertEqual(response.status_code, 200)

	def test_revocation_takes_effect_on_the_next_request(self):
		key, secret, _ = self.create_key()
		self.assertEqual(self.call(WHOAMI, token_header(key, secret))[0].status_code, 200)
		response = api_request(
			"POST",
			"/api/method/my_api_app.api.keys.revoke_key",
			json={"api_key": key, "reason": "leaked"},
			auth=self.owner_frappe_key,
		)
		self.assertEqual(response.status_code, 200, response.get_json())
		self.assertEqual(self.call(WHOAMI, token_header(key, secret))[0].status_code, 401)
		doc = frappe.get_doc("API Key", key)
		self.assertEqual((doc.revoked, doc.revoked_by, doc.revocation_reason), (1, OWNER, "leaked"))
		response = api_request(  # the key's state forbids it, not the request: 409
			"POST",
			"/api/method/my_api_app.api.keys.roll_secret",
			json={"api_key": key},
			auth=self.owner_frappe_key,
		)
		self.assertStructured(response, response.get_json(), 409, "conflict")

	def test_a_request_during_an_uncommitted_revocation_waits_for_it(self):
		key, secret, _ = self.create_key()
		frappe.get_doc("API Key", key).revoke("race")  # not committed yet; the row is locked
		statuses, site = [], frappe.local.site
		during = threading.Thread(
			target=lambda: statuses.append(
				api_request("GET", WHOAMI, headers=token_header(key, secret), site=site).status_code
			)
		)
		during.start()
		time.sleep(1)  # the request misses the cache and waits on the row
		frappe.db.commit()
		during.join()
		self.assertEqual(statuses, [401])
		self.assertEqual(self.call(WHOAMI, token_header(key, secret))[0].status_code, 401)

	def test_revocation_is_not_lost_to_a_request_with_an_older_snapshot(self):
		key, secret, _ = self.create_key()
		frappe.db.sql("select name from `tabAPI Key` limit 1")  # this transaction's snapshot starts now
		response = api_request(
			"POST",
			"/api/method/my_api_app.api.keys.revoke_key",
			json={"api_key": key, "reason": "race"},
			auth=self.owner_frappe_key,
		)
		self.assertEqual(response.status_code, 200)
		# the cache is stale; a reload from this (older) snapshot must still see the revocation
		self.assertTrue(store.get(key).revoked)
		frappe.db.rollback()
		self.assertEqual(self.call(WHOAMI, token_header(key, secret))[0].status_code, 401)

	def test_roll_keeps_the_old_secret_for_the_overlap(self):
		key, old, _ = self.create_key()
		response = api_request(
			"POST",
			"/api/method/my_api_app.api.keys.roll_secret",
			json={"api_key": key},
			auth=self.owner_frappe_key,
		)
		new = response.get_json()["message"]["data"]["secret"]
		self.assertNotEqual(new, old)
		self.assertEqual(self.call(WHOAMI, token_header(key, old))[0].status_code, 200)
		self.assertEqual(self.call(WHOAMI, token_header(key, new))[0].status_code, 200)
		response = api_request(
			"POST",
			"/api/method/my_api_app.api.keys.roll_secret",
			json={"api_key": key, "overlap_minutes": 0},
			auth=self.owner_frappe_key,
		)
		newest = response.get_json()["message"]["data"]["secret"]
		for secret, status in ((old, 401), (new, 401), (newest, 200)):
			self.assertEqual(self.call(WHOAMI, token_header(key, secret))[0].status_code, status)

	def test_last_use_is_recorded_without_a_database_write(self):
		key, secret, _ = self.create_key()
		self.call(WHOAMI, token_header(key, secret), remote_addr="10.0.0.5")
		self.assertIsNone(frappe.db.get_value("API Key", key, "last_used_at"))
		self.assertEqual(store.pending_use(key)[1], "10.0.0.5")
		store.flush_last_used()
		self.assertEqual(frappe.db.get_value("API Key", key, "last_used_ip"), "10.0.0.5")
		self.assertIsNone(store.pending_use(key))


class TestScopes(APIKeyTestCase):
	def setUp(self):
		super().setUp()
		frappe.db.delete("ToDo", {"allocated_to": ("in", [OWNER, OTHER])})
		self.todo = frappe.get_doc(
			{"doctype": "ToDo", "description": "scoped", "allocated_to": OWNER}
		).insert(ignore_permissions=True)
		self.others = frappe.get_doc(
			{"doctype": "ToDo", "description": "other", "allocated_to": OTHER}
		).insert(ignore_permissions=True)
		frappe.db.commit()

	def assertMissingScope(self, response, body, scope):
		self.assertStructured(response, body, 403, "missing_scope")
		self.assertIn(scope, body["error"]["detail"])
		self.assertIn(scope, response.headers["WWW-Authenticate"])

	def test_method_scopes(self):
		key, secret, _ = self.create_key(scopes=["method:my_api_app.api.auth.*"])
		self.assertEqual(self.call(WHOAMI, token_header(key, secret))[0].status_code, 200)
		response, body = self.call(HELLO, token_header(key, secret))
		self.assertMissingScope(response, body, "method:my_api_app.examples.public.hello")
		response, body = self.call(
			"/", token_header(key, secret), method="POST", data={"cmd": "my_api_app.examples.public.hello"}
		)
		self.assertMissingScope(response, body, "method:my_api_app.examples.public.hello")

	def test_doctype_scopes_on_resource_routes(self):
		key, secret, _ = self.create_key(scopes=["doctype:ToDo:read"])
		headers = token_header(key, secret)
		response, body = self.call("/api/resource/ToDo", headers)
		self.assertEqual(response.status_code, 200, body)
		response, body = self.call(f"/api/resource/ToDo/{self.todo.name}", headers)
		self.assertEqual(response.status_code, 200, body)
		response, body = self.call("/api/resource/ToDo", headers, method="POST", json={"description": "no"})
		self.assertMissingScope(response, body, "doctype:ToDo:create")
		response, body = self.call(
			f"/api/resource/ToDo/{self.todo.name}", headers, method="PUT", json={"description": "x"}
		)
		self.assertMissingScope(response, body, "doctype:ToDo:write")
		response, body = self.call(f"/api/resource/ToDo/{self.todo.name}", headers, method="DELETE")
		self.assertMissingScope(response, body, "doctype:ToDo:delete")
		response, body = self.call("/api/resource/User", headers)
		self.assertMissingScope(response, body, "doctype:User:read")
		response, body = self.call("/api/v2/document/Note", headers)
		self.assertMissingScope(response, body, "doctype:Note:read")
		self.assertTrue(frappe.db.exists("ToDo", self.todo.name))

	def test_doctype_scopes_hold_inside_methods(self):
		key, secret, _ = self.create_key(
			scopes=["method:frappe.client.*", "doctype:ToDo:read"], caller=self.manager_frappe_key
		)  # the manager may read Note; the key may not
		headers = token_header(key, secret)
		response, body = self.call("/api/method/frappe.client.get_list", headers, query={"doctype": "ToDo"})
		self.assertEqual(response.status_code, 200, body)
		response, body = self.call("/api/method/frappe.client.get_list", headers, query={"doctype": "Note"})
		self.assertMissingScope(response, body, "doctype:Note:read")
		response, body = self.call(
			"/api/method/frappe.client.insert",
			headers,
			method="POST",
			json={"doc": {"doctype": "ToDo", "description": "not allowed"}},
		)
		self.assertMissingScope(response, body, "doctype:ToDo:create")
		self.assertFalse(frappe.db.exists("ToDo", {"description": "not allowed"}))

	def test_toolkit_endpoint_needs_method_and_doctype_scopes(self):
		path = "/api/method/my_api_app.examples.todos.close"
		key, secret, _ = self.create_key(scopes=["method:my_api_app.examples.todos.*", "doctype:ToDo:read"])
		response, body = self.call(
			path, token_header(key, secret), method="POST", json={"name": self.todo.name}
		)
		self.assertMissingScope(response, body, "doctype:ToDo:write")
		self.assertEqual(frappe.db.get_value("ToDo", self.todo.name, "status"), "Open")
		key, secret, _ = self.create_key(scopes=["method:my_api_app.examples.todos.*", *ALL_DOCTYPE])
		response, body = self.call(
			path, token_header(key, secret), method="POST", json={"name": self.todo.name}
		)
		self.assertEqual(response.status_code, 200, body)

	def test_a_key_never_exceeds_its_users_permissions(self):
		key, secret, _ = self.create_key(scopes=["*"])
		response, body = self.call(f"/api/resource/ToDo/{self.others.name}", token_header(key, secret))
		self.assertEqual(response.status_code, 403, body)
		response, body = self.call(
			f"/api/resource/ToDo/{self.others.name}",
			token_header(key, secret),
			method="PUT",
			json={"description": "x"},
		)
		self.assertEqual(response.status_code, 403, body)

	def test_scoped_key_cannot_mint_wider_keys(self):
		key, secret, _ = self.create_key(
			scopes=["method:my_api_app.api.keys.*", "doctype:API Key:create", "doctype:API Key:read"]
		)
		response = api_request(
			"POST",
			"/api/method/my_api_app.api.keys.create_key",
			json={"label": "wider", "scopes": ["*"]},
			headers=token_header(key, secret),
		)
		self.assertMissingScope(response, response.get_json(), "*")
		response = api_request(
			"POST",
			"/api/method/my_api_app.api.keys.create_key",
			json={"label": "narrower", "scopes": ["doctype:API Key:read"]},
			headers=token_header(key, secret),
		)
		self.assertEqual(response.status_code, 201, response.get_json())
