"""The ``log_api_requests`` switch in System Settings, and the log's place in Log Settings.

Frappe 15 has no such field, so the app adds it as a Custom Field (after *Allow Error
Traceback*). A Frappe version whose System Settings ships a standard ``log_api_requests``
(Frappe 16 does) is detected from the DocType definition on disk: then no Custom Field is
added, an existing one of ours is removed before Frappe's own field is synced (the value
lives in ``tabSingles`` under the same field name, so it is kept), and the app reads Frappe's
field. Uninstalling the app removes only a Custom Field it added.
"""

import json
from functools import lru_cache

import frappe
from frappe.utils import cint

from my_api_app.toolkit import committed_cache

SETTING = "log_api_requests"
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


@lru_cache(maxsize=1)
def frappe_ships_setting() -> bool:
	"""Does the installed Frappe define ``log_api_requests`` in System Settings itself?"""
	path = frappe.get_app_path("frappe", "core", "doctype", "system_settings", "system_settings.json")
	with open(path) as f:
		return any(field.get("fieldname") == SETTING for field in json.load(f).get("fields", []))


def ensure_setting() -> None:
	"""after_install / after_migrate: the switch exists, once; the log is in Log Settings."""
	if frappe_ships_setting():
		_remove_custom_field()
	elif not frappe.db.exists("Custom Field", CUSTOM_FIELD):
		frappe.get_doc(
			{
				"doctype": "Custom Field",
				"dt": "System Settings",
				"fieldname": SETTING,
				"label": "Log API Requests",
				"fieldtype": "Check",
				"insert_after": "allow_error_traceback",
				"default": "0",
				"description": (
					"Record every /api/ request (method, path, user, API key, status, duration) in "
					"API Call Log. Records are written in batches by a background job; Log Settings "
					"decides how long they are kept."
				),
			}
		).insert(ignore_permissions=True)
	_register_in_log_settings()


def before_migrate() -> None:
	"""A Frappe that now ships the field must not meet our Custom Field of the same name."""
	if frappe_ships_setting():
		_remove_custom_field()


def before_uninstall() -> None:
	_remove_custom_field()


def _remove_custom_field() -> None:
	if frappe.db.exists("Custom Field", CUSTOM_FIELD):
		frappe.delete_doc("Custom Field", CUSTOM_FIELD, ignore_permissions=True, force=True)
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
