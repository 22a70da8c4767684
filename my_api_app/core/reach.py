"""Which DocTypes a generic Frappe method reaches, read from the call's arguments.

Frappe's generic methods (``frappe.client.get_value``, ``frappe.desk.reportview.get``, …) act
on whatever DocType the caller names in an argument, and several of them check permission at
DocType level only, where no ``has_permission`` hook is asked and a Single or a share answers
yes. So a scoped credential is checked *before* the call: every DocType the arguments name
needs the DocType scope for the access the method performs (``GENERIC_METHODS``).

A method of Frappe itself that is not classified here may act on any DocType: only an exact
``method:<dotted>`` scope grants it, never a wildcard (``needs_exact_scope``). A classified
method whose DocType argument cannot be read (malformed JSON, a list where a name belongs)
needs full access (:class:`Unclassifiable`), so a spelling this module does not understand
never passes.
"""

import json
from collections.abc import Callable, Iterator, Mapping

Reached = list[tuple[str, str]]  # (DocType, access)
ReportDocType = Callable[[str], str | None]  # a Report's name -> its ref_doctype


class Unclassifiable(ValueError):
	"""The arguments do not say plainly which DocType the method acts on."""


def _name(value) -> str:
	if not isinstance(value, str) or not value.strip():
		raise Unclassifiable(f"expected a DocType name, got {value!r}")
	return value


def _json(value):
	"""A dict or list argument, sent as JSON text (query string, form) or as JSON (a JSON body)."""
	if isinstance(value, str):
		try:
			return json.loads(value)
		except ValueError:
			raise Unclassifiable("an argument is not valid JSON") from None
	return value


def _documents(value) -> Iterator[dict]:
	docs = _json(value)
	if isinstance(docs, dict):
		docs = [docs]
	if not isinstance(docs, list) or not docs:
		raise Unclassifiable("expected a document or a list of documents")
	for doc in docs:
		if not isinstance(doc, dict):
			raise Unclassifiable("a document is not an object")
		yield doc


def _doctype_arg(argument: str, access: str, *, parent: str | None = None, runs: str | None = None):
	"""The DocType named by ``argument``; a child table read through ``parent`` reaches it too.
	``runs`` names an argument that makes the method call another, caller-chosen method
	(search's ``query``, upload's ``method``): with it, the reach cannot be told."""

	def reached(form: Mapping, report_doctype: ReportDocType) -> Reached:
		if runs and form.get(runs):
			raise Unclassifiable(f"{runs} runs another method")
		found = [(_name(form.get(argument)), access)]
		if parent and form.get(parent):
			found.append((_name(form.get(parent)), "read"))
		return found

	return reached


def _doc_arg(argument: str, access: str | None = None):
	"""The ``doctype`` of a document (or documents) given as an argument. Without a fixed
	access: a document with a name is written, one without is created; a child row is written
	through its parent, which is saved."""

	def reached(form: Mapping, report_doctype: ReportDocType) -> Reached:
		found = []
		for doc in _documents(form.get(argument)):
			found.append((_name(doc.get("doctype")), access or ("write" if doc.get("name") else "create")))
			if doc.get("parenttype"):
				found.append((_name(doc.get("parenttype")), "write"))
		return found

	return reached


def _report_arg(argument: str):
	"""A report's ``ref_doctype``: what the report reads. A report that cannot be found (or
	names none) needs full access."""

	def reached(form: Mapping, report_doctype: ReportDocType) -> Reached:
		doctype = report_doctype(_name(form.get(argument)))
		if not doctype:
			raise Unclassifiable("the report names no DocType")
		return [(doctype, "read")]

	return reached


def _run_doc_method(form: Mapping, report_doctype: ReportDocType) -> Reached:
	"""v1 ``run_doc_method(method, docs, dt, dn)`` and v2 ``run_doc_method(method, document)``:
	a document method can change the document, so it needs write."""
	if form.get("dt"):
		return [(_name(form.get("dt")), "write")]
	return [
		(_name(doc.get("doctype")), "write") for doc in _documents(form.get("docs") or form.get("document"))
	]


