# Copyright (c) 2026, my_api_app developers and contributors
# For license information, please see license.txt
"""API Key Usage: every API Key with its requests, errors and durations over a period, most
used first (from API Call Log; System Managers)."""

from frappe import _
from frappe.utils import add_to_date, now_datetime

from my_api_app.request_log import usage

PERIODS = {"Last 24 Hours": {"hours": -24}, "Last 7 Days": {"days": -7}, "Last 30 Days": {"days": -30}}


def execute(filters: dict | None = None) -> tuple[list[dict], list[dict]]:
	period = (filters or {}).get("period") or "Last 30 Days"
	since = add_to_date(now_datetime(), **PERIODS.get(period, PERIODS["Last 30 Days"]))
	return columns(), usage.all_keys(since)


def columns() -> list[dict]:
	return [
		{
			"fieldname": "api_key",
			"label": _("API Key"),
			"fieldtype": "Link",
			"options": "API Key",
			"width": 200,
		},
		{"fieldname": "label", "label": _("Label"), "fieldtype": "Data", "width": 150},
		{"fieldname": "user", "label": _("User"), "fieldtype": "Link", "options": "User", "width": 180},
		{"fieldname": "requests", "label": _("Requests"), "fieldtype": "Int", "width": 100},
		{"fieldname": "errors", "label": _("Errors (4xx/5xx)"), "fieldtype": "Int", "width": 120},
		{"fieldname": "server_errors", "label": _("Server Errors (5xx)"), "fieldtype": "Int", "width": 130},
		{"fieldname": "error_rate", "label": _("Error Rate %"), "fieldtype": "Percent", "width": 110},
		{"fieldname": "p50_ms", "label": _("p50 (ms)"), "fieldtype": "Float", "width": 100},
		{"fieldname": "p95_ms", "label": _("p95 (ms)"), "fieldtype": "Float", "width": 100},
		{"fieldname": "last_request_at", "label": _("Last Request"), "fieldtype": "Datetime", "width": 170},
		{"fieldname": "last_request_from", "label": _("From"), "fieldtype": "Data", "width": 130},
		{"fieldname": "enabled", "label": _("Enabled"), "fieldtype": "Check", "width": 80},
		{"fieldname": "revoked", "label": _("Revoked"), "fieldtype": "Check", "width": 80},
	]
