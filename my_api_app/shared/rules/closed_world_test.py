"""The closed world: a scoped credential runs only what can be proven inside its scopes."""

import json
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from my_api_app.shared.rules import closed_world, dispatch
from my_api_app.shared.rules.closed_world import analyse, missing_scope
from my_api_app.shared.rules.fake_site import DOCTYPES, FRAPPE_METHODS, FakeWorld
from my_api_app.shared.rules.scopes import ScopeSet

NOTHING = ScopeSet(["method:nothing.at.all"])


def reach_of(method: str, path: str, form: dict | None = None, body: str | None = None):
	form = form or {}
	return analyse(dispatch.resolve(method, unquote(path), form), form, FakeWorld(body))


def needs(method: str, path: str, form: dict | None = None, *, scopes=NOTHING, body: str | None = None):
	"""The first scope the call needs that ``scopes`` lack (None: it may run)."""
	return missing_scope(scopes, reach_of(method, path, form, body))


# Document routes: the DocType scope for the route's access, and nothing else


@pytest.mark.parametrize(
	("path", "method", "scope"),
	[
		("/api/resource/ToDo", "GET", "doctype:ToDo:read"),
		("/api/resource/ToDo/", "GET", "doctype:ToDo:read"),
		("/api/resource/ToDo", "HEAD", "doctype:ToDo:read"),
		("/api/resource/ToDo", "POST", "doctype:ToDo:create"),
		("/api/resource/ToDo", "post", "doctype:ToDo:create"),
		("/api/resource/ToDo", "PUT", "*"),
		("/api/resource/ToDo", "DELETE", "*"),
		("/api/resource/Sales%20Invoice/SINV-0001", "GET", "doctype:Sales Invoice:read"),
		("/api/resource/ToDo/a/b/c", "PUT", "doctype:ToDo:write"),
		("/api/resource/ToDo/x", "PATCH", "*"),  # v1 has no PATCH route: nothing runs
		("/api/resource/ToDo/x", "DELETE", "doctype:ToDo:delete"),
		("/api/resource/ToDo/x", "POST", "*"),  # a document's method
		("/api/resource/ToDo/x", "TRACE", "*"),
		("/api/resource/ToDo//x", "GET", "*"),
		("/api/resource/", "GET", "*"),
		("/api/v1/resource/ToDo/x", "GET", "doctype:ToDo:read"),
		("/api/v2/document/ToDo", "GET", "doctype:ToDo:read"),
		("/api/v2/document/ToDo", "POST", "doctype:ToDo:create"),
		("/api/v2/document/ToDo/x", "PUT", "doctype:ToDo:write"),
		("/api/v2/document/ToDo/x", "PATCH", "doctype:ToDo:write"),
		("/api/v2/document/ToDo/x", "DELETE", "doctype:ToDo:delete"),
		("/api/v2/document/ToDo/x/method/close", "GET", "*"),
		("/api/v2/doctype/ToDo/meta", "GET", "doctype:ToDo:read"),
		("/api/v2/doctype/ToDo/count", "GET", "doctype:ToDo:read"),
		("/api/v2/doctype/ToDo/count", "POST", "*"),
		("/api/v2/method/ToDo/get_things", "GET", "*"),  # a controller module's plain function
		("/api/v3/method/a.b", "GET", "*"),
		("/api/method/", "GET", "*"),
		("/api/method//my_api_app.examples.public.hello", "GET", "*"),
		("/app/todo", "GET", "*"),
		("/private/files/x.pdf", "GET", "*"),
		("/", "POST", "*"),
		("/api/method/login", "POST", "*"),
	],
)
def test_each_route_needs_its_doctype_scope_or_full_access(path, method, scope):
	assert needs(method, path) == scope


def test_options_runs_nothing():
	assert needs("OPTIONS", "/api/resource/User") is None
	assert needs("OPTIONS", "/api/method/frappe.client.get_password", {"cmd": "x"}) is None


def test_a_route_inside_the_scopes_runs():
	scopes = ScopeSet(["doctype:ToDo:read", "doctype:ToDo:create", "doctype:Sales Invoice:write"])
	assert needs("GET", "/api/resource/ToDo", scopes=scopes) is None
	assert needs("GET", "/api/v2/document/ToDo/x", scopes=scopes) is None
	assert needs("PUT", "/api/v2/document/Sales Invoice/x", {"grand_total": 5}, scopes=scopes) is None
	assert needs("POST", "/api/resource/ToDo", {"description": "x"}, scopes=scopes) is None


