"""Capturing one record per API call (before_request / after_request hooks).

An API call is any /api/ request or a ``cmd`` on any path (``request_context.ApiRequest.call``),
and the record's route and target are the call's: ``GET /?cmd=<m>`` is logged as a call of
``<m>``.

``after_request`` runs for every response Frappe builds, errors included: a 401 from
``validate_auth`` or from this app's key check, a 429 from the rate limit hook, a 500. It runs
after the toolkit's own after_request hook, so the record has the final status and body size.
The one case Frappe gives the hooks no response is a werkzeug HTTP error raised before a
handler (a method the route does not allow, a body over the size limit): the status is then
found by matching the route again (405/404), or 413 for an oversized body.

Logging must never fail or slow a request: the switch is the process's own copy
(``settings.enabled``, no round trip), and when logging is on the record is built and appended
to the Redis queue (one round trip). If Redis cannot be reached, the switch is read from the
database and, if on, the record is written as a JSON line to the site's
``my_api_app.request_log`` log file instead; the request goes on.
"""

import time

import frappe
from redis.exceptions import RedisError

from my_api_app.request_log import buffer, settings
from my_api_app.request_log.rules.records import encode, make_record
from my_api_app.shared import request_context
from my_api_app.shared.rules import api_key_format, dispatch

_STATUS_OF_KIND = {dispatch.METHOD_NOT_ALLOWED: 405, dispatch.NOT_FOUND: 404}


def before_request(state: request_context.ApiRequest) -> None:
	if state.call.api:
		state.log_started = (time.time(), time.perf_counter())


def after_request(state: request_context.ApiRequest, response, request) -> None:
	if not state.call.api:
		return
	try:
		on = settings.enabled()
	except RedisError:
		on = None  # Redis cannot say: the database will, if the record cannot be queued
	if on is False:
		return
	try:
		record = build_record(state, response, request)
	except Exception:
		frappe.logger("my_api_app").error("request log: could not build a record", exc_info=True)
		return
	if on is None:
		_log_to_file_if_on(record)
		return
	try:
		buffer.log(record)
	except RedisError:
		_log_to_file_if_on(record)


def _log_to_file_if_on(record: dict) -> None:
	"""Redis cannot be reached: the record goes to the log file if logging is on, or if even
	the database cannot say (rather a line too many than a record lost)."""
	try:
		on = settings.read_switch()
	except Exception:
		on = True
	if on:
		frappe.logger("my_api_app.request_log").error(encode(record).decode())


def build_record(state: request_context.ApiRequest, response, request) -> dict:
	started = state.log_started
	if started:
		at, duration_ms = started[0], (time.perf_counter() - started[1]) * 1000
	else:  # Frappe failed before the before_request hooks ran
		at, duration_ms = time.time(), 0.0
	session = getattr(frappe.local, "session", None)
	user = (session.user if session else None) or "Guest"
	auth, api_key, token_id = _credentials(state, user)
	return make_record(
		at=at,
		http_method=request.method,
		path=request.path,
		user=user,
		auth=auth,
		api_key=api_key,
		token_id=token_id,
		status=response.status_code if response is not None else _status_without_response(state, request),
		duration_ms=duration_ms,
		response_size=_size(response),
		request_id=state.request_id,
		client_ip=state.client_ip,
		call=state.call,
	)


_LABELS = {
	api_key_format.APP_KEY: "API Key",
	api_key_format.APP_TOKEN: "JWT",
	api_key_format.FRAPPE_KEY: "Frappe Key",
	api_key_format.OAUTH: "OAuth",
}


def _credentials(state: request_context.ApiRequest, user: str) -> tuple[str, str | None, str | None]:
	"""(how the caller authenticated or tried to, API key id, JWT id). Never a secret. The key
	and token ids are those of the credential that authenticated, never a claimed one: a key id
	is the caller's word until the key authenticates, and counting failures against it would
	let anyone fill another key's usage with errors."""
	caller = state.principal
	if caller is not None:
		return ("JWT" if caller.kind == "jwt" else "API Key"), caller.api_key, caller.token_id
	credential = state.credential
	if credential is not None and credential.kind in _LABELS:
		return _LABELS[credential.kind], None, None
	return ("Guest" if user == "Guest" else "Session"), None, None


def _status_without_response(state: request_context.ApiRequest, request) -> int:
	"""The status of the werkzeug HTTP error Frappe returned instead of a response."""
	kind = state.call.kind
	if kind in _STATUS_OF_KIND:
		return _STATUS_OF_KIND[kind]
	max_length = request.max_content_length
	if max_length and (request.content_length or 0) > max_length:
		return 413
	return 500


def _size(response) -> int | None:
	if response is None:
		return None
	if response.content_length is not None:
		return response.content_length
	if response.is_streamed:
		return None
	return len(response.get_data())
