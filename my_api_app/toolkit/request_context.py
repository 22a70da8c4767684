"""Per-request state of the API: the request id and the toolkit endpoint being called.

The request id is the client's ``X-Request-Id`` when it is a sane token, otherwise a new one.
It is echoed on every /api/ response, carried in every error body and stored as the
``trace_id`` of the Error Log row written for a 500, so one id finds the traceback.
"""

import importlib
import re
import sys
import uuid
from functools import lru_cache

import frappe

from my_api_app.core import client_ip as client_ip_rules
from my_api_app.core.endpoint_spec import EndpointSpec
from my_api_app.core.errors import ApiError
from my_api_app.toolkit.registry import ENDPOINTS

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
_METHOD_PATH = re.compile(r"^/api/(?:v[12]/)?method/([A-Za-z0-9_.]+)")


def start(request) -> None:
	incoming = request.headers.get("X-Request-Id", "")
	frappe.local.api_request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
	frappe.local.api_endpoint = endpoint_for_path(request.path)
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


def endpoint_for_path(path: str) -> EndpointSpec | None:
	"""The toolkit endpoint a /api/method/ path names, importing its module if needed.

	Only modules of installed apps are imported, which Frappe itself does for any caller
	(Guest included) when it resolves the method after authentication.
	"""
	match = _METHOD_PATH.match(path)
	if not match:
		return None
	dotted = match.group(1)
	if dotted in ENDPOINTS:
		return ENDPOINTS[dotted]
	module, _, _ = dotted.rpartition(".")
	if not module or module in sys.modules or module.split(".")[0] not in frappe.get_installed_apps():
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
