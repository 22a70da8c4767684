"""What Frappe 15 will run for a request: the one answer every security decision takes.

Frappe decides in ``frappe/app.py``, in this order: OPTIONS runs nothing; a truthy
``form_dict.cmd`` (from the query string, a form body or a JSON body, on *any* path) is run
through ``frappe.handler.handle()``; a path under ``/api/`` is matched against
``frappe.api.API_URL_MAP`` (v1 under ``/api`` and ``/api/v1``, v2 under ``/api/v2``); then
``/backups``, ``/private/files/`` and website pages. Password login happens earlier still,
while the request is initialised, when ``cmd`` is ``login`` or the path is exactly
``/api/method/login``, whatever else the request then runs (``Call.logs_in``).

:func:`resolve` mirrors that with werkzeug's own router and a copy of Frappe's rule table
(``V1_RULES``, ``V2_RULES``; a bench test holds the copy equal to Frappe's map), so trailing,
doubled and leading slashes, converters and rule precedence behave exactly as Frappe's do.
Scopes, rate limits, the request log, the request id and the error bodies all take their
answer from the :class:`Call` it returns; nothing else parses the path for those decisions.

``path`` is ``request.path``: already percent-decoded once by the server, as Frappe matches it.
"""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule, Submount

# Kinds of call. The document kinds name a DocType (and a document name where there is one).
METHOD = "method"  # a whitelisted method by dotted name (cmd, /api/method, /api/v2/method)
LOGIN = "login"  # Frappe's password login (cmd=login, or exactly /api/method/login)
CONTROLLER_METHOD = "controller_method"  # /api/v2/method/<DocType>/<method>: a controller module's function
LIST, CREATE, READ, UPDATE, DELETE = "list", "create", "read", "update", "delete"
DOCUMENT_METHOD = "document_method"  # a whitelisted method of one stored document
META, COUNT = "meta", "count"  # /api/v2/doctype/<DocType>/meta|count
COPY = "copy"  # /api/v2/document/<DocType>/<name>/copy (Frappe 16): a new copy, read from the document
OPTIONS = "options"  # nothing runs
NOT_FOUND = "not_found"  # no route: Frappe answers 404 and runs nothing
METHOD_NOT_ALLOWED = "method_not_allowed"  # a route, not for this HTTP method: 405, nothing runs
UNKNOWN = "unknown"  # a route of Frappe's that this resolver does not know: something runs
FILE = "file"  # /private/files/…, /backups/…
PAGE = "page"  # a website or Desk page
DOCUMENT_KINDS = frozenset({LIST, CREATE, READ, UPDATE, DELETE, DOCUMENT_METHOD, META, COUNT, COPY})

# Frappe 15's frappe/api/v1.py and v2.py url_rules: (rule, methods, endpoint function name).
V1_RULES = (
	("/method/<path:method>", None, "handle_rpc_call"),
	("/resource/<doctype>", ("GET",), "document_list"),
	("/resource/<doctype>", ("POST",), "create_doc"),
	("/resource/<doctype>/<path:name>/", ("GET",), "read_doc"),
	("/resource/<doctype>/<path:name>/", ("PUT",), "update_doc"),
	("/resource/<doctype>/<path:name>/", ("DELETE",), "delete_doc"),
	("/resource/<doctype>/<path:name>/", ("POST",), "execute_doc_method"),
)
V2_RULES = (
	("/method/login", None, "login"),
	("/method/logout", None, "logout"),
	("/method/ping", None, "ping"),
	("/method/upload_file", None, "upload_file"),
	("/method/<method>", None, "handle_rpc_call"),
	("/method/run_doc_method", ("GET", "POST"), "run_doc_method"),
	("/method/<doctype>/<method>", None, "handle_rpc_call"),
	("/document/<doctype>", ("GET",), "document_list"),
	("/document/<doctype>", ("POST",), "create_doc"),
	("/document/<doctype>/<path:name>/", ("GET",), "read_doc"),
	("/document/<doctype>/<path:name>/", ("PATCH", "PUT"), "update_doc"),
	("/document/<doctype>/<path:name>/", ("DELETE",), "delete_doc"),
	("/document/<doctype>/<path:name>/method/<method>/", ("GET", "POST"), "execute_doc_method"),
	("/doctype/<doctype>/meta", ("GET",), "get_meta"),
	("/doctype/<doctype>/count", ("GET",), "count"),
)


