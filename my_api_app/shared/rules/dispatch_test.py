"""The resolver: what Frappe 15 runs for a request, for every route of app.py and api/v1, v2.

Table tests name each route; property-based tests (hypothesis) try the spellings an attacker
would: v1/v2/none, trailing and doubled slashes, percent-encoding (decoded once by the server),
case, ``cmd`` in the form and HEAD/GET/POST/PUT/PATCH/DELETE. The bench tier holds the copied
rule table equal to Frappe's own map (my_api_app/api_keys/tests/test_attacks.py).
"""

from urllib.parse import quote, unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from my_api_app.shared.rules import dispatch
from my_api_app.shared.rules.dispatch import Call, resolve

M, DOC = dispatch.METHOD, "ToDo"


@pytest.mark.parametrize(
	("http", "path", "form", "expected"),
	[
		# app.py: OPTIONS runs nothing, cmd runs on any path, then /api/, files, pages
		("OPTIONS", "/api/method/a.b", {"cmd": "c.d"}, Call(dispatch.OPTIONS, "web", True)),
		("OPTIONS", "/", {}, Call(dispatch.OPTIONS, "web", False)),
		("GET", "/", {"cmd": "a.b"}, Call(M, "cmd", True, method="a.b")),
		("POST", "/app/todo", {"cmd": "a.b"}, Call(M, "cmd", True, method="a.b")),
		("PUT", "/private/files/x", {"cmd": "a.b"}, Call(M, "cmd", True, method="a.b")),
		("GET", "/api/method/x.y", {"cmd": "a.b"}, Call(M, "cmd", True, method="a.b")),
		("GET", "/api/resource/ToDo", {"cmd": "a.b"}, Call(M, "cmd", True, method="a.b")),
		("GET", "/", {"cmd": ["a.b"]}, Call(M, "cmd", True, method=None)),
		("GET", "/", {"cmd": ""}, Call(dispatch.PAGE, "web", False)),
		("POST", "/", {"cmd": "login"}, Call(dispatch.LOGIN, "cmd", True, method="login", logs_in=True)),
		("POST", "/api/method/login", {}, Call(dispatch.LOGIN, "v1", True, method="login", logs_in=True)),
		# Frappe logs in when cmd is login or the path is exactly /api/method/login, whatever runs
		("POST", "/api/method/login", {"cmd": "ping"}, Call(M, "cmd", True, method="ping", logs_in=True)),
		(
			"POST",
			"/app/todo",
			{"cmd": "login"},
			Call(dispatch.LOGIN, "cmd", True, method="login", logs_in=True),
		),
		("POST", "/api/v2/method/login", {}, Call(M, "v2", True, method="login")),
		("POST", "/api/method/login/", {}, Call(M, "v1", True, method="login")),
		("GET", "/backups/x.sql.gz", {}, Call(dispatch.FILE, "web", False)),
		("GET", "/private/files/a.pdf", {}, Call(dispatch.FILE, "web", False)),
		("GET", "/app/todo", {}, Call(dispatch.PAGE, "web", False)),
		("HEAD", "/", {}, Call(dispatch.PAGE, "web", False)),
		("DELETE", "/app/todo", {}, Call(dispatch.NOT_FOUND, "web", False)),
		("GET", "/API/method/a.b", {}, Call(dispatch.PAGE, "web", False)),
		# v1
		("GET", "/api/method/a.b", {}, Call(M, "v1", True, method="a.b")),
		("GET", "/api/v1/method/a.b/c/d", {}, Call(M, "v1", True, method="a.b")),
		("GET", "/api/method//a.b", {}, Call(dispatch.NOT_FOUND, "v1", True)),
		("GET", "/api/method/", {}, Call(dispatch.NOT_FOUND, "v1", True)),
		("GET", "/api/resource/ToDo", {}, Call(dispatch.LIST, "v1", True, doctype=DOC)),
		("POST", "/api/resource/ToDo/", {}, Call(dispatch.CREATE, "v1", True, doctype=DOC)),
		("GET", "/api/resource/ToDo/a/b", {}, Call(dispatch.READ, "v1", True, doctype=DOC, name="a/b")),
		("HEAD", "/api/resource/ToDo/x", {}, Call(dispatch.READ, "v1", True, doctype=DOC, name="x")),
		(
			"GET",
			"/api/resource/ToDo/x",
			{"run_method": "m"},
			Call(dispatch.DOCUMENT_METHOD, "v1", True, method="m", doctype=DOC, name="x"),
		),
		("PUT", "/api/resource/ToDo/x", {}, Call(dispatch.UPDATE, "v1", True, doctype=DOC, name="x")),
		("DELETE", "/api/resource/ToDo/x/", {}, Call(dispatch.DELETE, "v1", True, doctype=DOC, name="x")),
		(
			"POST",
			"/api/resource/ToDo/x",
			{"run_method": "m"},
			Call(dispatch.DOCUMENT_METHOD, "v1", True, method="m", doctype=DOC, name="x"),
		),
		(
			"POST",
			"/api/resource/ToDo/x",
			{},
			Call(dispatch.DOCUMENT_METHOD, "v1", True, doctype=DOC, name="x"),
		),
		("PUT", "/api/resource/ToDo", {}, Call(dispatch.METHOD_NOT_ALLOWED, "v1", True)),
		("GET", "/api/resource/ToDo//x", {}, Call(dispatch.NOT_FOUND, "v1", True)),
		("GET", "/api//method/a.b", {}, Call(dispatch.NOT_FOUND, "v1", True)),
		# v2
		("GET", "/api/v2/method/a.b", {}, Call(M, "v2", True, method="a.b")),
		("POST", "/api/v2/method/login", {}, Call(M, "v2", True, method="login")),
		("GET", "/api/v2/method/ping", {}, Call(M, "v2", True, method="ping")),
		("POST", "/api/v2/method/upload_file", {}, Call(M, "v2", True, method="upload_file")),
		("POST", "/api/v2/method/run_doc_method", {}, Call(M, "v2", True, method="run_doc_method")),
		(
			"GET",
			"/api/v2/method/ToDo/get_x",
			{},
			Call(dispatch.CONTROLLER_METHOD, "v2", True, method="get_x", doctype=DOC),
		),
		("GET", "/api/v2/document/ToDo", {}, Call(dispatch.LIST, "v2", True, doctype=DOC)),
		("POST", "/api/v2/document/ToDo", {}, Call(dispatch.CREATE, "v2", True, doctype=DOC)),
		("PATCH", "/api/v2/document/ToDo/x", {}, Call(dispatch.UPDATE, "v2", True, doctype=DOC, name="x")),
		(
			"POST",
			"/api/v2/document/ToDo/x/method/m",
			{},
			Call(dispatch.DOCUMENT_METHOD, "v2", True, method="m", doctype=DOC, name="x"),
		),
		("GET", "/api/v2/doctype/ToDo/meta", {}, Call(dispatch.META, "v2", True, doctype=DOC)),
		("GET", "/api/v2/doctype/ToDo/count/", {}, Call(dispatch.COUNT, "v2", True, doctype=DOC)),
		("POST", "/api/v2/doctype/ToDo/count", {}, Call(dispatch.METHOD_NOT_ALLOWED, "v1", True)),
		("GET", "/api/v3/method/a.b", {}, Call(dispatch.NOT_FOUND, "v1", True)),
	],
)
def test_every_route_resolves_as_frappe_dispatches_it(http, path, form, expected):
	assert resolve(http, path, form) == expected


