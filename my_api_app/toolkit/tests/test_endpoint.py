"""Bench tests of @endpoint: each declaration, through Frappe's real request pipeline."""

import json

import frappe

from my_api_app.shared import frappe_compat
from my_api_app.testing import api_request
from my_api_app.tests.factories import ApiUsersTestCase

MEMBER = "toolkit-member@example.com"
OTHER = "toolkit-other@example.com"
MANAGER = "toolkit-manager@example.com"


def method_path(dotted: str) -> str:
	return f"/api/method/{dotted}"


class TestEndpoint(ApiUsersTestCase):
	USERS = {"member": (MEMBER, ()), "other": (OTHER, ()), "manager": (MANAGER, ("System Manager",))}

	def setUp(self):
		frappe.db.delete("ToDo", {"allocated_to": ("in", [MEMBER, OTHER])})
		self.todo = frappe.get_doc({"doctype": "ToDo", "description": "toolkit test", "allocated_to": MEMBER})
		self.todo.insert(ignore_permissions=True)
		frappe.db.commit()

	def call(self, dotted, *, method="POST", auth=None, **kwargs):
		response = api_request(method, method_path(dotted), auth=auth, **kwargs)
		return response, response.get_json()

	def assertError(self, response, body, status, type_):
		self.assertEqual(response.status_code, status, body)
		self.assertEqual(body["error"]["status"], status)
		self.assertEqual(body["error"]["type"], type_)
		self.assertEqual(body["error"]["request_id"], response.headers["X-Request-Id"])
		self.assertIn("exc_type", body)
		self.assertTrue(json.loads(body["_server_messages"]))
		for key in ("exception", "exc", "_exc_source"):
			self.assertNotIn(key, body)
		self.assertNotIn("Traceback", response.get_data(as_text=True))

	def test_success_envelope_inside_message(self):
		response, body = self.call("my_api_app.examples.public.hello", method="GET", query={"name": "Ada"})
		self.assertEqual(response.status_code, 200)
		self.assertEqual(body, {"message": {"status": "success", "data": {"greeting": "Hello, Ada!"}}})
		self.assertTrue(response.headers["X-Request-Id"])

	def test_client_request_id_is_echoed(self):
		response, _ = self.call(
			"my_api_app.examples.public.hello", method="GET", headers={"X-Request-Id": "client-id-0001"}
		)
		self.assertEqual(response.headers["X-Request-Id"], "client-id-0001")

	def test_wrong_method_is_405_with_allow(self):
		response, body = self.call("my_api_app.examples.orders.create_order", method="GET", auth=self.member)
		self.assertError(response, body, 405, "method_not_allowed")
		self.assertEqual(response.headers["Allow"], "POST")

	def test_guest_gets_401_on_a_member_endpoint(self):
		response, body = self.call("my_api_app.examples.todos.close", json={"name": self.todo.name})
		self.assertError(response, body, 401, "unauthenticated")
		self.assertIn("WWW-Authenticate", response.headers)

	def test_roles(self):
		response, body = self.call(
			"my_api_app.examples.todos.list_open_for", method="GET", auth=self.member, query={"user": MEMBER}
		)
		self.assertError(response, body, 403, "forbidden")
		response, body = self.call(
			"my_api_app.examples.todos.list_open_for", method="GET", auth=self.manager, query={"user": MEMBER}
		)
		self.assertEqual(response.status_code, 200)
		self.assertEqual([t["name"] for t in body["message"]["data"]], [self.todo.name])

	def test_document_permission_is_per_document(self):
		response, body = self.call(
			"my_api_app.examples.todos.close", auth=self.other, json={"name": self.todo.name}
		)
		self.assertError(response, body, 404, "not_found")  # not readable: the same as missing
		response, body = self.call("my_api_app.examples.todos.close", auth=self.member, json={"name": "nope"})
		self.assertError(response, body, 404, "not_found")
		response, body = self.call(
			"my_api_app.examples.todos.close", auth=self.member, json={"name": self.todo.name}
		)
		self.assertEqual(response.status_code, 200, body)
		self.assertEqual(frappe.db.get_value("ToDo", self.todo.name, "status"), "Closed")
		response, body = self.call(
			"my_api_app.examples.todos.close", auth=self.member, json={"name": self.todo.name}
		)
		self.assertError(response, body, 409, "conflict")

	def test_validation_reports_every_field(self):
		response, body = self.call(
			"my_api_app.examples.orders.create_order",
			auth=self.member,
			json={"quantity": 0, "price": "free", "colour": "red"},
		)
		self.assertError(response, body, 400, "invalid_input")
		fields = {(f["field"], f["type"]) for f in body["error"]["fields"]}
		self.assertEqual(
			fields,
			{
				("item_name", "missing"),
				("quantity", "greater_than"),
				("price", "float_type"),
				("colour", "extra_forbidden"),
			},
		)
		self.assertEqual(body["exc_type"], "InvalidInput")

	def test_creation_is_201_and_stored(self):
		response, body = self.call(
			"my_api_app.examples.orders.create_order",
			auth=self.member,
			json={"item_name": "Widget", "quantity": 3, "price": 2.5},
		)
		self.assertEqual(response.status_code, 201, body)
		data = body["message"]["data"]
		self.assertEqual(data["total"], 7.5)
		self.assertEqual(frappe.db.get_value("ToDo", data["name"], "allocated_to"), MEMBER)

	def test_form_encoded_input_is_coerced(self):
		response, body = self.call(
			"my_api_app.tests.endpoints.echo",
			auth=self.member,
			data={"count": "7", "ratio": "0.5", "flag": "true", "tags": '["a", "b"]', "when": "2026-02-01"},
		)
		self.assertEqual(response.status_code, 200, body)
		self.assertEqual(
			body["message"]["data"],
			{
				"count": [7, "int"],
				"ratio": [0.5, "float"],
				"flag": [True, "bool"],
				"tags": [["a", "b"], "list"],
				"when": ["2026-02-01", "date"],
			},
		)

	def test_errors_roll_back_what_the_endpoint_wrote(self):
		cases = {
			"conflict": (409, "conflict", "Conflict"),
			"frappe_validation": (400, "invalid_input", "ValidationError"),
			"frappe_permission": (403, "forbidden", "PermissionError"),
			"frappe_missing": (404, "not_found", "DoesNotExistError"),
			"frappe_duplicate": (409, "conflict", "DuplicateEntryError"),
			"crash": (500, "internal_error", "ZeroDivisionError"),
			"deadlock": (503, "unavailable", "QueryDeadlockError"),  # nothing changed: may be retried
		}
		for failure, (status, type_, exc_type) in cases.items():
			with self.subTest(failure):
				marker = f"rollback-{failure}-{frappe.generate_hash(length=8)}"
				response, body = self.call(
					"my_api_app.tests.endpoints.write_then_fail",
					auth=self.member,
					json={"marker": marker, "failure": failure},
				)
				self.assertError(response, body, status, type_)
				self.assertEqual(body["exc_type"], exc_type)
				self.assertEqual(bool(response.headers.get("Retry-After")), status == 503)
				frappe.db.rollback()
				self.assertFalse(frappe.db.exists("ToDo", {"description": marker}))

	def test_a_500_hides_the_cause_and_logs_it_under_the_request_id(self):
		response, body = self.call(
			"my_api_app.tests.endpoints.write_then_fail",
			auth=self.member,
			json={"marker": "crash", "failure": "crash"},
		)
		self.assertError(response, body, 500, "internal_error")
		self.assertNotIn("secret sauce", response.get_data(as_text=True))
		frappe.db.rollback()
		logged = frappe.get_all(
			"Error Log", filters={"trace_id": body["error"]["request_id"]}, fields=["method", "error"]
		)
		self.assertEqual(len(logged), 1)
		self.assertIn("ZeroDivisionError: division by zero in the secret sauce", logged[0].error)

	def test_a_user_that_does_not_exist_is_not_found(self):
		response, body = self.call(
			"my_api_app.examples.todos.reassign",
			auth=self.member,
			json={"name": self.todo.name, "user": "nobody-at-all@example.com"},
		)
		self.assertError(response, body, 404, "not_found")
		self.assertEqual(frappe.db.get_value("ToDo", self.todo.name, "allocated_to"), MEMBER)

	def answer_as(self, shape: str):
		"""The test endpoint's answer in ``shape``, carrying a fresh marker: (marker, response, body)."""
		marker = f"mas_{shape}_{frappe.generate_hash(length=8)}"
		response, body = self.call(
			"my_api_app.tests.endpoints.answer_as", auth=self.member, json={"shape": shape, "marker": marker}
		)
		return marker, response, body

	def test_only_declared_fields_are_answered(self):
		marker, response, body = self.answer_as("extra")
		self.assertEqual(response.status_code, 200, body)
		self.assertEqual(body["message"]["data"], {"name": "shown", "label": "also shown"})
		self.assertNotIn(marker, response.get_data(as_text=True))

	def test_an_answer_that_breaks_its_declaration_is_a_500_logged_without_its_values(self):
		marker, response, body = self.answer_as("mismatch")
		self.assertError(response, body, 500, "internal_error")
		self.assertNotIn("message", body)  # no partial data
		self.assertNotIn(marker, response.get_data(as_text=True))
		frappe.db.rollback()
		self.assertFalse(frappe.db.exists("ToDo", {"description": marker}))  # rolled back
		logged = frappe.get_all(
			"Error Log", filters={"trace_id": body["error"]["request_id"]}, fields=["method", "error"]
		)
		self.assertEqual(len(logged), 1)
		self.assertEqual(logged[0].method, "API error in my_api_app.tests.endpoints.answer_as")
		self.assertIn("does not match its declaration Shown", logged[0].error)
		self.assertIn("data.name: string_type", logged[0].error)
		self.assertNotIn(marker, logged[0].error)
		self.assertNotIn("Traceback", logged[0].error)

	def test_frappe_auth_failure_on_a_toolkit_path_gets_the_structured_body(self):
		response, body = self.call(
			"my_api_app.examples.todos.close", auth=("no-such-key", "wrong"), json={"name": self.todo.name}
		)
		self.assertError(response, body, 401, "unauthenticated")

	def test_frappes_own_errors_follow_the_error_contract(self):
		for method, path, status in [
			("POST", "/api/method/frappe.auth.get_logged_user", 403),
			("GET", "/api/resource/todo", 404),  # a DocType that does not exist, as spelled
			("GET", "/api/method/frappe.client.get_list", 404),  # {"doctype": "nothing"} below
			("POST", "/api/method/login", 401),
		]:
			data = {"doctype": "nothing"} if "get_list" in path else {"usr": "nobody@example.com", "pwd": "x"}
			# Frappe 15 cannot render its HTML error page for a failed login (the session has no
			# data yet: the page raises): JSON only there
			html = not (path.endswith("/login") and frappe_compat.FRAPPE_MAJOR == 15)
			for accept in ("application/json", "text/html") if html else ("application/json",):
				response = api_request(method, path, query=data, headers={"Accept": accept})
				body = response.get_json()
				self.assertEqual(
					(response.status_code, body["error"]["status"]), (status, status), (path, body)
				)
				self.assertTrue(body["error"]["request_id"])
				for key in ("exc", "exception", "_exc_source", "_debug_messages"):
					self.assertNotIn(key, body)
				self.assertNotIn("Traceback", response.get_data(as_text=True))

	def test_a_body_nested_too_deep_is_400(self):
		for depth in (65, 5000):
			body = "[" * depth + "]" * depth
			response = api_request(
				"POST",
				"/api/method/my_api_app.api.auth.whoami",
				data=body,
				headers={"Content-Type": "application/json"},
			)
			self.assertEqual(response.status_code, 400, response.get_data(as_text=True)[:300])
			self.assertEqual(response.get_json()["error"]["type"], "invalid_input")
