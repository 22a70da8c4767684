"""The attack suite: every escape of issue 15, tried as an attacker would, through Frappe's real
request pipeline. Each must be refused (401/403/404/405/429) and change nothing."""

import json

import frappe
import frappe.api
from frappe.installer import update_site_config
from werkzeug.exceptions import MethodNotAllowed, NotFound

from my_api_app.api_keys.test_api_keys import MANAGER, OTHER, OWNER, APIKeyTestCase, token_header
from my_api_app.core import dispatch
from my_api_app.testing import api_request

ISSUE_TOKEN = "/api/method/my_api_app.api.auth.issue_token"
WHOAMI = "my_api_app.api.auth.whoami"


class TestResolverMatchesFrappe(APIKeyTestCase):
	def test_the_copied_rule_table_is_frappes(self):
		frappes = sorted(
			(rule.rule, tuple(sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})), rule.endpoint.__name__)
			for rule in frappe.api.API_URL_MAP.iter_rules()
		)
		ours = sorted(
			(rule.rule, tuple(sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})), rule.endpoint[1])
			for rule in dispatch._API_MAP.iter_rules()
		)
		# Frappe's v2 run_doc_method endpoint is a lambda: compare it by route
		frappes = [(r, m, "run_doc_method" if e == "<lambda>" else e) for r, m, e in frappes]
		self.assertEqual(frappes, ours)

	def test_paths_resolve_to_the_route_frappe_matches(self):
		adapter = frappe.api.API_URL_MAP.bind("localhost")
		paths = [
			f"{prefix}/{section}"
			for prefix in ("/api", "/api/v1", "/api/v2", "/api/v3", "//api")
			for section in (
				"method/a.b",
				"method/a.b/",
				"method/a.b/c",
				"method/login",
				"method/run_doc_method",
				"method/ToDo/m",
				"method/",
				"method//x",
				"resource/ToDo",
				"resource/ToDo/",
				"resource/ToDo/x",
				"resource/ToDo/x/y/",
				"resource/ToDo//x",
				"document/ToDo",
				"document/ToDo/x",
				"document/ToDo/x/method/m",
				"document/ToDo/x/method/m/",
				"doctype/ToDo/meta",
				"doctype/ToDo/count/",
				"doctype/ToDo/other",
			)
		]
		kinds = {
			"document_list": {dispatch.LIST},
			"create_doc": {dispatch.CREATE},
			"read_doc": {dispatch.READ},
			"update_doc": {dispatch.UPDATE},
			"delete_doc": {dispatch.DELETE},
			"execute_doc_method": {dispatch.DOCUMENT_METHOD},
			"get_meta": {dispatch.META},
			"count": {dispatch.COUNT},
		}
		for path in paths:
			for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
				call = dispatch.resolve(method, "/" + path.lstrip("/"), {})
				try:
					endpoint, arguments = adapter.match("/" + path.lstrip("/"), method)
				except MethodNotAllowed:
					self.assertEqual(call.kind, dispatch.METHOD_NOT_ALLOWED, (method, path))
					continue
				except NotFound:
					self.assertEqual(call.kind, dispatch.NOT_FOUND, (method, path))
					continue
				name = endpoint.__name__
				expected = kinds.get(name, {dispatch.METHOD, dispatch.CONTROLLER_METHOD, dispatch.LOGIN})
				self.assertIn(call.kind, expected, (method, path, name))
				self.assertEqual(call.doctype, arguments.get("doctype"), (method, path))