# Methods: toolkit endpoints by method scopes, a few of Frappe's generic methods by DocType
# scopes, everything else by * only


ENDPOINTS = ScopeSet(["method:my_api_app.*", "doctype:ToDo:read"])


@pytest.mark.parametrize(
	("dotted", "scope"),
	[
		("my_api_app.examples.public.hello", None),
		# an alias of an endpoint needs the scope of the endpoint that runs
		("my_api_app.examples.public.create_key", None),
		# this app's stand-ins for Frappe methods reach no more than the Frappe method
		("my_api_app.toolkit.frappe_methods.toggle_like", "*"),
		("frappe.desk.like.toggle_like", "*"),
		# a Frappe function under an app's module name is that Frappe function
		("my_api_app.api.helpers.get_list", "doctype:User:read"),
		# another app's plain function, a Server Script, something that does not exist
		("other_app.api.thing", "*"),
		("my_script", "*"),
		("my_api_app.nothing.here", "*"),
		# methods of Frappe's with no generic rule
		*[
			(name, "*")
			for name in FRAPPE_METHODS
			if name not in closed_world.GENERIC_METHODS and name != "frappe.client.get_list"
		],
		# Frappe's methods that reach no document
		("ping", None),
		("frappe.auth.get_logged_user", None),
	],
)
def test_methods(dotted, scope):
	form = {"doctype": "User"}
	for path in (f"/api/method/{dotted}", f"/api/v2/method/{dotted}"):
		assert needs("POST", path, form, scopes=ENDPOINTS) == scope, path


def test_an_alias_of_an_endpoint_needs_the_scope_of_the_endpoint_that_runs():
	scopes = ScopeSet(["method:my_api_app.examples.public.*"])
	assert needs("POST", "/api/method/my_api_app.examples.public.hello", scopes=scopes) is None
	assert (
		needs("POST", "/api/method/my_api_app.examples.public.create_key", scopes=scopes)
		== "method:my_api_app.api.keys.create_key"
	)


def test_cmd_on_any_path_in_any_form_is_what_is_checked():
	scopes = ScopeSet(["method:my_api_app.examples.public.*", "doctype:ToDo:read"])
	steal = {"cmd": "frappe.client.get_password", "doctype": "ToDo", "name": "x", "fieldname": "y"}
	for method, path in [
		("GET", "/"),
		("POST", "/app/todo"),
		("GET", "/api/resource/ToDo"),
		("POST", "/api/method/my_api_app.examples.public.hello"),
		("GET", "/api/v2/method/my_api_app.examples.public.hello"),
		("POST", "/api/method/login"),
	]:
		assert needs(method, path, steal, scopes=scopes) == "*", (method, path)
	# the same cmd naming a scoped endpoint runs, wherever it is sent
	hello = {"cmd": "my_api_app.examples.public.hello"}
	assert needs("GET", "/private/files/x", hello, scopes=scopes) is None


# Generic methods: each argument parsed into the closed grammar


TODO_READ = ScopeSet(["doctype:ToDo:read"])