def _assign(form: Mapping, report_doctype: ReportDocType) -> Reached:
	"""``assign_to.add`` / ``add_multiple`` take their DocType inside ``args`` (or as form keys)."""
	args = _json(form.get("args")) if form.get("args") else form
	if not isinstance(args, Mapping):
		raise Unclassifiable("args is not an object")
	return [(_name(args.get("doctype")), "write")]


def _upload(form: Mapping, report_doctype: ReportDocType) -> Reached:
	"""A File is created; attached to a document (``doctype``), that document is written.
	A ``method`` argument makes Frappe run that method instead: the reach cannot be told."""
	if form.get("method"):
		raise Unclassifiable("method runs another method")
	if form.get("doctype"):
		return [("File", "create"), (_name(form.get("doctype")), "write")]
	return [("File", "create")]


_read = "read"
GENERIC_METHODS: dict[str, Callable[[Mapping, ReportDocType], Reached]] = {
	# frappe.client
	"frappe.client.get_list": _doctype_arg("doctype", _read, parent="parent"),
	"frappe.client.get_count": _doctype_arg("doctype", _read),
	"frappe.client.get": _doctype_arg("doctype", _read, parent="parent"),
	"frappe.client.get_value": _doctype_arg("doctype", _read, parent="parent"),
	"frappe.client.get_single_value": _doctype_arg("doctype", _read),
	"frappe.client.get_password": _doctype_arg("doctype", _read),
	"frappe.client.has_permission": _doctype_arg("doctype", _read),
	"frappe.client.get_doc_permissions": _doctype_arg("doctype", _read),
	"frappe.client.is_document_amended": _doctype_arg("doctype", _read),
	"frappe.client.validate_link": _doctype_arg("doctype", _read),
	"frappe.client.set_value": _doctype_arg("doctype", "write"),
	"frappe.client.rename_doc": _doctype_arg("doctype", "write"),
	"frappe.client.cancel": _doctype_arg("doctype", "write"),
	"frappe.client.delete": _doctype_arg("doctype", "delete"),
	"frappe.client.attach_file": _doctype_arg("doctype", "write"),
	"frappe.client.insert": _doc_arg("doc", "create"),
	"frappe.client.insert_many": _doc_arg("docs", "create"),
	"frappe.client.save": _doc_arg("doc"),
	"frappe.client.submit": _doc_arg("doc", "write"),
	"frappe.client.bulk_update": _doc_arg("docs", "write"),
	# list views, reports, exports
	"frappe.desk.reportview.get": _doctype_arg("doctype", _read),
	"frappe.desk.reportview.get_list": _doctype_arg("doctype", _read),
	"frappe.desk.reportview.get_count": _doctype_arg("doctype", _read),
	"frappe.desk.reportview.export_query": _doctype_arg("doctype", _read),
	"frappe.desk.reportview.get_sidebar_stats": _doctype_arg("doctype", _read),
	"frappe.desk.reportview.get_stats": _doctype_arg("doctype", _read),
	"frappe.desk.reportview.get_filter_dashboard_data": _doctype_arg("doctype", _read),
	"frappe.desk.reportview.get_group_by_count": _doctype_arg("doctype", _read),
	"frappe.desk.reportview.delete_items": _doctype_arg("doctype", "delete"),
	"frappe.desk.listview.get_group_by_count": _doctype_arg("doctype", _read),
	"frappe.model.db_query.get_list": _doctype_arg("doctype", _read),
	"frappe.desk.query_report.run": _report_arg("report_name"),
	"frappe.desk.query_report.get_script": _report_arg("report_name"),
	"frappe.desk.query_report.export_query": _report_arg("report_name"),
	"frappe.desk.query_report.background_enqueue_run": _report_arg("report_name"),
	# forms
	"frappe.desk.form.load.getdoc": _doctype_arg("doctype", _read),
	"frappe.desk.form.load.getdoctype": _doctype_arg("doctype", _read),
	"frappe.desk.form.load.get_docinfo": _doctype_arg("doctype", _read),
	"frappe.desk.form.load.get_communications": _doctype_arg("doctype", _read),
	"frappe.desk.form.load.get_document_email": _doctype_arg("doctype", _read),
	"frappe.desk.form.save.savedocs": _doc_arg("doc"),
	"frappe.desk.form.save.cancel": _doctype_arg("doctype", "write"),
	"frappe.desk.form.utils.get_next": _doctype_arg("doctype", _read),
	"frappe.desk.form.linked_with.get_submitted_linked_docs": _doctype_arg("doctype", _read),
	"frappe.desk.form.linked_with.get_linked_doctypes": _doctype_arg("doctype", _read),
	"frappe.desk.form.assign_to.add": _assign,
	"frappe.desk.form.assign_to.add_multiple": _assign,
	"frappe.desk.form.assign_to.remove": _doctype_arg("doctype", "write"),
	"frappe.desk.form.assign_to.close": _doctype_arg("doctype", "write"),
	"frappe.desk.form.document_follow.follow_document": _doctype_arg("doctype", _read),
	"frappe.desk.like.toggle_like": _doctype_arg("doctype", _read),
	"frappe.desk.link_preview.get_preview_data": _doctype_arg("doctype", _read),
	"frappe.desk.search.search_link": _doctype_arg("doctype", _read, runs="query"),
	"frappe.desk.search.search_widget": _doctype_arg("doctype", _read, runs="query"),
	"frappe.desk.treeview.get_children": _doctype_arg("doctype", _read),
	"frappe.desk.calendar.get_events": _doctype_arg("doctype", _read),
	"frappe.share.add": _doctype_arg("doctype", "write"),
	"frappe.share.remove": _doctype_arg("doctype", "write"),
	"frappe.share.set_permission": _doctype_arg("doctype", "write"),
	"frappe.share.get_users": _doctype_arg("doctype", _read),
	"frappe.model.rename_doc.update_document_title": _doctype_arg("doctype", "write"),
	"frappe.utils.print_format.download_pdf": _doctype_arg("doctype", _read),
	"frappe.www.printview.get_html_and_style": _doctype_arg("doctype", _read),
	"run_doc_method": _run_doc_method,
	"frappe.handler.run_doc_method": _run_doc_method,
	"upload_file": _upload,
	"frappe.handler.upload_file": _upload,
}

