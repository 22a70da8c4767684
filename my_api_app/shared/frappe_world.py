"""The facts ``shared.rules.closed_world`` asks of Frappe for one request; it decides nothing itself.

- ``target``: what a dotted method runs, found the way Frappe's handler finds it (the last
  ``override_whitelisted_methods`` entry, a Server Script API method of that name first, then
  the function ``frappe.handler.get_attr`` returns), named by the function, not by the path it
  was called by: a toolkit endpoint by its own path, a Frappe function by ``module.qualname``.
  This app's overrides of Frappe methods are named as the method they replace.
- ``doctype``: a DocType by its exact name (MariaDB compares names without case; Frappe's
  tables do not), with its columns, tables and links.
- ``body``: the raw body as JSON, which Frappe's v1 document routes read.
"""

import json

import frappe

from my_api_app.shared import frappe_compat
from my_api_app.shared.app_doctypes import APP
from my_api_app.shared.rules import closed_world, query_grammar
from my_api_app.shared.rules.closed_world import Target


class FrappeWorld:
	def __init__(self) -> None:
		self._doctypes: dict[str, query_grammar.DocTypeInfo | None] = {}

	def target(self, dotted: str) -> Target:
		final = frappe_compat.overridden_method(dotted)
		if frappe_compat.is_server_script_api(final):
			return Target(closed_world.OTHER, None)
		function = frappe_compat.whitelisted_function(final)
		if function is None:
			return Target(closed_world.OTHER, None)
		spec = getattr(function, "endpoint_spec", None)
		if spec is not None:
			replaced = _own_overrides().get(spec.path)
			if replaced is not None:
				return Target(closed_world.FRAMEWORK, replaced)
			return Target(closed_world.ENDPOINT, spec.path)
		identity = f"{getattr(function, '__module__', '')}.{getattr(function, '__qualname__', '')}"
		kind = closed_world.FRAMEWORK if identity.startswith("frappe.") else closed_world.OTHER
		return Target(kind, identity)

	def doctype(self, name: str) -> query_grammar.DocTypeInfo | None:
		if name not in self._doctypes:
			self._doctypes[name] = _doctype_info(name)
		return self._doctypes[name]

	def body(self):
		try:
			return json.loads(frappe.request.get_data(as_text=True) or "null")
		except ValueError:
			return None

	def controller_method(self, doctype: str, method: str) -> str | None:
		module = frappe_compat.doctype_module(doctype)
		return f"{module}.{method}" if module else None


def _own_overrides() -> dict[str, str]:
	"""This app's endpoints that stand in for Frappe methods: endpoint path -> Frappe's name."""
	return {
		target: source
		for source, targets in frappe.get_hooks("override_whitelisted_methods", app_name=APP).items()
		for target in targets
	}


def _doctype_info(name: str) -> query_grammar.DocTypeInfo | None:
	meta = frappe_compat.meta(name)
	if meta is None or meta.name != name:
		return None
	fields = set(meta.get_valid_columns())
	if not meta.istable:
		fields |= {"_user_tags", "_comments", "_assign", "_liked_by"}
		if meta.track_seen:
			fields.add("_seen")
	return query_grammar.DocTypeInfo(
		name=name,
		fields=frozenset(fields),
		tables={df.fieldname: df.options for df in meta.get_table_fields()},
		links={df.fieldname: df.options for df in meta.get_link_fields()},
		is_table=bool(meta.istable),
		is_single=bool(meta.issingle),
	)
