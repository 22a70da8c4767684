"""The attack suite over HTTP (gunicorn): a narrow key tries every spelling of a call outside its
scopes, with ``cmd`` in the query string, a form body and a JSON body, on any path."""

import pytest

from my_api_app.api_keys.tests.http.api_keys_test import as_key, create_key
from my_api_app.tests.http.e2e_site import Site

STEAL = {
	"cmd": "frappe.client.get_password",
	"doctype": "API Signing Key",
	"name": "x",
	"fieldname": "private_key",
}
PATHS = (
	"/api/method/my_api_app.api.auth.issue_token",
	"/api/v2/method/my_api_app.api.auth.issue_token/",
	"/",
	"/app/todo",
	"/api/resource/ToDo",
	"//api/method/my_api_app.examples.orders.create_order",
)


@pytest.fixture(scope="module")
def narrow_key(manager) -> Site:
	return as_key(create_key(manager[1], ("method:my_api_app.examples.orders.*", "doctype:ToDo:create")))


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("where", ["query", "form", "json"])
def test_cmd_outside_the_scopes_is_refused_on_any_path(narrow_key, path, where):
	sent = {"params": STEAL} if where == "query" else {"data": STEAL} if where == "form" else {"json": STEAL}
	response = narrow_key.request("GET" if where == "query" else "POST", path, **sent)
	assert response.status_code == 403, response.text
	assert response.json()["error"]["type"] == "missing_scope"
	assert response.headers.get("X-Request-Id")
	assert "PRIVATE KEY" not in response.text and "Traceback" not in response.text


@pytest.mark.parametrize(
	("method", "args"),
	[
		("frappe.client.get_value", {"doctype": "System Settings", "fieldname": "country"}),
		("frappe.client.get_single_value", {"doctype": "System Settings", "field": "country"}),
		("frappe.client.get_list", {"doctype": "User"}),
		("frappe.desk.search.search_link", {"doctype": "ToDo", "txt": "", "query": "frappe.client.get_list"}),
	],
)
def test_generic_methods_are_held_to_the_doctype_they_are_given(manager, method, args):
	key = as_key(create_key(manager[1], ("method:frappe.*", "doctype:ToDo:read")))
	for version in ("", "/v2"):
		response = key.request("GET", f"/api{version}/method/{method}", params=args)
		assert response.status_code == 403, (version, response.text)
