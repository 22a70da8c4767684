"""Scope grammar, matching, narrowing, and the scopes each call Frappe runs needs."""

import time
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from my_api_app.core.dispatch import resolve
from my_api_app.core.scopes import (
	MAX_SCOPE_LENGTH,
	SCOPE_PATTERN,
	Scope,
	ScopeError,
	ScopeSet,
	ScopeText,
	access_for_ptype,
	covers,
	missing_scope,
	normalize_scopes,
	parse_scope,
	required_scopes,
	scope_claim,
	scopes_from_claim,
)


@pytest.mark.parametrize(
	("text", "scope", "canonical"),
	[
		("*", Scope("all"), "*"),
		("  *  ", Scope("all"), "*"),
		("method:frappe.auth.get_logged_user", Scope("method", pattern="frappe.auth.get_logged_user"), None),
		("method:my_api_app.api.orders.*", Scope("method", pattern="my_api_app.api.orders.*"), None),
		("method:ping", Scope("method", pattern="ping"), None),
		("doctype:ToDo:read", Scope("doctype", doctype="ToDo", access="read"), None),
		("doctype:API Key:read", Scope("doctype", doctype="API Key", access="read"), None),
		(
			" doctype: Sales Invoice :delete ",
			Scope("doctype", doctype="Sales Invoice", access="delete"),
			"doctype:Sales Invoice:delete",
		),
	],
)
def test_parse_valid_scopes(text, scope, canonical):
	assert parse_scope(text) == scope
	assert str(parse_scope(text)) == (canonical or text)


@pytest.mark.parametrize(
	("text", "why"),
	[
		("", "a scope is"),
		("all", "a scope is"),
		("method", "a scope is"),
		("Method:x.y", "a scope is"),
		("method:", "dotted path"),
		("method:*", "must name something"),
		("method:**", "must name something"),
		("method:*.*", "must name something"),
		("method:a.b?", "dotted path"),
		("method:a.[bc]", "dotted path"),
		("method:a b", "dotted path"),
		("method:a..b", "empty part"),
		("method:.a", "empty part"),
		("method:a.", "empty part"),
		("method:a-b", "dotted path"),
		("doctype:ToDo", "ends with"),
		("doctype:ToDo:READ", "ends with"),
		("doctype:ToDo:submit", "ends with"),
		("doctype::read", "DocType name"),
		("doctype: :read", "DocType name"),
		("doctype:A:B:read", "DocType name"),
		("doctype:" + "x" * 141 + ":read", "DocType name"),
		("doctype:To\nDo:read", "DocType name"),
	],
)
def test_invalid_scopes_say_which_and_why(text, why):
	with pytest.raises(ScopeError) as error:
		parse_scope(text)
	assert repr(text) in str(error.value)
	assert why in str(error.value)


def test_doctype_names_up_to_140_characters():
	assert parse_scope("doctype:" + "x" * 140 + ":read").doctype == "x" * 140


def test_normalize_strips_dedupes_sorts_and_skips_blanks():
	assert normalize_scopes(
		[
			"doctype:ToDo:read",
			" method:a.b ",
			"",
			"doctype:ToDo:read",
			"*",
			"method:a.b",
			"doctype: ToDo :read",
		]
	) == ("*", "doctype:ToDo:read", "method:a.b")


def test_normalize_names_the_bad_item():
	with pytest.raises(ScopeError, match=r"'method:a\.\.b'"):
		normalize_scopes(["doctype:ToDo:read", "method:a..b"])


@pytest.mark.parametrize("items", [[], [""], ["  ", "\n"]])
def test_normalize_needs_at_least_one_scope(items):
	with pytest.raises(ScopeError, match="at least one scope"):
		normalize_scopes(items)


def test_full_access_allows_everything():
	scopes = ScopeSet(["*"])
	assert scopes.is_full
	assert scopes.allows("*")
	assert scopes.allows_method("frappe.client.delete")
	assert scopes.allows_doctype("User", "delete")
	assert scopes.allows("doctype:User:delete")


