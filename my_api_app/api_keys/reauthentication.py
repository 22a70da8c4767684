"""Re-authentication for credentials (as GitHub's sudo mode): a session creates or rolls an API
key only within a few minutes of confirming its user's password.

A stolen session cookie would otherwise turn into a key that outlives the session, the
password and the logout. Requests authenticated by this app's keys and tokens, by Frappe's own
keys or by OAuth are not sessions and follow the existing rules (a key only hands out what it
holds). ``confirm_password`` counts a wrong password as a failed login of the user from this
address (the brute-force guard), so it is no way around the guard either.
"""

import hashlib
import time

import frappe
from frappe import _

from my_api_app.rate_limits import brute_force
from my_api_app.shared import frappe_compat, request_context
from my_api_app.shared.rules.errors import Forbidden, RateLimited, Unauthenticated

RECENT_SECONDS = 5 * 60
KEY_PREFIX = "my_api_app:recent_password:"


class ReauthenticationRequired(Forbidden):
	def __init__(self):
		super().__init__(
			"Confirm your password first (POST my_api_app.api.auth.confirm_password): a session "
			f"creates or rolls API keys only within {RECENT_SECONDS // 60} minutes of doing so.",
			title="Password confirmation required",
			type="reauthentication_required",
		)


def _session_id() -> str | None:
	"""The session id when the request is authenticated by a session (cookie or ``sid``), not by
	any credential header; None for those, for Guest and outside a request."""
	state = request_context.peek()
	if state is None or state.principal is not None or state.credential is not None:
		return None
	if frappe.session.user in (None, "", "Guest"):
		return None
	return frappe.session.sid


def _key(sid: str) -> str:
	return KEY_PREFIX + hashlib.sha256(sid.encode()).hexdigest()[:32]  # the cache holds no session id


def require_recent_password() -> None:
	"""Refuse (403 ``reauthentication_required``) a session that has not confirmed its password
	within the last few minutes."""
	sid = _session_id()
	if sid is None:
		return
	if frappe.cache.get_value(_key(sid)) != frappe.session.user:
		raise ReauthenticationRequired()


def confirm(password: str) -> int:
	"""Check the session user's password; the Unix time until which credentials may be made."""
	sid = _session_id()
	if sid is None:
		raise Forbidden(_("Only a session confirms a password: API keys and tokens need not."))
	user = frappe.session.user
	waiting = brute_force.password_standing(user)
	if waiting is not None:
		raise RateLimited(
			f"Too many failed authentications. Retry after {waiting} seconds.",
			headers={"Retry-After": str(waiting)},
		)
	if not frappe_compat.check_password(user, password):
		waiting = brute_force.record_password_failure(user)
		if waiting is not None:
			raise RateLimited(
				f"Too many failed authentications. Retry after {waiting} seconds.",
				headers={"Retry-After": str(waiting)},
			)
		raise Unauthenticated(_("The password is not right."))
	return trust(sid, user)


def trust(sid: str, user: str) -> int:
	"""Count the session as having confirmed its password now (also the console's one-request
	session, made by the operator on the server). Returns when that ends, in Unix seconds."""
	frappe.cache.set_value(_key(sid), user, expires_in_sec=RECENT_SECONDS)
	return int(time.time()) + RECENT_SECONDS
