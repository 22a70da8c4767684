"""Per-request state of the API (``ApiRequest``): the call the request makes, the request id,
the toolkit endpoint being called, the caller and the client address.

``current_call()`` (``ApiRequest.call``) is the one answer to "what does this request run"
(``core.dispatch``), computed once from the request and the ``form_dict`` Frappe built, before
any handler can change ``form_dict``; scopes, rate limits, the request log, the request id and
the error bodies all ask it.

The request id is the client's ``X-Request-Id`` when it is a sane token, otherwise a new one.
It is echoed on the response to every API call (any /api/ path, or ``cmd`` on any path),
carried in every error body and stored as the ``trace_id`` of the Error Log row written for a
500, so one id finds the traceback.
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


class ApiRequest:
	"""What the app's hooks know of the request being served: one object, ``frappe.local`` 's
	``my_api_app_request``, made by the first hook that asks (``current()``), so each hook pays
	for one ``frappe.local`` lookup rather than one per fact.

	- ``call``: what the request runs (``core.dispatch``), resolved on first use;
	- ``request_id``, ``endpoint``, ``response_headers``: set by ``start`` for API calls;
	- ``noted_error``: an error to answer with its structured body (``note_error``);
	- ``principal``: the API key or JWT caller (``api_keys.principal``), None for any other;
	- ``log_started``: the request log's start time;
	- ``presents_credential``: the brute-force guard's answer, taken before this app's
	  authentication consumes the ``Authorization`` header;
	- ``copies_caught_up``: the request has read the committed cache's announcements
	  (``committed_cache.get``: once a request).
	"""

	__slots__ = (
		"_call",
		"_client_ip",
		"copies_caught_up",
		"endpoint",
		"log_started",
		"noted_error",
		"presents_credential",
		"principal",
		"request_id",
		"response_headers",
	)

	def __init__(self) -> None:
		self._call = None
		self._client_ip = _UNKNOWN
		self.copies_caught_up = False
		self.endpoint: EndpointSpec | None = None
		self.log_started: tuple[float, float] | None = None
		self.noted_error: ApiError | None = None
		self.presents_credential: bool | None = None
		self.principal = None
		self.request_id: str | None = None
		self.response_headers: dict[str, str] = {}

	@property
	def call(self) -> dispatch.Call:
		"""What this request runs, computed from the request and the ``form_dict`` Frappe built
		when first asked (by the first before_request hook, or by after_request when Frappe
		failed before any before_request hook ran)."""
		call = self._call
		if call is None:
			request = frappe.request
			call = self._call = dispatch.resolve(
				request.method, request.path, frappe.local.form_dict or {}, cmd_dropped_on=CMD_DROPPED_ON
			)
		return call

	@property
	def client_ip(self) -> str | None:
		"""The caller's address: ``X-Forwarded-For`` is believed only from the proxies listed in
		the site config's ``my_api_app_trusted_proxies`` (addresses or CIDR ranges)."""
		address = self._client_ip
		if address is _UNKNOWN:
			request = frappe.request
			address = self._client_ip = client_ip_rules.client_ip(
				request.remote_addr,
				request.headers.get("X-Forwarded-For"),
				_trusted_proxies(_config_entries(frappe.conf.get("my_api_app_trusted_proxies"))),
			)
		return address


_UNKNOWN = object()


def current() -> ApiRequest:
	"""This request's ``ApiRequest``, made on first ask."""
	state = getattr(frappe.local, "my_api_app_request", None)
	if state is None:
		state = frappe.local.my_api_app_request = ApiRequest()
	return state


def peek() -> ApiRequest | None:
	"""This request's ``ApiRequest`` if a hook made one (None outside a request, in a job, or
	before the hooks ran)."""
	return getattr(frappe.local, "my_api_app_request", None)


def current_call() -> dispatch.Call:
	"""What this request runs: the one answer scopes, rate limits, the request log, the request
	id and the error bodies ask."""
	return current().call


def start(state: ApiRequest, request) -> None:
	"""An API call: its request id and the toolkit endpoint it calls."""
	incoming = request.headers.get("X-Request-Id", "")
	state.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else os.urandom(16).hex()
	call = state.call
	state.endpoint = endpoint_for_method(call.method) if call.kind == dispatch.METHOD else None


def request_id() -> str | None:
	state = peek()
	return state.request_id if state else None


def current_endpoint() -> EndpointSpec | None:
	state = peek()
	return state.endpoint if state else None


def note_error(error: ApiError) -> None:
	"""An error found in a hook or deep inside Frappe (a failed credential, a scope a
	permission hook denied): if the request ends with its status, ``after_request`` answers it
	with this structured body, whatever the path."""
	current().noted_error = error


def noted_error() -> ApiError | None:
	state = peek()
	return state.noted_error if state else None


def add_response_headers(headers: dict[str, str]) -> None:
	"""Headers for this request's response (sent on API calls)."""
	current().response_headers.update(headers)


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
	"""The caller's address (``ApiRequest.client_ip``)."""
	return current().client_ip


def _config_entries(value) -> str | tuple[str, ...]:
	"""The config value in a hashable form: a string (one entry per line) or a list."""
	return value if isinstance(value, str) else tuple(value or ())


@lru_cache(maxsize=8)
def _trusted_proxies(entries: str | tuple[str, ...]) -> tuple:
	return client_ip_rules.parse_networks(entries)
