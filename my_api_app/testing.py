"""Helpers for bench tests of API endpoints, for this app and for apps built on it.

``api_request`` sends a request through Frappe's real WSGI application (hooks, auth, the
toolkit, commit or rollback) in its own thread, as a web worker would, and returns the
buffered response (``my_api_app.shared.in_process``). Data the test wants the request to see
must be committed first.
"""

import frappe

from my_api_app.shared.in_process import api_request

__all__ = ["api_request", "make_api_user"]


def make_api_user(email: str, roles: tuple[str, ...] = ()) -> tuple[str, str]:
	"""A committed user with the given roles and a fresh Frappe API key pair."""
	if frappe.db.exists("User", email):
		user = frappe.get_doc("User", email)
	else:
		user = frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		).insert(ignore_permissions=True)
	user.set("roles", [])
	user.add_roles(*roles)
	api_secret = frappe.generate_hash(length=20)
	user.api_key = user.api_key or frappe.generate_hash(length=15)
	user.api_secret = api_secret
	user.save(ignore_permissions=True)
	frappe.db.commit()
	return user.api_key, api_secret
