"""A small site for the closed world's tests: DocTypes as the Frappe side describes them, and
what dotted methods run (``shared.rules.closed_world.World``)."""

import json

from my_api_app.shared.rules.closed_world import ENDPOINT, FRAMEWORK, OTHER, Target
from my_api_app.shared.rules.query_grammar import DocTypeInfo

STANDARD = {"name", "owner", "creation", "modified", "modified_by", "docstatus", "idx"}
PARENT_OPTIONAL = {"_user_tags", "_comments", "_assign", "_liked_by"}


def doctype(name, fields=(), tables=None, links=None, *, is_table=False, is_single=False):
	columns = (
		set(fields) | STANDARD | ({"parent", "parentfield", "parenttype"} if is_table else PARENT_OPTIONAL)
	)
	return DocTypeInfo(
		name=name,
		fields=frozenset(columns),
		tables=dict(tables or {}),
		links=dict(links or {}),
		is_table=is_table,
		is_single=is_single,
	)


DOCTYPES = {
	info.name: info
	for info in (
		doctype(
			"ToDo",
			("description", "status", "allocated_to", "reference_type", "reference_name", "date"),
			links={"allocated_to": "User"},
		),
		doctype("Note", ("title", "content", "public"), tables={"seen_by": "Note Seen By"}),
		doctype("Note Seen By", ("user",), links={"user": "User"}, is_table=True),
		doctype("User", ("email", "api_key", "last_login", "last_ip", "enabled")),
		doctype("System Settings", ("country", "allow_error_traceback"), is_single=True),
		doctype("Sales Invoice", ("customer", "grand_total")),
		doctype("Tree Thing", ("parent_tree_thing", "lft", "rgt"), links={"parent_tree_thing": "Tree Thing"}),
		doctype("API Key", ("label", "user", "enabled"), tables={"scopes": "API Key Scope"}),
		doctype("API Key Scope", ("scope",), is_table=True),
	)
}

TARGETS = {
	# toolkit endpoints, by their own path and by an alias (a module that imports one)
	"my_api_app.examples.public.hello": Target(ENDPOINT, "my_api_app.examples.public.hello"),
	"my_api_app.api.keys.create_key": Target(ENDPOINT, "my_api_app.api.keys.create_key"),
	"my_api_app.examples.public.create_key": Target(ENDPOINT, "my_api_app.api.keys.create_key"),
	"my_api_app.api.auth.issue_token": Target(ENDPOINT, "my_api_app.api.auth.issue_token"),
	# this app's stand-ins for Frappe methods are judged as the method they replace
	"frappe.client.get_count": Target(FRAMEWORK, "frappe.client.get_count"),
	"my_api_app.toolkit.frappe_methods.get_count": Target(FRAMEWORK, "frappe.client.get_count"),
	"frappe.desk.like.toggle_like": Target(FRAMEWORK, "frappe.desk.like.toggle_like"),
	"my_api_app.toolkit.frappe_methods.toggle_like": Target(FRAMEWORK, "frappe.desk.like.toggle_like"),
	# a module of an app that imports Frappe's function runs Frappe's function
	"my_api_app.api.helpers.get_list": Target(FRAMEWORK, "frappe.client.get_list"),
	# a Server Script API method, another app's plain function
	"my_script": Target(OTHER, None),
	"other_app.api.thing": Target(OTHER, "other_app.api.thing"),
	"ping": Target(FRAMEWORK, "frappe.ping"),
	"frappe.ping": Target(FRAMEWORK, "frappe.ping"),
	"frappe.auth.get_logged_user": Target(FRAMEWORK, "frappe.auth.get_logged_user"),
}
FRAPPE_METHODS = (
	"frappe.client.get_list",
	"frappe.client.get_value",
	"frappe.client.get_single_value",
	"frappe.client.get",
	"frappe.client.insert",
	"frappe.client.insert_many",
	"frappe.client.save",
	"frappe.client.set_value",
	"frappe.client.submit",
	"frappe.client.cancel",
	"frappe.client.delete",
	"frappe.client.get_password",
	"frappe.client.rename_doc",
	"frappe.client.bulk_update",
	"frappe.desk.reportview.get",
	"frappe.desk.reportview.get_count",
	"frappe.desk.reportview.export_query",
	"frappe.desk.query_report.run",
	"frappe.desk.search.search_link",
	"frappe.desk.form.load.getdoc",
	"frappe.desk.form.save.savedocs",
	"frappe.model.mapper.make_mapped_doc",
	"frappe.handler.upload_file",
	"frappe.share.add",
)


class FakeWorld:
	def __init__(self, body=None):
		self._body = body

	def target(self, dotted: str) -> Target:
		if dotted in TARGETS:
			return TARGETS[dotted]
		if dotted in FRAPPE_METHODS:
			return Target(FRAMEWORK, dotted)
		return Target(OTHER, None)

	def doctype(self, name: str):
		return DOCTYPES.get(name)

	def body(self):
		try:
			return json.loads(self._body) if self._body is not None else None
		except ValueError:
			return None

	def controller_method(self, doctype: str, method: str):
		return None if doctype not in DOCTYPES else f"frappe.desk.doctype.{doctype.lower()}.{method}"
