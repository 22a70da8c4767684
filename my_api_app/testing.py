"""Helpers for bench tests of API endpoints, for this app and for apps built on it.

``api_request`` sends a request through Frappe's real WSGI application (hooks, auth, the
toolkit, commit or rollback) in its own thread, as a web worker would, and returns the
buffered response. Data the test wants the request to see must be committed first.
"""

import threading

import frappe
from werkzeug.test import Client, TestResponse


def api_request(
	method: str,
	path: str,
	*,
	json=None,
	data=None,
	query: dict | None = None,
	headers: dict | None = None,
	auth: tuple[str, str] | None = None,
	remote_addr: str = "127.0.0.1",
	site: str | None = None,
) -> TestResponse:
	import frappe.app

	site = site or frappe.local.site  # pass it when calling from a thread of the test's own
	all_headers = {"X-Frappe-Site-Name": site, **(headers or {})}
	if auth:
		all_headers["Authorization"] = f"token {auth[0]}:{auth[1]}"
	outcome = {}

	def send():
		client = Client(frappe.app.application, use_cookies=False)  # a Cookie header is sent as given
		try:
			outcome["response"] = client.open(
				path,
				method=method,
				json=json,
				data=data,
				query_string=query,
				headers=all_headers,
				environ_base={"REMOTE_ADDR": remote_addr},
				buffered=True,  # the request ends (and frappe.destroy runs) in this thread
			)
		except BaseException as e:
			outcome["error"] = e

	thread = threading.Thread(target=send)
	thread.start()
	thread.join()
	if "error" in outcome:
		raise outcome["error"]
	return outcome["response"]


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
