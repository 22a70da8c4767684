"""What a scoped credential may run: only what can be proven inside its scopes.

A credential whose scopes are not ``*`` may run three things, and nothing else:

1. **Toolkit endpoints** (``@endpoint``) that its ``method:`` scopes name, by the endpoint's
   own dotted path: a name that resolves to the endpoint by another route (a module that
   imports it, an ``override_whitelisted_methods`` entry) needs the scope of the endpoint
   that runs.
2. **Document routes** of a DocType its ``doctype:`` scopes name for the access the route
   needs: v1 ``/api/resource``, v2 ``/api/v2/document`` and ``/api/v2/doctype/<DocType>/meta``
   and ``/count``.
3. **A few of Frappe's generic methods** that clients use for the same document access
   (``GENERIC_METHODS``: what frappe-js-sdk, frappe-react-sdk and frappe-ui call), checked as
   the document routes are.

Every argument of 2 and 3 is parsed into the closed grammar of ``query_grammar``: fields,
filters, ``order_by`` and ``group_by`` name plain fields of the DocType (or of its own child
tables), and an argument the grammar does not know is refused, not ignored. Anything else (any
other method of Frappe or of an app, a Server Script, a report, an export, a print, an upload,
a document's method, a login, a page or a file) needs ``*``.

The Frappe side answers three questions and decides nothing: what a dotted method runs
(:class:`Target`), what a DocType is (``query_grammar.DocTypeInfo``), and the raw body's JSON.
"""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from my_api_app.shared.rules import dispatch, query_grammar
from my_api_app.shared.rules.query_grammar import DocTypeInfo, Query, Refused

FULL_ACCESS = "*"
READ, WRITE, CREATE, DELETE = "read", "write", "create", "delete"

# What a method call runs (``Target.kind``).
ENDPOINT = "endpoint"  # a toolkit endpoint: its identity is its own dotted path
FRAMEWORK = "framework"  # a function of Frappe's: its identity is module.qualname
OTHER = "other"  # anything else: another app's plain function, a Server Script, nothing at all


@dataclass(frozen=True)
class Target:
	"""What a method call runs, as the Frappe side found it (after ``override_whitelisted_methods``).

	``identity`` is the canonical name of the function that runs: an endpoint's path, or a
	Frappe function's ``module.qualname``. An endpoint of this app that stands in for one of
	Frappe's methods (its override) has that method's name as its identity: an alias reaches no
	more than its original name.
	"""

	kind: str
	identity: str | None = None


@dataclass(frozen=True)
class Touch:
	"""Document access a call makes: a DocType, the access, and the document when known."""

	doctype: str
	access: str
	name: str | None = None


@dataclass(frozen=True)
class Reach:
	"""What a call reaches, as far as it can be proven from the call alone.

	- ``endpoint``: the toolkit endpoint it runs (needs a method scope naming it);
	- ``touches``: the document access it makes (each needs its DocType scope);
	- ``unprovable``: why the call cannot be proven inside any narrower scope (it needs ``*``);
	- ``unknown_doctype``: a DocType the call names that does not exist (answered 404);
	- ``methods``: the names of the method that runs, for rate-limit rules.
	"""

	endpoint: str | None = None
	touches: tuple[Touch, ...] = ()
	unprovable: str | None = None
	unknown_doctype: str | None = None
	methods: tuple[str, ...] = ()

	@property
	def doctypes(self) -> tuple[str, ...]:
		return tuple(dict.fromkeys(touch.doctype for touch in self.touches))

	def spellings(self, call: dispatch.Call) -> tuple[str, ...]:
		"""Every /api/ path that makes the same call or the same document access: what
		rate-limit rule patterns are matched against, so a rule on ``/api/resource/ToDo``
		counts ``frappe.client.get_list(ToDo)`` and a rule on a method counts its aliases."""
		paths = list(call.spellings)
		for method in self.methods:
			paths.extend(dispatch.method_spellings(method))
		for touch in self.touches:
			paths.extend(dispatch.document_spellings(touch.doctype, touch.name))
		return tuple(dict.fromkeys(paths))