class TestScopeEscapes(APIKeyTestCase):
	def test_cmd_on_any_path_is_checked_against_the_scopes(self):
		key, secret, _ = self.create_key(
			("method:my_api_app.api.orders.*", "doctype:ToDo:create"), caller=self.manager_frappe_key
		)
		steal = {
			"cmd": "frappe.client.get_password",
			"doctype": "API Signing Key",
			"name": "anything",
			"fieldname": "private_key",
		}
		attempts = [
			("GET", ISSUE_TOKEN, {"query": steal}),
			("POST", ISSUE_TOKEN, {"data": steal}),
			("POST", ISSUE_TOKEN, {"json": steal}),
			("GET", "/", {"query": steal}),
			("POST", "/app/todo", {"data": steal}),
			("GET", "/api/resource/ToDo", {"query": steal}),
			("GET", "/api/v2/method/my_api_app.api.orders.create_order", {"query": steal}),
			("GET", "/api/method/frappe.client.get_password", {"query": steal}),
			("GET", "/", {"query": {**steal, "cmd": "frappe.client.get_value", "fieldname": "kid"}}),
		]
		for method, path, kwargs in attempts:
			response = api_request(method, path, headers=token_header(key, secret), **kwargs)
			body = response.get_json(silent=True) or {}
			self.assertEqual(response.status_code, 403, (method, path, body))
			self.assertEqual(body["error"]["type"], "missing_scope", (method, path))
			self.assertNotIn("PRIVATE KEY", response.get_data(as_text=True))
			self.assertTrue(response.headers.get("X-Request-Id"), (method, path))

	def test_singles_shares_and_unclassified_methods_stay_out_of_reach(self):
		key, secret, _ = self.create_key(
			("method:frappe.client.*", "method:frappe.desk.*", "doctype:ToDo:read"),
			caller=self.manager_frappe_key,
		)
		note = frappe.get_doc({"doctype": "Note", "title": "shared with the key's user", "public": 0}).insert(
			ignore_permissions=True
		)
		frappe.share.add_docshare("Note", note.name, MANAGER, read=1, flags={"ignore_share_permission": True})
		frappe.db.commit()
		attempts = [
			("frappe.client.get_value", {"doctype": "System Settings", "fieldname": "country"}),
			("frappe.client.get_single_value", {"doctype": "System Settings", "field": "country"}),
			("frappe.client.get", {"doctype": "Note", "name": note.name}),
			("frappe.client.get_list", {"doctype": "Note"}),
			("frappe.desk.form.load.getdoc", {"doctype": "Note", "name": note.name}),
			("frappe.desk.reportview.get", {"doctype": "Note", "fields": '["name"]'}),
			("frappe.client.get_list", {"doctype": "ToDo", "parent": "Note"}),
			("frappe.desk.treeview.get_all_nodes", {"doctype": "ToDo", "tree_method": "x", "label": "x"}),
			("frappe.client.get_value", {"doctype": '["ToDo"]', "fieldname": "name"}),
		]
		for cmd, args in attempts:
			for path in (f"/api/method/{cmd}", f"/api/v2/method/{cmd}"):
				response = api_request("GET", path, headers=token_header(key, secret), query=args)
				self.assertEqual(response.status_code, 403, (path, args, response.get_data(as_text=True)))
				self.assertNotIn(note.title, response.get_data(as_text=True))
		# within its scopes the same key works
		response = api_request(
			"GET",
			"/api/method/frappe.client.get_list",
			headers=token_header(key, secret),
			query={"doctype": "ToDo"},
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))

	def test_a_share_does_not_widen_a_key_inside_an_app_method(self):
		key, secret, _ = self.create_key(("method:my_api_app.*", "doctype:ToDo:read"))
		note = frappe.get_doc({"doctype": "Note", "title": "shared note", "public": 0}).insert(
			ignore_permissions=True
		)
		frappe.share.add_docshare("Note", note.name, OWNER, read=1, flags={"ignore_share_permission": True})
		frappe.db.commit()
		response = api_request(
			"GET",
			"/api/method/my_api_app.tests.endpoints.can_read_note",
			headers=token_header(key, secret),
			query={"name": note.name},
		)
		self.assertEqual(response.status_code, 403, response.get_data(as_text=True))
		self.assertEqual(response.get_json()["error"]["type"], "missing_scope")