def test_exact_method():
	scopes = ScopeSet(["method:frappe.auth.get_logged_user"])
	assert not scopes.is_full
	assert scopes.allows_method("frappe.auth.get_logged_user")
	assert not scopes.allows_method("frappe.auth.get_logged_user2")
	assert not scopes.allows_method("frappe.auth.get_logged")
	assert not scopes.allows_method("frappe.auth.get_logged_userX")
	assert not scopes.allows("*")


def test_wildcard_matches_any_run_including_dots():
	scopes = ScopeSet(["method:my_api_app.api.orders.*"])
	assert scopes.allows_method("my_api_app.api.orders.create")
	assert scopes.allows_method("my_api_app.api.orders.sub.module.fn")
	assert not scopes.allows_method("my_api_app.api.orders")
	assert not scopes.allows_method("my_api_app.api.ordersX.create")
	assert not scopes.allows_method("x.my_api_app.api.orders.create")
	assert not scopes.allows_method("my_api_app.api.invoices.create")


@pytest.mark.parametrize(
	("pattern", "name", "allowed"),
	[
		("a.*.get", "a.b.get", True),
		("a.*.get", "a.b.c.get", True),
		("a.*.get", "a..get", True),
		("a.*.get", "a.get", False),
		("a.*.get", "a.b.get.x", False),
		("*.get", "frappe.client.get", True),
		("*.get", "get", False),
		("a*b*c", "abc", True),
		("a*b*c", "aXbYc", True),
		("a*b*c", "acb", False),
		("a*b*c", "abcb", False),
		("a*bb", "abb", True),
		("ab*ba", "aba", False),
		("ab*ba", "abba", True),
		("a.b*", "a.b", True),
		("a.b", "a*b", False),
	],
)
def test_wildcard_semantics(pattern, name, allowed):
	assert ScopeSet([f"method:{pattern}"]).allows_method(name) is allowed


def test_a_star_in_the_requested_name_is_literal():
	scopes = ScopeSet(["method:a.b.c"])
	assert not scopes.allows_method("a.b.*")
	assert not scopes.allows_method("*")


def test_hostile_method_names_are_checked_in_linear_time():
	scopes = ScopeSet(["method:a*a*a*a*a*a*a*b"])
	name = "a" * 20000
	start = time.perf_counter()
	assert not scopes.allows_method(name)
	assert time.perf_counter() - start < 0.1


def test_doctype_access_is_exact():
	scopes = ScopeSet(["doctype:Sales Invoice:read", "doctype:Sales Invoice:create", "doctype:ToDo:delete"])
	assert scopes.allows_doctype("Sales Invoice", "read")
	assert scopes.allows_doctype("Sales Invoice", "create")
	assert not scopes.allows_doctype("Sales Invoice", "write")
	assert not scopes.allows_doctype("Sales Invoice", "delete")
	assert not scopes.allows_doctype("sales invoice", "read")
	assert not scopes.allows_doctype("ToDo", "read")
	assert scopes.allows_doctype("ToDo", "delete")
	assert not scopes.allows_method("frappe.client.get")


def test_allows_reads_required_scope_strings():
	scopes = ScopeSet(["method:a.*", "doctype:Sales Invoice:write"])
	assert scopes.allows("method:a.b")
	assert not scopes.allows("method:b.a")
	assert scopes.allows("doctype:Sales Invoice:write")
	assert not scopes.allows("doctype:Sales Invoice:read")
	assert not scopes.allows("*")
	assert not scopes.allows("")
	assert not scopes.allows("doctype:Sales Invoice")
	# A DocType from a URL may hold ':'; no granted DocType does.
	assert not ScopeSet(["doctype:A:read"]).allows("doctype:A:B:read")


def test_empty_set_allows_nothing():
	scopes = ScopeSet([])
	assert scopes.strings == ()
	assert not scopes.is_full
	assert not scopes.allows("*") and not scopes.allows("method:a") and not scopes.allows("doctype:A:read")