def _rules(version: str, table) -> list[Rule]:
	return [Rule(rule, methods=methods, endpoint=(version, name)) for rule, methods, name in table]


# As Frappe 15's frappe.api.API_URL_MAP: v1 twice (/api and /api/v1), v2 once; lenient slashes.
FRAPPE_15_MAP = Map(
	[
		Submount("/api", _rules("v1", V1_RULES)),
		Submount("/api/v1", _rules("v1", V1_RULES)),
		Submount("/api/v2", _rules("v2", V2_RULES)),
	],
	strict_slashes=False,
	merge_slashes=False,
)
_FRAPPE_15 = FRAPPE_15_MAP.bind("localhost")


def match_frappe_15(path: str, method: str) -> tuple[tuple[str, str], dict]:
	"""``((version, endpoint name), arguments)`` of Frappe 15's route for ``path``; werkzeug's
	NotFound or MethodNotAllowed when there is none."""
	return _FRAPPE_15.match(path, method)


# ((version, endpoint name), arguments) for a path and HTTP method, raising werkzeug's
# NotFound / MethodNotAllowed: match_frappe_15, or Frappe's own map (the Frappe side's).
Match = Callable[[str, str], tuple[tuple[str, str], dict]]

# The v2 RPC routes that name no method argument: the method each one runs.
_V2_FIXED_METHODS = {"login": "login", "logout": "logout", "ping": "ping", "upload_file": "upload_file"}
_V1_DOCUMENT = {
	"document_list": LIST,
	"create_doc": CREATE,
	"read_doc": READ,
	"update_doc": UPDATE,
	"delete_doc": DELETE,
	"execute_doc_method": DOCUMENT_METHOD,
}
_V2_DOCUMENT = {**_V1_DOCUMENT, "get_meta": META, "count": COUNT, "copy_doc": COPY}


@dataclass(frozen=True)
class Call:
	"""The call Frappe will run for a request.

	``method``: the dotted method of a METHOD call (as the client named it; Frappe then applies
	``override_whitelisted_methods``), or the document method of a DOCUMENT_METHOD or
	CONTROLLER_METHOD call (None when the request does not say, which Frappe answers with an
	error). ``via``: ``cmd``, ``v1``, ``v2`` or ``web``. ``api``: the request is an API call
	(any ``/api/`` path, or ``cmd`` on any path), so it is scoped, limited, logged and
	answered with the structured error body. ``logs_in``: Frappe checks a password while it
	initialises the request (``cmd`` is ``login`` or the path is exactly ``/api/method/login``),
	whatever the call then runs.
	"""

	kind: str
	via: str
	api: bool
	method: str | None = None
	doctype: str | None = None
	name: str | None = None
	logs_in: bool = False

	@property
	def spellings(self) -> tuple[str, ...]:
		"""Every /api/ path that makes this same call: what rate-limit rule patterns match, so
		a rule counts the call however it was sent."""
		if self.kind in (METHOD, LOGIN) and self.method is not None:
			return method_spellings(self.method)
		if self.kind == CONTROLLER_METHOD:
			return (f"/api/v2/method/{self.doctype}/{self.method}",)
		if self.kind in (LIST, CREATE):
			return document_spellings(self.doctype)
		if self.kind in (READ, UPDATE, DELETE, DOCUMENT_METHOD):
			paths = document_spellings(self.doctype, self.name)
			if self.kind == DOCUMENT_METHOD and self.method:
				paths += (f"/api/v2/document/{self.doctype}/{self.name}/method/{self.method}",)
			return paths
		if self.kind in (META, COUNT):
			return (f"/api/v2/doctype/{self.doctype}/{self.kind}",)
		if self.kind == COPY:
			return (
				*document_spellings(self.doctype, self.name),
				f"/api/v2/document/{self.doctype}/{self.name}/copy",
			)
		return ()

	@property
	def target(self) -> str | None:
		"""What the request log records as the call's target: the method, else the DocType."""
		if self.kind in (METHOD, LOGIN):
			return self.method
		return self.doctype


def method_spellings(method: str) -> tuple[str, ...]:
	"""The /api/ paths that call ``method``."""
	return tuple(f"/api{version}/method/{method}" for version in ("", "/v1", "/v2"))


