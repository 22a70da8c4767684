"""Calling endpoints from ``bench console`` and the ``bench api`` commands, through the real
request pipeline: Frappe's WSGI application with every hook (this app's authentication, the
rate limits, the toolkit, the request log), as a web worker would run it.

	from my_api_app.console import call
	call("my_api_app.api.keys.list_keys", as_user="jane@example.com")
	call("/api/resource/ToDo", method="POST", data={"description": "from the console"})

``as_user`` gets a session of its own for the one request, made as Frappe's
``bench browse --user`` makes one and ended right after (the request log names the user and
"Session"). ``Guest`` sends no credential. The caller's own user is left as it was.
"""

import json
from dataclasses import dataclass
from typing import Any

import frappe
from frappe.auth import CookieManager, LoginManager
from frappe.sessions import delete_session

from my_api_app.api_keys import reauthentication
from my_api_app.shared.in_process import api_request

BODY_METHODS = ("POST", "PUT", "PATCH")


@dataclass(frozen=True)
class ApiResponse:
	status: int
	headers: dict[str, str]
	body: Any  # the JSON body, else the text

	def as_dict(self) -> dict:
		return {"status": self.status, "headers": self.headers, "body": self.body}


def call(
	target: str,
	*,
	as_user: str = "Administrator",
	method: str = "GET",
	data: dict | None = None,
	headers: dict[str, str] | None = None,
) -> ApiResponse:
	"""Send one request: ``target`` is a dotted method (sent to ``/api/method/<target>``) or a
	path; ``data`` goes as the JSON body of a POST, PUT or PATCH, else as the query string."""
	method = method.upper()
	path = target if target.startswith("/") else f"/api/method/{target}"
	sent_headers = dict(headers or {})
	sid = None if as_user == "Guest" else _start_session(as_user)
	if sid:
		sent_headers["Cookie"] = f"sid={sid}"
	try:
		if method in BODY_METHODS:
			response = api_request(method, path, json=data or {}, headers=sent_headers)
		else:
			response = api_request(method, path, query=_query(data), headers=sent_headers)
	finally:
		if sid:
			delete_session(sid, as_user, reason="Logged Out")
			frappe.db.commit()
	text = response.get_data(as_text=True)
	try:
		body = json.loads(text) if response.mimetype == "application/json" else text
	except ValueError:
		body = text
	# Set-Cookie would name the one-request session (already ended): not the caller's business
	shown = {name: value for name, value in response.headers.items() if name.lower() != "set-cookie"}
	return ApiResponse(response.status_code, shown, body)


def _start_session(user: str) -> str:
	"""A new session of ``user`` (committed), as ``bench browse --user`` makes one; the
	caller's own user is set back."""
	if not frappe.db.exists("User", user):
		raise frappe.DoesNotExistError(f"No user {user}")
	caller = frappe.session.user if getattr(frappe.local, "session", None) else "Administrator"
	request, cookie_manager = (
		getattr(frappe.local, "request", None),
		getattr(frappe.local, "cookie_manager", None),
	)
	try:
		frappe.utils.set_request(path="/")
		frappe.local.cookie_manager = CookieManager()
		login_manager = LoginManager()
		login_manager.login_as(user)
		# the operator at the server's console needs no password confirmation to make keys
		reauthentication.trust(frappe.session.sid, user)
		return frappe.session.sid
	finally:
		frappe.local.request, frappe.local.cookie_manager = request, cookie_manager
		frappe.set_user(caller)


def _query(data: dict | None) -> dict | None:
	"""Query string values: text as it is, anything else as JSON (Frappe parses it back)."""
	if not data:
		return None
	return {name: value if isinstance(value, str) else json.dumps(value) for name, value in data.items()}