# Methods of Frappe that reach no DocType a caller names.
_NO_DOCTYPE = frozenset({"ping", "frappe.ping", "login", "logout", "frappe.auth.get_logged_user"})


# The bare names Frappe 15 answers itself (v2 routes, handler names, override_whitelisted_methods).
_BARE_FRAMEWORK_NAMES = frozenset(
	{"login", "logout", "ping", "upload_file", "uploadfile", "download_file", "run_doc_method"}
)


def is_framework_method(dotted: str) -> bool:
	"""A method of Frappe itself: ``frappe.…``, or one of the bare names Frappe answers
	(``ping``, ``run_doc_method``, …). A Server Script's API method is the site's own."""
	return dotted.startswith("frappe.") or dotted in _BARE_FRAMEWORK_NAMES


def needs_exact_scope(dotted: str) -> bool:
	"""Frappe's methods that are neither classified here nor known to reach no DocType."""
	return is_framework_method(dotted) and dotted not in GENERIC_METHODS and dotted not in _NO_DOCTYPE


def doctypes_reached(dotted: str, form: Mapping, report_doctype: ReportDocType) -> Reached:
	"""The (DocType, access) pairs a call of ``dotted`` with ``form`` reaches; empty for a
	method that is not generic. Raises :class:`Unclassifiable` when a generic method's
	arguments do not say plainly."""
	classify = GENERIC_METHODS.get(dotted)
	if classify is None:
		return []
	if not isinstance(form, Mapping):
		raise Unclassifiable("the arguments are not an object")
	return list(dict.fromkeys(classify(form, report_doctype)))
