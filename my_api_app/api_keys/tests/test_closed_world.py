"""The closed world through Frappe's real request pipeline: a scoped credential runs only what
can be proven inside its scopes (issue 24's attacks, each tried the way the review found it)."""

import frappe

from my_api_app.api_keys.tests.test_api_keys import (
	OWNER,
	APIKeyTestCase,
	bearer_header,
	token_header,
)
from my_api_app.shared.in_process import on_one_thread
from my_api_app.testing import api_request

WHOAMI = "my_api_app.api.auth.whoami"
HELLO = "my_api_app.examples.public.hello"


class TestClosedWorld(APIKeyTestCase):
	def assertMissingScope(self, response, scope="*"):
		body = response.get_json(silent=True) or {}
		self.assertEqual(response.status_code, 403, response.get_data(as_text=True))
		self.assertEqual(body["error"]["type"], "missing_scope")
		self.assertIn(f"lacks the scope {scope}", body["error"]["detail"])
		self.assertNotIn("Traceback", response.get_data(as_text=True))

	def test_link_fields_do_not_reach_the_linked_doctype(self):
		key, secret, _ = self.create_key(("doctype:ToDo:read",))
		frappe.get_doc({"doctype": "ToDo", "description": "mine", "allocated_to": "Administrator"}).insert(
			ignore_permissions=True
		)
		frappe.db.commit()
		headers = token_header(key, secret)
		for path, query in [
			("/api/resource/ToDo", {"fields": '["name", "allocated_to.api_key", "allocated_to.last_login"]'}),
			("/api/v2/document/ToDo", {"fields": '["allocated_to.email"]'}),
			("/api/resource/ToDo", {"filters": '[["User", "api_key", "like", "%"]]'}),
			("/api/resource/ToDo", {"filters": '{"allocated_to.api_key": ["like", "a%"]}'}),
			("/api/resource/ToDo", {"order_by": "allocated_to.last_login desc"}),
			("/api/resource/ToDo", {"group_by": "`tabUser`.`last_ip`"}),
			(
				"/api/method/frappe.client.get_value",
				{"doctype": "ToDo", "fieldname": '["allocated_to.api_key"]'},
			),
			("/api/method/frappe.client.get_list", {"doctype": "ToDo", "fields": '["count(*) as n"]'}),
			("/api/method/frappe.client.get_list", {"doctype": "ToDo", "expand": '["allocated_to"]'}),
		]:
			response = api_request("GET", path, headers=headers, query=query)
			self.assertMissingScope(response)
			self.assertNotIn("Administrator", response.get_data(as_text=True).replace("lacks", ""))
		# plain fields of ToDo are in scope, by every route
		for path, query in [
			("/api/resource/ToDo", {"fields": '["name", "description", "allocated_to"]', "limit": "5"}),
			("/api/v2/document/ToDo", {"fields": '["name"]', "limit": "5"}),
			("/api/method/frappe.client.get_list", {"doctype": "ToDo", "fields": '["name"]'}),
			("/api/method/frappe.client.get_count", {"doctype": "ToDo", "filters": '{"status": "Open"}'}),
			("/api/v2/doctype/ToDo/count", {"filters": '{"status": "Open"}'}),
		]:
			response = api_request("GET", path, headers=headers, query=query)
			self.assertEqual(response.status_code, 200, (path, response.get_data(as_text=True)))

	def test_the_apps_own_aliases_reach_no_more_than_frappes_names(self):
		key, secret, _ = self.create_key(("method:my_api_app.*",))
		headers = token_header(key, secret)
		for dotted, args in [
			(
				"my_api_app.toolkit.frappe_methods.get_count",
				{"doctype": "Activity Log", "filters": '{"user": ["like", "a%"]}'},
			),
			("frappe.client.get_count", {"doctype": "Activity Log"}),
			("my_api_app.toolkit.frappe_methods.get_count", {"doctype": "Sessions"}),
			("my_api_app.toolkit.frappe_methods.toggle_like", {"doctype": "ToDo", "name": "x", "add": "Yes"}),
			("my_api_app.request_log.dashboard.error_rate", {}),
		]:
			response = api_request("POST", f"/api/method/{dotted}", headers=headers, json=args)
			self.assertEqual(response.status_code, 403, (dotted, response.get_data(as_text=True)))
		response = api_request(
			"POST",
			"/api/method/my_api_app.toolkit.frappe_methods.get_count",
			headers=headers,
			json={"doctype": "Activity Log"},
		)
		self.assertMissingScope(response, "doctype:Activity Log:read")

	def test_counting_is_permission_checked_for_every_doctype(self):
		"""Frappe 15 counts any DocType (any table, even one that is no DocType) unchecked; a plain
		user counting Sessions by a filter could read Administrator's session id a character at a
		time."""
		for dotted in ("frappe.client.get_count", "my_api_app.toolkit.frappe_methods.get_count"):
			for doctype, status in (("Sessions", 404), ("Activity Log", 403), ("Error Log", 403)):
				response = api_request(
					"GET",
					f"/api/method/{dotted}",
					auth=self.other_frappe_key,
					query={"doctype": doctype, "filters": '{"owner": "Administrator"}'},
				)
				self.assertEqual(response.status_code, status, (dotted, response.get_data(as_text=True)))
				self.assertNotIn("Traceback", response.get_data(as_text=True))
		own = api_request(
			"GET",
			"/api/method/frappe.client.get_count",
			auth=self.other_frappe_key,
			query={"doctype": "ToDo"},
		)
		self.assertEqual(own.status_code, 200)
		self.assertIsInstance(own.get_json()["message"], int)  # as frappe-js-sdk reads it
		bad = api_request(
			"GET",
			"/api/method/frappe.client.get_count",
			auth=self.other_frappe_key,
			query={"doctype": "ToDo", "filters": "{not json"},
		)
		self.assertEqual(bad.status_code, 400, bad.get_data(as_text=True))
		self.assertEqual(bad.get_json()["error"]["type"], "invalid_input")

	def test_reports_need_full_access_whoever_they_are_run_for(self):
		key, secret, _ = self.create_key(("doctype:User:read", "doctype:API Key:read", "doctype:ToDo:read"))
		for report in ("Permitted Documents For User", "ToDo"):
			response = api_request(
				"POST",
				"/api/method/frappe.desk.query_report.run",
				headers=token_header(key, secret),
				json={
					"report_name": report,
					"filters": {"user": "Administrator", "doctype": "API Key"},
					"user": "Administrator",
				},
			)
			self.assertMissingScope(response)

	def test_everything_outside_the_closed_world_needs_full_access(self):
		key, secret, _ = self.create_key(("method:my_api_app.*", "doctype:ToDo:read", "doctype:ToDo:write"))
		headers = token_header(key, secret)
		for method, path, args in [
			("POST", "/api/method/frappe.desk.reportview.get", {"doctype": "ToDo"}),
			("POST", "/api/method/frappe.desk.search.search_link", {"doctype": "ToDo", "txt": ""}),
			("POST", "/api/method/frappe.desk.form.load.getdoc", {"doctype": "ToDo", "name": "x"}),
			(
				"POST",
				"/api/method/frappe.client.get_password",
				{"doctype": "User", "name": OWNER, "fieldname": "api_secret"},
			),
			("POST", "/api/method/upload_file", {}),
			("POST", "/api/method/frappe.utils.print_format.download_pdf", {"doctype": "ToDo", "name": "x"}),
			("POST", "/api/method/logout", {}),
			("POST", "/api/v2/method/run_doc_method", {"method": "x", "document": {"doctype": "ToDo"}}),
			("POST", "/api/resource/ToDo/x", {"run_method": "get_title"}),
			("GET", "/api/v2/document/ToDo/x/method/get_title", {}),
			("GET", "/app/todo", {}),
		]:
			kwargs = {"query": args} if method == "GET" else {"json": args}
			self.assertMissingScope(api_request(method, path, headers=headers, **kwargs))

	def test_narrowed_tokens_grant_exactly_the_narrowed_scopes(self):
		key, secret, _ = self.create_key(("*",))
		token = api_request(
			"POST",
			"/api/method/my_api_app.api.auth.issue_token",
			headers=token_header(key, secret),
			json={"scopes": ["doctype:ToDo:read"]},
		).get_json()["message"]["data"]["access_token"]
		self.assertEqual(
			api_request("GET", "/api/resource/ToDo", headers=bearer_header(token)).status_code, 200
		)
		self.assertMissingScope(
			api_request("GET", "/api/resource/Note", headers=bearer_header(token)), "doctype:Note:read"
		)
		key, secret, _ = self.create_key(("method:my_api_app.api.*",))
		token = api_request(
			"POST",
			"/api/method/my_api_app.api.auth.issue_token",
			headers=token_header(key, secret),
			json={"scopes": [f"method:{WHOAMI}"]},
		).get_json()["message"]["data"]["access_token"]
		whoami = api_request("GET", f"/api/method/{WHOAMI}", headers=bearer_header(token))
		self.assertEqual(whoami.status_code, 200, whoami.get_data(as_text=True))
		self.assertEqual(whoami.get_json()["message"]["data"]["scopes"], [f"method:{WHOAMI}"])
		self.assertMissingScope(
			api_request("POST", "/api/method/my_api_app.api.keys.list_keys", headers=bearer_header(token)),
			"method:my_api_app.api.keys.list_keys",
		)
		# the key narrowed afterwards narrows the token at its next request
		doc = frappe.get_doc("API Key", key)
		doc.set("scopes", [{"scope": "method:my_api_app.examples.public.*"}])
		doc.save(ignore_permissions=True)
		frappe.db.commit()
		self.assertEqual(
			api_request("GET", f"/api/method/{WHOAMI}", headers=bearer_header(token)).status_code, 403
		)


