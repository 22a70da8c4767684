"""frappe-js-sdk, a real third-party JavaScript client, against the live site.

my_api_app/tests/http/js/sdk_client.mjs drives the SDK (FrappeApp with token auth, call.get/post, db.getDocList,
createDoc, getDoc) and prints one JSON object; these tests run it with a Frappe user's own API key and
secret, as Guest, and with a wrong secret, and check what an integrator's JavaScript gets back.
Node and npm must be installed; `npm ci` runs once if my_api_app/tests/http/js/node_modules lacks the pinned SDK.
"""

import json
import os
import shutil
import subprocess
import uuid

import pytest

from my_api_app.tests.http.e2e_site import Site, make_user, skip_unless_live_site
from my_api_app.tests.http.js_packages import JS_DIR, ensure_installed, locked_version

skip_unless_live_site()

SCRIPT = JS_DIR / "sdk_client.mjs"
HELLO = "my_api_app.examples.public.hello"
LIST_OPEN = "my_api_app.examples.todos.list_open"
CLOSE = "my_api_app.examples.todos.close"
CREATE_KEY = "my_api_app.api.keys.create_key"
ISSUE_TOKEN = "my_api_app.api.auth.issue_token"
WHOAMI = "my_api_app.api.auth.whoami"


def locked_sdk_version() -> str:
	return locked_version("frappe-js-sdk")


@pytest.fixture(scope="session")
def node() -> str:
	path = shutil.which("node")
	if not path:
		pytest.fail("node is not installed: the frappe-js-sdk tests need Node.js 20 or newer", pytrace=False)
	ensure_installed("frappe-js-sdk")
	return path


def run_sdk(node: str, *args: str, token: str | None = None) -> dict:
	"""Run sdk_client.mjs against the site under test; the token goes by environment, not argv."""
	env = {key: value for key, value in os.environ.items() if not key.startswith("FRAPPE_SDK_")}
	if token:
		env["FRAPPE_SDK_TOKEN"] = token
	result = subprocess.run(
		[
			node,
			str(SCRIPT),
			"--url",
			os.environ["MY_API_APP_E2E_URL"],
			"--site",
			os.environ["MY_API_APP_E2E_SITE"],
			*args,
		],
		env=env,
		capture_output=True,
		text=True,
		timeout=120,
	)
	assert result.returncode == 0, f"sdk_client exited {result.returncode}:\n{result.stderr}"
	return json.loads(result.stdout)


def call_arg(method: str, args: dict | None = None) -> str:
	return method if args is None else f"{method} {json.dumps(args)}"


@pytest.fixture(scope="module", params=["frappe user key", "app API Key"])
def sdk_user(request, admin) -> tuple[str, str]:
	"""A user of the site and a credential as 'key:secret': their own Frappe API key, or an API
	Key of this app (``mak_…``, full scope) that they created with it."""
	email, site = make_user(admin)
	scheme, token = site.session.headers["Authorization"].split(" ", 1)
	assert scheme == "token"
	if request.param == "app API Key":
		response = site.method("POST", CREATE_KEY, json={"label": "frappe-js-sdk", "scopes": ["*"]})
		assert response.status_code == 201, response.text
		token = response.json()["message"]["data"]["authorization"].split(" ", 1)[1]
		assert token.startswith("mak_")
	return email, token


@pytest.fixture(scope="module")
def assigned_todo(admin, sdk_user) -> dict:
	"""An open ToDo that the administrator gave the SDK's user."""
	email, _ = sdk_user
	description = f"sdk assigned {uuid.uuid4().hex[:10]}"
	response = admin.request(
		"POST", "/api/resource/ToDo", json={"description": description, "allocated_to": email}
	)
	response.raise_for_status()
	return response.json()["data"]


@pytest.fixture(scope="module")
def guest_run(node) -> dict:
	return run_sdk(
		node,
		"--get",
		call_arg(HELLO, {"name": "SDK"}),
		"--get",
		call_arg(LIST_OPEN),
		"--doctype",
		"ToDo",
	)


@pytest.fixture(scope="module")
def created_description() -> str:
	return f"sdk created {uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def token_run(node, sdk_user, assigned_todo, created_description) -> dict:
	email, token = sdk_user
	return run_sdk(
		node,
		"--get",
		call_arg(HELLO),
		"--get",
		call_arg(LIST_OPEN, {"limit": 100}),
		"--post",
		call_arg(CLOSE, {"name": assigned_todo["name"]}),
		"--post",
		call_arg(HELLO, {"name": "POST"}),
		"--doctype",
		"ToDo",
		"--list-args",
		json.dumps(
			{
				"fields": ["name", "description", "status", "allocated_to"],
				"filters": [["name", "=", assigned_todo["name"]]],
			}
		),
		"--doc",
		# ToDo's own permission check lets a user without a ToDo role create only their own ToDos.
		json.dumps({"description": created_description, "priority": "High", "allocated_to": email}),
		token=token,
	)


def calls_by_method(run: dict) -> dict[tuple[str, str], dict]:
	return {(call["http"], call["method"]): call for call in run["calls"]}