def test_scope_set_strings_are_canonical_and_it_refuses_invalid_scopes():
	assert ScopeSet(["method:b", " method:a ", "method:b"]).strings == ("method:a", "method:b")
	with pytest.raises(ScopeError):
		ScopeSet(["method:a", "bogus"])


def test_scope_claim_round_trips_names_with_spaces():
	scopes = ("*", "doctype:Sales Invoice:write", "method:a.*", "doctype:100% Thing:read")
	claim = scope_claim(scopes)
	assert claim == "* doctype:Sales%20Invoice:write method:a.* doctype:100%25%20Thing:read"
	assert scopes_from_claim(claim) == scopes
	assert scopes_from_claim("") == ()


@pytest.mark.parametrize(
	("granted", "requested", "covered"),
	[
		(["*"], "*", True),
		(["*"], "method:anything.*", True),
		(["method:a.*"], "*", False),
		(["method:a.*"], "method:a.*", True),
		(["method:a.*"], " method:a.* ", True),
		(["method:a.*"], "method:a.b", True),
		(["method:a.*"], "method:a.b.*", False),  # patterns are not compared for inclusion
		(["method:a.b"], "method:a.*", False),
		(["method:a.b"], "method:a.c", False),
		(["doctype:ToDo:read"], "doctype:ToDo:read", True),
		(["doctype:ToDo:read"], "doctype:ToDo:write", False),
		(["doctype:ToDo:write"], "doctype:ToDo:read", False),
		([], "method:a", False),
	],
)
def test_covers(granted, requested, covered):
	assert covers(ScopeSet(granted), requested) is covered


def test_covers_refuses_invalid_requests():
	with pytest.raises(ScopeError):
		covers(ScopeSet(["*"]), "method:*")


@pytest.mark.parametrize(
	("ptype", "access"),
	[
		*[(p, "read") for p in ("read", "select", "print", "email", "report", "export")],
		*[(p, "write") for p in ("write", "submit", "cancel", "amend", "share")],
		("create", "create"),
		("import", "create"),
		("delete", "delete"),
		("something_new", "write"),
		("", "write"),
	],
)
def test_access_for_ptype(ptype, access):
	assert access_for_ptype(ptype) == access


def no_reports(report: str) -> None:
	return None


def required_scope(path: str, method: str, cmd: str | None = None, *, run_method: bool = False):
	"""The one scope a call without generic-method arguments needs (None: nothing runs). The
	server percent-decodes the path once before Frappe sees it."""
	form = {"cmd": cmd} if cmd is not None else {}
	if run_method:
		form["run_method"] = "close"
	needed = required_scopes(resolve(method, unquote(path), form), form, no_reports)
	assert len(needed) <= 1
	return needed[0] if needed else None