class World(Protocol):
	"""The facts the Frappe side supplies."""

	def target(self, dotted: str) -> Target: ...

	def doctype(self, name: str) -> DocTypeInfo | None: ...

	def body(self): ...  # the raw body as JSON (None when it is not JSON)

	def controller_method(self, doctype: str, method: str) -> str | None: ...


def missing_scope(scopes, reach: Reach) -> str | None:
	"""The first scope ``reach`` needs that ``scopes`` (a ``shared.rules.scopes.ScopeSet``) lacks."""
	if scopes.is_full:
		return None
	if reach.unprovable is not None:
		return FULL_ACCESS
	if reach.endpoint is not None and not scopes.allows_method(reach.endpoint):
		return f"method:{reach.endpoint}"
	for touch in reach.touches:
		if not scopes.allows_doctype(touch.doctype, touch.access):
			return f"doctype:{touch.doctype}:{touch.access}"
	return None


def analyse(call: dispatch.Call, form: Mapping, world: World) -> Reach:
	"""What ``call`` (with the request's ``form_dict``) reaches."""
	if call.kind == dispatch.OPTIONS:
		return Reach()
	if call.kind in _DOCUMENT_ROUTES and call.doctype:
		return _document_route(call, form, world)
	if call.kind == dispatch.METHOD and isinstance(call.method, str) and call.method:
		return _method(call.method, form, world, via_cmd=call.via == "cmd")
	if call.kind == dispatch.CONTROLLER_METHOD and call.doctype and call.method:
		dotted = world.controller_method(call.doctype, call.method)
		if dotted:
			return _method(dotted, form, world, via_cmd=False)
		return Reach(unprovable="the DocType has no controller module")
	return Reach(unprovable=_WHY_FULL.get(call.kind, "only full access reaches this"))


_WHY_FULL = {
	dispatch.LOGIN: "a password login",
	dispatch.DOCUMENT_METHOD: "a document's method runs code of its own",
	dispatch.FILE: "a file",
	dispatch.PAGE: "a page",
	dispatch.NOT_FOUND: "no route",
	dispatch.METHOD_NOT_ALLOWED: "no route for this HTTP method",
	dispatch.UNKNOWN: "a route of Frappe's this app does not know",
}


def _refusal(reach_so_far: tuple[Touch, ...], error: Refused, methods: tuple[str, ...] = ()) -> Reach:
	return Reach(touches=reach_so_far, unprovable=str(error), methods=methods)


# Document routes


_DOCUMENT_ROUTES = {
	dispatch.LIST: READ,
	dispatch.READ: READ,
	dispatch.META: READ,
	dispatch.COUNT: READ,
	dispatch.COPY: READ,
	dispatch.CREATE: CREATE,
	dispatch.UPDATE: WRITE,
	dispatch.DELETE: DELETE,
	dispatch.DOCUMENT_METHOD: WRITE,
}
# What each v1/v2 list route passes on to frappe.client.get_list. Frappe 15 passes the v2 ones
# on to get_list; Frappe 16 reads start and limit (and debug).
_V1_LIST_ARGS = frozenset(
	"fields filters or_filters order_by group_by limit_start limit_page_length limit as_dict debug parent".split()
)
_LIST_ARGS = {"v1": _V1_LIST_ARGS, "v2": _V1_LIST_ARGS - {"limit_page_length"} | {"start"}}
_COUNT_ARGS = frozenset(("filters", "or_filters", "distinct", "limit"))


def _document_route(call: dispatch.Call, form: Mapping, world: World) -> Reach:
	access = _DOCUMENT_ROUTES[call.kind]
	touch = Touch(call.doctype, access, call.name)
	doctype = world.doctype(call.doctype)
	if doctype is None:
		return Reach(touches=(touch,), unknown_doctype=call.doctype)
	if call.kind == dispatch.DOCUMENT_METHOD:
		return Reach(touches=(touch,), unprovable=_WHY_FULL[dispatch.DOCUMENT_METHOD])
	try:
		touches = _route_arguments(call, doctype, form, world, touch)
	except Refused as error:
		return _refusal((touch,), error)
	return Reach(touches=touches)


