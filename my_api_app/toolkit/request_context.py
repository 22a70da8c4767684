"""Per-request state of the API: the call the request makes, the request id and the toolkit
endpoint being called.

``current_call()`` is the one answer to "what does this request run" (``core.dispatch``),
computed once from the request and the ``form_dict`` Frappe built, before any handler can
change ``form_dict``; scopes, rate limits, the request log, the request id and the error
bodies all ask it.

The request id is the client's ``X-Request-Id`` when it is a sane token, otherwise a new one.
It is echoed on the response to every API call (any /api/ path, or ``cmd`` on any path),
carried in every error body and stored as the ``trace_id`` of the Error Log row written for a 500, so one id finds the traceback.
"""

import importlib
import os
import re
import sys
from functools import lru_cache

import frappe

from my_api_app.core import client_ip as client_ip_rules
from my_api_app.core import dispatch
from my_api_app.core.endpoint_spec import EndpointSpec
from my_api_app.core.errors import ApiError
from my_api_app.toolkit.registry import ENDPOINTS

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
_DOTTED = re.compile(r"[A-Za-z0-9_.]+")
# The inbound webhook receiver's body is the sender's: its before_request hook drops a ``cmd``
# key on this method's path, so the path's call is what runs.
CMD_DROPPED_ON = frozenset({"my_api_app.api.inbound.receive"})


def current_call() -> dispatch.Call:
	"""What this request runs. The first hook to ask computes it (the first before_request
	hook, or after_request when Frappe failed before any before_request hook ran)."""
	call = getattr(frappe.local, "api_call", None)
	if call is None:
		request = frappe.request
		call = frappe.local.api_call = dispatch.resolve(
			request.method, request.path, frappe.local.form_dict or {}, cmd_dropped_on=CMD_DROPPED_ON
		)
	return call


def start(request) -> None:
	incoming = request.headers.get("X-Request-Id", "")
	frappe.local.api_request_id = incoming if _REQUEST_ID.fullmatch(incoming) else os.urandom(16).hex()
	call = current_call()
	frappe.local.api_endpoint = endpoint_for_method(call.method) if call.kind == dispatch.METHOD else None
	frappe.local.api_response_headers = {}


def request_id() -> str | None:
	return getattr(frappe.local, "api_request_id", None)


def current_endpoint() -> EndpointSpec | None:
	return getattr(frappe.local, "api_endpoint", None)


def note_error(error: ApiError) -> None:
	"""An error found in a hook or deep inside Frappe (a failed credential, a scope a
	permission hook denied): if the request ends with its status, ``after_request`` answers it
	with this structured body, whatever the path."""
	frappe.local.api_noted_error = error


def noted_error() -> ApiError | None:
	return getattr(frappe.local, "api_noted_error", None)


def add_response_headers(headers: dict[str, str]) -> None:
	if hasattr(frappe.local, "api_response_headers"):
		frappe.local.api_response_headers.update(headers)


def response_headers() -> dict[str, str]:
	return getattr(frappe.local, "api_response_headers", {})


def endpoint_for_method(dotted: str | None) -> EndpointSpec | None:
	"""The toolkit endpoint that runs for a call of ``dotted`` (after Frappe's
	``override_whitelisted_methods``, as Frappe resolves it), importing its module if needed.

	Only modules of installed apps are imported, which Frappe itself does for any caller
	(Guest included) when it resolves the method after authentication.
	"""
	if not dotted:
		return None
	overrides = frappe.get_hooks("override_whitelisted_methods", {}).get(dotted)
	if overrides:
		dotted = overrides[-1]
	if dotted in ENDPOINTS:
		return ENDPOINTS[dotted]
	module, _, _ = dotted.rpartition(".")
	if (
		not _DOTTED.fullmatch(dotted)
		or not module
		or module in sys.modules
		or module.split(".")[0] not in frappe.get_installed_apps()
	):
		return None
	try:
		importlib.import_module(module)
	except ImportError:
		return None
	return ENDPOINTS.get(dotted)


def client_ip() -> str | None:
	"""The caller's address: ``X-Forwarded-For`` is believed only from the proxies listed in
	the site config's ``my_api_app_trusted_proxies`` (addresses or CIDR ranges)."""
	if not hasattr(frappe.local, "api_client_ip"):
		request = frappe.request
		frappe.local.api_client_ip = client_ip_rules.client_ip(
			request.remote_addr,
			request.headers.get("X-Forwarded-For"),
			_trusted_proxies(_config_entries(frappe.conf.get("my_api_app_trusted_proxies"))),
		)
	return frappe.local.api_client_ip


def _config_entries(value) -> str | tuple[str, ...]:
	"""The config value in a hashable form: a string (one entry per line) or a list."""
	return value if isinstance(value, str) else tuple(value or ())


@lru_cache(maxsize=8)
def _trusted_proxies(entries: str | tuple[str, ...]) -> tuple:
	return client_ip_rules.parse_networks(entries)