@pytest.mark.parametrize(
	("dotted", "form", "scope"),
	[
		("frappe.client.get_list", {"doctype": "ToDo"}, None),
		("frappe.client.get_list", {"doctype": "ToDo", "fields": '["name", "description"]'}, None),
		("frappe.client.get_list", {"doctype": "ToDo", "fields": ["*"], "limit_page_length": "5"}, None),
		("frappe.client.get_list", {"doctype": "User"}, "doctype:User:read"),
		("frappe.client.get_count", {"doctype": "ToDo", "filters": '{"status": "Open"}'}, None),
		("my_api_app.toolkit.frappe_methods.get_count", {"doctype": "ToDo"}, None),
		("my_api_app.toolkit.frappe_methods.get_count", {"doctype": "User"}, "doctype:User:read"),
		("frappe.client.get_value", {"doctype": "ToDo", "fieldname": "description"}, None),
		("frappe.client.get_value", {"doctype": "ToDo", "fieldname": '["status"]', "filters": "x"}, None),
		("frappe.client.get_value", {"doctype": "ToDo", "fieldname": "[]", "filters": "[]"}, None),
		("frappe.client.get", {"doctype": "ToDo", "name": "x"}, None),
		(
			"frappe.client.get_single_value",
			{"doctype": "System Settings", "field": "country"},
			"doctype:System Settings:read",
		),
		("frappe.client.insert", {"doc": '{"doctype": "ToDo", "description": "x"}'}, "doctype:ToDo:create"),
		("frappe.client.save", {"doc": {"doctype": "ToDo", "name": "x"}}, "doctype:ToDo:write"),
		("frappe.client.save", {"doc": {"doctype": "ToDo", "description": "new"}}, "doctype:ToDo:create"),
		("frappe.client.submit", {"doc": {"doctype": "ToDo", "name": "x"}}, "doctype:ToDo:write"),
		(
			"frappe.client.set_value",
			{"doctype": "ToDo", "name": "x", "fieldname": "status", "value": "Closed"},
			"doctype:ToDo:write",
		),
		("frappe.client.cancel", {"doctype": "ToDo", "name": "x"}, "doctype:ToDo:write"),
		("frappe.client.delete", {"doctype": "ToDo", "name": "x"}, "doctype:ToDo:delete"),
		# link traversal, other tables, SQL: refused outright
		("frappe.client.get_list", {"doctype": "ToDo", "fields": '["allocated_to.api_key"]'}, "*"),
		("frappe.client.get_list", {"doctype": "ToDo", "fields": '["`tabUser`.`api_key`"]'}, "*"),
		("frappe.client.get_list", {"doctype": "ToDo", "fields": '["count(*) as count"]'}, "*"),
		("frappe.client.get_list", {"doctype": "ToDo", "fields": '["name as n"]'}, "*"),
		("frappe.client.get_list", {"doctype": "ToDo", "fields": "name, owner"}, "*"),
		(
			"frappe.client.get_list",
			{"doctype": "ToDo", "filters": '[["User", "api_key", "like", "a%"]]'},
			"*",
		),
		("frappe.client.get_list", {"doctype": "ToDo", "filters": '{"allocated_to.api_key": "x"}'}, "*"),
		(
			"frappe.client.get_list",
			{"doctype": "ToDo", "filters": '[["allocated_to.api_key", "=", "x"]]'},
			"*",
		),
		("frappe.client.get_list", {"doctype": "ToDo", "order_by": "allocated_to.last_login desc"}, "*"),
		("frappe.client.get_list", {"doctype": "ToDo", "order_by": "(select 1) desc"}, "*"),
		("frappe.client.get_list", {"doctype": "ToDo", "group_by": "`tabUser`.`email`"}, "*"),
		("frappe.client.get_list", {"doctype": "ToDo", "debug": "1"}, "*"),
		("frappe.client.get_list", {"doctype": "ToDo", "expand": '["allocated_to"]'}, "*"),
		("frappe.client.get_list", {"doctype": "ToDo", "user": "Administrator"}, "*"),
		("frappe.client.get_list", {"doctype": "ToDo", "ignore_permissions": "1"}, "*"),
		("frappe.client.get_list", {"doctype": "ToDo", "filters": '{"status": {"$ne": 1}}'}, "*"),
		("frappe.client.get_list", {"doctype": "ToDo", "filters": '[["status", "regexp", ".*"]]'}, "*"),
		("frappe.client.get_list", {"doctype": "ToDo", "limit_page_length": "-1"}, "*"),
		("frappe.client.get_list", {"doctype": "ToDo", "filters": "{not json"}, "*"),
		("frappe.client.get_value", {"doctype": "ToDo", "fieldname": "allocated_to.api_key"}, "*"),
		("frappe.client.get_value", {"doctype": "ToDo", "fieldname": '["allocated_to.email"]'}, "*"),
		(
			"frappe.client.get_value",
			{"doctype": "ToDo", "fieldname": "x", "filters": '{"allocated_to.api_key": "a"}'},
			"*",
		),
		("frappe.client.get_value", {"doctype": "ToDo"}, "*"),
		("frappe.client.get", {"doctype": "ToDo", "filters": '{"allocated_to.api_key": "a"}'}, "*"),
		# the DocType argument must be plain
		("frappe.client.get_list", {"doctype": ["ToDo"]}, "*"),
		("frappe.client.get_list", {}, "*"),
		("frappe.client.insert", {"doc": "{not json"}, "*"),
		("frappe.client.insert", {"doc": '{"doctype": "ToDo", "flags": {"ignore_permissions": 1}}'}, "*"),
		("frappe.client.insert", {"doc": '{"doctype": "ToDo", "parent_doc": "x"}'}, "*"),
		# tree operators read the tree of another DocType
		(
			"frappe.client.get_list",
			{"doctype": "ToDo", "filters": '{"allocated_to": ["descendants of", "x"]}'},
			"*",
		),
	],
)
def test_generic_methods(dotted, form, scope):
	for method, path, sent in [
		("POST", f"/api/method/{dotted}", form),
		("GET", f"/api/v2/method/{dotted}", form),
		("POST", "/", {**form, "cmd": dotted}),
	]:
		assert needs(method, path, sent, scopes=TODO_READ) == scope, (method, path)