def _route_arguments(call, doctype: DocTypeInfo, form: Mapping, world: World, touch: Touch):
	if call.kind == dispatch.LIST:
		query_grammar.only(form, _LIST_ARGS[call.via], "this list")
		return _list(doctype, form, world, parent=form.get("parent"))
	if doctype.is_table:
		raise Refused(f"{doctype.name} rows are read and written with their parent document")
	if call.kind == dispatch.COUNT:
		query_grammar.only(form, _COUNT_ARGS, "a count")
		query = Query(doctype, world.doctype)
		query.filters(form.get("filters"))
		query.filters(form.get("or_filters"), "or_filters")
		query_grammar.flag(form.get("distinct"), "distinct")
		query_grammar.count(form.get("limit"), "limit")
	elif call.kind in (dispatch.READ, dispatch.META, dispatch.COPY, dispatch.DELETE):
		query_grammar.only(form, (), f"{call.kind} of a document")
	else:  # CREATE, UPDATE: the document, as Frappe reads it for that route
		query_grammar.document(
			doctype,
			world.doctype,
			_route_document(call.via, form, world),
			creating=call.kind == dispatch.CREATE,
		)
	return (touch,)


def _route_document(via: str, form: Mapping, world: World):
	"""The document a create or update route saves: v2 takes ``form_dict``; v1 takes the
	``data`` argument, else the raw body, as JSON, else ``form_dict``."""
	if via != "v1":
		return form
	data = form.get("data")
	if data is None:
		data = world.body()
	if isinstance(data, str):
		try:
			data = query_grammar.parse_json(data, "data")
		except Refused:
			return form
	return data if data is not None else form


def _list(doctype: DocTypeInfo, form: Mapping, world: World, *, parent) -> tuple[Touch, ...]:
	"""A list query (``frappe.client.get_list`` and the list routes)."""
	touches = _read_with_parent(doctype, parent, world)
	query = Query(doctype, world.doctype)
	query.fields(form.get("fields"))
	query.filters(form.get("filters"))
	query.filters(form.get("or_filters"), "or_filters")
	query.order_by(form.get("order_by"))
	query.group_by(form.get("group_by"))
	for key in ("limit_start", "limit_page_length", "limit", "start"):
		query_grammar.count(form.get(key), key)
	query_grammar.flag(form.get("as_dict"), "as_dict")
	if query_grammar.flag(form.get("debug"), "debug"):
		raise Refused("debug shows the query Frappe builds")
	return touches


def _read_with_parent(doctype: DocTypeInfo, parent, world: World) -> tuple[Touch, ...]:
	"""Reading a DocType: a child DocType only through a parent that has it as a table
	(Frappe then checks the parent), which is what is read."""
	if not doctype.is_table:
		if parent not in (None, ""):
			raise Refused(f"{doctype.name} is not a table: it takes no parent")
		return (Touch(doctype.name, READ),)
	if not isinstance(parent, str) or not parent:
		raise Refused(f"{doctype.name} is a table: name its parent DocType")
	parent_info = world.doctype(parent)
	if parent_info is None or doctype.name not in parent_info.tables.values():
		raise Refused(f"{doctype.name} is not a table of {parent}")
	return (Touch(parent, READ),)


# Methods


def _method(called: str, form: Mapping, world: World, *, via_cmd: bool) -> Reach:
	target = world.target(called)
	methods = tuple(dict.fromkeys(name for name in (called, target.identity) if name))
	if target.identity in GENERIC_METHODS and target.kind in (ENDPOINT, FRAMEWORK):
		arguments = {key: value for key, value in form.items() if not (via_cmd and key == "cmd")}
		return _generic(target.identity, arguments, world, methods)
	if target.kind == ENDPOINT:
		return Reach(endpoint=target.identity, methods=methods)
	if target.identity in NO_DOCUMENTS:
		return Reach(methods=methods)
	# Any other method needs full access. The DocType it is given is noted all the same, so a
	# rate-limit rule on that DocType's routes counts the call (frappe.desk.reportview.get, ...).
	named = form.get("doctype")
	touches = (Touch(named, READ),) if target.kind == FRAMEWORK and isinstance(named, str) and named else ()
	return Reach(
		touches=touches, unprovable="only toolkit endpoints are reached by method scopes", methods=methods
	)


