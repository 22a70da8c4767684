"""The app's request hooks, in order: wiring only (hooks.py names these two functions).

Frappe resolves and inspects every hook function on every request (``frappe.call``: the
dotted path, then the signature), which costs more than most of the steps themselves, so the
steps run from one ``before_request`` and one ``after_request`` hook, in this order:

before_request
  1. the request log notes the start time;
  2. the toolkit: what the request runs (``core.dispatch``), its request id and endpoint;
  3. the brute-force guard refuses an address past its failure limit;
  4. this app's credentials (API keys, JWTs; anything else is left to Frappe's validate_auth);
  5. the inbound receiver drops a ``cmd`` on its own path.
after_request
  1. the brute-force guard counts a failed authentication (a login past the limit becomes 429);
  2. the toolkit: request id, pending headers, structured error bodies;
  3. the inbound receiver's structured 400 for a malformed body;
  4. the request log records the request, last, with its final status and size.
"""

import inspect

from my_api_app.api_keys import authentication, brute_force
from my_api_app.inbound_webhooks import receiver
from my_api_app.request_log import capture
from my_api_app.toolkit import request_context, request_hooks


def before_request() -> None:
	state = request_context.current()
	capture.before_request(state)
	request_hooks.before_request(state)
	brute_force.before_request(state)
	authentication.authenticate(state)
	receiver.before_request(state)


def after_request(response, request) -> None:
	state = request_context.current()
	brute_force.after_request(state, response, request)
	request_hooks.after_request(state, response, request)
	receiver.after_request(state, response, request)
	capture.after_request(state, response, request)


# Frappe's frappe.call reads a hook's signature on every call (inspect.signature): these are
# read once, here.
before_request.__signature__ = inspect.signature(before_request)
after_request.__signature__ = inspect.signature(after_request)
