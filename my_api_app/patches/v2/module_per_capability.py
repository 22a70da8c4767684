"""Each capability became a Frappe module of its own (modules.txt): the Module Defs Frappe's
installer makes for a new site are made here for a site installed before, ahead of the DocType
sync that moves the DocTypes, reports, number cards and charts into them. Records stay where
they are: a DocType's table does not depend on its module. Frappe read the app's modules before
the migration started, from a cache that an older version of the app may have filled: they are
read again here, or the sync looks for the module this layout no longer has."""

import frappe

from my_api_app.shared import app_doctypes, frappe_compat


def execute() -> None:
	frappe_compat.reread_module_map()
	for module in app_doctypes.modules():
		if not frappe.db.exists("Module Def", module):
			frappe.get_doc(
				{"doctype": "Module Def", "module_name": module, "app_name": app_doctypes.APP}
			).insert(ignore_permissions=True)
