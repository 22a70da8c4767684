"""Writing an error into Frappe's response: status, structured ``error``, no traceback.

Frappe's keys stay (``exc_type``, ``_server_messages``) so frappe-js-sdk, frappe-ui and Desk
still show the message. Tracebacks never leave the server: a 5xx is written to the Error
Log with the request id as its ``trace_id``: its traceback, or only the error's
``log_detail`` when it has one (``toolkit.rules.responses.ResponseMismatch``: the frames would hold the
answer, which may carry a secret shown once).
"""

import json

import frappe
from frappe.utils import strip_html_tags
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from my_api_app.shared import frappe_compat, request_context
from my_api_app.shared.error_mapping import INTERNAL_DETAIL, to_api_error
from my_api_app.shared.rules.errors import (
	MAX_JSON_DEPTH,
	RETRY_TRANSIENT_AFTER,
	TRANSIENT_DETAIL,
	TRANSIENT_FAILURES,
	ApiError,
	error_object,
	kind_for_status,
)

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
	"""Give the response Frappe built for a noted error (a scope a permission hook refused deep
	inside a handler) the structured body, on any path."""
	write(response, error, request_context.request_id())


class Refusal(HTTPException):
	"""An error the app's own request hooks answer, on any path, with its structured body.

	Frappe returns a werkzeug ``HTTPException`` as it is. Its own error handling cannot be
	relied on outside /api/: Frappe 15 renders no 429 there and answers a bare HTML 500 (and
	then skips ``frappe.destroy``), and renders 401 and 403 as web pages.
	"""

	def __init__(self, response: Response):
		super().__init__(response=response)
		self.code = response.status_code


def refuse(state: request_context.ApiRequest, error: ApiError) -> Refusal:
	"""The refusal to raise for ``error``: its structured body, status and headers (and the CORS
	headers Frappe would add), kept on the request's state for the after_request hooks."""
	if state.request_id is None:
		request_context.start(state, frappe.request)
	response = Response(status=error.status, mimetype="application/json")
	write(response, error, state.request_id)
	frappe_compat.add_cors_headers(response)
	state.refusal = response
	return Refusal(response)


def write(response, error: ApiError, request_id: str | None) -> None:
	"""Give ``response`` the error's status, headers and structured body."""
	body = {
		"exc_type": FRAPPE_EXC_TYPES.get(error.status, type(error).__name__),
		"_server_messages": json.dumps([json.dumps(_message_entry(error.title, error.detail))]),
		"error": error.as_dict(request_id),
	}
	response.status_code = error.status
	response.mimetype = "application/json"
	response.headers.update(error.headers)
	response.set_data(json.dumps(body, separators=(",", ":")))


def rewrite_frappe_error(response) -> None:
	"""Give an error Frappe answered on an API call (its own methods and routes, a body it could
	not parse, a failed login, a missing CSRF token, a crash) the API's error contract: the
	structured body with the request id and no traceback, as JSON whatever Frappe rendered.
	A backing service that could not be reached (``TRANSIENT_FAILURES``) is a 503 with
	``Retry-After``; a body too deep for Frappe's parser a 400."""
	try:
		body = json.loads(response.get_data())
	except ValueError:
		body = None  # an HTML page (a client that asked for one, or Frappe's error page)
	if isinstance(body, dict) and "error" in body:
		return
	if not isinstance(body, dict):
		body = {}
	status = response.status_code
	exc_type = body.get("exc_type") if isinstance(body.get("exc_type"), str) else None
	detail = None
	if exc_type == "JSONDecodeError" or (status == 417 and exc_type == "DataError"):
		status, detail = 400, "The request body is not valid JSON."  # Frappe 15 / Frappe 16's answer
		body.pop("_server_messages", None)
	elif exc_type == "RecursionError":  # a body deeper than Frappe's parser goes
		status, detail = 400, f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels."
		body.pop("_server_messages", None)
	elif status == 417:  # frappe.ValidationError (a JSON body that is no object): 400
		status = 400
	elif status >= 500 and exc_type in TRANSIENT_FAILURES:
		status, detail = 503, TRANSIENT_DETAIL
		response.headers["Retry-After"] = str(RETRY_TRANSIENT_AFTER)
		body.pop("_server_messages", None)
	if status >= 500 and detail is None:
		detail = INTERNAL_DETAIL
		body.pop("_server_messages", None)
	type_, title = kind_for_status(status)
	detail = detail or _first_server_message(body) or title
	for key in TRACEBACK_KEYS:
		body.pop(key, None)
	for v2_error in body.get("errors") or ():
		if isinstance(v2_error, dict):
			v2_error.pop("exception", None)
	if "_server_messages" not in body:
		body["_server_messages"] = json.dumps([json.dumps(_message_entry(title, detail))])
	body["error"] = error_object(
		status=status, type=type_, title=title, detail=detail, request_id=request_context.request_id()
	)
	response.status_code = status
	response.mimetype = "application/json"
	response.set_data(json.dumps(body, separators=(",", ":")))


def _first_server_message(body: dict) -> str | None:
	try:
		message = json.loads(json.loads(body["_server_messages"])[0])["message"]
	except (KeyError, IndexError, TypeError, ValueError):
		return None
	return " ".join(strip_html_tags(str(message)).split()) or None
