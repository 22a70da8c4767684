"""The brute-force guard: failed authentications counted per client address (``core.auth_failures``).

A request presents a credential when it carries an ``Authorization`` header (this app's keys
and JWTs, Frappe's own keys, OAuth tokens) or is a password login (``cmd=login`` on any path,
or ``/api/method/login``). Past ``my_api_app_auth_failure_limit`` failures (default 20) within
``my_api_app_auth_failure_window`` seconds (default 600) of the first, the address gets 429 with
``Retry-After`` and the structured body, the same answer and the same work for every refusal.

Header credentials are refused in ``before_request``, before this app's authentication and
before Frappe's ``validate_auth`` look at them. A password is checked by Frappe while the
request is initialised, before any app hook runs, so a login past the limit cannot be stopped
before the check: it gets the same 429 whatever the password was, and a session the check
made is logged out again, so guesses past the limit learn nothing. Frappe's own account
lockout (a ``SecurityException``, which Frappe answers with 500 and a traceback) becomes a 429
with ``Retry-After`` too. If Redis cannot be reached the guard lets requests through.
"""

import frappe
from frappe.utils import cint, get_datetime
from redis.exceptions import RedisError

from my_api_app.core import dispatch
from my_api_app.core.auth_failures import DEFAULT_LIMIT, DEFAULT_WINDOW, AuthFailureGuard
from my_api_app.core.errors import RateLimited
from my_api_app.toolkit import request_context

KEY_PREFIX = "my_api_app:auth_failures:"
_guards: dict[tuple, AuthFailureGuard] = {}  # per process, by (prefix, limit, window)


def before_request(state: request_context.ApiRequest) -> None:
	call = state.call
	state.presents_credential = _presents_credential(call)
	if not state.presents_credential:
		return
	try:
		standing = _guard().standing(state.client_ip)
	except RedisError:
		frappe.logger("my_api_app").warning("auth failure guard: Redis unreachable", exc_info=True)
		return
	if standing.retry_after is None:
		return
	if call.kind == dispatch.LOGIN and frappe.session.user != "Guest":
		# Frappe checked the password before any hook ran: end the session it made, for good
		# (the refusal below rolls the request's transaction back)
		frappe.local.login_manager.logout()
		frappe.db.commit()
	raise _refusal(standing.retry_after)


def after_request(state: request_context.ApiRequest, response, request) -> None:
	"""Count a failed authentication; a login past the limit, or locked out by Frappe, is 429."""
	call = state.call
	if state.presents_credential is None:  # Frappe failed before the before_request hooks ran
		state.presents_credential = _presents_credential(call)
	if response is None or not state.presents_credential:
		return
	locked_for = _frappe_lockout(response) if call.kind == dispatch.LOGIN else None
	if response.status_code != 401 and locked_for is None:
		return
	try:
		retry_after = _guard().record_failure(state.client_ip).retry_after
	except RedisError:
		frappe.logger("my_api_app").warning("auth failure guard: Redis unreachable", exc_info=True)
		retry_after = None
	if locked_for is not None:
		retry_after = max(retry_after or 0, locked_for)
	if retry_after is not None and call.kind == dispatch.LOGIN:
		_refusal(retry_after)
		response.status_code = 429  # toolkit.after_request writes the noted body


def _presents_credential(call: dispatch.Call) -> bool:
	return call.kind == dispatch.LOGIN or bool(frappe.get_request_header("Authorization"))


def _refusal(retry_after: int) -> RateLimited:
	error = RateLimited(
		f"Too many failed authentications from this address. Retry after {retry_after} seconds.",
		headers={"Retry-After": str(retry_after)},
	)
	request_context.note_error(error)
	return error


def _frappe_lockout(response) -> int | None:
	"""Seconds left of Frappe's own login lockout (of the user or of the address) when this
	failed login is one, else None."""
	if response.status_code < 500 or not frappe.get_system_settings("allow_consecutive_login_attempts"):
		return None
	from frappe.auth import get_login_attempt_tracker

	now = get_datetime()
	for key in (frappe.local.form_dict.get("usr"), getattr(frappe.local, "request_ip", None)):
		if not key or not isinstance(key, str):
			continue
		tracker = get_login_attempt_tracker(key, raise_locked_exception=False)
		if not tracker.is_user_allowed():
			return max(1, int((tracker.login_failed_time + tracker.lock_interval - now).total_seconds()))
	return None


def _guard() -> AuthFailureGuard:
	conf = frappe.conf
	prefix = frappe.safe_decode(frappe.cache.make_key(KEY_PREFIX))
	limit = cint(conf.get("my_api_app_auth_failure_limit")) or DEFAULT_LIMIT
	window = cint(conf.get("my_api_app_auth_failure_window")) or DEFAULT_WINDOW
	key = (prefix, limit, window)
	if key not in _guards:
		_guards[key] = AuthFailureGuard(frappe.cache, prefix, limit=limit, window=window)
	return _guards[key]