class TestLimitsUnderEveryName(APIKeyTestCase):
	def tearDown(self):
		frappe.db.delete("API Rate Limit", {"rule_name": ("like", "closed-world-%")})
		frappe.db.commit()
		super().tearDown()

	def rule(self, pattern: str, limit: int = 2) -> None:
		frappe.get_doc(
			{
				"doctype": "API Rate Limit",
				"rule_name": f"closed-world-{frappe.generate_hash(length=6)}",
				"path_pattern": pattern,
				"limit": limit,
				"period": 3600,
				"counted_per": "User",
			}
		).insert()
		frappe.db.commit()

	def test_a_rule_on_a_doctype_counts_every_route_that_reads_it(self):
		self.rule("/api/resource/ToDo")
		statuses = [
			api_request(method, path, auth=self.other_frappe_key, query=query).status_code
			for method, path, query in [
				("GET", "/api/resource/ToDo", {}),
				("GET", "/api/method/frappe.client.get_list", {"doctype": "ToDo"}),
				("GET", "/api/method/frappe.desk.reportview.get", {"doctype": "ToDo", "fields": '["name"]'}),
				("GET", "/api/v2/document/ToDo", {}),
			]
		]
		self.assertEqual(statuses, [200, 200, 429, 429])

	def test_a_rule_on_a_method_counts_its_aliases(self):
		self.rule("/api/method/frappe.client.get_count")
		statuses = [
			api_request(
				"GET", f"/api/method/{dotted}", auth=self.other_frappe_key, query={"doctype": "ToDo"}
			).status_code
			for dotted in (
				"frappe.client.get_count",
				"my_api_app.toolkit.frappe_methods.get_count",
				"frappe.client.get_count",
			)
		]
		self.assertEqual(statuses, [200, 200, 429])


