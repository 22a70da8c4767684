"""Every status code and error body of the toolkit, over HTTP, as an integrator sees them."""

import json

import pytest

HELLO = "my_api_app.examples.public.hello"
CREATE_ORDER = "my_api_app.examples.orders.create_order"
CLOSE = "my_api_app.examples.todos.close"
LIST_OPEN_FOR = "my_api_app.examples.todos.list_open_for"
WRITE_THEN_FAIL = "my_api_app.tests.endpoints.write_then_fail"


def assert_error(response, status: int, type_: str) -> dict:
	"""The error contract: status, Frappe's keys, the structured error, no traceback."""
	assert response.status_code == status, response.text
	assert response.headers["Content-Type"].startswith("application/json")
	body = response.json()
	error = body["error"]
	assert list(error) == ["status", "type", "title", "detail", "fields", "request_id"]
	assert (error["status"], error["type"]) == (status, type_)
	assert error["request_id"] == response.headers["X-Request-Id"]
	assert body["exc_type"]
	messages = [json.loads(m) for m in json.loads(body["_server_messages"])]
	assert any(m["message"] for m in messages)
	assert not {"exc", "exception", "_exc_source", "_debug_messages"} & set(body)
	assert "Traceback" not in response.text and 'File "' not in response.text
	return body


@pytest.fixture
def todo(admin, member):
	email, _ = member
	response = admin.request("POST", "/api/resource/ToDo", json={"description": "e2e", "allocated_to": email})
	response.raise_for_status()
	return response.json()["data"]["name"]


def test_tracebacks_are_allowed_by_the_site_settings_we_test_under(admin):
	# Frappe's default is to send tracebacks; the toolkit must not, whatever this says.
	response = admin.method(
		"GET",
		"frappe.client.get_single_value",
		params={"doctype": "System Settings", "field": "allow_error_traceback"},
	)
	assert response.json()["message"] == 1


def test_200_guest_endpoint_with_envelope(guest):
	response = guest.method("GET", HELLO, params={"name": "Integrator"})
	assert response.status_code == 200
	assert response.json() == {"message": {"status": "success", "data": {"greeting": "Hello, Integrator!"}}}
	assert response.headers["X-Request-Id"]


def test_201_creation(member):
	_email, site = member
	response = site.method("POST", CREATE_ORDER, json={"item_name": "Widget", "quantity": 2, "price": 1.25})
	assert response.status_code == 201, response.text
	data = response.json()["message"]["data"]
	assert (data["quantity"], data["total"]) == (2, 2.5)


def test_400_lists_every_invalid_field(member):
	_, site = member
	response = site.method(
		"POST", CREATE_ORDER, json={"item_name": "", "quantity": -1, "price": "1.0", "unknown": True}
	)
	body = assert_error(response, 400, "invalid_input")
	assert {(f["field"], f["type"]) for f in body["error"]["fields"]} == {
		("item_name", "string_too_short"),
		("quantity", "greater_than"),
		("price", "float_type"),
		("unknown", "extra_forbidden"),
	}


def test_400_form_encoded_strings_that_do_not_parse(member):
	_, site = member
	response = site.method("POST", CREATE_ORDER, data={"item_name": "A", "quantity": "two", "price": "3"})
	body = assert_error(response, 400, "invalid_input")
	assert [(f["field"], f["type"]) for f in body["error"]["fields"]] == [("quantity", "int_parsing")]


def test_400_missing_argument_is_not_a_500(member):
	_, site = member
	response = site.method("POST", CLOSE, json={})
	body = assert_error(response, 400, "invalid_input")
	assert body["error"]["fields"][0]["type"] == "missing"


def test_401_guest_on_a_member_endpoint(guest, todo):
	response = guest.method("POST", CLOSE, json={"name": todo})
	assert_error(response, 401, "unauthenticated")
	assert response.headers["WWW-Authenticate"]


def test_401_unknown_api_key(guest, todo):
	guest.session.headers["Authorization"] = "token nosuchkey:nosuchsecret"
	assert_error(guest.method("POST", CLOSE, json={"name": todo}), 401, "unauthenticated")


def test_403_role_required(member, manager):
	email, site = member
	assert_error(site.method("GET", LIST_OPEN_FOR, params={"user": email}), 403, "forbidden")
	_, manager_site = manager
	assert manager_site.method("GET", LIST_OPEN_FOR, params={"user": email}).status_code == 200


def test_404_for_a_document_the_caller_may_not_read(other_member, todo):
	"""The same answer as a document that does not exist: neither tells that it exists."""
	_, site = other_member
	body = assert_error(site.method("POST", CLOSE, json={"name": todo}), 404, "not_found")
	assert todo in body["error"]["detail"]


def test_404_missing_document(member):
	_, site = member
	assert_error(site.method("POST", CLOSE, json={"name": "no-such-todo"}), 404, "not_found")


def test_405_wrong_method_with_allow_header(member):
	_, site = member
	response = site.method("GET", CREATE_ORDER, params={"item_name": "A", "quantity": 1, "price": 1})
	assert_error(response, 405, "method_not_allowed")
	assert response.headers["Allow"] == "POST"


def test_409_conflict_and_the_first_close_succeeds(member, todo):
	_, site = member
	first = site.method("POST", CLOSE, json={"name": todo})
	assert first.status_code == 200 and first.json()["message"]["data"]["status"] == "Closed"
	assert_error(site.method("POST", CLOSE, json={"name": todo}), 409, "conflict")


def test_500_reveals_nothing_and_keeps_nothing(member, manager):
	_email, site = member
	response = site.method("POST", WRITE_THEN_FAIL, json={"marker": "e2e-crash", "failure": "crash"})
	body = assert_error(response, 500, "internal_error")
	assert "secret sauce" not in response.text and "ZeroDivisionError" not in body["error"]["detail"]
	_, manager_site = manager
	todos = manager_site.request(
		"GET", "/api/resource/ToDo", params={"filters": json.dumps([["description", "like", "%e2e-crash%"]])}
	)
	assert todos.json()["data"] == []
	logs = manager_site.request(
		"GET",
		"/api/resource/Error Log",
		params={
			"filters": json.dumps([["trace_id", "=", body["error"]["request_id"]]]),
			"fields": '["error"]',
		},
	)
	assert len(logs.json()["data"]) == 1
	assert "division by zero in the secret sauce" in logs.json()["data"][0]["error"]


def test_400_body_that_is_not_json(member):
	_, site = member
	response = site.method(
		"POST", CREATE_ORDER, data="{not json", headers={"Content-Type": "application/json"}
	)
	body = assert_error(response, 400, "invalid_input")
	assert body["error"]["detail"] == "The request body is not valid JSON."


def test_400_json_body_that_is_not_an_object(member):
	_, site = member
	body = assert_error(site.method("POST", CREATE_ORDER, json=[1, 2]), 400, "invalid_input")
	assert ("data", "extra_forbidden") in {(f["field"], f["type"]) for f in body["error"]["fields"]}


def test_api_v2_path_uses_the_same_contract(guest):
	response = guest.method("GET", HELLO).json()
	assert response["message"]["data"] == {"greeting": "Hello, world!"}
	v2 = guest.request("GET", f"/api/v2/method/{HELLO}")
	assert v2.status_code == 200 and v2.json()["data"]["data"] == {"greeting": "Hello, world!"}
	v2_error = guest.request("POST", f"/api/v2/method/{CLOSE}", json={"name": "x"})
	assert v2_error.status_code == 401 and v2_error.json()["error"]["type"] == "unauthenticated"
