"""Permission hooks: who may see an API Key, and DocType scopes on every document access.

The DocType scopes of a key or token are enforced where Frappe checks permissions, so they
hold for /api/resource, /api/v2/document and any method (``frappe.client.get_list`` included):
a request can only touch a DocType its credential has a ``doctype:<DocType>:<access>`` scope
for. These hooks only deny; a credential never gets more than its user's own permissions.
"""

import frappe

from my_api_app.api_keys import principal
from my_api_app.core.scopes import access_for_ptype


def api_key_has_permission(doc, ptype: str, user: str) -> bool | None:
	"""A user's own keys; a System Manager's are everyone's."""
	if not doc.user or doc.user == user or "System Manager" in frappe.get_roles(user):
		return None
	return False


def api_key_query_conditions(user: str, doctype: str | None = None) -> str:
	if "System Manager" in frappe.get_roles(user):
		return ""
	return f"`tabAPI Key`.`user` = {frappe.db.escape(user)}"


def scoped_has_permission(doc, ptype: str, user: str) -> bool | None:
	"""has_permission hook for every DocType: deny what the credential's scopes do not cover."""
	caller = principal.current()
	if caller is None or caller.scopes.is_full or user != caller.user:
		return None
	access = access_for_ptype(ptype)
	if caller.scopes.allows_doctype(doc.doctype, access):
		return None
	principal.missing_scope_error(f"doctype:{doc.doctype}:{access}")  # noted for the 403 body
	return False


def scoped_query_conditions(user: str, doctype: str | None = None) -> str:
	"""permission_query_conditions hook for every DocType: a list the scopes do not cover is
	refused with 403 naming the scope, rather than answered empty."""
	caller = principal.current()
	if caller is None or caller.scopes.is_full or user != caller.user or doctype is None:
		return ""
	if caller.scopes.allows_doctype(doctype, "read"):
		return ""
	raise principal.missing_scope_error(f"doctype:{doctype}:read")
