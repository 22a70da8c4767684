"""Credentials and sessions (issue 25): a stolen session does not become a lasting credential,
and a new secret exists only in the one answer that shows it."""

import time

import frappe

from my_api_app.api_keys.tests.test_api_keys import OTHER, OWNER, APIKeyTestCase, bearer_header, token_header
from my_api_app.shared import frappe_compat
from my_api_app.testing import api_request
from my_api_app.tests.factories import make_api_key, site_config

CREATE = "/api/method/my_api_app.api.keys.create_key"
ROLL = "/api/method/my_api_app.api.keys.roll_secret"
CONFIRM = "/api/method/my_api_app.api.auth.confirm_password"
PASSWORD = "Right-Horse-Battery-9"


class TestCredentialsFromSessions(APIKeyTestCase):
	def setUp(self):
		super().setUp()
		user = frappe.get_doc("User", OWNER)
		user.new_password = PASSWORD
		user.logout_all_sessions = 0
		user.save(ignore_permissions=True)
		frappe.db.commit()

	def session(self) -> dict:
		"""A Cookie header of a new session of OWNER (logged in with the password)."""
		login = api_request("POST", "/api/method/login", json={"usr": OWNER, "pwd": PASSWORD})
		self.assertEqual(login.status_code, 200, login.get_data(as_text=True))
		sid = next(c for c in login.headers.getlist("Set-Cookie") if c.startswith("sid=")).split(";")[0]
		return {"Cookie": sid}

	def test_a_session_makes_and_rolls_keys_only_after_confirming_its_password(self):
		cookie = self.session()
		body = {"label": "from a session", "scopes": ["*"]}
		refused = api_request("POST", CREATE, json=body, headers=cookie)
		self.assertStructured(refused, refused.get_json(), 403, "reauthentication_required")
		wrong = api_request("POST", CONFIRM, json={"password": "not it"}, headers=cookie)
		self.assertStructured(wrong, wrong.get_json(), 401)
		self.assertEqual(api_request("POST", CREATE, json=body, headers=cookie).status_code, 403)
		confirmed = api_request("POST", CONFIRM, json={"password": PASSWORD}, headers=cookie)
		self.assertEqual(confirmed.status_code, 200, confirmed.get_data(as_text=True))
		made = api_request("POST", CREATE, json=body, headers=cookie)
		self.assertEqual(made.status_code, 201, made.get_data(as_text=True))
		key = made.get_json()["message"]["data"]["name"]
		rolled = api_request("POST", ROLL, json={"api_key": key}, headers=cookie)
		self.assertEqual(rolled.status_code, 200, rolled.get_data(as_text=True))
		# another session of the same user has not confirmed anything
		other = api_request("POST", ROLL, json={"api_key": key}, headers=self.session())
		self.assertStructured(other, other.get_json(), 403, "reauthentication_required")
		# keys and tokens follow the existing rules: there is no password to confirm
		by_key = api_request("POST", CREATE, json=body, auth=self.owner_frappe_key)
		self.assertEqual(by_key.status_code, 201)
		new_secret = rolled.get_json()["message"]["data"]["secret"]
		not_a_session = api_request(
			"POST", CONFIRM, json={"password": PASSWORD}, headers=token_header(key, new_secret)
		)
		self.assertStructured(not_a_session, not_a_session.get_json(), 403)

	def test_wrong_confirmations_count_as_failed_logins(self):
		cookie = self.session()
		statuses = [
			api_request("POST", CONFIRM, json={"password": f"wrong-{n}"}, headers=cookie).status_code
			for n in range(21)
		]
		self.assertEqual(statuses[:19], [401] * 19)
		self.assertEqual(statuses[-1], 429)
		past = api_request("POST", CONFIRM, json={"password": PASSWORD}, headers=cookie)
		self.assertEqual(past.status_code, 429)  # whatever the password, past the limit
		self.assertTrue(past.headers.get("Retry-After"))

	def test_a_password_change_that_logs_out_every_session_stops_the_users_tokens(self):
		key, secret, _ = self.create_key()
		token = self.issue_token(key, secret)
		whoami = "/api/method/my_api_app.api.auth.whoami"
		self.assertEqual(api_request("GET", whoami, headers=bearer_header(token)).status_code, 200)
		user = frappe.get_doc("User", OWNER)
		user.new_password = PASSWORD + "-new"
		user.logout_all_sessions = 1
		user.save(ignore_permissions=True)
		frappe.db.commit()
		self.assertEqual(api_request("GET", whoami, headers=bearer_header(token)).status_code, 401)
		# the key itself goes on (its owner is offered to revoke it), and new tokens work
		self.assertEqual(api_request("GET", whoami, headers=token_header(key, secret)).status_code, 200)
		offered = [m for m in frappe.local.message_log if "Revoke all" in str(m)]
		self.assertTrue(offered)
		time.sleep(1.1)  # tokens carry their issue time in whole seconds: the next second's work
		fresh = self.issue_token(key, secret)
		self.assertEqual(api_request("GET", whoami, headers=bearer_header(fresh)).status_code, 200)

	def test_revoke_user_keys_is_the_owners_or_a_managers(self):
		key, secret, _ = self.create_key()
		revoke = "/api/method/my_api_app.api.keys.revoke_user_keys"
		body = {"user": OWNER, "reason": "password changed"}
		self.assertEqual(api_request("POST", revoke, json=body, auth=self.other_frappe_key).status_code, 404)
		done = api_request("POST", revoke, json=body, auth=self.owner_frappe_key)
		self.assertEqual(done.status_code, 200, done.get_data(as_text=True))
		self.assertIn(key, done.get_json()["message"]["data"]["revoked"])
		whoami = "/api/method/my_api_app.api.auth.whoami"
		self.assertEqual(api_request("GET", whoami, headers=token_header(key, secret)).status_code, 401)

	def test_revoking_a_users_keys_locks_that_users_keys_only(self):
		"""Found by schemathesis as a deadlock: with many keys to revoke, MariaDB read their names
		through the ``modified`` index and locked every key of the site. Another user's key, held
		by another transaction, must not stop (or deadlock) the revocation."""
		with site_config(my_api_app_max_active_keys_per_user=10_000):
			held, _ = make_api_key(OTHER, label="held elsewhere")
			many = [make_api_key(OWNER, label=f"many {n}")[0].name for n in range(frappe.db.count("API Key"))]
		holder = frappe_compat.second_connection()
		try:
			holder.sql("select name from `tabAPI Key` where name = %s for update", held.name)
			done = api_request(
				"POST",
				"/api/method/my_api_app.api.keys.revoke_user_keys",
				json={"user": OWNER, "reason": "many"},
				auth=self.owner_frappe_key,
			)
		finally:
			holder.rollback()
			holder.close()
		self.assertEqual(done.status_code, 200, done.get_data(as_text=True))
		self.assertEqual(sorted(done.get_json()["message"]["data"]["revoked"]), sorted(many))

	def test_administrator_holds_no_keys_a_403_not_a_400(self):
		manager_key = self.manager_frappe_key
		response = api_request(
			"POST",
			CREATE,
			json={"label": "admin", "scopes": ["*"], "user": "Administrator"},
			auth=manager_key,
		)
		self.assertStructured(response, response.get_json(), 403)


