"""The brute-force guard: failed authentications counted per (address, account) and per address
(``rate_limits.rules.auth_failures``), refused in a way failures cannot aim at anyone else.

A request presents a credential when it carries an ``Authorization`` header (this app's keys
and JWTs, Frappe's own keys, OAuth tokens) or when Frappe performs a password login for it
(``Call.logs_in``: ``cmd`` is ``login``, or the path is exactly ``/api/method/login``, whatever
the request then runs). A failure (401, or Frappe's account lockout) counts against the pair of
the client address and the account (the user name, the key id) with a low limit
(``my_api_app_auth_failure_limit``, 20) and against the address alone with a much higher one
(``my_api_app_auth_failure_address_limit``, 200), both within ``my_api_app_auth_failure_window``
seconds (600).

- **Header credentials are always checked.** A valid API key or token is never refused because
  of failures, its own address's included: a key's secret cannot be guessed, and a guard that
  refused valid keys could be aimed at them. A failure past either limit is answered 429 with
  ``Retry-After`` instead of 401.
- **Password logins past either limit are refused whatever the password.** Frappe checks the
  password while it initialises the request, before any app hook, so a right password past the
  limit has made a session: it is ended for good, and the request is refused through Frappe's
  own error path, as a wrong password is. Both are then answered by the same after_request step
  (``answer_past_limit``), with the same status, headers and body apart from the request id, and
  no cookie.
- **Frappe's account lockout** (a ``SecurityException``, a 500 with a traceback) is a 429 with
  ``Retry-After`` on every path.

If Redis cannot be reached the guard lets requests through.
"""

import frappe
from frappe.utils import cint, get_datetime
from redis.exceptions import RedisError

from my_api_app.rate_limits.rules.auth_failures import (
	DEFAULT_ADDRESS_LIMIT,
	DEFAULT_LIMIT,
	DEFAULT_WINDOW,
	AuthFailureGuard,
	Standing,
)
from my_api_app.rate_limits.rules.gcra import GcraLimiter
from my_api_app.shared import error_response, frappe_compat, request_context
from my_api_app.shared.rules.errors import RateLimited

KEY_PREFIX = "my_api_app:auth_failures:"
_guards: dict[tuple, AuthFailureGuard] = {}  # per process, by (prefix, limits, window)


class LoginPastTheLimit(frappe.AuthenticationError):
	"""A right password past the limit: refused through Frappe's error path, as a wrong one is."""


def account(state: request_context.ApiRequest) -> str | None:
	"""What this request's failures count against: the user of a password login, the account of
	a header credential; None when it presents no credential."""
	if state.call.logs_in:
		user = frappe.local.form_dict.get("usr")
		return f"user:{user.strip().lower()}" if isinstance(user, str) else "user:"
	credential = state.credential
	return credential.account if credential is not None else None


def before_request(state: request_context.ApiRequest) -> None:
	"""A password login past either limit is refused, whatever the password was."""
	if not state.call.logs_in:
		return
	standing = _standing(state)
	if standing is None or standing.retry_after is None:
		return
	state.past_limit = standing.retry_after
	if frappe.session.user != "Guest":
		# Frappe checked the password before any hook ran: end the session it made, for good
		# (the refusal rolls the request's transaction back)
		frappe.local.login_manager.logout()
		frappe.db.commit()
	raise LoginPastTheLimit("Too many failed authentications.")


def after_request(state: request_context.ApiRequest, response, request) -> None:
	"""Count a failed authentication; answer a failure past a limit, a refused login and
	Frappe's lockout with the guard's 429."""
	if response is None:
		return
	past_limit = state.past_limit
	if past_limit is None and response.status_code == 401 and account(state) is not None:
		past_limit = _record_failure(state)
	elif past_limit is None and state.call.logs_in and response.status_code >= 500:
		locked_for = _frappe_lockout(response)
		if locked_for is not None:
			past_limit = max(_record_failure(state) or 0, locked_for)
	if past_limit is not None:
		answer_past_limit(state, response, past_limit)


def answer_past_limit(state: request_context.ApiRequest, response, retry_after: int) -> None:
	"""The guard's 429, the same bytes whatever was presented: Frappe's response is replaced
	whole, and no cookie is sent (a session ended, a cookie cleared or none at all)."""
	error = RateLimited(
		f"Too many failed authentications. Retry after {retry_after} seconds.",
		headers={"Retry-After": str(retry_after)},
	)
	if state.request_id is None:
		request_context.start(state, frappe.request)
	response.headers.clear()
	error_response.write(response, error, state.request_id)
	frappe_compat.send_no_cookies()
	state.noted_error = None
	state.response_headers.clear()


def _standing(state: request_context.ApiRequest) -> Standing | None:
	try:
		return _guard().standing(state.client_ip, account(state))
	except RedisError:
		frappe.logger("my_api_app").warning("auth failure guard: Redis unreachable", exc_info=True)
		return None


def _record_failure(state: request_context.ApiRequest) -> int | None:
	try:
		return _guard().record_failure(state.client_ip, account(state)).retry_after
	except RedisError:
		frappe.logger("my_api_app").warning("auth failure guard: Redis unreachable", exc_info=True)
		return None


def record_password_failure(user: str) -> int | None:
	"""A wrong password confirmed outside a login (re-authentication for credentials): counted
	as a failed login of ``user`` from this address; the seconds until it may try again when
	past a limit."""
	state = request_context.current()
	try:
		return _guard().record_failure(state.client_ip, f"user:{user.strip().lower()}").retry_after
	except RedisError:
		return None


def password_standing(user: str) -> int | None:
	"""Seconds until ``user`` may confirm a password from this address again (None: now)."""
	state = request_context.current()
	try:
		return _guard().standing(state.client_ip, f"user:{user.strip().lower()}").retry_after
	except RedisError:
		return None


def _frappe_lockout(response) -> int | None:
	"""Seconds left of Frappe's own login lockout (of the user or of the address) when this
	failed login is one, else None."""
	if response.status_code < 500 or not frappe.get_system_settings("allow_consecutive_login_attempts"):
		return None
	now = get_datetime()
	for key in (frappe.local.form_dict.get("usr"), getattr(frappe.local, "request_ip", None)):
		if not key or not isinstance(key, str):
			continue
		tracker = frappe_compat.login_attempt_tracker(key)
		if not tracker.is_user_allowed():
			return max(1, int((tracker.login_failed_time + tracker.lock_interval - now).total_seconds()))
	return None


def _guard() -> AuthFailureGuard:
	conf = frappe.conf
	prefix = frappe.safe_decode(frappe.cache.make_key(KEY_PREFIX))
	limit = cint(conf.get("my_api_app_auth_failure_limit")) or DEFAULT_LIMIT
	address_limit = cint(conf.get("my_api_app_auth_failure_address_limit")) or DEFAULT_ADDRESS_LIMIT
	window = cint(conf.get("my_api_app_auth_failure_window")) or DEFAULT_WINDOW
	key = (prefix, limit, address_limit, window)
	if key not in _guards:
		_guards[key] = AuthFailureGuard(
			GcraLimiter(frappe.cache), prefix, limit=limit, address_limit=address_limit, window=window
		)
	return _guards[key]