class TestKeysCannotBeShared(APIKeyTestCase):
	def test_sharing_or_assigning_a_key_is_refused_and_a_stray_share_grants_nothing(self):
		key, secret, _ = self.create_key()
		response = api_request(
			"POST",
			"/api/method/frappe.share.add",
			auth=self.owner_frappe_key,
			json={"doctype": "API Key", "name": key, "user": OTHER, "read": 1, "write": 1},
		)
		self.assertIn(response.status_code, (403, 417), response.get_data(as_text=True))
		self.assertFalse(frappe.db.exists("DocShare", {"share_doctype": "API Key", "share_name": key}))
		# a share written around the hooks (raw SQL, an old site) still grants nothing
		frappe.db.sql(
			"""insert into tabDocShare (name, share_doctype, share_name, user, `read`, `write`, `share`,
			creation, modified, owner, modified_by) values (%s, 'API Key', %s, %s, 1, 1, 1, now(), now(), %s, %s)""",
			(frappe.generate_hash(length=10), key, OTHER, OWNER, OWNER),
		)
		frappe.db.commit()
		try:
			for path, args in (
				("/api/method/my_api_app.api.keys.roll_secret", {"api_key": key}),
				("/api/method/my_api_app.api.keys.revoke_key", {"api_key": key, "reason": "mine now"}),
				("/api/method/my_api_app.api.usage.key_usage", {"api_key": key}),
				(f"/api/resource/API Key/{key}", {}),
			):
				method = "GET" if "usage" in path or "resource" in path else "POST"
				response = api_request(
					method,
					path,
					auth=self.other_frappe_key,
					json=args if method == "POST" else None,
					query=args if method == "GET" else None,
				)
				self.assertIn(response.status_code, (403, 404), (path, response.get_data(as_text=True)))
				self.assertNotIn("mas_", response.get_data(as_text=True))
			listed = api_request(
				"GET", "/api/method/my_api_app.api.keys.list_keys", auth=self.other_frappe_key
			)
			self.assertNotIn(key, listed.get_data(as_text=True))
			self.assertFalse(frappe.db.get_value("API Key", key, "revoked"))
			self.assertEqual(
				api_request("GET", f"/api/method/{WHOAMI}", headers=token_header(key, secret)).status_code,
				200,
			)
		finally:
			frappe.db.delete("DocShare", {"share_doctype": "API Key"})
			frappe.db.commit()


class TestLimitsAndLogFollowTheCall(APIKeyTestCase):
	def tearDown(self):
		frappe.db.delete("API Rate Limit", {"rule_name": ("like", "attack-%")})
		frappe.db.commit()
		super().tearDown()

	def test_a_rule_counts_every_spelling_of_the_call(self):
		frappe.get_doc(
			{
				"doctype": "API Rate Limit",
				"rule_name": f"attack-{frappe.generate_hash(length=6)}",
				"path_pattern": f"/api/method/{WHOAMI}",
				"limit": 2,
				"period": 3600,
				"counted_per": "User",
			}
		).insert()
		frappe.db.commit()
		key, secret, _ = self.create_key()
		spellings = [
			("GET", f"/api/method/{WHOAMI}", {}),
			("GET", "/", {"cmd": WHOAMI}),
			("GET", "/api/method/my_api_app.api.public.hello", {"cmd": WHOAMI}),
			("GET", f"/api/v2/method/{WHOAMI}", {}),
		]
		statuses = [
			api_request(method, path, headers=token_header(key, secret), query=query).status_code
			for method, path, query in spellings
		]
		self.assertEqual(statuses, [200, 200, 429, 429])


