"""The closed world over HTTP (gunicorn, 2 workers x 4 threads): a scoped credential runs only
what can be proven inside its scopes, whatever the route or spelling, and no request's state
reaches the next one on a worker thread. Issue 24's families, tried as an attacker would."""

import json
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from my_api_app.api_keys.tests.http.api_keys_test import access_token, as_key, create_key
from my_api_app.tests.http.e2e_site import Site

HELLO = "my_api_app.examples.public.hello"
WHOAMI = "my_api_app.api.auth.whoami"
SECRET_HOLDERS = ("API Key", "API Signing Key", "User", "Sessions", "Error Log", "System Settings")


@pytest.fixture(scope="module")
def todo_reader(member) -> Site:
	return as_key(create_key(member[1], ("doctype:ToDo:read", f"method:{HELLO}")))


def assert_refused(response, scope: str | None = None):
	assert response.status_code in (401, 403, 404, 405), (response.status_code, response.text[:300])
	assert "Traceback" not in response.text
	if response.status_code == 403 and scope:
		body = response.json()
		assert body["error"]["type"] == "missing_scope", body
		assert f"lacks the scope {scope}" in body["error"]["detail"]


_prefixes = st.sampled_from(["/api", "/api/v1", "/api/v2", "//api", "/api/", "/API"])
_cmd_places = st.sampled_from(["query", "form", "json"])
_targets = st.sampled_from(
	[
		("frappe.client.get_list", {"doctype": "User", "fields": '["name", "api_key"]'}),
		("frappe.client.get_count", {"doctype": "API Key"}),
		("my_api_app.toolkit.frappe_methods.get_count", {"doctype": "API Signing Key"}),
		("frappe.client.get_value", {"doctype": "ToDo", "fieldname": '["allocated_to.api_key"]'}),
		(
			"frappe.client.get_password",
			{"doctype": "User", "name": "Administrator", "fieldname": "api_secret"},
		),
		(
			"frappe.desk.query_report.run",
			{"report_name": "Permitted Documents For User", "user": "Administrator"},
		),
		("frappe.desk.reportview.get", {"doctype": "ToDo", "fields": '["name"]'}),
		("my_api_app.api.keys.list_keys", {}),
		("my_api_app.request_log.dashboard.error_rate", {}),
	]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
	prefix=_prefixes, target=_targets, place=_cmd_places, path=st.sampled_from(["/", "/app/todo", "/login"])
)
def test_no_spelling_of_a_call_outside_the_scopes_runs(todo_reader, prefix, target, place, path):
	method, args = target
	routed = todo_reader.request("POST", f"{prefix}/method/{method}", json=args)
	assert_refused(routed)
	payload = {**args, "cmd": method}
	sent = {"query": {"params": payload}, "form": {"data": payload}, "json": {"json": payload}}[place]
	by_cmd = todo_reader.request("GET" if place == "query" else "POST", path, **sent)
	assert_refused(by_cmd)
	for response in (routed, by_cmd):
		for leak in ("api_secret", "private_key", "mas_", "-----BEGIN"):
			assert leak not in response.text


@pytest.mark.parametrize("doctype", SECRET_HOLDERS)
@pytest.mark.parametrize("route", ["/api/resource/{}", "/api/v1/resource/{}", "/api/v2/document/{}"])
def test_document_routes_of_other_doctypes_are_refused(todo_reader, doctype, route):
	assert_refused(todo_reader.request("GET", route.format(doctype)))


@pytest.mark.parametrize(
	"query",
	[
		{"fields": '["name", "allocated_to.api_key"]'},
		{"fields": '["`tabUser`.`api_key`"]'},
		{"filters": '[["User", "api_key", "like", "%"]]'},
		{"filters": '{"allocated_to.last_login": [">", "2000-01-01"]}'},
		{"order_by": "allocated_to.last_ip desc"},
		{"group_by": "allocated_to.email"},
		{"fields": '["count(*) as n"]'},
		{"expand": '["allocated_to"]'},
	],
)
def test_link_traversal_and_unknown_arguments_are_refused(todo_reader, query):
	for route in ("/api/resource/ToDo", "/api/v2/document/ToDo"):
		assert_refused(todo_reader.request("GET", route, params=query), "*")
	assert_refused(
		todo_reader.method("GET", "frappe.client.get_list", params={"doctype": "ToDo", **query}), "*"
	)


def test_a_session_id_beside_a_key_never_makes_the_call_the_sessions(todo_reader, member, admin):
	"""Frappe 16 takes ``sid`` out of the arguments as a session id (15 leaves it there, where the
	closed world refuses it as an argument no route takes): either way the key's own user calls,
	and the session is left as it was (Frappe 16 saved it emptied after the answer, logging the
	admin out)."""
	admins = admin.request("POST", "/api/resource/ToDo", json={"description": "the admin's own"})
	assert admins.status_code == 200, admins.text
	mine = todo_reader.request("GET", "/api/resource/ToDo").json()["data"]
	for sid in (admin.session.cookies["sid"], "x"):
		listed = todo_reader.request("GET", "/api/resource/ToDo", params={"sid": sid})
		if listed.status_code != 200:
			assert_refused(listed, "*")
		else:
			assert listed.json()["data"] == mine
		caller = todo_reader.method("GET", "frappe.auth.get_logged_user", params={"sid": sid})
		assert caller.status_code == 200 and caller.json()["message"] == member[0], caller.text
		assert "Set-Cookie" not in caller.headers
	# and the session whose id came along is the admin's still, untouched
	assert admin.method("GET", "frappe.auth.get_logged_user").json()["message"] == "Administrator"


