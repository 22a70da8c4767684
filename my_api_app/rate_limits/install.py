"""Install hooks (wired in hooks.py)."""

import frappe

SITE_DEFAULT_RULE = "Site default"


def after_install() -> None:
	"""A site default rate limit, disabled: an operator enables or tunes it in Desk."""
	if not frappe.db.exists("API Rate Limit", SITE_DEFAULT_RULE):
		frappe.get_doc(
			{
				"doctype": "API Rate Limit",
				"rule_name": SITE_DEFAULT_RULE,
				"enabled": 0,
				"is_default": 1,
				"path_pattern": "/api/*",
				"applies_to": "Everyone",
				"counted_per": "API key, else user, else IP",
				"limit": 300,
				"period": 60,
				"burst": 100,
			}
		).insert(ignore_permissions=True)
