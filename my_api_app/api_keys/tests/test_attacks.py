"""The attack suite: every escape of issue 15, tried as an attacker would, through Frappe's real
request pipeline. Each must be refused (401/403/404/405/429) and change nothing."""

import json

import frappe
import frappe.api
from frappe.deferred_insert import save_to_db
from frappe.installer import update_site_config
from werkzeug.exceptions import MethodNotAllowed, NotFound

from my_api_app.api_keys.tests.test_api_keys import MANAGER, OTHER, OWNER, APIKeyTestCase, token_header
from my_api_app.shared import frappe_compat, untrusted_proxy
from my_api_app.shared.rules import dispatch
from my_api_app.testing import api_request

ISSUE_TOKEN = "/api/method/my_api_app.api.auth.issue_token"
WHOAMI = "my_api_app.api.auth.whoami"


class TestResolverMatchesFrappe(APIKeyTestCase):
	def test_the_copied_rule_table_is_frappe_15s(self):
		"""The core tier's copy (``dispatch.FRAPPE_15_MAP``); on a site the resolver matches
		with Frappe's own map, so this holds the copy to Frappe 15 only."""
		if frappe_compat.FRAPPE_MAJOR != 15:
			self.skipTest("the copy is Frappe 15's route table")
		frappes = sorted(
			(rule.rule, tuple(sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})), rule.endpoint.__name__)
			for rule in frappe.api.API_URL_MAP.iter_rules()
		)
		ours = sorted(
			(rule.rule, tuple(sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})), rule.endpoint[1])
			for rule in dispatch.FRAPPE_15_MAP.iter_rules()
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
			"copy_doc": {dispatch.COPY},
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
				call = dispatch.resolve(
					method, "/" + path.lstrip("/"), {}, match=frappe_compat.match_api_route
				)
				kept = dispatch.resolve(
					method, "/" + path.lstrip("/"), {}, match=frappe_compat.match_api_route
				)
				self.assertEqual(call, kept, ("a path's kept match answers as its first", method, path))
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
			("method:my_api_app.examples.orders.*", "doctype:ToDo:create"), caller=self.manager_frappe_key
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
			("GET", "/api/v2/method/my_api_app.examples.orders.create_order", {"query": steal}),
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
			("GET", "/api/method/my_api_app.examples.public.hello", {"cmd": WHOAMI}),
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
		self.saved = {name: frappe.get_site_config().get(name) for name in GUARD_CONFIG}
		update_site_config("my_api_app_auth_failure_limit", 3)
		update_site_config("my_api_app_auth_failure_address_limit", 6)
		frappe.get_doc("User", OWNER).update({"new_password": RIGHT}).save(ignore_permissions=True)
		frappe.get_doc("User", OTHER).update({"new_password": RIGHT}).save(ignore_permissions=True)
		frappe.db.commit()

	def tearDown(self):
		for name, value in self.saved.items():
			update_site_config(name, "None" if value is None else value)
		super().tearDown()

	def login(self, address: str, pwd: str, how: str = "path", user: str = OWNER, **headers):
		form = {"usr": user, "pwd": pwd}
		headers = {"Accept": "application/json", **headers}
		if how == "path":
			return api_request("POST", "/api/method/login", data=form, remote_addr=address, headers=headers)
		if how == "path+cmd":  # Frappe logs in on this path whatever cmd then runs
			return api_request(
				"POST",
				"/api/method/login",
				data={**form, "cmd": "ping"},
				remote_addr=address,
				headers=headers,
			)
		if how == "receiver":  # the inbound receiver drops cmd, after Frappe has logged in
			return api_request(
				"POST",
				"/api/method/my_api_app.api.inbound.receive",
				query={"source": "nothing"},
				json={**form, "cmd": "login"},
				remote_addr=address,
				headers=headers,
			)
		return api_request("POST", "/", data={**form, "cmd": "login"}, remote_addr=address, headers=headers)

	def sessions(self, user: str = OWNER) -> int:
		frappe.db.commit()  # a new snapshot
		return frappe.db.sql("select count(*) from tabSessions where user = %s", user)[0][0]

	def test_every_way_frappe_logs_in_is_counted(self):
		for n, how in enumerate(("path", "path+cmd", "receiver", "cmd")):
			address = f"198.51.100.{60 + n}"
			statuses = [self.login(address, f"wrong-{i}", how).status_code for i in range(3)]
			self.assertEqual(statuses[-1], 429, (how, statuses))
			refused = self.login(address, RIGHT, how)
			self.assertEqual(refused.status_code, 429, (how, refused.get_data(as_text=True)))
			self.assertNotIn("Set-Cookie", refused.headers)

	def test_past_the_limit_every_answer_is_the_same_whatever_the_password(self):
		address = "198.51.100.20"
		sessions = self.sessions()
		statuses = [
			self.login(address, f"wrong-{n}", how).status_code
			for n, how in enumerate(("path", "cmd", "path"))
		]
		self.assertEqual(statuses, [401, 401, 429])
		for how in ("path", "cmd"):
			wrong, right = self.login(address, "wrong-again", how), self.login(address, RIGHT, how)
			for response in (wrong, right):
				self.assertEqual(response.status_code, 429, response.get_data(as_text=True))
				self.assertTrue(response.headers.get("Retry-After"))
				self.assertEqual(response.get_json()["error"]["type"], "rate_limited")
			self.assertEqual(_without_request_id(wrong), _without_request_id(right), how)
		self.assertEqual(self.sessions(), sessions)
		# another address, and another account from the same address, are not refused
		self.assertEqual(self.login("198.51.100.21", RIGHT).status_code, 200)
		self.assertEqual(self.login(address, RIGHT, user=OTHER).status_code, 200)

	def test_an_address_spraying_many_accounts_is_stopped(self):
		address = "198.51.100.25"
		for n in range(6):
			self.login(address, "wrong", user=f"nobody-{n}@example.com")
		self.assertEqual(self.login(address, RIGHT, user=OTHER).status_code, 429)
		self.assertEqual(self.login("198.51.100.26", RIGHT, user=OTHER).status_code, 200)

	def test_failures_never_refuse_a_valid_key_or_token(self):
		key, secret, _ = self.create_key()
		token = self.issue_token(key, secret)
		address = "198.51.100.30"
		bad = [
			token_header(key, "mas_" + "x" * 38),
			{"Authorization": "token nosuchkey:nosuchsecret"},  # Frappe's own key scheme
			{"Authorization": "Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln"},
			{"Authorization": "Bearer opaque-oauth-token"},
		]
		statuses = [
			api_request("GET", f"/api/method/{WHOAMI}", headers=bad[n % 4], remote_addr=address).status_code
			for n in range(8)
		]
		self.assertEqual(statuses[:3], [401, 401, 401])
		self.assertEqual(statuses[-1], 429)  # past a limit, a failure is 429 with Retry-After
		for headers in (
			token_header(key, secret),
			{"Authorization": f"Bearer {token}"},
			self.owner_headers(),
		):
			response = api_request("GET", f"/api/method/{WHOAMI}", headers=headers, remote_addr=address)
			self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		response = api_request("GET", f"/api/method/{WHOAMI}", headers=bad[0], remote_addr=address)
		self.assertEqual(response.status_code, 429)
		self.assertTrue(response.headers.get("Retry-After"))

	def owner_headers(self) -> dict:
		key, secret = self.owner_frappe_key
		return {"Authorization": f"token {key}:{secret}"}

	def test_behind_a_proxy_clients_are_told_apart_only_when_it_is_trusted(self):
		"""nginx as bench sets it up: every request from 127.0.0.1, X-Forwarded-For the client."""
		save_to_db()  # warnings other tests queued
		frappe.cache.delete_value(untrusted_proxy.SEEN_KEY)
		untrusted_proxy._reported.discard(frappe.local.site)  # this process has not reported it yet
		frappe.db.delete("Error Log", {"method": ("like", PROXY_WARNING)})
		frappe.db.commit()
		nginx = {"X-Forwarded-For": "203.0.113.7"}
		for n in range(3):
			self.login("127.0.0.1", f"wrong-{n}", **nginx)
		# not trusted: every client is the proxy, and the next client is refused with the first
		other_client = self.login("127.0.0.1", RIGHT, **{"X-Forwarded-For": "203.0.113.8"})
		self.assertEqual(other_client.status_code, 429)
		save_to_db()  # the warning is a deferred insert
		self.assertEqual(frappe.db.count("Error Log", {"method": ("like", PROXY_WARNING)}), 1)
		self.assertEqual(
			api_request(
				"POST",
				"/api/method/my_api_app.request_log.dashboard.untrusted_proxy",
				auth=self.manager_frappe_key,
			).get_json()["message"]["value"],
			1,
		)
		saved = frappe.get_site_config().get("my_api_app_trusted_proxies")
		update_site_config("my_api_app_trusted_proxies", ["127.0.0.1"])
		try:
			for n in range(3):
				self.login("127.0.0.1", f"wrong-{n}", **{"X-Forwarded-For": "203.0.113.9"})
			self.assertEqual(
				self.login("127.0.0.1", RIGHT, **{"X-Forwarded-For": "203.0.113.10"}).status_code, 200
			)
			self.assertEqual(
				self.login("127.0.0.1", RIGHT, **{"X-Forwarded-For": "203.0.113.9"}).status_code, 429
			)
			# a client cannot pose as another by writing the header itself: nginx's value is last
			spoof = {"X-Forwarded-For": "203.0.113.10, 203.0.113.9"}
			self.assertEqual(self.login("127.0.0.1", RIGHT, **spoof).status_code, 429)
		finally:
			update_site_config("my_api_app_trusted_proxies", "None" if saved is None else saved)
		save_to_db()
		self.assertEqual(frappe.db.count("Error Log", {"method": ("like", PROXY_WARNING)}), 1)

	def test_frappes_account_lockout_is_429_not_500(self):
		update_site_config("my_api_app_auth_failure_limit", 100)
		update_site_config("my_api_app_auth_failure_address_limit", 1000)
		settings = frappe.get_single("System Settings")
		saved = settings.allow_consecutive_login_attempts, settings.allow_login_after_fail
		frappe.db.set_single_value(
			"System Settings", {"allow_consecutive_login_attempts": 2, "allow_login_after_fail": 60}
		)
		frappe.db.commit()
		frappe.clear_document_cache("System Settings", "System Settings")
		# Frappe 15 cannot render its own HTML error page for a lockout (the session has no data
		# yet: it raises inside the page); JSON answers it on both versions
		accepts = (
			("application/json",) if frappe_compat.FRAPPE_MAJOR == 15 else ("application/json", "text/html")
		)
		try:
			for how, accept in ((how, accept) for how in ("path", "cmd") for accept in accepts):
				frappe.cache.delete_value(["login_failed_count", "login_failed_time"])
				responses = [
					self.login(f"198.51.100.{40 + n}", f"wrong-{n}", how, Accept=accept) for n in range(6)
				]
				self.assertNotIn(500, [r.status_code for r in responses], how)
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


GUARD_CONFIG = ("my_api_app_auth_failure_limit", "my_api_app_auth_failure_address_limit")
RIGHT = "Right-Horse-Battery-9"
PROXY_WARNING = "%proxy that is not trusted%"


def _without_request_id(response) -> tuple:
	body = response.get_json()
	body["error"]["request_id"] = None
	headers = sorted((name, value) for name, value in response.headers.items() if name != "X-Request-Id")
	return response.status_code, headers, body