def _generic(identity: str, form: Mapping, world: World, methods: tuple[str, ...]) -> Reach:
	arguments, check = GENERIC_METHODS[identity]
	named = form.get("doctype") if identity not in _DOCUMENT_ARGUMENT else _document_doctype(form, identity)
	if not isinstance(named, str) or not named:
		return Reach(unprovable=f"{identity} names no DocType", methods=methods)
	doctype = world.doctype(named)
	if doctype is None:
		return Reach(touches=(Touch(named, READ),), unknown_doctype=named, methods=methods)
	try:
		query_grammar.only(form, arguments, identity)
		touches = check(doctype, form, world)
	except Refused as error:
		return _refusal((Touch(named, READ),), error, methods)
	return Reach(touches=touches, methods=methods)


def _document_doctype(form: Mapping, identity: str):
	doc = form.get(_DOCUMENT_ARGUMENT[identity])
	if isinstance(doc, str):
		try:
			doc = query_grammar.parse_json(doc, "doc")
		except Refused:
			return None
	return doc.get("doctype") if isinstance(doc, Mapping) else None


def _get_list(doctype: DocTypeInfo, form: Mapping, world: World) -> tuple[Touch, ...]:
	return _list(doctype, form, world, parent=form.get("parent"))


def _get_count(doctype: DocTypeInfo, form: Mapping, world: World) -> tuple[Touch, ...]:
	touches = _read_with_parent(doctype, None, world)
	Query(doctype, world.doctype).filters(form.get("filters"))
	if query_grammar.flag(form.get("debug"), "debug"):
		raise Refused("debug shows the query Frappe builds")
	query_grammar.flag(form.get("cache"), "cache")
	return touches


def _get_value(doctype: DocTypeInfo, form: Mapping, world: World) -> tuple[Touch, ...]:
	touches = _read_with_parent(doctype, form.get("parent"), world)
	query = Query(doctype, world.doctype)
	for field in _value_fields(form.get("fieldname")):
		query.column(field, "fieldname")
	_name_or_filters(query, form.get("filters"))
	query_grammar.flag(form.get("as_dict"), "as_dict")
	if query_grammar.flag(form.get("debug"), "debug"):
		raise Refused("debug shows the query Frappe builds")
	return touches


def _value_fields(fieldname) -> list:
	"""``fieldname`` as ``get_value`` reads it: JSON (a list, or one name), else one name."""
	if fieldname is None:
		raise Refused("fieldname names the fields to read")
	fields = fieldname
	if isinstance(fieldname, str):
		try:
			fields = json.loads(fieldname)
		except ValueError:
			fields = [fieldname]
	if isinstance(fields, str):
		fields = [fields]
	if not isinstance(fields, list):
		raise Refused("fieldname must be a field or a list of fields")
	return fields


def _name_or_filters(query: Query, filters) -> None:
	"""``filters`` of get_value and get: a document name, or filters."""
	if isinstance(filters, str) and not filters.lstrip().startswith(("{", "[")):
		return  # a name
	query.filters(filters)


def _get_single_value(doctype: DocTypeInfo, form: Mapping, world: World) -> tuple[Touch, ...]:
	if not doctype.is_single:
		raise Refused(f"{doctype.name} is not a Single")
	Query(doctype, world.doctype).column(form.get("field"), "field")
	return (Touch(doctype.name, READ),)


def _get(doctype: DocTypeInfo, form: Mapping, world: World) -> tuple[Touch, ...]:
	touches = _read_with_parent(doctype, form.get("parent"), world)
	name = form.get("name")
	if name is not None and not isinstance(name, str):
		raise Refused("name must be text")
	if not name:
		filters = form.get("filters")
		if isinstance(filters, str) and not filters.lstrip().startswith(("{", "[")):
			raise Refused("filters must be an object or a list")
		Query(doctype, world.doctype).filters(filters)
	return tuple(Touch(t.doctype, t.access, name or None) for t in touches)


def _stored(access: str) -> Callable:
	"""``delete`` and ``cancel``: a stored document by DocType and name."""

	def check(doctype: DocTypeInfo, form: Mapping, world: World) -> tuple[Touch, ...]:
		return (Touch(doctype.name, access, _stored_name(doctype, form)),)

	return check