@pytest.mark.parametrize(
	("path", "method", "scope"),
	[
		("/api/method/frappe.auth.get_logged_user", "GET", "method:frappe.auth.get_logged_user"),
		("/api/method/frappe.auth.get_logged_user/", "POST", "method:frappe.auth.get_logged_user"),
		("/api/v1/method/a.b", "POST", "method:a.b"),
		("/api/v2/method/a.b", "GET", "method:a.b"),
		("/api/v2/method/a.b/", "GET", "method:a.b"),
		("/api/method/ping", "GET", "method:ping"),
		# v1 runs only what is before the first slash; the rest must not change the scope.
		("/api/method/a.evil/x.get", "POST", "method:a.evil"),
		# v2 <DocType>/<method> runs a controller module's function: only full access names it.
		("/api/v2/method/ToDo/get_things", "GET", "*"),
		("/api/method/", "GET", "*"),
		("/api/method//a.b", "GET", "*"),
		("/api/resource/ToDo", "GET", "doctype:ToDo:read"),
		("/api/resource/ToDo/", "GET", "doctype:ToDo:read"),
		("/api/resource/ToDo", "HEAD", "doctype:ToDo:read"),
		("/api/resource/ToDo", "POST", "doctype:ToDo:create"),
		("/api/resource/ToDo", "post", "doctype:ToDo:create"),
		("/api/resource/ToDo", "PUT", "*"),
		("/api/resource/ToDo", "DELETE", "*"),
		("/api/resource/Sales%20Invoice/SINV-0001", "GET", "doctype:Sales Invoice:read"),
		("/api/resource/Sales Invoice/SINV-0001", "GET", "doctype:Sales Invoice:read"),
		("/api/resource/ToDo/a/b/c", "PUT", "doctype:ToDo:write"),
		# v1 has no PATCH route: Frappe answers 404 and runs nothing (v2 takes PATCH)
		("/api/resource/ToDo/x", "PATCH", "*"),
		("/api/resource/ToDo/x", "DELETE", "doctype:ToDo:delete"),
		("/api/resource/ToDo/x", "POST", "doctype:ToDo:write"),
		("/api/resource/ToDo/x/", "DELETE", "doctype:ToDo:delete"),
		("/api/resource/ToDo/x", "TRACE", "*"),
		("/api/resource/ToDo//x", "GET", "*"),
		("/api/resource/", "GET", "*"),
		("/api/v1/resource/ToDo/x", "GET", "doctype:ToDo:read"),
		("/api/v2/document/ToDo", "GET", "doctype:ToDo:read"),
		("/api/v2/document/ToDo", "POST", "doctype:ToDo:create"),
		("/api/v2/document/ToDo/x", "GET", "doctype:ToDo:read"),
		("/api/v2/document/ToDo/x", "PUT", "doctype:ToDo:write"),
		("/api/v2/document/ToDo/x", "PATCH", "doctype:ToDo:write"),
		("/api/v2/document/ToDo/x", "DELETE", "doctype:ToDo:delete"),
		("/api/v2/document/ToDo/x", "POST", "*"),
		("/api/v2/document/ToDo/x/method/close", "GET", "doctype:ToDo:write"),
		("/api/v2/document/ToDo/x/method/close/", "POST", "doctype:ToDo:write"),
		("/api/v2/document/ToDo/a/b/method/close", "HEAD", "doctype:ToDo:write"),
		# Frappe's method route takes GET and POST only; DELETE falls to the document route.
		("/api/v2/document/ToDo/x/method/close", "DELETE", "doctype:ToDo:delete"),
		("/api/v2/doctype/ToDo/meta", "GET", "doctype:ToDo:read"),
		("/api/v2/doctype/ToDo/count", "GET", "doctype:ToDo:read"),
		("/api/v2/doctype/ToDo/count/", "GET", "doctype:ToDo:read"),
		("/api/v2/doctype/ToDo/count", "POST", "*"),
		("/api/v2/doctype/ToDo/other", "GET", "*"),
		("/api/v2/resource/ToDo", "GET", "*"),
		("/api/v1/document/ToDo", "GET", "*"),
		("/api/v3/method/a.b", "GET", "*"),
		("/api/something", "GET", "*"),
		("/api", "GET", "*"),
		("/app/todo", "GET", "*"),
		("/private/files/x.pdf", "GET", "*"),
		("/", "POST", "*"),
		("/apix/method/a.b", "GET", "*"),
	],
)
def test_required_scope_follows_frappe_routes(path, method, scope):
	assert required_scope(path, method) == scope


def test_cmd_overrides_the_path():
	assert (
		required_scope("/api/resource/ToDo", "GET", "frappe.client.delete_file")
		== "method:frappe.client.delete_file"
	)
	assert required_scope("/", "POST", cmd="a.b") == "method:a.b"
	assert required_scope("/api/resource/ToDo", "GET", "") == "doctype:ToDo:read"
	assert required_scope("/api/method/my_api_app.api.auth.issue_token", "GET", "x.y") == "method:x.y"


def test_options_needs_no_scope_even_with_cmd():
	assert required_scope("/api/resource/ToDo", "OPTIONS") is None
	assert required_scope("/api/method/a.b", "options", cmd="a.b") is None