def test_grammar_failures_say_why():
	reach = reach_of("GET", "/api/resource/ToDo", {"fields": '["allocated_to.api_key"]'})
	assert reach.unprovable and "allocated_to" in reach.unprovable
	assert "not a table" in reach.unprovable


def test_child_tables_are_read_through_their_parent():
	note = ScopeSet(["doctype:Note:read"])
	list_rows = {"doctype": "Note Seen By", "parent": "Note"}
	assert needs("GET", "/api/method/frappe.client.get_list", list_rows, scopes=note) is None
	assert needs("GET", "/api/resource/Note Seen By", {"parent": "Note"}, scopes=note) is None
	assert needs("GET", "/api/resource/Note Seen By", {"parent": "ToDo"}, scopes=note) == "*"
	assert needs("GET", "/api/resource/Note Seen By", scopes=note) == "*"
	assert needs("GET", "/api/resource/Note Seen By/row1", scopes=note) == "*"
	assert needs("PUT", "/api/resource/Note Seen By/row1", {"user": "x"}, scopes=note) == "*"
	fields = {"fields": '["title", "seen_by.user", "`tabNote Seen By`.`user`"]'}
	assert needs("GET", "/api/resource/Note", fields, scopes=note) is None
	assert (
		needs("GET", "/api/resource/Note", {"order_by": "`tabNote Seen By`.user desc"}, scopes=note) is None
	)
	rows = {"filters": '[["Note Seen By", "user", "=", "x"]]'}
	assert needs("GET", "/api/resource/Note", rows, scopes=note) is None


def test_a_tree_is_walked_in_its_own_doctype_only():
	tree = ScopeSet(["doctype:Tree Thing:read"])
	walk = {"filters": '{"parent_tree_thing": ["descendants of", "root"]}'}
	assert needs("GET", "/api/resource/Tree Thing", walk, scopes=tree) is None
	assert (
		needs("GET", "/api/resource/Tree Thing", {"filters": '{"name": ["ancestors of", "x"]}'}, scopes=tree)
		is None
	)


@pytest.mark.parametrize(
	("path", "form"),
	[
		("/api/resource/ToDo", {"sid": "x"}),
		("/api/resource/ToDo", {"expand": '["allocated_to"]'}),
		("/api/resource/ToDo", {"run_method": "x"}),
		("/api/resource/ToDo/x", {"fields": '["name"]'}),
		("/api/v2/document/ToDo/x", {"expand_links": "1"}),
		("/api/v2/document/ToDo", {"limit_page_length": "5"}),  # v2 lists take limit only
		("/api/v2/doctype/ToDo/count", {"fields": '["name"]'}),
		("/api/v2/doctype/ToDo/count", {"filters": '{"allocated_to.api_key": "x"}'}),
	],
)
def test_an_unknown_or_reaching_argument_is_refused_not_ignored(path, form):
	assert needs("GET", path, form, scopes=TODO_READ) == "*"