def _stored_name(doctype: DocTypeInfo, form: Mapping) -> str:
	if doctype.is_table:
		raise Refused(f"{doctype.name} rows are written with their parent document")
	name = form.get("name")
	if not isinstance(name, str) or not name:
		raise Refused("name a document")
	return name


def _set_value(doctype: DocTypeInfo, form: Mapping, world: World) -> tuple[Touch, ...]:
	"""The values as ``frappe.client.set_value`` reads them: ``{fieldname: value}``, or with no
	value, ``fieldname`` as a JSON object of values (text that is not JSON: that field emptied)."""
	name = _stored_name(doctype, form)
	fieldname, value = form.get("fieldname"), form.get("value")
	if value:
		values = {fieldname: value}
	elif isinstance(fieldname, str):
		try:
			values = json.loads(fieldname)
		except ValueError:
			values = {fieldname: ""}
	else:
		values = fieldname
	if not isinstance(values, Mapping) or not all(isinstance(key, str) for key in values):
		raise Refused("fieldname must be a field or an object of fields")
	query_grammar.document(doctype, world.doctype, values, creating=False)
	return (Touch(doctype.name, WRITE, name),)


def _whole_document(*, submit: bool) -> Callable:
	"""``save`` and ``submit``: a whole document. One without a name is created (and, for
	``submit``, then written again)."""

	def check(doctype: DocTypeInfo, form: Mapping, world: World) -> tuple[Touch, ...]:
		if doctype.is_table:
			raise Refused(f"{doctype.name} rows are written with their parent document")
		doc = query_grammar.parse_json(form.get("doc"), "doc")
		name = doc.get("name") if isinstance(doc, Mapping) else None
		query_grammar.document(doctype, world.doctype, doc, creating=not name)
		if not name:
			return (Touch(doctype.name, CREATE),) + ((Touch(doctype.name, WRITE),) if submit else ())
		if not isinstance(name, str):
			raise Refused("a document's name is text")
		return (Touch(doctype.name, WRITE, name),)

	return check


def _insert(doctype: DocTypeInfo, form: Mapping, world: World) -> tuple[Touch, ...]:
	if doctype.is_table:
		raise Refused(f"{doctype.name} rows are written with their parent document")
	doc = query_grammar.parse_json(form.get("doc"), "doc")
	query_grammar.document(doctype, world.doctype, doc, creating=True)
	return (Touch(doctype.name, CREATE),)


# Frappe's methods a scoped credential may call: (the arguments each takes, its check). Each
# names its DocType in ``doctype`` or, for those in _DOCUMENT_ARGUMENT, in a document argument.
GENERIC_METHODS: dict[str, tuple[frozenset[str], Callable]] = {
	"frappe.client.get_list": (
		frozenset(
			(
				"doctype",
				"fields",
				"filters",
				"group_by",
				"order_by",
				"limit_start",
				"limit_page_length",
				"parent",
				"debug",
				"as_dict",
				"or_filters",
			)
		),
		_get_list,
	),
	"frappe.client.get_count": (frozenset(("doctype", "filters", "debug", "cache")), _get_count),
	"frappe.client.get_value": (
		frozenset(("doctype", "fieldname", "filters", "as_dict", "debug", "parent")),
		_get_value,
	),
	"frappe.client.get_single_value": (frozenset(("doctype", "field")), _get_single_value),
	"frappe.client.get": (frozenset(("doctype", "name", "filters", "parent")), _get),
	"frappe.client.insert": (frozenset(("doc",)), _insert),
	"frappe.client.save": (frozenset(("doc",)), _whole_document(submit=False)),
	"frappe.client.submit": (frozenset(("doc",)), _whole_document(submit=True)),
	"frappe.client.set_value": (frozenset(("doctype", "name", "fieldname", "value")), _set_value),
	"frappe.client.cancel": (frozenset(("doctype", "name")), _stored(WRITE)),
	"frappe.client.delete": (frozenset(("doctype", "name")), _stored(DELETE)),
}
_DOCUMENT_ARGUMENT = {
	"frappe.client.insert": "doc",
	"frappe.client.save": "doc",
	"frappe.client.submit": "doc",
}

# Frappe's methods that read or write no document: any scoped credential may call them.
NO_DOCUMENTS = frozenset(("frappe.ping", "frappe.auth.get_logged_user"))