def test_run_method_makes_a_v1_document_get_a_write():
	assert required_scope("/api/resource/ToDo/x", "GET", run_method=True) == "doctype:ToDo:write"
	assert required_scope("/api/resource/ToDo/x", "HEAD", run_method=True) == "doctype:ToDo:write"
	assert required_scope("/api/resource/ToDo", "GET", run_method=True) == "doctype:ToDo:read"
	assert required_scope("/api/resource/ToDo/x", "DELETE", run_method=True) == "doctype:ToDo:delete"


def test_required_scopes_are_checked_by_scope_sets():
	key = ScopeSet(["doctype:Sales Invoice:read", "method:my_api_app.api.*"])
	assert key.allows(required_scope("/api/resource/Sales%20Invoice/SINV-1", "GET"))
	assert not key.allows(required_scope("/api/resource/Sales%20Invoice/SINV-1", "PUT"))
	assert key.allows(required_scope("/api/method/my_api_app.api.orders.list", "GET"))
	assert not key.allows("method:frappe.client.get_list")
	assert not key.allows(required_scope("/app/sales-invoice", "GET"))


@pytest.mark.parametrize(
	("cmd", "form", "needed"),
	[
		# the escapes: a DocType named as an argument needs its DocType scope, Singles too
		(
			"frappe.client.get_password",
			{"doctype": "API Signing Key", "name": "k", "fieldname": "private_key"},
			"doctype:API Signing Key:read",
		),
		(
			"frappe.client.get_value",
			{"doctype": "System Settings", "fieldname": "x"},
			"doctype:System Settings:read",
		),
		(
			"frappe.client.get_single_value",
			{"doctype": "System Settings", "field": "x"},
			"doctype:System Settings:read",
		),
		("frappe.client.get", {"doctype": "Note", "name": "n"}, "doctype:Note:read"),
		("frappe.client.get_list", {"doctype": "ToDo", "parent": "Note"}, "doctype:Note:read"),
		("frappe.client.set_value", {"doctype": "ToDo", "name": "t"}, "doctype:ToDo:write"),
		("frappe.client.delete", {"doctype": "ToDo", "name": "t"}, "doctype:ToDo:delete"),
		("frappe.client.insert", {"doc": '{"doctype": "Note", "title": "x"}'}, "doctype:Note:create"),
		("frappe.client.save", {"doc": {"doctype": "Note", "name": "n"}}, "doctype:Note:write"),
		(
			"frappe.client.insert_many",
			{"docs": '[{"doctype": "ToDo"}, {"doctype": "Note"}]'},
			"doctype:Note:create",
		),
		("frappe.desk.reportview.get", {"doctype": "User"}, "doctype:User:read"),
		("frappe.desk.form.load.getdoc", {"doctype": "Note", "name": "n"}, "doctype:Note:read"),
		("frappe.desk.search.search_link", {"doctype": "User", "txt": "a"}, "doctype:User:read"),
		("frappe.desk.query_report.run", {"report_name": "Todo Report"}, "doctype:Note:read"),
		("run_doc_method", {"dt": "Note", "dn": "n", "method": "x"}, "doctype:Note:write"),
		("run_doc_method", {"docs": '{"doctype": "Note", "name": "n"}', "method": "x"}, "doctype:Note:write"),
		(
			"frappe.desk.form.assign_to.add",
			{"args": '{"doctype": "Note", "name": "n"}'},
			"doctype:Note:write",
		),
		# arguments that do not say plainly need full access
		("frappe.client.get_value", {"doctype": ["ToDo"]}, "*"),
		("frappe.client.get_value", {}, "*"),
		("frappe.client.insert", {"doc": "{not json"}, "*"),
		("frappe.desk.query_report.run", {"report_name": "Unknown"}, "*"),
		# arguments that make the method run another, caller-chosen method
		("frappe.desk.search.search_link", {"doctype": "ToDo", "query": "x.y"}, "*"),
		("frappe.handler.upload_file", {"method": "x.y"}, "*"),
	],
)
def test_generic_methods_need_the_scope_of_the_doctype_they_are_given(cmd, form, needed):
	key = ScopeSet(["method:frappe.*", "method:run_doc_method", "doctype:ToDo:read", "doctype:ToDo:create"])
	reports = {"Todo Report": "Note"}.get
	for path in ("/", "/api/method/ping", "/api/method/my_api_app.api.auth.issue_token", "/app"):
		call = resolve("POST", path, {"cmd": cmd, **form})
		assert missing_scope(key, call, {"cmd": cmd, **form}, reports) == needed
		assert needed in required_scopes(call, {"cmd": cmd, **form}, reports)


