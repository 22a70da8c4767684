"""``@endpoint``: a whitelisted function with its HTTP contract declared in one place.

	@endpoint(methods="POST", permissions=[("ToDo", "write", "name")])
	def close(name: str) -> ClosedTodo: ...

A call runs, in order: HTTP method (405 + Allow), authentication (401), roles (403),
input validation (400, every field at once), document permissions (404 when missing or not
readable, 403 when readable but not permitted), the
function, the answer's validation against the return annotation (``toolkit.rules.responses``: only
declared fields are kept; a mismatch is a 500), then the envelope
``{"status": "success", "data": ...}`` inside Frappe's ``message``. Any error rolls the
transaction back and answers a structured body.
"""

import inspect
from collections.abc import Callable, Iterable

import frappe
from frappe import _
from werkzeug.wrappers import Response

from my_api_app.jobs.rules.states import JobAccepted
from my_api_app.shared import error_response, request_context
from my_api_app.shared.endpoints import ENDPOINTS
from my_api_app.shared.rules.errors import Forbidden, MethodNotAllowed, NotFound, Unauthenticated
from my_api_app.shared.rules.validation import validate_input
from my_api_app.toolkit.rules.endpoint_spec import DocumentPermission, EndpointSpec, build_spec

# Frappe adds these to form_dict itself; they are not the caller's arguments.
FRAPPE_FORM_KEYS = frozenset({"cmd"})
_ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def endpoint(
	*,
	methods: str | Iterable[str] = ("POST",),
	allow_guest: bool = False,
	roles: Iterable[str] = (),
	permissions: Iterable[DocumentPermission | tuple[str, str, str]] = (),
	status: int = 200,
	xss_safe: bool = False,
	rate_limit: tuple[int, int] | dict | None = None,
	include_in_schema: bool = True,
	unchecked_response: str | None = None,
	envelope: bool = True,
	enabled_by: str | None = None,
) -> Callable:
	"""Declare an API endpoint; see the module docstring and toolkit/README.md for each option.

	- ``methods``: allowed HTTP methods (default POST only; GET must be asked for).
	- ``allow_guest``: callable without logging in.
	- ``roles``: the caller needs at least one of them.
	- ``permissions``: ``(doctype, ptype, argument)``; ``frappe.has_permission`` on the
	  document that ``argument`` names must hold.
	- ``status``: 200, 201 for creations or 202 for accepted work.
	- ``xss_safe``: for guest endpoints, skip Frappe's HTML sanitising of string inputs.
	- ``rate_limit``: ``(limit, period_seconds)`` or ``{"limit", "period", "burst", "per"}``
	  (``per``: principal, user, ip or everyone); enforced with the Desk rules (429).
	- ``include_in_schema``: False leaves the endpoint out of the OpenAPI document.
	- ``unchecked_response``: why the answer has no declared shape; it is then passed on
	  unvalidated. Without it the return annotation must describe the answer (a model,
	  TypedDict, ``list[Model]``, ``JobAccepted``, ``None`` or a werkzeug ``Response``).
	- ``envelope``: False answers the data itself in ``message``, as Frappe's own methods do
	  (Desk's number cards and chart sources, stand-ins for Frappe methods); such an endpoint
	  stays out of the OpenAPI document.
	- ``enabled_by``: a site config key; unless it is set (or the app's tests run in this
	  process), the endpoint answers 404 as if it did not exist and is left out of the OpenAPI
	  document.
	"""

	declared = dict(locals())  # every option above, as build_spec takes (and checks) them
	del declared["xss_safe"]  # Frappe's, given to frappe.whitelist below

	def decorate(fn: Callable) -> Callable:
		spec = build_spec(fn, raw_types=(Response,), **declared)

		def api_endpoint(**kwargs):
			return _serve(spec, fn, kwargs)

		api_endpoint.__module__ = fn.__module__
		api_endpoint.__name__ = fn.__name__
		api_endpoint.__qualname__ = fn.__qualname__
		api_endpoint.__doc__ = fn.__doc__
		# The signature Frappe sees is **kwargs, so every argument reaches validation (unknown
		# ones are rejected there) and Frappe's own annotation check does not run first.
		api_endpoint.__signature__ = inspect.Signature(
			[inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD)]
		)
		api_endpoint.endpoint_spec = spec
		ENDPOINTS[spec.path] = spec
		# Frappe's guest and method checks answer 403; the toolkit answers 401 and 405 itself.
		return frappe.whitelist(allow_guest=True, xss_safe=xss_safe, methods=_ALL_METHODS)(api_endpoint)

	return decorate