def test_plain_reads_of_the_scoped_doctype_work_by_every_route(todo_reader):
	fields = '["name", "description", "status"]'
	for response in (
		todo_reader.request("GET", "/api/resource/ToDo", params={"fields": fields, "limit": 5}),
		todo_reader.request("GET", "/api/v2/document/ToDo", params={"fields": fields, "limit": 5}),
		todo_reader.method("GET", "frappe.client.get_list", params={"doctype": "ToDo", "fields": fields}),
		todo_reader.method("GET", "frappe.client.get_count", params={"doctype": "ToDo"}),
	):
		assert response.status_code == 200, response.text


def test_narrowed_tokens_grant_exactly_what_they_name(member):
	full = as_key(create_key(member[1], ("*",)))
	token = Site(auth=f"Bearer {access_token(full, scopes=['doctype:ToDo:read'])}")
	assert token.request("GET", "/api/resource/ToDo").status_code == 200
	assert_refused(token.request("GET", "/api/resource/Note"), "doctype:Note:read")
	assert_refused(token.method("GET", WHOAMI), f"method:{WHOAMI}")


def test_a_refusal_on_a_page_path_is_json_with_retry_after(admin, member):
	key = create_key(member[1], (f"method:{HELLO}",))
	rule = admin.request(
		"POST",
		"/api/resource/API Rate Limit",
		json={
			"rule_name": f"e2e-carry-{key['name']}",
			"path_pattern": f"/api/method/{HELLO}",
			"applies_to": "API Key",
			"api_key": key["name"],
			"limit": 1,
			"period": 3600,
		},
	)
	assert rule.status_code == 200, rule.text
	try:
		site = as_key(key)
		statuses = [site.request("GET", "/", params={"cmd": HELLO}) for _ in range(3)]
		refused = statuses[-1]
		assert refused.status_code == 429, refused.text[:300]
		assert refused.headers["Content-Type"].startswith("application/json")
		assert refused.headers.get("Retry-After") and refused.headers.get("X-Request-Id")
		assert refused.json()["error"]["type"] == "rate_limited"
	finally:
		admin.request("DELETE", f"/api/resource/API Rate Limit/e2e-carry-{key['name']}")


def test_no_state_reaches_the_next_request_on_a_worker_thread(admin, member):
	"""Many refusals on page paths (where Frappe 15 cannot render an error) interleaved with a
	narrow key's calls outside its scopes and a guest's whoami, on every worker thread: not
	one answer may carry another request's caller."""
	narrow = as_key(create_key(member[1], (f"method:{HELLO}",)))
	failing = Site(auth="token mak_" + "A" * 20 + ":mas_" + "x" * 38)
	errors: list[str] = []

	def client(n: int) -> None:
		for i in range(12):
			kind = (n + i) % 3
			if kind == 0:
				response = failing.request("GET", "/", params={"cmd": HELLO})
				ok = response.status_code in (401, 429) and response.headers["Content-Type"].startswith(
					"application/json"
				)
			elif kind == 1:
				response = narrow.method("GET", "frappe.client.get_count", params={"doctype": "ToDo"})
				ok = response.status_code == 403
			else:
				response = Site().method("GET", WHOAMI)
				ok = response.status_code == 401
			if not ok:
				errors.append(f"{kind}: {response.status_code} {response.text[:200]}")

	threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	assert not errors, errors[:5]


def test_errors_frappe_answers_follow_the_contract(member):
	_, site = member
	for method, path, kwargs, status in [
		("GET", "/api/resource/todo", {}, 404),
		("GET", "/api/method/frappe.client.get_list", {"params": {"doctype": "NoSuchDocType"}}, 404),
		("POST", "/api/method/login", {"json": {"usr": "nobody@example.com", "pwd": "x"}}, 401),
		(
			"POST",
			f"/api/method/{WHOAMI}",
			{"data": "[" * 5000 + "]" * 5000, "headers": {"Content-Type": "application/json"}},
			400,
		),
	]:
		response = (Site() if "login" in path else site).request(method, path, **kwargs)
		assert response.status_code == status, (path, response.text[:300])
		body = response.json()
		assert body["error"]["status"] == status and body["error"]["request_id"]
		assert "Traceback" not in response.text and "exc" not in body


def test_counting_is_permission_checked_for_every_doctype(member):
	_, site = member
	for doctype, status in (("Error Log", 403), ("Activity Log", 403), ("Sessions", 404)):
		response = site.method(
			"GET", "frappe.client.get_count", params={"doctype": doctype, "filters": json.dumps({})}
		)
		assert response.status_code == status, (doctype, response.text[:300])