class TestSecretsStayInTheirAnswer(APIKeyTestCase):
	def test_no_webhook_is_sent_for_a_secret_bearing_doctype(self):
		for doctype in ("API Key", "API Signing Key", "Webhook Source", "Webhook"):
			for durable in (0, 1):
				doc = frappe.get_doc(
					{
						"doctype": "Webhook",
						"__newname": f"secret-bearing-{frappe.generate_hash(length=8)}",
						"webhook_doctype": doctype,
						"webhook_docevent": "after_insert",
						"request_url": "https://example.com/hook",
						"request_structure": "JSON",
						"webhook_json": "{{ doc.as_dict() }}",
						"durable_delivery": durable,
					}
				)
				with self.assertRaises(frappe.PermissionError, msg=(doctype, durable)):
					doc.insert(ignore_permissions=True)
		frappe.db.rollback()

	def test_the_new_secret_is_on_no_document_version_or_cache(self):
		key, secret, _ = self.create_key()
		doc = frappe.get_doc("API Key", key)
		self.assertNotIn(secret, frappe.as_json(doc.as_dict()))
		self.assertFalse((doc.get("__onload") or {}).get("secret"))
		versions = frappe.get_all("Version", filters={"ref_doctype": "API Key", "docname": key}, pluck="data")
		self.assertFalse([v for v in versions if secret in (v or "")])
		cached = [frappe.cache.get(name) or b"" for name in frappe.cache.keys("*api_key_record*")]
		self.assertFalse([raw for raw in cached if secret.encode() in raw])
