"""The request log's switch moves from ``log_api_requests`` to ``my_api_app_log_api_requests``.

Up to now the app's switch was a Custom Field named ``log_api_requests`` on Frappe 15. Frappe 16
ships a standard field of that name for its own API Request Log: on a site that moves to Frappe
16 it would take over our value (and our log on would log every request twice). So, before the
DocTypes are synced, the value moves to the app's own field (whose Custom Field ``after_migrate``
makes), and the old Custom Field and its value go, leaving Frappe 16's own log off as Frappe
installs it. Raw SQL only: this runs before the schema of Frappe's DocTypes is migrated."""

import frappe

from my_api_app.request_log import settings

OLD_FIELD = "log_api_requests"
OLD_CUSTOM_FIELD = f"System Settings-{OLD_FIELD}"


def execute() -> None:
	if not frappe.db.exists("Custom Field", OLD_CUSTOM_FIELD):
		return  # never the app's field: a site installed since, or a field Frappe owns
	rows = frappe.db.sql(
		"select value from `tabSingles` where doctype = 'System Settings' and field = %s", (OLD_FIELD,)
	)
	frappe.db.sql(
		"delete from `tabSingles` where doctype = 'System Settings' and field in (%s, %s)",
		(OLD_FIELD, settings.SETTING),
	)
	if rows:
		frappe.db.sql(
			"insert into `tabSingles` (doctype, field, value) values ('System Settings', %s, %s)",
			(settings.SETTING, rows[0][0]),
		)
	frappe.db.delete("Custom Field", {"name": OLD_CUSTOM_FIELD})
	frappe.clear_cache(doctype="System Settings")
