"""The request log's switch, ``my_api_app_log_api_requests`` in System Settings, and the log's
place in Log Settings.

The switch is a Custom Field of the app's own, installed, migrated and uninstalled here, on
every Frappe version. Frappe 16 has a ``log_api_requests`` field of its own that switches its
own API Request Log (path, method and user of /api/ requests): sharing that field would log
every request twice, so the two switches are independent (request_log/README.md). On Frappe 16
the app's checkbox sits under Frappe's, in System Settings' API Logging section.
"""

import frappe
from frappe.utils import cint

from my_api_app.shared import committed_cache, frappe_compat

SETTING = "my_api_app_log_api_requests"
SWITCH_CACHE = "my_api_app:log_api_requests"
CUSTOM_FIELD = f"System Settings-{SETTING}"
LOG_DOCTYPE = "API Call Log"
DEFAULT_RETENTION_DAYS = 30


def enabled() -> bool:
	"""Is logging on? A ``committed_cache`` value: each process's copy, read with no round
	trip, dropped by every process once a change commits. Frappe's document cache of System
	Settings is not used: it can keep the old value after a change when a request reloads it
	between the change's cache clear and its commit. Raises RedisError when neither a copy nor
	Redis can answer."""
	return committed_cache.get(SWITCH_CACHE, read_switch)


def forget(doc=None, method=None) -> None:
	"""System Settings on_update: requests see the new switch once the change commits."""
	committed_cache.invalidate_on_commit(SWITCH_CACHE)


def read_switch() -> bool:
	"""The setting as last committed (``committed_cache.latest_rows``)."""
	rows = committed_cache.latest_rows(
		"select value from `tabSingles` where doctype = 'System Settings' and field = %s", (SETTING,)
	)
	return bool(rows and cint(rows[0].value))


def ensure_setting() -> None:
	"""after_install / after_migrate: the switch exists, once; the log is in Log Settings."""
	if not frappe.db.exists("Custom Field", CUSTOM_FIELD):
		frappe.get_doc(
			{
				"doctype": "Custom Field",
				"dt": "System Settings",
				"fieldname": SETTING,
				"label": "Log API Requests in API Call Log",
				"fieldtype": "Check",
				"insert_after": frappe_compat.FRAPPE_API_LOG_SWITCH or "allow_error_traceback",
				"default": "0",
				"description": (
					"Record every /api/ request (method, path, what it called, user, API key, status, "
					"duration) in API Call Log, which the API Key Usage report and each key's usage read. "
					"Records are written in batches by a background job; Log Settings decides how long "
					"they are kept."
				),
			}
		).insert(ignore_permissions=True)
	_register_in_log_settings()


def before_uninstall() -> None:
	"""The switch goes, and its value: a reinstall starts with the log off."""
	if frappe.db.exists("Custom Field", CUSTOM_FIELD):
		frappe.delete_doc("Custom Field", CUSTOM_FIELD, ignore_permissions=True, force=True)
	frappe.db.delete("Singles", {"doctype": "System Settings", "field": SETTING})
	frappe.clear_cache(doctype="System Settings")


def _register_in_log_settings() -> None:
	"""Log Settings lists the log with the default retention at once (its daily clean-up would
	add it too, from the ``default_log_clearing_doctypes`` hook); days an operator set stay."""
	log_settings = frappe.get_doc("Log Settings")
	if any(row.ref_doctype == LOG_DOCTYPE for row in log_settings.logs_to_clear):
		return
	log_settings.register_doctype(LOG_DOCTYPE, DEFAULT_RETENTION_DAYS)
	log_settings.save(ignore_permissions=True)


def retention_days() -> int:
	"""Days Log Settings keeps the log."""
	days = frappe.db.get_value(
		"Logs To Clear", {"parent": "Log Settings", "ref_doctype": LOG_DOCTYPE}, "days"
	)
	return int(days or DEFAULT_RETENTION_DAYS)