def test_documents_written_name_fields_of_their_doctype():
	write = ScopeSet(["doctype:Note:create", "doctype:Note:write"])
	row = {"doctype": "Note Seen By", "user": "a@b.c", "parent": "n", "parentfield": "seen_by"}
	assert needs("POST", "/api/resource/Note", {"title": "t", "seen_by": [row]}, scopes=write) is None
	assert needs("PUT", "/api/v2/document/Note/n", {"title": "t", "modified": "x"}, scopes=write) is None
	for bad in (
		{"flags": {"ignore_permissions": True}},
		{"title": "t", "seen_by": [{"user": "x", "flags": {}}]},
		{"seen_by": [{"doctype": "User", "email": "x"}]},
		{"seen_by": "not rows"},
		{"doctype": "User"},
		{"as_dict": True},
	):
		assert needs("POST", "/api/resource/Note", bad, scopes=write) == "*", bad
	# v1 reads the document from the `data` argument, else from the raw body
	assert needs("POST", "/api/resource/Note", {"data": '{"flags": {}}'}, scopes=write) == "*"
	assert needs("POST", "/api/resource/Note", {}, scopes=write, body='{"flags": {}}') == "*"
	assert needs("POST", "/api/resource/Note", {}, scopes=write, body='{"title": "t"}') is None


def test_set_value_reads_values_as_frappe_does():
	write = ScopeSet(["doctype:ToDo:write"])
	form = {"doctype": "ToDo", "name": "x"}
	path = "/api/method/frappe.client.set_value"
	assert needs("POST", path, {**form, "fieldname": "status", "value": "Closed"}, scopes=write) is None
	assert needs("POST", path, {**form, "fieldname": '{"status": "Closed"}'}, scopes=write) is None
	assert needs("POST", path, {**form, "fieldname": "status"}, scopes=write) is None  # emptied
	assert needs("POST", path, {**form, "fieldname": '{"flags": 1}'}, scopes=write) == "*"
	assert needs("POST", path, {**form, "fieldname": "flags", "value": "1"}, scopes=write) == "*"
	assert needs("POST", path, {**form, "fieldname": '"status"'}, scopes=write) == "*"


def test_reports_exports_uploads_and_document_methods_need_full_access():
	everything_but_full = ScopeSet(
		[
			"method:my_api_app.*",
			"method:frappe.*",
			*(f"doctype:{name}:{a}" for name in DOCTYPES for a in ("read", "write", "create", "delete")),
		]
	)
	for dotted, form in [
		(
			"frappe.desk.query_report.run",
			{"report_name": "Permitted Documents For User", "user": "Administrator"},
		),
		("frappe.desk.query_report.run", {"report_name": "ToDo"}),
		("frappe.desk.reportview.export_query", {"doctype": "ToDo"}),
		("frappe.handler.upload_file", {}),
		("frappe.client.get_password", {"doctype": "User", "name": "x", "fieldname": "api_secret"}),
		("frappe.desk.form.save.savedocs", {"doc": '{"doctype": "ToDo"}'}),
	]:
		assert needs("POST", f"/api/method/{dotted}", form, scopes=everything_but_full) == "*", dotted
	assert needs("POST", "/api/resource/ToDo/x", {"run_method": "close"}, scopes=everything_but_full) == "*"
	assert needs("GET", "/api/resource/ToDo/x", {"run_method": "close"}, scopes=everything_but_full) == "*"
	assert needs("POST", "/api/v2/method/run_doc_method", scopes=everything_but_full) == "*"


def test_full_access_needs_nothing():
	full = ScopeSet(["*"])
	assert needs("GET", "/app/todo", scopes=full) is None
	assert needs("POST", "/api/method/frappe.desk.query_report.run", scopes=full) is None


def test_an_unknown_doctype_is_named_for_a_404():
	reach = reach_of("GET", "/api/resource/todo")
	assert reach.unknown_doctype == "todo"
	assert needs("GET", "/api/resource/todo", scopes=TODO_READ) == "doctype:todo:read"
	reach = reach_of("GET", "/api/method/frappe.client.get_list", {"doctype": "Nope"})
	assert reach.unknown_doctype == "Nope"


# What a rate-limit rule sees


def test_spellings_name_the_doctype_routes_and_every_name_of_the_method():
	call = dispatch.resolve("GET", "/api/method/frappe.client.get_list", {"doctype": "ToDo"})
	spellings = analyse(call, {"doctype": "ToDo"}, FakeWorld()).spellings(call)
	assert "/api/resource/ToDo" in spellings and "/api/v2/document/ToDo" in spellings
	assert "/api/method/frappe.client.get_list" in spellings
	form = {"doctype": "ToDo"}
	call = dispatch.resolve("GET", "/api/method/my_api_app.toolkit.frappe_methods.get_count", form)
	spellings = analyse(call, form, FakeWorld()).spellings(call)
	assert "/api/method/frappe.client.get_count" in spellings
	assert "/api/v2/method/my_api_app.toolkit.frappe_methods.get_count" in spellings
	assert "/api/resource/ToDo" in spellings
	form = {"doctype": "ToDo", "name": "t1"}
	call = dispatch.resolve("GET", "/api/method/frappe.client.get", form)
	assert "/api/resource/ToDo/t1" in analyse(call, form, FakeWorld()).spellings(call)
	call = dispatch.resolve("GET", "/", {"cmd": "my_api_app.examples.public.create_key"})
	spellings = analyse(call, {"cmd": "my_api_app.examples.public.create_key"}, FakeWorld()).spellings(call)
	assert "/api/method/my_api_app.api.keys.create_key" in spellings


