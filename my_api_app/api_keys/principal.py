"""Who a request authenticated by an API key or a JWT is, and what its scopes allow.

The request's ``ApiRequest.principal`` is set by ``authentication.authenticate`` for requests that
carry this app's credentials and is absent for every other request (session cookies,
Frappe's own keys, OAuth), which this app leaves exactly as Frappe treats them.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from my_api_app.api_keys.rules import grants
from my_api_app.shared import request_context
from my_api_app.shared.rules.client_ip import Network
from my_api_app.shared.rules.errors import Forbidden, MissingScope
from my_api_app.shared.rules.scopes import ScopeSet


@dataclass(frozen=True)
class Principal:
	kind: str  # "api_key" or "jwt"
	user: str
	api_key: str
	scopes: ScopeSet
	allowed_networks: tuple  # the key's allowed IP ranges (empty: any address)
	token_id: str | None = None  # jti of a JWT
	token_expires_at: int | None = None
	expires_at: datetime | None = None  # when the credential stops working (key or token); None: never


def current() -> Principal | None:
	state = request_context.peek()
	return state.principal if state else None


def missing_scope_error(scope: str, reason: str | None = None) -> MissingScope:
	"""403 naming the scope the credential lacks (and why, when the call needs full access);
	noted, so that a PermissionError Frappe raises for it later is answered with this body."""
	error = MissingScope(scope, reason)
	request_context.note_error(error)
	return error


def check_can_grant(
	scopes: tuple[str, ...], expires_at: datetime | None, networks: Iterable[Network]
) -> None:
	"""A caller authenticated by a key or token may only create or change a key within itself
	(``api_keys.rules.grants``): scopes it holds (403 ``missing_scope``), an expiry (None: never) no later
	than its own end and allowed IP ranges within its own (403 otherwise)."""
	caller = current()
	if caller is None:
		return
	holding = grants.Holding(caller.scopes, caller.expires_at, caller.allowed_networks)
	found = grants.excess(holding, scopes, expires_at, networks)
	if found is None:
		return
	if found.kind == "scope":
		raise missing_scope_error(found.scope)
	error = Forbidden(found.detail, title="Beyond this credential")
	request_context.note_error(error)
	raise error
