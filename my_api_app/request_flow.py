"""The app's request hooks, in order: wiring only (hooks.py names these two functions).

A step refuses by raising an ``ApiError``; the refusal is answered by the app itself, on any
path, as its structured body (``error_response.refuse``), and the after_request steps see that
response.

Frappe resolves and inspects every hook function on every request (``frappe.call``: the
dotted path, then the signature), which costs more than most of the steps themselves, so the
steps run from one ``before_request`` and one ``after_request`` hook, in this order:

before_request
  1. the request log notes the start time;
  2. the toolkit: what the request runs (``shared.rules.dispatch``), its request id and endpoint;
     a JSON body nested too deep is refused;
  3. the brute-force guard refuses a password login past its limits;
  4. this app's credentials (API keys, JWTs; anything else is left to Frappe's validate_auth),
     and the closed world: what a scoped credential may run (``shared.rules.closed_world``);
  5. the inbound receiver drops a ``cmd`` on its own path.
after_authentication (Frappe's auth_hooks: the user is set, whatever the credential)
  1. a DocType the call names that does not exist is a 404;
  2. rate limits.
after_request
  1. the brute-force guard counts a failed authentication (a login past the limit becomes 429);
  2. the toolkit: request id, pending headers, structured error bodies;
  3. the inbound receiver's structured 400 for a malformed body;
  4. the request log records the request, last, with its final status and size.
"""

import inspect

from my_api_app.api_keys import authentication
from my_api_app.inbound_webhooks import receiver
from my_api_app.rate_limits import brute_force, enforcement
from my_api_app.request_log import capture
from my_api_app.shared import error_response, request_context, request_hooks
from my_api_app.shared.rules.errors import ApiError


def before_request() -> None:
	state = request_context.current()
	capture.before_request(state)
	request_hooks.before_request(state)
	try:
		request_hooks.check_body(state)
		brute_force.before_request(state)
		authentication.authenticate(state)
	except ApiError as error:
		raise error_response.refuse(state, error) from None
	receiver.before_request(state)


def after_authentication() -> None:
	"""The auth hook (``auth_hooks``: inside Frappe's validate_auth, once every kind of
	credential has set the user): a DocType that does not exist is a 404, then rate limits."""
	state = request_context.current()
	try:
		request_hooks.check_doctype_exists(state)
		enforcement.enforce(state)
	except ApiError as error:
		raise error_response.refuse(state, error) from None


def after_request(response, request) -> None:
	state = request_context.current()
	if response is None:  # the app's own refusal (error_response.Refusal), or a werkzeug error
		response = state.refusal
	brute_force.after_request(state, response, request)
	request_hooks.after_request(state, response, request)
	receiver.after_request(state, response, request)
	capture.after_request(state, response, request)


# Frappe 15's frappe.call reads a hook's signature on every call (inspect.signature): these are
# read once, here.
before_request.__signature__ = inspect.signature(before_request)
after_request.__signature__ = inspect.signature(after_request)
after_authentication.__signature__ = inspect.signature(after_authentication)
