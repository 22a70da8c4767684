"""The API workspace moved from the module "My API App" to "API Keys" (Desk shows a workspace only
to users who can read a DocType of its module, and "My API App" was left with none): the emptied
Module Def goes, as a new site never has it. Anything that still links to it (a user's blocked
modules, say) keeps it."""

import frappe

MODULE = "My API App"


def execute() -> None:
	if not frappe.db.exists("Module Def", MODULE):
		return
	try:
		frappe.delete_doc("Module Def", MODULE, ignore_permissions=True)
	except frappe.LinkExistsError:
		frappe.clear_last_message()