class TestNoStateCarriesOver(APIKeyTestCase):
	def tearDown(self):
		frappe.db.delete("API Rate Limit", {"rule_name": ("like", "carry-%")})
		frappe.db.commit()
		super().tearDown()

	def test_a_refusal_on_a_page_path_is_json_and_leaves_nothing_to_the_next_request(self):
		narrow, narrow_secret, _ = self.create_key((f"method:{HELLO}",))
		sibling, sibling_secret, _ = self.create_key((f"method:{HELLO}",))
		frappe.get_doc(
			{
				"doctype": "API Rate Limit",
				"rule_name": "carry-hello",
				"path_pattern": f"/api/method/{HELLO}",
				"applies_to": "API Key",
				"api_key": sibling,
				"limit": 1,
				"period": 3600,
			}
		).insert()
		frappe.db.commit()
		sibling_headers = token_header(sibling, sibling_secret)
		responses = on_one_thread(
			[
				{"path": "/", "query_string": {"cmd": HELLO}, "headers": sibling_headers},
				{"path": "/", "query_string": {"cmd": HELLO}, "headers": sibling_headers},
				{
					"path": "/app/todo",
					"query_string": {"cmd": "frappe.client.get_count", "doctype": "ToDo"},
					"headers": sibling_headers,
				},
				{
					"path": "/api/method/frappe.client.get_count",
					"query_string": {"doctype": "ToDo"},
					"headers": token_header(narrow, narrow_secret),
				},
				{"path": f"/api/method/{WHOAMI}", "headers": {"Cookie": "sid=Guest"}},
				{"path": f"/api/method/{WHOAMI}", "headers": token_header(narrow, narrow_secret)},
			]
		)
		statuses = [response.status_code for response in responses]
		self.assertEqual(
			statuses, [200, 429, 403, 403, 401, 403], [r.get_data(as_text=True) for r in responses]
		)
		refused = responses[1]
		self.assertEqual(refused.mimetype, "application/json")
		self.assertEqual(refused.get_json()["error"]["type"], "rate_limited")
		self.assertTrue(refused.headers.get("Retry-After"))
		self.assertTrue(refused.headers.get("X-Request-Id"))
		self.assertEqual(responses[2].get_json()["error"]["type"], "missing_scope")

	def test_a_session_without_a_key_never_gets_another_callers_principal(self):
		key, secret, _ = self.create_key(("*",))
		responses = on_one_thread(
			[
				{
					"path": "/",
					"method": "POST",
					"data": {"cmd": "my_api_app.api.auth.issue_token"},
					"headers": token_header(key, "mas_" + "x" * 38),
				},
				{"path": f"/api/method/{WHOAMI}", "headers": token_header(key, secret)},
				{"path": "/api/method/my_api_app.api.auth.issue_token", "method": "POST", "headers": {}},
				{"path": f"/api/method/{WHOAMI}", "auth": None},
			]
		)
		statuses = [response.status_code for response in responses]
		self.assertEqual(statuses, [401, 200, 401, 401], [r.get_data(as_text=True) for r in responses])
		self.assertNotIn("access_token", responses[2].get_data(as_text=True))