def document_spellings(doctype: str, name: str | None = None) -> tuple[str, ...]:
	"""The /api/ paths of a DocType's collection, or of one of its documents."""
	document = f"{doctype}/{name}" if name is not None else doctype
	return (f"/api/resource/{document}", f"/api/v1/resource/{document}", f"/api/v2/document/{document}")


def resolve(
	http_method: str,
	path: str,
	form: Mapping,
	*,
	match: Match = match_frappe_15,
	cmd_dropped_on: Collection[str] = (),
) -> Call:
	"""The call Frappe runs for ``http_method`` on ``path`` with the request's ``form_dict``.

	``match``: Frappe's route map (default: the copy of Frappe 15's). ``cmd_dropped_on``:
	methods whose path route wins over a ``cmd`` because a before_request hook removes ``cmd``
	from ``form_dict`` on their path (the inbound webhook receiver, whose JSON body belongs to
	the sender); the password login Frappe performs before any hook is unaffected.
	"""
	method = http_method.upper()
	api_path = path.startswith("/api/")
	if method == "OPTIONS":
		return Call(OPTIONS, "web", api_path)
	cmd = form.get("cmd")
	call = _resolve(method, path, form, cmd, api_path, match, cmd_dropped_on)
	return replace(call, logs_in=True) if cmd == "login" or path == "/api/method/login" else call


def _resolve(method, path, form, cmd, api_path, match, cmd_dropped_on) -> Call:
	if cmd and cmd_dropped_on and api_path:
		routed = _api_call(method, path, form, match)
		if routed.kind == METHOD and routed.method in cmd_dropped_on:
			return routed
	if cmd:
		if not isinstance(cmd, str):  # a JSON body's list or number: Frappe fails on it, runs nothing known
			return Call(METHOD, "cmd", True, method=None)
		return Call(LOGIN if cmd == "login" else METHOD, "cmd", True, method=cmd)
	if path == "/api/method/login":
		return Call(LOGIN, "v1", True, method="login")
	if api_path:
		return _api_call(method, path, form, match)
	if path.startswith(("/backups", "/private/files/")):
		return Call(FILE, "web", False)
	if method in ("GET", "HEAD", "POST"):
		return Call(PAGE, "web", False)
	return Call(NOT_FOUND, "web", False)


def _api_call(method: str, path: str, form: Mapping, match: Match) -> Call:
	try:
		(version, endpoint), arguments = match(path, method)
	except MethodNotAllowed:
		return Call(METHOD_NOT_ALLOWED, "v1", True)
	except NotFound:
		return Call(NOT_FOUND, "v1", True)
	doctype, name = arguments.get("doctype"), arguments.get("name")
	if endpoint == "handle_rpc_call":
		if version == "v1":  # Frappe keeps what comes before the first slash, then runs it as cmd
			return _named_method(arguments["method"].split("/")[0], version)
		if doctype is not None:
			return Call(CONTROLLER_METHOD, version, True, method=arguments["method"], doctype=doctype)
		return _named_method(arguments["method"], version)
	if endpoint in _V2_FIXED_METHODS:
		return Call(METHOD, version, True, method=_V2_FIXED_METHODS[endpoint])
	if endpoint == "run_doc_method":
		return Call(METHOD, version, True, method="run_doc_method")
	kind = (_V1_DOCUMENT if version == "v1" else _V2_DOCUMENT).get(endpoint)
	if kind is None:  # a route of a newer Frappe this resolver does not know: it runs something
		return Call(UNKNOWN, version, True)
	document_method = arguments.get("method")
	if version == "v1" and (endpoint == "execute_doc_method" or (kind == READ and "run_method" in form)):
		kind, document_method = DOCUMENT_METHOD, _form_text(form.get("run_method"))
	return Call(kind, version, True, method=document_method, doctype=doctype, name=name)


@lru_cache(maxsize=256)  # calls are immutable: those of the methods called lately are kept
def _named_method(dotted: str, version: str) -> Call:
	"""v1 and v2 hand the name to Frappe's RPC handler; ``login`` there runs nothing."""
	return Call(METHOD, version, True, method=dotted or None)


def _form_text(value) -> str | None:
	return value if isinstance(value, str) and value else None
