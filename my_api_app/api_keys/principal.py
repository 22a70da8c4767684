"""Who a request authenticated by an API key or a JWT is, and what its scopes allow.

``frappe.local.api_principal`` is set by ``authentication.authenticate`` for requests that
carry this app's credentials and is absent for every other request (session cookies,
Frappe's own keys, OAuth), which this app leaves exactly as Frappe treats them.
"""

from dataclasses import dataclass

import frappe

from my_api_app.core.errors import MissingScope
from my_api_app.core.scopes import ScopeSet, covers
from my_api_app.toolkit import request_context


@dataclass(frozen=True)
class Principal:
	kind: str  # "api_key" or "jwt"
	user: str
	api_key: str
	scopes: ScopeSet
	allowed_networks: tuple  # the key's allowed IP ranges (empty: any address)
	token_id: str | None = None  # jti of a JWT
	token_expires_at: int | None = None


def current() -> Principal | None:
	return getattr(frappe.local, "api_principal", None)


def set_current(principal: Principal) -> None:
	frappe.local.api_principal = principal


def missing_scope_error(scope: str) -> MissingScope:
	"""403 naming the scope the credential lacks; noted, so that a PermissionError Frappe
	raises for it later is answered with this body."""
	error = MissingScope(scope)
	request_context.note_error(error)
	return error


def check_can_grant(scopes: tuple[str, ...]) -> None:
	"""A key authenticated by a key or token may only hand out scopes it holds itself."""
	current_principal = current()
	if current_principal is None or current_principal.scopes.is_full:
		return
	for scope in scopes:
		if not covers(current_principal.scopes, scope):
			raise missing_scope_error(scope)