def _serve(spec: EndpointSpec, fn: Callable, kwargs: dict):
	try:
		if not enabled(spec):
			raise NotFound(_("No such endpoint."))
		_check_method(spec)
		_check_caller(spec)
		args = validate_input(
			spec.input_model,
			{k: v for k, v in kwargs.items() if k not in FRAPPE_FORM_KEYS},
			from_json=_is_json_request(),
		)
		_check_document_permissions(spec, args)
		data = spec.response.dump(fn(**args))
	except Exception as exc:
		error_response.respond(exc, where=spec.path)
		return None

	if isinstance(data, Response):
		return data
	if spec.response.annotation is JobAccepted:  # a started background job: 202, Location: its status
		request_context.add_response_headers({"Location": data["status_url"]})
		frappe.local.response["http_status_code"] = 202
	elif spec.status != 200:
		frappe.local.response["http_status_code"] = spec.status
	return {"status": "success", "data": data} if spec.envelope else data


_ENABLED_IN_THIS_PROCESS: set[str] = set()  # enabled_by keys the app's test runner turned on


def enable_in_this_process(*config_keys: str) -> None:
	"""Turn on endpoints ``enabled_by`` these keys for this process only (the app's
	``before_tests`` hook: the tests' own endpoints and the examples, while the tests run)."""
	_ENABLED_IN_THIS_PROCESS.update(config_keys)


def enabled(spec: EndpointSpec) -> bool:
	key = spec.enabled_by
	return key is None or key in _ENABLED_IN_THIS_PROCESS or bool(frappe.conf.get(key))


def _check_method(spec: EndpointSpec) -> None:
	request = getattr(frappe.local, "request", None)
	if request is None:  # called from Python, not over HTTP
		return
	allowed = (*spec.methods, "HEAD") if "GET" in spec.methods else spec.methods
	if request.method not in allowed:
		raise MethodNotAllowed(request.method, spec.methods)


def _check_caller(spec: EndpointSpec) -> None:
	if frappe.session.user == "Guest" and not spec.allow_guest:
		raise Unauthenticated(
			"Log in, or send an API key or token, to call this endpoint.",
			headers={"WWW-Authenticate": 'Token realm="api"'},
		)
	if spec.roles and not set(spec.roles) & set(frappe.get_roles()):
		raise Forbidden(_("This endpoint needs one of these roles: {0}.").format(", ".join(spec.roles)))


def _check_document_permissions(spec: EndpointSpec, args: dict) -> None:
	"""404 for a document that does not exist or that the caller may not read (the answers are
	the same, so neither tells that it exists); 403 for one it may read but not ``ptype``."""
	for perm in spec.permissions:
		name = args[perm.argument]
		missing = NotFound(f"{perm.doctype} {name} was not found.")
		if not name or not frappe.db.exists(perm.doctype, name):
			raise missing
		try:
			readable = frappe.has_permission(perm.doctype, "read", doc=name)
		except frappe.PermissionError:  # a hook that refuses by raising
			readable = False
		if not readable:
			raise missing
		if perm.ptype != "read" and not frappe.has_permission(perm.doctype, perm.ptype, doc=name):
			raise Forbidden(_("You may not {0} {1} {2}.").format(perm.ptype, perm.doctype, name))


def _is_json_request() -> bool:
	request = getattr(frappe.local, "request", None)
	return bool(request is not None and request.is_json and request.get_data())
