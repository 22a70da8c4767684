"""The app's own DocTypes as Frappe's generic routes reach them (shared/README.md, "Frappe: DocTypes, versions, in-process calls").

Frappe 15 leaves openings that no permission row closes, and this module closes them for
every DocType of the app's modules (hooks.py wires it; the generated tests in
``my_api_app/tests/test_doctype_surface.py`` try every generic route against every DocType):

- **A table row on its own.** A row saved, read or deleted by itself (``/api/resource/<table>``,
  ``/api/v2/document``, ``frappe.client.get/save``, ``savedocs``, ``getdoc``) is checked against
  its parent *DocType*'s role permissions only (``frappe.permissions.has_child_permission``):
  the parent document's ``has_permission`` hooks (an API Key is its user's) and its
  controller (which validates rows and drops cached records) never run. ``TableRow``, the
  base of every table of the app, reads a row on its own only when the caller may read its
  parent document, and never creates, changes or deletes one on its own: the parent is saved
  instead (``frappe.client.insert``, ``set_value`` and ``delete`` of a row already do that).
- **A row of another document.** Frappe updates a saved parent's rows by name alone, so a
  parent saved with the name of someone else's row moves that row over (taken from its
  document, whose cached record never hears of it). ``keep_rows_with_their_parent`` makes
  such a row a new one.
- **Shares and assignments.** A DocShare would let its user past the role permissions, and
  Frappe shares a document with an assignee who may not read it; the app's DocTypes are never
  shared (``refuse_share``), and assigned only to a user who may read the document
  (``refuse_unreadable_reference``, before Frappe writes anything for the assignment).
- **Methods that check nothing.** ``follow_document`` lets any user follow any document with
  tracked changes and be mailed its changes: a Document Follow of an app DocType needs its user
  to be able to read it. (``get_count`` and ``toggle_like``, which check nothing either, are
  answered for every DocType by ``toolkit.frappe_methods``.)

No DocType of the app allows rename (``allow_rename`` off in every DocType JSON): a rename
also runs ``frappe.clear_cache()``. None allows import either, and since Frappe 15's Data Import
does not check ``allow_import`` on the server, ``refuse_import`` does.
"""

import frappe
from frappe import _
from frappe.model.document import Document

APP = "my_api_app"
# DocTypes whose documents carry a secret (a hash, a private key, a signing secret) or, for
# Webhook, whose save answers a durable webhook's new signing secret: no webhook is sent for
# them (webhooks.config), whatever its template renders.
SECRET_BEARING = frozenset(
	(
		"API Key",
		"API Key Scope",
		"API Signing Key",
		"Webhook Signing Secret",
		"Webhook Source",
		"Webhook Source Secret",
		"Webhook",
	)
)
READ_PERMISSIONS = frozenset({"read", "select", "print", "email", "report", "export"})


def modules() -> list[str]:
	"""The app's Frappe modules: one a capability (modules.txt)."""
	return frappe.get_module_list(APP)


def delete_stored_secrets() -> None:
	"""before_uninstall: the encrypted values of the app's Password fields (``__Auth`` rows: key
	hashes, signing keys, webhook secrets) go with the app. Frappe drops the DocTypes' tables on
	uninstall, but deletes ``__Auth`` rows only document by document."""
	doctypes = frappe.get_all("DocType", filters={"module": ("in", modules())}, pluck="name")
	if doctypes:
		frappe.db.delete("__Auth", {"doctype": ("in", doctypes)})


def is_app_doctype(doctype: str) -> bool:
	module = frappe.db.get_value("DocType", doctype, "module", cache=True)
	return bool(module) and module in modules()


class TableRow(Document):
	"""A row of a table of the app: read on its own only as its parent document allows;
	created, changed and deleted only with its parent."""

	def has_permission(self, permtype: str = "read", *, debug: bool = False, user: str | None = None) -> bool:
		if self.flags.ignore_permissions:
			return True
		if permtype not in READ_PERMISSIONS:
			frappe.permissions.push_perm_check_log(
				_("{0} rows change only with their parent document: save it instead.").format(
					_(self.doctype)
				),
				debug=debug,
			)
			return False
		return super().has_permission(permtype, debug=debug, user=user) and _parent_allows(
			self, permtype, user
		)


def _parent_allows(row: Document, permtype: str, user: str | None) -> bool:
	"""The parent document's own check, hooks included (an API Key's raises for another user's)."""
	if not (row.parenttype and row.parent and frappe.db.exists(row.parenttype, row.parent)):
		return False
	return frappe.get_doc(row.parenttype, row.parent).has_permission(permtype, user=user)


def keep_rows_with_their_parent(doc: Document, method: str | None = None) -> None:
	"""before_validate of every DocType of the app with a table: a row named like a row that is
	not this document's becomes a new row (Frappe would move the other document's row here)."""
	if doc.is_new():  # an insert names every row afresh
		return
	for df in doc.meta.get_table_fields():
		own = set(
			frappe.get_all(
				df.options,
				filters={"parent": doc.name, "parenttype": doc.doctype, "parentfield": df.fieldname},
				pluck="name",
			)
		)
		for row in doc.get(df.fieldname):
			if row.name and not row.is_new() and row.name not in own:
				row.name = None
				row.set("__islocal", True)


def refuse_import(doc: Document, method: str | None = None) -> None:
	"""Data Import validate: no DocType of the app is imported (none allows import)."""
	if doc.reference_doctype and is_app_doctype(doc.reference_doctype):
		frappe.throw(_("{0} cannot be imported.").format(_(doc.reference_doctype)), frappe.PermissionError)


def refuse_share(doc: Document, method: str | None = None) -> None:
	"""DocShare validate: the app's DocTypes are never shared (nor assigned, which shares)."""
	if doc.share_doctype and is_app_doctype(doc.share_doctype):
		frappe.throw(
			_("{0} documents cannot be shared.").format(_(doc.share_doctype)), frappe.PermissionError
		)


# doctype -> the fields of its document that name a document and the user it is for
_REFERENCES = {
	"Document Follow": ("ref_doctype", "ref_docname", "user"),  # mailed the document's changes
	"ToDo": ("reference_type", "reference_name", "allocated_to"),  # an assignment: Frappe shares
}


def refuse_unreadable_reference(doc: Document, method: str | None = None) -> None:
	"""Document Follow and ToDo validate: a document of the app is followed by, or assigned to,
	only a user who may read it (an API Key: its own user; a row: as its parent document)."""
	fields = _REFERENCES[doc.doctype]
	if not (doc.is_new() or any(doc.has_value_changed(field) for field in fields)):
		return  # closing or cancelling an assignment made earlier
	doctype, name, user = (doc.get(field) for field in fields)
	if not (doctype and name and is_app_doctype(doctype)):
		return
	if not (user and frappe.db.exists(doctype, name) and _may_read(doctype, name, user)):
		frappe.throw(
			_("{0} {1} is not readable by {2}.").format(_(doctype), name, user), frappe.PermissionError
		)


def _may_read(doctype: str, name: str, user: str) -> bool:
	try:
		return frappe.get_doc(doctype, name).has_permission("read", user=user)
	except frappe.PermissionError:  # a hook that raises (another user's API Key)
		return False
