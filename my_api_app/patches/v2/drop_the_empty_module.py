"""The API workspace moved from the module "My API App" to "API Keys" (Desk shows a workspace only
to users who can read a DocType of its module, and "My API App" was left with none): the emptied
Module Def goes, as a new site never has it. The model sync has moved the DocTypes, reports and the
workspace by now; the cards and charts are moved here, ahead of Frappe's own dashboard sync after
the patches. Anything else that still links to the module (a user's blocked modules, say) keeps it."""

import frappe

from my_api_app.shared import frappe_compat
from my_api_app.shared.app_doctypes import APP

MODULE = "My API App"


def execute() -> None:
	if not frappe.db.exists("Module Def", MODULE):
		return
	frappe_compat.sync_dashboards(APP)
	try:
		frappe.delete_doc("Module Def", MODULE, ignore_permissions=True)
	except frappe.LinkExistsError:
		frappe.clear_last_message()
