"""The toolkit's request steps (run by ``request_flow``).

Every API call (``ApiRequest.call.api``: any /api/ path, or ``cmd`` on any path) gets a request
id, and every error it is answered with follows the error contract, Frappe's own included.
"""

import frappe
from frappe import _

from my_api_app.shared import error_response, frappe_compat, request_context
from my_api_app.shared.rules import dispatch, json_depth
from my_api_app.shared.rules.errors import MAX_JSON_DEPTH, InvalidInput, NotFound


def before_request(state: request_context.ApiRequest) -> None:
	if state.call.api:
		request_context.start(state, frappe.local.request)


def check_body(state: request_context.ApiRequest) -> None:
	"""A JSON body nested deeper than the API takes is refused before anything reads it."""
	request = frappe.local.request
	if not request.environ.get("CONTENT_LENGTH"):  # no body to read (werkzeug's content_length: None)
		return
	if (request.content_length or 0) < 2 * MAX_JSON_DEPTH or not request.is_json or not state.call.api:
		return
	if json_depth.depth(request.get_data(), stop_at=MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
		raise InvalidInput.for_field(
			"(body)", f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.", "json_too_deep"
		)


def check_doctype_exists(state: request_context.ApiRequest) -> None:
	"""A DocType the call names that does not exist (by its exact name: ``todo`` is not
	``ToDo``) is a 404 for every caller, before Frappe's query fails on the missing table."""
	call = state.call
	if not call.api or not (
		call.kind in dispatch.DOCUMENT_KINDS
		or (call.kind == dispatch.METHOD and "doctype" in frappe.local.form_dict)
	):
		return
	missing = state.reach.unknown_doctype
	if missing is not None:
		raise NotFound(_("DocType {0} not found.").format(missing))


def after_request(state: request_context.ApiRequest, response, request) -> None:
	if response is None:
		return
	api = state.call.api
	if api and state.request_id is None:  # Frappe failed before before_request
		request_context.start(state, request)  # (a bad JSON body, a failed password login)
	noted = state.noted_error
	if noted is not None and response.status_code == noted.status and response is not state.refusal:
		error_response.answer_noted(response, noted)
	if api:
		response.headers["X-Request-Id"] = state.request_id
		if state.response_headers:
			response.headers.update(state.response_headers)
		if response.status_code >= 400 and response is not state.refusal:
			error_response.rewrite_frappe_error(response)
	frappe_compat.keep_www_authenticate(response)