def test_the_receiver_path_keeps_its_call_when_a_hook_drops_cmd():
	receive = "my_api_app.api.inbound.receive"
	path = f"/api/method/{receive}"
	assert resolve("POST", path, {"cmd": "x.y"}, cmd_dropped_on={receive}).method == receive
	# the receiver drops cmd, but Frappe has already performed a login the body asked for
	assert resolve("POST", path, {"cmd": "login"}, cmd_dropped_on={receive}).logs_in
	assert resolve("POST", "/", {"cmd": "x.y"}, cmd_dropped_on={receive}).method == "x.y"
	assert resolve("POST", "/api/method/other.m", {"cmd": "x.y"}, cmd_dropped_on={receive}).method == "x.y"


def test_spellings_name_every_path_of_the_same_call():
	assert resolve("GET", "/", {"cmd": "a.b"}).spellings == (
		"/api/method/a.b",
		"/api/v1/method/a.b",
		"/api/v2/method/a.b",
	)
	assert "/api/resource/ToDo/x" in resolve("PATCH", "/api/v2/document/ToDo/x", {}).spellings
	assert resolve("GET", "/api/nothing", {}).spellings == ()


dotted = st.from_regex(r"[a-z_][a-z0-9_]{0,8}(\.[a-z_][a-z0-9_]{0,8}){0,3}", fullmatch=True)
methods = st.sampled_from(["HEAD", "GET", "POST", "PUT", "PATCH", "DELETE"])
any_path = st.text(st.sampled_from("/apimethodresourcev12ToD %._x"), max_size=40).map(lambda s: "/" + s)


@given(http=methods, path=any_path, method=dotted)
def test_a_cmd_is_the_call_on_any_path_and_is_an_api_call(http, path, method):
	call = resolve(http, path, {"cmd": method})
	assert (call.kind, call.method, call.api) == ((dispatch.LOGIN if method == "login" else M), method, True)


@given(http=methods, path=any_path)
def test_without_cmd_only_api_paths_are_api_calls(http, path):
	assert resolve(http, path, {}).api == path.startswith("/api/")


@given(
	http=methods, method=dotted, prefix=st.sampled_from(["/api", "/api/v1", "/api/v2"]), slash=st.booleans()
)
def test_every_spelling_of_a_method_call_is_the_same_call(http, method, prefix, slash):
	call = resolve(http, f"{prefix}/method/{method}{'/' if slash else ''}", {})
	if method == "login" and prefix == "/api" and not slash:
		assert call.kind == dispatch.LOGIN
		return
	assert call.kind == M
	assert call.method == ({"login": "login"}.get(method, method))
	assert f"/api/method/{method}" in call.spellings


@given(
	http=st.sampled_from(["GET", "PUT", "DELETE"]),
	name=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(
		lambda n: not n.startswith("/") and "//" not in n and n.strip("/")
	),
	version=st.sampled_from(
		[("/api/resource", "v1"), ("/api/v1/resource", "v1"), ("/api/v2/document", "v2")]
	),
)
def test_a_percent_encoded_document_path_is_the_decoded_call(http, name, version):
	"""The server decodes PATH_INFO once; whatever was encoded, the call names the decoded DocType."""
	encoded = f"{version[0]}/{quote('Sales Invoice')}/{quote(name, safe='')}"
	call = resolve(http, unquote(encoded), {})
	assert call.doctype == "Sales Invoice"
	assert call.kind in (dispatch.READ, dispatch.UPDATE, dispatch.DELETE, dispatch.DOCUMENT_METHOD)
	assert (
		call.name is not None and call.name.rstrip("/") == name.rstrip("/")
	) or call.kind == dispatch.DOCUMENT_METHOD


@given(http=methods, method=dotted, case=st.sampled_from(["/API", "/Api", "/aPi"]))
def test_only_lowercase_api_is_the_api(http, method, case):
	assert resolve(http, f"{case}/method/{method}", {}).kind in (dispatch.PAGE, dispatch.NOT_FOUND)
