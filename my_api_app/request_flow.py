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

from my_api_app.api_keys import authentication, brute_force
from my_api_app.inbound_webhooks import receiver
from my_api_app.request_log import capture
from my_api_app.toolkit import request_hooks


def before_request() -> None:
	capture.before_request()
	request_hooks.before_request()
	brute_force.before_request()
	authentication.authenticate()
	receiver.before_request()


def after_request(response, request) -> None:
	brute_force.after_request(response, request)
	request_hooks.after_request(response, request)
	receiver.after_request(response, request)
	capture.after_request(response, request)
