"""Per-request state of the API: the request id and the toolkit endpoint being called.

The request id is the client's ``X-Request-Id`` when it is a sane token, otherwise a new one.
It is echoed on every /api/ response, carried in every error body and stored as the
``trace_id`` of the Error Log row written for a 500, so one id finds the traceback.
"""

import importlib
import re
import sys
import uuid

import frappe

from my_api_app.core.endpoint_spec import EndpointSpec
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
