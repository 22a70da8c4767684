"""Authenticating this app's credentials: ``token key:secret``, ``Basic``, and ``Bearer <jwt>``.

Frappe runs ``before_request`` hooks before ``validate_auth``, and ``validate_auth`` answers
401 for any ``token``/``Basic`` key it does not find in User before ``auth_hooks`` run. So this
``before_request`` hook recognises the app's own credentials by their prefix (``mak_`` keys)
or shape (a JWT), verifies them, sets the user as Frappe's own key login does, and takes the
consumed ``Authorization`` header out of the WSGI environ so ``validate_auth`` finds nothing
left to judge. Every other credential (Frappe's User keys, OAuth bearer tokens, session
cookies) is not touched and Frappe handles it exactly as before.

Failures raise an ``ApiError``, which the request flow answers with the structured body on any
path (``error_response.refuse``). All 401 cases say the same thing and do the same hashing work.

The header value never sits in a variable here, and the parsed credentials hold the secret or
token as a ``shared.rules.secret.Secret``: a 500 while they are in a frame (a database or Redis
failure loading the key) writes ``********`` for them into the Error Log.
"""

import frappe
from frappe import _
from frappe.utils import now_datetime

from my_api_app.api_keys import store, tokens
from my_api_app.api_keys.principal import Principal, missing_scope_error
from my_api_app.shared import frappe_compat, request_context
from my_api_app.shared.rules import api_key_format, client_ip, closed_world
from my_api_app.shared.rules.api_key_format import ApiKeyCredentials, BearerToken
from my_api_app.shared.rules.errors import Forbidden, Unauthenticated
from my_api_app.shared.rules.scopes import ScopeSet

INVALID_CREDENTIALS = "The credentials are not valid: unknown, wrong, expired or revoked."
# Scope-free for a key: exchanging it for a token carries no more than the key's own scopes.
TOKEN_EXCHANGE_METHOD = "my_api_app.api.auth.issue_token"


def authenticate(state: request_context.ApiRequest) -> None:
	"""before_request hook."""
	credential = state.credential
	if credential is None or credential.ours is None:
		return
	principal = _verify(credential.ours)
	_check_address(principal, state.client_ip)
	form_dict = frappe.local.form_dict
	frappe_compat.leave_the_session_alone()
	frappe.set_user(principal.user)  # as Frappe's own key login does; it resets form_dict
	frappe.local.form_dict = form_dict
	# after set_user, which empties the request's local cache: what the check reads (the
	# DocType's meta) is then read once for the whole request
	_check_scope(principal, state)
	state.principal = principal
	frappe.request.environ.pop("HTTP_AUTHORIZATION", None)
	store.record_use(principal.api_key, state.client_ip)


def _verify(credentials: ApiKeyCredentials | BearerToken) -> Principal:
	if isinstance(credentials, BearerToken):
		return tokens.verify(credentials.token.reveal())
	record = store.get(credentials.key_id) if credentials.well_formed else None
	now = now_datetime()
	current_ok = api_key_format.verify_secret(credentials.secret.reveal(), store.secret_hash(record))
	previous_ok = bool(
		record
		and record.previous_secret_usable(now)
		and api_key_format.verify_secret(credentials.secret.reveal(), store.previous_secret_hash(record))
	)
	if not ((current_ok or previous_ok) and store.active(record)):
		raise Unauthenticated(INVALID_CREDENTIALS, headers={"WWW-Authenticate": 'Bearer realm="api"'})
	return Principal(
		kind="api_key",
		user=record.user,
		api_key=record.name,
		scopes=ScopeSet(record.scopes),
		allowed_networks=record.allowed_networks,
		expires_at=record.expires_at,
	)


def _check_address(principal: Principal, address: str | None) -> None:
	"""The key's allowed ranges, and the user's own ``restrict_ip`` that Frappe's header
	login skips. Only callers holding a valid secret get this far, so 403 reveals nothing."""
	networks = principal.allowed_networks
	if networks and not client_ip.ip_in_networks(address, networks):
		raise Forbidden(
			_("This API key may not be used from {0}.").format(address), title="Address not allowed"
		)
	restrict_ip = frappe.get_cached_value("User", principal.user, "restrict_ip")
	if restrict_ip and not any(
		(address or "").startswith(prefix.strip()) for prefix in restrict_ip.split(",") if prefix.strip()
	):
		raise Forbidden(
			_("User {0} may not sign in from {1}.").format(principal.user, address),
			title="Address not allowed",
		)


def _check_scope(principal: Principal, state: request_context.ApiRequest) -> None:
	"""The closed world (``shared.rules.closed_world``): only what the request is proven to reach
	(``ApiRequest.reach``) inside the credential's scopes runs, whatever the path or spelling."""
	if principal.scopes.is_full:
		return
	reach = state.reach
	if principal.kind == "api_key" and reach.endpoint == TOKEN_EXCHANGE_METHOD:
		return
	needed = closed_world.missing_scope(principal.scopes, reach)
	if needed is not None:
		raise missing_scope_error(needed, reach.unprovable)