class TestBruteForce(APIKeyTestCase):
	def setUp(self):
		super().setUp()
		self.saved_limit = frappe.get_site_config().get("my_api_app_auth_failure_limit")
		update_site_config("my_api_app_auth_failure_limit", 3)
		frappe.cache.delete_keys("my_api_app:auth_failures:")

	def tearDown(self):
		update_site_config("my_api_app_auth_failure_limit", self.saved_limit)
		frappe.cache.delete_keys("my_api_app:auth_failures:")
		super().tearDown()

	def login(self, address: str, pwd: str, how: str = "path"):
		form = {"usr": OWNER, "pwd": pwd}
		json_please = {"Accept": "application/json"}
		if how == "path":
			return api_request(
				"POST", "/api/method/login", data=form, remote_addr=address, headers=json_please
			)
		return api_request(
			"POST", "/", data={**form, "cmd": "login"}, remote_addr=address, headers=json_please
		)

	def test_password_guesses_past_the_limit_get_429_whatever_the_password(self):
		frappe.get_doc("User", OWNER).update({"new_password": "Right-Horse-Battery-9"}).save(
			ignore_permissions=True
		)
		frappe.db.commit()
		address = "198.51.100.20"
		sessions = frappe.db.sql("select count(*) from tabSessions where user = %s", OWNER)[0][0]
		statuses = [
			self.login(address, f"wrong-{n}", how).status_code
			for n, how in enumerate(("path", "cmd", "path"))
		]
		self.assertEqual(statuses, [401, 401, 429])
		for response in (
			self.login(address, "wrong-again"),
			self.login(address, "Right-Horse-Battery-9", "cmd"),
		):
			self.assertEqual(response.status_code, 429, response.get_data(as_text=True))
			self.assertTrue(response.headers.get("Retry-After"))
			self.assertEqual(response.get_json()["error"]["type"], "rate_limited")
			self.assertNotIn("Logged In", response.get_data(as_text=True))
			self.assertNotIn("Traceback", response.get_data(as_text=True))
		frappe.db.commit()  # a new snapshot
		self.assertEqual(
			frappe.db.sql("select count(*) from tabSessions where user = %s", OWNER)[0][0], sessions
		)
		self.assertEqual(self.login("198.51.100.21", "Right-Horse-Battery-9").status_code, 200)

	def test_key_guesses_past_the_limit_are_refused_before_the_key_is_checked(self):
		key, secret, _ = self.create_key()
		address = "198.51.100.30"
		bad = [
			token_header(key, "mas_" + "x" * 38),
			{"Authorization": "token nosuchkey:nosuchsecret"},  # Frappe's own key scheme
			{"Authorization": "Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln"},
		]
		statuses = [
			api_request("GET", f"/api/method/{WHOAMI}", headers=h, remote_addr=address).status_code
			for h in bad
		]
		self.assertEqual(statuses, [401, 401, 401])
		for headers in (bad[0], token_header(key, secret)):
			response = api_request("GET", f"/api/method/{WHOAMI}", headers=headers, remote_addr=address)
			self.assertEqual(response.status_code, 429)
			self.assertEqual(response.get_json()["error"]["type"], "rate_limited")
			self.assertTrue(response.headers.get("Retry-After"))
		response = api_request(
			"GET", f"/api/method/{WHOAMI}", headers=token_header(key, secret), remote_addr="198.51.100.31"
		)
		self.assertEqual(response.status_code, 200)

	def test_frappes_account_lockout_is_429_not_500(self):
		update_site_config("my_api_app_auth_failure_limit", 100)
		settings = frappe.get_single("System Settings")
		saved = settings.allow_consecutive_login_attempts, settings.allow_login_after_fail
		frappe.db.set_single_value(
			"System Settings", {"allow_consecutive_login_attempts": 2, "allow_login_after_fail": 60}
		)
		frappe.db.commit()
		frappe.clear_document_cache("System Settings", "System Settings")
		try:
			responses = [self.login(f"198.51.100.{40 + n}", f"wrong-{n}") for n in range(6)]
			self.assertNotIn(500, [r.status_code for r in responses])
			locked = responses[-1]
			self.assertEqual(locked.status_code, 429, locked.get_data(as_text=True))
			self.assertTrue(1 <= int(locked.headers["Retry-After"]) <= 60)
			self.assertNotIn("Traceback", locked.get_data(as_text=True))
			self.assertEqual(json.loads(locked.get_data())["error"]["type"], "rate_limited")
		finally:
			frappe.db.set_single_value(
				"System Settings",
				{"allow_consecutive_login_attempts": saved[0], "allow_login_after_fail": saved[1]},
			)
			frappe.db.commit()
			frappe.cache.delete_value(["login_failed_count", "login_failed_time"])