# Every spelling, generated


_prefixes = st.sampled_from(["/api", "/api/v1", "/api/v2", "//api", "/API", "/api/"])
_doctypes = st.sampled_from(["User", "user", "USER", "User/", "User%2F", "User ", " User", "Us%65r"])
_http = st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "get", "Post"])


@settings(max_examples=400, deadline=None)
@given(
	prefix=_prefixes,
	route=st.sampled_from(["resource", "document", "doctype"]),
	doctype=_doctypes,
	tail=st.sampled_from(["", "/", "/x", "/x/", "/count", "/meta", "//x"]),
	method=_http,
)
def test_no_spelling_of_another_doctype_is_inside_a_todo_scope(prefix, route, doctype, tail, method):
	path = unquote(f"{prefix}/{route}/{doctype}{tail}")
	reach = analyse(dispatch.resolve(method, path, {}), {}, FakeWorld())
	if missing_scope(TODO_READ, reach) is None:
		assert all(touch.doctype == "ToDo" for touch in reach.touches) and reach.unprovable is None


_json_values = st.recursive(
	st.none() | st.booleans() | st.integers() | st.text(max_size=12),
	lambda children: (
		st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
	),
	max_leaves=12,
)
_keys = st.sampled_from(
	[
		"doctype",
		"fields",
		"filters",
		"or_filters",
		"order_by",
		"group_by",
		"limit",
		"limit_start",
		"limit_page_length",
		"parent",
		"debug",
		"as_dict",
		"name",
		"fieldname",
		"doc",
		"cmd",
		"data",
		"x",
	]
)


@settings(max_examples=600, deadline=None)
@given(
	dotted=st.sampled_from(
		[*closed_world.GENERIC_METHODS, *FRAPPE_METHODS, "my_api_app.examples.public.hello"]
	),
	form=st.dictionaries(_keys, _json_values | st.text(max_size=30).map(json.dumps), max_size=6),
	path=st.sampled_from(["/api/method/{}", "/api/v2/method/{}", "/?cmd={}"]),
)
def test_whatever_the_arguments_a_call_stays_inside_its_scopes_or_is_refused(dotted, form, path):
	form = {**form, "doctype": form.get("doctype", "ToDo")}
	if path.startswith("/?"):
		form["cmd"], path = dotted, "/"
	else:
		form.pop("cmd", None)
		path = path.format(dotted)
	reach = analyse(dispatch.resolve("POST", path, form), form, FakeWorld())
	needed = missing_scope(TODO_READ, reach)
	if needed is None:
		assert reach.unprovable is None
		assert {(t.doctype, t.access) for t in reach.touches} <= {("ToDo", "read")}


_tokens = st.text(alphabet="abcdefgiklmnorstuwxyz_.`() *,tabTU", min_size=1, max_size=24)


@settings(max_examples=800, deadline=None)
@given(fields=st.lists(_tokens, min_size=1, max_size=3), order=_tokens)
def test_every_column_the_grammar_lets_through_is_a_plain_field(fields, order):
	form = {"fields": json.dumps(fields), "order_by": order}
	reach = reach_of("GET", "/api/resource/ToDo", form)
	if reach.unprovable is None:
		plain = DOCTYPES["ToDo"].fields
		for token in [
			*fields,
			order.rsplit(" ", 1)[0] if order.lower().endswith((" asc", " desc")) else order,
		]:
			bare = token.strip()
			if bare == "*":
				continue
			if bare.startswith(("`tabToDo`.", "tabToDo.")):
				bare = bare.split(".", 1)[1]
			assert bare.strip("`") in plain, token
			assert "(" not in bare and " " not in bare.strip("`")