def test_generic_methods_within_the_doctype_scopes_pass():
	key = ScopeSet(["method:frappe.client.*", "doctype:ToDo:read", "doctype:Note:read"])
	form = {"doctype": "ToDo", "fieldname": "description"}
	assert (
		missing_scope(key, resolve("GET", "/api/method/frappe.client.get_value", form), form, no_reports)
		is None
	)
	form = {"doctype": "ToDo", "parent": "Note"}
	assert (
		missing_scope(key, resolve("GET", "/api/v2/method/frappe.client.get_list", form), form, no_reports)
		is None
	)
	# a child row saved on its own saves its parent: the parent's write is needed as well
	key = ScopeSet(["method:frappe.client.*", "doctype:ToDo:write"])
	form = {"doc": {"doctype": "ToDo", "name": "t", "parenttype": "Note", "parent": "n"}}
	call = resolve("POST", "/api/method/frappe.client.save", form)
	assert missing_scope(key, call, form, no_reports) == "doctype:Note:write"


def test_an_unclassified_frappe_method_needs_its_exact_scope():
	wildcard = ScopeSet(["method:frappe.*", "method:*o*", "method:p*"])
	assert not wildcard.allows("method:frappe.desk.treeview.get_all_nodes")
	assert not wildcard.allows("method:frappe.model.mapper.make_mapped_doc")
	assert not wildcard.allows("method:download_file")
	assert not wildcard.allows("method:frappe")
	assert wildcard.allows("method:frappe.client.get_list")  # classified: its DocType is checked
	assert wildcard.allows("method:my_app.api.orders.create")  # an app's own method
	assert wildcard.allows("method:ping")
	exact = ScopeSet(["method:frappe.model.mapper.make_mapped_doc"])
	assert exact.allows("method:frappe.model.mapper.make_mapped_doc")
	assert not covers(ScopeSet(["method:frappe.*"]), "method:frappe.model.mapper.make_mapped_doc")


# The grammar as the OpenAPI document states it (core.scopes.SCOPE_PATTERN, enforced by pydantic
# through ScopeText): every string it allows is a canonical scope, and it refuses the rest.
_scope_text = TypeAdapter(ScopeText)


@settings(max_examples=500, deadline=None)
@given(st.from_regex(SCOPE_PATTERN, fullmatch=True).filter(lambda s: len(s) <= MAX_SCOPE_LENGTH))
def test_every_string_the_schema_allows_is_a_canonical_scope(text):
	assert _scope_text.validate_python(text) == text
	assert str(parse_scope(text)) == text


@pytest.mark.parametrize(
	"text",
	["*", "method:my_api_app.api.orders.*", "method:*_x", "doctype:Sales Invoice:write", "doctype:ToDo:read"],
)
def test_the_schema_allows_canonical_scopes(text):
	assert _scope_text.validate_python(text) == text


@pytest.mark.parametrize(
	"text",
	[
		" *",
		"*\n",
		"method:",
		"method:*.*",
		"method:a..b",
		"doctype:ToDo:admin",
		"doctype: ToDo:read",
		"doctype:To:Do:read",
		"doctype:ToDo :read",
		"method:" + "a" * 140,
	],
)
def test_the_schema_refuses_what_is_no_canonical_scope(text):
	with pytest.raises(ValidationError):
		_scope_text.validate_python(text)
