"""``before_request`` and ``after_request`` hooks of the toolkit (wired in hooks.py).

Every API call (``ApiRequest.call.api``: any /api/ path, or ``cmd`` on any
path) gets a request id and the structured error body.
"""

import frappe

from my_api_app.toolkit import error_response, request_context


def before_request(state: request_context.ApiRequest) -> None:
	if state.call.api:
		request_context.start(state, frappe.request)


def after_request(state: request_context.ApiRequest, response, request) -> None:
	if response is None:
		return
	api = state.call.api
	if api and state.request_id is None:  # Frappe failed before before_request
		request_context.start(state, request)  # (a bad JSON body, a failed password login)
	noted = state.noted_error
	if noted is not None and response.status_code == noted.status:
		error_response.answer_noted(response, noted)
	if not api:
		return
	response.headers["X-Request-Id"] = state.request_id
	if state.response_headers:
		response.headers.update(state.response_headers)
	if response.status_code >= 400 and response.mimetype == "application/json" and state.endpoint is not None:
		error_response.rewrite_frappe_error(response)
