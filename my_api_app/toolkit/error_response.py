"""Writing an error into Frappe's response: status, structured ``error``, no traceback.

Frappe's keys stay (``exc_type``, ``_server_messages``) so frappe-js-sdk, frappe-ui and Desk
still show the message. Tracebacks never leave the server: a 5xx is written to the Error
Log with the request id as its ``trace_id``: its traceback, or only the error's
``log_detail`` when it has one (``core.responses.ResponseMismatch``: the frames would hold the
answer, which may carry a secret shown once).
"""

import json

import frappe
from frappe.utils import strip_html_tags

from my_api_app.core.errors import ApiError, error_object, kind_for_status
from my_api_app.toolkit import request_context
from my_api_app.toolkit.error_mapping import to_api_error

# Frappe's body keys that can hold a traceback or debug output.
TRACEBACK_KEYS = ("exception", "exc", "_exc_source", "_debug_messages")


def respond(exc: BaseException, *, where: str) -> None:
	"""Answer ``exc`` from inside a toolkit endpoint: nothing it changed is kept."""
	error = to_api_error(exc)
	frappe.db.rollback()
	if error.status >= 500:
		_log(where, getattr(error, "log_detail", None))
	for key in ("message", "data", "docs"):
		frappe.local.response.pop(key, None)
	fill(frappe.local.response, error, exc_type=type(exc).__name__)
	request_context.add_response_headers(error.headers)


def fill(body: dict, error: ApiError, *, exc_type: str) -> None:
	"""Put ``error`` into a Frappe response body (the dict ``as_json`` serialises)."""
	frappe.local.error_log = []  # frappe.errprint output: tracebacks when allowed; never sent
	message = _message_entry(error.title, error.detail)
	if error.status >= 500:  # whatever was printed before the failure is not the answer
		frappe.local.message_log = [message]
	elif not any(m.get("raise_exception") for m in frappe.local.message_log):
		frappe.local.message_log.append(message)
	body["exc_type"] = exc_type
	body["error"] = error.as_dict(request_context.request_id())
	body["http_status_code"] = error.status


def _message_entry(title: str, detail: str) -> dict:
	return {"message": detail, "title": title, "indicator": "red", "raise_exception": 1}


def _log(where: str, detail: str | None = None) -> None:
	try:
		frappe.get_doc(
			{
				"doctype": "Error Log",
				"method": f"API error in {where}"[:140],
				"error": detail or frappe.get_traceback(with_context=True),
				"trace_id": request_context.request_id(),
			}
		).insert(ignore_permissions=True)
		frappe.local.flags.commit = True  # a GET request is rolled back, the log must stay
	except Exception:
		frappe.logger("my_api_app").exception("could not write the Error Log for %s", where)


# Frappe's exception names for the statuses a noted error has, for Frappe's own clients.
FRAPPE_EXC_TYPES = {401: "AuthenticationError", 403: "PermissionError"}


def answer_noted(response, error: ApiError) -> None:
	"""Give the response Frappe built for a noted error (a failed credential, a missing scope)
	the structured body, on any path."""
	body = {
		"exc_type": FRAPPE_EXC_TYPES.get(error.status, type(error).__name__),
		"_server_messages": json.dumps([json.dumps(_message_entry(error.title, error.detail))]),
		"error": error.as_dict(request_context.request_id()),
	}
	response.status_code = error.status
	response.mimetype = "application/json"
	response.headers.update(error.headers)
	response.set_data(json.dumps(body, separators=(",", ":")))


def rewrite_frappe_error(response) -> None:
	"""Give an error that Frappe answered before the toolkit ran (a body that is not JSON, a
	bad ``Authorization`` header, a missing CSRF token) the same body as the toolkit's own."""
	try:
		body = json.loads(response.get_data())
	except ValueError:
		return
	if not isinstance(body, dict) or "error" in body:
		return
	if body.get("exc_type") == "JSONDecodeError":  # Frappe parses the body before any hook runs
		response.status_code = 400
		type_, title = kind_for_status(400)
		detail = "The request body is not valid JSON."
	else:
		if response.status_code == 417:  # frappe.ValidationError (a JSON body that is no object): 400
			response.status_code = 400
		type_, title = kind_for_status(response.status_code)
		detail = _first_server_message(body) or title
	for key in TRACEBACK_KEYS:
		body.pop(key, None)
	for v2_error in body.get("errors") or ():
		if isinstance(v2_error, dict):
			v2_error.pop("exception", None)
	if "_server_messages" not in body:
		body["_server_messages"] = json.dumps([json.dumps(_message_entry(title, detail))])
	body["error"] = error_object(
		status=response.status_code,
		type=type_,
		title=title,
		detail=detail,
		request_id=request_context.request_id(),
	)
	response.set_data(json.dumps(body, separators=(",", ":")))


def _first_server_message(body: dict) -> str | None:
	try:
		message = json.loads(json.loads(body["_server_messages"])[0])["message"]
	except (KeyError, IndexError, TypeError, ValueError):
		return None
	return " ".join(strip_html_tags(str(message)).split()) or None
