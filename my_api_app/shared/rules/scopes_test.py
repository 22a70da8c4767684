"""Scope grammar, matching and narrowing (what each call needs: test_closed_world.py)."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from my_api_app.shared.rules.scopes import (
	MAX_SCOPE_LENGTH,
	SCOPE_PATTERN,
	Scope,
	ScopeError,
	ScopeSet,
	ScopeText,
	access_for_ptype,
	covers,
	normalize_scopes,
	parse_scope,
	scope_claim,
	scopes_from_claim,
)


@pytest.mark.parametrize(
	("text", "scope", "canonical"),
	[
		("*", Scope("all"), "*"),
		("  *  ", Scope("all"), "*"),
		("method:frappe.auth.get_logged_user", Scope("method", pattern="frappe.auth.get_logged_user"), None),
		(
			"method:my_api_app.examples.orders.*",
			Scope("method", pattern="my_api_app.examples.orders.*"),
			None,
		),
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
	assert scopes.allows_method("frappe.client.delete")
	assert scopes.allows_doctype("User", "delete")


def test_exact_method():
	scopes = ScopeSet(["method:frappe.auth.get_logged_user"])
	assert not scopes.is_full
	assert scopes.allows_method("frappe.auth.get_logged_user")
	assert not scopes.allows_method("frappe.auth.get_logged_user2")
	assert not scopes.allows_method("frappe.auth.get_logged")
	assert not scopes.allows_method("frappe.auth.get_logged_userX")
	assert not scopes.is_full


def test_wildcard_matches_any_run_including_dots():
	scopes = ScopeSet(["method:my_api_app.examples.orders.*"])
	assert scopes.allows_method("my_api_app.examples.orders.create")
	assert scopes.allows_method("my_api_app.examples.orders.sub.module.fn")
	assert not scopes.allows_method("my_api_app.examples.orders")
	assert not scopes.allows_method("my_api_app.api.ordersX.create")
	assert not scopes.allows_method("x.my_api_app.examples.orders.create")
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


def test_a_doctype_from_a_url_may_hold_a_colon_no_granted_one_does():
	assert not ScopeSet(["doctype:A:read"]).allows_doctype("A:B", "read")


def test_empty_set_allows_nothing():
	scopes = ScopeSet([])
	assert scopes.strings == ()
	assert not scopes.is_full
	assert not scopes.allows_method("a") and not scopes.allows_doctype("A", "read")


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


# The grammar as the OpenAPI document states it (shared.rules.scopes.SCOPE_PATTERN, enforced by pydantic
# through ScopeText): every string it allows is a canonical scope, and it refuses the rest.
_scope_text = TypeAdapter(ScopeText)


@settings(max_examples=500, deadline=None)
@given(st.from_regex(SCOPE_PATTERN, fullmatch=True).filter(lambda s: len(s) <= MAX_SCOPE_LENGTH))
def test_every_string_the_schema_allows_is_a_canonical_scope(text):
	assert _scope_text.validate_python(text) == text
	assert str(parse_scope(text)) == text


@pytest.mark.parametrize(
	"text",
	[
		"*",
		"method:my_api_app.examples.orders.*",
		"method:*_x",
		"doctype:Sales Invoice:write",
		"doctype:ToDo:read",
	],
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
