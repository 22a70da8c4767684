"""``before_request`` and ``after_request`` hooks of the toolkit (wired in hooks.py).

Every API call (``request_context.current_call().api``: any /api/ path, or ``cmd`` on any
path) gets a request id and the structured error body.
"""

import frappe

from my_api_app.toolkit import error_response, request_context


def before_request() -> None:
	if request_context.current_call().api:
		request_context.start(frappe.request)


def after_request(response, request) -> None:
	if response is None:
		return
	api = request_context.current_call().api
	if api and request_context.request_id() is None:  # Frappe failed before before_request
		request_context.start(request)  # (a bad JSON body, a failed password login)
	noted = request_context.noted_error()
	if noted is not None and response.status_code == noted.status:
		error_response.answer_noted(response, noted)
	if not api:
		return
	response.headers["X-Request-Id"] = request_context.request_id()
	response.headers.update(request_context.response_headers())
	if (
		response.status_code >= 400
		and response.mimetype == "application/json"
		and request_context.current_endpoint() is not None
	):
		error_response.rewrite_frappe_error(response)
