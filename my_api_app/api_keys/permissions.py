"""Permission hooks: who may see an API Key, and DocType scopes on every document access.

The DocType scopes of a key or token are enforced where Frappe checks permissions, so they
hold for /api/resource, /api/v2/document and any method (``frappe.client.get_list`` included):
a request can only touch a DocType its credential has a ``doctype:<DocType>:<access>`` scope
for. These hooks only deny; a credential never gets more than its user's own permissions.

A denial is *raised*, not returned as False: Frappe's ``has_permission`` turns a False from a
hook into True when the document is shared with the user (``false_if_not_shared``), so a share
or an assignment would otherwise widen a scoped credential or open someone else's key.
"""

import frappe
from frappe import _

from my_api_app.api_keys import principal
from my_api_app.shared import frappe_compat
from my_api_app.shared.rules.errors import NotFound
from my_api_app.shared.rules.scopes import access_for_ptype


def is_key_admin(user: str | None = None) -> bool:
	"""System Managers manage every user's keys."""
	return "System Manager" in frappe.get_roles(user or frappe.session.user)


def may_manage_key(key_user: str | None, user: str | None = None) -> bool:
	"""Whether ``user`` (default: the session user) may see and change a key of ``key_user``:
	its owner, or a System Manager. Shares, assignments and user permissions grant nothing."""
	user = user or frappe.session.user
	return user == key_user or is_key_admin(user)


def check_may_manage_key(doc) -> None:
	"""The key endpoints' explicit owner check: someone else's key is the same 404 as none."""
	if not may_manage_key(doc.user):
		raise NotFound(_("API Key {0} was not found.").format(doc.name))


def api_key_has_permission(doc, ptype: str, user: str) -> bool | None:
	"""A user's own keys; a System Manager's are everyone's. Someone else's key is the same
	404 as one that does not exist (a key id answers nothing about whose it is)."""
	if not doc.user or may_manage_key(doc.user, user):
		return frappe_compat.NO_OPINION
	if doc.is_new():
		raise frappe.PermissionError("You can only create API keys for yourself.")
	stored_user = frappe.db.get_value("API Key", doc.name, "user")
	if stored_user and may_manage_key(stored_user, user):
		raise frappe.PermissionError("An API key cannot be handed to another user.")
	raise frappe.DoesNotExistError(f"API Key {doc.name} not found.")


def api_key_query_conditions(user: str, doctype: str | None = None) -> str:
	if is_key_admin(user):
		return ""
	return f"`tabAPI Key`.`user` = {frappe.db.escape(user)}"


def api_key_scope_query_conditions(user: str, doctype: str | None = None) -> str:
	"""Scope rows listed on their own (Frappe checks only the API Key DocType's role
	permissions for them): those of the user's own keys; a System Manager's: all."""
	if is_key_admin(user):
		return ""
	return (
		"`tabAPI Key Scope`.`parent` in (select `name` from `tabAPI Key` "
		f"where `user` = {frappe.db.escape(user)})"
	)


def scoped_has_permission(doc, ptype: str, user: str) -> bool | None:
	"""has_permission hook for every DocType: refuse what the credential's scopes do not cover,
	whichever user the check is for (code that asks on another user's behalf, as a report for
	another user does, still serves this credential's request)."""
	caller = principal.current()
	if caller is None or caller.scopes.is_full:
		return frappe_compat.NO_OPINION
	access = access_for_ptype(ptype)
	if caller.scopes.allows_doctype(doc.doctype, access):
		return frappe_compat.NO_OPINION
	raise principal.missing_scope_error(f"doctype:{doc.doctype}:{access}")


def scoped_query_conditions(user: str, doctype: str | None = None) -> str:
	"""permission_query_conditions hook for every DocType: a list the scopes do not cover is
	refused with 403 naming the scope, rather than answered empty, for whichever user."""
	caller = principal.current()
	if caller is None or caller.scopes.is_full or doctype is None:
		return ""
	if caller.scopes.allows_doctype(doctype, "read"):
		return ""
	raise principal.missing_scope_error(f"doctype:{doctype}:read")