def ok_result(step: dict):
	assert step["ok"], json.dumps(step["error"], indent=1)[:2000]
	return step["result"]


def error_of(step: dict, status: int) -> dict:
	assert not step["ok"], json.dumps(step["result"])[:2000]
	error = step["error"]
	assert error["httpStatus"] == status, json.dumps(error, indent=1)[:2000]
	return error


def test_the_locked_sdk_is_the_one_that_ran(guest_run):
	package = json.loads((JS_DIR / "package.json").read_text())
	assert package["private"] is True
	assert package["dependencies"]["frappe-js-sdk"] == locked_sdk_version()
	assert guest_run["sdk"] == {"name": "frappe-js-sdk", "version": locked_sdk_version(), "auth": "guest"}
	assert locked_sdk_version().startswith("1.")


def test_guest_get_of_a_guest_endpoint(guest_run):
	call = calls_by_method(guest_run)[("GET", HELLO)]
	assert call["args"] == {"name": "SDK"}
	assert ok_result(call) == {"message": {"status": "success", "data": {"greeting": "Hello, SDK!"}}}


def test_guest_is_told_to_authenticate(guest_run):
	error = error_of(calls_by_method(guest_run)[("GET", LIST_OPEN)], 401)
	assert error["exception"] == "Unauthenticated"
	assert error["body"]["error"]["type"] == "unauthenticated"
	assert error["body"]["error"]["request_id"]


def test_guest_may_not_list_todos(guest_run):
	error = error_of(guest_run["list"], 403)
	assert "PermissionError" in error["exception"]


def test_token_get_lists_the_users_open_todos(token_run, assigned_todo):
	calls = calls_by_method(token_run)
	assert token_run["sdk"]["auth"] == "token"
	assert ok_result(calls[("GET", HELLO)])["message"]["data"] == {"greeting": "Hello, world!"}
	body = ok_result(calls[("GET", LIST_OPEN)])
	assert body["message"]["status"] == "success"
	todos = {todo["name"]: todo for todo in body["message"]["data"]}
	assert assigned_todo["name"] in todos
	assert todos[assigned_todo["name"]]["description"] == assigned_todo["description"]
	assert {todo["status"] for todo in todos.values()} == {"Open"}


def test_token_post_sends_json_args(token_run, assigned_todo, admin):
	body = ok_result(calls_by_method(token_run)[("POST", CLOSE)])
	assert body["message"]["data"] == {"name": assigned_todo["name"], "status": "Closed"}
	response = admin.request("GET", f"/api/resource/ToDo/{assigned_todo['name']}")
	assert response.json()["data"]["status"] == "Closed"


def test_post_to_a_get_only_endpoint_is_a_structured_405(token_run):
	error = error_of(calls_by_method(token_run)[("POST", HELLO)], 405)
	assert error["exception"] == "MethodNotAllowed"
	assert error["body"]["error"]["type"] == "method_not_allowed"
	assert "Traceback" not in json.dumps(error)


def test_get_doc_list_with_fields_and_filters(token_run, assigned_todo, sdk_user):
	email, _ = sdk_user
	# The calls ran first, so the ToDo is closed by now.
	assert ok_result(token_run["list"]) == [
		{
			"name": assigned_todo["name"],
			"description": assigned_todo["description"],
			"status": "Closed",
			"allocated_to": email,
		}
	]


def test_create_doc_then_get_doc(token_run, sdk_user, created_description, admin):
	email, _ = sdk_user
	created = ok_result(token_run["create"])
	assert (created["description"], created["priority"], created["owner"]) == (
		created_description,
		"High",
		email,
	)
	fetched = ok_result(token_run["get"])
	assert (fetched["name"], fetched["description"], fetched["owner"]) == (
		created["name"],
		created_description,
		email,
	)
	response = admin.request("GET", f"/api/resource/ToDo/{created['name']}")
	assert response.json()["data"]["owner"] == email


def test_a_wrong_secret_is_refused(node, sdk_user):
	_, token = sdk_user
	key = token.split(":", 1)[0]
	run = run_sdk(node, "--get", call_arg(HELLO), "--doctype", "ToDo", token=f"{key}:not-the-secret")
	assert run["sdk"]["auth"] == "token"
	assert error_of(run["calls"][0], 401)
	assert error_of(run["list"], 401)


def test_bearer_access_token_from_an_api_key(node, admin):
	"""The SDK's Bearer mode with an access token exchanged for an app API Key."""
	_, site = make_user(admin)
	key = site.method("POST", CREATE_KEY, json={"label": "sdk bearer", "scopes": ["*"]}).json()["message"][
		"data"
	]
	key_site = Site(auth=key["authorization"])
	token = key_site.method("POST", ISSUE_TOKEN, json={}).json()["message"]["data"]["access_token"]
	run = run_sdk(node, "--token-type", "Bearer", "--get", call_arg(WHOAMI), "--doctype", "ToDo", token=token)
	assert run["sdk"]["auth"] == "Bearer"
	whoami = ok_result(run["calls"][0])["message"]["data"]
	assert whoami["authenticated_by"] == "jwt"
	assert whoami["api_key"] == key["name"]
	assert isinstance(ok_result(run["list"]), list)
